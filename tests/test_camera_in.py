"""Camera in: sources read on their own thread with frames dropped rather than queued, what the trackers find handed
to the puppet and the kiosk, events for a camera that ends or is lost, client frames, and bad input. The trackers
are the fake of tests/fake_tracking.py here (the plumbing is the point); test_camera_e2e.py runs MediaPipe."""

from __future__ import annotations

import io
import queue
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from bridge.camera_in import CLIENT_TIMEOUT_S, CameraIn, greeter, open_camera_source
from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, one_avatar
from bridge.protocol import Event, FaceFrame
from bridge.sinks import Hub, Recorder
from models.errors import RequestError
from models.face.arkit import INDEX
from models.vision.puppet import LOST_FADE_S
from models.vision.sources import VideoFrame
from tests.fake_tracking import fake_tracking, frame_of
from tests.fake_voice import FakeVoice

SMILE = INDEX["mouthSmileLeft"]


class Rig:
    """One avatar on a virtual clock, a camera whose posts wait in a queue until `settle` runs them (as the event
    loop would), and everything published."""

    def __init__(self, tracking: Callable[[], Any] = fake_tracking) -> None:
        self.recorder, self.clock = Recorder(), VirtualClock()
        self.pipeline: Pipeline = one_avatar(FakeVoice(), Hub([self.recorder]), self.clock, lookahead=0.0)
        self.posted: queue.Queue = queue.Queue()
        self.camera = CameraIn(self.pipeline.avatars, self.clock, lambda fn, *a: self.posted.put((fn, a)), tracking)

    def settle(self, until: Callable[[], bool], timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            assert time.monotonic() < deadline, "timed out"
            try:
                fn, args = self.posted.get(timeout=0.05)
            except queue.Empty:
                continue
            fn(*args)

    def events(self, type_: str) -> list[Event]:
        return [m for m in self.recorder.messages if isinstance(m, Event) and m.type == type_]

    def run(self, until: float) -> list[FaceFrame]:
        """Tick the performer until the clock reaches `until`; every face frame published so far."""
        performer = self.pipeline.performer
        while self.clock.t < until - 1e-9:
            performer.tick(self.clock.t)
            self.clock.t += performer.period
        return [m for m in self.recorder.messages if isinstance(m, FaceFrame)]

    def show(self, t: float, brightness: int) -> None:
        """A frame the camera saw at t (virtual clock) through the tracker and back on the loop."""
        self.camera.deliver(self.camera.track(VideoFrame(frame_of(brightness), t, round(t * 30))))


def smiles(frames: list[FaceFrame], start: float, end: float) -> np.ndarray:
    return np.array([f.weights[SMILE] for f in frames if start <= f.pts < end])


def folder_of(path: Path, brightness: list[int]) -> Path:
    path.mkdir()
    for i, b in enumerate(brightness):
        Image.fromarray(frame_of(b)).save(path / f"frame_{i:03d}.png")
    return path


def test_puppet_needs_a_source_and_the_performer_drives_her_face(tmp_path: Path) -> None:
    rig = Rig()
    with pytest.raises(RequestError) as error:
        rig.camera.puppet("host", True)
    assert error.value.code == "no_source" and error.value.field == "source"
    rig.camera.use("client", "client")  # a source, so the puppet may start; frames come through `show`
    assert rig.events("camera")[-1].data == {"state": "started", "source": "client"}
    rig.camera.puppet("host", True, face=True, body=False)
    assert rig.events("puppet")[-1].data["state"] == "on"
    for i in range(90):  # 3 s of a smiling performer at 30 fps
        rig.show(i / 30, 200)
    frames = rig.run(3.0)
    delay = rig.pipeline.avatars["host"].puppet.delay
    settled = smiles(frames, delay + LOST_FADE_S + 0.05, 2.9)
    assert settled == pytest.approx(200 / 255, abs=0.02)  # the performer's smile, not her own
    assert smiles(frames, 0.0, delay - 0.02).max() < 0.05  # before the first sighting reaches the frame: hers
    rig.camera.close()


def test_a_slow_tracker_drops_frames_instead_of_lagging_and_the_end_is_told(tmp_path: Path) -> None:
    rig = Rig(lambda: fake_tracking(delay_s=0.1))  # 10 frames a second from a 30 fps source
    rig.camera.use(str(folder_of(tmp_path / "frames", [200] * 45)), "frames")
    rig.settle(lambda: any(e.data["state"] == "ended" for e in rig.events("camera")))
    stats = rig.camera.stats
    assert stats.state == "ended" and stats.error is None
    assert stats.frames == 45
    assert 8 <= stats.tracked <= 25 and stats.dropped >= 15  # the tracker took the newest, the rest were dropped
    assert stats.tracked + stats.dropped >= 44
    assert stats.track_ms >= 90


def test_a_camera_that_breaks_off_is_lost_and_she_returns_to_her_own_face(tmp_path: Path) -> None:
    rig = Rig()
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    with pytest.raises(RequestError) as error:
        open_camera_source(str(broken))
    assert error.value.code == "bad_source" and error.value.field == "source"
    rig.camera.use("client", "client")
    rig.camera.puppet("host", True)
    for i in range(30):  # seen for a second, then the camera has nothing
        rig.show(i / 30, 220)
    frames = rig.run(3.0)
    delay = rig.pipeline.avatars["host"].puppet.delay
    assert smiles(frames, delay + 0.8, delay + 1.0).min() > 0.8
    late = smiles(frames, delay + 1.0 + 0.25 + LOST_FADE_S + 0.05, 3.0)
    assert late.max() < 0.05  # handed back to her own layers
    fade = smiles(frames, delay + 1.0, delay + 1.0 + 0.25 + LOST_FADE_S + 0.05)
    assert np.max(np.abs(np.diff(fade))) < 0.1  # smoothly
    assert [e.data["state"] for e in rig.events("puppet")][-1:] == ["found"]
    rig.show(3.5, 5)  # a frame without anyone: the performer is lost
    assert rig.events("puppet")[-1].data["state"] == "lost"
    assert rig.camera.stats.no_face == 1


def test_client_frames_are_decoded_off_the_loop_bad_ones_counted_and_a_silent_client_is_lost() -> None:
    rig = Rig()
    rig.camera.use("client", "client")
    rig.camera.puppet("host", True)
    jpeg = io.BytesIO()
    Image.fromarray(frame_of(180, side=64)).save(jpeg, "JPEG", quality=95)
    reply = rig.camera.frame(jpeg.getvalue(), "jpeg", None, None, None, 0)
    assert reply == {"dropped": 0, "bad_frames": 0}
    rig.settle(lambda: rig.camera.stats.tracked == 1)
    assert rig.pipeline.avatars["host"].puppet.faces.seen[-1].value.weights[SMILE] == pytest.approx(180 / 255,
                                                                                                   abs=0.02)
    with pytest.raises(RequestError) as error:  # not a jpeg at all: refused at once, by field
        rig.camera.frame(b"\xff\xd8 not a jpeg", "jpeg", None, None, None, 1)
    assert error.value.field == "image"
    noisy = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (128, 128, 3), np.uint8)).save(noisy, "JPEG")
    cut = noisy.getvalue()[: len(noisy.getvalue()) // 2]  # its header reads, its pixels do not: found on decoding
    rig.camera.frame(cut, "jpeg", None, None, None, 1)
    time.sleep(0.3)  # the tracker takes it (and cannot decode it) before the next comes
    raw = frame_of(90, side=8).tobytes()
    rig.camera.frame(raw, "rgb24", 8, 8, None, 2)
    rig.settle(lambda: rig.camera.stats.tracked == 2)
    assert rig.camera.stats.bad_frames == 1  # counted, and the camera went on
    with pytest.raises(RequestError) as error:
        rig.camera.frame(raw, "rgb24", 8, 8, rig.clock.now() - 60.0, 3)
    assert error.value.field == "t"
    time.sleep(CLIENT_TIMEOUT_S + 0.1)
    rig.camera.check(rig.clock.now())
    assert rig.events("camera")[-1].data["state"] == "lost"
    assert rig.camera.stats.state == "lost"
    rig.camera.frame(raw, "rgb24", 8, 8, None, 4)  # the client sends again: the camera is back
    rig.camera.check(rig.clock.now())
    assert rig.events("camera")[-1].data["state"] == "started"
    rig.camera.close()


def test_video_in_needs_a_client_source() -> None:
    rig = Rig()
    with pytest.raises(RequestError) as error:
        rig.camera.frame(b"x", "jpeg", None, None, None, 0)
    assert error.value.code == "no_source" and "client" in error.value.message


def test_the_kiosk_greets_a_visitor_looks_at_them_and_lets_them_go() -> None:
    rig = Rig()
    rig.camera.use("client", "client")
    rig.camera.kiosk("host", greeting=greeter("Welcome to the exhibition!", None))
    avatar = rig.pipeline.avatars["host"]

    def eye_yaw(frames: list[FaceFrame], start: float, end: float) -> float:
        return float(np.mean([f.eyes[0] + f.head[0] for f in frames if start <= f.pts < end]))

    for i in range(45):  # a visitor in view for a second and a half, on the right of the camera's picture
        rig.show(i / 30, 150)
        rig.run(i / 30)
    arrived = rig.events("visitor_arrived")
    assert len(arrived) == 1
    visitor = arrived[0].data["id"]
    assert avatar.timeline.current is not None and avatar.timeline.current.text == "Welcome to the exhibition!"
    for i in range(45, 150):  # gone for three and a half seconds
        rig.show(i / 30, 0)
        rig.run(i / 30)
    left = rig.events("visitor_left")
    assert len(left) == 1 and left[0].data["id"] == visitor
    frames = rig.run(5.0)
    # The picture's right is the viewer's left, her right: she turns that way (yaw < 0), and back when they go.
    assert eye_yaw(frames, 0.0, 0.4) == pytest.approx(0.0, abs=0.05)
    assert eye_yaw(frames, 1.2, 1.5) < -0.1
    assert eye_yaw(frames, 4.6, 5.0) == pytest.approx(0.0, abs=0.05)


def test_the_kiosk_greets_in_the_personas_words_by_default() -> None:
    from models.dialogue.persona import load_persona

    persona = load_persona(Path(__file__).resolve().parents[1] / "examples" / "personas" / "guide.yaml")
    greet = greeter(None, persona)
    assert greet is not None
    lines = [greet() for _ in range(3)]
    assert lines[0] == "[happy] <wave> Hey, welcome in! Kai here."
    assert lines[1] == "[happy] <wave> Good to see you! Let's talk gear." and lines[2] == lines[0]
    assert greeter("", persona) is None and greeter(None, None) is None


def test_a_video_that_breaks_off_midway_is_a_lost_camera_with_the_reason(tmp_path: Path) -> None:
    from avatar_tools.camera_examples import performer_video

    moving = performer_video(tmp_path / "whole.mp4", 3.0, roll=lambda t: 20.0 * np.sin(4.0 * t), side=128)
    whole = bytearray(moving.read_bytes())
    middle = len(whole) * 3 // 4
    whole[middle:] = np.random.default_rng(1).bytes(len(whole) - middle)  # damaged from the middle on
    cut = tmp_path / "damaged.mp4"
    cut.write_bytes(bytes(whole))
    rig = Rig()
    rig.camera.use(*open_camera_source(str(cut)))  # its start reads: the damage comes later
    rig.camera.puppet("host", True)
    rig.settle(lambda: rig.camera.stats.state != "running")
    camera = rig.events("camera")[-1]
    assert camera.data["state"] == "lost" and camera.data["reason"], camera.data
    assert rig.camera.stats.tracked >= 5  # the frames before the damage were tracked
