"""The humanoid skeleton, quaternion helpers and the coordinate conversions for Unity, Unreal and glTF."""

from __future__ import annotations

import numpy as np
import pytest

from models.body import quat
from models.body.skeleton import (
    FRAMES,
    HUMANOID,
    INDEX,
    JOINTS,
    MANNY_BONE,
    MIRROR,
    NUM_JOINTS,
    UNITY_BONE_INDEX,
    convert_positions,
    convert_rotations,
    mask,
)

RNG = np.random.default_rng(7)


def random_rotations(*shape: int) -> np.ndarray:
    return quat.normalize(RNG.normal(size=(*shape, 4)))


# -- quaternions ---------------------------------------------------------------------------------------------------


def test_products_and_rotations_agree_with_matrices() -> None:
    a, b = random_rotations(100), random_rotations(100)
    v = RNG.normal(size=(100, 3))
    np.testing.assert_allclose(quat.rotate(quat.mul(a, b), v), quat.rotate(a, quat.rotate(b, v)), atol=1e-5)
    np.testing.assert_allclose(quat.rotate(a, v), np.einsum("nij,nj->ni", quat.to_matrix(a), v), atol=1e-5)
    assert quat.angle_between(quat.from_matrix(quat.to_matrix(a)), a).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(quat.mul(a, b), axis=-1), 1.0, atol=1e-6)


def test_axis_angle_matches_the_right_hand_formula_on_coordinates() -> None:
    # The same numbers Unity's Quaternion.AngleAxis(90, Vector3.up) gives: rotating +Z (forward) to +X.
    q = quat.from_axis_angle("Y", np.pi / 2)
    np.testing.assert_allclose(q, [0.0, np.sin(np.pi / 4), 0.0, np.cos(np.pi / 4)], atol=1e-7)
    np.testing.assert_allclose(quat.rotate(q, [0.0, 0.0, 1.0]), [1.0, 0.0, 0.0], atol=1e-6)
    axis, angle = quat.to_axis_angle(q)
    np.testing.assert_allclose(axis, [0.0, 1.0, 0.0], atol=1e-6)
    assert angle == pytest.approx(np.pi / 2, abs=1e-6)


@pytest.mark.parametrize("order", ["ZXY", "XYZ", "YXZ", "ZYX", "XZY", "YZX"])
def test_euler_round_trip_in_every_order(order: str) -> None:
    angles = RNG.uniform(-3.0, 3.0, size=(500, 3))
    angles[:, 1] = RNG.uniform(-1.5, 1.5, size=500)
    q = quat.from_euler(angles, order)
    assert quat.angle_between(quat.from_euler(quat.to_euler(q, order), order), q).max() < 1e-4


def test_euler_at_gimbal_lock_still_round_trips() -> None:
    angles = np.array([[0.3, np.pi / 2, 0.2], [-1.0, -np.pi / 2, 0.5]])
    q = quat.from_euler(angles, "ZXY")
    assert quat.angle_between(quat.from_euler(quat.to_euler(q, "ZXY"), "ZXY"), q).max() < 2e-3


def test_slerp_is_unit_ends_exact_and_takes_the_short_way() -> None:
    a, b = random_rotations(50), random_rotations(50)
    assert quat.angle_between(quat.slerp(a, b, 0.0), a).max() < 1e-5
    assert quat.angle_between(quat.slerp(a, b, 1.0), b).max() < 1e-5
    mid = quat.slerp(a, -b, 0.5)  # the sign of b must not matter
    np.testing.assert_allclose(quat.angle_between(a, mid), quat.angle_between(a, b) / 2, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(quat.nlerp(a, b, 0.3), axis=-1), 1.0, atol=1e-6)


def test_make_continuous_removes_sign_flips_without_changing_rotations() -> None:
    track = quat.slerp(quat.IDENTITY, quat.from_axis_angle("Y", 3.0), np.linspace(0, 1, 40))
    flipped = track * np.where(RNG.random(40) < 0.5, -1.0, 1.0)[:, None].astype(np.float32)
    fixed = quat.make_continuous(flipped)
    assert (np.sum(fixed[1:] * fixed[:-1], axis=-1) > 0).all()
    assert quat.angle_between(fixed, track).max() < 1e-5


def test_between_handles_opposite_directions() -> None:
    for u, v in (([1, 0, 0], [0, 1, 0]), ([0, 1, 0], [0, -1, 0]), ([1, 0, 0], [-1, 0, 0])):
        np.testing.assert_allclose(quat.rotate(quat.between(u, v), u), v, atol=1e-6)


# -- the skeleton --------------------------------------------------------------------------------------------------


def test_joints_are_unity_humanoid_bones_with_fingers_and_parents_first() -> None:
    assert NUM_JOINTS == 52 == len(set(JOINTS))
    assert set(JOINTS) == set(UNITY_BONE_INDEX)
    assert sorted(UNITY_BONE_INDEX.values()) == sorted(set(range(55)) - {21, 22, 23})  # no eyes, no jaw
    assert all(p < i for i, p in enumerate(HUMANOID.parents))
    assert HUMANOID.names[HUMANOID.parents[INDEX["LeftIndexDistal"]]] == "LeftIndexIntermediate"
    assert HUMANOID.names[HUMANOID.parents[INDEX["LeftShoulder"]]] == "UpperChest"
    assert MANNY_BONE["LeftLittleDistal"] == "pinky_03_l"
    assert MANNY_BONE["UpperChest"] == "spine_05"
    assert MANNY_BONE["RightToes"] == "ball_r"


def test_rest_pose_is_a_t_pose_in_unity_axes() -> None:
    positions, globals_ = HUMANOID.forward_kinematics(HUMANOID.rest_root, quat.identity(NUM_JOINTS))
    tips = HUMANOID.tips(positions, globals_)
    assert tips[INDEX["Head"], 1] == pytest.approx(1.70, abs=0.01)  # 1.70 m tall
    assert positions[INDEX["LeftToes"], 1] == pytest.approx(0.0, abs=0.01)  # feet on the ground
    assert positions[INDEX["RightHand"], 0] > 0.6 > -0.6 > positions[INDEX["LeftHand"], 0]  # +X is the right
    assert tips[INDEX["LeftToes"], 2] > 0.1  # the avatar faces +Z
    assert positions[INDEX["LeftHand"], 1] == pytest.approx(positions[INDEX["LeftUpperArm"], 1], abs=1e-6)
    # Thumbs forward, palms down.
    assert tips[INDEX["LeftThumbDistal"], 2] > positions[INDEX["LeftHand"], 2] + 0.05


def test_forward_kinematics_batches_over_frames() -> None:
    rotations = random_rotations(6, NUM_JOINTS)
    roots = RNG.normal(size=(6, 3))
    batch, _ = HUMANOID.forward_kinematics(roots, rotations)
    for f in range(6):
        one, _ = HUMANOID.forward_kinematics(roots[f], rotations[f])
        np.testing.assert_allclose(batch[f], one, atol=1e-6)
    # Bone lengths never change.
    lengths = np.linalg.norm(batch[:, 1:] - batch[:, np.array(HUMANOID.parents[1:])], axis=-1)
    np.testing.assert_allclose(lengths, np.broadcast_to(np.linalg.norm(HUMANOID.offsets[1:], axis=-1), lengths.shape),
                               atol=1e-5)


def test_mirror_swaps_sides_and_is_its_own_inverse() -> None:
    assert JOINTS[MIRROR[INDEX["LeftRingIntermediate"]]] == "RightRingIntermediate"
    assert MIRROR[INDEX["Head"]] == INDEX["Head"]
    assert (MIRROR[MIRROR] == np.arange(NUM_JOINTS)).all()
    np.testing.assert_allclose(HUMANOID.offsets[MIRROR] * [-1, 1, 1], HUMANOID.offsets, atol=1e-7)


def test_masks_by_group_and_name() -> None:
    m = mask("right_arm", "Head")
    assert m[INDEX["RightHand"]] == 1 and m[INDEX["Head"]] == 1 and m[INDEX["LeftHand"]] == 0
    assert mask("all").sum() == NUM_JOINTS
    with pytest.raises(KeyError, match="unknown joint or group 'tail'"):
        mask("tail")


# -- conversions ---------------------------------------------------------------------------------------------------


def test_conversions_follow_the_reference_formulas() -> None:
    p = np.array([0.1, 0.2, 0.3])
    q = quat.normalize(np.array([0.1, 0.2, 0.3, 0.9]))
    np.testing.assert_allclose(convert_positions(p, "unreal"), 100 * np.array([0.3, 0.1, 0.2]), atol=1e-5)
    np.testing.assert_allclose(convert_rotations(q, "unreal"), q[[2, 0, 1, 3]], atol=1e-7)
    np.testing.assert_allclose(convert_positions(p, "gltf"), [-0.1, 0.2, 0.3], atol=1e-7)
    np.testing.assert_allclose(convert_rotations(q, "gltf"), q * [1, -1, -1, 1], atol=1e-7)
    # VMC4UE's mapping of Unity into an Unreal skeletal mesh.
    np.testing.assert_allclose(convert_positions(p, "unreal_mesh"), [-10.0, 30.0, 20.0], atol=1e-5)
    np.testing.assert_allclose(convert_rotations(q, "unreal_mesh"), [-q[0], q[2], q[1], q[3]], atol=1e-7)


@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_a_converted_pose_is_the_same_pose_in_the_other_axes(frame: str) -> None:
    """FK in the target frame of converted offsets, root and rotations lands on the converted positions."""
    rotations = random_rotations(NUM_JOINTS)
    root = np.array([0.1, 0.9, -0.2])
    positions, _ = HUMANOID.forward_kinematics(root, rotations)
    moved = HUMANOID.__class__(HUMANOID.names, HUMANOID.parents, convert_positions(HUMANOID.offsets, frame),
                               convert_positions(HUMANOID.end_offsets, frame))
    there, _ = moved.forward_kinematics(convert_positions(root, frame), convert_rotations(rotations, frame))
    np.testing.assert_allclose(there, convert_positions(positions, frame), atol=1e-3 * FRAMES[frame].scale)
    back = convert_rotations(convert_rotations(rotations, frame), "unity", src=frame)
    assert quat.angle_between(back, rotations).max() < 1e-5


def test_unknown_frame_is_an_error_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown coordinate frame 'maya'.*gltf"):
        convert_positions(np.zeros(3), "maya")
