"""The gesture library: every gesture present, readable (heart, thumbs-up), within joint limits, continuous."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from avatar_tools import make_gesture_clips
from models.body import quat
from models.body.bvh import write_bvh
from models.body.gestures import CLIP_DIR, REQUIRED, UnknownGesture, get_gesture, load_clip, load_library
from models.body.pose import ClipInstance
from models.body.skeleton import HUMANOID, INDEX, hinge_flexion, mask

LIBRARY = load_library()


def at_stroke(name: str) -> tuple[np.ndarray, np.ndarray]:
    clip = LIBRARY[name]
    pose = clip.sample(clip.stroke)
    positions, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    return positions, HUMANOID.tips(positions, globals_)


def test_the_library_has_every_required_gesture() -> None:
    assert set(REQUIRED) <= set(LIBRARY)
    for name in REQUIRED:
        clip = LIBRARY[name]
        assert 0.0 < clip.stroke < clip.duration, name
        assert clip.mask.sum() > 0, name


@pytest.mark.parametrize("name", REQUIRED)
def test_clips_are_unit_continuous_and_respect_joint_limits(name: str) -> None:
    clip = LIBRARY[name]
    np.testing.assert_allclose(np.linalg.norm(clip.rotations, axis=-1), 1.0, atol=1e-5)
    assert (np.sum(clip.rotations[1:] * clip.rotations[:-1], axis=-1) >= 0.0).all()  # no sign flips
    # No jumps: at 30 fps no joint turns faster than a quick finger flick (900 degrees per second).
    assert np.degrees(quat.angle_between(clip.rotations[1:], clip.rotations[:-1])).max() < 30.0
    flexion = np.degrees(hinge_flexion(clip.rotations))
    assert flexion.min() > -0.5, "an elbow or knee bends backwards"
    assert flexion.max() < 160.0
    # Starts and ends in the neutral stance, so fading in and out is seamless.
    assert quat.angle_between(clip.rotations[0], clip.rotations[-1]).max() < 1e-3


def test_heart_hands_make_a_heart_above_the_chest() -> None:
    positions, tips = at_stroke("heart_hands")
    left_index, right_index = tips[INDEX["LeftIndexDistal"]], tips[INDEX["RightIndexDistal"]]
    left_thumb, right_thumb = tips[INDEX["LeftThumbDistal"]], tips[INDEX["RightThumbDistal"]]
    # Both hands touch: index tips together at the top, thumb tips together at the point below.
    assert np.linalg.norm(left_index - right_index) < 0.015
    assert np.linalg.norm(left_thumb - right_thumb) < 0.015
    assert left_index[1] - left_thumb[1] > 0.10
    # On the midline, in front of and above the chest.
    assert abs(left_index[0]) < 0.01 and abs(left_thumb[0]) < 0.01
    assert left_thumb[1] > positions[INDEX["Chest"], 1] + 0.05
    assert left_index[2] > 0.2
    # The lobes: the curled fingers rise above the index tips on both sides, wider than the point.
    for side, outward in (("Left", -1.0), ("Right", 1.0)):
        knuckle = positions[INDEX[f"{side}IndexIntermediate"]]
        assert knuckle[1] > left_index[1] and outward * knuckle[0] > 0.02
        wrist = positions[INDEX[f"{side}Hand"]]
        assert outward * wrist[0] > outward * left_thumb[0]


def test_thumbs_up_is_a_fist_with_the_thumb_straight_up() -> None:
    positions, tips = at_stroke("thumbs_up")
    base, tip = positions[INDEX["RightThumbProximal"]], tips[INDEX["RightThumbDistal"]]
    direction = (tip - base) / np.linalg.norm(tip - base)
    assert direction[1] > 0.95
    wrist = positions[INDEX["RightHand"]]
    assert tip[1] > wrist[1] + 0.08
    for finger in ("Index", "Middle", "Ring", "Little"):  # curled: tips folded back near the palm
        proximal = positions[INDEX[f"Right{finger}Proximal"]]
        assert np.linalg.norm(tips[INDEX[f"Right{finger}Distal"]] - proximal) < 0.045, finger
    assert wrist[2] > 0.15 and 1.0 < wrist[1] < 1.35  # in front of the chest


def test_wipe_tears_index_touches_the_cheek_under_the_eye() -> None:
    positions, tips = at_stroke("wipe_tears")
    clip = LIBRARY["wipe_tears"]
    pose = clip.sample(clip.stroke)
    _, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    head = positions[INDEX["Head"]]
    under_eye = head + quat.rotate(globals_[INDEX["Head"]], make_gesture_clips.RIGHT_CHEEK)
    assert np.linalg.norm(tips[INDEX["RightIndexDistal"]] - under_eye) < 0.02


def test_clap_palms_meet_and_point_extends_the_index() -> None:
    positions, _ = at_stroke("clap")
    assert np.linalg.norm(positions[INDEX["LeftHand"]] - positions[INDEX["RightHand"]]) < 0.05
    positions, tips = at_stroke("point")
    index = tips[INDEX["RightIndexDistal"]] - positions[INDEX["RightIndexProximal"]]
    assert np.linalg.norm(index) > 0.085  # straight
    assert np.linalg.norm(tips[INDEX["RightMiddleDistal"]] - positions[INDEX["RightMiddleProximal"]]) < 0.05


def test_gestures_land_their_stroke_on_a_word_within_one_frame() -> None:
    for name in REQUIRED:
        clip = LIBRARY[name]
        word = 2.0
        placed = ClipInstance.at_stroke(clip, word)
        frame = 1 / 60
        t = np.round(word / frame) * frame
        assert abs(t - placed.stroke_time) <= frame
        assert quat.angle_between(placed.clip.sample(t - placed.start).rotations,
                                  clip.sample(clip.stroke).rotations).max() < np.radians(3.0)


def test_unknown_gesture_lists_the_known_ones() -> None:
    with pytest.raises(UnknownGesture, match="unknown gesture 'moonwalk'; known: bow, cheer, clap"):
        get_gesture("moonwalk")


def test_a_dropped_in_bvh_becomes_a_gesture_with_a_derived_stroke_and_mask(tmp_path: Path) -> None:
    clip = LIBRARY["wave"]
    write_bvh(tmp_path / "hello.bvh", clip.root, clip.rotations, clip.rate)
    library = load_library(tmp_path)
    hello = get_gesture("hello", library)
    assert hello.mask[INDEX["RightHand"]] == 1.0 and hello.mask[INDEX["LeftHand"]] == 0.0
    assert hello.mask[INDEX["LeftUpperLeg"]] == 0.0
    assert 0.3 < hello.stroke < hello.duration - 0.3
    assert (hello.mask <= mask("right_arm", "right_fingers")).all()


def test_committed_clips_match_their_authoring_code(tmp_path: Path) -> None:
    make_gesture_clips.main([str(tmp_path)])
    for name in REQUIRED:
        fresh, committed = load_clip(tmp_path / f"{name}.bvh"), load_clip(CLIP_DIR / f"{name}.bvh")
        assert fresh.num_frames == committed.num_frames, name
        assert np.degrees(quat.angle_between(fresh.rotations, committed.rotations)).max() < 0.05, name
        assert (tmp_path / f"{name}.json").read_text() == (CLIP_DIR / f"{name}.json").read_text()
    shutil.rmtree(tmp_path)
