"""Sinks: where the performer's messages go. Each is independent: a slow or failing sink never stalls the
performer or another sink (each send is non-blocking; a failure is logged and counted, never raised)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from bridge.protocol import StreamMessage, encode_stream, topic

log = logging.getLogger(__name__)


class Sink(Protocol):
    name: str

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        """Take one message (already encoded once for all sinks). Must not block."""
        ...

    def close(self) -> None: ...


class Hub:
    """Fans each message out to every sink, encoding it once."""

    def __init__(self, sinks: list[Sink] | None = None) -> None:
        self.sinks: list[Sink] = list(sinks or [])
        self.failures: dict[str, int] = {}

    def add(self, sink: Sink) -> None:
        self.sinks.append(sink)

    def __call__(self, message: StreamMessage) -> None:
        payload = encode_stream(message)
        name = topic(message)
        for sink in self.sinks:
            try:
                sink.send(message, name, payload)
            except Exception:
                count = self.failures[sink.name] = self.failures.get(sink.name, 0) + 1
                if count & (count - 1) == 0:  # log the 1st, 2nd, 4th, 8th... failure, not every frame
                    log.exception("sink failed", extra={"sink": sink.name, "failures": count})

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


class AvatarFilter:
    """Passes on only some avatars' messages: an output that serves part of the cast (a VMC marionette per host)."""

    def __init__(self, sink: Sink, avatars: Iterable[str]) -> None:
        self.sink = sink
        self.name = sink.name
        self.avatars = frozenset(avatars)

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        if message.avatar in self.avatars:
            self.sink.send(message, topic, payload)

    def close(self) -> None:
        self.sink.close()


class Recorder:
    """Keeps every message in memory: offline render and tests."""

    name = "recorder"

    def __init__(self) -> None:
        self.messages: list[StreamMessage] = []

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        self.messages.append(message)

    def close(self) -> None:
        pass
