"""Quaternion helpers: numpy, float32 on the way out, (x, y, z, w) order, batched over leading axes.

The formulas are the usual Hamilton ones on coordinates. They hold unchanged in Unity's left-handed frame:
handedness only decides which way a positive angle looks on screen, not the arithmetic, so the same helpers
serve every convention and the conversions in `skeleton` only relabel axes.
"""

from __future__ import annotations

import numpy as np

#: The identity rotation.
IDENTITY = np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32)

_AXES = {"X": np.array([1.0, 0.0, 0.0]), "Y": np.array([0.0, 1.0, 0.0]), "Z": np.array([0.0, 0.0, 1.0])}


def identity(*shape: int) -> np.ndarray:
    """Identity rotations of the given leading shape, e.g. identity(52) -> [52, 4]."""
    out = np.zeros((*shape, 4), dtype=np.float32)
    out[..., 3] = 1.0
    return out


def normalize(q: np.ndarray) -> np.ndarray:
    """Unit quaternions (a zero quaternion becomes the identity rather than NaN)."""
    q = np.asarray(q, dtype=np.float64)
    n = np.linalg.norm(q, axis=-1, keepdims=True)
    out = np.where(n > 1e-12, q / np.maximum(n, 1e-12), np.array([0.0, 0.0, 0.0, 1.0]))
    return out.astype(np.float32)


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The product a·b: rotate by b first, then by a."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    # Component i is aw·b[_MUL[0, i]] + ax·(±b[_MUL[1, i]]) + ay·(±…) + az·(±…), summed left to right: the
    # Hamilton formulas term by term (the same float results), in a dozen numpy calls rather than forty.
    terms = a.take(_WXYZ, -1)[..., None] * (b.take(_MUL, -1) * _MUL_SIGN)  # [..., 4 (a's w x y z), 4 (out)]
    return np.add.reduce(terms, axis=-2).astype(np.float32)  # over a non-last axis numpy adds in order


#: b's components that a's w, x, y, z multiply in each output component (x, y, z, w), and their signs.
_WXYZ = np.array([3, 0, 1, 2])
_MUL = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [2, 3, 0, 1], [1, 0, 3, 2]])
_MUL_SIGN = np.array([[1.0, 1.0, 1.0, 1.0], [1.0, -1.0, 1.0, -1.0], [1.0, 1.0, -1.0, -1.0], [-1.0, 1.0, 1.0, -1.0]])


def conj(q: np.ndarray) -> np.ndarray:
    """The conjugate, which is the inverse of a unit quaternion."""
    q = np.asarray(q, dtype=np.float32)
    return np.concatenate([-q[..., :3], q[..., 3:]], axis=-1)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v [..., 3] by unit quaternions q [..., 4]."""
    q = np.asarray(q, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = q[..., :3]
    w = q[..., 3:]
    t = 2.0 * cross(u, v)
    return (v + w * t + cross(u, t)).astype(np.float32)


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a × b for vectors [..., 3] (broadcast), in the inputs' precision."""
    # np.cross, or three assignments into an empty array, cost several times this on the few rows of per-tick IK.
    return a.take(_NEXT, -1) * b.take(_AFTER, -1) - a.take(_AFTER, -1) * b.take(_NEXT, -1)


_NEXT, _AFTER = np.array([1, 2, 0]), np.array([2, 0, 1])


def from_axis_angle(axis: np.ndarray | str, angle: np.ndarray | float) -> np.ndarray:
    """Rotation by `angle` radians about `axis` (a vector or "X", "Y", "Z"); angle may be an array."""
    if isinstance(axis, str):
        a = _AXES[axis]  # unit already
    else:
        a = np.asarray(axis, dtype=np.float64)
        a = a / np.sqrt(np.add.reduce(a * a, axis=-1, keepdims=True))  # np.linalg.norm's sum, without its checks
    half = 0.5 * np.asarray(angle, dtype=np.float64)[..., None]
    return np.concatenate([a * np.sin(half), np.cos(half)], axis=-1).astype(np.float32)


def to_axis_angle(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit axis [..., 3], angle in [0, pi] [...]) of unit quaternions; the axis is X for no rotation."""
    q = np.asarray(q, dtype=np.float64)
    q = np.where(q[..., 3:] < 0.0, -q, q)
    s = np.linalg.norm(q[..., :3], axis=-1)
    angle = 2.0 * np.arctan2(s, q[..., 3])
    axis = np.where(s[..., None] > 1e-9, q[..., :3] / np.maximum(s, 1e-9)[..., None], np.array([1.0, 0.0, 0.0]))
    return axis.astype(np.float32), angle.astype(np.float32)


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The rotation angle (radians, 0..pi) that takes a to b, sign of either quaternion ignored."""
    # From the relative rotation's vector part: arccos of a dot product near 1 loses all float32 precision.
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    w = np.abs(np.sum(a * b, axis=-1))
    v = np.linalg.norm(a[..., 3:] * b[..., :3] - b[..., 3:] * a[..., :3] - cross(a[..., :3], b[..., :3]), axis=-1)
    return (2.0 * np.arctan2(v, w)).astype(np.float32)


def between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The shortest rotation taking direction u to direction v (both [..., 3], any length)."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    d = np.sum(u * v, axis=-1, keepdims=True)
    c = cross(u, v)
    # Opposite directions: any axis perpendicular to u does; pick one away from u's largest component.
    helper = np.where(np.abs(u[..., :1]) < 0.9, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    perp = cross(u, np.broadcast_to(helper, u.shape))
    perp = perp / np.linalg.norm(perp, axis=-1, keepdims=True)
    q = np.where(d > -0.999999, np.concatenate([c, 1.0 + d], axis=-1), np.concatenate([perp, 0.0 * d], axis=-1))
    return normalize(q)


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternions from rotation matrices [..., 3, 3] (columns are the images of the axes)."""
    m = np.asarray(m, dtype=np.float64)
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    # Shepperd's method: take the largest of the four candidates so the square root is well conditioned.
    cands = np.stack([
        np.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1], 1 + tr], -1),
        np.stack([1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2], m[..., 0, 1] + m[..., 1, 0],
                  m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] - m[..., 1, 2]], -1),
        np.stack([m[..., 0, 1] + m[..., 1, 0], 1 + m[..., 1, 1] - m[..., 0, 0] - m[..., 2, 2],
                  m[..., 1, 2] + m[..., 2, 1], m[..., 0, 2] - m[..., 2, 0]], -1),
        np.stack([m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1],
                  1 + m[..., 2, 2] - m[..., 0, 0] - m[..., 1, 1], m[..., 1, 0] - m[..., 0, 1]], -1),
    ], axis=-2)
    diag = np.stack([tr, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], axis=-1)
    best = np.argmax(diag, axis=-1)
    q = np.take_along_axis(cands, best[..., None, None], axis=-2)[..., 0, :]
    return normalize(q)


def to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] of unit quaternions."""
    q = np.asarray(q, dtype=np.float64)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
        2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
        2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
    ], axis=-1)
    return m.reshape(*q.shape[:-1], 3, 3).astype(np.float32)


def from_basis(x_to: np.ndarray, y_to: np.ndarray) -> np.ndarray:
    """The rotation taking +X to `x_to` and +Y to (the part of `y_to` perpendicular to `x_to`); both [..., 3]
    (broadcast)."""
    x = np.asarray(x_to, dtype=np.float64)
    x = x / np.linalg.norm(x, axis=-1, keepdims=True)
    y = np.asarray(y_to, dtype=np.float64)
    y = y - x * np.sum(x * y, axis=-1, keepdims=True)
    y = y / np.linalg.norm(y, axis=-1, keepdims=True)
    x, y = np.broadcast_arrays(x, y)
    return from_matrix(np.stack([x, y, cross(x, y)], axis=-1))


def from_euler(angles: np.ndarray, order: str) -> np.ndarray:
    """Rotation from Euler angles (radians, [..., len(order)]) applied as the product in `order`.

    order "ZXY" means q = qZ·qX·qY: the BVH reading of a channel list "Zrotation Xrotation Yrotation".
    """
    angles = np.asarray(angles, dtype=np.float64)
    q = identity(*angles.shape[:-1])
    for i, axis in enumerate(order):
        q = mul(q, from_axis_angle(axis, angles[..., i]))
    return q


def to_euler(q: np.ndarray, order: str) -> np.ndarray:
    """Euler angles (radians) with from_euler(to_euler(q, order), order) == ±q, for any Tait-Bryan order."""
    m = to_matrix(q).astype(np.float64)
    i, j, k = ("XYZ".index(a) for a in order)
    # sign of the permutation: +1 for cyclic orders (XYZ, YZX, ZXY), -1 otherwise
    s = 1.0 if (j - i) % 3 == 1 else -1.0
    # For q = q_i·q_j·q_k, M[i,k] = s·sin(b); the other two angles come from the row i and column k.
    b = np.arcsin(np.clip(s * m[..., i, k], -1.0, 1.0))
    a = np.arctan2(-s * m[..., j, k], m[..., k, k])
    c = np.arctan2(-s * m[..., i, j], m[..., i, i])
    # Gimbal lock: b = ±90°, only a ± c is defined; put it all in a.
    locked = np.abs(m[..., i, k]) > 0.999999
    a_locked = np.arctan2(s * m[..., k, j], m[..., j, j])
    a = np.where(locked, a_locked, a)
    c = np.where(locked, 0.0, c)
    return np.stack([a, b, c], axis=-1).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical interpolation along the shorter arc; t broadcasts over the leading axes."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]
    d = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(d < 0.0, -b, b)
    d = np.abs(d)
    theta = np.arccos(np.clip(d, -1.0, 1.0))
    s = np.sin(theta)
    small = s < 1e-6
    wa = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / np.where(small, 1.0, s))
    wb = np.where(small, t, np.sin(t * theta) / np.where(small, 1.0, s))
    return normalize(wa * a + wb * b)


def nlerp(a: np.ndarray, b: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Normalized linear interpolation along the shorter arc: cheaper than slerp, fine for close rotations."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]
    b = np.where(np.sum(a * b, axis=-1, keepdims=True) < 0.0, -b, b)
    return normalize((1.0 - t) * a + t * b)


def scale(q: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """The rotation q raised to the power t (t=0 identity, t=1 q): slerp from the identity."""
    q = np.asarray(q, dtype=np.float32)
    return slerp(np.broadcast_to(IDENTITY, q.shape), q, t)


def make_continuous(q: np.ndarray, axis: int = 0) -> np.ndarray:
    """Flip signs along `axis` (time) so consecutive quaternions have a non-negative dot product.

    q and -q are the same rotation, but a receiver that interpolates raw components would swing through
    the long way round at a sign change; streams and files keep one hemisphere per track.
    """
    q = np.moveaxis(np.array(q, dtype=np.float32), axis, 0)
    for i in range(1, len(q)):
        flip = np.sum(q[i] * q[i - 1], axis=-1) < 0.0
        q[i][flip] *= -1.0
    return np.moveaxis(q, 0, axis)


def swing_twist(q: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split q into swing·twist, twist being the rotation about `axis` (a unit vector in q's frame)."""
    q = np.asarray(q, dtype=np.float64)
    axis = np.asarray(axis, dtype=np.float64)
    proj = np.sum(q[..., :3] * axis, axis=-1, keepdims=True) * axis
    twist = normalize(np.concatenate([proj, q[..., 3:]], axis=-1))
    swing = mul(q, conj(twist))
    return swing, twist
