"""Live audio in end to end: the real sidecar (`serve`, a subprocess, the shipped audio-to-face model), clients
streaming over the control socket (`audio_in`, `avatar-bridge audio-in`) and a subscriber on the stream."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.client import BridgeClient
from bridge.live_audio import JITTER_S
from bridge.protocol import AudioChunk, Event, FaceFrame, PingRequest, StreamMessage
from models.face.arkit import INDEX
from models.face.audio_face import DEFAULT_MODEL
from tests.conftest import ROOT, RunningSidecar, start_sidecar, stop_sidecar

pytestmark = pytest.mark.skipif(not DEFAULT_MODEL.is_file(), reason="the shipped audio-to-face model is not here")

AVATARS = ("ann", "bob", "cat")


def speech(voice, text: str, seconds: float, rate: int) -> np.ndarray:  # noqa: ANN001 - PiperTTS
    """`seconds` of the bundled voice saying `text` (padded with silence), at `rate`."""
    import soxr

    audio = np.concatenate([segment.audio for segment in voice.synthesize(text)])
    audio = soxr.resample(audio, voice.sample_rate, rate).astype(np.float32)[: round(seconds * rate)]
    return np.pad(audio, (0, round(seconds * rate) - len(audio)))


@pytest.fixture(scope="module")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSidecar]:
    running = start_sidecar(tmp_path_factory.mktemp("live"), *(arg for name in AVATARS for arg in ("--avatar", name)))
    yield running
    stop_sidecar(running)


class Listener(threading.Thread):
    """Every stream message until every take it waits for has ended (or 60 s of stream went by)."""

    def __init__(self, sidecar: RunningSidecar) -> None:
        super().__init__(daemon=True)
        self.client = BridgeClient(sidecar.control, sidecar.stream)
        self.client.subscribe()
        self.messages: list[StreamMessage] = []
        self.waiting = 0
        self.done = threading.Event()

    def run(self) -> None:
        ended, until = 0, None
        for message, received in self.client.stream(timeout=20):
            self.messages.append(message)
            if isinstance(message, Event) and message.type == "take_ended":
                ended += 1
                if ended >= self.waiting:
                    until = received + 0.5  # and the frames after the last end
            if until is not None and received > until or len(self.messages) > 60 * 60 * 3 * 3:
                break
        self.done.set()

    def of(self, kind: type, avatar: str) -> list:
        return [m for m in self.messages if isinstance(m, kind) and m.avatar == avatar]


def test_two_clients_stream_to_two_avatars_while_a_third_speaks_and_nobody_loses_a_frame(
        sidecar: RunningSidecar, voice, tmp_path: Path) -> None:  # noqa: ANN001
    files = {"ann": (tmp_path / "ann.wav", 48000, 2), "bob": (tmp_path / "bob.wav", 16000, 1)}
    for name, (path, rate, channels) in files.items():
        audio = speech(voice, "Welcome back, everyone!" if name == "ann" else "Look at this plush owl.", 1.5, rate)
        soundfile.write(str(path), np.stack([audio] * channels, axis=1), rate, subtype="PCM_16")
    listener = Listener(sidecar)
    listener.waiting = 3
    listener.start()
    replies: dict[str, list[dict]] = {}

    def stream(name: str) -> None:
        with BridgeClient(sidecar.control, sidecar.stream) as client:
            replies[name] = client.stream_file(files[name][0], avatar=name, stream=f"{name}-mic")

    with BridgeClient(sidecar.control, sidecar.stream) as control:
        say = control.say("Hello there, welcome to the show.", avatar="cat")
        threads = [threading.Thread(target=stream, args=(name,)) for name in files]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        listener.done.wait(60)
        counters = control.request(PingRequest(t_client=0.0))["audio_in"]
    listener.client.close()

    for name in AVATARS:
        takes = {r["take"] for r in replies[name]} if name in replies else {say}
        assert len(takes) == 1
        events = [(e.type, e.take) for e in listener.of(Event, name) if e.type.startswith("take_")]
        assert events == [("take_started", *takes), ("take_ended", *takes)], name
        faces = listener.of(FaceFrame, name)
        assert [f.seq for f in faces] == list(range(faces[0].seq, faces[0].seq + len(faces))), name  # no frame lost
        audio = listener.of(AudioChunk, name)
        assert [a.seq for a in audio] == list(range(audio[0].seq, audio[0].seq + len(audio))), name
    for name in files:
        assert counters[name]["chunks"] == 75 and counters[name]["seconds"] == pytest.approx(1.5)
        assert counters[name]["dropped_s"] == 0.0 and counters[name]["seq_missing"] == 0
        heard = sum(a.duration for a in listener.of(AudioChunk, name))
        # The stream's audio and the lead-in, and a pause for each chunk that came late on a busy machine.
        assert heard >= 1.5 + JITTER_S - 0.01
        end = next(e.pts for e in listener.of(Event, name) if e.type == "take_ended")
        jaw = [f.weights[INDEX["jawOpen"]] for f in listener.of(FaceFrame, name) if f.pts < end]
        after = [f.weights[INDEX["jawOpen"]] for f in listener.of(FaceFrame, name) if f.pts > end + 0.05]
        assert max(jaw) > 0.02 and after and max(after) < 1e-3  # she spoke, and her mouth is at rest again
    assert counters["cat"]["chunks"] == 0


def test_the_audio_in_command_streams_a_wav_and_prints_its_take(sidecar: RunningSidecar, voice,  # noqa: ANN001
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "line.wav"
    soundfile.write(str(path), speech(voice, "Thank you!", 0.6, 22050), 22050)  # 16-bit PCM: sent as s16le
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "audio-in", str(path), "--avatar", "bob",
                             "--speed", "2", "--control", sidecar.control, "--stream", sidecar.stream],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    take = result.stdout.strip()
    assert take.endswith(tuple("0123456789")) and "-t" in take
    assert "30 chunks sent, 0.00 s dropped" in result.stderr
    bad = tmp_path / "hifi.wav"
    soundfile.write(str(bad), np.zeros(960, np.float32), 96000)
    refused = subprocess.run([sys.executable, "-m", "bridge.cli", "audio-in", str(bad), "--control", sidecar.control,
                              "--stream", sidecar.stream], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert refused.returncode == 1 and "96000 Hz; audio_in takes 8000 to 48000 Hz" in refused.stderr
