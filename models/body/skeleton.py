"""The canonical humanoid skeleton: Unity HumanBodyBones names, parents, rest pose and forward kinematics.

Convention (the one every pose in models/body uses, and the one on the wire):
- Unity's frame: left-handed, +X right, +Y up, +Z forward (the avatar faces +Z), metres.
- The rest pose is a T-pose, palms down, thumbs forward. Every local rotation is the identity at rest, as on
  a VRM-normalized Unity humanoid, so a joint's global rotation is also its change from the T-pose.
- A pose is the Hips position (the root) plus one local rotation per joint (parent-relative, float32
  quaternion (x, y, z, w)) in `JOINTS` order. Parents come before children, so one pass does FK.

Eyes and jaw are not in the body: the face stream drives them (gaze angles, jawOpen).

`convert` re-expresses positions and rotations in Unreal's or glTF's axes (see docs/body.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from models.body import quat

_FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
_PHALANGES = ("Proximal", "Intermediate", "Distal")


def _finger_names(side: str) -> list[str]:
    return [f"{side}{finger}{phalanx}" for finger in _FINGERS for phalanx in _PHALANGES]


#: Joint names in skeleton order (parents first).
JOINTS: tuple[str, ...] = (
    "Hips", "Spine", "Chest", "UpperChest", "Neck", "Head",
    "LeftShoulder", "LeftUpperArm", "LeftLowerArm", "LeftHand", *_finger_names("Left"),
    "RightShoulder", "RightUpperArm", "RightLowerArm", "RightHand", *_finger_names("Right"),
    "LeftUpperLeg", "LeftLowerLeg", "LeftFoot", "LeftToes",
    "RightUpperLeg", "RightLowerLeg", "RightFoot", "RightToes",
)
NUM_JOINTS = len(JOINTS)
INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINTS)}

#: Unity's HumanBodyBones enum value of each joint (what VMC and Unity's Animator use).
UNITY_BONE_INDEX: dict[str, int] = {
    "Hips": 0, "LeftUpperLeg": 1, "RightUpperLeg": 2, "LeftLowerLeg": 3, "RightLowerLeg": 4, "LeftFoot": 5,
    "RightFoot": 6, "Spine": 7, "Chest": 8, "Neck": 9, "Head": 10, "LeftShoulder": 11, "RightShoulder": 12,
    "LeftUpperArm": 13, "RightUpperArm": 14, "LeftLowerArm": 15, "RightLowerArm": 16, "LeftHand": 17,
    "RightHand": 18, "LeftToes": 19, "RightToes": 20, "UpperChest": 54,
    **{name: 24 + i for i, name in enumerate(_finger_names("Left"))},
    **{name: 39 + i for i, name in enumerate(_finger_names("Right"))},
}

_MANNY_FINGER = {"Thumb": "thumb", "Index": "index", "Middle": "middle", "Ring": "ring", "Little": "pinky"}
_MANNY_BODY = {
    "Hips": "pelvis", "Spine": "spine_01", "Chest": "spine_03", "UpperChest": "spine_05", "Neck": "neck_01",
    "Head": "head", "Shoulder": "clavicle", "UpperArm": "upperarm", "LowerArm": "lowerarm", "Hand": "hand",
    "UpperLeg": "thigh", "LowerLeg": "calf", "Foot": "foot", "Toes": "ball",
}


def _manny_name(name: str) -> str:
    if name in _MANNY_BODY:
        return _MANNY_BODY[name]
    side = "l" if name.startswith("Left") else "r"
    part = name.removeprefix("Left").removeprefix("Right")
    for finger, manny in _MANNY_FINGER.items():
        if part.startswith(finger):
            return f"{manny}_0{_PHALANGES.index(part.removeprefix(finger)) + 1}_{side}"
    return f"{_MANNY_BODY[part]}_{side}"


#: The Unreal 5 mannequin (Manny) bone each joint drives.
MANNY_BONE: dict[str, str] = {name: _manny_name(name) for name in JOINTS}

# Left-side rest offsets (metres, from the parent joint, T-pose); the right side mirrors X.
_LEFT_OFFSETS: dict[str, tuple[float, float, float]] = {
    "Shoulder": (-0.025, 0.11, -0.005), "UpperArm": (-0.13, 0.0, 0.0), "LowerArm": (-0.28, 0.0, 0.0),
    "Hand": (-0.25, 0.0, 0.0),
    "UpperLeg": (-0.09, -0.05, 0.0), "LowerLeg": (0.0, -0.42, 0.0), "Foot": (0.0, -0.41, 0.0),
    "Toes": (0.0, -0.065, 0.12),
}
# Fingers: where the proximal joint sits on the hand and the three phalanx lengths (the last is the tip).
_FINGER_ROOTS = {"Thumb": (-0.015, -0.012, 0.022), "Index": (-0.095, 0.0, 0.026), "Middle": (-0.098, 0.0, 0.006),
                 "Ring": (-0.092, 0.0, -0.013), "Little": (-0.082, -0.003, -0.03)}
_FINGER_LENGTHS = {"Thumb": (0.045, 0.032, 0.028), "Index": (0.042, 0.025, 0.022),
                   "Middle": (0.046, 0.028, 0.024), "Ring": (0.043, 0.027, 0.023), "Little": (0.034, 0.021, 0.02)}
# The thumb leaves the hand forward and out (palm down: +Z is the thumb side of the left hand).
_THUMB_DIR = np.array([-0.7, -0.15, 0.7]) / np.linalg.norm([-0.7, -0.15, 0.7])
_FINGER_DIR = np.array([-1.0, 0.0, 0.0])


@dataclass(frozen=True)
class Skeleton:
    """A joint hierarchy with rest offsets. Ours is `HUMANOID`; BVH import builds one for a source file."""

    names: tuple[str, ...]
    parents: tuple[int, ...]  # -1 for the root; parents[i] < i
    offsets: np.ndarray  # [J, 3] rest offset from the parent (the root's is unused: the root has a position)
    end_offsets: np.ndarray  # [J, 3] tip of a leaf bone (zero for joints with children)
    rest_root: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float32))  # root position at rest

    def __post_init__(self) -> None:
        if any(p >= i for i, p in enumerate(self.parents)):
            raise ValueError("skeleton parents must come before their children")

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown joint {name!r}; known: {', '.join(self.names)}") from None

    def children(self, i: int) -> list[int]:
        return [j for j, p in enumerate(self.parents) if p == i]

    def forward_kinematics(self, root: np.ndarray, rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Global joint positions [..., J, 3] and rotations [..., J, 4] from a root position [..., 3] and
        local rotations [..., J, 4]; leading axes (e.g. frames) broadcast."""
        rotations = np.asarray(rotations, dtype=np.float32)
        root = np.asarray(root, dtype=np.float32)
        lead = np.broadcast_shapes(root.shape[:-1], rotations.shape[:-2])
        positions = np.zeros((*lead, self.num_joints, 3), dtype=np.float32)
        globals_ = np.zeros((*lead, self.num_joints, 4), dtype=np.float32)
        for j, p in enumerate(self.parents):
            if p < 0:
                positions[..., j, :] = root
                globals_[..., j, :] = rotations[..., j, :]
            else:
                positions[..., j, :] = positions[..., p, :] + quat.rotate(globals_[..., p, :], self.offsets[j])
                globals_[..., j, :] = quat.mul(globals_[..., p, :], rotations[..., j, :])
        return positions, globals_

    def tips(self, positions: np.ndarray, globals_: np.ndarray) -> np.ndarray:
        """Positions [..., J, 3] of the far end of each leaf bone (fingertips, head top, toe tips); a joint
        with children gets its own position."""
        return positions + quat.rotate(globals_, self.end_offsets)


def _humanoid() -> Skeleton:
    offsets: dict[str, np.ndarray] = {
        "Hips": np.zeros(3), "Spine": np.array([0.0, 0.09, 0.0]), "Chest": np.array([0.0, 0.12, 0.0]),
        "UpperChest": np.array([0.0, 0.11, 0.0]), "Neck": np.array([0.0, 0.15, -0.01]),
        "Head": np.array([0.0, 0.09, 0.01]),
    }
    ends: dict[str, np.ndarray] = {"Head": np.array([0.0, 0.19, 0.02])}
    parents: dict[str, str] = {"Spine": "Hips", "Chest": "Spine", "UpperChest": "Chest", "Neck": "UpperChest",
                               "Head": "Neck"}
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        flip = np.array([sign, 1.0, 1.0])
        chain = {"Shoulder": "UpperChest", "UpperArm": side + "Shoulder", "LowerArm": side + "UpperArm",
                 "Hand": side + "LowerArm", "UpperLeg": "Hips", "LowerLeg": side + "UpperLeg",
                 "Foot": side + "LowerLeg", "Toes": side + "Foot"}
        for part, parent in chain.items():
            offsets[side + part] = np.array(_LEFT_OFFSETS[part]) * flip
            parents[side + part] = parent
        ends[side + "Toes"] = np.array([0.0, 0.0, 0.05])
        for finger in _FINGERS:
            direction = _THUMB_DIR if finger == "Thumb" else _FINGER_DIR
            lengths = _FINGER_LENGTHS[finger]
            names = [f"{side}{finger}{phalanx}" for phalanx in _PHALANGES]
            offsets[names[0]] = np.array(_FINGER_ROOTS[finger]) * flip
            parents[names[0]] = side + "Hand"
            for k in (1, 2):
                offsets[names[k]] = direction * lengths[k - 1] * flip
                parents[names[k]] = names[k - 1]
            ends[names[2]] = direction * lengths[2] * flip
    index = {name: i for i, name in enumerate(JOINTS)}
    return Skeleton(
        names=JOINTS,
        parents=tuple(index[parents[n]] if n in parents else -1 for n in JOINTS),
        offsets=np.array([offsets[n] for n in JOINTS], dtype=np.float32),
        end_offsets=np.array([ends.get(n, np.zeros(3)) for n in JOINTS], dtype=np.float32),
        rest_root=np.array([0.0, 0.95, 0.0], dtype=np.float32),
    )


#: Our humanoid: 52 joints, 1.70 m tall, hips 0.95 m above the ground at rest.
HUMANOID = _humanoid()

#: For each joint, its mirror image across the body's midline (Left <-> Right; the spine maps to itself).
MIRROR: np.ndarray = np.array([
    INDEX[n.replace("Left", "\0").replace("Right", "Left").replace("\0", "Right")] for n in JOINTS
])

#: Named joint groups for masks.
GROUPS: dict[str, tuple[str, ...]] = {
    "hips": ("Hips",),
    "spine": ("Spine", "Chest", "UpperChest"),
    "head": ("Neck", "Head"),
    **{f"{s.lower()}_arm": (f"{s}Shoulder", f"{s}UpperArm", f"{s}LowerArm", f"{s}Hand") for s in ("Left", "Right")},
    **{f"{s.lower()}_fingers": tuple(_finger_names(s)) for s in ("Left", "Right")},
    **{f"{s.lower()}_leg": (f"{s}UpperLeg", f"{s}LowerLeg", f"{s}Foot", f"{s}Toes") for s in ("Left", "Right")},
}
GROUPS["arms"] = GROUPS["left_arm"] + GROUPS["right_arm"] + GROUPS["left_fingers"] + GROUPS["right_fingers"]
GROUPS["legs"] = GROUPS["left_leg"] + GROUPS["right_leg"]
GROUPS["upper_body"] = GROUPS["spine"] + GROUPS["head"] + GROUPS["arms"]
GROUPS["all"] = JOINTS


def mask(*parts: str, value: float = 1.0) -> np.ndarray:
    """A per-joint weight [J] that is `value` on the named groups or joints and 0 elsewhere."""
    out = np.zeros(NUM_JOINTS, dtype=np.float32)
    for part in parts:
        if part in GROUPS:
            names: tuple[str, ...] = GROUPS[part]
        elif part in INDEX:
            names = (part,)
        else:
            raise KeyError(f"unknown joint or group {part!r}; groups: {', '.join(GROUPS)}")
        out[[INDEX[n] for n in names]] = value
    return out


# -- coordinate conversions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """Another tool's axes: p_tool = scale · basis · p_unity."""

    name: str
    basis: np.ndarray  # [3, 3]
    scale: float  # metres -> the tool's unit


FRAMES: dict[str, Frame] = {
    # Unity itself (the wire format).
    "unity": Frame("unity", np.eye(3), 1.0),
    # Unreal world/actor space: left-handed, +X forward, +Y right, +Z up, centimetres.
    "unreal": Frame("unreal", np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.float64), 100.0),
    # Unreal skeletal-mesh component space, where Manny faces +Y (VMC4UE's mapping).
    "unreal_mesh": Frame("unreal_mesh", np.array([[-1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float64), 100.0),
    # glTF / three.js / Blender's BVH: right-handed, +Y up, the avatar still faces +Z, so +X is its left.
    "gltf": Frame("gltf", np.diag([-1.0, 1.0, 1.0]), 1.0),
}


def _frame(name: str) -> Frame:
    if name not in FRAMES:
        raise KeyError(f"unknown coordinate frame {name!r}; known: {', '.join(FRAMES)}")
    return FRAMES[name]


def convert_positions(p: np.ndarray, to: str, src: str = "unity") -> np.ndarray:
    """Positions [..., 3] from frame `src` to frame `to` (units included)."""
    a, b = _frame(src), _frame(to)
    m = b.basis @ a.basis.T * (b.scale / a.scale)
    return (np.asarray(p, dtype=np.float64) @ m.T).astype(np.float32)


def convert_rotations(q: np.ndarray, to: str, src: str = "unity") -> np.ndarray:
    """Quaternions [..., 4] from frame `src` to `to`: (v, w) -> (det(M)·M·v, w) for the basis change M."""
    a, b = _frame(src), _frame(to)
    m = b.basis @ a.basis.T
    q = np.asarray(q, dtype=np.float64)
    v = q[..., :3] @ m.T * np.linalg.det(m)
    return np.concatenate([v, q[..., 3:]], axis=-1).astype(np.float32)


# -- joint limits ----------------------------------------------------------------------------------------------

#: Hinge joints: (joint, its child, the direction the child bone swings when the joint flexes, in the parent's
#: frame). Elbows swing the forearm forward, knees swing the shin backward.
HINGES: tuple[tuple[str, str, tuple[float, float, float]], ...] = (
    ("LeftLowerArm", "LeftHand", (0.0, 0.0, 1.0)), ("RightLowerArm", "RightHand", (0.0, 0.0, 1.0)),
    ("LeftLowerLeg", "LeftFoot", (0.0, 0.0, -1.0)), ("RightLowerLeg", "RightFoot", (0.0, 0.0, -1.0)),
)


def hinge_flexion(rotations: np.ndarray) -> np.ndarray:
    """Signed flexion (radians) of elbows and knees, in `HINGES` order, from local rotations [..., J, 4].

    Positive is the anatomical bend; a negative value is an elbow or knee bent backwards."""
    out = []
    for joint, child, bend in HINGES:
        rest = HUMANOID.offsets[INDEX[child]] / np.linalg.norm(HUMANOID.offsets[INDEX[child]])
        posed = quat.rotate(np.asarray(rotations)[..., INDEX[joint], :], rest)
        out.append(np.arctan2(posed @ np.asarray(bend, dtype=np.float32), posed @ rest))
    return np.stack(out, axis=-1).astype(np.float32)


def skeleton_description() -> dict[str, list]:
    """The humanoid skeleton as `describe` and the `skeleton` stream message give it."""
    return {"joints": list(HUMANOID.names), "parents": list(HUMANOID.parents),
            "offsets": [[round(float(v), 6) for v in o] for o in HUMANOID.offsets]}
