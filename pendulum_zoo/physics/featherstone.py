"""Bullet's articulated-body algorithm for a fixed-base chain, term by term (btMultiBody.cpp, bullet3 3.2.7).

``joint_accelerations`` mirrors ``btMultiBody::computeAccelerationsArticulatedBodyAlgorithmMultiDof`` for
the case pybullet runs here (fixed base, local velocities, no constraint pass, no kinematic links) and
``impulse_response`` mirrors ``btMultiBody::calcAccelerationDeltasMultiDof``. Bullet's downward loop computes
the articulated inertias and the bias forces of a link together; they do not depend on each other, so they
are two loops here (``articulated_inertias``, then the force loop), each value computed by the same
expression in the same order as Bullet's. Indices follow Bullet's: entry 0 of the per-body lists is the
base, entry ``i + 1`` link ``i``.

A model is a :class:`pendulum_zoo.physics.engine.BulletModel`; positions and velocities are per-link lists
(``None`` for fixed joints); scalars are float64 arrays, floats or tracing symbols (see bullet_algebra).
"""

from __future__ import annotations

from pendulum_zoo.physics import bullet_algebra as ba
from pendulum_zoo.physics.bullet_algebra import Dyad, Force, Motion, Transform

PRISMATIC, REVOLUTE, FIXED = "prismatic", "revolute", "fixed"


def link_transforms(model, positions, ops):
    """Parent-to-link transforms from the joint positions: ``btMultibodyLink::updateCacheMultiDof``."""
    transforms = []
    for link, q in zip(model.links, positions):
        if link.joint == REVOLUTE:
            # cachedRot = btQuaternion(axisTop, -q) * zeroRot; cachedRVector = d + quatRotate(cachedRot, e)
            rot = ba.quat_mul(ba.quat_from_axis_angle(link.axis_top, -q, ops), link.zero_rot)
            vector = ba.add(link.d_vector, ba.quat_rotate(rot, link.e_vector))
        elif link.joint == PRISMATIC:
            rot = link.zero_rot  # d + quatRotate(rot, e) + q * axisBottom
            vector = ba.add(ba.add(link.d_vector, ba.quat_rotate(rot, link.e_vector)), ba.scale(link.axis_bottom, q))
        else:
            rot = link.zero_rot
            vector = ba.add(link.d_vector, ba.quat_rotate(rot, link.e_vector))
        # rot_from_parent[i + 1] = btMatrix3x3(m_cachedRotParentToThis); fromParent.m_trnVec = m_cachedRVector
        transforms.append(Transform(ba.mat_from_quat(rot), vector))
    return transforms


def _axis(link):
    return Motion(link.axis_top, link.axis_bottom)  # m_axes[0]


def _link_inertia(mass, inertia):
    # spatInertia.setMatrix(0, diag(m, m, m), diag(I)): body frames sit at the centres of mass
    return Dyad(ba.ZERO33, ba.diag(mass, mass, mass), ba.diag(*inertia))


def articulated_inertias(model, transforms, ops):
    """The downward loop's inertia half: ``h = I^A s``, ``invD = 1 / (s . h)`` per moving joint."""
    inertias = [_link_inertia(model.base_mass, model.base_inertia)]
    inertias += [_link_inertia(link.mass, link.inertia) for link in model.links]
    h, inv_d = {}, {}
    for i in range(len(model.links) - 1, -1, -1):
        link = model.links[i]
        dyad = inertias[i + 1]  # dyadTemp = spatInertia[i + 1]
        if link.joint != FIXED:
            axis = _axis(link)
            h[i] = ba.dyad_mul(inertias[i + 1], axis)  # hDof = spatInertia[i + 1] * m_axes[dof]
            d = ba.motion_dot(axis, h[i])  # D_row[dof2] = m_axes[dof].dot(hDof2)
            inv_d[i] = _inverse_d(d, ops)
            temp = ba.spatial_add(ba.ZERO_FORCE, ba.spatial_scale(h[i], inv_d[i]))  # setZero(); += hDof2 * invDi
            dyad = ba.dyad_sub(dyad, ba.symmetric_outer(h[i], temp))  # dyadTemp -= h (h invD)^T
        parent = link.parent + 1  # transformInverse(dyadTemp, spatInertia[parent + 1], Add)
        inertias[parent] = ba.dyad_add(inertias[parent], ba.transform_inverse_dyad(transforms[i], dyad))
    return inertias, h, inv_d


def _inverse_d(d, ops):
    # prismatic/revolute: invDi[0] = D[0] >= SIMD_EPSILON ? 1.0f / D[0] : 0
    return ops.where(d >= ba.SIMD_EPSILON, 1.0 / d, 0.0)


def joint_accelerations(model, positions, velocities, torques, ops):
    """Joint accelerations of the free chain under gravity, damping, gyroscopic terms and ``torques``."""
    links = model.links
    transforms = link_transforms(model, positions, ops)
    base_rot = ba.mat_from_quat(model.base_quat)  # rot_from_parent[0] = btMatrix3x3(m_baseQuat)
    rot_from_world = [base_rot]
    spat_vel = [Motion(ba.mat_vec(base_rot, ba.ZERO3), ba.mat_vec(base_rot, ba.ZERO3))]  # fixed base at rest
    bias = [ba.ZERO_FORCE]  # zeroAccSpatFrc[0].setZero(): isBaseStaticOrKinematic
    coriolis = []
    k = model.link_damping  # DAMPING_K1/K2_LINEAR/ANGULAR = m_linearDamping = m_angularDamping
    # First 'upward' loop
    for i, link in enumerate(links):
        x = transforms[i]
        rot_from_world.append(ba.mat_mul(x.rot, rot_from_world[link.parent + 1]))
        vel = ba.transform(x, spat_vel[link.parent + 1])  # fromParent.transform(spatVel[parent + 1], ...)
        joint_vel = ba.ZERO_MOTION
        if link.joint != FIXED:  # spatJointVel += m_axes[dof] * qdot
            joint_vel = ba.spatial_add(joint_vel, ba.spatial_scale(_axis(link), velocities[i]))
        vel = ba.spatial_add(vel, joint_vel)
        spat_vel.append(vel)
        coriolis.append(ba.motion_cross(vel, joint_vel))  # spatVel[i + 1].cross(spatJointVel, spatCoriolisAcc[i])
        # external forces: gravity, added as m_appliedForce = 0 + m_gravity * mass (addLinkForce)
        force = ba.add(ba.ZERO3, ba.scale(model.gravity, link.mass))
        rw = rot_from_world[i + 1]
        z = Force(ba.neg(ba.mat_vec(rw, force)), ba.neg(ba.mat_vec(rw, ba.ZERO3)))
        w, v = vel.top, vel.bottom
        # damping: I * w * (K1 + K2 |w|) and m * v * (K1 + K2 |v|), with angDampMult = linDampMult = 1
        ang_damp = ba.scale(ba.mul(ba.scale(link.inertia, 1.0), w), k + k * ba.safe_norm(w, ops))
        lin_damp = ba.scale(ba.scale(v, 1.0 * link.mass), k + k * ba.safe_norm(v, ops))
        z = Force(ba.add(z.top, lin_damp), ba.add(z.bottom, ang_damp))  # addVector(angular, linear)
        z = Force(z.top, ba.add(z.bottom, ba.cross(w, ba.mul(link.inertia, w))))  # m_useGyroTerm: w x (I w)
        z = Force(ba.add(z.top, ba.scale(ba.cross(w, v), link.mass)), z.bottom)  # m * (w x v)
        bias.append(z)
    inertias, h, inv_d = articulated_inertias(model, transforms, ops)
    # 'Downward' loop, force half
    y = {}
    for i in range(len(links) - 1, -1, -1):
        link = links[i]
        temp = ba.spatial_add(bias[i + 1], ba.dyad_mul(inertias[i + 1], coriolis[i]))
        if link.joint != FIXED:
            # Y = jointTorque - m_axes[dof].dot(zeroAccSpatFrc[i + 1]) - spatCoriolisAcc[i].dot(hDof)
            y[i] = torques[i] - ba.motion_dot(_axis(link), bias[i + 1]) - ba.motion_dot(coriolis[i], h[i])
            inv_d_y = 0.0 + inv_d[i] * y[i]  # invD_times_Y[dof] = 0.f; += invDi * Y
            temp = ba.spatial_add(temp, ba.spatial_scale(h[i], inv_d_y))
        parent = link.parent + 1  # zeroAccSpatFrc[parent + 1] += fromParent.transformInverse(...)
        bias[parent] = ba.spatial_add(bias[parent], ba.transform_inverse(transforms[i], temp))
    # Second 'upward' loop: spatAcc[0].setZero() (fixed base)
    acc = [ba.ZERO_MOTION]
    accelerations = [None] * len(links)
    for i, link in enumerate(links):
        a = ba.transform(transforms[i], acc[link.parent + 1])
        if link.joint != FIXED:
            y_minus_ha = y[i] - ba.motion_dot(a, h[i])  # Y_minus_hT_a = Y - spatAcc[i + 1].dot(hDof)
            accelerations[i] = 0.0 + inv_d[i] * y_minus_ha  # mulMatrix: pC = 0.f; pC += invDi * Y_minus_hT_a
            a = ba.spatial_add(a, coriolis[i])
            a = ba.spatial_add(a, ba.spatial_scale(_axis(link), accelerations[i]))
        else:
            a = ba.spatial_add(a, coriolis[i])
        acc.append(a)
    return accelerations


def impulse_response(model, positions, generalized_force, ops):
    """Joint velocity change per unit of ``generalized_force``: ``calcAccelerationDeltasMultiDof``."""
    links = model.links
    transforms = link_transforms(model, positions, ops)
    inertias, h, inv_d = articulated_inertias(model, transforms, ops)  # cached h, invD of the step's ABA
    z = [ba.ZERO_FORCE] * (len(links) + 1)  # zeroAccSpatFrc[i + 1].setZero(); the base's too (fixed)
    y = {}
    for i in range(len(links) - 1, -1, -1):
        link = links[i]
        temp = z[i + 1]  # spatForceVecTemps[0] = zeroAccSpatFrc[i + 1]
        if link.joint != FIXED:
            y[i] = generalized_force[i] - ba.motion_dot(_axis(link), z[i + 1])  # Y = force[6+dof] - s.zhat
            inv_d_y = 0.0 + inv_d[i] * y[i]
            temp = ba.spatial_add(temp, ba.spatial_scale(h[i], inv_d_y))  # Zp += pXi * (Zi + hi*Yi/Di)
        parent = link.parent + 1
        z[parent] = ba.spatial_add(z[parent], ba.transform_inverse(transforms[i], temp))
    acc = [ba.ZERO_MOTION]
    deltas = [None] * len(links)
    for i, link in enumerate(links):
        a = ba.transform(transforms[i], acc[link.parent + 1])
        if link.joint != FIXED:
            deltas[i] = 0.0 + inv_d[i] * (y[i] - ba.motion_dot(a, h[i]))
            a = ba.spatial_add(a, ba.spatial_scale(_axis(link), deltas[i]))
        acc.append(a)
    return deltas
