"""One cart-pole in its own pybullet physics client, set up call for call as the legacy environment.

``pybullet_envs`` (``env_bases.py``, ``scene_abstract.py``, ``robot_bases.py``, ``robot_pendula.py``) makes a
fixed sequence of pybullet calls; the physics is deterministic, so making the same calls with the same values
in the same order reproduces its trajectories bit for bit. This module is that sequence, and nothing else:
the gymnasium environment and the population evaluator both drive the pendulum through it, and both advance
it with ``step_pendulum``, the one function that steps a pendulum.
"""

from __future__ import annotations

from pendulum_zoo.physics.bullet import pybullet
from pendulum_zoo.physics.mjcf import check_track_half_width, mjcf_file

GRAVITY = 9.8  # scene_abstract.World: setGravity(0, 0, -9.8), not the MJCF's 9.81
TIMESTEP = 0.0165  # gym_pendulum_envs: timestep=0.0165, frame_skip=1
SOLVER_ITERATIONS = 5  # scene_abstract.World.numSolverIterations
CONTACT_ERP = 0.9  # scene_abstract.World: setDefaultContactERP(0.9)
FORCE_SCALE = 100.0  # robot_pendula.apply_action: 100 * clip(a[0], -1, 1)
SWINGUP_OFFSET = 3.1415  # robot_pendula.robot_specific_reset: 3.1415 + u, not pi
INITIAL_ANGLE_RANGE = 0.1  # robot_pendula: u = np_random.uniform(low=-.1, high=.1)

SLIDER, HINGE = 0, 2  # cart joints in load order: slider, jointfix_1_2, hinge, jointfix_0_4
_LOAD_FLAGS = (
    pybullet.URDF_USE_SELF_COLLISION
    | pybullet.URDF_USE_SELF_COLLISION_EXCLUDE_ALL_PARENTS
    | pybullet.URDF_GOOGLEY_UNDEFINED_COLORS
)

# Bound once: attribute look-ups on the module cost as much as the simulation step itself.
_set_motor = pybullet.setJointMotorControl2
_step_simulation = pybullet.stepSimulation
_joint_states = pybullet.getJointStates
_TORQUE = pybullet.TORQUE_CONTROL
_POSITION = pybullet.POSITION_CONTROL
_JOINTS = (SLIDER, HINGE)


class PendulumPhysics:
    """A cart-pole in a private pybullet client.

    ``reset(angle)`` puts the pole at ``angle`` (radians, 0 = upright) at rest and returns the state;
    ``step(force)`` applies ``force`` (newtons, already clipped and scaled) to the slider for one 0.0165 s
    step and returns the state. The state is the tuple ``(x, x_dot, theta, theta_dot)``.
    """

    def __init__(self, track_half_width: float = 1.0, connection_mode: int = pybullet.DIRECT) -> None:
        self.track_half_width = check_track_half_width(track_half_width)
        self.client = pybullet.connect(connection_mode)
        if self.client < 0:
            raise RuntimeError("pybullet could not open a physics client")
        self._saved_state = -1
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    def _build(self) -> None:
        # env_bases.MJCFBaseBulletEnv.reset, first call
        cid = self.client
        pybullet.resetSimulation(physicsClientId=cid)
        pybullet.setPhysicsEngineParameter(deterministicOverlappingPairs=1, physicsClientId=cid)
        pybullet.configureDebugVisualizer(pybullet.COV_ENABLE_GUI, 0, physicsClientId=cid)
        self._apply_world_settings()  # scene_abstract.World.__init__
        self._apply_world_settings()  # Scene.episode_restart
        with mjcf_file(self.track_half_width) as path:  # robot_bases.MJCFBasedRobot.reset
            bodies = pybullet.loadMJCF(path, flags=_LOAD_FLAGS, physicsClientId=cid)
        self.rail, self.cart = bodies
        for joint in range(pybullet.getNumJoints(self.cart, physicsClientId=cid)):  # XmlBasedRobot.addToScene
            _set_motor(self.cart, joint, _POSITION, positionGain=0.1, velocityGain=0.1, force=0,
                       physicsClientId=cid)

    def _apply_world_settings(self) -> None:
        # scene_abstract.World.clean_everything
        cid = self.client
        pybullet.setGravity(0, 0, -GRAVITY, physicsClientId=cid)
        pybullet.setDefaultContactERP(CONTACT_ERP, physicsClientId=cid)
        pybullet.setPhysicsEngineParameter(fixedTimeStep=TIMESTEP, numSolverIterations=SOLVER_ITERATIONS,
                                           numSubSteps=1, physicsClientId=cid)

    def reset(self, angle: float) -> tuple[float, float, float, float]:
        """Start an episode with the pole at ``angle`` and every velocity zero."""
        cid = self.client
        if self._saved_state >= 0:
            # gym_pendulum_envs.InvertedPendulumBulletEnv.reset: later resets restore the first one's state
            pybullet.restoreState(self._saved_state, physicsClientId=cid)
            self._apply_world_settings()
        # robot_pendula.InvertedPendulum.robot_specific_reset -> Joint.reset_current_position, set_motor_torque
        pybullet.resetJointState(self.cart, HINGE, targetValue=angle, targetVelocity=0, physicsClientId=cid)
        _set_motor(self.cart, HINGE, controlMode=_POSITION, targetPosition=0, targetVelocity=0,
                   positionGain=0.1, velocityGain=0.1, force=0, physicsClientId=cid)
        _set_motor(bodyIndex=self.cart, jointIndex=HINGE, controlMode=_TORQUE, force=0, physicsClientId=cid)
        if self._saved_state < 0:
            self._saved_state = pybullet.saveState(physicsClientId=cid)
        return self.state()

    def step(self, force: float) -> tuple[float, float, float, float]:
        """Apply ``force`` to the slider, advance one step, return the new state."""
        return step_pendulum(self.client, self.cart, force)

    def state(self) -> tuple[float, float, float, float]:
        return read_state(self.client, self.cart)

    def close(self) -> None:
        if self.client >= 0:
            try:
                pybullet.disconnect(physicsClientId=self.client)
            finally:
                self.client = -1

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass


def step_pendulum(client: int, cart: int, force: float) -> tuple[float, float, float, float]:
    """One step of the pendulum ``cart`` in physics client ``client``: ``force`` newtons on the slider
    (already clipped and scaled), one ``stepSimulation``, the new state ``(x, x_dot, theta, theta_dot)``."""
    # robot_pendula.apply_action -> Joint.set_motor_torque; env_bases.MJCFBaseBulletEnv.step -> scene.global_step.
    # Positional arguments: keyword parsing would cost a tenth of the step. In TORQUE_CONTROL mode pybullet reads
    # only the force; the other slots hold setJointMotorControl2's defaults.
    _set_motor(cart, SLIDER, _TORQUE, 0.0, 0.0, force, 0.1, 1.0, -1.0, client)
    _step_simulation(client)
    return read_state(client, cart)


def read_state(client: int, cart: int) -> tuple[float, float, float, float]:
    """``(x, x_dot, theta, theta_dot)`` of the pendulum ``cart`` (robot_pendula.InvertedPendulum.calc_state)."""
    (x, x_dot, _, _), (theta, theta_dot, _, _) = _joint_states(cart, _JOINTS, client)
    return x, x_dot, theta, theta_dot
