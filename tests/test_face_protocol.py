"""Face requests through the sidecar's request handler: error replies that name the field (unknown emotions and
tags with their position, intensities outside 0..1, unknown look_at targets), literal text, look_at, describe.

The voice is a test double (the sidecar is not bound to sockets here); test_face_livelink runs a real one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import msgpack
import pytest

from bridge.config import AvatarConfig, SidecarConfig
from bridge.protocol import decode_reply
from bridge.server import Sidecar
from models.face.tags import Script, voice_runs
from tests.fake_voice import FakeVoice


@pytest.fixture
def sidecar_in_process() -> Iterator[Sidecar]:
    """A `Sidecar` in this process, bound to no socket, synthesizing inline: requests go straight to its handler."""
    voice = FakeVoice()
    running = Sidecar(SidecarConfig(avatars=[AvatarConfig("host", gaze_targets={"screen": (0.8, 0.1, 1.0)})]),
                      lambda model, config: voice, workers=False)
    yield running
    running.context.term()


def ask(sidecar: Sidecar, **request: object) -> dict:
    return decode_reply(asyncio.run(sidecar.handle(msgpack.packb({"id": 1, **request}), "test")))


@pytest.mark.parametrize(("text", "code", "position"), [
    ("Hello [grumpy] there", "unknown_emotion", 6),
    ("So [sad:1.5] today", "out_of_range", 3),
    ("Hi [happy there", "bad_tag", 3),
    ("Price < 5", "bad_tag", 6),
    ("Look <moonwalk> here", "unknown_gesture", 5),
])
def test_bad_tags_get_an_error_naming_text_and_the_position(sidecar_in_process: Sidecar, text: str, code: str,
                                                            position: int) -> None:
    reply = ask(sidecar_in_process, op="say", text=text)
    assert reply["ok"] is False and reply["id"] == 1
    assert reply["error"]["code"] == code and reply["error"]["field"] == "text"
    assert f"character {position}" in reply["error"]["message"]
    assert not sidecar_in_process.performer.timelines["host"].takes  # nothing queued


def test_unknown_emotion_field_is_refused(sidecar_in_process: Sidecar) -> None:
    reply = ask(sidecar_in_process, op="say", text="Hi", emotion="grumpy")
    assert reply["error"]["code"] == "unknown_emotion" and reply["error"]["field"] == "emotion"


def test_literal_text_is_spoken_as_written(sidecar_in_process: Sidecar) -> None:
    reply = ask(sidecar_in_process, op="say", text="Press [Enter] when 3 < 5.", literal=True)
    assert reply["ok"] is True
    assert sidecar_in_process.voices["host"].calls[-1][0] == "Press [Enter] when 3 < 5."


def test_tags_never_reach_the_voice_and_each_sentence_gets_its_style(sidecar_in_process: Sidecar) -> None:
    reply = ask(sidecar_in_process, op="say",
                text="[excited] Hello all! <wave> Great to see you. [sad:0.5] Sadly it rains.")
    assert reply["ok"] is True
    texts = [text for text, _ in sidecar_in_process.voices["host"].calls]
    assert texts == ["Hello all! Great to see you.", "Sadly it rains."]
    (_, loud), (_, soft) = sidecar_in_process.voices["host"].calls
    assert loud.volume == 1.0 and loud.length_scale < 1.0  # excited: louder and faster
    assert soft.volume < 0.8 and soft.length_scale > 1.0  # half sad: softer and slower
    take = sidecar_in_process.performer.timelines["host"].takes[0]
    assert [(m.kind, m.name, m.word) for m in take.marks] == [("emotion", "excited", 0), ("gesture", "wave", 2),
                                                              ("emotion", "sad", 6)]
    assert voice_runs(Script(take.text, take.marks))[1].first_word == 6


def test_look_at_names_points_and_errors(sidecar_in_process: Sidecar) -> None:
    clock, lookahead = sidecar_in_process.clock, sidecar_in_process.config.lookahead
    asked = clock.now()
    reply = ask(sidecar_in_process, op="look_at", target="screen")
    answered = clock.now()
    assert reply["ok"] is True and reply["point"] == [0.8, 0.1, 1.0] and reply["avatar"] == "host"
    assert asked + lookahead <= reply["pts"] <= answered + lookahead  # the first frame not yet published
    assert ask(sidecar_in_process, op="look_at", target=[0.1, -0.2, 2.0])["point"] == [0.1, -0.2, 2.0]
    for target, code in (("moon", "unknown_target"), ([0, 0, -1], "out_of_range"), ([1, 2], "bad_type"),
                         (7, "bad_type")):
        error = ask(sidecar_in_process, op="look_at", target=target)["error"]
        assert error["code"] == code and error["field"] == "target", error
    unknown = ask(sidecar_in_process, op="look_at", target="moon")["error"]
    assert "known: audience, camera, product, screen" in unknown["message"]
    assert ask(sidecar_in_process, op="look_at", target="camera", avatar="nobody")["error"]["code"] == "unknown_avatar"


def test_describe_lists_emotions_gestures_and_gaze_targets(sidecar_in_process: Sidecar) -> None:
    reply = ask(sidecar_in_process, op="describe")
    assert reply["emotions"] == ["neutral", "happy", "excited", "sad", "surprised", "angry", "thinking"]
    assert "camera" in reply["gaze_targets"] and "screen" in reply["gaze_targets"]
    assert "wave" in reply["gestures"]
