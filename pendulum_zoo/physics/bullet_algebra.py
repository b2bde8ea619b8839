"""Bullet's LinearMath and spatial algebra, formula for formula, over any scalar type.

pybullet is built with ``BT_USE_DOUBLE_PRECISION`` and therefore without the SIMD paths of
``src/LinearMath`` (``BT_USE_SIMD_VECTOR3`` needs single precision): every operation below is the scalar
C++ expression of the Bullet header it names, with the same operands in the same order, so that float64
arithmetic gives the same bits. A scalar may be a Python float, a numpy float64 array (N pendulums at once)
or a tracing symbol (``tools/generate_engine.py``); data-dependent choices go through an ``ops`` object
(``where``, ``sqrt``) instead of Python ``if``.

Vectors are 3-tuples, matrices 3-tuples of rows, quaternions ``(x, y, z, w)``.
"""

from __future__ import annotations

from typing import NamedTuple

SIMD_EPSILON = 2.220446049250313e-16  # btScalar.h: DBL_EPSILON in double precision
ZERO3 = (0.0, 0.0, 0.0)
ZERO33 = (ZERO3, ZERO3, ZERO3)


# --- btVector3.h -------------------------------------------------------------------------------------------
def dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]  # btVector3::dot


def cross(a, b):  # btVector3::cross
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def add(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def neg(a):
    return (-a[0], -a[1], -a[2])


def scale(a, s):  # operator*(v, s) and operator*(s, v) both compute v[i] * s
    return (a[0] * s, a[1] * s, a[2] * s)


def mul(a, b):  # operator*(v1, v2): element by element
    return (a[0] * b[0], a[1] * b[1], a[2] * b[2])


def safe_norm(a, ops):  # btVector3::safeNorm
    d = dot(a, a)
    return ops.where(d > SIMD_EPSILON, ops.sqrt(d), 0.0)


# --- btMatrix3x3.h -----------------------------------------------------------------------------------------
def diag(a, b, c):
    return ((a, 0.0, 0.0), (0.0, b, 0.0), (0.0, 0.0, c))


def mat_vec(m, v):  # operator*(m, v): btVector3(m[0].dot(v), m[1].dot(v), m[2].dot(v))
    return (dot(m[0], v), dot(m[1], v), dot(m[2], v))


def mat_mul(m1, m2):  # operator*(m1, m2): m2.tdotx(m1[i]) = m2[0][0]*m1[i][0] + m2[1][0]*m1[i][1] + ...
    return tuple(
        tuple(m2[0][j] * m1[i][0] + m2[1][j] * m1[i][1] + m2[2][j] * m1[i][2] for j in range(3)) for i in range(3)
    )


def transpose(m):
    return tuple(tuple(m[j][i] for j in range(3)) for i in range(3))


def mat_add(m1, m2):
    return tuple(add(m1[i], m2[i]) for i in range(3))


def mat_sub(m1, m2):
    return tuple(sub(m1[i], m2[i]) for i in range(3))


def outer(a, b):  # btMultiBody.cpp: outerProduct
    return ((a[0] * b[0], a[0] * b[1], a[0] * b[2]),
            (a[1] * b[0], a[1] * b[1], a[1] * b[2]),
            (a[2] * b[0], a[2] * b[1], a[2] * b[2]))


def mat_from_quat(q):  # btMatrix3x3::setRotation(const btQuaternion&)
    x, y, z, w = q
    d = x * x + y * y + z * z + w * w  # btQuaternion::length2
    s = 2.0 / d
    xs, ys, zs = x * s, y * s, z * s
    wx, wy, wz = w * xs, w * ys, w * zs
    xx, xy, xz = x * xs, x * ys, x * zs
    yy, yz, zz = y * ys, y * zs, z * zs
    return ((1.0 - (yy + zz), xy - wz, xz + wy),
            (xy + wz, 1.0 - (xx + zz), yz - wx),
            (xz - wy, yz + wx, 1.0 - (xx + yy)))


# --- btQuaternion.h ----------------------------------------------------------------------------------------
def quat_mul(q1, q2):  # operator*(q1, q2); operator*= is the same expression
    x1, y1, z1, w1 = q1
    x2, y2, z2, w2 = q2
    return (w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 + y1 * w2 + z1 * x2 - x1 * z2,
            w1 * z2 + z1 * w2 + x1 * y2 - y1 * x2,
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2)


def quat_mul_vec(q, v):  # operator*(const btQuaternion&, const btVector3&)
    x, y, z, w = q
    return (w * v[0] + y * v[2] - z * v[1],
            w * v[1] + z * v[0] - x * v[2],
            w * v[2] + x * v[1] - y * v[0],
            -x * v[0] - y * v[1] - z * v[2])


def quat_rotate(q, v):  # quatRotate: (q * v) *= q.inverse()
    r = quat_mul(quat_mul_vec(q, v), (-q[0], -q[1], -q[2], q[3]))
    return (r[0], r[1], r[2])


def quat_from_axis_angle(axis, angle, ops):  # btQuaternion::setRotation(axis, angle)
    d = ops.sqrt(dot(axis, axis))  # btVector3::length
    s = ops.sin(angle * 0.5) / d
    return (axis[0] * s, axis[1] * s, axis[2] * s, ops.cos(angle * 0.5))


# --- btSpatialAlgebra.h ------------------------------------------------------------------------------------
class Force(NamedTuple):
    """btSpatialForceVector: ``top`` is the linear part (force), ``bottom`` the angular part (torque)."""

    top: tuple
    bottom: tuple


class Motion(NamedTuple):
    """btSpatialMotionVector: ``top`` is the angular part, ``bottom`` the linear part."""

    top: tuple
    bottom: tuple


class Dyad(NamedTuple):
    """btSymmetricSpatialDyad."""

    top_left: tuple
    top_right: tuple
    bottom_left: tuple


class Transform(NamedTuple):
    """btSpatialTransformationMatrix: rotation and translation from parent to child frame."""

    rot: tuple
    trn: tuple


ZERO_FORCE = Force(ZERO3, ZERO3)
ZERO_MOTION = Motion(ZERO3, ZERO3)


def spatial_add(a, b):  # operator+ / operator+= of both vector types
    return type(a)(add(a.top, b.top), add(a.bottom, b.bottom))


def spatial_scale(a, s):  # operator*(s): both halves times s
    return type(a)(scale(a.top, s), scale(a.bottom, s))


def motion_dot(m, f):  # btSpatialMotionVector::dot(btSpatialForceVector)
    return dot(m.bottom, f.top) + dot(m.top, f.bottom)


def motion_cross(a, b):  # btSpatialMotionVector::cross
    return type(b)(cross(a.top, b.top), add(cross(a.bottom, b.top), cross(a.top, b.bottom)))


def dyad_mul(i, v):  # btSymmetricSpatialDyad::operator*(btSpatialMotionVector)
    return Force(add(mat_vec(i.top_left, v.top), mat_vec(i.top_right, v.bottom)),
                 add(mat_vec(i.bottom_left, v.top), mat_vec(transpose(i.top_left), v.bottom)))


def dyad_add(a, b):
    return Dyad(mat_add(a.top_left, b.top_left), mat_add(a.top_right, b.top_right),
                mat_add(a.bottom_left, b.bottom_left))


def dyad_sub(a, b):
    return Dyad(mat_sub(a.top_left, b.top_left), mat_sub(a.top_right, b.top_right),
                mat_sub(a.bottom_left, b.bottom_left))


def symmetric_outer(a, b):  # symmetricSpatialOuterProduct
    return Dyad(outer(a.top, b.bottom), outer(a.top, b.top), outer(a.bottom, b.bottom))


def transform(x, v):  # btSpatialTransformationMatrix::transform
    top = mat_vec(x.rot, v.top)
    return type(v)(top, add(neg(cross(x.trn, top)), mat_vec(x.rot, v.bottom)))


def transform_inverse(x, v):  # btSpatialTransformationMatrix::transformInverse (vectors)
    rt = transpose(x.rot)
    return type(v)(mat_vec(rt, v.top), mat_vec(rt, add(v.bottom, cross(x.trn, v.top))))


def transform_inverse_dyad(x, i):  # btSpatialTransformationMatrix::transformInverse (dyads)
    t = x.trn
    r_cross = ((0.0, -t[2], t[1]), (t[2], 0.0, -t[0]), (-t[1], t[0], 0.0))
    rt = transpose(x.rot)
    shifted = mat_sub(i.top_left, mat_mul(i.top_right, r_cross))
    bottom = mat_sub(mat_add(mat_mul(r_cross, shifted), i.bottom_left), mat_mul(transpose(i.top_left), r_cross))
    return Dyad(mat_mul(mat_mul(rt, shifted), x.rot), mat_mul(mat_mul(rt, i.top_right), x.rot),
                mat_mul(mat_mul(rt, bottom), x.rot))
