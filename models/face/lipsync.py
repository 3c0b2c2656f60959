"""Lip-sync: a phoneme timeline to ARKit mouth curves, computed ahead for the whole segment.

Each phoneme pulls the mouth towards its viseme's target with a dominance that peaks at the phoneme's centre
and decays into its neighbours (Cohen & Massaro), so lips anticipate the next vowel. Lip contact (p b m,
f v) is a maximum, not an average, so it is always reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.visemes import CONTACT_VISEMES, VISEME_INDEX, VISEME_TARGETS
from models.tts import PhonemeSpan

#: Curve sample rate of precomputed tracks (Hz); the performer interpolates between samples.
TRACK_RATE = 100.0
#: How far a phoneme's influence reaches beyond its own span (seconds): the coarticulation window.
SPREAD_S = 0.06
#: Visemes that set the jaw; a consonant's own jaw target counts this much less.
JAW_LEADERS = frozenset({"sil", "aa", "E", "ih", "oh", "ou"})
CONSONANT_JAW_DOMINANCE = 0.2
JAW_CHANNEL = INDEX["jawOpen"]


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


def lipsync_track(phonemes: Sequence[PhonemeSpan], duration: float, rate: float = TRACK_RATE) -> CurveTrack:
    """Mouth curves for a segment of `duration` seconds from its phoneme timeline."""
    times = np.arange(int(np.ceil(duration * rate)) + 1, dtype=np.float64) / rate
    blended = np.zeros((len(times), NUM_BLENDSHAPES), dtype=np.float64)
    total = np.full(len(times), 1e-6)
    contact = np.zeros_like(blended)
    closing = np.zeros(len(times))  # how firmly the lips are held together: the jaw must follow
    # The jaw follows the vowels (and pauses); consonants shape the lips and barely move it (JALI's split).
    jaw = JAW_CHANNEL
    jaw_sum = np.zeros(len(times))
    jaw_total = np.full(len(times), 1e-6)
    for span in phonemes:
        target = VISEME_TARGETS[VISEME_INDEX[span.viseme]].astype(np.float64)
        centre = 0.5 * (span.start + span.end)
        half = max(0.5 * (span.end - span.start), 0.02)
        # Full dominance inside the span, a Gaussian fall-off of SPREAD_S outside it.
        outside = np.maximum(np.abs(times - centre) - half, 0.0)
        dominance = np.exp(-0.5 * (outside / SPREAD_S * 2.0) ** 2)
        blended += dominance[:, None] * target
        total += dominance
        jaw_dominance = dominance * (1.0 if span.viseme in JAW_LEADERS else CONSONANT_JAW_DOMINANCE)
        jaw_sum += jaw_dominance * target[jaw]
        jaw_total += jaw_dominance
        if span.viseme in CONTACT_VISEMES:
            contact = np.maximum(contact, dominance[:, None] * target)
            closing = np.maximum(closing, dominance)
    values = np.maximum(blended / total[:, None], contact)
    values[:, jaw] = jaw_sum / jaw_total * (1.0 - 0.8 * closing)
    return CurveTrack(rate, np.clip(values, 0.0, 1.0).astype(np.float32))
