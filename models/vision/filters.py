"""The One Euro filter (Casiez, Roussel and Vogel, CHI 2012): smoothing for tracked signals that is steady when
the signal holds still and quick when it moves. Its cut-off frequency rises with the signal's speed, so a held
pose loses its jitter while a blink or a head turn passes with little lag."""

from __future__ import annotations

import math

import numpy as np


def _alpha(dt: float, cutoff: np.ndarray | float) -> np.ndarray:
    """The smoothing factor of a first-order low-pass at `cutoff` Hz for a step of dt seconds."""
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff, np.float64))
    return 1.0 / (1.0 + tau / dt)


class OneEuro:
    """A One Euro filter over a vector of channels, each with its own `min_cutoff` (Hz: the smoothing at rest) and
    `beta` (how fast the cut-off rises with speed); `d_cutoff` smooths the speed estimate. Samples come with their
    times (irregular steps are fine); a sample at or before the last time returns the last output."""

    def __init__(self, min_cutoff: np.ndarray | float, beta: np.ndarray | float, d_cutoff: float = 1.0) -> None:
        self.min_cutoff = np.asarray(min_cutoff, np.float64)
        self.beta = np.asarray(beta, np.float64)
        self.d_cutoff = d_cutoff
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._t: float | None = None
        self._x = np.zeros(0)
        self._dx = np.zeros(0)

    def __call__(self, t: float, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        if self._t is None or self._x.shape != x.shape:
            self._t, self._x, self._dx = t, x.copy(), np.zeros_like(x)
            return x.copy()
        dt = t - self._t
        if dt <= 0.0:
            return self._x.copy()
        a_d = _alpha(dt, self.d_cutoff)
        self._dx = a_d * (x - self._x) / dt + (1.0 - a_d) * self._dx
        a = _alpha(dt, self.min_cutoff + self.beta * np.abs(self._dx))
        self._x = a * x + (1.0 - a) * self._x
        self._t = t
        return self._x.copy()
