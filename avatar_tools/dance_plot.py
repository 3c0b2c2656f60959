"""A picture of a dance: the mean joint speed over time with the beat grid over it, so a choreographer can see
whether the body hits the beat. Thin lines are beats, thick ones downbeats; the dots are the kinematic beats (the
speed's minima, where the body stops); dashed lines start phrases, each move's name along the top; the title has
the Beat Alignment Score against the tracked beats. One PNG, a row per dancer (a dance for several hosts)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display needed, safe in any thread
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from models.body.dance import Dance  # noqa: E402
from models.body.metrics import BAS_SIGMA_S, DanceMeasure  # noqa: E402

#: Inches of figure width per second of music, and the narrowest and widest figure.
INCHES_PER_S, MIN_WIDTH, MAX_WIDTH = 0.5, 12.0, 48.0
_SPEED, _BEAT, _DOWNBEAT, _KINEMATIC, _PHRASE = "#1f77b4", "#9a9a9a", "#404040", "#d62728", "#2ca02c"


def write_dance_plot(dancers: Sequence[tuple[str, Dance, DanceMeasure]], path: Path, title: str) -> Path:
    """Draw each dancer (name, empty for a dance alone; the dance; its measure) into `path` (PNG), a row each, and
    return it. Raises ValueError for no dancer."""
    if not dancers:
        raise ValueError("a dance plot needs at least one dancer")
    duration = max(dance.duration for _, dance, _ in dancers)
    width = float(np.clip(duration * INCHES_PER_S, MIN_WIDTH, MAX_WIDTH))
    figure, axes = plt.subplots(len(dancers), 1, figsize=(width, 3.6 * len(dancers)), squeeze=False)
    try:
        for (name, dance, measure), ax in zip(dancers, axes[:, 0], strict=True):
            _row(ax, dance, measure, f"{title} ({name})" if name else title)
        axes[-1, 0].set_xlabel("seconds from the music's start")
        figure.tight_layout()
        figure.savefig(path, dpi=100, format="png")
    finally:
        plt.close(figure)
    return path


def _row(ax: plt.Axes, dance: Dance, measure: DanceMeasure, title: str) -> None:
    times, speed = measure.speed_times, measure.speed
    top = float(speed.max()) * 1.25 if len(speed) and speed.max() > 0 else 1.0
    downbeats = set(np.round(np.asarray(dance.grid.downbeats, dtype=np.float64), 6))
    for beat in dance.grid.beats:
        down = round(float(beat), 6) in downbeats
        ax.axvline(beat, color=_DOWNBEAT if down else _BEAT, lw=2.0 if down else 0.6, zorder=1)
    ax.plot(times, speed, color=_SPEED, lw=1.4, zorder=3, label="mean joint speed")
    ax.plot(measure.kinematic, np.interp(measure.kinematic, times, speed), "o", color=_KINEMATIC, ms=4, zorder=4,
            label="kinematic beats (speed minima)")
    beat_times = np.asarray(dance.beat_times, dtype=np.float64)
    for phrase in dance.phrases:
        if phrase.start >= len(beat_times):
            continue
        at = float(beat_times[phrase.start])
        ax.axvline(at, color=_PHRASE, lw=1.2, ls="--", zorder=2)
        ax.text(at, top, f" {phrase.move}", color=_PHRASE, rotation=0, ha="left", va="top", fontsize=9,
                weight="bold", clip_on=True)
    bas = "n/a (too short to score)" if measure.bas is None else f"{measure.bas:.3f}"
    ax.set_title(f"{title} — {dance.grid.tempo:.1f} BPM, {len(dance.grid.beats)} beats; Beat Alignment Score "
                 f"{bas} over {len(measure.scored)} tracked beats (σ {BAS_SIGMA_S * 1000:.0f} ms)", fontsize=10)
    ax.set_xlim(0.0, dance.duration)
    ax.set_ylim(0.0, top * 1.02)
    ax.set_ylabel("m/s")
    ax.legend(loc="lower right", fontsize=8, framealpha=0.8)
    ax.grid(axis="y", alpha=0.25)
