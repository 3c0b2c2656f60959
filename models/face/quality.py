"""How good a lip-sync is: rendered face frames scored against the phoneme timeline and the audio.

Used by the lip-sync benchmark and the face tests. Every score reads only what a client receives (frames at
their times, phonemes, audio), never the lip-sync's internals, so it scores any lip-sync the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import find_peaks, peak_widths

from models.face.arkit import INDEX
from models.face.visemes import VISEME_INDEX, VISEME_TARGETS

#: Lips count as closed on p b m when both rolls reach this and the jaw is sealed (jawOpen - mouthClose).
CLOSED_ROLL, SEALED_JAW = 0.7, 0.05
#: The lower lip counts as on the teeth on f v when mouthRollLower reaches this and the jaw is nearly shut.
FF_ROLL, FF_JAW = 0.85, 0.2
#: A movement narrower than this (at half its height) is a flicker, if it is at least FLICKER_HEIGHT tall.
FLICKER_S, FLICKER_HEIGHT = 0.04, 0.15
#: Onsets are measured on visemes whose key channel moves at least this much.
ONSET_MIN_RISE = 0.15

_ROLL_L, _ROLL_U, _JAW, _CLOSE = (INDEX[n] for n in ("mouthRollLower", "mouthRollUpper", "jawOpen", "mouthClose"))


@dataclass(frozen=True)
class ContactCheck:
    """Whether one p b m / f v reached its contact within its span (one frame of slack either side)."""

    phoneme: str
    viseme: str
    start: float
    end: float
    reached: bool


def contacts(times: np.ndarray, weights: np.ndarray, phonemes: Sequence[Sequence[Any]]) -> list[ContactCheck]:
    """Check every bilabial and labiodental: `phonemes` are [phoneme, viseme, start, end] rows."""
    slack = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    checks = []
    for phoneme, viseme, start, end in phonemes:
        if viseme not in ("PP", "FF"):
            continue
        inside = (times >= start - slack) & (times <= end + slack)
        w = weights[inside]
        if viseme == "PP":
            sealed = w[:, _JAW] - w[:, _CLOSE] <= SEALED_JAW
            ok = (w[:, _ROLL_L] >= CLOSED_ROLL) & (w[:, _ROLL_U] >= CLOSED_ROLL) & sealed
        else:
            ok = (w[:, _ROLL_L] >= FF_ROLL) & (w[:, _JAW] <= FF_JAW)
        checks.append(ContactCheck(phoneme, viseme, start, end, bool(ok.any())))
    return checks


@dataclass(frozen=True)
class Flicker:
    channel: int
    time: float
    width: float  # seconds, at half the movement's height
    height: float


def flickers(times: np.ndarray, weights: np.ndarray, min_width: float = FLICKER_S,
             min_height: float = FLICKER_HEIGHT) -> list[Flicker]:
    """Movements (up or down) of any channel that are tall enough to see but narrower than `min_width`."""
    rate = 1.0 / float(np.median(np.diff(times)))
    found = []
    for channel in range(weights.shape[1]):
        for sign in (1.0, -1.0):
            x = sign * weights[:, channel].astype(np.float64)
            peaks, props = find_peaks(x, prominence=min_height)
            if not len(peaks):
                continue
            widths = peak_widths(x, peaks, rel_height=0.5, prominence_data=(props["prominences"],
                                                                            props["left_bases"], props["right_bases"]))
            for peak, width, height in zip(peaks, widths[0] / rate, props["prominences"], strict=True):
                if width < min_width:
                    found.append(Flicker(channel, float(times[peak]), float(width), float(height)))
    return found


def _key_channel(viseme: str) -> int:
    return int(np.argmax(VISEME_TARGETS[VISEME_INDEX[viseme]]))


def onset_leads(times: np.ndarray, weights: np.ndarray, phonemes: Sequence[Sequence[Any]]) -> list[float]:
    """For each viseme whose key channel visibly rises at it: how long before its sound the rise is half done
    (seconds; positive = the face leads the audio, negative = it lags)."""
    leads = []
    previous = "sil"
    for _, viseme, start, end in phonemes:
        if viseme == "sil" or viseme == previous:
            previous = viseme
            continue
        channel = _key_channel(viseme)
        previous_shape = VISEME_TARGETS[VISEME_INDEX[previous]]
        previous = viseme
        if VISEME_TARGETS[VISEME_INDEX[viseme], channel] - previous_shape[channel] < ONSET_MIN_RISE:
            continue
        x = weights[:, channel]
        window = (times >= start - 0.2) & (times <= end)
        if window.sum() < 3:
            continue
        t, v = times[window], x[window]
        top = int(np.argmax(np.where(t >= start - 0.02, v, -np.inf)))
        base = float(v[: top + 1].min())
        if v[top] - base < ONSET_MIN_RISE:
            continue
        half = base + 0.5 * (v[top] - base)
        rising = np.nonzero(v[: top + 1] < half)[0]
        i = int(rising[-1]) if len(rising) else 0
        # Interpolate the crossing between the last frame below half and the next.
        frac = (half - v[i]) / max(v[i + 1] - v[i], 1e-9) if i + 1 <= top else 0.0
        leads.append(float(start - (t[i] + frac * (t[min(i + 1, len(t) - 1)] - t[i]))))
    return leads


def loudness_envelope(audio: np.ndarray, sample_rate: int, times: np.ndarray, window: float = 0.03) -> np.ndarray:
    """RMS amplitude of the audio in a `window` around each time."""
    audio = audio.astype(np.float64) / (32768.0 if audio.dtype.kind == "i" else 1.0)
    cumulative = np.concatenate([[0.0], np.cumsum(audio * audio)])
    half = int(window * sample_rate / 2)
    centres = np.round(times * sample_rate).astype(int)
    a, b = np.clip(centres - half, 0, len(audio)), np.clip(centres + half, 0, len(audio))
    return np.sqrt((cumulative[b] - cumulative[a]) / np.maximum(b - a, 1))


def envelope_correlation(times: np.ndarray, jaw: np.ndarray, audio: np.ndarray, sample_rate: int,
                         duration: float) -> float:
    """Pearson correlation of jawOpen with the audio's loudness envelope over the take's audio."""
    inside = (times >= 0.0) & (times <= duration)
    envelope = loudness_envelope(audio, sample_rate, times[inside])
    return float(np.corrcoef(jaw[inside], envelope)[0, 1])
