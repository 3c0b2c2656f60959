"""Camera in end to end with MediaPipe's real models: a performer video (scikit-image's portrait, its head rolling by
known angles, out of view for a while) drives a real sidecar (`serve --camera FILE --puppet`) and an offline render
(`render --video FILE`); bad camera requests are refused by field while the sidecar keeps serving."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from avatar_tools.camera_examples import performer_video
from bridge.cli import main as cli
from bridge.client import BridgeClient, BridgeError
from bridge.protocol import Event, FaceFrame, KioskRequest, PingRequest, PuppetRequest, SayRequest, VideoInRequest
from models.face.arkit import INDEX
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar

SECONDS = 6.0
#: The performer's head rolls this many degrees, a sine of this period (s); out of view in BLANK.
ROLL_DEG, ROLL_PERIOD_S = 15.0, 2.0
BLANK = (3.5, 4.5)
SMILE = INDEX["mouthSmileLeft"]


def roll(t: float) -> float:
    return ROLL_DEG * math.sin(2 * math.pi * t / ROLL_PERIOD_S)


def blank(t: float) -> bool:
    return BLANK[0] <= t < BLANK[1]


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("camera")
    return performer_video(folder / "performer.mp4", SECONDS, roll, blank)


@pytest.fixture(scope="module")
def sidecar(tmp_path_factory: pytest.TempPathFactory, video: Path) -> Iterator[RunningSidecar]:
    folder = tmp_path_factory.mktemp("camera-sidecar")
    running = start_sidecar(folder, "--camera", str(video), "--puppet", "--media-dir", str(video.parent))
    yield running
    stop_sidecar(running)


def test_a_performer_video_drives_her_face_on_the_wire_and_she_returns_to_her_own(sidecar: RunningSidecar) -> None:
    with BridgeClient(sidecar.control, sidecar.stream) as client:
        client.subscribe(avatar="host", kinds=["face", "event"])
        messages, ended_at = [], None
        deadline = time.monotonic() + 60.0
        for message, received in client.stream(timeout=5.0):  # until 2.5 s after the video's end
            messages.append((message, received))
            if isinstance(message, Event) and message.type == "camera" and message.data["state"] == "ended":
                ended_at = received
            if ended_at is not None and received > ended_at + 2.5 or received > deadline:
                break
        stats = client.request(PingRequest(t_client=0.0))["camera"]
    events = [m for m, _ in messages if isinstance(m, Event)]
    faces = [m for m, _ in messages if isinstance(m, FaceFrame)]
    camera = [e for e in events if e.type == "camera"]
    assert camera and camera[-1].data["state"] == "ended", [e.data for e in camera]
    assert stats["state"] == "ended" and stats["tracked"] >= 30, stats
    pts = np.array([f.pts for f in faces])
    smile = np.array([f.weights[SMILE] for f in faces])
    head_roll = np.degrees(np.array([f.head[2] for f in faces]))
    # While the performer is seen, her smile is the astronaut's broad one; the frames carry her head's roll.
    ended = camera[-1].pts
    started = ended - SECONDS
    seen = (pts > started + 1.5) & (pts < started + BLANK[0] - 0.5)
    assert seen.sum() > 30
    assert np.median(smile[seen]) > 0.6
    truth = np.array([roll(p - started) for p in pts[seen]])
    # The roll follows the video's (its sign and swing), behind it by the puppet's delay and the smoothing.
    best = max(np.corrcoef(head_roll[seen], [roll(p - started - lag) for p in pts[seen]])[0, 1]
               for lag in np.arange(0.0, 0.6, 0.05))
    assert best > 0.8, best
    assert np.ptp(head_roll[seen]) > 0.8 * np.ptp(truth)
    # After the video: her own face again (no performer's smile).
    after = pts > ended + 1.5
    assert after.sum() > 10 and np.max(smile[after]) < 0.3
    lost_and_found = [e.data["state"] for e in events if e.type == "puppet"]
    assert "lost" in lost_and_found and "found" in lost_and_found[lost_and_found.index("lost"):]


def test_bad_camera_requests_are_refused_by_field_and_she_keeps_talking(sidecar: RunningSidecar) -> None:
    with BridgeClient(sidecar.control, sidecar.stream) as client:
        cases = [
            (PuppetRequest(source="99"), "source"),  # no such camera
            (PuppetRequest(source="nowhere/film.mp4"), "source"),
            (PuppetRequest(blend=1.5), "blend"),
            (PuppetRequest(action="dance"), "action"),
            (VideoInRequest(image=b"\xff\xd8", seq=0), "source"),  # the camera is not reading client frames
            (KioskRequest(greeting=""), "greeting"),
        ]
        for request, field in cases:
            with pytest.raises(BridgeError) as error:
                client.request(request)
            assert error.value.field == field, (request, error.value)
        reply = client.request(SayRequest(text="Still here."))
        assert reply["take"]
        # A client source, then frames that are not what they say: refused by field, and the next one is taken.
        client.request(PuppetRequest(source="client"))
        for frame, field in ((VideoInRequest(image=b"\xff\xd8 not a jpeg", seq=1), "image"),
                             (VideoInRequest(image=bytes(10), seq=2, format="rgb24", width=4, height=4), "image"),
                             (VideoInRequest(image=bytes(48), seq=3, format="rgb24", width=4), "height")):
            with pytest.raises(BridgeError) as error:
                client.request(frame)
            assert error.value.field == field
        assert client.request(VideoInRequest(image=bytes(48), seq=4, format="rgb24", width=4, height=4))["dropped"] == 0
        client.request(PuppetRequest(action="stop"))


def test_render_video_writes_the_take_with_the_performers_head(video: Path, tmp_path: Path) -> None:
    out = tmp_path / "take"
    assert cli(["render", "--video", str(video), "-o", str(out), "--fps", "30"]) == 0
    for name in ("take.wav", "take.json", "take.livelink.csv", "take.bvh", "take.png"):
        assert (out / name).stat().st_size > 0, name
    document = json.loads((out / "take.json").read_text())
    frames = document["frames"]
    assert document["duration"] == pytest.approx(SECONDS, abs=0.05)
    t = np.array([f["t"] for f in frames])
    head_roll = np.degrees([f["head"][2] for f in frames])
    seen = (t > 0.5) & (t < BLANK[0] - 0.3)
    best = max(np.corrcoef(head_roll[seen], [roll(x - lag) for x in t[seen]])[0, 1] for lag in (0.0, 0.05, 0.1))
    assert best > 0.9
    # Out of view: held, then her own layers (roll back near her own small sway).
    gone = (t > BLANK[0] + 0.9) & (t < BLANK[1])
    assert np.abs(head_roll[gone]).max() < 6.0
    # The CSV carries the head angles too (Live Link Face: degrees / 180).
    header = (out / "take.livelink.csv").read_text().splitlines()[0].split(",")
    assert "HeadRoll" in header


def test_render_video_refuses_what_is_not_a_video(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00" * 100)
    assert cli(["render", "--video", str(junk), "-o", str(tmp_path / "out")]) == 2
    assert "error:" in capsys.readouterr().err
    assert cli(["render", "hello", "--video", str(junk), "-o", str(tmp_path / "out")]) == 2


def test_a_kiosk_greets_the_visitor_it_sees_in_her_personas_words(tmp_path: Path, video: Path) -> None:
    kiosk = start_sidecar(tmp_path, "--camera", str(video), "--kiosk")
    try:
        with BridgeClient(kiosk.control, kiosk.stream) as client:
            client.subscribe(avatar="host", kinds=["event"])
            events = []
            for message, _ in client.stream(timeout=15.0):
                assert isinstance(message, Event)
                events.append(message)
                if message.type == "visitor_left":
                    break
    finally:
        stop_sidecar(kiosk)
    types = [e.type for e in events]
    assert "visitor_arrived" in types and "visitor_left" in types, types
    arrived = next(e for e in events if e.type == "visitor_arrived")
    left = next(e for e in events if e.type == "visitor_left")
    assert arrived.data["id"] == left.data["id"] == "v1"  # one visitor: out of view for a second, not gone
    assert 0.2 < arrived.data["distance_m"] < 3.0
    greeting = next(e for e in events if e.type == "take_started")
    assert "welcome" in greeting.data["text"].lower()  # the persona's greeting line
    ended = next(e for e in events if e.type == "camera" and e.data["state"] == "ended")
    assert ended.seq < left.seq  # she lets the visitor go when the camera stops


def test_render_video_of_a_still_image_and_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from avatar_tools.camera_examples import portrait
    from bridge.render import STILL_S

    still = tmp_path / "portrait.jpg"
    Image.fromarray(portrait()).save(still)
    out = tmp_path / "still"
    assert cli(["render", "--video", str(still), "-o", str(out), "--no-body", "--fps", "30"]) == 0
    document = json.loads((out / "take.json").read_text())
    assert document["duration"] == pytest.approx(STILL_S, abs=0.05)
    smile = [f["w"][SMILE] for f in document["frames"]]
    assert np.median(smile) > 0.6  # the astronaut's smile, from the first frame (no fade in)
    assert smile[0] > 0.6
    assert cli(["render", "--video", "0", "-o", str(tmp_path / "cam")]) == 2  # a camera is not a file
    assert "no such file" in capsys.readouterr().err
