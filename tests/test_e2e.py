"""End to end: the real sidecar as a subprocess, a DEALER for requests and a SUB for the stream."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import msgpack
import numpy as np
import pytest
import zmq

from bridge.client import BridgeClient, BridgeError
from bridge.protocol import AudioChunk, Event, FaceFrame
from models.face.arkit import ARKIT_BLENDSHAPES, INDEX
from models.face.visemes import VISEME_INDEX, VISEME_TARGETS
from tests.conftest import ORT_CUDA, RunningSidecar

VOWEL_VISEMES = {"aa", "E", "ih", "oh", "ou"}
HOP = 256


def collect_take(client: BridgeClient, take: str, timeout: float = 30.0) -> dict[str, list]:
    """Everything the stream carries until the take ends or is interrupted; `voice_busy`/`voice_ready` events (a
    loaded machine's slow voice) apart from the take's own events."""
    got: dict[str, list] = {"audio": [], "face": [], "phonemes": [], "words": [], "event": [], "voice": []}
    deadline = time.monotonic() + timeout
    for message, _ in client.stream(timeout=5.0):
        if isinstance(message, FaceFrame) or getattr(message, "take", None) == take:
            voice = isinstance(message, Event) and message.type.startswith("voice_")
            got["voice" if voice else message.KIND].append(message)
        if isinstance(message, Event) and message.take == take and message.type in ("take_ended", "interrupted"):
            # Keep the face frames that were published ahead of the end.
            until = time.monotonic() + 0.3
            for more, _ in client.stream(timeout=0.3):
                if isinstance(more, FaceFrame):
                    got["face"].append(more)
                if time.monotonic() > until:
                    break
            break
        assert time.monotonic() < deadline, "take did not end"
    return got


@pytest.fixture
def client(sidecar_process: RunningSidecar) -> Iterator[BridgeClient]:
    with BridgeClient(sidecar_process.control, sidecar_process.stream) as c:
        c.subscribe(avatar="host")
        yield c


def test_describe(client: BridgeClient) -> None:
    reply = client.describe()
    assert reply["protocol_version"] == 1
    assert reply["avatars"] == ["host"]
    assert reply["blendshapes"] == list(ARKIT_BLENDSHAPES)
    assert reply["audio"] == {"format": "s16le", "channels": 1, "rate": 22050, "chunk_samples": 512}
    assert reply["frame_rate"] == 60.0
    assert reply["voice"] == "en_US-joe-medium"
    # Where the voice runs; the CPU unless onnxruntime-gpu is installed and was no slower (docs/performance.md#gpu).
    expected = {"CPUExecutionProvider", "CUDAExecutionProvider"} if ORT_CUDA else {"CPUExecutionProvider"}
    assert reply["voice_provider"] in expected


def test_say_streams_synchronized_audio_phonemes_and_face(client: BridgeClient) -> None:
    take = client.say("Hi everyone, welcome to the winter showcase! Bob bought maple pie by the bay.")
    got = collect_take(client, take)
    audio: list[AudioChunk] = got["audio"]
    phonemes = [item for m in got["phonemes"] for item in m.items]
    words = [item for m in got["words"] for item in m.items]
    started = [e for e in got["event"] if e.type == "take_started"][0]
    assert started.data["text"].startswith("Hi everyone")
    assert [w[0] for w in words][:4] == ["Hi", "everyone", "welcome", "to"]

    # The audio ends with the phoneme timeline, within one hop (a voice that fell behind leaves a pause in the pts,
    # and the phonemes after it wait as long).
    end = audio[-1].pts + audio[-1].duration - started.pts
    assert abs(end - phonemes[-1][3]) <= HOP / 22050
    # Audio is one contiguous run starting at take_started's pts.
    assert audio[0].pts == pytest.approx(started.pts)
    for a, b in zip(audio, audio[1:], strict=False):
        assert b.pts >= a.pts + a.duration - 1e-6
    assert [a.seq for a in audio] == list(range(audio[0].seq, audio[0].seq + len(audio)))

    # Face frames: monotonic pts at 60 Hz, during the take.
    frames = [f for f in got["face"] if started.pts <= f.pts <= started.pts + end]
    pts = np.array([f.pts for f in frames])
    assert np.all(np.diff(pts) > 0)
    # On one 60 Hz grid: a tick the machine delayed past a whole period is skipped, never shifted.
    periods = np.diff(pts) * 60
    assert np.allclose(periods, np.round(periods), atol=1e-4)
    assert np.mean(np.round(periods) == 1) > 0.9
    weights = np.array([f.weights for f in frames])
    t = pts - started.pts
    jaw = weights[:, INDEX["jawOpen"]]

    # jawOpen peaks fall inside vowel intervals.
    vowels = [(s, e) for _, v, s, e in phonemes if v in VOWEL_VISEMES]
    # A peak is judged between its own neighbours: across a tick the machine skipped, the frame before or after is
    # another moment, and the jaw was still rising or already falling there (a skipped tick is no peak of motion).
    steady = np.round(periods) == 1
    peaks = [i for i in range(1, len(jaw) - 1) if jaw[i] > 0.25 and jaw[i] >= jaw[i - 1] and jaw[i] > jaw[i + 1]
             and steady[i - 1] and steady[i]]
    assert len(peaks) >= 5
    def near(x: float, frames: int, spans: list[tuple[float, float]]) -> bool:
        return any(s - frames / 60 <= x <= e + frames / 60 for s, e in spans)

    # Lips and jaw anticipate the next vowel (coarticulation): a peak may lead its vowel by up to two frames. The
    # voice's durations vary from run to run (Piper's noise), and a loud syllabic consonant (the l of "maple") can
    # open the jaw past a short vowel's peak: every peak sits within two frames of a phoneme whose viseme opens the
    # jaw, and most of them within two frames of a vowel, nearly as many within one.
    opens_jaw = {v for v, i in VISEME_INDEX.items() if VISEME_TARGETS[i][INDEX["jawOpen"]] >= 0.2} | VOWEL_VISEMES
    opening = [(s, e) for _, v, s, e in phonemes if v in opens_jaw]
    for i in peaks:
        assert near(t[i], 2, opening), f"jaw peak at {t[i]:.3f}s is not on a phoneme that opens the jaw"
    assert sum(near(t[i], 2, vowels) for i in peaks) >= 0.8 * len(peaks)
    assert sum(near(t[i], 1, vowels) for i in peaks) >= 2 / 3 * len(peaks)
    # In sync over the whole take: the jaw lines up with the vowels best at a shift of at most two frames (this line's
    # face from 300 takes of the bundled voice, each sampled on four 60 Hz grids: always 0 or 1 frame).
    def follows(lag: int) -> float:
        inside = np.array([near(x + lag / 60, 0, vowels) for x in t], dtype=float)
        return float(np.corrcoef(jaw, inside)[0, 1])
    best = max(range(-6, 7), key=follows)
    assert abs(best) <= 2, f"the jaw lines up with the vowels best {best} frames off"

    # The mouth closes on p/b/m.
    bilabials = [(s, e) for p, v, s, e in phonemes if v == "PP"]
    assert len(bilabials) >= 5
    for s, e in bilabials:
        nearest = int(np.argmin(np.abs(t - 0.5 * (s + e))))
        assert weights[nearest, INDEX["mouthRollLower"]] > 0.6
        assert weights[nearest, INDEX["jawOpen"]] < 0.2


def test_interrupt_stops_audio_within_one_chunk(client: BridgeClient) -> None:
    described = client.describe()
    chunk_s = described["audio"]["chunk_samples"] / described["audio"]["rate"]
    take = client.say("This is a long line about the history of winter sports. " * 4)
    received: list[AudioChunk] = []
    for message, _ in client.stream(timeout=5.0, kinds={"audio"}):
        received.append(message)
        if len(received) >= 20:
            break
    cut = client.interrupt()
    interrupted = None
    after_event: list[AudioChunk] = []
    until = time.monotonic() + 1.0
    for message, _ in client.stream(timeout=1.0):
        if time.monotonic() > until:
            break
        if isinstance(message, Event) and message.type == "interrupted" and message.take == take:
            interrupted = message
        elif isinstance(message, AudioChunk) and message.take == take:
            (after_event if interrupted else received).append(message)
    assert interrupted is not None and interrupted.pts == pytest.approx(cut)
    assert after_event == []
    # Audio already sent runs at most the lookahead plus one chunk past the cut; clients drop it.
    assert max(a.pts for a in received) <= cut + described["lookahead"] + chunk_s + 1 / 60
    # The next line starts cleanly.
    take2 = client.say("Back to you.")
    got = collect_take(client, take2)
    assert got["audio"] and [e.type for e in got["event"]] == ["take_started", "take_ended"]
    assert got["audio"][0].pts > cut


def raw_request(socket: zmq.Socket, payload: bytes) -> dict:
    socket.send(payload)
    assert socket.poll(5000), "no reply"
    return msgpack.unpackb(socket.recv(), raw=False)


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        (b"\xc1not msgpack", "malformed", ""),
        (msgpack.packb([1, 2]), "malformed", ""),
        (msgpack.packb({"id": 5}), "missing_field", "op"),
        (msgpack.packb({"op": "moonwalk", "id": 5}), "unknown_op", "op"),
        (msgpack.packb({"op": "say", "text": 3, "id": 5}), "bad_type", "text"),
        (msgpack.packb({"op": "say", "text": "", "id": 5}), "empty", "text"),
        (msgpack.packb({"op": "say", "text": "x" * 5001, "id": 5}), "too_long", "text"),
        (msgpack.packb({"op": "say", "text": "hi", "avatar": "ghost", "id": 5}), "unknown_avatar", "avatar"),
        (msgpack.packb({"op": "say", "text": "hi", "emotion": "grumpy", "id": 5}), "unknown_emotion", "emotion"),
        (msgpack.packb({"op": "interrupt", "avatar": "ghost", "id": 5}), "unknown_avatar", "avatar"),
    ],
)
def test_bad_input_gets_an_error_reply(sidecar_process: RunningSidecar, payload: bytes, code: str, field: str) -> None:
    context = zmq.Context.instance()
    dealer = context.socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(sidecar_process.control)
    try:
        reply = raw_request(dealer, payload)
    finally:
        dealer.close()
    assert reply["ok"] is False
    assert (reply["error"]["code"], reply["error"]["field"]) == (code, field)
    if code not in ("malformed",) and b"id" in payload:
        assert reply["id"] == 5
    if code == "too_long":
        assert "5000" in reply["error"]["message"]


def test_multi_frame_request_is_rejected(sidecar_process: RunningSidecar) -> None:
    dealer = zmq.Context.instance().socket(zmq.DEALER)
    dealer.linger = 0
    dealer.connect(sidecar_process.control)
    dealer.send_multipart([msgpack.packb({"op": "describe"}), b"extra"])
    assert dealer.poll(5000)
    reply = msgpack.unpackb(dealer.recv(), raw=False)
    dealer.close()
    assert reply["error"]["code"] == "malformed"


def test_others_keep_being_served_through_bad_clients(sidecar_process: RunningSidecar, client: BridgeClient) -> None:
    context = zmq.Context.instance()
    # A peer sending a frame over the 1 MiB cap is disconnected by ZeroMQ alone.
    huge = context.socket(zmq.DEALER)
    huge.linger = 0
    huge.connect(sidecar_process.control)
    huge.send(b"\x00" * (2 << 20))
    # A peer that says something and vanishes mid-take.
    vanishing = BridgeClient(sidecar_process.control, sidecar_process.stream)
    vanished_take = vanishing.say("I will leave before this line ends, but the show goes on.")
    vanishing.close()
    # A subscriber that never reads.
    stalled = context.socket(zmq.SUB)
    stalled.rcvhwm = 5
    stalled.setsockopt(zmq.SUBSCRIBE, b"")
    stalled.connect(sidecar_process.stream)
    try:
        assert not huge.poll(500), "an oversized frame must get no reply"
        got = collect_take(client, vanished_take)
        assert [e.type for e in got["event"]] == ["take_started", "take_ended"]
        take = client.say("Still here for everyone else.")
        got = collect_take(client, take)
        assert [e.type for e in got["event"]] == ["take_started", "take_ended"]
        seqs = [f.seq for f in got["face"]]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # no frame lost for the healthy client
        assert client.describe()["ok"] is True
    finally:
        huge.close()
        stalled.close()


def test_clock_sync_on_loopback(client: BridgeClient) -> None:
    sync = client.sync_clock()
    assert abs(sync.offset) < 0.005  # one machine, one monotonic clock
    assert sync.rtt < 0.05


def test_bridge_error_carries_the_field(client: BridgeClient) -> None:
    with pytest.raises(BridgeError) as caught:
        client.say("hello", avatar="nobody")
    assert caught.value.field == "avatar" and caught.value.code == "unknown_avatar"


def test_late_subscriber_gets_a_correct_stream(sidecar_process: RunningSidecar) -> None:
    with BridgeClient(sidecar_process.control, sidecar_process.stream) as speaker:
        take = speaker.say("A late joiner still sees a face and hears the rest of this sentence clearly.")
        time.sleep(1.0)
        with BridgeClient(sidecar_process.control, sidecar_process.stream) as late:
            late.subscribe()
            frames, audio = [], []
            until = time.monotonic() + 10.0
            for message, _ in late.stream(timeout=3.0):
                assert time.monotonic() < until, "take did not end"
                if isinstance(message, FaceFrame):
                    frames.append(message)
                elif isinstance(message, AudioChunk) and message.take == take:
                    audio.append(message)
                if isinstance(message, Event) and message.type == "take_ended":
                    break
    assert len(frames) > 30 and audio
    assert all(len(f.w) == 208 for f in frames)
    assert all(b.pts > a.pts for a, b in zip(audio, audio[1:], strict=False))


def test_log_lines_are_structured(sidecar_process: RunningSidecar) -> None:
    import json

    lines = [json.loads(line) for line in sidecar_process.log().splitlines() if line.startswith("{")]
    assert any(entry["msg"] == "serving" and entry["control"] == sidecar_process.control for entry in lines)
    rejected = [entry for entry in lines if entry["msg"] == "request rejected"]
    assert rejected and all({"code", "field", "reason", "peer"} <= set(entry) for entry in rejected)



def test_monitor_reports_rates_lag_and_drops(sidecar_process: RunningSidecar) -> None:
    import subprocess
    import sys

    with BridgeClient(sidecar_process.control, sidecar_process.stream) as speaker:
        process = subprocess.Popen(
            [sys.executable, "-m", "bridge.cli", "monitor", "--control", sidecar_process.control,
             "--stream", sidecar_process.stream, "--duration", "3", "--interval", "1"],
            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
        time.sleep(1.2)
        speaker.say("Monitoring the stream.")
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "clock offset" in out
    face_rates = [float(line.split()[1]) for line in out.splitlines() if line.startswith("face ")]
    assert face_rates and all(50 <= rate <= 70 for rate in face_rates[1:])
    assert any(line.startswith("audio ") for line in out.splitlines())
    assert "take_started" in out


def test_the_listen_example_runs_against_the_sidecar(sidecar_process: RunningSidecar) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "examples/listen.py", "Bob bought maple pie.", "--control",
                             sidecar_process.control], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[-1] for line in lines[:4]] == ["Bob", "bought", "maple", "pie"]
    assert "s of audio" in lines[-1] and "'face'" in lines[-1] and "'pose'" in lines[-1]
