"""N cart-poles stepped at once in numpy, bit for bit as pybullet steps each of them.

One ``pybullet.stepSimulation`` of this model (``btMultiBodyDynamicsWorld``, one substep, bullet3 3.2.7):

1. ``solveExternalForces``: the articulated-body algorithm (``featherstone.joint_accelerations``) under
   gravity, Bullet's link damping and gyroscopic terms and the slider force; ``applyDeltaVeeMultiDof``:
   ``qdot += qddot * dt``, each coordinate clamped to +/-``m_maxCoordinateVelocity``.
2. ``solveInternalConstraints``: ``btMultiBodyJointLimitConstraint`` rows for the slider where its
   penetration is <= 0, solved by ``btMultiBodyConstraintSolver``'s projected Gauss-Seidel (``_solve_limit``);
   ``processDeltaVeeMultiDof2`` applies the accumulated velocity change, clamped again.
3. ``integrateMultiBodyTransforms`` -> ``stepPositionsMultiDof``: ``q += dt * qdot``.

The motors pybullet makes at load (force 0) have a maximum impulse of 0: their rows never change a
velocity or the residual, so they are left out. The model's constants come from a pybullet client
(``read_model``); the few Bullet keeps to itself (damping, clamps, solver settings) are the defaults of its
source, named below. ``BatchedPendulum`` is the public face; ``engine_guard`` chooses how it steps.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from pendulum_zoo.physics.bullet import pybullet

from pendulum_zoo.physics import featherstone
from pendulum_zoo.physics.bullet_client import GRAVITY, HINGE, SLIDER, SOLVER_ITERATIONS, TIMESTEP, PendulumPhysics
from pendulum_zoo.physics.mjcf import check_track_half_width
from pendulum_zoo.validation import check_integer



def F32(value: float) -> float:
    """A C++ float literal (``0.04f``) as the double Bullet computes with."""
    return float(np.float32(value))


LINK_DAMPING = F32(0.04)  # btMultiBody(): m_linearDamping = m_angularDamping = 0.04f
MAX_COORDINATE_VELOCITY = 100.0  # btMultiBody(): m_maxCoordinateVelocity = 100.f
LIMIT_ERP = 0.2  # btContactSolverInfo: m_erp = btScalar(0.2) (non-contact rows)
SPLIT_IMPULSE_THRESHOLD = F32(-0.04)  # btContactSolverInfo: m_splitImpulsePenetrationThreshold = -.04f
MAX_LIMIT_IMPULSE = 100.0  # btMultiBodyConstraint(): m_maxAppliedImpulse(100)
RESIDUAL_THRESHOLD = 1e-7  # PhysicsServerCommandProcessor: m_leastSquaresResidualThreshold = 1e-7
_JOINT_TYPES = {pybullet.JOINT_PRISMATIC: featherstone.PRISMATIC, pybullet.JOINT_REVOLUTE: featherstone.REVOLUTE,
                pybullet.JOINT_FIXED: featherstone.FIXED}


class Link(NamedTuple):
    parent: int
    joint: str
    mass: float
    inertia: tuple
    zero_rot: tuple  # m_zeroRotParentToThis
    e_vector: tuple  # parent centre of mass -> joint pivot, parent frame
    d_vector: tuple  # joint pivot -> this centre of mass, this frame
    axis_top: tuple
    axis_bottom: tuple


class BulletModel(NamedTuple):
    links: tuple
    base_mass: float
    base_inertia: tuple
    base_quat: tuple
    gravity: tuple
    dt: float
    link_damping: float
    joint_damping: tuple
    lower: float  # the slider's joint limits
    upper: float


def model_key(model: BulletModel) -> str:
    """Everything the kernels depend on (all but the slider limits), as text: engine_fast's identity."""
    return repr(model._replace(lower=None, upper=None))


def read_model(physics: PendulumPhysics) -> BulletModel:
    """The multibody as pybullet built it (getDynamicsInfo, getJointInfo, getBasePositionAndOrientation)."""
    cid, body = physics.client, physics.cart
    links = []
    for j in range(pybullet.getNumJoints(body, physicsClientId=cid)):
        info = pybullet.getJointInfo(body, j, physicsClientId=cid)
        mass, _, inertia, inertial_pos, inertial_orn = pybullet.getDynamicsInfo(body, j, physicsClientId=cid)[:5]
        if tuple(inertial_orn) != (0.0, 0.0, 0.0, 1.0):
            raise RuntimeError(f"link {j} has a rotated inertial frame {inertial_orn}; the engine assumes none")
        joint, axis = _JOINT_TYPES[info[2]], tuple(info[13])
        d_vector = tuple(inertial_pos)  # URDF2Bullet: -(localInertialFrame.inverse().getOrigin())
        top, bottom = ((0.0, 0.0, 0.0),) * 2
        if joint == featherstone.REVOLUTE:  # setupRevolute: top = axis, bottom = axis x d
            top = axis
            bottom = (axis[1] * d_vector[2] - axis[2] * d_vector[1], axis[2] * d_vector[0] - axis[0] * d_vector[2],
                      axis[0] * d_vector[1] - axis[1] * d_vector[0])
        elif joint == featherstone.PRISMATIC:  # setupPrismatic: top = 0, bottom = axis
            bottom = axis
        links.append(Link(info[16], joint, mass, tuple(inertia), tuple(info[15]), tuple(info[14]), d_vector, top,
                          bottom))
    base_mass, _, base_inertia = pybullet.getDynamicsInfo(body, -1, physicsClientId=cid)[:3]
    _, orn = pybullet.getBasePositionAndOrientation(body, physicsClientId=cid)
    slider = pybullet.getJointInfo(body, SLIDER, physicsClientId=cid)
    damping = tuple(pybullet.getJointInfo(body, j, physicsClientId=cid)[6] for j in range(len(links)))
    return BulletModel(tuple(links), base_mass, tuple(base_inertia), (-orn[0], -orn[1], -orn[2], orn[3]),
                       (0.0, 0.0, -GRAVITY), TIMESTEP, LINK_DAMPING, damping, slider[8], slider[9])


class ArrayOps:
    """Data-dependent choices and functions for float64 arrays (and the floats among them)."""

    def __init__(self, sin=np.sin, cos=np.cos) -> None:
        self.sin, self.cos = sin, cos

    @staticmethod
    def where(condition, a, b):
        if isinstance(condition, (bool, np.bool_)):
            return a if condition else b
        return np.where(condition, a, b)

    @staticmethod
    def sqrt(value):
        return math.sqrt(value) if isinstance(value, float) else np.sqrt(value)

    @staticmethod
    def clamp(value, low, high):  # btClamp: a < lb -> lb; else ub < a -> ub
        return np.minimum(np.maximum(value, low), high)


def free_velocities(model, x, theta, x_dot, theta_dot, force, ops):
    """Velocities after ``solveExternalForces``: ABA accelerations, then ``applyDeltaVeeMultiDof(qdd, dt)``."""
    positions = [None] * len(model.links)
    velocities = [None] * len(model.links)
    positions[SLIDER], positions[HINGE] = x, theta
    velocities[SLIDER], velocities[HINGE] = x_dot, theta_dot
    torques = [None] * len(model.links)
    # m_jointTorque: += force (TORQUE_CONTROL), += -jointDamping * qdot (processForwardDynamicsCommand)
    torques[SLIDER] = (0.0 + force) + (-model.joint_damping[SLIDER] * x_dot)
    torques[HINGE] = 0.0 + (-model.joint_damping[HINGE] * theta_dot)
    acc = featherstone.joint_accelerations(model, positions, velocities, torques, ops)
    v = MAX_COORDINATE_VELOCITY
    return (ops.clamp(x_dot + acc[SLIDER] * model.dt, -v, v), ops.clamp(theta_dot + acc[HINGE] * model.dt, -v, v))


def slider_response(model, x, theta, direction, ops):
    """Joint velocity change per unit impulse ``direction`` (+1 or -1) on the slider."""
    positions = [None] * len(model.links)
    positions[SLIDER], positions[HINGE] = x, theta
    force = [None] * len(model.links)
    force[SLIDER], force[HINGE] = direction, 0.0  # the limit row's Jacobian: +/-1 on the slider's dof
    deltas = featherstone.impulse_response(model, positions, force, ops)
    return deltas[SLIDER], deltas[HINGE]


class Kernels:
    """The two model-sized parts of a step, on float64 arrays: the readable mirror itself."""

    def __init__(self, model: BulletModel, ops: ArrayOps) -> None:
        self.model, self.ops = model, ops

    def free_velocities(self, x, theta, x_dot, theta_dot, force):
        return free_velocities(self.model, x, theta, x_dot, theta_dot, force, self.ops)

    def slider_response(self, x, theta, direction):
        return slider_response(self.model, x, theta, direction, self.ops)


def step_state(kernels, model, x, x_dot, theta, theta_dot, force):
    """One ``stepSimulation`` of every pendulum; returns the new ``(x, x_dot, theta, theta_dot)``."""
    x_dot, theta_dot = kernels.free_velocities(x, theta, x_dot, theta_dot, force)
    # btMultiBodyJointLimitConstraint::createConstraintRows: a row unless the penetration is > 0 (the same as
    # <= 0 here: NaN never reaches the engine)
    lower_pen, upper_pen = x - model.lower, model.upper - x
    at_lower = lower_pen <= 0.0
    rows = np.flatnonzero(at_lower | (upper_pen <= 0.0))
    # processDeltaVeeMultiDof2 (and addSplitV/substractSplitV): qdot += 0 where no row acted
    x_dot, theta_dot = x_dot + 0.0, theta_dot + 0.0
    if rows.size:
        lower_row = at_lower[rows]
        direction = np.where(lower_row, 1.0, -1.0)  # row 0: jacobianA = +1; row 1: jacobianB = -1
        penetration = np.where(lower_row, lower_pen[rows], upper_pen[rows])
        dx, dtheta = _solve_limit(kernels, model, x[rows], theta[rows], x_dot[rows], penetration, direction)
        v = MAX_COORDINATE_VELOCITY  # processDeltaVeeMultiDof2 -> applyDeltaVeeMultiDof(m_deltaV, 1), clamped
        x_dot[rows] = np.minimum(np.maximum(x_dot[rows] + dx * 1.0, -v), v)
        theta_dot[rows] = np.minimum(np.maximum(theta_dot[rows] + dtheta * 1.0, -v), v)
    # btMultiBody::stepPositionsMultiDof: pJointPos[0] += dt * jointVel
    return x + model.dt * x_dot, x_dot, theta + model.dt * theta_dot, theta_dot


def _solve_limit(kernels, model, x, theta, x_dot, penetration, direction):
    """The slider-limit rows through ``btMultiBodyConstraintSolver``; returns the accumulated m_deltaV."""
    unit_x, unit_theta = kernels.slider_response(x, theta, direction)  # calcAccelerationDeltasMultiDof
    # fillMultiBodyConstraint: denom = sum jac[i] * delta[i] (one nonzero Jacobian entry); relaxation 1
    denom = direction * unit_x
    jac_diag_inv = np.where(denom > 2.220446049250313e-16, 1.0 / denom, 0.0)
    rel_vel = x_dot * direction  # sum getVelocityVector()[i] * jac[i]
    # createConstraintRows: split impulse keeps only the velocity part of rows deeper than the threshold
    positional_error = -penetration * LIMIT_ERP / model.dt
    velocity_impulse = -rel_vel * jac_diag_inv
    shallow = penetration > SPLIT_IMPULSE_THRESHOLD
    rhs = np.where(shallow, positional_error * jac_diag_inv + velocity_impulse, velocity_impulse)
    applied = np.zeros_like(rhs)
    delta_x = np.zeros_like(rhs)  # m_deltaV (and the solver's m_deltaVelocities: the same sums)
    delta_theta = np.zeros_like(rhs)
    going = np.ones(rhs.shape, dtype=bool)
    for _ in range(SOLVER_ITERATIONS):  # solveGroupCacheFriendlyIterations
        # resolveSingleConstraintRowGeneric (m_cfm = 0)
        delta = rhs - applied * 0.0
        delta = delta - (direction * delta_x) * jac_diag_inv
        total = applied + delta
        below, above = total < 0.0, total > MAX_LIMIT_IMPULSE
        delta = np.where(below, 0.0 - applied, np.where(above, MAX_LIMIT_IMPULSE - applied, delta))
        applied = np.where(going, np.where(below, 0.0, np.where(above, MAX_LIMIT_IMPULSE, total)), applied)
        # applyDeltaVee and applyDeltaVeeMultiDof2 (DIRECTLY_UPDATE_VELOCITY_DURING_SOLVER_ITERATIONS)
        delta_x = np.where(going, delta_x + unit_x * delta, delta_x)
        delta_theta = np.where(going, delta_theta + unit_theta * delta, delta_theta)
        residual = delta / jac_diag_inv  # the row's return value; the iteration's residual is its square
        going &= ~(residual * residual <= RESIDUAL_THRESHOLD)
        if not going.any():
            break
    return delta_x, delta_theta


def model_for(track_half_width: float = 1.0) -> BulletModel:
    """Read the model from a fresh pybullet client with this track."""
    physics = PendulumPhysics(check_track_half_width(track_half_width))
    try:
        return read_model(physics)
    finally:
        physics.close()


class BatchedPendulum:
    """``num`` cart-poles on a track of half-width ``track_half_width``, stepped together.

    ``reset(angles)`` puts each pole at its angle (radians, 0 upright), cart at rest at 0; ``step(forces)``
    applies slider forces in newtons (already scaled and clipped, as ``PendulumPhysics.step``) for one
    0.0165 s step. The state is in the float64 arrays ``x``, ``x_dot``, ``theta``, ``theta_dot``.
    """

    def __init__(self, num: int, track_half_width: float = 1.0, *, stepper=None) -> None:
        from pendulum_zoo.physics import engine_guard

        self.num = check_integer("num", num, minimum=1)
        self.track_half_width = check_track_half_width(track_half_width)
        self._stepper = stepper if stepper is not None else engine_guard.stepper_for(self.track_half_width)
        self.x, self.x_dot, self.theta, self.theta_dot = (np.zeros(self.num) for _ in range(4))

    def reset(self, angles, indices=None) -> None:
        """Start episodes: all pendulums, or those at ``indices``, with the poles at ``angles``, at rest."""
        where = slice(None) if indices is None else indices
        self.x[where] = 0.0
        self.x_dot[where] = 0.0
        self.theta[where] = angles
        self.theta_dot[where] = 0.0

    def step(self, forces) -> None:
        forces = np.asarray(forces, dtype=np.float64)
        if forces.shape != (self.num,):
            raise ValueError(f"forces must have shape ({self.num},), got {forces.shape}")
        self.x, self.x_dot, self.theta, self.theta_dot = self._stepper.step(
            self.x, self.x_dot, self.theta, self.theta_dot, forces)

    def cos_sin(self):
        """``cos(theta)`` and ``sin(theta)``, equal to math.cos/math.sin (the guard makes sure)."""
        return self._stepper.cos(self.theta), self._stepper.sin(self.theta)
