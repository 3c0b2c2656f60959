"""A voice on an HTTP text-to-speech server that speaks OpenAI's speech API: `POST {server}/v1/audio/speech`
with {model, input, voice, speed, response_format, instructions}, answered with 16-bit PCM or a WAV file.

It gives audio only (`timings = False`): no phoneme or word timings, so its segments have empty `phonemes` and
`words`. Each piece of a line (`split_for_streaming`: a short first clause, then sentences) is one request, so
the first clause plays while the server says the rest. Audio is resampled to the configured rate and downmixed
to mono. Every failure is a `VoiceError` naming the endpoint: refused, timed out, an HTTP error with the
server's own text, a body that is not audio; a response cut off mid-line first yields the audio it brought.

The text goes as written, Chinese included: a producer's server normalizes its own numbers and dates (ours,
`models.tts.chinese_text`, is for the voices we phonemize; docs/voices.md#chinese-text).

Synchronous on purpose (urllib, no extra dependency): `synthesize` runs in the sidecar's voice worker thread.
"""

from __future__ import annotations

import http.client
import json
import os
import struct
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np

from models.tts import SpeechSegment, VoiceError, VoiceStyle, split_for_streaming

#: What the server is asked for: raw 16-bit little-endian mono PCM, or a WAV file (its header says the rest).
FORMATS = ("pcm", "wav")
#: OpenAI's PCM rate, the default of `sample_rate`.
DEFAULT_SAMPLE_RATE = 24000
#: OpenAI's speed range; an emotion's pace (VoiceStyle.length_scale) scales the configured speed within it.
SPEED_RANGE = (0.25, 4.0)
#: At most this much of a server's error text goes into a VoiceError.
ERROR_TEXT_CHARS = 300
#: What one read asks the socket for.
READ_BYTES = 1 << 15
#: A streamed WAV's RIFF and data sizes when the server did not know the length (read to the end instead).
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)

#: The `instructions` a server that takes them gets for each emotion (neutral: none).
INSTRUCTIONS: dict[str, str] = {
    "happy": "Speak happily.",
    "excited": "Speak with excitement.",
    "sad": "Speak sadly.",
    "surprised": "Speak with surprise.",
    "angry": "Speak angrily.",
    "thinking": "Speak thoughtfully, as if thinking it over.",
}


@dataclass(frozen=True)
class HttpVoiceConfig:
    """Where and how to ask an OpenAI-compatible speech server (docs/voices.md)."""

    server: str  # a base URL (http://127.0.0.1:8880 or .../v1) or the full .../v1/audio/speech endpoint
    model: str = "tts-1"
    voice: str = "alloy"
    speed: float = 1.0
    format: str = "pcm"  # one of FORMATS
    sample_rate: int = DEFAULT_SAMPLE_RATE  # the server's PCM rate, and the rate this voice's audio has
    instructions: bool = False  # the server takes `instructions` (the emotion in words)
    timeout_s: float = 30.0  # the longest wait to connect, for the answer, and for each next piece of audio
    api_key_env: str | None = None  # an environment variable holding the key sent as "Authorization: Bearer"

    @property
    def endpoint(self) -> str:
        base = self.server.rstrip("/")
        if base.endswith("/audio/speech"):
            return base
        return f"{base}/audio/speech" if base.endswith("/v1") else f"{base}/v1/audio/speech"


class _EndedEarly(Exception):
    """The answer stopped before its end (connection closed or timed out mid-body): what came so far plays."""


class HttpVoice:
    """An OpenAI-compatible speech server as a `Voice`. One synthesis at a time (the voice worker's)."""

    timings = False
    provider = "http"

    def __init__(self, config: HttpVoiceConfig) -> None:
        if config.format not in FORMATS:
            raise VoiceError(f"voice format must be one of {', '.join(FORMATS)}, got {config.format!r}")
        if urlsplit(config.endpoint).scheme not in ("http", "https"):
            raise VoiceError(f"voice server must be an http:// or https:// URL, got {config.server!r}")
        self.api_key: str | None = None
        if config.api_key_env is not None:
            self.api_key = os.environ.get(config.api_key_env)
            if not self.api_key:
                raise VoiceError(f"voice api_key_env: the environment variable {config.api_key_env} is not set")
        self.config = config
        self.sample_rate = config.sample_rate
        self.name = f"{config.voice}@{urlsplit(config.endpoint).netloc}"

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        """Yield one segment per piece of the text, each asked for only when the previous one was taken."""
        for piece in split_for_streaming(text):
            yield from self._say(piece, style)

    def request_body(self, text: str, style: VoiceStyle) -> dict[str, object]:
        """The JSON the server gets for one piece."""
        low, high = SPEED_RANGE
        speed = self.config.speed / (style.length_scale or 1.0)
        body: dict[str, object] = {"model": self.config.model, "input": text, "voice": self.config.voice,
                                   "speed": round(min(high, max(low, speed)), 4),
                                   "response_format": self.config.format}
        if self.config.instructions and style.emotion in INSTRUCTIONS:
            body["instructions"] = INSTRUCTIONS[style.emotion]
        return body

    def _say(self, text: str, style: VoiceStyle) -> Iterator[SpeechSegment]:
        url = self.config.endpoint
        decoder: PcmDecoder | WavDecoder = (PcmDecoder(self.config.sample_rate) if self.config.format == "pcm"
                                            else WavDecoder())
        with self._open(text, style) as response:
            kind = response.headers.get_content_type()
            if kind.startswith("text/") or kind.endswith("json"):
                raise VoiceError(f"{url} answered {kind}, not audio: {_clip(response.read(ERROR_TEXT_CHARS))}")
            try:
                try:
                    while block := response.read1(READ_BYTES):  # what has come, without waiting for more
                        decoder.feed(block)
                except (TimeoutError, http.client.IncompleteRead, ConnectionError) as exc:
                    raise _EndedEarly(_why(exc, self.config.timeout_s)) from exc
                if response.length:  # Content-Length promised more than came
                    raise _EndedEarly(f"the connection closed {response.length} bytes short")
                decoder.finish()
            except VoiceError as exc:  # the decoder's: the body is not the audio asked for
                raise VoiceError(f"{url}: {exc}") from None
            except _EndedEarly as exc:
                if len(audio := decoder.audio()):
                    yield self._segment(text, audio, decoder.rate, style)
                raise VoiceError(f"{url} stopped mid-line after {len(audio) / (decoder.rate or 1):.2f} s of audio: "
                                 f"{exc}") from None
        audio = decoder.audio()
        if not len(audio):
            raise VoiceError(f"{url} answered with no audio for {text[:40]!r}")
        yield self._segment(text, audio, decoder.rate, style)

    def _open(self, text: str, style: VoiceStyle) -> http.client.HTTPResponse:
        url = self.config.endpoint
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = json.dumps(self.request_body(text, style)).encode()
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=self.config.timeout_s)
            return response
        except urllib.error.HTTPError as exc:
            with exc:
                raise VoiceError(f"{url} answered HTTP {exc.code}: {_error_text(exc.read(4096))}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason if isinstance(exc.reason, BaseException) else OSError(str(exc.reason))
            raise VoiceError(f"{url}: {_why(reason, self.config.timeout_s)}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise VoiceError(f"{url}: {_why(exc, self.config.timeout_s)}") from None

    def _segment(self, text: str, audio: np.ndarray, rate: int, style: VoiceStyle) -> SpeechSegment:
        if rate != self.sample_rate:
            import soxr

            audio = soxr.resample(audio, rate, self.sample_rate).astype(np.float32)
        audio = np.clip(audio * np.float32(style.volume), -1.0, 1.0).astype(np.float32)
        return SpeechSegment(text=text, audio=audio, sample_rate=self.sample_rate, phonemes=(), words=())


class PcmDecoder:
    """Raw 16-bit little-endian mono PCM at a known rate, as it streams in."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._bytes = bytearray()

    def feed(self, data: bytes) -> None:
        self._bytes += data

    def finish(self) -> None:
        if len(self._bytes) % 2:
            raise VoiceError(f"the answer is not 16-bit PCM: an odd number of bytes ({len(self._bytes)}), "
                             f"starting {bytes(self._bytes[:16])!r}")

    def audio(self) -> np.ndarray:
        """The whole samples so far, float32 in [-1, 1]."""
        whole = len(self._bytes) // 2 * 2
        return np.frombuffer(bytes(self._bytes[:whole]), "<i2").astype(np.float32) / 32768.0


class WavDecoder:
    """A WAV file as it streams in: RIFF header, `fmt ` (16/32-bit integer or 32-bit float PCM, any channels,
    WAVE_FORMAT_EXTENSIBLE too) and `data`, whose size may be 0 or 0xFFFFFFFF when streamed (read to the end).
    Chunks before `data` that are not `fmt ` are skipped. Audio is downmixed to mono."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._header_read = False
        self.rate = 0
        self._channels = 0
        self._dtype: str | None = None
        self._data_left: int | None = None  # bytes of `data` still due; None: read to the end
        self._in_data = False
        self._frames: list[np.ndarray] = []

    def feed(self, data: bytes) -> None:
        self._buffer += data
        while not self._in_data and self._next_chunk():
            pass
        if self._in_data:
            self._take_frames()

    def _next_chunk(self) -> bool:
        """Parse one header item if all its bytes are here; False when it needs more."""
        buffer = self._buffer
        if not self._header_read:
            if len(buffer) < 12:
                return False
            if buffer[:4] != b"RIFF" or buffer[8:12] != b"WAVE":
                raise VoiceError(f"the answer is not a WAV file: it starts {bytes(buffer[:16])!r}")
            del buffer[:12]
            self._header_read = True
            return True
        if len(buffer) < 8:
            return False
        chunk_id, size = bytes(buffer[:4]), struct.unpack("<I", buffer[4:8])[0]
        if chunk_id == b"data":
            if self._dtype is None:
                raise VoiceError("the WAV answer has its data before its fmt chunk")
            del buffer[:8]
            self._data_left = None if size in _UNKNOWN_SIZES else size
            self._in_data = True
            return False
        padded = size + (size & 1)
        if len(buffer) < 8 + padded:
            return False
        if chunk_id == b"fmt ":
            self._format(bytes(buffer[8:8 + size]))
        del buffer[:8 + padded]
        return True

    def _format(self, fmt: bytes) -> None:
        if len(fmt) < 16:
            raise VoiceError(f"the WAV answer's fmt chunk is {len(fmt)} bytes, too short")
        code, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
        if code == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes say
            code = struct.unpack("<H", fmt[24:26])[0]
        dtype = {(1, 16): "<i2", (1, 32): "<i4", (3, 32): "<f4"}.get((code, bits))
        if dtype is None or channels < 1 or rate < 1:
            raise VoiceError(f"the WAV answer's format is not supported: format code {code}, {bits} bits, "
                             f"{channels} channels, {rate} Hz (16/32-bit integer or 32-bit float PCM)")
        self._dtype, self._channels, self.rate = dtype, channels, rate

    def _take_frames(self) -> None:
        assert self._dtype is not None
        frame = np.dtype(self._dtype).itemsize * self._channels
        usable = len(self._buffer) if self._data_left is None else min(len(self._buffer), self._data_left)
        usable -= usable % frame
        if not usable:
            return
        samples = np.frombuffer(bytes(self._buffer[:usable]), self._dtype).reshape(-1, self._channels)
        del self._buffer[:usable]
        if self._data_left is not None:
            self._data_left -= usable
        scale = {"<i2": 32768.0, "<i4": 2147483648.0, "<f4": 1.0}[self._dtype]
        self._frames.append((samples.astype(np.float32) / np.float32(scale)).mean(axis=1, dtype=np.float32))

    def finish(self) -> None:
        if not self._in_data:
            raise VoiceError("the WAV answer ended before its audio began (no data chunk)"
                             if self._header_read else
                             f"the answer is not a WAV file: {len(self._buffer)} bytes, too short for a header")
        if self._data_left:
            raise _EndedEarly(f"its WAV data ended {self._data_left} bytes short")
        if self._data_left is None and self._buffer:
            raise VoiceError(f"the WAV answer's data ends mid-frame ({len(self._buffer)} bytes left over)")

    def audio(self) -> np.ndarray:
        """The whole frames so far, mono float32."""
        return np.concatenate(self._frames) if self._frames else np.zeros(0, np.float32)


def _clip(data: bytes) -> str:
    text = " ".join(data.decode("utf-8", "replace").split())
    return text if len(text) <= ERROR_TEXT_CHARS else text[:ERROR_TEXT_CHARS] + "…"


def _error_text(body: bytes) -> str:
    """The server's own words: OpenAI's {"error": {"message": ...}} (or {"detail": ...}), else the body's text."""
    try:
        parsed = json.loads(body)
    except ValueError:
        return _clip(body) or "(no text)"
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed.get("detail"))
        if isinstance(error, dict) and "message" in error:
            return _clip(str(error["message"]).encode())
        if error is not None:
            return _clip(str(error).encode())
    return _clip(body)


def _why(exc: BaseException, timeout_s: float) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout_s:g} s (timeout_s)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is the server running, on that port?"
    if isinstance(exc, http.client.IncompleteRead):
        return f"the connection closed mid-answer ({len(exc.partial)} bytes of the last part came)"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
