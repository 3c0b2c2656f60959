"""Dance: beat-tracking error on click tracks of known tempo and the Beat Alignment Score of our dance.

For 60, 90, 120, 150 and 180 BPM (30 s synthetic click tracks) and, when pygame is installed, the house loop
its wheel ships (pygame/examples/data/house_lo.wav, no ground truth: tempo and BAS only):
- beat tracking: tempo, mean and max distance from each true beat to the nearest tracked beat, F-measure
  (a tracked beat within ±70 ms of a true one, the MIREX window);
- BAS (AIST++/Bailando: σ = 50 ms, kinematic beats = minima of the smoothed mean joint speed, 60 fps)
  against the tracked beats (the papers' setting: music beats come from the music analysis) and against the
  true beats; the largest distance from a true beat to the nearest kinematic beat;
- baselines for scale: the idle motion (not dancing) and the dance played half a beat late (anti-phase);
- cost: seconds to track a track, milliseconds per dance frame and per body tick.

    python -m benchmarks.bench_dance
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import percentiles, table, write
from models.body.dance import SAMPLE_RATE, load_music, plan_dance, track_beats, warm_up
from models.body.idle import Idle
from models.body.metrics import beat_alignment_score, click_track, joint_positions, kinematic_beats, nearest_distances

TEMPI = (60.0, 90.0, 120.0, 150.0, 180.0)
SECONDS = 30.0
FPS = 60.0
#: Bailando (CVPR 2022) on AIST++, and the AIST++ ground-truth dances, as published.
PUBLISHED = {"Bailando": 0.2332, "AIST++ ground truth": 0.2374}


def f_measure(truth: np.ndarray, found: np.ndarray, window: float = 0.07) -> float:
    hits = int((nearest_distances(truth, found) <= window).sum())
    precision = hits / max(len(found), 1)
    recall = hits / max(len(truth), 1)
    return 2 * precision * recall / max(precision + recall, 1e-9)


def dance_case(audio: np.ndarray, truth: np.ndarray | None) -> dict[str, Any]:
    start = time.perf_counter()
    grid = track_beats(audio, SAMPLE_RATE)
    track_s = time.perf_counter() - start
    dance = plan_dance(grid, seed=0)
    duration = len(audio) / SAMPLE_RATE
    times = np.arange(0.0, duration, 1.0 / FPS)
    start = time.perf_counter()
    poses = [dance.sample(t) for t in times]
    frame_ms = (time.perf_counter() - start) / len(times) * 1000
    kinematic = kinematic_beats(joint_positions(poses), FPS)
    # Leave out the first and last second, where the dance eases in and out.
    inner = dance.beat_times[(dance.beat_times > 1.0) & (dance.beat_times < duration - 1.0)]
    late = kinematic_beats(joint_positions([dance.sample(t - 0.5 * 60.0 / grid.tempo) for t in times]), FPS)
    out: dict[str, Any] = {
        "tempo_bpm": grid.tempo, "clear": grid.clear, "pulse_clarity": grid.pulse_clarity, "beats": len(grid.beats),
        "moves": sorted({p.move for p in dance.phrases}), "bas_vs_tracked": beat_alignment_score(inner, kinematic),
        "bas_half_beat_late": beat_alignment_score(inner, late), "track_s": track_s, "frame_ms": frame_ms,
    }
    if truth is not None:
        truth = truth[(truth > 1.0) & (truth < duration - 1.0)]
        d = nearest_distances(truth, grid.beats)
        # Score the tracked beats of the same window (give or take the matching tolerance).
        found = grid.beats[(grid.beats > 1.0 - 0.07) & (grid.beats < duration - 1.0 + 0.07)]
        out.update({"beat_error_mean_ms": 1000 * float(d.mean()), "beat_error_max_ms": 1000 * float(d.max()),
                    "f_measure": f_measure(truth, found), "bas_vs_true": beat_alignment_score(truth, kinematic),
                    "kinematic_max_ms": 1000 * float(nearest_distances(truth, kinematic).max())})
    return out


def body_tick_ms(ticks: int = 600) -> dict[str, float]:
    """What the body adds to a performer tick when nothing else plays: idle with leg IK, compositing, FK-free
    packing of the pose frame."""
    from bridge.protocol import PoseFrame
    from models.body.avatar import AvatarBody
    from models.body.gestures import load_library
    from models.layers import AvatarPose

    body = AvatarBody(load_library(), now=lambda: 0.0)
    costs = []
    for k in range(ticks):
        start = time.perf_counter()
        pose = AvatarPose()
        body.apply(k / FPS, pose)
        assert pose.body is not None
        PoseFrame("host", k, k / FPS, [float(v) for v in pose.body.root], pose.body.rotations.astype("<f4").tobytes())
        costs.append((time.perf_counter() - start) * 1000)
    return percentiles(costs, 50, 95)


def house_loop() -> Path | None:
    try:
        import pygame
    except ImportError:
        return None
    path = Path(pygame.__file__).parent / "examples" / "data" / "house_lo.wav"
    return path if path.is_file() else None


def main(argv: list[str]) -> int:
    start = time.perf_counter()
    warm_up()
    warm_s = time.perf_counter() - start
    results: dict[str, Any] = {"fps": FPS, "seconds": SECONDS, "warm_up_s": warm_s, "published": PUBLISHED,
                               "click_tracks": {}}
    rows = [("beat tracker warm-up (numba)", f"{warm_s:.1f} s", "once per process")]
    for bpm in TEMPI:
        audio, truth = click_track(bpm, SECONDS, SAMPLE_RATE)
        case = dance_case(audio, truth)
        results["click_tracks"][f"{bpm:g}"] = case
        rows += [
            (f"{bpm:g} BPM: tempo", f"{case['tempo_bpm']:.1f}", f"{bpm:g} ±2%"),
            (f"{bpm:g} BPM: beat error mean/max",
             f"{case['beat_error_mean_ms']:.1f}/{case['beat_error_max_ms']:.1f} ms", "< 20 ms"),
            (f"{bpm:g} BPM: F-measure (±70 ms)", f"{case['f_measure']:.3f}", "1.0"),
            (f"{bpm:g} BPM: BAS vs tracked / true", f"{case['bas_vs_tracked']:.3f}/{case['bas_vs_true']:.3f}",
             f"> Bailando {PUBLISHED['Bailando']}"),
            (f"{bpm:g} BPM: BAS half a beat late", f"{case['bas_half_beat_late']:.3f}", "low (sanity)"),
            (f"{bpm:g} BPM: max kinematic-beat gap", f"{case['kinematic_max_ms']:.1f} ms", "< 50 ms"),
        ]
    idle = Idle(seed=0)
    times = np.arange(0.0, SECONDS, 1.0 / FPS)
    idle_beats = kinematic_beats(joint_positions([idle.sample(t) for t in times]), FPS)
    _, truth = click_track(120.0, SECONDS, SAMPLE_RATE)
    results["idle_bas_120"] = beat_alignment_score(truth[(truth > 1.0) & (truth < SECONDS - 1.0)], idle_beats)
    rows.append(("idle (not dancing) BAS at 120 BPM", f"{results['idle_bas_120']:.3f}", "chance level"))
    path = house_loop()
    if path is None:
        results["house_lo"] = "pygame not installed"
        rows.append(("house_lo.wav", "skipped", "pip install pygame"))
    else:
        audio, _ = load_music(path)
        case = dance_case(audio, None)
        results["house_lo"] = case
        rows += [("house_lo.wav: tempo, clarity", f"{case['tempo_bpm']:.1f}, {case['pulse_clarity']:.2f}", "-"),
                 ("house_lo.wav: BAS vs tracked", f"{case['bas_vs_tracked']:.3f}", f"> {PUBLISHED['Bailando']}")]
    body_ms = body_tick_ms()
    results["body_tick_ms"] = body_ms
    rows.append(("body layer per tick (idle, p50/p95)", f"{body_ms['p50']:.2f}/{body_ms['p95']:.2f} ms",
                 "< 16.7 ms (60 Hz)"))
    frame_ms = float(np.mean([c["frame_ms"] for c in results["click_tracks"].values()]))
    track_s = float(np.mean([c["track_s"] for c in results["click_tracks"].values()]))
    results.update({"frame_ms_mean": frame_ms, "track_s_per_30s_mean": track_s})
    rows += [("dance frame cost", f"{frame_ms:.2f} ms", "< 16.7 ms (60 Hz)"),
             ("beat tracking of 30 s", f"{track_s:.2f} s", "-")]
    print(table(rows, "Dance: beat tracking and Beat Alignment Score (σ = 50 ms, 60 fps)"))
    print(f"wrote {write('dance', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
