"""`avatar-bridge monitor`: what the stream carries, live — kinds, rates, pts lag, sequence drops, restarts."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from bridge.client import BridgeClient, ClockSync
from bridge.protocol import Event, StreamMessage


@dataclass
class KindStats:
    count: int = 0
    dropped: int = 0
    lags: list[float] = field(default_factory=list)
    last_seq: dict[str, int] = field(default_factory=dict)


class StreamStats:
    """Counts messages per kind over a window; lag is pts minus the sidecar's clock at receipt."""

    def __init__(self, sync: ClockSync) -> None:
        self.sync = sync
        self.kinds: dict[str, KindStats] = defaultdict(KindStats)
        self.events: list[str] = []

    def add(self, message: StreamMessage, received: float) -> None:
        stats = self.kinds[message.KIND]
        stats.count += 1
        seq = getattr(message, "seq", None)
        if seq is not None:
            last = stats.last_seq.get(message.avatar)
            if last is not None and seq > last + 1:
                stats.dropped += seq - last - 1
            stats.last_seq[message.avatar] = seq
        pts = getattr(message, "pts", None)
        if pts is not None:
            stats.lags.append(pts - self.sync.to_sidecar(received))
        if isinstance(message, Event):
            self.events.append(f"{message.avatar} {message.type} {message.take or ''}".strip())

    def restarted(self, run_id: str, sync: ClockSync) -> None:
        """A new sidecar run: its numbering starts over (no drop across it) and its clock is measured anew."""
        for s in self.kinds.values():
            s.last_seq.clear()
        self.sync = sync
        self.events.append(f"sidecar restarted: run {run_id}")

    def report(self, window: float) -> str:
        lines = [f"{'kind':10} {'msg/s':>8} {'drops':>6} {'pts lag ms (min/avg/max)':>26}"]
        for kind in sorted(self.kinds):
            s = self.kinds[kind]
            lag = (f"{min(s.lags) * 1e3:7.1f} {sum(s.lags) / len(s.lags) * 1e3:7.1f} {max(s.lags) * 1e3:7.1f}"
                   if s.lags else "")
            lines.append(f"{kind:10} {s.count / window:8.1f} {s.dropped:6d} {lag:>26}")
        if self.events:
            lines.append("events: " + "; ".join(self.events[-5:]))
        return "\n".join(lines)

    def reset(self) -> None:
        for s in self.kinds.values():
            s.count, s.lags = 0, []
        self.events.clear()


def monitor(client: BridgeClient, out: TextIO, interval: float = 1.0, duration: float | None = None) -> None:
    """Print a stats table every `interval` seconds until `duration` passes (or forever)."""
    described = client.describe()
    sync = client.sync_clock()
    out.write(f"sidecar run {described['run']}, protocol v{described['protocol_version']}, "
              f"avatars {', '.join(described['avatars'])}, {described['frame_rate']:g} fps, "
              f"audio {described['audio']['rate']} Hz; clock offset "
              f"{sync.offset * 1e3:.2f} ms (rtt {sync.rtt * 1e3:.2f} ms)\n")
    client.subscribe()
    stats = StreamStats(sync)
    restarts = client.restarts
    start = window_start = time.monotonic()
    while duration is None or time.monotonic() - start < duration:
        for message, received in client.stream(timeout=0.05):
            if client.restarts != restarts:  # this message is the first seen of a new run
                restarts = client.restarts
                stats.restarted(str(client.run_id), client.sync_clock())
            stats.add(message, received)
            if time.monotonic() - window_start >= interval:
                break
        now = time.monotonic()
        if now - window_start >= interval:
            out.write(stats.report(now - window_start) + "\n\n")
            out.flush()
            stats.reset()
            window_start = now

