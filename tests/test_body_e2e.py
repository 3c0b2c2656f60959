"""The body end to end: a real sidecar (`serve --vmc`), the client over ZeroMQ and a VMC receiver over UDP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import numpy as np
import pytest
import soundfile
from pythonosc.osc_bundle import OscBundle

from bridge.client import BridgeClient, BridgeError
from bridge.protocol import AudioChunk, DanceRequest, Event, GestureRequest, PoseFrame, Skeleton
from models.body.metrics import click_track
from models.body.skeleton import JOINTS
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar


@pytest.fixture(scope="module")
def vmc_receiver() -> Iterator[socket.socket]:
    """A UDP socket on a free loopback port, where the sidecar sends its VMC messages."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    yield receiver
    receiver.close()


@pytest.fixture(scope="module")
def body_sidecar_process(tmp_path_factory: pytest.TempPathFactory,
                         vmc_receiver: socket.socket) -> Iterator[RunningSidecar]:
    """A real sidecar as a subprocess, sending VMC to `vmc_receiver`; `dance` may name files in its `media`."""
    folder = tmp_path_factory.mktemp("body")
    media = folder / "media"
    media.mkdir()
    running = start_sidecar(folder, "--vmc", f"127.0.0.1:{vmc_receiver.getsockname()[1]}", "--media-dir", str(media))
    running.media = media
    yield running
    stop_sidecar(running)


@pytest.fixture
def client(body_sidecar_process: RunningSidecar) -> Iterator[BridgeClient]:
    with BridgeClient(body_sidecar_process.control, body_sidecar_process.stream, timeout=20.0) as c:
        c.subscribe(avatar="host")
        yield c


def test_describe_and_stream_carry_the_skeleton_and_poses(client: BridgeClient) -> None:
    skeleton = client.describe()["skeleton"]
    assert skeleton["joints"] == list(JOINTS) and len(skeleton["offsets"]) == 52
    got_pose, got_skeleton = None, None
    for message, _ in client.stream(timeout=3.0, kinds=("pose", "skeleton")):
        if isinstance(message, PoseFrame):
            got_pose = message
        if isinstance(message, Skeleton):
            got_skeleton = message
        if got_pose and got_skeleton:
            break
    assert got_pose is not None and len(got_pose.rotations) == 52
    assert got_skeleton is not None and got_skeleton.parents == skeleton["parents"]


def test_gesture_op_and_its_errors(client: BridgeClient) -> None:
    reply = client.request(GestureRequest(name="wave"))
    assert reply["stroke_pts"] > reply["start_pts"]
    event = next(m for m, _ in client.stream(timeout=2.0, kinds=("event",))
                 if isinstance(m, Event) and m.type == "gesture")
    assert event.data["name"] == "wave" and event.pts == pytest.approx(reply["stroke_pts"])
    with pytest.raises(BridgeError) as unknown:
        client.request(GestureRequest(name="moonwalk"))
    assert unknown.value.code == "unknown_gesture" and "heart_hands" in str(unknown.value)
    with pytest.raises(BridgeError) as no_word:
        client.request(GestureRequest(name="wave", at_word=2))
    assert no_word.value.code == "no_word" and no_word.value.field == "at_word"


def test_dance_streams_music_and_poses_and_vmc_moves(client: BridgeClient, body_sidecar_process: RunningSidecar,
                                                     vmc_receiver: socket.socket) -> None:
    audio, _ = click_track(120.0, 4.0, 22050)
    assert body_sidecar_process.media is not None
    path = body_sidecar_process.media / "clicks.wav"
    soundfile.write(path, audio, 22050)
    take = client.request(DanceRequest(music=str(path)))["take"]
    chunks, dance, ended = [], None, False
    deadline = time.monotonic() + 60.0
    for message, _ in client.stream(timeout=10.0, kinds=("audio", "event")):
        if isinstance(message, AudioChunk) and message.take == take:
            chunks.append(message)
        if isinstance(message, Event) and message.take == take:
            dance = message if message.type == "dance" else dance
            if message.type == "take_ended":
                ended = True
                break
        assert time.monotonic() < deadline
    assert ended and dance is not None and dance.data["tempo"] == pytest.approx(120.0, rel=0.03)
    pcm = np.concatenate([np.frombuffer(c.pcm, dtype="<i2") for c in chunks])
    assert len(pcm) == len(audio)
    np.testing.assert_allclose(pcm / 32767.0, audio, atol=2e-4)  # the very music, on the take's clock
    # The VMC marionette got bundles with every bone.
    data, _ = vmc_receiver.recvfrom(65536)
    addresses = [m.address for m in OscBundle(data)]
    assert addresses.count("/VMC/Ext/Bone/Pos") == 54 and addresses[-1] == "/VMC/Ext/Blend/Apply"


def test_bad_music_is_a_clear_error_and_the_sidecar_keeps_serving(client: BridgeClient,
                                                                  body_sidecar_process: RunningSidecar) -> None:
    media = body_sidecar_process.media
    assert media is not None
    (media / "notes.txt").write_text("not music")
    soundfile.write(media / "x.wav", click_track(120.0, 4.0, 22050)[0], 22050)
    cases = ((media / "none.mp3", "music file not found"), (media / "notes.txt", "unsupported music format"))
    for music, needle in cases:
        with pytest.raises(BridgeError) as error:
            client.request(DanceRequest(music=str(music)))
        assert error.value.code == "bad_music" and error.value.field == "music" and needle in str(error.value)
    with pytest.raises(BridgeError) as style:
        client.request(DanceRequest(music="x.wav", style="tango"))
    assert style.value.code == "bad_style"
    assert client.describe()["protocol_version"] == 1
