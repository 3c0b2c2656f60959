"""BVH export and import: round trip, Mixamo and Unity names, retargeting from another rest pose, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.body import quat
from models.body.bvh import BvhError, humanoid_name, read_bvh, write_bvh
from models.body.gestures import get_gesture
from models.body.skeleton import HUMANOID, INDEX, NUM_JOINTS, Skeleton

RNG = np.random.default_rng(3)

MIXAMO = {
    "Spine": "Spine", "Chest": "Spine1", "UpperChest": "Spine2", "UpperArm": "Arm", "LowerArm": "ForeArm",
    "UpperLeg": "UpLeg", "LowerLeg": "Leg", "Toes": "ToeBase",
}


def mixamo_name(name: str) -> str:
    """Our joint name -> Mixamo's (test table, written independently of the importer's)."""
    for finger, theirs in (("Thumb", "Thumb"), ("Index", "Index"), ("Middle", "Middle"), ("Ring", "Ring"),
                           ("Little", "Pinky")):
        for k, phalanx in enumerate(("Proximal", "Intermediate", "Distal")):
            for side in ("Left", "Right"):
                if name == f"{side}{finger}{phalanx}":
                    return f"mixamorig:{side}Hand{theirs}{k + 1}"
    side = "Left" if name.startswith("Left") else "Right" if name.startswith("Right") else ""
    part = name[len(side):]
    return f"mixamorig:{side}{MIXAMO.get(part, part)}"


def random_motion(frames: int = 8) -> tuple[np.ndarray, np.ndarray]:
    rotations = quat.normalize(RNG.normal(size=(frames, NUM_JOINTS, 4)) * 0.4 + np.array([0, 0, 0, 1.0]))
    root = (HUMANOID.rest_root + RNG.normal(size=(frames, 3)) * 0.05).astype(np.float32)
    return root, rotations


def test_export_import_round_trip(tmp_path: Path) -> None:
    root, rotations = random_motion()
    write_bvh(tmp_path / "take.bvh", root, rotations, 60.0)
    motion = read_bvh(tmp_path / "take.bvh")
    assert motion.rate == 60.0 and motion.num_frames == 8
    np.testing.assert_allclose(motion.root, root, atol=1e-5)
    assert np.degrees(quat.angle_between(motion.rotations, rotations)).max() < 0.01


def test_a_gesture_clip_round_trips(tmp_path: Path) -> None:
    clip = get_gesture("heart_hands")
    write_bvh(tmp_path / "heart.bvh", clip.root, clip.rotations, clip.rate)
    motion = read_bvh(tmp_path / "heart.bvh")
    assert np.degrees(quat.angle_between(motion.rotations, clip.rotations)).max() < 0.01


def test_exported_file_is_right_handed_centimetres_with_zxy_channels(tmp_path: Path) -> None:
    pose = quat.identity(1, NUM_JOINTS)
    write_bvh(tmp_path / "rest.bvh", HUMANOID.rest_root[None], pose, 30.0)
    text = (tmp_path / "rest.bvh").read_text()
    assert text.startswith("HIERARCHY\nROOT Hips\n")
    assert "JOINT LeftUpperArm\n" in text and "OFFSET 13.0000 0.0000 0.0000" in text  # left arm at +X in glTF
    assert "CHANNELS 3 Zrotation Xrotation Yrotation" in text
    assert "Frame Time: 0.03333333" in text
    assert text.strip().splitlines()[-1].startswith("0.0000 95.0000 0.0000")


def test_mixamo_names_are_retargeted(tmp_path: Path) -> None:
    root, rotations = random_motion()
    renamed = Skeleton(tuple(mixamo_name(n) for n in HUMANOID.names), HUMANOID.parents, HUMANOID.offsets,
                       HUMANOID.end_offsets)
    write_bvh(tmp_path / "mixamo.bvh", root, rotations, 30.0, skeleton=renamed)
    assert "mixamorig:LeftForeArm" in (tmp_path / "mixamo.bvh").read_text()
    motion = read_bvh(tmp_path / "mixamo.bvh")
    assert np.degrees(quat.angle_between(motion.rotations, rotations)).max() < 0.01
    assert humanoid_name("mixamorig5:RightHandPinky2") == "RightLittleIntermediate"
    assert humanoid_name("mixamorig:HeadTop_End") is None


def test_a_source_in_a_pose_keeps_world_bone_directions(tmp_path: Path) -> None:
    """A rig whose rest pose has the arms down (A-pose) and a longer spine: after retargeting, every mapped
    bone points where the source's bone points."""
    offsets = HUMANOID.offsets.copy() * 1.1
    down = {"Left": quat.from_axis_angle("Z", np.radians(45.0)), "Right": quat.from_axis_angle("Z", np.radians(-45.0))}
    for side, q in down.items():
        for part in ("LowerArm", "Hand"):
            offsets[INDEX[f"{side}{part}"]] = quat.rotate(q, offsets[INDEX[f"{side}{part}"]])
        for j, name in enumerate(HUMANOID.names):
            if name.startswith(side) and any(f in name for f in ("Thumb", "Index", "Middle", "Ring", "Little")):
                offsets[j] = quat.rotate(q, offsets[j])
    ends = HUMANOID.end_offsets.copy() * 1.1
    for side, q in down.items():
        for j, name in enumerate(HUMANOID.names):
            if name.startswith(side) and name.endswith("Distal"):
                ends[j] = quat.rotate(q, ends[j])
    source = Skeleton(HUMANOID.names, HUMANOID.parents, offsets, ends)
    root, rotations = random_motion(4)
    root = root * 1.1
    write_bvh(tmp_path / "apose.bvh", root, rotations, 30.0, skeleton=source)
    motion = read_bvh(tmp_path / "apose.bvh")

    src_pos, _ = source.forward_kinematics(root, rotations)
    our_pos, _ = HUMANOID.forward_kinematics(motion.root, motion.rotations)
    for child in ("LeftLowerArm", "LeftHand", "RightHand", "LeftMiddleProximal", "Neck", "RightLowerLeg"):
        c, p = INDEX[child], HUMANOID.parents[INDEX[child]]
        theirs = src_pos[:, c] - src_pos[:, p]
        ours = our_pos[:, c] - our_pos[:, p]
        cos = np.sum(theirs * ours, axis=-1) / np.linalg.norm(theirs, axis=-1) / np.linalg.norm(ours, axis=-1)
        assert cos.min() > 0.9999, child
    # Root motion is scaled by the ratio of hip heights: the same motion on a 10% smaller body.
    np.testing.assert_allclose(motion.root, root / 1.1, atol=1e-4)


def test_unknown_bone_names_are_listed(tmp_path: Path) -> None:
    root, rotations = random_motion(2)
    names = list(HUMANOID.names)
    names[INDEX["LeftUpperArm"]] = "L_Arm_Twist"
    names[INDEX["RightToes"]] = "tail_01"
    write_bvh(tmp_path / "odd.bvh", root, rotations, 30.0,
              skeleton=Skeleton(tuple(names), HUMANOID.parents, HUMANOID.offsets, HUMANOID.end_offsets))
    with pytest.raises(BvhError, match="unknown bone name\\(s\\): L_Arm_Twist, tail_01"):
        read_bvh(tmp_path / "odd.bvh")


@pytest.mark.parametrize("text, message", [
    ("", "unexpected end of file"),
    ("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Xposition Yposition Wrotation\n}\n", "unknown channel"),
    ("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 zero\n}\n", "line 4: expected a number"),
    ("HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Zrotation Xrotation Yrotation\n}\n"
     "MOTION\nFrames: 2\nFrame Time: 0.033\n0 0 0\n", "MOTION has 3 values, expected 2 frames x 3 channels"),
    ("HIERARCHY\nROOT Pelvis\n{\n OFFSET 0 0 0\n CHANNELS 3 Zrotation Xrotation Yrotation\n}\n"
     "MOTION\nFrames: 1\nFrame Time: 0.033\n0 0 0\n", "unknown bone name\\(s\\): Pelvis"),
])
def test_malformed_files_get_clear_errors(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "bad.bvh").write_text(text)
    with pytest.raises(BvhError, match=message):
        read_bvh(tmp_path / "bad.bvh")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BvhError, match="BVH file not found"):
        read_bvh(tmp_path / "nope.bvh")


def test_write_rejects_mismatched_shapes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="need root"):
        write_bvh(tmp_path / "x.bvh", np.zeros((3, 3)), quat.identity(2, NUM_JOINTS), 30.0)
