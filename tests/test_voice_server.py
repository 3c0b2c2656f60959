"""The HTTP voice against a real OpenAI-compatible speech server, offline: `local-tts-studio` (PyPI, the dev
extra), a FastAPI server whose `POST /v1/audio/speech` says `input` with a Piper voice configured on the server
side (it ignores `model`, `voice` and `speed`) and answers WAV or raw PCM at the voice's own rate. It runs here
as a subprocess on a free loopback port with the bundled en_US-joe-medium (22050 Hz) as its default voice.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.client import BridgeClient
from bridge.protocol import AudioChunk, Event, PingRequest
from models.tts import split_for_streaming
from models.tts.http_voice import HttpVoice, HttpVoiceConfig
from models.tts.piper_voice import default_voice_paths
from tests.conftest import ROOT, start_sidecar, stop_sidecar

LINE = "Hi everyone, welcome to the winter showcase. The snowy owl plush is back in stock!"
VOICE_RATE = 22050  # en_US-joe-medium's, which the server's PCM has


@dataclass
class SpeechServer:
    process: subprocess.Popen
    url: str
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_speech_server(folder: Path, timeout: float = 60.0) -> SpeechServer:
    """local-tts-studio with the bundled voice as its API's default voice, once it answers."""
    voices, data = folder / "voices", folder / "data"
    voices.mkdir(parents=True)
    data.mkdir()
    model, config = default_voice_paths()
    (voices / model.name).symlink_to(model)
    (voices / config.name).symlink_to(config)
    (data / "settings.json").write_text(json.dumps({"voices_dir": str(voices), "api_default_voice": model.stem}))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "server.log"
    process = subprocess.Popen([sys.executable, "-m", "local_tts.cli", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=folder,
                               env={**os.environ, "HOME": str(folder), "LOCAL_TTS_DATA_DIR": str(data)})
    server = SpeechServer(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the speech server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/v1/models", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"the speech server did not answer in {timeout} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def speech_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SpeechServer]:
    server = start_speech_server(tmp_path_factory.mktemp("speech-server"))
    yield server
    server.stop()


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))


def test_the_server_says_each_piece_as_the_piper_voice_would(speech_server: SpeechServer, voice) -> None:  # noqa: ANN001
    http = HttpVoice(HttpVoiceConfig(speech_server.url, format="pcm", sample_rate=VOICE_RATE))
    segments = list(http.synthesize(LINE))
    local = list(voice.synthesize(LINE))
    assert [s.text for s in segments] == [s.text for s in local] == split_for_streaming(LINE)
    for remote, here in zip(segments, local, strict=True):
        assert remote.phonemes == () and remote.words == () and remote.sample_rate == VOICE_RATE
        # The same voice says the same words: about as long (its durations are sampled, so not exactly), and speech,
        # not silence or noise at full scale.
        assert 0.75 < remote.duration / here.duration < 1.33, (remote.text, remote.duration, here.duration)
        assert 0.02 < rms(remote.audio) < 0.5


def test_the_servers_wav_is_resampled_to_the_rate_asked_for(speech_server: SpeechServer) -> None:
    as_wav = HttpVoice(HttpVoiceConfig(speech_server.url, format="wav", sample_rate=24000))
    as_pcm = HttpVoice(HttpVoiceConfig(speech_server.url, format="pcm", sample_rate=VOICE_RATE))
    [wav_segment] = as_wav.synthesize("Thank you so much.")
    [pcm_segment] = as_pcm.synthesize("Thank you so much.")
    assert wav_segment.sample_rate == 24000
    assert 0.75 < wav_segment.duration / pcm_segment.duration < 1.33
    assert 0.02 < rms(wav_segment.audio) < 0.5


def test_render_speaks_through_the_server(speech_server: SpeechServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "render", "[happy] Hello from the server!", "-o",
                             str(out), "--voice-url", speech_server.url, "--voice-format", "wav", "--voice-rate",
                             str(VOICE_RATE)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    audio, rate = soundfile.read(out / "take.wav")
    assert rate == VOICE_RATE and len(audio) / rate > 0.5 and rms(audio) > 0.01
    take = json.loads((out / "take.json").read_text())
    assert take["phonemes"] == [] and take["words"] == []


def take_events(client: BridgeClient, take: str, seconds: float = 60.0) -> tuple[list[Event], float]:
    """The take's events until it ends, and the seconds of audio it sent."""
    events, audio = [], 0.0
    deadline = time.monotonic() + seconds
    for message, _ in client.stream(timeout=seconds):
        if isinstance(message, AudioChunk) and message.take == take:
            audio += len(message.pcm) / 2 / message.rate
        if isinstance(message, Event) and message.take == take:
            events.append(message)
            if message.type == "take_ended":
                break
        if time.monotonic() > deadline:
            break
    return events, audio


def test_a_sidecar_speaks_through_the_server_and_survives_it_going_down(tmp_path: Path) -> None:
    server = start_speech_server(tmp_path / "speech")
    sidecar = start_sidecar(tmp_path, "--voice-url", server.url, "--voice-rate", str(VOICE_RATE))
    try:
        with BridgeClient(sidecar.control, sidecar.stream, timeout=30) as client:
            voices = client.describe()["voices"]
            assert voices["host"]["provider"] == "http" and voices["host"]["rate"] == VOICE_RATE
            client.subscribe(avatar="host")
            take = client.say("Hello from a server.")
            events, audio = take_events(client, take)
            # (voice_busy and voice_ready may come between: the server loads its voice on its first request)
            lifecycle = [(e.type, e.data.get("error")) for e in events if e.type.startswith(("take_", "error"))]
            assert lifecycle == [("take_started", None), ("take_ended", None)]
            assert audio > 0.5

            server.stop()
            take = client.say("Is the server still there?")
            events, audio = take_events(client, take)
            [error] = [e for e in events if e.type == "error"]
            assert "connection refused" in error.data["message"]
            assert events[-1].type == "take_ended" and events[-1].data["error"] == error.data["message"]
            assert audio == 0.0
            status = client.request(PingRequest(t_client=1.0))["voices"]["host"]
            assert status["errors"] == 1 and "connection refused" in status["last_error"]
    finally:
        stop_sidecar(sidecar)
        server.stop()
