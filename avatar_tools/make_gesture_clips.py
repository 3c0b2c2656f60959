"""Author our gesture clips in code and write them to models/body/clips/ as BVH with a JSON sidecar.

Run `python -m avatar_tools.make_gesture_clips` after changing a gesture, look at the renders
(`python -m avatar_tools.pose_plots docs/img/gestures`) and commit both. Each gesture is a few key poses written
with the authoring tools (wrist targets, hand orientation, finger curls); keys are eased so every key is
reached at rest, and every clip starts and ends in the neutral stance.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.body import quat
from models.body.authoring import PoseBuilder, side_axis, side_vector, standing
from models.body.bvh import write_bvh
from models.body.gestures import CLIP_DIR
from models.body.pose import BodyPose, interpolate_keys

#: Frame rate of the clip files.
RATE = 30.0
#: Points on the head in the head's frame (metres from the head joint): under the right eye, on the cheek.
RIGHT_CHEEK = np.array([0.040, 0.072, 0.092])


@dataclass(frozen=True)
class Gesture:
    name: str
    description: str
    keys: list[tuple[float, BodyPose]]
    stroke: float
    mask: tuple[str, ...]
    fade_in: float = 0.25
    fade_out: float = 0.35


def _rest() -> BodyPose:
    return standing().build()


def _on_head(b: PoseBuilder, offset: np.ndarray) -> np.ndarray:
    return b.position("Head") + quat.rotate(b.global_rotation("Head"), offset)


# -- one function per gesture ------------------------------------------------------------------------------------


def thumbs_up() -> Gesture:
    def pose(wrist: tuple[float, float, float], thumb_up: bool) -> BodyPose:
        b = standing().fist("Right")
        if thumb_up:
            b.finger("Right", "Thumb", (0.0, 0.0, 0.0))
        b.place_hand("Right", wrist, fingers=(-1.0, 0.0, 0.2), palm=(0.0, -0.6, -0.8), pole=(1.0, -0.4, -0.4))
        if thumb_up:
            b.aim_thumb("Right", (0.0, 1.0, 0.08))
        return b.build()

    keys = [(0.0, _rest()), (0.4, pose((0.24, 1.1, 0.2), False)), (0.65, pose((0.22, 1.18, 0.28), True)),
            (1.35, pose((0.22, 1.2, 0.29), True)), (1.95, _rest())]
    return Gesture("thumbs_up", "Right fist forward at chest height, thumb straight up.", keys, 0.65,
                   ("right_arm", "right_fingers"))


def heart_hands() -> Gesture:
    centre_x, top_y, z = 0.0, 1.47, 0.30
    gap = 0.004  # the fingertips and thumb tips of both hands touch at the midline

    def heart(lift: float = 0.0) -> BodyPose:
        b = standing()
        for side in ("Left", "Right"):
            inward = 1.0 if side == "Left" else -1.0  # towards the midline, in X
            meet = centre_x - inward * gap
            # The hand rises tilted outward, palm to the midline; curled fingers arc over into the lobes and
            # the index tips meet at the top.
            b.fingers(side, (55.0, 75.0, 45.0), thumb=(0.0, 0.0, 0.0))
            b.place_hand(side, (meet, top_y + lift, z), fingers=side_vector((-0.35, 1.0, 0.0), side),
                         palm=(inward, 0.0, 0.0), pole=side_vector((-1.0, -0.7, -0.3), side),
                         effector=f"{side}IndexDistal")
            # The thumbs swing down and meet at the midline: the point of the heart.
            b.thumb_to_plane(side, meet, z, bend=30.0)
        return b.build()

    def rising() -> BodyPose:
        b = standing()
        for side in ("Left", "Right"):
            b.fingers(side, (30.0, 40.0, 25.0), thumb=(0.0, 0.0, 0.0))
            b.place_hand(side, side_vector((-0.12, 1.2, 0.24), side), side_vector((-0.3, 1.0, 0.3), side),
                         (1.0 if side == "Left" else -1.0, 0.0, 0.0), pole=side_vector((-1.0, -0.7, -0.3), side))
        return b.build()

    keys = [(0.0, _rest()), (0.45, rising()), (0.8, heart()), (1.9, heart(0.015)), (2.5, _rest())]
    return Gesture("heart_hands", "Both hands above the chest make a heart: curled fingers form the lobes and "
                   "touch at the top, the thumbs swing down and meet at the point.", keys, 0.8, ("arms",))


def wipe_tears() -> Gesture:
    def sad(b: PoseBuilder, amount: float) -> PoseBuilder:
        b.spread(("Spine", "Chest", "UpperChest"), "X", 6.0 * amount)
        return b.spread(("Neck", "Head"), (1.0, 0.25, 0.0), 16.0 * amount)

    def wipe(along: float, away: float) -> BodyPose:
        """Index tip on the cheek under the right eye; `along` slides it outward (m), `away` lifts it off."""
        b = sad(standing(), 1.0)
        b.fingers("Right", (55.0, 80.0, 50.0), thumb=(25.0, 20.0, 20.0), only=("Middle", "Ring", "Little"))
        b.finger("Right", "Index", (15.0, 30.0, 20.0))
        b.finger("Right", "Thumb", (25.0, 20.0, 20.0))
        cheek = _on_head(b, RIGHT_CHEEK + np.array([along, -0.3 * along, away - 0.4 * along]))
        b.place_hand("Right", cheek, fingers=(-0.55, 1.0, 0.15), palm=(-0.2, 0.1, -1.0), pole=(0.6, -1.0, -0.2),
                     effector="RightIndexDistal")
        return b.build()

    keys = [(0.0, _rest()), (0.55, wipe(0.0, 0.05)), (0.8, wipe(-0.012, 0.0)), (1.1, wipe(0.035, 0.0)),
            (1.3, wipe(-0.01, 0.02)), (1.55, wipe(0.035, 0.0)), (1.8, wipe(0.035, 0.04)),
            (2.4, sad(standing(), 0.0).build())]
    return Gesture("wipe_tears", "Head bowed, the right index finger wipes under the right eye twice.", keys, 0.8,
                   ("right_arm", "right_fingers", "spine", "head"))


def wave() -> Gesture:
    def up(swing: float) -> BodyPose:
        b = standing().open_hand("Right", splay=10.0)
        b.place_hand("Right", (0.36 + 0.03 * swing, 1.52, 0.1), fingers=(0.35 * swing + 0.05, 1.0, 0.0),
                     palm=(0.0, 0.0, 1.0), pole=(1.0, -1.0, 0.0))
        return b.build()

    keys = [(0.0, _rest()), (0.5, up(0.0)), (0.75, up(1.0)), (1.0, up(-1.0)), (1.25, up(1.0)), (1.5, up(-1.0)),
            (1.75, up(0.0)), (2.3, _rest())]
    return Gesture("wave", "Right hand raised beside the head, open palm to the audience, waving.", keys, 0.5,
                   ("right_arm", "right_fingers"))


def bow() -> Gesture:
    def bent(degrees: float) -> BodyPose:
        b = standing()
        b.rotate("Hips", "X", 0.6 * degrees)
        for side in ("Left", "Right"):
            b.rotate(f"{side}UpperLeg", "X", -0.6 * degrees)  # the legs stay upright under the turning hips
        b.spread(("Spine", "Chest", "UpperChest"), "X", 0.3 * degrees)
        b.spread(("Neck", "Head"), "X", 0.25 * degrees)
        b.move_root((0.0, 0.0, -0.0015 * degrees))
        # The hands slide down the front of the thighs as the body folds.
        amount = degrees / 40.0
        for side in ("Left", "Right"):
            b.place_hand(side, side_vector((-0.125, 0.86 - 0.1 * amount, 0.05 + 0.08 * amount), side),
                         fingers=side_vector((0.1, -1.0, 0.25 * amount), side), palm=(0.0, 0.0, -1.0),
                         pole=side_vector((-0.4, 0.0, -1.0), side))
        return b.build()

    keys = [(0.0, _rest()), (0.7, bent(40.0)), (1.4, bent(40.0)), (2.1, _rest())]
    return Gesture("bow", "A polite bow from the hips, back straight, head following, hands sliding down the "
                   "front of the thighs.", keys, 0.7, ("hips", "spine", "head", "legs", "left_arm", "right_arm"))


def _head(pitch: float = 0.0, yaw: float = 0.0) -> BodyPose:
    b = standing()
    b.spread(("Neck", "Head"), "X", pitch)
    return b.spread(("Neck", "Head"), "Y", yaw).build()


def nod() -> Gesture:
    keys = [(0.0, _head()), (0.25, _head(pitch=16.0)), (0.5, _head(pitch=-2.0)), (0.75, _head(pitch=11.0)),
            (1.05, _head())]
    return Gesture("nod", "Two nods, the first deeper.", keys, 0.25, ("head",), fade_in=0.1, fade_out=0.2)


def shake_head() -> Gesture:
    keys = [(0.0, _head()), (0.25, _head(yaw=22.0)), (0.55, _head(yaw=-22.0)), (0.85, _head(yaw=16.0)),
            (1.15, _head(yaw=-10.0)), (1.4, _head())]
    return Gesture("shake_head", "The head shakes no, fading out.", keys, 0.25, ("head",), fade_in=0.1,
                   fade_out=0.2)


def point() -> Gesture:
    def pointing(reach: float) -> BodyPose:
        b = standing().fist("Right")
        b.finger("Right", "Index", (0.0, 0.0, 0.0))
        direction = np.array([0.35, 0.08, 0.93])
        shoulder = b.position("RightUpperArm")
        b.place_hand("Right", shoulder + reach * direction, fingers=direction, palm=(-0.2, -1.0, 0.0),
                     pole=(0.7, -1.0, -0.2))
        return b.build()

    keys = [(0.0, _rest()), (0.5, pointing(0.52)), (1.3, pointing(0.515)), (1.9, _rest())]
    return Gesture("point", "Right arm extended forward and to the right, index finger pointing.", keys, 0.5,
                   ("right_arm", "right_fingers"))


def clap() -> Gesture:
    def hands(apart: float) -> BodyPose:
        b = standing()
        for side in ("Left", "Right"):
            inward = 1.0 if side == "Left" else -1.0
            b.open_hand(side, splay=0.0)
            b.place_hand(side, (-inward * (0.018 + apart), 1.2, 0.3), fingers=(0.0, 0.6, 1.0),
                         palm=(inward, 0.0, 0.0), pole=side_vector((-1.0, -1.0, -0.2), side))
        return b.build()

    keys = [(0.0, _rest()), (0.4, hands(0.11)), (0.55, hands(0.0)), (0.75, hands(0.11)), (0.9, hands(0.0)),
            (1.1, hands(0.11)), (1.25, hands(0.0)), (1.85, _rest())]
    return Gesture("clap", "Three claps in front of the chest.", keys, 0.55, ("arms",))


def present_product() -> Gesture:
    def present(amount: float) -> BodyPose:
        b = standing().open_hand("Right", splay=6.0)
        b.spread(("Spine", "Chest", "UpperChest"), "Y", 10.0 * amount)
        shoulder = b.position("RightUpperArm")
        b.place_hand("Right", shoulder + np.array([0.28, -0.22, 0.32]) * amount + np.array([0.0, -0.3, 0.05]) *
                     (1.0 - amount), fingers=(0.6, 0.05, 0.8), palm=(0.0, 1.0, 0.0), pole=(0.5, -1.0, -0.4))
        return b.build()

    keys = [(0.0, _rest()), (0.6, present(1.0)), (1.6, present(0.95)), (2.2, _rest())]
    return Gesture("present_product", "Right arm opens towards a product at the front right, palm up.", keys, 0.6,
                   ("right_arm", "right_fingers", "spine"))


def shrug() -> Gesture:
    def shrugging(amount: float) -> BodyPose:
        b = standing()
        for side in ("Left", "Right"):
            b.rotate(f"{side}Shoulder", side_axis((0.0, 0.0, -1.0), side), 14.0 * amount)
            b.open_hand(side, splay=10.0)
            shoulder = b.position(f"{side}UpperArm")
            b.place_hand(side, shoulder + side_vector((-0.2, -0.36, 0.22), side), fingers=side_vector((-0.7, 0.1,
                         0.7), side), palm=(0.0, 1.0, 0.0), pole=side_vector((-0.2, -1.0, -0.3), side))
        b.spread(("Neck", "Head"), "Z", 8.0 * amount)
        return b.build()

    keys = [(0.0, _rest()), (0.45, shrugging(1.0)), (1.05, shrugging(0.9)), (1.6, _rest())]
    return Gesture("shrug", "Shoulders up, forearms out with open palms up, head tilted.", keys, 0.45,
                   ("arms", "head"))


def cheer() -> Gesture:
    def arms_up(height: float) -> BodyPose:
        b = standing()
        for side in ("Left", "Right"):
            b.fist(side)
            shoulder = b.position(f"{side}UpperArm")
            b.place_hand(side, shoulder + side_vector((-0.26, 0.34 + 0.1 * height, 0.06), side),
                         fingers=side_vector((-0.3, 1.0, 0.1), side), palm=side_vector((1.0, 0.0, 0.2), side),
                         pole=side_vector((-1.0, 0.0, -0.3), side))
        return b.build()

    keys = [(0.0, _rest()), (0.45, arms_up(1.0)), (0.7, arms_up(0.0)), (0.95, arms_up(1.0)), (1.2, arms_up(0.0)),
            (1.45, arms_up(1.0)), (2.1, _rest())]
    return Gesture("cheer", "Both fists thrown up in a V, pumping three times.", keys, 0.45, ("arms",))


AUTHORED: tuple[Callable[[], Gesture], ...] = (thumbs_up, heart_hands, wipe_tears, wave, bow, nod, shake_head, point,
                                               clap, present_product, shrug, cheer)


def write(gesture: Gesture, folder: Path) -> None:
    times = [t for t, _ in gesture.keys]
    rotations, root = interpolate_keys(times, [p for _, p in gesture.keys], RATE)
    write_bvh(folder / f"{gesture.name}.bvh", root, rotations, RATE)
    meta = {"stroke": gesture.stroke, "mask": list(gesture.mask), "fade_in": gesture.fade_in,
            "fade_out": gesture.fade_out, "description": gesture.description}
    (folder / f"{gesture.name}.json").write_text(json.dumps(meta, indent=2) + "\n")


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else CLIP_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for make in AUTHORED:
        gesture = make()
        write(gesture, folder)
        print(f"{folder / gesture.name}.bvh  stroke {gesture.stroke:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
