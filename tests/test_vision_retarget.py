"""Retargeting MediaPipe landmarks onto the humanoid, checked on landmarks written from known poses of our own
skeleton: forward kinematics → MediaPipe's layout and axes → retarget → forward kinematics again."""

from __future__ import annotations

import re

import numpy as np
import pytest

from models.body import quat
from models.body.authoring import ELBOW_AXIS_LEFT, PoseBuilder, side_axis, side_vector, standing
from models.body.pose import BodyPose, compose
from models.body.skeleton import HUMANOID, INDEX, NUM_JOINTS, hinge_flexion, mask
from models.vision.retarget import VISIBILITY_THRESHOLD, Retargeted, retarget

SIDES = ("Left", "Right")
FINGERS = ("Thumb", "Index", "Middle", "Ring", "Little")
PHALANGES = ("Proximal", "Intermediate", "Distal")
# Face points in the head's frame (metres): where nose, eyes, ears and mouth sit on our head.
FACE = {0: (0.0, 0.08, 0.1), 1: (-0.015, 0.1, 0.08), 2: (-0.03, 0.1, 0.08), 3: (-0.045, 0.1, 0.075),
        4: (0.015, 0.1, 0.08), 5: (0.03, 0.1, 0.08), 6: (0.045, 0.1, 0.075), 7: (-0.075, 0.08, 0.0),
        8: (0.075, 0.08, 0.0), 9: (-0.025, 0.04, 0.09), 10: (0.025, 0.04, 0.09)}
# Pose landmarks on joints, performer's left first: shoulders, elbows, wrists, pinky/index/thumb knuckles,
# hips, knees, ankles.
ON_JOINTS = {11: "LeftUpperArm", 12: "RightUpperArm", 13: "LeftLowerArm", 14: "RightLowerArm", 15: "LeftHand",
             16: "RightHand", 17: "LeftLittleProximal", 18: "RightLittleProximal", 19: "LeftIndexProximal",
             20: "RightIndexProximal", 21: "LeftThumbIntermediate", 22: "RightThumbIntermediate",
             23: "LeftUpperLeg", 24: "RightUpperLeg", 25: "LeftLowerLeg", 26: "RightLowerLeg", 27: "LeftFoot",
             28: "RightFoot"}
# Bones whose direction the camera sees: (joint, the joint or tip its bone points at).
LIMB_BONES = [(f"{s}{a}", f"{s}{b}") for s in SIDES
              for a, b in (("UpperArm", "LowerArm"), ("LowerArm", "Hand"), ("UpperLeg", "LowerLeg"),
                           ("LowerLeg", "Foot"), ("Foot", "Toes"))]
ARM_BONES = [bone for bone in LIMB_BONES if "Arm" in bone[0]]
FINGER_BONES = [(f"{s}{f}{a}", f"{s}{f}{b}") for s in SIDES for f in FINGERS
                for a, b in (("Proximal", "Intermediate"), ("Intermediate", "Distal"), ("Distal", "Distal"))]


def to_mediapipe(unity: np.ndarray) -> np.ndarray:
    """MediaPipe's axes (x image right, y down, z away from the camera) from ours, for a performer facing it."""
    return -np.asarray(unity, dtype=np.float64)


def joint_points(pose: BodyPose) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions and leaf tips (a leaf's "position" in the second array is its tip) of a pose."""
    positions, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    return positions.astype(np.float64), HUMANOID.tips(positions, globals_).astype(np.float64)


def landmarks(pose: BodyPose) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """What MediaPipe would report for a performer standing in `pose`: pose world landmarks centred on the hips'
    midpoint, all visible, and both hands' world landmarks centred on the middle knuckle."""
    positions, globals_ = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    _, tips = joint_points(pose)
    head = INDEX["Head"]
    points = np.zeros((33, 3))
    for i, offset in FACE.items():
        points[i] = positions[head] + quat.rotate(globals_[head], np.array(offset))
    for i, joint in ON_JOINTS.items():
        points[i] = positions[INDEX[joint]]
    for k, side in enumerate(SIDES):
        foot = INDEX[f"{side}Foot"]
        points[29 + k] = positions[foot] + quat.rotate(globals_[foot], np.array([0.0, -0.08, -0.05]))
        points[31 + k] = tips[INDEX[f"{side}Toes"]]
    points -= 0.5 * (points[23] + points[24])
    hands = {}
    for side in SIDES:
        hand = [positions[INDEX[f"{side}Hand"]]]
        for finger in FINGERS:
            hand += [positions[INDEX[f"{side}{finger}{p}"]] for p in PHALANGES]
            hand.append(tips[INDEX[f"{side}{finger}Distal"]])
        hand_points = np.array(hand)
        hands[side] = to_mediapipe(hand_points - hand_points[9])
    return to_mediapipe(points), np.ones(33), hands


def direction(points: np.ndarray, tips: np.ndarray, bone: tuple[str, str]) -> np.ndarray:
    start, end = INDEX[bone[0]], INDEX[bone[1]]
    d = (tips[end] if start == end else points[end]) - points[start]
    return d / np.linalg.norm(d)


def bone_errors_deg(a: BodyPose, b: BodyPose, bones: list[tuple[str, str]]) -> dict[str, float]:
    """Angle (degrees) between each bone's direction in two poses."""
    pa, ta = joint_points(a)
    pb, tb = joint_points(b)
    return {f"{s}->{e}": float(np.degrees(np.arccos(np.clip(direction(pa, ta, (s, e)) @ direction(pb, tb, (s, e)),
                                                             -1.0, 1.0))))
            for s, e in bones}


def roundtrip(pose: BodyPose, **kwargs: object) -> Retargeted:
    points, visibility, hands = landmarks(pose)
    return retarget(points, visibility, hands, **kwargs)  # type: ignore[arg-type]


# -- poses with known joints ----------------------------------------------------------------------------------


def arms_raised() -> BodyPose:
    b = standing()
    for side, x in (("Left", -0.35), ("Right", 0.3)):
        b.arm(side, (x, 1.85, 0.05), pole=(np.sign(x), 0.0, -1.0))
    return b.build()


def arms_forward() -> BodyPose:
    b = standing()
    b.arm("Left", (-0.2, 1.35, 0.6), pole=(-1.0, -1.0, 0.0))
    b.arm("Right", (0.15, 1.2, 0.6), pole=(1.0, -0.5, 0.0))
    return b.build()


def elbows_bent() -> BodyPose:
    """Upper arms straight down, elbows bent 90° so the forearms point forward, palms in."""
    b = standing()
    for side, sign in (("Left", 1.0), ("Right", -1.0)):
        b.set_global(f"{side}UpperArm", quat.from_axis_angle("Z", sign * np.pi / 2))
        b.pose.rotations[INDEX[f"{side}LowerArm"]] = quat.from_axis_angle(side_axis(ELBOW_AXIS_LEFT, side), np.pi / 2)
        b.hand(side, fingers=(0.0, 0.0, 1.0), palm=(sign, 0.0, 0.0))
    return b.build()


def torso_bent_and_twisted() -> BodyPose:
    b = standing()
    b.spread(["Spine", "Chest", "UpperChest"], "X", 30.0)
    b.spread(["Spine", "Chest", "UpperChest"], "Y", 24.0)
    b.spread(["Spine", "Chest", "UpperChest"], "Z", -9.0)
    b.arm("Right", b.position("RightUpperArm") + np.array([0.25, 0.2, 0.35]), pole=(1.0, -1.0, 0.0))
    return b.build()


def fists() -> BodyPose:
    b = PoseBuilder(arms_forward())
    b.hand("Left", fingers=(0.0, 0.0, 1.0), palm=(1.0, 0.0, 0.0))
    b.hand("Right", fingers=(0.2, 0.3, 1.0), palm=(0.0, -1.0, 0.0))
    return b.fist("Left").fist("Right").build()


def thumbs_in() -> BodyPose:
    b = PoseBuilder(elbows_bent())
    b.fingers("Left", (20.0, 35.0, 15.0), thumb=(45.0, 40.0, 30.0))
    b.fingers("Right", (5.0, 10.0, 5.0), thumb=(30.0, 55.0, 40.0))
    return b.finger("Right", "Index", (60.0, 70.0, 30.0), splay=10.0).build()


def stepping() -> BodyPose:
    b = standing()
    b.rotate("Hips", "Y", 8.0)
    b.leg("Left", b.position("LeftUpperLeg") + np.array([-0.05, -0.72, 0.3]), pole=(0.0, 0.3, 1.0))
    b.leg("Right", b.position("RightUpperLeg") + np.array([0.1, -0.78, -0.2]), pole=(0.2, 0.0, 1.0))
    b.rotate("LeftFoot", "X", -15.0)
    return b.build()


POSES = {"arms_raised": arms_raised, "arms_forward": arms_forward, "elbows_bent": elbows_bent,
         "torso_bent_and_twisted": torso_bent_and_twisted, "fists": fists, "thumbs_in": thumbs_in,
         "stepping": stepping}


# -- tests ----------------------------------------------------------------------------------------------------


def test_mediapipe_axes_map_to_the_performers_own_sides() -> None:
    """Hand-written MediaPipe landmarks: the performer raises her LEFT arm sideways (it appears on the image's
    right: +x, and up: -y) and reaches towards the camera with her right (smaller z). The avatar raises her
    left arm at -X and reaches forward (+Z) with her right."""
    points = np.zeros((33, 3))
    points[[11, 12]] = [[0.18, -0.45, 0.0], [-0.18, -0.45, 0.0]]
    points[[23, 24]] = [[0.1, 0.0, 0.0], [-0.1, 0.0, 0.0]]
    points[[13, 15]] = [[0.4, -0.6, 0.0], [0.6, -0.75, 0.0]]  # left arm out and up
    points[[14, 16]] = [[-0.2, -0.45, -0.28], [-0.2, -0.45, -0.53]]  # right arm straight at the camera
    visibility = np.zeros(33)
    visibility[11:17] = 1.0
    out = retarget(points, visibility, {})
    positions, _ = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    left = positions[INDEX["LeftHand"]] - positions[INDEX["LeftUpperArm"]]
    right = positions[INDEX["RightHand"]] - positions[INDEX["RightUpperArm"]]
    assert left[0] < -0.3 and left[1] > 0.2 and abs(left[2]) < 0.02
    assert right[2] > 0.45 and abs(right[0]) < 0.05 and abs(right[1]) < 0.05
    assert out.weights[INDEX["LeftUpperArm"]] == 1.0 and out.weights[INDEX["RightLowerArm"]] == 1.0


@pytest.mark.parametrize("name", list(POSES))
def test_roundtrip_matches_every_limb_and_finger_bone(name: str) -> None:
    pose = POSES[name]()
    out = roundtrip(pose)
    limbs = bone_errors_deg(pose, out.pose, LIMB_BONES)
    fingers = bone_errors_deg(pose, out.pose, FINGER_BONES)
    assert max(limbs.values()) < 2.0, limbs
    assert max(fingers.values()) < 3.0, fingers
    flexion = np.degrees(hinge_flexion(out.pose.rotations))
    assert flexion == pytest.approx(np.degrees(hinge_flexion(pose.rotations)), abs=2.0)
    assert (flexion > -1e-3).all()
    # The hands' own orientation (palm and fingers), not only their bones; the forearm takes the twist, as a
    # Unity humanoid's wrist has none.
    _, want = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    _, got = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    for side in SIDES:
        hand = INDEX[f"{side}Hand"]
        assert np.degrees(quat.angle_between(want[hand], got[hand])) < 2.0
        forearm = HUMANOID.offsets[hand] / np.linalg.norm(HUMANOID.offsets[hand])
        _, twist = quat.swing_twist(out.pose.rotations[hand], forearm)
        assert np.degrees(quat.to_axis_angle(twist)[1]) < 1.0


def random_pose(rng: np.random.Generator) -> BodyPose:
    """Torso bent and twisted, arms anywhere within reach with the elbows bent any anatomical way, hands turned
    any way, fingers from a little hyperextended to curled, and the legs stepping."""
    b = standing()
    for axis, low, high in (("X", -15.0, 40.0), ("Y", -35.0, 35.0), ("Z", -15.0, 15.0)):
        b.spread(["Spine", "Chest", "UpperChest"], axis, rng.uniform(low, high))
    for side in SIDES:
        reach = rng.normal(size=3)
        b.arm(side, b.position(f"{side}UpperArm") + rng.uniform(0.2, 0.5) * reach / np.linalg.norm(reach),
              pole=rng.normal(size=3))
        b.hand(side, fingers=rng.normal(size=3), palm=rng.normal(size=3))
        b.fingers(side, rng.uniform(-10.0, 100.0, 3), thumb=rng.uniform(-5.0, 50.0, 3), splay=rng.uniform(-10, 10))
        step = np.array([rng.uniform(-0.15, 0.15), -rng.uniform(0.55, 0.82), rng.uniform(-0.3, 0.3)])
        b.leg(side, b.position(f"{side}UpperLeg") + step, pole=(rng.uniform(-0.3, 0.3), 0.0, 1.0))
    return b.build()


def test_random_poses_roundtrip() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        pose = random_pose(rng)
        out = roundtrip(pose)
        errors = bone_errors_deg(pose, out.pose, LIMB_BONES + FINGER_BONES)
        # A nearly straight finger's twist is a guess, which its end bone shows most.
        ends = [f"{start}->{end}" for start, end in FINGER_BONES if start == end]  # to the fingertips
        assert max(v for bone, v in errors.items() if bone not in ends) < 3.5, errors
        assert max(errors[bone] for bone in ends) < 8.0, errors
        flexion = hinge_flexion(out.pose.rotations)
        assert np.degrees(flexion) == pytest.approx(np.degrees(hinge_flexion(pose.rotations)), abs=1.5)


def test_a_performer_of_another_build_drives_her_the_same() -> None:
    points, visibility, hands = landmarks(fists())
    ours = retarget(points, visibility, hands)
    theirs = retarget(1.2 * points, visibility, {side: 0.85 * h + 0.01 for side, h in hands.items()})
    assert np.degrees(quat.angle_between(ours.pose.rotations, theirs.pose.rotations)).max() < 1e-3


def test_a_straight_arm_in_landmark_noise_does_not_spin() -> None:
    b = standing()
    for side in SIDES:
        b.aim(f"{side}UpperArm", side_vector((-0.6, -0.7, 0.4), side))
        b.pose.rotations[INDEX[f"{side}LowerArm"]] = quat.IDENTITY
    points, visibility, hands = landmarks(b.build())
    rng = np.random.default_rng(3)
    twists = []
    for _ in range(60):
        # About MediaPipe's jitter on a body's world landmarks: it bends a straight arm by up to ~10°, any way.
        rotations = retarget(points + rng.normal(scale=0.01, size=points.shape), visibility, hands).pose.rotations
        twists.append([quat.swing_twist(rotations[INDEX[f"{side}UpperArm"]], side_vector((-1.0, 0.0, 0.0), side))[1]
                       for side in SIDES])
    jumps = np.degrees(quat.angle_between(np.array(twists[1:]), np.array(twists[:-1])))
    assert jumps.max() < 5.0


def test_fingers_bent_a_little_backwards_keep_their_nails_up() -> None:
    b = PoseBuilder(arms_forward())
    b.fingers("Left", (-20.0, -15.0, -10.0), thumb=(-10.0, -15.0, -10.0))
    b.fingers("Right", (-10.0, -20.0, 0.0), thumb=(0.0, -20.0, -15.0))
    pose = b.build()
    out = roundtrip(pose)
    _, want = HUMANOID.forward_kinematics(pose.root, pose.rotations)
    _, got = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    phalanges = [INDEX[f"{side}{finger}{p}"] for side in SIDES for finger in FINGERS for p in PHALANGES]
    assert np.degrees(quat.angle_between(want[phalanges], got[phalanges])).max() < 3.0


def test_elbows_bent_90_degrees_come_back_bent_90_forward() -> None:
    out = roundtrip(elbows_bent())
    flexion = np.degrees(hinge_flexion(out.pose.rotations))
    assert flexion[:2] == pytest.approx([90.0, 90.0], abs=1.5)
    positions, _ = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    for side in SIDES:
        forearm = positions[INDEX[f"{side}Hand"]] - positions[INDEX[f"{side}LowerArm"]]
        assert forearm[2] > 0.24  # forward, towards the viewer


def test_torso_bend_and_twist_follow_the_shoulder_line_and_the_spine_line() -> None:
    pose = torso_bent_and_twisted()
    out = roundtrip(pose)
    assert out.weights[INDEX["Spine"]] == out.weights[INDEX["UpperChest"]] == 1.0
    want, _ = joint_points(pose)
    got, _ = joint_points(out.pose)
    shoulders = [INDEX["LeftUpperArm"], INDEX["RightUpperArm"]]
    hips = [INDEX["LeftUpperLeg"], INDEX["RightUpperLeg"]]

    def angle(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.degrees(np.arccos(np.clip(a @ b / np.linalg.norm(a) / np.linalg.norm(b), -1.0, 1.0))))

    def chord(p: np.ndarray) -> np.ndarray:
        return p[shoulders].mean(axis=0) - p[hips].mean(axis=0)

    assert angle(chord(want), chord(got)) < 2.0
    assert angle(want[shoulders[0]] - want[shoulders[1]], got[shoulders[0]] - got[shoulders[1]]) < 2.0
    # The curve of the spine is not seen; spread evenly, as the pose was, its bones still line up.
    spine = [("Spine", "Chest"), ("Chest", "UpperChest"), ("UpperChest", "Neck")]
    assert max(bone_errors_deg(pose, out.pose, spine).values()) < 4.0
    # And the twist really is there: the upper chest faces away from the hips.
    _, g = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    chest_forward = quat.rotate(g[INDEX["UpperChest"]], np.array([0.0, 0.0, 1.0]))
    assert np.degrees(np.arctan2(chest_forward[0], chest_forward[2])) > 15.0


def test_the_head_and_the_root_are_never_driven() -> None:
    base = PoseBuilder(standing().build()).rotate("Head", "X", 12.0).move_root((0.1, 0.0, 0.2)).build()
    out = roundtrip(stepping(), base=base)
    assert out.weights[INDEX["Neck"]] == out.weights[INDEX["Head"]] == 0.0
    assert np.array_equal(out.pose.rotations[INDEX["Head"]], base.rotations[INDEX["Head"]])
    assert np.array_equal(out.pose.root, base.root)


def test_hips_yaw_follows_the_hip_line_damped() -> None:
    pose = PoseBuilder(standing().build()).rotate("Hips", "Y", 30.0).build()
    out = roundtrip(pose)
    axis, angle = quat.to_axis_angle(out.pose.rotations[INDEX["Hips"]])
    assert axis[1] == pytest.approx(1.0, abs=1e-4)
    assert 5.0 < np.degrees(angle) < 30.0
    # Whatever share the hips take, the spine takes the rest: the shoulders face where hers did.
    want, _ = joint_points(pose)
    got, _ = joint_points(out.pose)
    line = [INDEX["LeftUpperArm"], INDEX["RightUpperArm"]]
    a, b = want[line[0]] - want[line[1]], got[line[0]] - got[line[1]]
    assert np.degrees(np.arccos(a @ b / np.linalg.norm(a) / np.linalg.norm(b))) < 2.0


def test_mirror_swaps_sides_and_flips_x() -> None:
    pose = arms_forward()
    points, visibility, hands = landmarks(pose)
    visibility[[13, 15]] = 0.0  # only the performer's right arm is seen
    out = retarget(points, visibility, {"Right": hands["Right"]}, mirror=True)
    # Her LEFT arm and fingers move, as the performer's right ones do in a mirror.
    assert out.weights[INDEX["LeftUpperArm"]] == 1.0 and out.weights[INDEX["RightUpperArm"]] == 0.0
    assert out.weights[INDEX["LeftIndexProximal"]] == 1.0 and out.weights[INDEX["RightIndexProximal"]] == 0.0
    mirrored = pose.mirrored()
    errors = bone_errors_deg(mirrored, out.pose, ARM_BONES[:2] + FINGER_BONES[:15])
    assert max(errors.values()) < 3.0, errors
    assert out.weights == pytest.approx(retarget(points, visibility, {"Right": hands["Right"]}).weights[
        [INDEX[n.replace("Left", "\0").replace("Right", "Left").replace("\0", "Right")] for n in HUMANOID.names]])


def test_legs_out_of_view_keep_her_own_legs() -> None:
    base = stepping()
    points, visibility, hands = landmarks(arms_raised())
    visibility[[25, 26, 27, 28]] = VISIBILITY_THRESHOLD  # seated behind a desk: knees and ankles not trusted
    out = retarget(points, visibility, hands, base=base)
    legs = mask("legs") > 0
    assert (out.weights[legs] == 0.0).all()
    assert np.array_equal(out.pose.rotations[legs], base.rotations[legs])
    assert out.weights[INDEX["LeftUpperArm"]] == 1.0
    # Layered over her own pose, the arms are the performer's and the legs hers.
    final = compose(base, out.pose, out.weights, 1.0)
    assert max(bone_errors_deg(arms_raised(), final, ARM_BONES).values()) < 2.0
    assert np.allclose(final.rotations[legs], base.rotations[legs])
    visibility[[25, 26, 27, 28]] = 1.0
    assert (retarget(points, visibility, hands, base=base).weights[mask("left_leg", "right_leg") > 0][[0, 1, 4, 5]]
            == 1.0).all()


def test_seated_with_hips_out_of_view_the_shoulders_still_turn_and_tilt_the_spine() -> None:
    b = standing()
    b.spread(["Spine", "Chest", "UpperChest"], "Y", 30.0)
    b.spread(["Spine", "Chest", "UpperChest"], "Z", 10.0)
    turned = b.build()
    leaning = b.spread(["Spine", "Chest", "UpperChest"], "X", 25.0).build()
    base = PoseBuilder(standing().build()).rotate("Hips", "Y", -5.0).build()
    shoulders = [INDEX["LeftUpperArm"], INDEX["RightUpperArm"]]
    hips = [INDEX["LeftUpperLeg"], INDEX["RightUpperLeg"]]
    for pose in (turned, leaning):
        points, visibility, hands = landmarks(pose)
        visibility[23:] = 0.2  # hips and legs under the desk
        out = retarget(points, visibility, hands, base=base)
        assert out.weights[INDEX["Hips"]] == 0.0 and out.weights[INDEX["Chest"]] == 1.0
        assert np.array_equal(out.pose.rotations[INDEX["Hips"]], base.rotations[INDEX["Hips"]])
        want, _ = joint_points(pose)
        got, _ = joint_points(out.pose)
        a, c = want[shoulders[0]] - want[shoulders[1]], got[shoulders[0]] - got[shoulders[1]]
        assert np.degrees(np.arccos(a @ c / np.linalg.norm(a) / np.linalg.norm(c))) < 2.0
        # Without the hips the lean is not seen: she sits up.
        chord = got[shoulders].mean(axis=0) - got[hips].mean(axis=0)
        assert abs(chord[2]) / np.linalg.norm(chord) < np.sin(np.radians(3.0))
    want, _ = joint_points(leaning)
    chord = want[shoulders].mean(axis=0) - want[hips].mean(axis=0)
    assert chord[2] / np.linalg.norm(chord) > np.sin(np.radians(10.0))


def test_weights_fade_with_visibility_and_zero_below_the_threshold() -> None:
    points, visibility, hands = landmarks(arms_forward())
    weights = []
    for v in (0.3, VISIBILITY_THRESHOLD, 0.7, 0.8, 0.95):
        visibility[13] = v  # the left elbow
        out = retarget(points, visibility, hands)
        weights.append(out.weights[[INDEX["LeftUpperArm"], INDEX["LeftLowerArm"], INDEX["LeftHand"]]])
        assert out.weights[INDEX["RightUpperArm"]] == 1.0
    w = np.array(weights)
    assert (w[:2] == 0.0).all() and (w[-1] == 1.0).all()
    assert (np.diff(w[:, 0]) >= 0.0).all() and 0.0 < w[2, 0] < w[3, 0] < 1.0


def test_a_missing_hand_leaves_its_fingers_to_her() -> None:
    base = PoseBuilder(standing().build()).fist("Left").fist("Right").build()
    points, visibility, hands = landmarks(thumbs_in())
    out = retarget(points, visibility, {"Right": hands["Right"], "Left": None}, base=base)
    left, right = mask("left_fingers") > 0, mask("right_fingers") > 0
    assert (out.weights[left] == 0.0).all() and (out.weights[right] == 1.0).all()
    assert np.array_equal(out.pose.rotations[left], base.rotations[left])
    # Without its hand landmarks the wrist still turns, from the pose's wrist, index and pinky points.
    assert out.weights[INDEX["LeftHand"]] == 1.0
    _, want = HUMANOID.forward_kinematics(thumbs_in().root, thumbs_in().rotations)
    _, got = HUMANOID.forward_kinematics(out.pose.root, out.pose.rotations)
    assert np.degrees(quat.angle_between(want[INDEX["LeftHand"]], got[INDEX["LeftHand"]])) < 3.0


def test_an_elbow_bent_backwards_comes_out_straight_and_a_straight_arm_stays_straight() -> None:
    points, visibility, hands = landmarks(arms_forward())
    upper = points[13] - points[11]
    along = upper / np.linalg.norm(upper)
    # Landmark noise that bends the left elbow 10° backwards (the forearm swings up and back, MediaPipe's -z is
    # towards the camera): it never comes out hyperextended, only straight or bent the anatomical way.
    back = np.cross(along, [1.0, 0.0, 0.0])
    back *= np.sign(back @ [0.0, -1.0, 0.0])
    points[15] = points[13] + 0.25 * (np.cos(np.radians(10.0)) * along + np.sin(np.radians(10.0)) * back)
    flexion = np.degrees(hinge_flexion(retarget(points, visibility, hands).pose.rotations))
    assert (flexion >= 0.0).all() and flexion[0] < 11.0
    points[15] = points[13] + 0.25 * along
    straight = retarget(points, visibility, hands)
    assert np.isfinite(straight.pose.rotations).all()
    assert np.degrees(hinge_flexion(straight.pose.rotations)[0]) < 0.5


@pytest.mark.parametrize("bad", ["nan", "inf", "shape"])
@pytest.mark.parametrize("argument", ["pose_world", "visibility", "hands['Left']"])
def test_bad_landmarks_raise_naming_the_argument_and_shape(argument: str, bad: str) -> None:
    points, visibility, hands = landmarks(arms_forward())
    target = {"pose_world": points, "visibility": visibility, "hands['Left']": hands["Left"]}[argument]
    shape = target.shape
    if bad == "shape":
        target = target[:-1]
    else:
        target = target.copy()
        target.flat[3] = np.nan if bad == "nan" else np.inf
    args = {"pose_world": points, "visibility": visibility, "hands['Left']": hands["Left"]} | {argument: target}
    with pytest.raises(ValueError, match=re.escape(argument) + ".*" + re.escape(str(shape))):
        retarget(args["pose_world"], args["visibility"], {"Left": args["hands['Left']"]})


def test_degenerate_landmarks_keep_her_own_pose_instead_of_nan() -> None:
    points, visibility, hands = landmarks(arms_forward())
    points[13] = points[11]  # elbow on the shoulder
    hands["Left"][:] = 0.0
    out = retarget(points, visibility, hands)
    assert np.isfinite(out.pose.rotations).all() and np.isfinite(out.weights).all()
    assert out.weights[INDEX["LeftUpperArm"]] == 0.0 and out.weights[INDEX["LeftIndexProximal"]] == 0.0
    assert out.weights[INDEX["RightUpperArm"]] == 1.0


def test_unknown_hand_side_is_refused() -> None:
    points, visibility, hands = landmarks(arms_forward())
    with pytest.raises(ValueError, match="'Left' or 'Right'"):
        retarget(points, visibility, {"left": hands["Left"]})


def test_output_is_a_valid_pose_with_weights_in_range() -> None:
    out = roundtrip(stepping())
    assert out.pose.rotations.shape == (NUM_JOINTS, 4) and out.weights.shape == (NUM_JOINTS,)
    assert out.weights.dtype == np.float32
    assert ((out.weights >= 0.0) & (out.weights <= 1.0)).all()
    assert np.linalg.norm(out.pose.rotations, axis=1) == pytest.approx(1.0, abs=1e-5)
