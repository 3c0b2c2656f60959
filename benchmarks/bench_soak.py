"""Soak: minutes of a live show on a virtual clock, to catch state that grows with time (issue 13). One avatar
says line after line (with emotion and `<gesture>` tags), looks somewhere new 10 times a second and plays a
gesture every few seconds; the tick's cost at the start and at the end, the memory's growth per simulated hour
(tracemalloc, after a warm-up) and the Take objects still alive at the end tell whether anything piles up.
Exits non-zero when the memory or the tick cost grows beyond the bounds below.

    python -m benchmarks.bench_soak [--minutes 2] [--frame-rate 10]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from benchmarks.common import table, write
from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.sinks import Hub
from models.take import Take

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fake_voice import FakeVoice  # noqa: E402  (exactly known speech: the show's state is the point)

LINES = ("Hello <wave> everyone, [happy] welcome back to the show.",
         "Today we look at <point> something [surprised:0.7] rather special.",
         "It is light, it is fast, and [excited] it is <nod> yours.",
         "Let me <present_product> show you how it works.",
         "Thank you [happy:0.6] for <heart_hands> watching.")
TARGETS = ("camera", "audience", "product", [0.4, 0.1, 1.0], [-0.5, -0.2, 1.5])
GESTURES = ("nod", "shrug", "thumbs_up")
LOOK_AT_HZ, GESTURE_EVERY_S = 10.0, 4.0
#: Bounds the soak fails beyond: memory growth per simulated hour, and the tick's cost at the end over the start.
#: A line is about 130 KB of audio and the show says about 25 a minute: keeping every take would grow some
#: 190 MB an hour, so 5 catches a fortieth of that; the show's own state grows about 0.1 MB an hour.
MAX_MB_PER_HOUR, MAX_TICK_GROWTH = 5.0, 1.5
#: Seconds of show at the start (after a warm-up) and at the end whose ticks are compared.
WINDOW_S = 30.0


def soak(minutes: float, frame_rate: float) -> dict[str, float]:
    clock = VirtualClock()
    voice = FakeVoice()
    pipeline = one_avatar(voice, Hub(), clock, frame_rate=frame_rate)
    avatar, performer = pipeline.avatars["host"], pipeline.performer
    end = minutes * 60.0
    warm = min(WINDOW_S, end / 4)
    # (pts, ms) per tick, allocated before tracing starts: the benchmark's own record must not look like growth.
    ticks = np.full((int(end * frame_rate) + 2, 2), np.nan)
    n = 0
    memory: list[tuple[float, float]] = []  # (pts, MB traced)
    take: Take | None = None
    lines = looks = gestures = 0
    next_look = next_gesture = next_sample = 0.0
    tracemalloc.start()
    wall = time.perf_counter()
    while clock.t < end:
        if take is None or take.done:
            if clock.t >= warm and clock.t >= next_sample:  # between takes: the same point of every line
                gc.collect()  # what is kept, not garbage a collection has yet to reach
                memory.append((clock.t, tracemalloc.get_traced_memory()[0] / 1e6))
                next_sample = clock.t + 10.0
            voice.calls.clear()  # the test double's record of every line (the only growth a trace found)
            take = avatar.director.say(LINES[lines % len(LINES)])
            lines += 1
        if clock.t >= next_look:
            avatar.look_at(TARGETS[looks % len(TARGETS)])
            looks += 1
            next_look += 1.0 / LOOK_AT_HZ
        if clock.t >= next_gesture:
            avatar.gesture(GESTURES[gestures % len(GESTURES)])
            gestures += 1
            next_gesture += GESTURE_EVERY_S
        started = time.perf_counter()
        performer.tick(clock.t)
        ticks[n] = clock.t, (time.perf_counter() - started) * 1000
        n += 1
        clock.t += performer.period
    wall = time.perf_counter() - wall
    take = None
    gc.collect()
    live = sum(isinstance(o, Take) for o in gc.get_objects())
    tracemalloc.stop()
    t, ms = ticks[:n].T
    first, last = ms[(t >= warm) & (t < warm + WINDOW_S)], ms[t >= end - WINDOW_S]
    times, mb = np.array(memory).T
    return {"minutes": minutes, "frame_rate": frame_rate, "wall_s": wall, "lines": lines, "look_ats": looks,
            "gestures": gestures, "tick_ms_start": float(np.median(first)), "tick_ms_end": float(np.median(last)),
            "traced_mb_start": float(mb[0]), "traced_mb_end": float(mb[-1]),
            "mb_per_hour": float(np.polyfit(times, mb, 1)[0] * 3600.0), "live_takes": live}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="minutes of show time (default %(default)s)")
    parser.add_argument("--frame-rate", type=float, default=10.0,
                        help="ticks a second (default %(default)s: the layers' state, not the frame rate, is tested)")
    args = parser.parse_args(argv)
    r = soak(args.minutes, args.frame_rate)
    growth = r["tick_ms_end"] / r["tick_ms_start"]
    rows = [("show time / wall time", f"{r['minutes'] * 60:.0f} / {r['wall_s']:.1f} s", ""),
            ("lines / look_ats / gestures", f"{r['lines']} / {r['look_ats']} / {r['gestures']}", ""),
            ("tick p50, start -> end", f"{r['tick_ms_start']:.2f} -> {r['tick_ms_end']:.2f} ms",
             f"end < {MAX_TICK_GROWTH}x start"),
            ("traced memory, start -> end", f"{r['traced_mb_start']:.2f} -> {r['traced_mb_end']:.2f} MB", ""),
            ("memory slope", f"{r['mb_per_hour']:.2f} MB/h", f"< {MAX_MB_PER_HOUR} MB per simulated hour"),
            ("live Take objects at the end", f"{r['live_takes']}", "a few (the last takes)")]
    print(table(rows, f"soak: one avatar, {args.minutes:g} min of show at {args.frame_rate:g} Hz, virtual clock "
                      f"(tick cost under tracemalloc)"))
    path = write("soak", {**r, "bounds": {"mb_per_hour": MAX_MB_PER_HOUR, "tick_growth": MAX_TICK_GROWTH}})
    print(f"wrote {path}")
    failures = []
    if r["mb_per_hour"] > MAX_MB_PER_HOUR:
        failures.append(f"memory grows {r['mb_per_hour']:.1f} MB per simulated hour (bound {MAX_MB_PER_HOUR})")
    if growth > MAX_TICK_GROWTH:
        failures.append(f"the tick got {growth:.2f}x slower over the show (bound {MAX_TICK_GROWTH}x)")
    if failures:
        raise SystemExit("soak failed: " + "; ".join(failures))
    return r


if __name__ == "__main__":
    main()
