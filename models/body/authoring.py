"""Tools for authoring poses in code: aim a bone, two-bone IK for arms and legs, hand orientation, finger curls.

Gestures, idle, co-speech and dance moves are written with these, so a pose reads as intent ("right wrist
here, elbow pointing down, palm towards the face, index extended") rather than as raw quaternions. Elbows
and knees are only ever bent by a hinge angle >= 0 about their anatomical axis, so no authored pose bends
a joint backwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Generic, TypeVar, overload

import numpy as np

from models.body import quat
from models.body.pose import BodyPose, PoseBatch
from models.body.skeleton import _THUMB_DIR, HUMANOID, INDEX

#: Hinge axes in the parent bone's frame, for the left side; the right side mirrors ((x, y, z) -> (x, -y, -z)).
#: Elbow: the forearm (-X) swings forward (+Z). Knee: the shin (-Y) swings backward (-Z).
ELBOW_AXIS_LEFT = np.array([0.0, 1.0, 0.0])
KNEE_AXIS_LEFT = np.array([1.0, 0.0, 0.0])
#: Finger flexion axes (hand frame, left): fingers (-X) curl towards the palm (-Y); the thumb curls into it.
FINGER_AXIS_LEFT = np.array([0.0, 0.0, 1.0])
THUMB_AXIS_LEFT = np.cross(_THUMB_DIR, [0.0, -1.0, 0.0]) / np.linalg.norm(np.cross(_THUMB_DIR, [0.0, -1.0, 0.0]))
#: Rest-pose hand frame: fingers point out along ∓X, the palm faces down.
_REST_FINGERS = {"Left": np.array([-1.0, 0.0, 0.0]), "Right": np.array([1.0, 0.0, 0.0])}
_REST_PALM = np.array([0.0, -1.0, 0.0])

FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")


def _chain(j: int) -> list[int]:
    return _chain(HUMANOID.parents[j]) + [j] if j >= 0 else []


#: Each joint's ancestors from the root down to itself.
_CHAINS = [_chain(j) for j in range(HUMANOID.num_joints)]
#: A position or direction: a tuple or an array of three floats.
Vec = Sequence[float] | np.ndarray
_PHALANGES = ("Proximal", "Intermediate", "Distal")


def side_axis(axis_left: Vec, side: str) -> np.ndarray:
    """A left-side axis, or its mirror image for the right side."""
    return np.asarray(axis_left, dtype=np.float64) * (np.array([1.0, -1.0, -1.0]) if side == "Right" else 1.0)


def side_vector(v_left: Vec, side: str) -> np.ndarray:
    """A left-side position or direction, or its mirror image (X negated) for the right side."""
    return np.asarray(v_left, dtype=np.float64) * (np.array([-1.0, 1.0, 1.0]) if side == "Right" else 1.0)


def hand_rotation(side: str, fingers: Vec, palm: Vec) -> np.ndarray:
    """The global hand rotation that points the (straight) fingers along `fingers` and the palm normal along
    `palm` (the palm normal is made perpendicular to the fingers)."""
    rest = quat.from_basis(_REST_FINGERS[side], _REST_PALM)
    want = quat.from_basis(np.asarray(fingers, dtype=np.float64), np.asarray(palm, dtype=np.float64))
    return quat.mul(want, quat.conj(rest))


P = TypeVar("P", BodyPose, PoseBatch)


class PoseBuilder(Generic[P]):
    """A mutable pose with forward kinematics on demand. Methods return self so poses read as one chain.

    On a `PoseBatch` every edit applies to all its poses at once, with per-pose values (angles [N], targets
    [N, 3]) where they differ: the whole-joint edits, `move_root` and `leg` take batches (what the idle uses).
    """

    @overload
    def __init__(self: PoseBuilder[BodyPose], pose: None = None) -> None: ...

    @overload
    def __init__(self, pose: P) -> None: ...

    def __init__(self, pose: P | None = None) -> None:
        self.pose: P = pose.copy() if pose is not None else BodyPose.rest()  # type: ignore[assignment]

    def copy(self) -> PoseBuilder[P]:
        return PoseBuilder(self.pose)

    def build(self) -> P:
        return self.pose.copy()

    # -- kinematics ----------------------------------------------------------------------------------------------

    def fk(self) -> tuple[np.ndarray, np.ndarray]:
        return HUMANOID.forward_kinematics(self.pose.root, self.pose.rotations)

    def _walk(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Global position and rotation of joint j, walking only its own chain from the root (cheap enough
        for the per-tick IK of idle and dance)."""
        position = self.pose.root.astype(np.float64)
        rotation = self.pose.rotations[..., 0, :]
        for k in _CHAINS[j][1:]:
            position = position + quat.rotate(rotation, HUMANOID.offsets[k])
            rotation = quat.mul(rotation, self.pose.rotations[..., k, :])
        return position, rotation

    def position(self, joint: str) -> np.ndarray:
        return self._walk(INDEX[joint])[0]

    def tip(self, joint: str) -> np.ndarray:
        """The far end of a leaf bone (a fingertip, the top of the head)."""
        position, rotation = self._walk(INDEX[joint])
        return position + quat.rotate(rotation, HUMANOID.end_offsets[INDEX[joint]])

    def global_rotation(self, joint: str) -> np.ndarray:
        return self._walk(INDEX[joint])[1]

    def set_global(self, joint: str, rotation: np.ndarray) -> PoseBuilder:
        """Give a joint a global rotation by solving for its local one."""
        j = INDEX[joint]
        parent = HUMANOID.parents[j]
        parent_global = self._walk(parent)[1] if parent >= 0 else quat.IDENTITY
        self.pose.rotations[..., j, :] = quat.mul(quat.conj(parent_global), rotation)
        return self

    # -- whole-joint edits ----------------------------------------------------------------------------------------

    def rotate(self, joint: str, axis: Vec | str, degrees: float) -> PoseBuilder:
        """Rotate a joint by an angle about an axis of its parent's frame (on top of what it has)."""
        j = INDEX[joint]
        delta = quat.from_axis_angle(axis if isinstance(axis, str) else np.asarray(axis), np.radians(degrees))
        self.pose.rotations[..., j, :] = quat.mul(delta, self.pose.rotations[..., j, :])
        return self

    def spread(self, joints: Sequence[str], axis: Vec | str, degrees: float) -> PoseBuilder:
        """Share one rotation equally among a chain (a spine bend, a head turn over neck and head)."""
        for joint in joints:
            self.rotate(joint, axis, degrees / len(joints))
        return self

    def move_root(self, offset: Vec) -> PoseBuilder:
        self.pose.root = self.pose.root + np.asarray(offset, dtype=np.float32)
        return self

    def aim(self, joint: str, direction: Vec, tip: str | None = None) -> PoseBuilder:
        """Turn a joint by the smallest rotation that points its bone (towards its first child or its tip),
        or the line from it to the tip of joint `tip` further down the chain, along a global direction."""
        j = INDEX[joint]
        if tip is not None:
            current = self.tip(tip) - self.position(joint)
        else:
            children = HUMANOID.children(j)
            current = quat.rotate(self.global_rotation(joint),
                                  HUMANOID.offsets[children[0]] if children else HUMANOID.end_offsets[j])
        g = self.global_rotation(joint)
        return self.set_global(joint, quat.mul(quat.between(current, np.asarray(direction)), g))

    # -- limbs -----------------------------------------------------------------------------------------------------

    def _two_bone(self, upper: str, lower: str, end: str, hinge: np.ndarray, target: Vec,
                  pole: Vec) -> PoseBuilder:
        """Solve upper/lower so `end` reaches `target` with the middle joint bent towards `pole` (a global
        direction); the middle joint bends only about its hinge, by an angle in [0, pi)."""
        b, c = INDEX[lower], INDEX[end]
        l1 = float(np.linalg.norm(HUMANOID.offsets[b]))
        l2 = float(np.linalg.norm(HUMANOID.offsets[c]))
        origin = self.position(upper)
        to_target = np.asarray(target, dtype=np.float64) - origin
        d = np.clip(np.linalg.norm(to_target, axis=-1), abs(l1 - l2) + 1e-4, l1 + l2 - 1e-4)
        interior = np.arccos(np.clip((l1 * l1 + l2 * l2 - d * d) / (2 * l1 * l2), -1.0, 1.0))
        self.pose.rotations[..., b, :] = quat.from_axis_angle(hinge, np.pi - interior)
        # Reach in the upper bone's own frame, then turn that frame so reach -> target and elbow -> pole.
        reach = HUMANOID.offsets[b] + quat.rotate(self.pose.rotations[..., b, :], HUMANOID.offsets[c])
        src = quat.from_basis(reach, HUMANOID.offsets[b])
        dst = quat.from_basis(to_target, np.asarray(pole))
        return self.set_global(upper, quat.mul(dst, quat.conj(src)))

    def arm(self, side: str, wrist: Vec, pole: Vec) -> PoseBuilder:
        """Place a wrist (global position) with the elbow pointing towards `pole`."""
        return self._two_bone(f"{side}UpperArm", f"{side}LowerArm", f"{side}Hand", side_axis(ELBOW_AXIS_LEFT, side),
                              wrist, pole)

    def leg(self, side: str, ankle: Vec, pole: Vec = (0.0, 0.0, 1.0)) -> PoseBuilder:
        """Place an ankle (global position) with the knee pointing towards `pole` (forward by default), the
        foot flat and pointing forward (its rest orientation) whatever the hips and knee do."""
        self._two_bone(f"{side}UpperLeg", f"{side}LowerLeg", f"{side}Foot", side_axis(KNEE_AXIS_LEFT, side),
                       ankle, pole)
        # A foot left at rest under a bent knee would pitch with the shin, its toes through the floor.
        return self.set_global(f"{side}Foot", quat.IDENTITY)

    def hand(self, side: str, fingers: Vec, palm: Vec) -> PoseBuilder:
        """Orient a hand globally (see `hand_rotation`). The twist about the forearm goes to the forearm, as
        a Unity humanoid's muscles allow twist there and not at the wrist."""
        lower, hand = f"{side}LowerArm", f"{side}Hand"
        want = hand_rotation(side, fingers, palm)
        local = quat.mul(quat.conj(self.global_rotation(lower)), want)
        axis = HUMANOID.offsets[INDEX[hand]] / np.linalg.norm(HUMANOID.offsets[INDEX[hand]])
        _, twist = quat.swing_twist(local, axis)
        self.pose.rotations[INDEX[lower]] = quat.mul(self.pose.rotations[INDEX[lower]], twist)
        return self.set_global(hand, want)

    def place_hand(self, side: str, target: Vec, fingers: Vec, palm: Vec,
                   pole: Vec, effector: str | None = None) -> PoseBuilder:
        """Orient a hand and move the arm so the wrist, or the tip of finger bone `effector` (e.g.
        "RightIndexDistal"), lands on `target`. Set the fingers first: the tip's place depends on them."""
        offset = np.zeros(3)
        if effector is not None:
            hand = f"{side}Hand"
            local = quat.rotate(quat.conj(self.global_rotation(hand)), self.tip(effector) - self.position(hand))
            offset = quat.rotate(hand_rotation(side, fingers, palm), local)
        self.arm(side, np.asarray(target, dtype=np.float64) - offset, pole)
        return self.hand(side, fingers, palm)

    def finger(self, side: str, finger: str, curl: Vec, splay: float = 0.0) -> PoseBuilder:
        """Bend one finger's three joints by `curl` degrees each (towards the palm; negative extends) and
        splay the finger sideways by `splay` degrees at its base (positive towards the thumb)."""
        axis = side_axis(THUMB_AXIS_LEFT if finger == "Thumb" else FINGER_AXIS_LEFT, side)
        splay_axis = side_axis(np.array([0.0, 1.0, 0.0]), side)
        for k, phalanx in enumerate(_PHALANGES):
            q = quat.from_axis_angle(axis, np.radians(curl[k]))
            if k == 0 and splay:
                q = quat.mul(quat.from_axis_angle(splay_axis, np.radians(splay)), q)
            self.pose.rotations[INDEX[f"{side}{finger}{phalanx}"]] = q
        return self

    def fingers(self, side: str, curl: Vec, thumb: Vec, only: Sequence[str] = FINGERS[1:],
                splay: float = 0.0) -> PoseBuilder:
        """The same curl for several fingers (index..little by default) and a separate one for the thumb."""
        for finger in only:
            self.finger(side, finger, curl, splay * (1.5 - FINGERS.index(finger) * 0.75))
        return self.finger(side, "Thumb", thumb)

    def aim_thumb(self, side: str, direction: Vec, bend: float = 0.0) -> PoseBuilder:
        """Point the thumb (base to tip) along a global direction, its two outer joints bent by `bend` degrees."""
        axis = side_axis(THUMB_AXIS_LEFT, side)
        for phalanx in ("Intermediate", "Distal"):
            self.pose.rotations[INDEX[f"{side}Thumb{phalanx}"]] = quat.from_axis_angle(axis, np.radians(bend))
        return self.aim(f"{side}ThumbProximal", direction, tip=f"{side}ThumbDistal")

    def thumb_to_plane(self, side: str, x: float, z: float, bend: float = 0.0) -> PoseBuilder:
        """Swing the thumb down so its tip lands on the vertical line (x, z) (where two thumbs meet)."""
        self.aim_thumb(side, (0.0, -1.0, 0.0), bend)
        base = self.position(f"{side}ThumbProximal")
        reach = float(np.linalg.norm(self.tip(f"{side}ThumbDistal") - base))
        dx, dz = x - base[0], z - base[2]
        return self.aim_thumb(side, (dx, -np.sqrt(max(reach**2 - dx**2 - dz**2, 1e-6)), dz), bend)

    # -- presets ---------------------------------------------------------------------------------------------------

    def fist(self, side: str) -> PoseBuilder:
        """A closed fist with the thumb folded across the fingers."""
        return self.fingers(side, (90.0, 100.0, 55.0), thumb=(35.0, 30.0, 35.0))

    def open_hand(self, side: str, splay: float = 8.0) -> PoseBuilder:
        """A flat, slightly spread hand."""
        return self.fingers(side, (3.0, 3.0, 2.0), thumb=(-5.0, 0.0, 0.0), splay=splay)

    def relaxed_hand(self, side: str) -> PoseBuilder:
        """The hand at rest: fingers gently curled, more so towards the little finger."""
        for k, finger in enumerate(FINGERS[1:]):
            self.finger(side, finger, (12.0 + 4 * k, 22.0 + 4 * k, 12.0 + 2 * k))
        return self.finger(side, "Thumb", (10.0, 12.0, 10.0))


def standing() -> PoseBuilder:
    """The neutral stance every motion starts from and returns to: arms hanging relaxed at the sides, palms
    facing the thighs, elbows slightly bent, fingers loosely curled."""
    return PoseBuilder(_standing())


@lru_cache(maxsize=1)
def _standing() -> BodyPose:
    b = PoseBuilder()
    for side in ("Left", "Right"):
        shoulder = b.position(f"{side}UpperArm")
        b.arm(side, shoulder + side_vector((-0.05, -0.515, 0.055), side), pole=side_vector((-0.25, 0.0, -1.0), side))
        b.hand(side, fingers=side_vector((-0.08, -1.0, 0.12), side), palm=side_vector((1.0, 0.0, 0.15), side))
        b.relaxed_hand(side)
    return b.pose


def stance_feet() -> dict[str, np.ndarray]:
    """Ankle positions of the neutral stance (idle and dance keep feet planted there with leg IK)."""
    b = standing()
    return {side: b.position(f"{side}Foot") for side in ("Left", "Right")}
