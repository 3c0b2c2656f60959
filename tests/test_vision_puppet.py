"""The puppet layers: a performer's face and body over the avatar's own, faded in and out, held and handed back
when the camera loses them; sampled as pure functions of time."""

from __future__ import annotations

import numpy as np
import pytest

from models.body import quat
from models.body.pose import BodyPose
from models.body.skeleton import INDEX as JOINT
from models.body.skeleton import NUM_JOINTS
from models.face.arkit import INDEX
from models.layers import AvatarPose
from models.vision.face import FaceObservation
from models.vision.puppet import FADE_S, HOLD_S, LOST_FADE_S, Puppet, PuppetBody, PuppetFace, PuppetSample
from models.vision.retarget import Retargeted

RATE = 30.0
SMILE, JAW = INDEX["mouthSmileLeft"], INDEX["jawOpen"]


def face_seen(t: float, smile: float = 1.0, yaw: float = 0.3) -> FaceObservation:
    weights = np.zeros(52, np.float32)
    weights[SMILE] = smile
    return FaceObservation(t, weights, np.array([yaw, 0.0, 0.0], np.float32), np.zeros(4, np.float32), 0.7,
                           (0.4, 0.2, 0.6, 0.5))


def her_face() -> AvatarPose:
    """Her own face below the puppet: jaw a little open, head still."""
    pose = AvatarPose()
    pose.face.weights[JAW] = 0.2
    return pose


def sampled(layer: PuppetFace, t: float) -> AvatarPose:
    pose = her_face()
    layer.apply(t, pose)
    return pose


def performer(puppet: Puppet, start: float, end: float, **face: float) -> None:
    for i in range(int(round((end - start) * RATE))):
        t = start + i / RATE
        puppet.add(PuppetSample(t, face_seen(t, **face)))


def test_the_face_eases_in_takes_over_and_keeps_the_delay() -> None:
    puppet = Puppet(delay=0.2)
    layer = PuppetFace(puppet)
    performer(puppet, 0.0, 4.0)
    puppet.switch(1.0, face=True, body=True)
    assert sampled(layer, 0.9).face.weights[SMILE] == 0.0  # off until the switch
    during = [float(sampled(layer, 1.0 + k / 60).face.weights[SMILE]) for k in range(int(FADE_S * 60) + 1)]
    assert during[0] == 0.0 and during[-1] == pytest.approx(1.0)
    assert np.all(np.diff(during) >= -1e-7) and np.max(np.diff(during)) < 0.1  # a fade, not a jump
    full = sampled(layer, 2.0)
    assert full.face.weights[SMILE] == pytest.approx(1.0)
    assert full.face.weights[JAW] == pytest.approx(0.0)  # the performer's mouth (closed) over hers
    assert full.face.head[0] == pytest.approx(0.3)


def test_samples_are_read_delay_seconds_before_the_frame() -> None:
    puppet = Puppet(delay=0.25)
    layer = PuppetFace(puppet)
    puppet.switch(-1.0, face=True, body=False)
    for i in range(120):  # the performer smiles from t = 2.0 on
        t = i / RATE
        puppet.add(PuppetSample(t, face_seen(t, smile=1.0 if t >= 2.0 else 0.0)), settled=True)
    assert sampled(layer, 2.2).face.weights[SMILE] == pytest.approx(0.0, abs=1e-6)
    assert sampled(layer, 2.25 + 1 / RATE).face.weights[SMILE] == pytest.approx(1.0)
    # Between two frames the face is interpolated.
    assert sampled(layer, 2.25 - 0.5 / RATE).face.weights[SMILE] == pytest.approx(0.5, abs=1e-5)


def test_a_lost_performer_holds_then_hands_back_smoothly_and_eases_in_when_found() -> None:
    puppet = Puppet(delay=0.0)
    layer = PuppetFace(puppet)
    puppet.switch(-1.0, face=True, body=True)
    performer(puppet, 0.0, 2.0)  # seen until 2 s, then gone
    last = 2.0 - 1 / RATE
    assert sampled(layer, last + HOLD_S - 0.01).face.weights[SMILE] == pytest.approx(1.0)  # held
    fading = [float(sampled(layer, last + HOLD_S + k / 60).face.weights[SMILE])
              for k in range(int(LOST_FADE_S * 60) + 2)]
    assert np.all(np.diff(fading) <= 1e-7) and np.max(-np.diff(fading)) < 0.1
    gone = sampled(layer, last + HOLD_S + LOST_FADE_S + 0.01)
    assert gone.face.weights[SMILE] == 0.0 and gone.face.weights[JAW] == pytest.approx(0.2)  # her own again
    performer(puppet, 4.0, 6.0)  # found again: eases back in
    assert sampled(layer, 4.0).face.weights[SMILE] == pytest.approx(0.0, abs=1e-6)
    assert 0.1 < sampled(layer, 4.0 + LOST_FADE_S / 2).face.weights[SMILE] < 0.9
    assert sampled(layer, 4.0 + LOST_FADE_S + 0.05).face.weights[SMILE] == pytest.approx(1.0)


def test_switching_off_and_a_partial_blend() -> None:
    puppet = Puppet(delay=0.0)
    layer = PuppetFace(puppet)
    performer(puppet, 0.0, 6.0)
    puppet.switch(1.0, face=True, body=True, blend=0.5)
    assert sampled(layer, 2.0).face.weights[SMILE] == pytest.approx(0.5)
    assert sampled(layer, 2.0).face.weights[JAW] == pytest.approx(0.1)  # half hers, half the performer's
    puppet.switch(3.0, face=False, body=False)
    assert sampled(layer, 3.0 + FADE_S / 2).face.weights[SMILE] == pytest.approx(0.25)
    assert sampled(layer, 3.0 + FADE_S + 0.01).face.weights[SMILE] == 0.0
    with pytest.raises(ValueError, match="blend"):
        puppet.switch(4.0, True, True, blend=1.5)


def test_the_past_is_not_rewritten_by_late_samples() -> None:
    puppet = Puppet(delay=0.0)
    layer = PuppetFace(puppet)
    puppet.switch(-1.0, True, True)
    puppet.add(PuppetSample(1.0, face_seen(1.0, smile=1.0)), settled=True)
    puppet.add(PuppetSample(0.5, face_seen(0.5, smile=0.0)))  # out of order: ignored
    assert sampled(layer, 1.0).face.weights[SMILE] == pytest.approx(1.0)
    assert len(puppet.faces.seen) == 1


def raised_arm(angle: float) -> Retargeted:
    rotations = quat.identity(NUM_JOINTS)
    rotations[JOINT["LeftUpperArm"]] = quat.from_axis_angle("Z", angle)
    weights = np.zeros(NUM_JOINTS, np.float32)
    weights[JOINT["LeftUpperArm"]] = 1.0
    return Retargeted(BodyPose(rotations=rotations), weights)


def test_the_body_drives_only_the_joints_it_saw_at_the_blend() -> None:
    puppet = Puppet(delay=0.0)
    layer = PuppetBody(puppet)
    puppet.switch(-1.0, face=False, body=True)
    for i in range(60):
        t = i / RATE
        puppet.add(PuppetSample(t, None, raised_arm(0.8 if t >= 1.0 else 0.4)), settled=True)
    pose = AvatarPose(body=BodyPose.rest())
    pose.body.rotations[JOINT["RightUpperArm"]] = quat.from_axis_angle("X", 0.3)
    layer.apply(1.5, pose)
    assert pose.body is not None
    angle = quat.angle_between(pose.body.rotations[JOINT["LeftUpperArm"]], quat.identity())
    assert float(angle) == pytest.approx(0.8, abs=1e-5)
    # Unseen joints keep her own pose.
    assert quat.angle_between(pose.body.rotations[JOINT["RightUpperArm"]],
                              quat.from_axis_angle("X", 0.3)) == pytest.approx(0.0, abs=1e-5)
    # Between frames the rotation is interpolated.
    between = AvatarPose(body=BodyPose.rest())
    layer.apply(1.0 - 0.5 / RATE, between)
    assert between.body is not None
    assert float(quat.angle_between(between.body.rotations[JOINT["LeftUpperArm"]], quat.identity())) == \
        pytest.approx(0.6, abs=1e-3)
    # The face layer has nothing to do when the body is all it saw, and the body none without a body pose.
    face_only = her_face()
    PuppetFace(puppet).apply(1.5, face_only)
    assert face_only.face.weights[JAW] == pytest.approx(0.2)
    no_body = AvatarPose()
    layer.apply(1.5, no_body)
    assert no_body.body is None


def test_presence_reports_each_part() -> None:
    puppet = Puppet(delay=0.0)
    performer(puppet, 0.0, 2.0)
    face, body = puppet.presence(1.5)
    assert face == pytest.approx(1.0) and body == 0.0
    assert puppet.presence(-1.0) == (0.0, 0.0)
