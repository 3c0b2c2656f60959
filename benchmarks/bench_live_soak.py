"""Live soak: the real sidecar (a subprocess with the bundled voice) through minutes of a show's traffic in real
time — a tagged line every few seconds, gaze 10 times a second, a gesture every 4 s — measured by a subscriber:
face frames per second in each window, pts drift against the wall clock, face sequence gaps, voice_busy events,
and the sidecar's resident memory per window with its slope per hour over the run's second half (issue 13).
Exits non-zero beyond the bounds below. bench_soak is the same show on a virtual clock (hours of it, traced
memory); this one is the process as the operator runs it.

    python -m benchmarks.bench_live_soak [--minutes 6] [--window 10]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.common import table, write
from bridge.client import BridgeClient
from bridge.protocol import Event, FaceFrame, GestureRequest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_soak import GESTURES, LINES, TARGETS  # noqa: E402
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar  # noqa: E402

LINE_EVERY_S, LOOK_AT_HZ, GESTURE_EVERY_S = 6.0, 10.0, 4.0
#: Bounds: every window at least this share of the frame rate; pts may drift at most this far from the wall clock
#: over the run; resident memory may grow at most this much per hour (after the first window's warm-up).
MIN_FPS_SHARE, MAX_DRIFT_S, MAX_RSS_SLOPE_MB_H = 0.95, 0.005, 50.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def drive(sidecar: RunningSidecar, stop: threading.Event) -> dict[str, int]:
    """The show's requests, on a client of their own, until `stop`."""
    sent = {"say": 0, "look_at": 0, "gesture": 0}
    lines, targets, gestures = itertools.cycle(LINES), itertools.cycle(TARGETS), itertools.cycle(GESTURES)
    with BridgeClient(sidecar.control, timeout=10) as client:
        start = time.monotonic()
        for tick in itertools.count():
            if stop.wait(max(0.0, start + tick / LOOK_AT_HZ - time.monotonic())):
                break
            client.look_at(next(targets))
            sent["look_at"] += 1
            if tick % round(LINE_EVERY_S * LOOK_AT_HZ) == 0:
                client.say(next(lines))
                sent["say"] += 1
            if tick % round(GESTURE_EVERY_S * LOOK_AT_HZ) == round(GESTURE_EVERY_S * LOOK_AT_HZ) // 2:
                client.request(GestureRequest(name=next(gestures)))
                sent["gesture"] += 1
    return sent


def soak(sidecar: RunningSidecar, seconds: float, window: float) -> dict:
    with BridgeClient(sidecar.control, sidecar.stream, timeout=10) as client:
        described = client.describe()
        rate = float(described["frame_rate"])
        client.subscribe(avatar=described["avatars"][0], kinds=["face", "event"])
        sync = client.sync_clock(16)
        stop = threading.Event()
        sent: dict[str, int] = {}
        driver = threading.Thread(target=lambda: sent.update(drive(sidecar, stop)), daemon=True)
        start = time.monotonic()
        driver.start()
        frames = np.zeros(int(np.ceil(seconds / window)), dtype=np.int64)
        leads: list[list[float]] = [[] for _ in frames]
        rss: list[tuple[float, float]] = [(0.0, rss_mb(sidecar.process.pid))]
        gaps, last_seq, busy = 0, None, 0
        for message, received in client.stream(timeout=5):
            elapsed = received - start
            if elapsed >= seconds:
                break
            w = int(elapsed // window)
            if len(rss) <= w:
                rss.append((elapsed, rss_mb(sidecar.process.pid)))
            if isinstance(message, FaceFrame):
                frames[w] += 1
                leads[w].append(message.pts - sync.to_sidecar(received))  # how far ahead of now the frame is
                if last_seq is not None and message.seq != last_seq + 1:
                    gaps += message.seq - last_seq - 1
                last_seq = message.seq
            elif isinstance(message, Event) and message.type == "voice_busy":
                busy += 1
        stop.set()
        driver.join(10)
    fps = frames / window
    lead_ms = [float(np.median(w)) * 1e3 for w in leads if w]
    # The slope over the second half: the first fills the allocators' arenas and caches (steps of a few MB as
    # longer lines come), which is not growth.
    settled = rss[len(rss) // 2:]
    hours = np.array([t for t, _ in settled]) / 3600
    slope = float(np.polyfit(hours, [m for _, m in settled], 1)[0]) if len(hours) >= 3 else float("nan")
    return {"seconds": seconds, "window_s": window, "frame_rate": rate, "sent": sent,
            "fps_min": float(fps.min()), "fps_median": float(np.median(fps)), "fps_per_window": fps.tolist(),
            "lead_ms_first": lead_ms[0], "lead_ms_last": lead_ms[-1], "drift_ms": lead_ms[-1] - lead_ms[0],
            "face_seq_gaps": gaps, "voice_busy_events": busy,
            "rss_mb_start": rss[0][1], "rss_mb_end": rss[-1][1], "rss_slope_mb_per_h": slope,
            "rss_mb": [[round(t, 1), round(m, 1)] for t, m in rss]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_live_soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=6.0,
                        help="how long the show runs (default 6: the memory settles in the first three)")
    parser.add_argument("--window", type=float, default=10.0, help="seconds per measured window (default 10)")
    args = parser.parse_args(argv)
    print(f"live soak: {args.minutes:g} minutes of show against a real sidecar...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        sidecar = start_sidecar(Path(folder), timeout=120)
        try:
            results = soak(sidecar, args.minutes * 60, args.window)
        finally:
            stop_sidecar(sidecar)
    rate = results["frame_rate"]
    checks = {"fps": results["fps_min"] >= MIN_FPS_SHARE * rate,
              "drift": abs(results["drift_ms"]) <= MAX_DRIFT_S * 1e3,
              "memory": not results["rss_slope_mb_per_h"] > MAX_RSS_SLOPE_MB_H,
              "gaps": results["face_seq_gaps"] == 0}
    results["passed"] = checks
    print(table([
        ("requests sent (say / look_at / gesture)",
         "{say} / {look_at} / {gesture}".format(**results["sent"]), "gaze at 10 Hz"),
        ("face fps, worst window / median", f"{results['fps_min']:.1f} / {results['fps_median']:.1f}",
         f">= {MIN_FPS_SHARE * rate:.0f}"),
        ("frame lead first / last window (ms)", f"{results['lead_ms_first']:.1f} / {results['lead_ms_last']:.1f}",
         "lookahead minus latency"),
        ("pts drift over the run (ms)", f"{results['drift_ms']:+.2f}", f"within ±{MAX_DRIFT_S * 1e3:g}"),
        ("face seq gaps", str(results["face_seq_gaps"]), "0"),
        ("voice_busy events", str(results["voice_busy_events"]), "informational"),
        ("RSS start / end (MB)", f"{results['rss_mb_start']:.0f} / {results['rss_mb_end']:.0f}", ""),
        ("RSS slope, second half (MB per hour)", f"{results['rss_slope_mb_per_h']:.1f}", f"<= {MAX_RSS_SLOPE_MB_H:g}"),
    ], f"Live soak ({args.minutes:g} min, real sidecar)"))
    print(f"wrote {write('live_soak', results)}")
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        print(f"live soak out of bounds: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
