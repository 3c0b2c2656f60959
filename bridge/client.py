"""A Python client of the sidecar: requests over DEALER, the stream over SUB, and clock sync.

    with BridgeClient() as client:
        take = client.say("Hi everyone!")
        for message in client.stream(kinds={"audio", "event"}, timeout=5):
            ...
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq

from bridge.protocol import (
    DescribeRequest,
    InterruptRequest,
    LookAtRequest,
    PingRequest,
    Request,
    RequestError,
    SayRequest,
    StreamMessage,
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
        self.control = self._socket(zmq.DEALER)
        self.control.connect(control)
        self.stream_endpoint = stream or control.rsplit(":", 1)[0] + ":" + str(int(control.rsplit(":", 1)[1]) + 1)
        self._sub: zmq.Socket | None = None

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

    # -- requests ----------------------------------------------------------------------------------------------

    def request(self, request: Request) -> dict[str, Any]:
        """Send one request and wait for its reply. Raises BridgeError on an error reply, TimeoutError if none."""
        request_id = next(self._ids)
        self.control.send(encode_request(request, request_id))
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self.control.poll(int(remaining * 1000)):
                raise TimeoutError(f"no reply to {request.OP!r} within {self.timeout} s: is the sidecar running "
                                   "(avatar-bridge serve) and are the endpoints right?")
            reply = decode_reply(self.control.recv())
            if reply.get("id") != request_id:
                continue  # a late reply to an earlier request that timed out
            if not reply.get("ok"):
                error = reply.get("error", {})
                raise BridgeError(error.get("code", "?"), error.get("message", "?"), error.get("field", ""))
            return reply

    def describe(self) -> dict[str, Any]:
        return self.request(DescribeRequest())

    def say(self, text: str, avatar: str | None = None, emotion: str | None = None, literal: bool = False) -> str:
        request = SayRequest(text=text, avatar=avatar, emotion=emotion, literal=literal or None)
        return str(self.request(request)["take"])

    def look_at(self, target: str | list[float], avatar: str | None = None) -> dict[str, Any]:
        """Turn the gaze to a named target or an [x, y, z] point; the reply has the point and the pts."""
        return self.request(LookAtRequest(target=target, avatar=avatar))

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
            if wanted is None or message.KIND in wanted:
                yield message, received

    def close(self) -> None:
        self.context.destroy(linger=0)

    def __enter__(self) -> BridgeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
