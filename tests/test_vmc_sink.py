"""The VMC sink: bundles decoded by a real UDP receiver with python-osc, poses, face blends, timing, interrupts."""

from __future__ import annotations

import asyncio
import socket
import time

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle

from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.protocol import Event, FaceFrame, PoseFrame, Skeleton, face_weights_to_bytes, pose_rotations_to_bytes
from bridge.sinks import Hub, Recorder
from bridge.sinks.vmc import DEFAULT_PORT, VmcSink, face_rotation_in_unity, parse_address, vrm_blends
from models.body import quat
from models.body.skeleton import JOINTS, NUM_JOINTS
from models.face.arkit import INDEX, LIVELINK_NAMES
from tests.fake_voice import FakeVoice


class Receiver:
    """A VMC marionette stand-in: a UDP socket on a free loopback port, decoding OSC bundles."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(2.0)
        self.port = self.socket.getsockname()[1]

    def bundle(self) -> list[tuple[str, list]]:
        data, _ = self.socket.recvfrom(65536)
        assert OscBundle.dgram_is_bundle(data)
        return [(m.address, m.params) for m in OscBundle(data)]

    def pending(self) -> bool:
        self.socket.settimeout(0.0)
        try:
            self.socket.recvfrom(65536, socket.MSG_PEEK)
            return True
        except BlockingIOError:
            return False
        finally:
            self.socket.settimeout(2.0)

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def receiver():  # noqa: ANN201
    r = Receiver()
    yield r
    r.close()


def test_each_frame_is_one_bundle_with_every_bone_the_face_and_apply(receiver: Receiver) -> None:
    recorder = Recorder()
    sink = VmcSink("127.0.0.1", receiver.port, at_pts=False)
    clock = VirtualClock(50.0)
    performer = one_avatar(FakeVoice(), Hub([recorder, sink]), clock, frame_rate=60.0, lookahead=0.1).performer
    for _ in range(3):
        performer.tick(clock.t)
        clock.t += performer.period
    poses = [m for m in recorder.messages if isinstance(m, PoseFrame)]
    faces = [m for m in recorder.messages if isinstance(m, FaceFrame)]
    for pose, face in zip(poses, faces, strict=True):
        messages = receiver.bundle()
        addresses = [a for a, _ in messages]
        assert addresses[:3] == ["/VMC/Ext/OK", "/VMC/Ext/T", "/VMC/Ext/Root/Pos"]
        assert addresses[-1] == "/VMC/Ext/Blend/Apply"
        bones = {p[0]: p[1:] for a, p in messages if a == "/VMC/Ext/Bone/Pos"}
        assert set(bones) == set(JOINTS) | {"LeftEye", "RightEye"}
        np.testing.assert_allclose(bones["Hips"][:3], pose.root, atol=1e-6)
        for j, name in enumerate(JOINTS):
            if name != "Head":
                np.testing.assert_allclose(bones[name][3:], pose.rotations[j], atol=1e-6)
        # The Head carries the body's head and the face's head turn on top.
        head = quat.mul(np.array(pose.rotations[JOINTS.index("Head")]), np.array(face_rotation_in_unity(*face.head)))
        assert quat.angle_between(np.array(bones["Head"][3:]), head) < 1e-5
        blends = {p[0]: p[1] for a, p in messages if a == "/VMC/Ext/Blend/Val"}
        assert {"A", "I", "U", "E", "O", "Blink_L", "Blink_R", "Joy", "LookLeft"} <= set(blends)
        assert blends["Blink_L"] == pytest.approx(face.weights[INDEX["eyeBlinkLeft"]], abs=1e-6)
    assert sink.sent == 3 and sink.dropped == 0
    sink.close()


def test_perfect_sync_sends_the_52_arkit_weights(receiver: Receiver) -> None:
    sink = VmcSink("127.0.0.1", receiver.port, blend="arkit", at_pts=False)
    weights = np.linspace(0.0, 1.0, 52)
    sink.send(Skeleton("host", list(JOINTS), [-1] + [0] * (NUM_JOINTS - 1), [[0.0, 0.0, 0.0]] * NUM_JOINTS), b"", b"")
    sink.send(FaceFrame("host", 0, 5.0, face_weights_to_bytes(weights), [0.0, 0.0, 0.0], [0.0] * 4), b"", b"")
    sink.send(PoseFrame("host", 0, 5.0, [0.0, 0.95, 0.0], pose_rotations_to_bytes(quat.identity(NUM_JOINTS))), b"",
              b"")
    blends = {p[0]: p[1] for a, p in receiver.bundle() if a == "/VMC/Ext/Blend/Val"}
    assert list(blends) == list(LIVELINK_NAMES[:52])
    assert blends["JawOpen"] == pytest.approx(weights[INDEX["jawOpen"]], abs=1e-6)
    sink.close()
    with pytest.raises(ValueError, match="blend mode must be one of vrm, arkit"):
        VmcSink(blend="visemes")


def test_face_turns_convert_to_unity_the_right_way() -> None:
    # ARKit yaw + turns the head to the avatar's left: in Unity, forward (+Z) swings towards -X.
    q = np.array(face_rotation_in_unity(0.5, 0.0, 0.0))
    forward = quat.rotate(q, np.array([0.0, 0.0, 1.0]))
    assert forward[0] < -0.4
    # Pitch + looks down.
    assert quat.rotate(np.array(face_rotation_in_unity(0.0, 0.4)), np.array([0.0, 0.0, 1.0]))[1] < -0.3
    w = np.zeros(52)
    w[INDEX["jawOpen"]] = 0.8
    w[INDEX["eyeLookOutLeft"]] = w[INDEX["eyeLookInRight"]] = 0.6
    blends = vrm_blends(w)
    assert blends["A"] == pytest.approx(0.8) and blends["LookLeft"] == pytest.approx(0.6)
    assert blends["LookRight"] == 0.0
    assert parse_address(":40000") == ("127.0.0.1", 40000) and parse_address("10.0.0.2")[1] == DEFAULT_PORT
    with pytest.raises(ValueError, match="VMC port must be a number"):
        parse_address("host:notaport")


def test_bundles_go_out_at_their_pts_and_an_interrupt_cancels_the_rest(receiver: Receiver) -> None:
    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        sink = VmcSink("127.0.0.1", receiver.port)
        sink.send(Skeleton("host", list(JOINTS), [-1] + [0] * (NUM_JOINTS - 1), [[0.0] * 3] * NUM_JOINTS), b"", b"")
        rest = pose_rotations_to_bytes(quat.identity(NUM_JOINTS))
        now = loop.time()
        for k, delay in enumerate((0.15, 0.3, 0.45)):
            sink.send(PoseFrame("host", k, now + delay, [0.0, 0.95, 0.0], rest), b"", b"")
        assert not receiver.pending()  # nothing before its pts
        await asyncio.sleep(0.22)
        assert receiver.pending()
        sink.send(Event("host", 0, now + 0.25, "interrupted", "t1"), b"", b"")
        await asyncio.sleep(0.4)
        sink.close()

    start = time.monotonic()
    asyncio.run(scenario())
    assert time.monotonic() - start > 0.6
    receiver.bundle()
    assert not receiver.pending()  # the frames past the cut were never sent
