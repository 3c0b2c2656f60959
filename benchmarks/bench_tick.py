"""The performer's tick: what one frame costs on the event loop for 1 to 16 avatars, idle and while every avatar
speaks (face, mouth and body layers, frame messages encoded for the sinks), on a virtual clock. At 60 Hz a tick
has 16.7 ms; the per-tick cost is what limits the number of hosts one sidecar keeps real time. Wall time per tick
(p50 / p99) is what a frame waits; CPU time of the ticking thread (p50, and per avatar) is its cost, which other
work on a shared machine does not inflate.

    python -m benchmarks.bench_tick [--ticks 600]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.common import percentiles, table, write
from bridge.config import AvatarConfig
from bridge.performer import VirtualClock
from bridge.pipeline import build_pipeline
from bridge.sinks import Hub
from models.tts import Voice

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_voice import FakeVoice  # noqa: E402  (exactly known speech: the tick is the point, not the voice)

LINE = " ".join(["Hello there friends, welcome to the show."] * 6)
AVATARS = (1, 4, 8, 16)


def tick_ms(avatars: int, ticks: int, speaking: bool) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds per tick for `avatars` avatars: the Hub encodes every message, for no sink."""
    clock = VirtualClock()
    voice: Voice = FakeVoice()
    pipeline = build_pipeline([AvatarConfig(f"a{i}") for i in range(avatars)], lambda config: voice,
                              Hub(), clock, frame_rate=60.0, lookahead=0.1)
    if speaking:
        for avatar in pipeline.avatars.values():
            avatar.director.say(LINE)
    performer, wall, cpu = pipeline.performer, [], []
    for k in range(ticks + 60):
        started, started_cpu = time.perf_counter(), time.thread_time()
        performer.tick(clock.t)
        if k >= 60:  # the first second warms caches and numpy up
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
        clock.t += performer.period
    return wall, cpu


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=600, help="ticks measured per case (default %(default)s)")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    rows = []
    for n in AVATARS:
        for speaking in (False, True):
            case = f"{n} avatar{'s' if n > 1 else ''} {'speaking' if speaking else 'idle'}"
            wall, cpu = tick_ms(n, args.ticks, speaking)
            stats = {**percentiles(wall, 50, 99), "cpu_p50": percentiles(cpu, 50)["p50"]}
            stats["cpu_per_avatar"] = stats["cpu_p50"] / n
            results[case] = stats
            rows.append((f"{case}: tick p50 / p99", f"{stats['p50']:.2f} / {stats['p99']:.2f} ms", "< 16.7 ms"))
            rows.append((f"{case}: CPU p50, per avatar", f"{stats['cpu_p50']:.2f} ms, {stats['cpu_per_avatar']:.2f}",
                         ""))
    print(table(rows, f"performer tick ({args.ticks} ticks per case, 60 Hz, virtual clock)"))
    path = write("tick", {"ticks": args.ticks, "tick_ms": results})
    print(f"wrote {path}")
    return results


if __name__ == "__main__":
    main()
