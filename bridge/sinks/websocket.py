"""The browser's stream: a WebSocket sink carrying the same messages as the ZeroMQ PUB, and the same control
requests as the ROUTER, so a browser is just another thin client (docs/preview.md).

Each stream message goes out as one binary WebSocket frame holding exactly the msgpack map of the PUB's second
frame (the topic's avatar and kind are inside the map). A binary frame from the client is a control request,
answered by the same handler as the ROUTER (`Sidecar.handle`); the reply goes back on the same connection ahead
of any waiting stream message. A client tells them apart by the map: a reply has `ok`, a stream message `kind`.

Every client has its own bounded queue. A browser that cannot keep up loses its oldest queued messages (the `seq`
gaps show it) and nobody else waits: `send` only appends to in-memory queues and wakes the writers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from bridge.protocol import RequestError, StreamMessage, error_reply

log = logging.getLogger(__name__)

#: Stream messages queued per client before its oldest are dropped: about 3 s of one avatar's stream
#: (60 face + 60 pose + 43 audio messages a second).
QUEUE_LIMIT = 512

Control = Callable[[bytes, str], Awaitable[bytes]]


class WebSocketClient:
    """One connected browser: its queues and counters. The writer task drains replies first, then the stream."""

    def __init__(self, connection: ServerConnection, limit: int) -> None:
        self.connection = connection
        self.limit = limit
        self.peer = _peer(connection)
        self.stream: deque[bytes] = deque()
        self.replies: deque[bytes] = deque()
        self.wake = asyncio.Event()
        self.sent = 0
        self.dropped = 0

    def push(self, payload: bytes) -> None:
        if len(self.stream) >= self.limit:
            self.stream.popleft()  # a late message is worth less than the next one: skip ahead
            self.dropped += 1
        self.stream.append(payload)
        self.wake.set()

    def reply(self, payload: bytes) -> None:
        self.replies.append(payload)
        self.wake.set()

    async def write(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.replies or self.stream:
                payload = self.replies.popleft() if self.replies else self.stream.popleft()
                await self.connection.send(payload)  # waits while this client's socket buffer is full
                self.sent += 1


class WebSocketSink:
    """Fans the stream out to WebSocket clients and feeds their requests to `control`. Never blocks."""

    name = "websocket"

    def __init__(self, control: Control, queue_limit: int = QUEUE_LIMIT) -> None:
        self.control = control
        self.queue_limit = queue_limit
        self.clients: set[WebSocketClient] = set()
        self.dropped_total = 0  # drops of clients that have gone

    @property
    def dropped(self) -> int:
        return self.dropped_total + sum(c.dropped for c in self.clients)

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        for client in self.clients:
            client.push(payload)

    async def serve(self, connection: ServerConnection) -> None:
        """Run one client until it disconnects: stream out, requests in."""
        client = WebSocketClient(connection, self.queue_limit)
        self.clients.add(client)
        writer = asyncio.create_task(client.write(), name=f"websocket writer {client.peer}")
        log.info("preview client connected", extra={"peer": client.peer})
        try:
            async for raw in connection:
                if isinstance(raw, str):
                    client.reply(error_reply(None, RequestError(
                        "malformed", "send requests as binary frames holding a msgpack map, not text")))
                    continue
                client.reply(await self.control(raw, client.peer))
        except ConnectionClosed:
            pass
        finally:
            writer.cancel()
            self.clients.discard(client)
            self.dropped_total += client.dropped
            log.info("preview client gone", extra={"peer": client.peer, "sent": client.sent,
                                                   "dropped": client.dropped})

    def close(self) -> None:
        # The server that owns the connections closes them; the queues go with the clients.
        for client in self.clients:
            client.stream.clear()


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"ws:{address[0]}:{address[1]}" if isinstance(address, tuple) else "ws"
