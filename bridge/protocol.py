"""The wire schema: every message that crosses a socket, as typed dataclasses, and their msgpack codec.

This module imports nothing of ours but `models.errors` (the one error type, which models raise and the
reply carries), so each client (C++, C#, JavaScript) mirrors it one to one; docs/protocol.md is its prose twin
and tests/vectors/ its golden vectors.

Control: a ZeroMQ ROUTER; each request is one msgpack map `{"op", "id"?, ...}`; the reply echoes `id`:
`{"id", "ok": true, ...}` or `{"id", "ok": false, "error": {"code", "message", "field"}}`.
Stream: a ZeroMQ PUB; multipart `[b"<avatar>/<kind>", msgpack map]`; every map carries `v` and `kind`.
"""

from __future__ import annotations

import dataclasses
import math
import secrets
import struct
import typing
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Union

import msgpack

from models.errors import RequestError

PROTOCOL_VERSION = 1

#: Longest `say` text, in characters.
MAX_TEXT_CHARS = 5000
#: Longest avatar name, user name, request id or other short string.
MAX_NAME_CHARS = 128
#: Most avatars one sidecar serves (config `avatars:`; each has a timeline, a face and a body ticking every frame),
#: and so most in one `dance` group.
MAX_AVATARS = 16
#: ZeroMQ drops any frame larger than this and disconnects that peer alone (ZMQ_MAXMSGSIZE).
MAX_MESSAGE_BYTES = 1 << 20

NUM_FACE_WEIGHTS = 52


# ---------------------------------------------------------------------------------------------------------
# Control requests. A field's metadata may carry "max_len" (strings) or "min"/"max" (numbers). Every string
# field, and a string id, is refused with a control character in it (below).

#: Control characters a request's strings may hold: the line breaks and the tab. Any other (NUL, ESC, DEL, C1)
#: means the sender decoded bytes that were not text, and the voice would fail on it after the reply.
ALLOWED_CONTROLS = frozenset("\t\n\r")


@dataclass(frozen=True)
class DescribeRequest:
    """What the sidecar serves: protocol version, avatars, face channels, audio format, rates, endpoints."""

    OP: ClassVar[str] = "describe"


@dataclass(frozen=True)
class SayRequest:
    """Speak a line; the reply carries the new take id before any audio is made."""

    OP: ClassVar[str] = "say"
    text: str = field(metadata={"max_len": MAX_TEXT_CHARS, "non_empty": True})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    emotion: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    literal: bool | None = None  # true: speak the text as written; brackets are no tags


@dataclass(frozen=True)
class InterruptRequest:
    """Stop the avatar's current take now and drop its queued takes."""

    OP: ClassVar[str] = "interrupt"
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class LookAtRequest:
    """Turn the avatar's gaze (eyes, and the head for a share of big shifts) to a target from the next frame on:
    "camera", another named target, or a point [x, y, z] in metres in the face frame (docs/face.md)."""

    OP: ClassVar[str] = "look_at"
    target: str | list = field(metadata={"max_len": MAX_NAME_CHARS, "list_of": (float, 3, 3)})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class PingRequest:
    """Clock sync: the reply carries the client's time back with the sidecar's (NTP-style)."""

    OP: ClassVar[str] = "ping"
    t_client: float = field(metadata={"finite": True})


@dataclass(frozen=True)
class ChatRequest:
    """A fan's message: queued (dedupe, rate limit, blocklist), answered in the persona's voice when the avatar is
    free. The reply carries the take and, for the embedded engine, the answer's text (docs/dialogue.md)."""

    OP: ClassVar[str] = "chat"
    user: str = field(metadata={"max_len": MAX_NAME_CHARS, "non_empty": True})
    text: str = field(metadata={"max_len": MAX_TEXT_CHARS})  # the dialogue's own limit is stricter (500)
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    priority: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})  # normal, paid, pinned


@dataclass(frozen=True)
class QueueRequest:
    """Operator control of the chat queue: list, approve, skip, pin, requeue (a `message` id), hold, release."""

    OP: ClassVar[str] = "queue"
    action: str = field(metadata={"max_len": MAX_NAME_CHARS, "non_empty": True})
    message: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class ShowRequest:
    """The show runner: load (`file`: a rundown on the sidecar's disk), start, pause, resume, next, jump
    (`segment`), cue (`cue`), stop, status."""

    OP: ClassVar[str] = "show"
    action: str = field(metadata={"max_len": MAX_NAME_CHARS, "non_empty": True})
    file: str | None = field(default=None, metadata={"max_len": 1000})
    segment: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    cue: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class GestureRequest:
    """Play a gesture of the library (`describe.gestures`): its stroke on word `at_word` (0-based) of the avatar's
    current take, or as soon as it can land (its stroke `stroke` seconds after the next frame)."""

    OP: ClassVar[str] = "gesture"
    name: str = field(metadata={"max_len": MAX_NAME_CHARS, "non_empty": True})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    at_word: int | None = field(default=None, metadata={"min": 0, "max": MAX_TEXT_CHARS})


@dataclass(frozen=True)
class DanceRequest:
    """Dance to a music file on the sidecar's disk (wav, ogg, mp3 or flac, at most 10 minutes): a take whose audio
    is the music, streamed on the take's clock with the poses. `style`: pop (default), calm or hype. `avatars`
    (in place of `avatar`): several avatars dance together, each its own moves on the one beat grid, from one pts;
    the first one's take carries the music, the others' silence."""

    OP: ClassVar[str] = "dance"
    music: str = field(metadata={"max_len": 1000, "non_empty": True})
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    style: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})
    # Several avatars dancing together, in sync on one beat grid; the first one's take carries the music.
    avatars: list[str] | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS, "non_empty": True,
                                                              "list_of": (str, 1, MAX_AVATARS)})


#: The PCM formats `audio_in` takes: little-endian 16-bit integers or 32-bit floats.
AUDIO_IN_FORMATS = ("s16le", "f32le")
#: `audio_in` sample rates (Hz): any whole number in this range; the sidecar resamples to the avatar's voice.
AUDIO_IN_RATES = (8000, 48000)
#: Most channels `audio_in` takes (stereo is downmixed).
AUDIO_IN_MAX_CHANNELS = 2
#: Longest `audio_in` chunk (s): a second at 48 kHz stereo f32le is 384 KB, well under a control frame.
AUDIO_IN_MAX_CHUNK_S = 1.0


@dataclass(frozen=True)
class AudioInRequest:
    """A chunk of a client's live audio for one avatar (docs/protocol.md#live-audio-in): PCM in `format` at
    `sample_rate` with `channels` interleaved. The first chunk of a `stream` opens a live take, `end` closes it."""

    OP: ClassVar[str] = "audio_in"
    stream: str = field(metadata={"max_len": MAX_NAME_CHARS, "non_empty": True})
    seq: int = field(metadata={"min": 0, "max": 2**53})
    sample_rate: int = field(metadata={"min": AUDIO_IN_RATES[0], "max": AUDIO_IN_RATES[1]})
    pcm: bytes
    format: str = field(default="s16le", metadata={"max_len": MAX_NAME_CHARS, "one_of": AUDIO_IN_FORMATS})
    channels: int = field(default=1, metadata={"min": 1, "max": AUDIO_IN_MAX_CHANNELS})
    end: bool | None = None  # true: the stream's last chunk (its pcm may be empty)
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


#: What the camera may read (`puppet`, `kiosk`): a camera index ("0"), a video or image file on the sidecar's disk
#: (the media policy), or "client": frames a client sends with `video_in`.
CAMERA_SOURCE_HELP = 'a camera index ("0"), a video or image file on the sidecar\'s disk, or "client"'
PUPPET_ACTIONS = ("start", "stop", "calibrate")
KIOSK_ACTIONS = ("start", "stop")
#: The image formats `video_in` takes: JPEG, PNG, or raw 8-bit RGB rows (with width and height).
VIDEO_IN_FORMATS = ("jpeg", "png", "rgb24")
#: Largest `video_in` frame side (pixels); the encoded frame must also fit a control message (MAX_MESSAGE_BYTES).
VIDEO_IN_MAX_SIDE = 1920


@dataclass(frozen=True)
class PuppetRequest:
    """Puppeteering (docs/camera.md): `start` hands the avatar to a performer on camera (their face, and their body
    with `body`), blended over her own layers at `blend`; `stop` gives her back her own; `calibrate` takes the
    performer's next second as their resting face. Switches fade over half a second. `source` opens the camera."""

    OP: ClassVar[str] = "puppet"
    action: str = field(default="start", metadata={"max_len": MAX_NAME_CHARS, "one_of": PUPPET_ACTIONS})
    source: str | None = field(default=None, metadata={"max_len": 1000, "non_empty": True})
    face: bool | None = None  # default true
    body: bool | None = None  # default true
    blend: float | None = field(default=None, metadata={"min": 0.0, "max": 1.0})  # default 1
    mirror: bool | None = None  # true: the camera's image is mirrored (a selfie view); default false
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class KioskRequest:
    """Audience awareness (docs/camera.md): with `start` the avatar looks at visitors the camera sees walk up, greets
    each when she is free (`greeting`, else her persona's greeting lines; none with `greet` false), and
    `visitor_arrived` / `visitor_left` events go out; `stop` ends it."""

    OP: ClassVar[str] = "kiosk"
    action: str = field(default="start", metadata={"max_len": MAX_NAME_CHARS, "one_of": KIOSK_ACTIONS})
    source: str | None = field(default=None, metadata={"max_len": 1000, "non_empty": True})
    greeting: str | None = field(default=None, metadata={"max_len": 500, "non_empty": True})
    greet: bool | None = None  # default true
    avatar: str | None = field(default=None, metadata={"max_len": MAX_NAME_CHARS})


@dataclass(frozen=True)
class VideoInRequest:
    """A frame of a client's camera (the engine's own) for the sidecar's camera, whose source must be "client":
    `image` in `format`; raw rgb24 needs `width` and `height`. `t`: when it was taken on the sidecar's clock (from
    `ping`), else its arrival. Only the newest frame waits for the tracker: older ones are dropped."""

    OP: ClassVar[str] = "video_in"
    image: bytes
    seq: int = field(metadata={"min": 0, "max": 2**53})
    format: str = field(default="jpeg", metadata={"max_len": MAX_NAME_CHARS, "one_of": VIDEO_IN_FORMATS})
    width: int | None = field(default=None, metadata={"min": 1, "max": VIDEO_IN_MAX_SIDE})
    height: int | None = field(default=None, metadata={"min": 1, "max": VIDEO_IN_MAX_SIDE})
    t: float | None = field(default=None, metadata={"finite": True})


Request = Union[DescribeRequest, SayRequest, InterruptRequest, LookAtRequest, PingRequest, ChatRequest, QueueRequest,
                ShowRequest, GestureRequest, DanceRequest, AudioInRequest, PuppetRequest, KioskRequest, VideoInRequest]
REQUESTS: dict[str, type] = {cls.OP: cls for cls in typing.get_args(Request)}


@dataclass(frozen=True)
class Envelope:
    """A parsed request with the id its reply must echo."""

    id: int | str | None
    request: Request
    warnings: tuple[str, ...] = ()  # one per unknown field, which the request was accepted without


def check_text(name: str, value: str) -> None:
    """Raise RequestError `binary` naming the field when `value` holds a control character other than a tab or
    a line break."""
    for position, ch in enumerate(value):
        if ch not in ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
            raise RequestError("binary", f"{name} contains a control character (U+{ord(ch):04X} at character "
                                         f"{position}); send plain text", name)


def _expected_types(annotation: Any) -> tuple[type, ...]:
    hint_types = typing.get_args(annotation) or (annotation,)
    # list[str] is checked as a list here, its items by `_check_list`.
    types = tuple(typing.get_origin(t) or t for t in hint_types if t is not type(None))
    # msgpack gives ints for whole numbers: accept them where a float is expected.
    return types + (int,) if float in types else types


_TYPE_NAMES = {str: "a string", float: "a number", int: "an integer", bool: "a boolean", list: "a list",
               bytes: "bytes (msgpack bin)"}


def _check_field(f: dataclasses.Field, value: Any, hints: dict[str, Any]) -> Any:
    types = _expected_types(hints[f.name])
    if isinstance(value, bool) and bool not in types or not isinstance(value, types):
        wanted = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types if not (t is int and float in types))
        raise RequestError("bad_type", f"{f.name} must be {wanted}, got {type(value).__name__}", f.name)
    meta = f.metadata
    if isinstance(value, list) and "list_of" in meta:
        value = _check_list(f.name, value, meta, types)
    if isinstance(value, str):
        _check_string(f.name, value, meta)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if meta.get("finite") and not math.isfinite(value):
            raise RequestError("out_of_range", f"{f.name} must be a finite number", f.name)
        if "min" in meta and value < meta["min"] or "max" in meta and value > meta["max"]:
            raise RequestError("out_of_range", f"{f.name} must be between {meta.get('min')} and "
                                                f"{meta.get('max')}, got {value}", f.name)
        if float in types:
            value = float(value)
    return value


def _check_string(name: str, value: str, meta: Mapping[str, Any]) -> None:
    check_text(name, value)
    if meta.get("non_empty") and not value.strip():
        raise RequestError("empty", f"{name} must not be empty", name)
    if "max_len" in meta and len(value) > meta["max_len"]:
        raise RequestError("too_long", f"{name} has {len(value)} characters; the limit is {meta['max_len']}", name)
    if "one_of" in meta and value not in meta["one_of"]:
        raise RequestError("out_of_range", f"{name} must be one of {', '.join(meta['one_of'])}, got "
                                           f"{value[:40]!r}", name)


def _check_list(name: str, value: list[Any], meta: Mapping[str, Any], types: tuple[type, ...]) -> list[Any]:
    """A list field: `list_of` (kind, fewest, most) items; numbers finite, strings checked as a string field is."""
    kind, fewest, most = meta["list_of"]
    count = str(fewest) if fewest == most else f"{fewest} to {most}"
    alternative = "a string or " if str in types else ""
    if kind is str:
        if not fewest <= len(value) <= most or not all(isinstance(v, str) for v in value):
            raise RequestError("bad_type", f"{name} must be a list of {count} strings", name)
        for item in value:
            _check_string(name, item, meta)
        if len(set(value)) < len(value):
            duplicate = next(v for v in value if value.count(v) > 1)
            raise RequestError("duplicate", f"{name} names {duplicate!r} twice", name)
        return value
    if len(value) != fewest or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise RequestError("bad_type", f"{name} must be {alternative}a list of {count} numbers", name)
    if not all(math.isfinite(v) for v in value):
        raise RequestError("out_of_range", f"{name} must hold finite numbers", name)
    return [kind(v) for v in value]


def parse_request(raw: bytes) -> Envelope:
    """Decode and validate one control request. Raises RequestError naming the field and the limit."""
    try:
        message = msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception as exc:  # msgpack raises several unrelated types for garbage
        raise RequestError("malformed", f"request is not valid msgpack ({type(exc).__name__})") from None
    if not isinstance(message, dict):
        raise RequestError("malformed", f"request must be a msgpack map, got {type(message).__name__}")
    request_id = message.get("id")
    if request_id is not None and not (
        isinstance(request_id, int) and not isinstance(request_id, bool)
        or isinstance(request_id, str) and len(request_id) <= MAX_NAME_CHARS
    ):
        raise RequestError("bad_type", f"id must be an integer or a string of at most {MAX_NAME_CHARS} "
                                        "characters", "id")
    if isinstance(request_id, str):
        check_text("id", request_id)
    try:
        request = _parse_body(message)
    except RequestError as error:
        error.request_id = request_id
        raise
    return Envelope(id=request_id, request=request, warnings=_unknown_fields(message, type(request)))


def _unknown_fields(message: dict[Any, Any], cls: type) -> tuple[str, ...]:
    """A warning per key the op does not know: a misspelt optional field is accepted, and said so."""
    known = [f.name for f in dataclasses.fields(cls)]
    return tuple(f"unknown field {key!r} ignored; known: {', '.join(known) or 'none'}"
                 for key in message if key not in ("op", "id") and key not in known)


def _parse_body(message: dict[Any, Any]) -> Request:
    op = message.get("op")
    if op is None:
        raise RequestError("missing_field", "op is required", "op")
    if not isinstance(op, str) or op not in REQUESTS:
        raise RequestError("unknown_op", f"unknown op {op!r}; known ops: {', '.join(sorted(REQUESTS))}", "op")
    cls = REQUESTS[op]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in message or message[f.name] is None and f.default is None:
            if f.default is dataclasses.MISSING:
                raise RequestError("missing_field", f"{f.name} is required for op {op!r}", f.name)
            continue
        values[f.name] = _check_field(f, message[f.name], hints)
    return cls(**values)  # type: ignore[no-any-return]


def encode_request(request: Request, request_id: int | str | None = None) -> bytes:
    """Encode a request as a client sends it."""
    body: dict[str, Any] = {"op": request.OP}
    if request_id is not None:
        body["id"] = request_id
    body.update({k: v for k, v in dataclasses.asdict(request).items() if v is not None})
    return msgpack.packb(body, use_bin_type=True)


def ok_reply(request_id: int | str | None, warnings: tuple[str, ...] | list[str] = (), **fields: Any) -> bytes:
    """An ok reply; `warnings` (unknown fields the request was accepted without) only when there are some."""
    body = {"id": request_id, "ok": True, **fields}
    if warnings:
        body["warnings"] = list(warnings)
    return msgpack.packb(body, use_bin_type=True)


def error_reply(request_id: int | str | None, error: RequestError) -> bytes:
    return msgpack.packb({"id": request_id, "ok": False, "error": error.to_wire()}, use_bin_type=True)


def decode_reply(raw: bytes) -> dict[str, Any]:
    return msgpack.unpackb(raw, raw=False)


# ---------------------------------------------------------------------------------------------------------
# Stream messages. `pts` is seconds on the sidecar's monotonic clock; `seq` counts per avatar and kind.


@dataclass(frozen=True)
class AudioChunk:
    """Mono s16le PCM to play at pts."""

    KIND: ClassVar[str] = "audio"
    avatar: str
    take: str
    seq: int
    pts: float
    rate: int
    pcm: bytes

    @property
    def duration(self) -> float:
        return len(self.pcm) / 2 / self.rate


@dataclass(frozen=True)
class Phonemes:
    """Phonemes of a take: [phoneme, viseme, start_s, end_s] from the take's first sample. Sent ahead."""

    KIND: ClassVar[str] = "phonemes"
    avatar: str
    take: str
    items: list[list[Any]]


@dataclass(frozen=True)
class Words:
    """Spoken words of a take: [word, start_s, end_s] from the take's first sample. Sent ahead."""

    KIND: ClassVar[str] = "words"
    avatar: str
    take: str
    items: list[list[Any]]


@dataclass(frozen=True)
class FaceFrame:
    """One face pose to apply at pts: 52 ARKit weights (float32 LE, ARKit order) and rotations in radians."""

    KIND: ClassVar[str] = "face"
    avatar: str
    seq: int
    pts: float
    w: bytes
    head: list[float]  # yaw, pitch, roll
    eyes: list[float]  # left yaw, left pitch, right yaw, right pitch

    @property
    def weights(self) -> tuple[float, ...]:
        return struct.unpack(f"<{NUM_FACE_WEIGHTS}f", self.w)


@dataclass(frozen=True)
class PoseFrame:
    """One body pose to apply at pts: the Hips position [x, y, z] in metres and every joint's local rotation as
    float32 little-endian quaternions (x, y, z, w), in the order of the `skeleton` message; Unity axes."""

    KIND: ClassVar[str] = "pose"
    avatar: str
    seq: int
    pts: float
    root: list[float]
    q: bytes

    @property
    def rotations(self) -> list[tuple[float, float, float, float]]:
        values = struct.unpack(f"<{len(self.q) // 4}f", self.q)
        return [values[i:i + 4] for i in range(0, len(values), 4)]  # type: ignore[misc]


@dataclass(frozen=True)
class Skeleton:
    """The joints `pose` frames refer to: Unity HumanBodyBones names, parent indices (-1: the root) and rest offsets
    [x, y, z] from the parent in metres (T-pose, every local rotation the identity), Unity axes. Published when the
    stream starts and then every second, so a late subscriber soon has it."""

    KIND: ClassVar[str] = "skeleton"
    avatar: str
    joints: list[str]
    parents: list[int]
    offsets: list[list[float]]


def new_run_id() -> str:
    """A sidecar run's id: 8 random hex digits, drawn when the sidecar starts. It is in `describe`, in every event
    and in every take id (`<run>-t<n>`), so ids never collide across restarts and a subscriber tells a restart by
    it."""
    return secrets.token_hex(4)


#: Event types on the stream.
EVENT_TYPES = ("sidecar_started", "take_started", "take_ended", "interrupted", "error", "chat", "fallback", "show",
               "gesture", "dance", "warning", "voice_busy", "voice_ready", "audio_in_gap", "audio_in_dropped",
               "audio_in_timeout", "camera", "puppet", "visitor_arrived", "visitor_left")


@dataclass(frozen=True)
class Event:
    """Something that happened at pts: the sidecar started, a take started (with its text) or ended, an interrupt,
    an error. `run` is the id of the sidecar run that sent it ("" from a sidecar that sends none)."""

    KIND: ClassVar[str] = "event"
    avatar: str
    seq: int
    pts: float
    type: str
    take: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    run: str = ""


StreamMessage = Union[AudioChunk, Phonemes, Words, FaceFrame, Event, PoseFrame, Skeleton]
STREAM_KINDS: dict[str, Any] = {cls.KIND: cls for cls in typing.get_args(StreamMessage)}
#: Each stream kind's field names, in declaration order (encode packs them shallowly).
_FIELD_NAMES: dict[str, tuple[str, ...]] = {kind: tuple(f.name for f in dataclasses.fields(cls))
                                           for kind, cls in STREAM_KINDS.items()}


def face_weights_to_bytes(weights: Any) -> bytes:
    """Pack 52 weights as float32 little-endian."""
    values = list(weights)
    if len(values) != NUM_FACE_WEIGHTS:
        raise ValueError(f"a face frame needs {NUM_FACE_WEIGHTS} weights, got {len(values)}")
    return struct.pack(f"<{NUM_FACE_WEIGHTS}f", *values)


def pose_rotations_to_bytes(rotations: Any) -> bytes:
    """Pack joint rotations ([J, 4] quaternions x, y, z, w) as float32 little-endian."""
    values = [float(v) for q in rotations for v in q]
    if len(values) % 4:
        raise ValueError(f"pose rotations must be quaternions of 4 numbers, got {len(values)} numbers")
    return struct.pack(f"<{len(values)}f", *values)


def topic(message: StreamMessage) -> bytes:
    return f"{message.avatar}/{message.KIND}".encode()


def encode_stream(message: StreamMessage) -> bytes:
    """The msgpack map of a stream message (the second frame of the multipart)."""
    body = {"v": PROTOCOL_VERSION, "kind": message.KIND}
    if isinstance(message, Event):
        # Event-specific fields sit flat in the map beside the common ones.
        body.update(avatar=message.avatar, seq=message.seq, pts=message.pts, type=message.type,
                    take=message.take, run=message.run, **message.data)
    else:
        # Shallow on purpose: dataclasses.asdict deep-copies every list and costs more than the packing.
        body.update((name, getattr(message, name)) for name in _FIELD_NAMES[message.KIND])
    return msgpack.packb(body, use_bin_type=True)


def decode_stream(raw: bytes) -> StreamMessage:
    """Decode one stream map. Raises RequestError for another protocol version or an unknown kind."""
    try:
        body = msgpack.unpackb(raw, raw=False)
    except Exception as exc:
        raise RequestError("malformed", f"stream message is not valid msgpack ({type(exc).__name__})") from None
    if not isinstance(body, dict):
        raise RequestError("malformed", "stream message must be a map")
    if body.get("v") != PROTOCOL_VERSION:
        raise RequestError("version", f"protocol version {body.get('v')!r}; this client speaks "
                                       f"{PROTOCOL_VERSION}", "v")
    cls = STREAM_KINDS.get(body.get("kind"))  # type: ignore[arg-type]
    if cls is None:
        raise RequestError("unknown_kind", f"unknown kind {body.get('kind')!r}", "kind")
    names = {f.name for f in dataclasses.fields(cls)}
    try:
        if cls is Event:
            common = {k: body[k] for k in ("avatar", "seq", "pts", "type")}
            rest = {k: v for k, v in body.items() if k not in names and k not in ("v", "kind")}
            return Event(**common, take=body.get("take"), data=rest, run=body.get("run", ""))
        return cls(**{k: body[k] for k in names})
    except KeyError as missing:
        raise RequestError("missing_field", f"{cls.KIND} message lacks {missing.args[0]}",
                            str(missing.args[0])) from None
