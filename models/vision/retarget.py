"""Retarget MediaPipe pose and hand landmarks onto our humanoid: a performer on a webcam puppeteers the avatar.

Axes. MediaPipe's world landmarks are metres with x to the image's right, y down and z away from the camera;
pose points are centred on the hips' midpoint, hand points near the hand's centre. The performer faces the
camera and the avatar faces the viewer, and the mapping is anatomical: the performer's left (image right, +x)
is the avatar's left (-X), up is -y, and towards the camera (-z) is her forward (+Z). So p_unity = -p_mediapipe.

Which landmark stands for which joint (the points a test writes from our skeleton's forward kinematics):
    pose 11/12 shoulders: Left/RightUpperArm; 13/14 elbows: LowerArm; 15/16 wrists: Hand;
    17/18 pinky knuckles: LittleProximal; 19/20 index knuckles: IndexProximal; 23/24 hips: UpperLeg;
    25/26 knees: LowerLeg; 27/28 ankles: Foot; 31/32 foot index: the toes' tip.
    hand 0 wrist: Hand; finger f (thumb, index, middle, ring, little) points 1+4f .. 4+4f: its Proximal,
    Intermediate and Distal joints and its tip (the thumb's CMC is our ThumbProximal).

How. Only directions are read, never lengths, so a performer of any build drives her, and her root never
moves. The Hips take a damped yaw from the hip line; Spine, Chest and UpperChest share the bend and twist of
the shoulders over the hips. Arms, legs and fingers are chains: the base bone (UpperArm, UpperLeg, a finger's
Proximal) is aimed at its landmark with its twist from the chain's bend plane, so an elbow or knee bends
the anatomical way; the next joint flexes about its hinge. The hand's orientation comes from its knuckles,
its twist about the forearm going to the LowerArm; the foot aims at its toes, its roll following the shin.

What the camera cannot see reliably is left to her own layers through a zero weight: the head (the face
tracker drives it), the clavicles, the toes, the legs unless hips, knees and ankles are all in view, the
fingers of a hand not found, and any joint whose landmarks are not visible enough.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from models.body import quat
from models.body.authoring import ELBOW_AXIS_LEFT, FINGER_AXIS_LEFT, KNEE_AXIS_LEFT, THUMB_AXIS_LEFT, side_axis
from models.body.pose import BodyPose, smoothstep
from models.body.skeleton import HUMANOID, INDEX, MIRROR, NUM_JOINTS

#: Landmarks in a pose, as MediaPipe's legacy pose solution gives them.
POSE_LANDMARKS = 33
#: Landmarks in a hand, as MediaPipe's legacy hands solution gives them.
HAND_LANDMARKS = 21
#: A landmark at or below this visibility drives nothing; a joint's weight ramps from 0 here to 1 at
#: `VISIBILITY_FULL`, so a landmark hovering around the threshold fades its joints instead of popping them.
VISIBILITY_THRESHOLD = 0.6
#: Visibility from which a landmark is trusted fully.
VISIBILITY_FULL = 0.85
#: Share of the hip line's yaw the Hips take; the spine takes the rest. The hip line is short (about 20 cm) and a
#: hip turn swings everything above it, legs and root included, so it is damped.
HIPS_YAW_SHARE = 0.5
#: How the torso's bend and twist are spread over Spine, Chest and UpperChest. The camera sees only the line
#: from the hips to the shoulders and the shoulder line, not the spine's curve, so it is spread evenly.
SPINE_SHARE = np.array([1.0, 1.0, 1.0]) / 3.0
#: Bend (degrees) of an elbow or knee below which its bend plane is landmark noise, and above which it is
#: trusted: the upper bone's twist eases from the smallest swing from its parent (below) to the bend plane
#: (above), so a straight limb does not spin in the camera's jitter (1 cm of it bends a straight arm ~10°).
STRAIGHT_LIMB_DEG = (15.0, 35.0)
#: The same for a finger (the line from its base to its tip), lower: its end joint bends about the axis its
#: base's twist gives, so a twist eased towards the swing shows there.
STRAIGHT_FINGER_DEG = (8.0, 25.0)
#: Range (degrees) of an elbow's or knee's flexion: never bent backwards.
LIMB_FLEXION_DEG = (0.0, 165.0)
#: Range (degrees) of a finger's middle and end joints: a little hyperextension, never a finger folded back.
FINGER_FLEXION_DEG = (-25.0, 120.0)
#: Metres: two landmarks closer than this give no direction, and the joints they drive get no weight.
MIN_BONE_M = 1e-4

_SIDES = ("Left", "Right")
_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
_PHALANGES = ("Proximal", "Intermediate", "Distal")

# MediaPipe pose indices, [left, right] (the performer's sides).
_SHOULDER = [11, 12]
_ELBOW = [13, 14]
_WRIST = [15, 16]
_PINKY = [17, 18]
_INDEX = [19, 20]
_HIP = [23, 24]
_KNEE = [25, 26]
_ANKLE = [27, 28]
_FOOT_INDEX = [31, 32]
# Each limb's three points, from the body out: left arm, right arm, left leg, right leg.
_LIMB_POINTS = np.concatenate([np.array([_SHOULDER, _ELBOW, _WRIST]).T, np.array([_HIP, _KNEE, _ANKLE]).T])
# Hand indices: finger f's base, middle, end joints and tip, and the knuckles that span the palm.
_HAND_JOINTS = np.array([[1 + 4 * f + k for k in range(4)] for f in range(5)])
_HAND_WRIST, _HAND_INDEX_MCP, _HAND_MIDDLE_MCP, _HAND_PINKY_MCP = 0, 5, 9, 17


def _j(*names: str) -> np.ndarray:
    return np.array([INDEX[n] for n in names])


_UP = np.array([0.0, 1.0, 0.0])
_SPINE = _j("Spine", "Chest", "UpperChest")
_CLAVICLES = _j("LeftShoulder", "RightShoulder")
_SHOULDER_JOINTS = _j("LeftUpperArm", "RightUpperArm")
_HIP_JOINTS = _j("LeftUpperLeg", "RightUpperLeg")
_HANDS = _j("LeftHand", "RightHand")
_FEET = _j("LeftFoot", "RightFoot")
# Hinged chains, all in one batch: left arm, right arm, left leg, right leg, then each hand's five fingers.
# A chain is a base joint aimed at its landmark, its twist from the bend plane, and the hinged joints after it:
# a finger's two; a limb's one, given twice to batch with the fingers and written once.
_CHAIN_SIDES = ("Left", "Right", "Left", "Right", *(s for s in _SIDES for _ in _FINGERS))
_CHAIN_NAMES = (*(f"{s}{b}" for b in ("UpperArm", "UpperLeg") for s in _SIDES),
                *(f"{s}{f}Proximal" for s in _SIDES for f in _FINGERS))
_CHAIN_BASE = _j(*_CHAIN_NAMES)
_CHAIN_OUTER = np.array([[HUMANOID.children(j)[0]] * 2 if k < 4 else
                         [HUMANOID.children(j)[0], HUMANOID.children(HUMANOID.children(j)[0])[0]]
                         for k, j in enumerate(_CHAIN_BASE)])
_ARMS = slice(0, 2)
_LEGS = slice(2, 4)
_LIMBS = slice(0, 4)
_DIGITS = slice(4, 14)


# -- quaternion helpers, batched and float64 -------------------------------------------------------------------
# The same results as quat's, at a fraction of the cost on this per-frame path's few-row batches: quat's versions
# check, convert to float32 and spell out each term, one numpy call apiece, which is where a frame's time went.

_ACROSS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_CONJ = np.array([-1.0, -1.0, -1.0, 1.0])
# The product a·b as a matrix product: row i picks and signs the components of a that multiply b's.
_MUL_INDEX = np.array([[3, 2, 1, 0], [2, 3, 0, 1], [1, 0, 3, 2], [0, 1, 2, 3]])
_MUL_SIGN = np.array([[1.0, -1.0, 1.0, 1.0], [1.0, 1.0, -1.0, 1.0], [-1.0, 1.0, 1.0, 1.0], [-1.0, -1.0, -1.0, 1.0]])


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def _directions(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors [..., 3], and whether each had a direction at all (one that had none comes back as +Y,
    so the arithmetic after it stays finite and its joints are simply not written)."""
    n = np.sqrt(_dot(v, v))[..., None]
    ok = n > MIN_BONE_M
    return np.where(ok, v / np.maximum(n, MIN_BONE_M), _UP), ok[..., 0]


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """quat.mul(a, b) in float64: rotate by b, then by a."""
    return np.matmul(a.take(_MUL_INDEX, -1) * _MUL_SIGN, b[..., None])[..., 0]


def _turn(axis: np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """quat.from_axis_angle for unit axes [..., 3] in float64, without its checks and conversions."""
    half = 0.5 * np.asarray(angle)[..., None]
    return np.concatenate([axis * np.sin(half), np.cos(half)], axis=-1)


def _between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """quat.between for unit vectors [N, 3] in float64: the shortest rotation taking u to v."""
    q = np.empty((len(u), 4))
    q[:, :3] = quat.cross(u, v)
    q[:, 3] = 1.0 + _dot(u, v)
    opposite = q[:, 3] < 1e-9
    if opposite.any():  # any half turn about an axis across u will do
        q[opposite, :3] = quat.cross(u[opposite], np.where(np.abs(u[opposite, :1]) < 0.9, _ACROSS[0], _ACROSS[1]))
        q[opposite, 3] = 0.0
    return q / np.sqrt(_dot(q, q))[:, None]


def _rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """quat.rotate in float64: v [..., 3] turned by unit quaternions q [..., 4]."""
    t = 2.0 * quat.cross(q[..., :3], v)
    return v + q[..., 3:] * t + quat.cross(q[..., :3], t)


def _nlerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """quat.nlerp in float64 for [N, 4] rotations and weights t [N]."""
    b = np.where(_dot(a, b)[:, None] < 0.0, -b, b)
    q = a + t[:, None] * (b - a)
    return q / np.sqrt(_dot(q, q))[:, None]


def _axis_angle(q: np.ndarray) -> tuple[np.ndarray, float]:
    """quat.to_axis_angle of one rotation: (unit axis, angle in [0, pi]); the axis is X for no rotation."""
    q = q if q[3] >= 0.0 else -q
    s = float(np.sqrt(q[:3] @ q[:3]))
    return (q[:3] / s if s > 1e-12 else _ACROSS[0]), 2.0 * math.atan2(s, q[3])


def _twist_angle(q: np.ndarray, axis: np.ndarray) -> np.ndarray:
    """The angle (radians) of q's twist about a unit axis (quat.swing_twist's twist, as an angle)."""
    return 2.0 * np.arctan2(_dot(q[..., :3], axis), q[..., 3])


def _linear_terms(terms: list[dict[int, float]]) -> np.ndarray:
    """A [10, len(terms)] matrix mapping a rotation matrix's entries (row-major) and a 1 to linear terms of them,
    each given as {3 * row + column: coefficient, 9: constant}."""
    out = np.zeros((10, len(terms)))
    for k, term in enumerate(terms):
        for entry, coefficient in term.items():
            out[entry, k] = coefficient
    return out


# quat.from_matrix (Shepperd's method): four candidate quaternions, each linear in the entries; the one whose
# diagonal term (1 + trace, or 1 + 2·m_ii - trace) is largest is well conditioned.
_CANDIDATES = _linear_terms([
    {7: 1, 5: -1}, {2: 1, 6: -1}, {3: 1, 1: -1}, {9: 1, 0: 1, 4: 1, 8: 1},
    {9: 1, 0: 1, 4: -1, 8: -1}, {1: 1, 3: 1}, {2: 1, 6: 1}, {7: 1, 5: -1},
    {1: 1, 3: 1}, {9: 1, 4: 1, 0: -1, 8: -1}, {5: 1, 7: 1}, {2: 1, 6: -1},
    {2: 1, 6: 1}, {5: 1, 7: 1}, {9: 1, 8: 1, 0: -1, 4: -1}, {3: 1, 1: -1},
])
_DIAGONALS = _linear_terms([{0: 1, 4: 1, 8: 1}, {0: 1}, {4: 1}, {8: 1}])


def _from_basis(x_to: np.ndarray, y_to: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """quat.from_basis over a batch: rotations [N, 4] taking +X to x_to [N, 3] and +Y to y_to's part across it,
    and whether both were defined (where not, the rotation is finite but meaningless)."""
    x, x_ok = _directions(x_to)
    y, y_ok = _directions(y_to - x * _dot(x, y_to)[..., None])
    entries = np.ones((len(x), 10))
    entries[:, :9] = np.stack([x, y, quat.cross(x, y)], axis=-1).reshape(-1, 9)
    best = np.argmax(entries @ _DIAGONALS, axis=1)
    q = (entries @ _CANDIDATES).reshape(-1, 4, 4)[np.arange(len(x)), best]
    return q / np.sqrt(_dot(q, q))[:, None], x_ok & y_ok


# -- the rest pose, seen through the same landmarks ------------------------------------------------------------

_REST_POS, _REST_GLOBAL = HUMANOID.forward_kinematics(HUMANOID.rest_root, quat.identity(NUM_JOINTS))
_REST_TIPS = HUMANOID.tips(_REST_POS, _REST_GLOBAL).astype(np.float64)
_REST = _REST_POS.astype(np.float64)


def _rest_hand_points(side: str) -> np.ndarray:
    """The rest hand in the landmarks' layout (Unity axes): what a missing hand is computed from, to stay finite."""
    points = [_REST[INDEX[f"{side}Hand"]]]
    for finger in _FINGERS:
        points += [_REST[INDEX[f"{side}{finger}{p}"]] for p in _PHALANGES]
        points.append(_REST_TIPS[INDEX[f"{side}{finger}Distal"]])
    return np.array(points)


_REST_HAND_POINTS = np.stack([_rest_hand_points(s) for s in _SIDES])

# Each chain's base bone (its own frame, identity at rest), hinge axis, and the way the next bone swings when
# the hinge flexes (hinge x bone: rotating the bone about the hinge by a positive angle turns it that way).
_CHAIN_BONE = _directions(HUMANOID.offsets[_CHAIN_OUTER[:, 0]].astype(np.float64))[0]
_CHAIN_HINGE = np.stack([side_axis(ELBOW_AXIS_LEFT if "Arm" in n else KNEE_AXIS_LEFT if "Leg" in n else
                                   THUMB_AXIS_LEFT if "Thumb" in n else FINGER_AXIS_LEFT, s)
                         for n, s in zip(_CHAIN_NAMES, _CHAIN_SIDES, strict=True)])
_CHAIN_BEND = quat.cross(_CHAIN_HINGE, _CHAIN_BONE)
_CHAIN_FLEXION = np.radians(np.array([LIMB_FLEXION_DEG] * 4 + [FINGER_FLEXION_DEG] * 10)).T
# The forearm's own axis (what its twist turns about), in its frame.
_FOREARM_AXIS = _directions(HUMANOID.offsets[_HANDS].astype(np.float64))[0]
# Hand frames at rest: (fingers, across the knuckles towards the thumb) from the hand's and the pose's points.
_HAND_REST_FROM_HAND = _from_basis(_REST_HAND_POINTS[:, _HAND_MIDDLE_MCP] - _REST_HAND_POINTS[:, _HAND_WRIST],
                                   _REST_HAND_POINTS[:, _HAND_INDEX_MCP] - _REST_HAND_POINTS[:, _HAND_PINKY_MCP])[0]
_REST_KNUCKLES = {k: _REST[_j(*(f"{s}{k}Proximal" for s in _SIDES))] for k in ("Index", "Little")}
_HAND_REST_FROM_POSE = _from_basis(0.5 * (_REST_KNUCKLES["Index"] + _REST_KNUCKLES["Little"]) - _REST[_HANDS],
                                   _REST_KNUCKLES["Index"] - _REST_KNUCKLES["Little"])[0]
# The foot aims from the ankle at the toes' tip.
_FOOT_BONE = _directions(_REST_TIPS[_j("LeftToes", "RightToes")] - _REST[_FEET])[0]


def _chord(points: np.ndarray) -> np.ndarray:
    """The line from the hips' midpoint to the shoulders' midpoint, of joint positions [..., J, 3]."""
    return 0.5 * (points[..., _SHOULDER_JOINTS, :].sum(axis=-2) - points[..., _HIP_JOINTS, :].sum(axis=-2))


def _chord_table() -> tuple[np.ndarray, np.ndarray]:
    """How far the hips-to-shoulders line leans (radians) when the spine bends by each angle, spread by
    `SPINE_SHARE`: the line leans about half as much as the upper chest, and retargeting inverts this."""
    bends = np.radians(np.linspace(0.0, 150.0, 76))
    rotations = np.broadcast_to(quat.identity(NUM_JOINTS), (len(bends), NUM_JOINTS, 4)).copy()
    rotations[:, _SPINE] = quat.from_axis_angle("X", bends[:, None] * SPINE_SHARE)
    positions, _ = HUMANOID.forward_kinematics(HUMANOID.rest_root, rotations)
    chord = _directions(_chord(positions.astype(np.float64)))[0]
    lean = np.arctan2(np.linalg.norm(quat.cross(chord, chord[0]), axis=-1), _dot(chord, chord[0]))
    return lean, bends


_CHORD_LEAN, _SPINE_BEND = _chord_table()
_REST_CHORD = _chord(_REST)
_REST_SHOULDER_LINE = _REST[_SHOULDER_JOINTS[0]] - _REST[_SHOULDER_JOINTS[1]]
_CHAIN_HALF_TURN = _turn(_CHAIN_BONE, np.full(len(_CHAIN_BONE), np.pi))
_BENDS_BACK = np.arange(len(_CHAIN_BASE)) >= _LIMBS.stop
_STRAIGHT_BEND = np.radians(np.array([STRAIGHT_LIMB_DEG] * 4 + [STRAIGHT_FINGER_DEG] * 10)).T

# The frames read straight off the landmarks, in one batch: the torso, the chains' base bones, the hands, the
# feet. Each is a rotation from the rest pose's frame to the observed one, built from two directions (x, y).
_TORSO = 0  # the line up from the hips, then the shoulder line
_UPRIGHT = 1  # the shoulder line, then the vertical: the torso without its lean
_CHAIN_FRAMES = slice(2, 2 + len(_CHAIN_BASE))
_HAND_FRAMES = slice(_CHAIN_FRAMES.stop, _CHAIN_FRAMES.stop + 2)
_FOOT_FRAMES = slice(_HAND_FRAMES.stop, _HAND_FRAMES.stop + 2)
_NUM_FRAMES = _FOOT_FRAMES.stop
# Every direction read is a difference of two points, gathered in one go from the points stacked as: the
# pose's 33, each hand's 21 (the rest hand where none was seen), then the midpoints of the shoulders, of the
# hips and of each hand's pose knuckles (index and pinky).
_HAND_START = (POSE_LANDMARKS, POSE_LANDMARKS + HAND_LANDMARKS)
_SHOULDERS_MID = POSE_LANDMARKS + 2 * HAND_LANDMARKS
_HIPS_MID = _SHOULDERS_MID + 1
_KNUCKLES_MID = (_HIPS_MID + 1, _HIPS_MID + 2)
_NUM_POINTS = _KNUCKLES_MID[1] + 1
_MIDPOINT_PAIRS = np.array([[_SHOULDER[0], _HIP[0], _INDEX[0], _INDEX[1]],
                            [_SHOULDER[1], _HIP[1], _PINKY[0], _PINKY[1]]])


@dataclass(frozen=True)
class _Layout:
    """What one frame reads, for one combination of hands seen (a hand's frame comes from its own landmarks or
    the pose's): `to` and `start` index the stacked points, the directions being each frame's x, then each
    frame's y, then each chain's two hinged bones; `rest_inverse` undoes each frame's rest orientation."""

    to: np.ndarray
    start: np.ndarray
    rest_inverse: np.ndarray


def _layout(has_hand: tuple[bool, bool]) -> _Layout:
    limbs = _LIMB_POINTS.tolist()  # [root, middle, end]
    digits = [[_HAND_START[s] + k for k in row] for s in range(2) for row in _HAND_JOINTS.tolist()]  # ... and tip
    hand_x = [(_HAND_START[s] + _HAND_MIDDLE_MCP, _HAND_START[s] + _HAND_WRIST) if has_hand[s] else
              (_KNUCKLES_MID[s], _WRIST[s]) for s in range(2)]
    hand_y = [(_HAND_START[s] + _HAND_INDEX_MCP, _HAND_START[s] + _HAND_PINKY_MCP) if has_hand[s] else
              (_INDEX[s], _PINKY[s]) for s in range(2)]
    # A chain's base bone is its x; the line from its middle joint to its end sets the bend plane, its y.
    # The upright torso's y is the vertical, written over its placeholder pair each frame.
    shoulder_line = (_SHOULDER[0], _SHOULDER[1])
    x = [(_SHOULDERS_MID, _HIPS_MID), shoulder_line, *((c[1], c[0]) for c in limbs + digits), *hand_x,
         *zip(_FOOT_INDEX, _ANKLE, strict=True)]
    y = [shoulder_line, shoulder_line, *((c[-1], c[1]) for c in limbs + digits), *hand_y,
         *zip(_KNEE, _ANKLE, strict=True)]
    # A limb has one hinged bone, given twice to batch it with the fingers' two.
    hinged = [[(c[2], c[1])] * 2 for c in limbs] + [[(c[2], c[1]), (c[3], c[2])] for c in digits]
    to, start = np.array(x + y + [pair for bones in hinged for pair in bones]).T
    rest_frames = np.concatenate([
        _from_basis(np.stack([_REST_CHORD, _REST_SHOULDER_LINE]), np.stack([_REST_SHOULDER_LINE, _UP]))[0],
        _from_basis(_CHAIN_BONE, _CHAIN_BEND)[0],
        [_HAND_REST_FROM_HAND[s] if has_hand[s] else _HAND_REST_FROM_POSE[s] for s in range(2)],
        _from_basis(_FOOT_BONE, np.broadcast_to(_UP, (2, 3)))[0]])
    return _Layout(to, start, _CONJ * rest_frames)


_LAYOUTS = {(left, right): _layout((left, right)) for left in (False, True) for right in (False, True)}


@dataclass(frozen=True)
class Retargeted:
    """One camera frame as the avatar's body.

    `pose` holds the observed local rotations, and the base's wherever nothing was observed (its root is
    always the base's: the camera never moves her). `weights` [J] float32 in 0..1 says how much each joint's
    observation should override her own layers, e.g. `compose(base, r.pose, r.weights, 1.0)`.
    """

    pose: BodyPose
    weights: np.ndarray


def retarget(pose_world: np.ndarray, visibility: np.ndarray, hands: Mapping[str, np.ndarray | None] | None = None,
             base: BodyPose | None = None, mirror: bool = False) -> Retargeted:
    """The avatar's body from one frame of MediaPipe landmarks (see the module's docstring for the axes).

    pose_world: [33, 3] pose world landmarks (metres, MediaPipe axes); visibility: [33] in 0..1;
    hands: [21, 3] hand world landmarks keyed by the performer's side ("Left", "Right"), a side missing or
    None when that hand was not found; base: her pose below this layer (rest if None), kept where nothing is
    observed; mirror: drive her as a mirror image (the performer's left arm moves her right arm).
    Raises ValueError, naming the argument and the shape it expects, for a wrong shape, NaN or inf.
    """
    points = -_checked("pose_world", pose_world, (POSE_LANDMARKS, 3))
    visibility = _checked("visibility", visibility, (POSE_LANDMARKS,))
    hand_points: dict[str, np.ndarray] = {}
    for side, landmarks in (hands or {}).items():
        if side not in _SIDES:
            raise ValueError(f"hands must be keyed by the performer's side 'Left' or 'Right', got {side!r}")
        if landmarks is not None:
            hand_points[side] = -_checked(f"hands[{side!r}]", landmarks, (HAND_LANDMARKS, 3))
    base = base if base is not None else BodyPose.rest()
    if not mirror:
        return _solve(points, visibility, hand_points, base)
    # Solve for her mirror image over the mirrored base, then mirror back: joints nothing drove keep the base.
    image = _solve(points, visibility, hand_points, base.mirrored())
    return Retargeted(image.pose.mirrored(), image.weights[MIRROR])


def _checked(name: str, value: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of shape {shape} of numbers, got {type(value).__name__}") from None
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must be finite (shape {shape}), got NaN or inf")
    return array


def _flexion(seen: np.ndarray) -> np.ndarray:
    """Each chain's hinge angle (radians, within the joint's range) that turns its hinged bone towards a
    direction [14, 3] seen in the frame of the bone before it."""
    return np.clip(np.arctan2(_dot(seen, _CHAIN_BEND), _dot(seen, _CHAIN_BONE)), *_CHAIN_FLEXION)


def _solve(p: np.ndarray, visibility: np.ndarray, hands: dict[str, np.ndarray], base: BodyPose) -> Retargeted:
    """Retarget landmarks already in Unity axes."""
    rot = base.rotations.astype(np.float64)
    weights = np.zeros(NUM_JOINTS)
    trust = np.clip((visibility - VISIBILITY_THRESHOLD) / (VISIBILITY_FULL - VISIBILITY_THRESHOLD), 0.0, 1.0)
    has_hand = np.array([side in hands for side in _SIDES])
    layout = _LAYOUTS[(bool(has_hand[0]), bool(has_hand[1]))]
    points = np.empty((_NUM_POINTS, 3))
    points[:POSE_LANDMARKS] = p
    for k, side in enumerate(_SIDES):
        points[_HAND_START[k]:_HAND_START[k] + HAND_LANDMARKS] = hands.get(side, _REST_HAND_POINTS[k])
    points[_SHOULDERS_MID:] = 0.5 * (p[_MIDPOINT_PAIRS[0]] + p[_MIDPOINT_PAIRS[1]])
    directions = points[layout.to] - points[layout.start]
    x, y, hinged = directions[:_NUM_FRAMES], directions[_NUM_FRAMES:2 * _NUM_FRAMES], directions[2 * _NUM_FRAMES:]
    y[_UPRIGHT] = _UP
    seen_frames, frame_ok = _from_basis(x, y)
    frames = _mul(seen_frames, layout.rest_inverse)
    hand_g = frames[_HAND_FRAMES]

    # Hips: yaw only, from the hip line: her root never moves, and two points say little of the pelvis' tilt.
    line = p[_HIP[0]] - p[_HIP[1]]
    hips_seen = trust[_HIP].min()
    hips_w = hips_seen * (np.hypot(line[0], line[2]) > MIN_BONE_M)
    if hips_w > 0.0:
        rot[0] = _turn(_UP, HIPS_YAW_SHARE * np.arctan2(line[2], -line[0]))
        weights[0] = hips_w
    hips = rot[0]
    spine_w = trust[_SHOULDER].min() * frame_ok[_TORSO]
    if spine_w > 0.0:
        turn = _mul(_CONJ * hips, frames[_TORSO])
        twist = _turn(_UP, _twist_angle(turn, _UP))
        axis, lean = _axis_angle(_mul(turn, _CONJ * twist))
        # The observed line leans less than the upper chest does; bend the spine by what makes it lean so.
        bend = _turn(axis, np.interp(lean, _CHORD_LEAN, _SPINE_BEND))
        # Seated at a desk, her hips are out of view: the spine still turns and tilts with the shoulder line,
        # but leans forward or back only as far as the hips are seen (MediaPipe guesses where they are, and
        # the lean with them).
        upright = _mul(_CONJ * hips, frames[_UPRIGHT])
        axis, angle = _axis_angle(_nlerp(upright[None], _mul(bend, twist)[None], np.array([hips_seen]))[0])
        rot[_SPINE] = _turn(axis, angle * SPINE_SHARE)
        weights[_SPINE] = spine_w
    chest = _mul(_mul(_mul(hips, rot[_SPINE[0]]), rot[_SPINE[1]]), rot[_SPINE[2]])
    parents = np.concatenate([_mul(chest, rot[_CLAVICLES]), [hips, hips], np.repeat(hand_g, len(_FINGERS), axis=0)])

    # Chains. The bend plane sets the base bone's twist, so an elbow, knee or finger bends its own way round
    # (an elbow's or knee's flexion is never negative); a chain nearly straight has no plane to trust, and its
    # twist eases to the smallest swing from the parent instead.
    first, first_ok = _directions(x[_CHAIN_FRAMES])
    outer, outer_ok = _directions(hinged.reshape(-1, 2, 3))
    swing_g = _mul(_between(_rotate(parents, _CHAIN_BONE), first), parents)
    plane_g = frames[_CHAIN_FRAMES]
    # A finger may bend a little backwards, an elbow or knee never: where a finger's bend faces away from the
    # way its swing would bend it, the plane turns round (a half turn about the bone), not the finger.
    backwards = (_dot(_rotate(swing_g, _CHAIN_BEND), y[_CHAIN_FRAMES]) < 0.0) & _BENDS_BACK
    plane_g = np.where(backwards[:, None], _mul(plane_g, _CHAIN_HALF_TURN), plane_g)
    bend_line = _directions(y[_CHAIN_FRAMES])[0]
    bent = np.arctan2(np.linalg.norm(quat.cross(first, bend_line), axis=-1), _dot(first, bend_line))
    planar = smoothstep((bent - _STRAIGHT_BEND[0]) / (_STRAIGHT_BEND[1] - _STRAIGHT_BEND[0])) * frame_ok[_CHAIN_FRAMES]
    base_g = _nlerp(swing_g, plane_g, planar)
    local_base = _mul(_CONJ * parents, base_g)
    # The first hinged bone swings to its landmark in the base bone's frame: about the hinge by the joint's
    # flexion (kept within its range), and out of the hinge's plane by whatever the base bone's twist left out
    # (none where the bend plane set it; a little where a chain eased towards straight).
    seen_in_base = _rotate(_CONJ * base_g, outer[:, 0])
    flexion = _flexion(seen_in_base)[:, None]
    tilt = np.arcsin(np.clip(_dot(seen_in_base, _CHAIN_HINGE), -1.0, 1.0))[:, None]
    in_plane = np.cos(flexion) * _CHAIN_BONE + np.sin(flexion) * _CHAIN_BEND
    local_outer = np.empty((len(_CHAIN_BASE), 2, 4))
    local_outer[:, 0] = _between(_CHAIN_BONE, np.cos(tilt) * in_plane + np.sin(tilt) * _CHAIN_HINGE)
    # A finger's end joint is a plain hinge: its flexion seen in the middle bone's frame.
    local_outer[:, 1] = _turn(_CHAIN_HINGE, _flexion(_rotate(_CONJ * _mul(base_g, local_outer[:, 0]), outer[:, 1])))
    middle_g = _mul(base_g[_LIMBS], local_outer[_LIMBS, 0])

    # Hands. A Unity humanoid twists the forearm, not the wrist: the hand's twist about the forearm goes to the
    # LowerArm (as far as the hand is trusted), the rest of its turn to the Hand.
    hand_conf = np.where(has_hand, 1.0, np.minimum(np.minimum(trust[_WRIST], trust[_INDEX]), trust[_PINKY]))
    hand_conf *= frame_ok[_HAND_FRAMES]
    forearm_twist = _twist_angle(_mul(_CONJ * middle_g[_ARMS], hand_g), _FOREARM_AXIS)
    forearm_twist = (forearm_twist + np.pi) % (2.0 * np.pi) - np.pi  # the short way round
    local_forearm = _mul(local_outer[_ARMS, 0], _turn(_FOREARM_AXIS, forearm_twist * hand_conf))
    local_hand = _mul(_CONJ * _mul(base_g[_ARMS], local_forearm), hand_g)
    local_foot = _mul(_CONJ * middle_g[_LEGS], frames[_FOOT_FRAMES])

    arm_w = np.minimum(np.minimum(trust[_SHOULDER], trust[_ELBOW]), trust[_WRIST])
    # Both legs or neither: a seated performer's legs flicker in and out of view under a desk.
    leg_w = trust[_LIMB_POINTS[_LEGS]].min()
    chain_w = np.concatenate([arm_w, [leg_w, leg_w], np.repeat(has_hand, len(_FINGERS))])
    chain_w *= first_ok & outer_ok.all(axis=1)
    joints = np.concatenate([_CHAIN_BASE, _CHAIN_OUTER[:, 0], _CHAIN_OUTER[_DIGITS, 1], _HANDS, _FEET])
    values = np.concatenate([local_base, local_forearm, local_outer[_LEGS, 0], local_outer[_DIGITS, 0],
                             local_outer[_DIGITS, 1], local_hand, local_foot])
    joint_w = np.concatenate([chain_w, chain_w, chain_w[_DIGITS], chain_w[_ARMS] * hand_conf,
                              np.minimum(chain_w[_LEGS], trust[_FOOT_INDEX]) * frame_ok[_FOOT_FRAMES]])
    driven = joint_w > 0.0
    rot[joints[driven]] = values[driven]
    weights[joints] = joint_w
    return Retargeted(BodyPose(base.root.copy(), rot), weights.astype(np.float32))
