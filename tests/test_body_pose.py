"""Poses, clips as pure functions of time, layering with masks and eased weights, and the authoring tools."""

from __future__ import annotations

import numpy as np
import pytest

from models.body import quat
from models.body.authoring import PoseBuilder, standing
from models.body.pose import BodyPose, ClipInstance, MotionClip, compose, envelope, interpolate_keys, smoothstep
from models.body.skeleton import HUMANOID, INDEX, NUM_JOINTS, hinge_flexion, mask

RATE = 60.0


def raised_arm() -> BodyPose:
    return standing().arm("Right", (0.4, 1.6, 0.1), pole=(1.0, -1.0, 0.0)).build()


def test_compose_override_respects_mask_and_weight() -> None:
    base, layer = standing().build(), raised_arm()
    arm = mask("right_arm")
    out = compose(base, layer, arm, 1.0)
    j = INDEX["RightUpperArm"]
    assert quat.angle_between(out.rotations[j], layer.rotations[j]) < 1e-5
    assert np.allclose(out.rotations[INDEX["LeftUpperArm"]], base.rotations[INDEX["LeftUpperArm"]])
    assert compose(base, layer, arm, 0.0).rotations == pytest.approx(base.rotations)
    half = compose(base, layer, arm, 0.5).rotations[j]
    full = quat.angle_between(base.rotations[j], layer.rotations[j])
    assert quat.angle_between(half, base.rotations[j]) == pytest.approx(full / 2, abs=1e-4)


def test_compose_additive_applies_a_delta_in_the_parent_frame() -> None:
    base = standing().build()
    delta = BodyPose.zero_delta()
    delta.rotations[INDEX["Head"]] = quat.from_axis_angle("Y", np.radians(20.0))
    delta.root = np.array([0.01, 0.0, 0.0], dtype=np.float32)
    out = compose(base, delta, mask("head", "hips"), 0.5, additive=True)
    assert np.degrees(quat.angle_between(out.rotations[INDEX["Head"]], base.rotations[INDEX["Head"]])) == \
        pytest.approx(10.0, abs=1e-3)
    assert out.root[0] == pytest.approx(base.root[0] + 0.005)


def test_compose_rejects_a_mask_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="mask must have shape"):
        compose(BodyPose(), BodyPose(), np.ones(3), 1.0)


def test_envelope_eases_in_and_out_without_steps() -> None:
    assert smoothstep(0.0) == 0.0 and smoothstep(1.0) == 1.0 and smoothstep(0.5) == pytest.approx(0.5)
    t = np.linspace(-0.5, 3.5, 4001)
    w = np.array([envelope(x, 0.0, 3.0, 0.3, 0.4) for x in t])
    assert w[0] == 0.0 and w[-1] == 0.0 and w.max() == 1.0
    # Continuous, and with zero slope at both ends of each fade (no pop in velocity either).
    assert np.abs(np.diff(w)).max() < 0.01
    assert envelope(0.001, 0.0, 3.0, 0.3, 0.4) < 1e-6


def two_key_clip(stroke: float = 0.5) -> MotionClip:
    times = [0.0, stroke, 1.2]
    rotations, root = interpolate_keys(times, [standing().build(), raised_arm(), standing().build()], RATE)
    return MotionClip("raise", RATE, rotations, root, stroke, mask("right_arm"))


def test_clip_sampling_hits_keys_and_holds_the_ends() -> None:
    clip = two_key_clip()
    assert clip.duration == pytest.approx(1.2)
    j = INDEX["RightUpperArm"]
    assert quat.angle_between(clip.sample(0.5).rotations[j], raised_arm().rotations[j]) < 1e-4
    assert quat.angle_between(clip.sample(-1.0).rotations[j], clip.sample(0.0).rotations[j]) < 1e-6
    assert quat.angle_between(clip.sample(9.0).rotations[j], clip.sample(1.2).rotations[j]) < 1e-6
    # Between frames it interpolates (a pure function of t, not a frame lookup).
    a, b, mid = clip.sample(0.2), clip.sample(0.2 + 1 / RATE), clip.sample(0.2 + 0.5 / RATE)
    assert quat.angle_between(a.rotations[j], mid.rotations[j]) < quat.angle_between(a.rotations[j], b.rotations[j])


def test_stroke_timing_api_lands_the_stroke_on_the_word() -> None:
    clip = two_key_clip(stroke=0.5)
    word_start = 3.137
    placed = ClipInstance.at_stroke(clip, word_start)
    assert placed.start == pytest.approx(word_start - 0.5)
    assert placed.stroke_time == pytest.approx(word_start)
    # The arm is highest exactly at the stroke, within one 60 Hz frame.
    times = np.arange(placed.start, placed.end, 1 / RATE)
    heights = [HUMANOID.forward_kinematics(p.root, p.rotations)[0][INDEX["RightHand"], 1]
               for p in (placed.apply(standing().build(), t) for t in times)]
    assert abs(times[int(np.argmax(heights))] - word_start) <= 1 / RATE


def test_a_layered_clip_never_pops() -> None:
    """Fading a clip in and out over another pose adds no jump: at 60 Hz the composite never moves a joint
    further in one frame than the clip itself does, and it starts and ends at rest."""
    clip = two_key_clip()
    placed = ClipInstance(clip, 1.0)
    base = PoseBuilder().build()  # a T-pose base, far from the clip's own start pose
    times = np.arange(0.5, 3.0, 1 / RATE)
    frames = np.stack([placed.apply(base, t).rotations for t in times])
    steps = np.degrees(quat.angle_between(frames[1:], frames[:-1]))
    own = np.degrees(quat.angle_between(clip.rotations[1:], clip.rotations[:-1])).max()
    assert steps.max() < own + 1.0
    entering = (times[1:] > 1.0) & (times[1:] < 1.0 + 2 / RATE)
    assert steps[entering].max() < 0.5


def test_clip_validation_names_the_problem() -> None:
    rotations = quat.identity(10, NUM_JOINTS)
    with pytest.raises(ValueError, match="stroke 5 s is outside the clip"):
        MotionClip("x", 30.0, rotations, np.zeros((10, 3)), 5, np.ones(NUM_JOINTS))
    with pytest.raises(ValueError, match="rate must be positive"):
        MotionClip("x", 0.0, rotations, np.zeros((10, 3)), 0.0, np.ones(NUM_JOINTS))
    with pytest.raises(ValueError, match="root must have shape"):
        MotionClip("x", 30.0, rotations, np.zeros((9, 3)), 0.0, np.ones(NUM_JOINTS))
    with pytest.raises(ValueError, match="key times must increase"):
        interpolate_keys([0.0, 0.0], [BodyPose(), BodyPose()], 30.0)


def test_mirrored_pose_is_the_mirror_image() -> None:
    pose = raised_arm()
    positions, _ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    mirrored, _ = HUMANOID.forward_kinematics(pose.mirrored().root, pose.mirrored().rotations)
    np.testing.assert_allclose(mirrored[INDEX["LeftHand"]], positions[INDEX["RightHand"]] * [-1, 1, 1], atol=1e-5)


# -- authoring ---------------------------------------------------------------------------------------------------


def test_arm_ik_reaches_the_target_with_the_elbow_bent_forward() -> None:
    for target in ((0.3, 1.2, 0.3), (0.1, 1.4, 0.35), (0.5, 1.0, 0.0), (0.0, 1.6, 0.15)):
        b = standing().arm("Right", target, pole=(1.0, -1.0, -0.3))
        np.testing.assert_allclose(b.position("RightHand"), target, atol=1e-3)
        assert hinge_flexion(b.pose.rotations)[1] >= 0.0


def test_leg_ik_keeps_the_knee_forward() -> None:
    b = PoseBuilder().move_root((0.0, -0.08, 0.0))
    ankle = PoseBuilder().position("LeftFoot")
    b.leg("Left", ankle)
    np.testing.assert_allclose(b.position("LeftFoot"), ankle, atol=1e-3)
    assert hinge_flexion(b.pose.rotations)[2] > np.radians(20)
    assert b.position("LeftLowerLeg")[2] > 0.02  # the knee comes forward
    # The foot stays flat under the bent knee: the toes neither dig into the floor nor lift off it.
    assert abs(b.position("LeftToes")[1] - PoseBuilder().position("LeftToes")[1]) < 1e-4
    assert abs(b.tip("LeftToes")[1] - PoseBuilder().tip("LeftToes")[1]) < 1e-4


def test_place_hand_puts_a_fingertip_on_the_target_with_the_asked_orientation() -> None:
    b = standing().fist("Right").finger("Right", "Index", (0, 0, 0))
    b.place_hand("Right", (0.2, 1.3, 0.4), fingers=(0, 0, 1), palm=(-1, 0, 0), pole=(1, -1, 0),
                 effector="RightIndexDistal")
    np.testing.assert_allclose(b.tip("RightIndexDistal"), (0.2, 1.3, 0.4), atol=2e-3)
    # Straight index along +Z.
    direction = b.tip("RightIndexDistal") - b.position("RightIndexProximal")
    assert direction[2] / np.linalg.norm(direction) > 0.99
