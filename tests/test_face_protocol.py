"""Face requests through the sidecar's request handler: error replies that name the field (unknown emotions and
tags with their position, intensities outside 0..1, unknown look_at targets), literal text, look_at, describe.

The voice is a test double (the sidecar is not bound to sockets here); test_face_livelink runs a real one.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgpack
import numpy as np
import pytest

from bridge.director import Director
from bridge.protocol import decode_reply
from bridge.server import ServeConfig, Sidecar
from models.face.tags import Script, voice_runs
from models.tts import PhonemeSpan, SpeechSegment, VoiceStyle, WordSpan, words_of

RATE = 22050


class CountingVoice:
    """One 0.3 s segment per sentence, one word per 0.1 s; remembers the styles it was asked for."""

    sample_rate = RATE
    name = "counting"
    provider = "CPUExecutionProvider"

    def __init__(self) -> None:
        self.calls: list[tuple[str, VoiceStyle]] = []

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        self.calls.append((text, style))
        words = words_of(text)
        audio = np.zeros(int(0.1 * RATE * (len(words) + 1)), dtype=np.float32)
        spans = tuple(PhonemeSpan("a", "aa", 0.1 * i, 0.1 * (i + 1)) for i in range(len(words) + 1))
        yield SpeechSegment(text, audio, RATE, spans,
                            tuple(WordSpan(w, 0.1 * i, 0.1 * (i + 1)) for i, w in enumerate(words)))


@pytest.fixture
def sidecar() -> Iterator[Sidecar]:
    running = Sidecar(ServeConfig(gaze_targets={"screen": (0.8, 0.1, 1.0)}), CountingVoice())
    running.director = Director(running.performer, running.voice, running.clock, gestures={"wave", "bow"})
    yield running
    running.context.term()


def ask(sidecar: Sidecar, **request: object) -> dict:
    return decode_reply(sidecar.handle(msgpack.packb({"id": 1, **request}), "test"))


@pytest.mark.parametrize(("text", "code", "position"), [
    ("Hello [grumpy] there", "unknown_emotion", 6),
    ("So [sad:1.5] today", "out_of_range", 3),
    ("Hi [happy there", "bad_tag", 3),
    ("Price < 5", "bad_tag", 6),
    ("Look <moonwalk> here", "unknown_gesture", 5),
])
def test_bad_tags_get_an_error_naming_text_and_the_position(sidecar: Sidecar, text: str, code: str,
                                                             position: int) -> None:
    reply = ask(sidecar, op="say", text=text)
    assert reply["ok"] is False and reply["id"] == 1
    assert reply["error"]["code"] == code and reply["error"]["field"] == "text"
    assert f"character {position}" in reply["error"]["message"]
    assert not sidecar.performer.stages["host"].takes  # nothing queued


def test_unknown_emotion_field_is_refused(sidecar: Sidecar) -> None:
    reply = ask(sidecar, op="say", text="Hi", emotion="grumpy")
    assert reply["error"]["code"] == "unknown_emotion" and reply["error"]["field"] == "emotion"


def test_literal_text_is_spoken_as_written(sidecar: Sidecar) -> None:
    reply = ask(sidecar, op="say", text="Press [Enter] when 3 < 5.", literal=True)
    assert reply["ok"] is True
    assert sidecar.voice.calls[-1][0] == "Press [Enter] when 3 < 5."


def test_tags_never_reach_the_voice_and_each_sentence_gets_its_style(sidecar: Sidecar) -> None:
    reply = ask(sidecar, op="say", text="[excited] Hello all! <wave> Great to see you. [sad:0.5] Sadly it rains.")
    assert reply["ok"] is True
    texts = [text for text, _ in sidecar.voice.calls]
    assert texts == ["Hello all! Great to see you.", "Sadly it rains."]
    (_, loud), (_, soft) = sidecar.voice.calls
    assert loud.volume == 1.0 and loud.length_scale < 1.0  # excited: louder and faster
    assert soft.volume < 0.8 and soft.length_scale > 1.0  # half sad: softer and slower
    take = sidecar.performer.stages["host"].takes[0]
    assert [(m.kind, m.name, m.word) for m in take.marks] == [("emotion", "excited", 0), ("gesture", "wave", 2),
                                                              ("emotion", "sad", 6)]
    assert voice_runs(Script(take.text, take.marks))[1].first_word == 6


def test_look_at_names_points_and_errors(sidecar: Sidecar) -> None:
    reply = ask(sidecar, op="look_at", target="screen")
    assert reply["ok"] is True and reply["point"] == [0.8, 0.1, 1.0] and reply["avatar"] == "host"
    assert reply["pts"] == pytest.approx(sidecar.clock.now() + sidecar.config.lookahead, abs=0.5)
    assert ask(sidecar, op="look_at", target=[0.1, -0.2, 2.0])["point"] == [0.1, -0.2, 2.0]
    for target, code in (("moon", "unknown_target"), ([0, 0, -1], "out_of_range"), ([1, 2], "bad_type"),
                         (7, "bad_type")):
        error = ask(sidecar, op="look_at", target=target)["error"]
        assert error["code"] == code and error["field"] == "target", error
    assert "known: audience, camera, product, screen" in ask(sidecar, op="look_at", target="moon")["error"]["message"]
    assert ask(sidecar, op="look_at", target="camera", avatar="nobody")["error"]["code"] == "unknown_avatar"


def test_describe_lists_emotions_gestures_and_gaze_targets(sidecar: Sidecar) -> None:
    reply = ask(sidecar, op="describe")
    assert reply["emotions"] == ["neutral", "happy", "excited", "sad", "surprised", "angry", "thinking"]
    assert "camera" in reply["gaze_targets"] and "screen" in reply["gaze_targets"]
    assert "wave" in reply["gestures"]
