"""The wire schema: golden vectors, request validation and stream decoding."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import msgpack
import pytest

from bridge.director import script_of
from bridge.protocol import (
    MAX_TEXT_CHARS,
    PROTOCOL_VERSION,
    AudioChunk,
    Event,
    FaceFrame,
    RequestError,
    SayRequest,
    decode_reply,
    decode_stream,
    encode_stream,
    ok_reply,
    parse_request,
)

VECTORS = Path(__file__).parent / "vectors"


def from_json(value):  # noqa: ANN001, ANN201
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return bytes.fromhex(value["$bytes"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def test_golden_vectors_match_the_schema() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_vectors", VECTORS / "make_vectors.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.vectors()
    on_disk = {p.stem: p.read_bytes() for p in VECTORS.glob("*.msgpack")}
    assert on_disk == expected, "run python tests/vectors/make_vectors.py after changing the protocol"


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.msgpack")), ids=lambda p: p.stem)
def test_golden_vector_decodes_to_its_json_twin(path: Path) -> None:
    decoded = msgpack.unpackb(path.read_bytes(), raw=False)
    assert decoded == from_json(json.loads(path.with_suffix(".json").read_text()))
    if path.stem.startswith("stream_"):
        message = decode_stream(path.read_bytes())
        assert encode_stream(message) == path.read_bytes()


def test_face_vector_weights() -> None:
    frame = decode_stream((VECTORS / "stream_face.msgpack").read_bytes())
    assert isinstance(frame, FaceFrame)
    assert frame.weights[51] == pytest.approx(1.0)
    assert frame.weights[17] == pytest.approx(17 / 51, abs=1e-6)
    assert struct.unpack("<52f", frame.w)[0] == 0.0


def test_audio_vector() -> None:
    chunk = decode_stream((VECTORS / "stream_audio.msgpack").read_bytes())
    assert isinstance(chunk, AudioChunk)
    assert chunk.rate == 22050 and len(chunk.pcm) == 16
    assert chunk.duration == pytest.approx(8 / 22050)


def test_event_fields_are_flat() -> None:
    event = decode_stream((VECTORS / "stream_event_take_started.msgpack").read_bytes())
    assert isinstance(event, Event)
    assert event.type == "take_started" and event.data == {"text": "Hi everyone!", "emotion": "happy"}


def pack(obj: object) -> bytes:
    return msgpack.packb(obj, use_bin_type=True)


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (b"\xc1\xff\x00garbage", "malformed", ""),
        (pack([1, 2, 3]), "malformed", ""),
        (pack({"id": 1}), "missing_field", "op"),
        (pack({"op": "dance_wildly"}), "unknown_op", "op"),
        (pack({"op": 7}), "unknown_op", "op"),
        (pack({"op": "say"}), "missing_field", "text"),
        (pack({"op": "say", "text": 42}), "bad_type", "text"),
        (pack({"op": "say", "text": "   "}), "empty", "text"),
        (pack({"op": "say", "text": "a" * (MAX_TEXT_CHARS + 1)}), "too_long", "text"),
        (pack({"op": "say", "text": "hi", "avatar": ["x"]}), "bad_type", "avatar"),
        (pack({"op": "say", "text": "hi", "emotion": True}), "bad_type", "emotion"),
        (pack({"op": "ping"}), "missing_field", "t_client"),
        (pack({"op": "ping", "t_client": "now"}), "bad_type", "t_client"),
        (pack({"op": "ping", "t_client": float("nan")}), "out_of_range", "t_client"),
        (pack({"op": "ping", "t_client": True}), "bad_type", "t_client"),
        (pack({"op": "describe", "id": {"x": 1}}), "bad_type", "id"),
        # A control character other than a tab or a line break, in any string field of any op, at the door.
        (pack({"op": "say", "text": "hi\x00there"}), "binary", "text"),
        (pack({"op": "say", "text": "hi\x1b[31m"}), "binary", "text"),
        (pack({"op": "say", "text": "hi\x7f"}), "binary", "text"),
        (pack({"op": "say", "text": "hi", "avatar": "host\x00"}), "binary", "avatar"),
        (pack({"op": "say", "text": "hi", "emotion": "happy\x08"}), "binary", "emotion"),
        (pack({"op": "chat", "user": "mia", "text": "hi\x00there"}), "binary", "text"),
        (pack({"op": "chat", "user": "m\x00ia", "text": "hi"}), "binary", "user"),
        (pack({"op": "look_at", "target": "camera\x00"}), "binary", "target"),
        (pack({"op": "gesture", "name": "wave\x01"}), "binary", "name"),
        (pack({"op": "dance", "music": "/tmp/a\x00.wav"}), "binary", "music"),
        (pack({"op": "queue", "action": "approve", "message": "q1\x00"}), "binary", "message"),
        (pack({"op": "show", "action": "load", "file": "a\x00.yaml"}), "binary", "file"),
        (pack({"op": "interrupt", "avatar": "\x85host"}), "binary", "avatar"),
        (pack({"op": "describe", "id": "a\x00"}), "binary", "id"),
    ],
)
def test_bad_requests_name_the_field(raw: bytes, code: str, field: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(raw)
    assert (caught.value.code, caught.value.field) == (code, field)
    assert caught.value.message


def test_control_character_error_gives_its_position() -> None:
    with pytest.raises(RequestError, match=r"U\+0000 at character 2"):
        parse_request(pack({"op": "say", "text": "hi\x00there"}))


def test_tabs_and_line_breaks_are_text() -> None:
    request = parse_request(pack({"op": "say", "text": "Hi\tthere,\r\nfriends.\n"})).request
    assert request == SayRequest(text="Hi\tthere,\r\nfriends.\n")


def test_unknown_fields_are_accepted_with_a_warning_each() -> None:
    envelope = parse_request(pack({"op": "say", "id": 3, "text": "Hi", "emotoin": "happy", "volume": 2}))
    assert envelope.request == SayRequest(text="Hi")
    assert envelope.warnings == (
        "unknown field 'emotoin' ignored; known: text, avatar, emotion, literal",
        "unknown field 'volume' ignored; known: text, avatar, emotion, literal",
    )
    assert parse_request(pack({"op": "describe", "x": 1})).warnings == ("unknown field 'x' ignored; known: none",)
    reply = decode_reply(ok_reply(3, envelope.warnings, take="t1", avatar="host"))
    assert reply["warnings"] == list(envelope.warnings) and reply["take"] == "t1"


def test_a_known_request_has_no_warnings_and_its_reply_none() -> None:
    envelope = parse_request(pack({"op": "say", "id": 1, "text": "Hi", "emotion": "happy", "literal": False}))
    assert envelope.warnings == ()
    assert ok_reply(1, envelope.warnings, take="t7", avatar="host") == (VECTORS / "reply_say.msgpack").read_bytes()


@pytest.mark.parametrize(("text", "literal"), [("...", False), ("?!", False), ("  — !  ", False),
                                               ("[happy] <wave>", False), ("[...]", True)])
def test_a_say_with_no_word_to_speak_is_refused(text: str, literal: bool) -> None:
    with pytest.raises(RequestError) as caught:
        script_of(text, literal)
    assert (caught.value.code, caught.value.field) == ("empty", "text")
    assert "nothing to speak" in caught.value.message


def test_a_say_with_words_keeps_its_script() -> None:
    script = script_of("[happy] Hi! <wave>")
    assert script.text == "Hi!" and script_of("[sic]", literal=True).text == "[sic]"


def test_limit_is_in_the_message() -> None:
    with pytest.raises(RequestError, match=f"limit is {MAX_TEXT_CHARS}"):
        parse_request(pack({"op": "say", "text": "a" * (MAX_TEXT_CHARS + 1)}))


def test_error_keeps_the_request_id() -> None:
    with pytest.raises(RequestError) as caught:
        parse_request(pack({"op": "say", "id": 17, "text": ""}))
    assert caught.value.request_id == 17


def test_valid_request_parses() -> None:
    envelope = parse_request(pack({"op": "say", "id": "a1", "text": "Hi", "emotion": "happy"}))
    assert envelope.id == "a1"
    assert envelope.request == SayRequest(text="Hi", emotion="happy")
    ping = parse_request(pack({"op": "ping", "t_client": 3})).request
    assert ping.t_client == 3.0 and isinstance(ping.t_client, float)


def test_stream_decode_rejects_other_versions_and_kinds() -> None:
    with pytest.raises(RequestError) as newer:
        decode_stream(pack({"v": PROTOCOL_VERSION + 1, "kind": "face"}))
    assert newer.value.code == "version"
    with pytest.raises(RequestError) as unknown:
        decode_stream(pack({"v": PROTOCOL_VERSION, "kind": "smell"}))
    assert unknown.value.code == "unknown_kind"
    with pytest.raises(RequestError) as truncated:
        decode_stream((VECTORS / "stream_face.msgpack").read_bytes()[:40])
    assert truncated.value.code == "malformed"
    with pytest.raises(RequestError) as missing:
        decode_stream(pack({"v": PROTOCOL_VERSION, "kind": "audio", "avatar": "host"}))
    assert missing.value.code == "missing_field"
