"""One assembly: each avatar's pipeline from its config, with its own voice, face driver and persona; a new face
driver or voice plugs in without touching the director or the performer."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import msgpack
import numpy as np
import pytest

from bridge.config import AvatarConfig, load_config
from bridge.director import run_now
from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, build_pipeline
from bridge.protocol import AudioChunk, FaceFrame, decode_reply
from bridge.server import Sidecar
from bridge.sinks import Hub, Recorder
from models.face.arkit import INDEX
from models.face.curves import CurveTrack
from models.face.drivers import SpeechClip
from models.tts import SpeechSegment
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice

JAW = INDEX["jawOpen"]


class WideOpenDriver:
    """A face driver that knows nothing of phonemes: the jaw wide open for the whole clip."""

    name = "wide-open"

    def animate(self, segment: SpeechSegment) -> SpeechClip:
        mouth = np.zeros((2, 52), dtype=np.float32)
        mouth[:, JAW] = 0.9
        return SpeechClip(segment, mouth=CurveTrack(1 / segment.duration, mouth),
                          contact=CurveTrack(1.0, np.zeros((1, 1), dtype=np.float32)),
                          head=CurveTrack(1.0, np.zeros((1, 3), dtype=np.float32)))


def two_hosts(recorder: Recorder, clock: VirtualClock) -> Pipeline:
    voices = {"host": FakeVoice(), "guest": FakeVoice(sample_rate=16000, name="other")}
    return build_pipeline([AvatarConfig("host"), AvatarConfig("guest")], lambda config: voices[config.name],
                          Hub([recorder]), clock, lookahead=0.0, drivers={"guest": WideOpenDriver()})


def run(pipeline: Pipeline, clock: VirtualClock, seconds: float) -> None:
    for _ in range(round(seconds * pipeline.performer.rate)):
        pipeline.performer.tick(clock.t)
        clock.t += pipeline.performer.period


def test_each_avatar_speaks_with_its_own_voice_and_face_driver() -> None:
    recorder, clock = Recorder(), VirtualClock()
    pipeline = two_hosts(recorder, clock)
    for avatar in pipeline.avatars.values():
        avatar.director.say("Bob.")  # '_ b a _': the lips close on b, the jaw opens on a
    run(pipeline, clock, 0.6)
    rates = {m.avatar: m.rate for m in recorder.messages if isinstance(m, AudioChunk)}
    assert rates == {"host": 22050, "guest": 16000}
    samples = {a: sum(len(m.pcm) // 2 for m in recorder.messages if isinstance(m, AudioChunk) and m.avatar == a)
               for a in ("host", "guest")}
    assert samples == {"host": round(0.5 * 22050), "guest": round(0.5 * 16000)}

    def jaw(avatar: str, t: float) -> float:
        frame = min((m for m in recorder.messages if isinstance(m, FaceFrame) and m.avatar == avatar),
                    key=lambda m: abs(m.pts - t))
        return frame.weights[JAW]

    # The host's mouth follows its phonemes (shut on b, open on a); the guest's follows its own driver.
    assert jaw("host", 0.15) < 0.2 and jaw("host", 0.3) > 0.4
    assert jaw("guest", 0.15) == pytest.approx(0.9, abs=0.01) and jaw("guest", 0.3) == pytest.approx(0.9, abs=0.01)


@pytest.fixture(scope="module")
def two_host_sidecar() -> Iterator[Sidecar]:
    """The example config's two hosts (Aurora and Kai) in one sidecar in this process, bound to no socket, with
    their dialogue loaded (BM25 or embeddings, whichever the machine has)."""
    voices: list[tuple[Path | None, Path | None]] = []

    def load(model: Path | None, config: Path | None) -> FakeVoice:
        voices.append((model, config))
        return FakeVoice()

    sidecar = Sidecar(load_config(ROOT / "examples" / "sidecar.yaml"), load, workers=False)
    assert voices == [(None, None)]  # both use the bundled voice: loaded once, shared
    sidecar.dialogue.load(sidecar.pipeline.avatars, sidecar.clock, run_now)
    yield sidecar
    sidecar.context.term()


def ask(sidecar: Sidecar, **request: object) -> dict:
    return decode_reply(asyncio.run(sidecar.handle(msgpack.packb({"id": 1, **request}), "test")))


def test_each_avatar_answers_as_its_own_persona(two_host_sidecar: Sidecar) -> None:
    described = ask(two_host_sidecar, op="describe")
    assert described["dialogue"]["personas"] == {"host": "Aurora", "guide": "Kai"}
    assert set(described["voices"]) == {"host", "guide"} and described["rigs"] == {"host": "arkit", "guide": "vrm1"}
    kai = ask(two_host_sidecar, op="chat", avatar="guide", user="mia", text="How much is the base wax kit?")
    assert kai["status"] == "answering" and "$32" in kai["text"]
    aurora = ask(two_host_sidecar, op="chat", user="mia", text="How much is the base wax kit?")
    assert aurora["status"] == "answering" and "$32" not in aurora["text"]  # not in Aurora's catalogue
    # Each avatar has its own queue: Aurora is still answering (no tick has played her take), Kai is too.
    beanie = ask(two_host_sidecar, op="chat", avatar="host", user="ana", text="How much is the snowflake beanie?")
    assert beanie["status"] == "queued" and beanie["position"] == 0
