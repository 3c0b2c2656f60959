"""UDP datagrams sent at their pts: what the Live Link Face and VMC sinks share.

Their receivers apply a packet the moment it arrives, so a packet published a lookahead ahead is held until its
pts on the event loop (whose clock is the sidecar's monotonic pts clock); an interrupt cancels the packets still
waiting past the cut. Sending never blocks and never raises into the performer.
"""

from __future__ import annotations

import asyncio
import socket


def parse_address(text: str, default_host: str, default_port: int, what: str) -> tuple[str, int]:
    """"HOST:PORT", "HOST" or ":PORT", with the defaults for what is left out. Raises ValueError naming the problem."""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    host = host.strip("[]") or default_host
    if not port:
        return host, default_port
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"{what} port must be a number from 1 to 65535, got {port!r}")
    return host, int(port)


class TimedUdpSender:
    """A non-blocking UDP socket that sends each packet at its pts (or at once when `at_pts` is off or no loop
    runs), per avatar, and cancels an avatar's pending packets past an interrupt."""

    def __init__(self, host: str, port: int, at_pts: bool = True) -> None:
        self.address = (host, port)
        self.at_pts = at_pts  # False: send as published (tests, or a receiver with its own buffer)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        self.socket.setblocking(False)
        self._pending: dict[str, list[tuple[float, asyncio.TimerHandle]]] = {}
        self.sent = 0
        self.dropped = 0

    def schedule(self, avatar: str, pts: float, packet: bytes) -> None:
        loop = _running_loop() if self.at_pts else None
        if loop is None:
            self.send_now(packet)
            return
        handle = loop.call_at(pts, self.send_now, packet)
        pending = self._pending.setdefault(avatar, [])
        pending.append((pts, handle))
        now = loop.time()
        while pending and pending[0][0] < now:
            pending.pop(0)

    def send_now(self, packet: bytes) -> None:
        try:
            self.socket.sendto(packet, self.address)
            self.sent += 1
        except OSError:  # nobody listening, buffer full: one frame is not worth a stall
            self.dropped += 1

    def cancel_after(self, avatar: str, cut: float) -> None:
        kept = []
        for pts, handle in self._pending.get(avatar, []):
            if pts > cut:
                handle.cancel()
            else:
                kept.append((pts, handle))
        self._pending[avatar] = kept

    def close(self) -> None:
        for pending in self._pending.values():
            for _, handle in pending:
                handle.cancel()
        self.socket.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
