"""Dance metrics: kinematic beats and the Beat Alignment Score (BAS) of AIST++ / Bailando.

Kinematic beats are the local minima of the mean joint speed: the moments a dancer "hits" a pose and stops.
BAS = mean over music beats t_m of exp(-d(t_m)² / 2σ²), with d the distance to the nearest kinematic beat.
This is Bailando's form (Siyao et al., CVPR 2022, and its code), which averages over music beats; AIST++
(Li et al., ICCV 2021) wrote the same kernel averaged over kinematic beats. Both use σ = 3 frames at
AIST++'s 60 fps, i.e. 50 ms, and smooth the speed with a Gaussian of σ = 5 frames before finding minima.
We work in seconds with the same values, so our numbers read on the same scale as the published ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import argrelextrema

from models.body.pose import BodyPose
from models.body.skeleton import HUMANOID, INDEX

if TYPE_CHECKING:
    from models.body.dance import Dance

#: AIST++ / Bailando: σ = 3 frames at 60 fps.
BAS_SIGMA_S = 3.0 / 60.0
#: Speed smoothing of Bailando's code: a Gaussian of σ = 5 frames at 60 fps.
SPEED_SMOOTHING_S = 5.0 / 60.0
#: The joints whose speed counts: the body without fingers (close to the 24 SMPL joints the papers use).
BODY_JOINTS = np.array([i for n, i in INDEX.items()
                        if not any(f in n for f in ("Thumb", "Index", "Middle", "Ring", "Little"))])


def joint_positions(poses: list[BodyPose]) -> np.ndarray:
    """Global joint positions [F, J, 3] of a pose sequence."""
    roots = np.stack([p.root for p in poses])
    rotations = np.stack([p.rotations for p in poses])
    return HUMANOID.forward_kinematics(roots, rotations)[0]


def joint_speed(positions: np.ndarray, fps: float, joints: np.ndarray = BODY_JOINTS) -> np.ndarray:
    """The smoothed mean joint speed (m/s) [F-1] of positions [F, J, 3] sampled at `fps`: speed[k] is the motion
    from frame k to k+1, at (k + 0.5) / fps. The curve whose minima are the kinematic beats."""
    positions = np.asarray(positions, dtype=np.float64)[:, joints]
    if len(positions) < 2:
        return np.zeros(0)
    speed = np.linalg.norm(np.diff(positions, axis=0), axis=-1).mean(axis=1) * fps
    return gaussian_filter1d(speed, SPEED_SMOOTHING_S * fps)


def kinematic_beats(positions: np.ndarray, fps: float, joints: np.ndarray = BODY_JOINTS) -> np.ndarray:
    """Times (s, from the first frame) of the local minima of the smoothed mean joint speed (`joint_speed`)."""
    if len(positions) < 3:
        return np.zeros(0)
    minima = argrelextrema(joint_speed(positions, fps, joints), np.less)[0]
    # speed[k] is the motion from frame k to k+1: its moment is half a frame after frame k.
    return (minima + 0.5) / fps


def beat_alignment_score(music_beats: np.ndarray, motion_beats: np.ndarray, sigma: float = BAS_SIGMA_S) -> float:
    """BAS: mean over music beats of exp(-d²/2σ²), d the distance (s) to the nearest kinematic beat."""
    music_beats = np.asarray(music_beats, dtype=np.float64)
    motion_beats = np.asarray(motion_beats, dtype=np.float64)
    if len(music_beats) == 0:
        raise ValueError("BAS needs at least one music beat")
    if len(motion_beats) == 0:
        return 0.0
    d = np.min(np.abs(music_beats[:, None] - motion_beats[None, :]), axis=1)
    return float(np.mean(np.exp(-(d**2) / (2.0 * sigma**2))))


def nearest_distances(reference: np.ndarray, found: np.ndarray) -> np.ndarray:
    """For each reference time, the distance (s) to the nearest found time (inf when nothing was found)."""
    reference = np.asarray(reference, dtype=np.float64)
    found = np.asarray(found, dtype=np.float64)
    if len(found) == 0:
        return np.full(len(reference), np.inf)
    return np.min(np.abs(reference[:, None] - found[None, :]), axis=1)


def click_track(bpm: float, seconds: float, sr: int, loud_from: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A synthetic track of known tempo for evaluating beat tracking: a short tone burst on every beat from
    0.5 s, the first of every four accented (higher and louder); before `loud_from` (s) the clicks are at a
    quarter of the level. Returns (mono float32 audio, the true beat times)."""
    y = np.zeros(int(seconds * sr), dtype=np.float32)
    times = np.arange(0.5, seconds - 0.1, 60.0 / bpm)
    n = int(0.03 * sr)
    decay = np.exp(-np.arange(n) / (0.006 * sr))
    for i, t in enumerate(times):
        tone = np.sin(2 * np.pi * (1500.0 if i % 4 == 0 else 1000.0) * np.arange(n) / sr)
        gain = (1.0 if i % 4 == 0 else 0.6) * (0.25 if loud_from is not None and t < loud_from else 1.0)
        start = int(round(t * sr))
        y[start:start + n] += (gain * decay * tone)[: len(y) - start]
    return y, times


# -- beat tracking -----------------------------------------------------------------------------------------------

#: MIREX's beat F-measure window: a tracked beat within ±70 ms of a true one is a hit.
F_MEASURE_WINDOW_S = 0.07
#: A beat is "on" a true beat within this share of the beat period (the continuity-based measures' 17.5 %).
PHASE_TOLERANCE = 0.175


def beat_f_measure(truth: np.ndarray, found: np.ndarray, window: float = F_MEASURE_WINDOW_S) -> float:
    """F-measure of tracked beats against true ones: each true beat is matched by at most one tracked beat."""
    truth, found = np.asarray(truth, dtype=np.float64), np.asarray(found, dtype=np.float64)
    if len(truth) == 0 or len(found) == 0:
        return 0.0
    hits, used = 0, np.zeros(len(found), dtype=bool)
    for t in truth:
        d = np.where(used, np.inf, np.abs(found - t))
        k = int(np.argmin(d))
        if d[k] <= window:
            hits, used[k] = hits + 1, True
    precision, recall = hits / len(found), hits / len(truth)
    return 2 * precision * recall / (precision + recall) if hits else 0.0


def _on(reference: np.ndarray, found: np.ndarray, periods: np.ndarray) -> float:
    """The share of `reference` times with a `found` time within PHASE_TOLERANCE of their beat period."""
    if len(reference) == 0:
        return 0.0
    return float(np.mean(nearest_distances(reference, found) <= PHASE_TOLERANCE * periods))


def beat_phase_and_octave(truth: np.ndarray, found: np.ndarray) -> tuple[bool, bool]:
    """(right phase, right tempo octave) of tracked beats against true ones.

    Right phase: the beats land on the true beats, not between them: at least 80 % of the tracked beats sit on a
    true beat (a half-tempo tracker is in phase), or at least 80 % of the true beats have a tracked beat on them
    (a double-tempo one is). Off-beat tracking fails both. Right octave: the tracked beat period is within 8 % of
    the true one where it is (median over the tracked beats)."""
    truth, found = np.asarray(truth, dtype=np.float64), np.asarray(found, dtype=np.float64)
    if len(truth) < 2 or len(found) < 2:
        return False, False
    true_period = np.diff(truth)

    def period_at(times: np.ndarray) -> np.ndarray:
        return np.interp(times, truth[:-1] + true_period / 2, true_period)

    phase = max(_on(found, truth, period_at(found)), _on(truth, found, period_at(truth))) >= 0.8
    found_period = np.diff(found)
    ratio = float(np.median(found_period / period_at(found[:-1] + found_period / 2)))
    return bool(phase), bool(abs(ratio - 1.0) <= 0.08)


#: A dance is measured sampled at AIST++'s 60 fps.
MEASURE_FPS = 60.0
#: Seconds left out of the score at each end of a dance, where it eases in and out.
MEASURE_EDGE_S = 1.0


@dataclass(frozen=True)
class DanceMeasure:
    """How a dance moves against its beats: its joint speed, its kinematic beats and its BAS."""

    fps: float
    speed: np.ndarray  # [F-1] m/s, `joint_speed` of the dance sampled from 0 s: speed[k] at (k + 0.5) / fps
    kinematic: np.ndarray  # seconds: the minima of `speed`
    scored: np.ndarray  # seconds: the dance's beats the BAS averages over (the first and last second left out)
    bas: float | None  # None when no beat is left to score (music shorter than a few seconds)

    @property
    def speed_times(self) -> np.ndarray:
        return (np.arange(len(self.speed)) + 0.5) / self.fps


def measure_dance(dance: Dance, fps: float = MEASURE_FPS, edge_s: float = MEASURE_EDGE_S) -> DanceMeasure:
    """Sample `dance` at `fps` over the music and score it: BAS of its kinematic beats against the beats it dances
    to (the tracked beats when the music has a clear beat), the first and last `edge_s` left out. (bench_dance scores
    the same way against the evaluation set's true beats instead.)"""
    times = np.arange(0.0, dance.duration, 1.0 / fps)
    positions = joint_positions([dance.sample(float(t)) for t in times])
    speed = joint_speed(positions, fps)
    kinematic = kinematic_beats(positions, fps)
    beats = np.asarray(dance.beat_times, dtype=np.float64)
    scored = beats[(beats > edge_s) & (beats < dance.duration - edge_s)]
    bas = beat_alignment_score(scored, kinematic) if len(scored) else None
    return DanceMeasure(fps, speed, kinematic, scored, bas)
