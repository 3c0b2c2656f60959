"""The native stream: a ZeroMQ PUB socket, multipart [b"<avatar>/<kind>", msgpack map]."""

from __future__ import annotations

import zmq

from bridge.protocol import StreamMessage

#: Messages queued per subscriber before ZeroMQ drops for that subscriber alone (about 5 s of stream).
SEND_HWM = 2000
#: How long closing waits for queued messages to go out, in milliseconds.
CLOSE_LINGER_MS = 250


class ZmqPubSink:
    """Publishes without ever blocking: a slow subscriber loses messages at its high-water mark, nobody waits."""

    name = "zmq"

    def __init__(self, socket: zmq.Socket) -> None:
        self.socket = socket
        self.dropped = 0

    def send(self, message: StreamMessage, topic: bytes, payload: bytes) -> None:
        try:
            self.socket.send_multipart([topic, payload], flags=zmq.NOBLOCK, copy=False)
        except zmq.Again:
            self.dropped += 1

    def close(self) -> None:
        # A moment for what is queued (a stop's last events) to reach subscribers; a gone one does not hold it up.
        self.socket.close(linger=CLOSE_LINGER_MS)
