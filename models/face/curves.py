"""Sampled curves and easing, shared by the face models."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CurveTrack:
    """Weights sampled at a fixed rate from t=0; `sample(t)` interpolates and holds the ends."""

    rate: float
    values: np.ndarray  # [frames, channels] float32

    @property
    def duration(self) -> float:
        return (len(self.values) - 1) / self.rate if len(self.values) else 0.0

    def sample(self, t: float) -> np.ndarray:
        if not len(self.values):
            return np.zeros(self.values.shape[1], dtype=np.float32)
        x = min(max(t * self.rate, 0.0), len(self.values) - 1.0)
        i = int(x)
        j = min(i + 1, len(self.values) - 1)
        frac = np.float32(x - i)
        return self.values[i] * (np.float32(1.0) - frac) + self.values[j] * frac


def smoothstep(x: float | np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, and an S between with zero slope at both ends: eases in and out."""
    # One number (the tick's common case) is clipped without np.clip's dispatch: the same float64, -0.0 and NaN kept.
    c: np.ndarray = np.float64(min(max(x, 0.0), 1.0)) if type(x) is float else np.clip(x, 0.0, 1.0)  # type: ignore[assignment]
    return c * c * (3.0 - 2.0 * c)
