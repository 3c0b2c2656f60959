"""A Python client of the sidecar: requests over DEALER, the stream over SUB, and clock sync.

    with BridgeClient() as client:
        take = client.say("Hi everyone!")
        for message in client.stream(kinds={"audio", "event"}, timeout=5):
            ...
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import zmq

from bridge.protocol import (
    AUDIO_IN_MAX_CHANNELS,
    AUDIO_IN_RATES,
    AudioInRequest,
    DescribeRequest,
    Event,
    InterruptRequest,
    KioskRequest,
    LookAtRequest,
    PingRequest,
    PuppetRequest,
    Request,
    RequestError,
    SayRequest,
    StreamMessage,
    VideoInRequest,
    decode_reply,
    decode_stream,
    encode_request,
)


class BridgeError(RequestError):
    """The sidecar answered a request with an error (the sidecar's RequestError, as the reply carried it)."""

    def __str__(self) -> str:
        return f"{self.message} [{self.code}{', field ' + self.field if self.field else ''}]"


@dataclass(frozen=True)
class ClockSync:
    """Maps this process's clock to the sidecar's: sidecar_time = local_time + offset (min-RTT sample)."""

    offset: float
    rtt: float

    def to_sidecar(self, local: float) -> float:
        return local + self.offset


def read_pcm(path: str | Path) -> tuple[Any, int, int, str]:
    """An audio file as `audio_in` sends it: (frames [n, channels] in its wire dtype, rate, channels, format):
    16-bit files as s16le, others as f32le. Raises ValueError for a rate or channel count audio_in does not take."""
    import soundfile

    info = soundfile.info(str(path))
    format = "s16le" if info.subtype == "PCM_16" else "f32le"  # noqa: A001
    audio, rate = soundfile.read(str(path), dtype="int16" if format == "s16le" else "float32", always_2d=True)
    low, high = AUDIO_IN_RATES
    if not low <= rate <= high:
        raise ValueError(f"{path}: {rate} Hz; audio_in takes {low} to {high} Hz (resample it first)")
    if audio.shape[1] > AUDIO_IN_MAX_CHANNELS:
        raise ValueError(f"{path}: {audio.shape[1]} channels; audio_in takes 1 or {AUDIO_IN_MAX_CHANNELS}")
    return audio.astype("<i2" if format == "s16le" else "<f4"), int(rate), int(audio.shape[1]), format


def estimate_offset(samples: Iterable[tuple[float, float, float]]) -> ClockSync:
    """NTP-style: from (t_send, t_server, t_receive) samples keep the one with the smallest round trip."""
    best = min(samples, key=lambda s: s[2] - s[0])
    t_send, t_server, t_receive = best
    return ClockSync(offset=t_server - 0.5 * (t_send + t_receive), rtt=t_receive - t_send)


@dataclass(frozen=True)
class CurveKeys:
    """Client-side CurveZMQ keys: the server's public key and this client's certificate."""

    server_public: Path
    client_secret: Path


class BridgeClient:
    def __init__(self, control: str = "tcp://127.0.0.1:5555", stream: str | None = None,
                 timeout: float = 10.0, curve: CurveKeys | None = None) -> None:
        self.context = zmq.Context()
        self.timeout = timeout
        self.curve = curve
        self._ids = itertools.count(1)
        self.control_endpoint = control
        self.control = self._dealer()
        self.stream_endpoint = stream or control.rsplit(":", 1)[0] + ":" + str(int(control.rsplit(":", 1)[1]) + 1)
        self._sub: zmq.Socket | None = None
        self.run_id: str | None = None  # the sidecar run last seen (describe, events)
        self.restarts = 0  # times the run id changed: the sidecar restarted

    def _socket(self, kind: int) -> zmq.Socket:
        socket = self.context.socket(kind)
        socket.linger = 0
        if self.curve is not None:
            import zmq.auth

            server_public, _ = zmq.auth.load_certificate(str(self.curve.server_public))
            public, secret = zmq.auth.load_certificate(str(self.curve.client_secret))
            socket.curve_serverkey = server_public
            socket.curve_publickey = public
            socket.curve_secretkey = secret
        return socket

    def _dealer(self) -> zmq.Socket:
        """A fresh control socket. It queues a request only on a live connection (ZMQ_IMMEDIATE) and is thrown away
        with whatever it holds when a request times out (the lazy pirate), so a request given up on never reaches a
        restarted sidecar later and a late reply never comes back on it."""
        socket = self._socket(zmq.DEALER)
        socket.immediate = True
        socket.sndtimeo = int(self.timeout * 1000)
        socket.connect(self.control_endpoint)
        return socket

    # -- requests ----------------------------------------------------------------------------------------------

    def request(self, request: Request) -> dict[str, Any]:
        """Send one request and wait for its reply. Raises BridgeError on an error reply, TimeoutError if none."""
        request_id = next(self._ids)
        deadline = time.monotonic() + self.timeout
        try:
            self.control.send(encode_request(request, request_id))
        except zmq.Again:
            self._timed_out(request)  # no connection within the timeout: nothing was queued
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.control.poll(int(remaining * 1000)):
                self._timed_out(request)
            reply = decode_reply(self.control.recv())
            if reply.get("id") != request_id:
                continue  # a stray reply is never taken for this request's
            if not reply.get("ok"):
                error = reply.get("error", {})
                raise BridgeError(error.get("code", "?"), error.get("message", "?"), error.get("field", ""))
            return reply

    def _timed_out(self, request: Request) -> NoReturn:
        """Drop the control socket with the request it may still hold, and say so."""
        self.control.close(linger=0)
        self.control = self._dealer()
        raise TimeoutError(f"no reply to {request.OP!r} within {self.timeout} s (if it had not gone out, it never "
                           "will): is the sidecar running (avatar-bridge serve) and are the endpoints right?")

    def describe(self) -> dict[str, Any]:
        reply = self.request(DescribeRequest())
        self._saw_run(reply.get("run", ""))
        return reply

    def say(self, text: str, avatar: str | None = None, emotion: str | None = None, literal: bool = False) -> str:
        request = SayRequest(text=text, avatar=avatar, emotion=emotion, literal=literal or None)
        return str(self.request(request)["take"])

    def look_at(self, target: str | list[float], avatar: str | None = None) -> dict[str, Any]:
        """Turn the gaze to a named target or an [x, y, z] point; the reply has the point and the pts."""
        return self.request(LookAtRequest(target=target, avatar=avatar))

    def send_audio(self, pcm: bytes, sample_rate: int, *, stream: str, seq: int, channels: int = 1,
                   format: str = "s16le", end: bool = False, avatar: str | None = None) -> dict[str, Any]:  # noqa: A002
        """One chunk of a live audio stream (`audio_in`): the first of a `stream` opens a live take, `end` closes it.
        The reply has the `take`, the `pts` its audio plays at (None until the take starts) and `dropped_s`."""
        return self.request(AudioInRequest(stream=stream, seq=seq, sample_rate=sample_rate, pcm=pcm, format=format,
                                           channels=channels, end=end or None, avatar=avatar))

    def stream_file(self, path: str | Path, *, avatar: str | None = None, stream: str | None = None,
                    chunk_s: float = 0.02, speed: float = 1.0,
                    on_reply: Callable[[int, float, dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
        """Stream an audio file (WAV, FLAC, OGG: what soundfile reads) as live audio in chunks of `chunk_s` at
        real-time pace (`speed` times faster; 0: as fast as replies come). `on_reply(seq, sent_at, reply)` sees each
        reply (sent_at: time.monotonic() when the chunk went). Returns the replies. Raises ValueError for a file
        whose rate or channels audio_in does not take."""
        audio, rate, channels, format = read_pcm(path)  # noqa: A001
        stream = stream or f"{Path(path).name}-{time.monotonic_ns() % 10**9}"
        step = max(1, round(chunk_s * rate))
        chunks = [audio[i:i + step] for i in range(0, len(audio), step)] or [audio]
        replies, start = [], time.monotonic()
        try:
            for seq, chunk in enumerate(chunks):
                if speed > 0:
                    time.sleep(max(0.0, start + seq * step / rate / speed - time.monotonic()))
                sent = time.monotonic()
                reply = self.send_audio(chunk.tobytes(), rate, stream=stream, seq=seq, channels=channels,
                                        format=format, end=seq == len(chunks) - 1, avatar=avatar)
                if on_reply is not None:
                    on_reply(seq, sent, reply)
                replies.append(reply)
        except KeyboardInterrupt:  # stopped by hand: end the stream now rather than after the sidecar's timeout
            self.send_audio(b"", rate, stream=stream, seq=len(replies), channels=channels, format=format, end=True,
                            avatar=avatar)
            raise
        return replies

    def puppet(self, action: str = "start", *, source: str | None = None, face: bool = True, body: bool = True,
               blend: float | None = None, mirror: bool = False, avatar: str | None = None) -> dict[str, Any]:
        """Hand the avatar to the performer on camera (`start`), give her back her own layers (`stop`), or take the
        performer's next second as their resting face (`calibrate`). `source` opens the camera first (a camera
        index, a video or image file on the sidecar's disk, or "client": frames sent with `send_frame`); `mirror`:
        its image is mirrored (a selfie view)."""
        return self.request(PuppetRequest(action=action, source=source, face=None if face else False,
                                          body=None if body else False, blend=blend, mirror=mirror or None,
                                          avatar=avatar))

    def kiosk(self, action: str = "start", *, source: str | None = None, greeting: str | None = None,
              avatar: str | None = None) -> dict[str, Any]:
        """Audience awareness: the avatar looks at visitors the camera sees and greets each (`start`: `greeting`, else
        her persona's greeting lines), or stops (`stop`). `source` as for `puppet`."""
        return self.request(KioskRequest(action=action, source=source, greeting=greeting, avatar=avatar))

    def send_frame(self, image: bytes, seq: int, fmt: str = "jpeg", *, width: int | None = None,
                   height: int | None = None, t: float | None = None) -> dict[str, Any]:
        """One frame of this client's camera (`video_in`) for a camera whose source is "client": `image` in `fmt`
        (jpeg, png, or rgb24 rows with `width` and `height`); `t` when it was taken on the sidecar's clock
        (`sync_clock`), else its arrival. The reply counts the frames `dropped` (a newer one came first) and the
        `bad_frames` that did not decode."""
        return self.request(VideoInRequest(image=image, seq=seq, format=fmt, width=width, height=height, t=t))

    def interrupt(self, avatar: str | None = None) -> float:
        return float(self.request(InterruptRequest(avatar=avatar))["pts"])

    def sync_clock(self, pings: int = 8) -> ClockSync:
        samples = []
        for _ in range(pings):
            t_send = time.monotonic()
            reply = self.request(PingRequest(t_client=t_send))
            samples.append((t_send, float(reply["t_server"]), time.monotonic()))
        return estimate_offset(samples)

    # -- stream ------------------------------------------------------------------------------------------------

    def subscribe(self, avatar: str | None = None, kinds: Iterable[str] | None = None) -> None:
        """Connect the stream socket. Call before `say` so nothing of the take is missed."""
        sub = self._socket(zmq.SUB)
        sub.rcvhwm = 100_000
        if avatar is None:
            prefixes = [""]  # kinds are filtered here: topics start with the avatar
        else:
            prefixes = [f"{avatar}/{kind}" for kind in kinds] if kinds else [f"{avatar}/"]
        for prefix in prefixes:
            sub.setsockopt(zmq.SUBSCRIBE, prefix.encode())
        sub.connect(self.stream_endpoint)
        self._sub = sub
        self._kinds = set(kinds) if kinds else None
        time.sleep(0.2)  # let the subscription reach the publisher (ZeroMQ's slow joiner)

    def stream(self, timeout: float | None = None, kinds: Iterable[str] | None = None
               ) -> Iterator[tuple[StreamMessage, float]]:
        """Yield (message, local receive time) until `timeout` seconds pass with nothing received."""
        if self._sub is None:
            self.subscribe(kinds=kinds)
        assert self._sub is not None
        wanted = set(kinds) if kinds else self._kinds
        wait_ms = -1 if timeout is None else int(timeout * 1000)
        while self._sub.poll(wait_ms):
            _, payload = self._sub.recv_multipart()
            received = time.monotonic()
            try:
                message = decode_stream(payload)
            except RequestError:
                continue
            if isinstance(message, Event):
                self._saw_run(message.run)
            if wanted is None or message.KIND in wanted:
                yield message, received

    def _saw_run(self, run_id: str) -> None:
        """A run id other than the last one seen: the sidecar restarted (its seq numbering began again at 0)."""
        if not run_id or run_id == self.run_id:
            return
        if self.run_id is not None:
            self.restarts += 1
        self.run_id = run_id

    def close(self) -> None:
        self.context.destroy(linger=0)

    def __enter__(self) -> BridgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
