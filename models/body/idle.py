"""Idle motion: breathing, weight shift and a subtle sway, a pure function of time and a seed.

Standing still reads as a mannequin; people breathe, shift their weight from leg to leg every several
seconds and sway a little. The idle pose is the base every other layer goes on top of. Feet stay planted:
the hips move and leg IK finds the knees.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.body.authoring import PoseBuilder, side_axis, stance_feet, standing
from models.body.pose import BodyPose, PoseBatch


@dataclass(frozen=True)
class SmoothNoise:
    """Band-limited noise: a seeded sum of sines per channel, in about [-1, 1], smooth in every derivative and
    defined for any t (no state, no precomputed buffer)."""

    channels: int
    seed: int = 0
    low_hz: float = 0.05
    high_hz: float = 0.4
    partials: int = 4
    _freq: np.ndarray = field(init=False, repr=False)
    _phase: np.ndarray = field(init=False, repr=False)
    _amp: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        freq = np.exp(rng.uniform(np.log(self.low_hz), np.log(self.high_hz), (self.channels, self.partials)))
        amp = 1.0 / np.sqrt(freq)  # slower components carry more: a drift, not a jitter
        object.__setattr__(self, "_freq", freq)
        object.__setattr__(self, "_phase", rng.uniform(0, 2 * np.pi, (self.channels, self.partials)))
        # Normalised so the sum of amplitudes is 1.3: values stay in [-1, 1] almost always, and are clipped.
        object.__setattr__(self, "_amp", amp / amp.sum(axis=1, keepdims=True) * 1.3)

    def __call__(self, t: float | np.ndarray) -> np.ndarray:
        """[channels] at time t (or [..., channels] for an array of times)."""
        return _sines(self._amp, self._freq, self._phase, np.asarray(t, dtype=np.float64)[..., None, None])


def _sines(amp: np.ndarray, freq: np.ndarray, phase: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """SmoothNoise's sum of sines (partials on the last axis), clipped to [-1, 1]."""
    return np.clip(np.sum(amp * np.sin(2 * np.pi * freq * t + phase), axis=-1), -1.0, 1.0)


#: Noise channels of the idle: weight shift, sway pitch, sway roll, head yaw, head pitch, arm swing, breath rate.
_SHIFT, _PITCH, _ROLL, _HEAD_YAW, _HEAD_PITCH, _ARMS, _BREATH = range(7)


@dataclass(frozen=True)
class Idle:
    """The standing idle. `amount` scales every motion (0 is the still stance)."""

    seed: int = 0
    amount: float = 1.0
    breaths_per_minute: float = 14.0
    #: Weight shift: sideways hip travel (m) and how often it changes sides (Hz).
    shift_m: float = 0.025
    shift_hz: float = 0.07
    _noise: SmoothNoise = field(init=False, repr=False)
    _alone: _Idles = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_noise", SmoothNoise(7, self.seed, 0.04, 0.35))
        object.__setattr__(self, "_alone", _Idles((self,)))

    def breath(self, t: float) -> float:
        """Inhalation in [0, 1]: a slightly irregular cycle, quicker in than out."""
        return float(_breath(self.breaths_per_minute, self._noise(t)[_BREATH], t))

    def sample(self, t: float) -> BodyPose:
        return self._alone.sample(t)[0]


def _breath(breaths_per_minute: float | np.ndarray, noise: float | np.ndarray, t: float) -> np.ndarray:
    rate = breaths_per_minute / 60.0
    phase = 2 * np.pi * rate * t + 0.8 * noise
    # A skewed cycle: sin + a second harmonic makes inhale shorter than exhale.
    return np.asarray(0.5 + 0.5 * (np.sin(phase) * 0.9 + 0.2 * np.sin(2 * phase + 0.6)) / 1.1)


class _Idles:
    """Idles stacked on an avatars axis: `sample` poses them all in one numpy pass (what one idle alone costs)."""

    def __init__(self, idles: Sequence[Idle]) -> None:
        def stack(name: str) -> np.ndarray:
            return np.array([getattr(idle, name) for idle in idles], dtype=np.float64)

        self.amount, self.breaths_per_minute = stack("amount"), stack("breaths_per_minute")
        self.shift_m, self.shift_hz = stack("shift_m"), stack("shift_hz")
        self.amp = np.stack([idle._noise._amp for idle in idles])  # [N, 7, partials]
        self.freq = np.stack([idle._noise._freq for idle in idles])
        self.phase = np.stack([idle._noise._phase for idle in idles])
        self.stance = PoseBatch.repeat(standing().build(), len(idles))
        self.feet = stance_feet()

    def sample(self, t: float) -> PoseBatch:
        noise = _sines(self.amp, self.freq, self.phase, t)  # [N, 7]
        a = self.amount
        n = noise * a[:, None]
        b = PoseBuilder(self.stance)
        # Weight shift: a slow swing of the hips over one leg, the pelvis dropping on the free side.
        shift = self.shift_m * a * np.sin(2 * np.pi * self.shift_hz * t + 2.0 * n[:, _SHIFT])
        # Soft knees (a locked knee sits at the singularity of leg IK, where tiny hip moves swing the knee),
        # and the hips sink a little more as they move off centre.
        lean = shift / np.maximum(self.shift_m, 1e-6)
        b.move_root(np.stack([shift, -0.01 - 0.006 * a * lean * lean, 0.004 * n[:, _PITCH]], axis=-1))
        # Positive Z turns +X (the avatar's right) up: the hip over the loaded leg rises.
        b.rotate("Hips", "Z", 2.0 * lean * a)
        b.spread(("Spine", "Chest"), "Z", -2.5 * lean * a)  # the torso stays upright
        for side, foot in self.feet.items():
            b.leg(side, foot)
        # Sway and breathing in the spine; the head keeps the gaze level and drifts a little.
        inhale = _breath(self.breaths_per_minute, noise[:, _BREATH], t) * a
        b.spread(("Spine", "Chest"), "X", 1.2 * n[:, _PITCH])
        b.spread(("Spine", "Chest"), "Z", 0.8 * n[:, _ROLL])
        b.spread(("Chest", "UpperChest"), "X", -1.6 * inhale)  # the chest opens on the in-breath
        for side in ("Left", "Right"):
            b.rotate(f"{side}Shoulder", side_axis((0.0, 0.0, -1.0), side), 1.5 * inhale)  # shoulders lift
            b.rotate(f"{side}UpperArm", "X", 1.5 * n[:, _ARMS])
        b.spread(("Neck", "Head"), "X", -1.2 * n[:, _PITCH] + 1.6 * inhale - 1.0 + 1.5 * n[:, _HEAD_PITCH])
        b.spread(("Neck", "Head"), "Y", 3.0 * n[:, _HEAD_YAW])
        return b.pose


class IdleChoir:
    """The idles of many avatars, sampled together: the first avatar to ask at a pts poses them all in one numpy
    pass, the others get their row of it. Only that last pts and its poses are kept (a memo of a pure function
    of t: what an avatar gets is what its idle alone samples)."""

    def __init__(self) -> None:
        self._idles: list[Idle] = []
        self._stacked: _Idles | None = None
        self._t = math.nan
        self._poses: PoseBatch | None = None

    def join(self, idle: Idle) -> Callable[[float], BodyPose]:
        """Add an idle; returns its sampler (pts -> that idle's pose)."""
        i = len(self._idles)
        self._idles.append(idle)
        self._stacked, self._t = None, math.nan
        return lambda t: self._sample(t)[i]

    def _sample(self, t: float) -> PoseBatch:
        if t != self._t or self._poses is None:
            if self._stacked is None:
                self._stacked = _Idles(self._idles)
            self._poses, self._t = self._stacked.sample(t), t
        return self._poses


def planted_feet_error(pose: BodyPose) -> float:
    """How far (m) the ankles are from the stance's ankle positions: 0 when the feet stay planted."""
    b = PoseBuilder(pose)
    feet = stance_feet()
    return max(float(np.linalg.norm(b.position(f"{s}Foot") - feet[s])) for s in ("Left", "Right"))

