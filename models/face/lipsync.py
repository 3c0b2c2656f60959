"""Lip-sync: a segment's phoneme timeline and audio to ARKit mouth curves, computed ahead for the whole segment.

How the mouth moves (shared/reference/visemes.md):

- Dominance blend (Cohen & Massaro): each articulation target pulls the mouth towards its viseme's shape with a
  dominance that is full over its span and falls off as a Gaussian around it, reaching further ahead than
  behind, so the lips anticipate a vowel by up to ~100 ms. Output = sum(D * T) / sum(D).
- Vowels dominate; consonants made with the tongue (t d k g n s) dominate weakly, so the lips keep the
  neighbouring vowel's shape through them. A short word gap hardly pulls at all: the mouth does not snap shut
  between words, only at real pauses.
- Jaw and lips are separate (a JALI-like split): the jaw (jawOpen, jawForward) is led by the vowels alone, and
  each target's jaw opening is scaled by the loudness of its phoneme in the audio, so a shouted vowel opens the
  jaw wider than a murmured one. The lips are scaled by loudness more gently.
- Contact: p b m (lips closed) and f v (lower lip on the teeth) are taken as a maximum over the blend, never an
  average, and held for at least MIN_CONTACT_S; the jaw closes with them and mouthClose seals the lips over
  whatever jaw opening is left.
- Every target is held for at least MIN_VISEME_S and the blend is smoothed like muscle, so nothing flickers;
  the curves ease in from rest and back to it at the segment's edges, so nothing jumps between segments.
- Diphthongs written as one symbol become two targets; tongueOut follows th and l (by phoneme, not viseme).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.curves import CurveTrack, smoothstep
from models.face.visemes import DIPHTHONGS, TONGUE_OUT, VISEME_INDEX, VISEME_TARGETS, VOWEL_VISEMES
from models.tts import PhonemeSpan

#: Curve sample rate of precomputed tracks (Hz); the performer interpolates between samples.
TRACK_RATE = 100.0
#: Shortest time any target holds its shape (s): shorter phonemes are widened around their centre.
MIN_VISEME_S = 0.04
#: Shortest lip contact on p b m / f v (s): the closure ends at the phoneme's release and reaches back.
MIN_CONTACT_S = 0.05
#: Lips opening between two contacts for less than this stay closed (b_b in "Bob bought"): no pop.
CONTACT_BRIDGE_S = 0.07
#: How fast lips come into contact and release it (Gaussian sigmas, s): a release is quick, a burst.
CONTACT_CLOSE_S, CONTACT_RELEASE_S = 0.015, 0.01
#: A pause inside a segment shorter than this is a word gap: it barely pulls the mouth towards rest.
SHORT_PAUSE_S = 0.12
#: A segment's curves start and end at rest, easing over this long (s): the face before and after a segment is
#: not the segment's to move, so its first and last frames never jump.
EDGE_S = 0.025
#: Muscle smoothing of the blend (s, a Gaussian's sigma).
SMOOTH_S = 0.012
#: Loudness (dBFS, RMS over a phoneme) at which the jaw opens exactly as the viseme table says: the level of a
#: typical vowel of the bundled voice at the neutral volume.
REFERENCE_DB = -22.0
#: Jaw and lip gain per dB of loudness above the reference, and their limits.
JAW_GAIN_PER_DB, JAW_GAIN_RANGE = 0.045, (0.45, 1.5)
LIP_GAIN_PER_DB, LIP_GAIN_RANGE = 0.02, (0.75, 1.2)
#: How much of the jaw opening a closure takes away (p b m close it; f v leave a little).
JAW_CLOSURE = {"PP": 0.85, "FF": 0.75}
#: The channels that make each contact, taken as a maximum; the viseme's other shapes (an f's rounding) blend.
CONTACT_CHANNELS = {"PP": np.array([INDEX["mouthRollLower"], INDEX["mouthRollUpper"]]),
                    "FF": np.array([INDEX["mouthRollLower"]])}

JAW_CHANNELS = np.array([INDEX["jawOpen"], INDEX["jawForward"]])  # jawOpen first
LIP_CHANNELS = np.array([i for name, i in INDEX.items() if name.startswith("mouth")])
TONGUE_CHANNEL = INDEX["tongueOut"]
_JAW_OPEN, _MOUTH_CLOSE = INDEX["jawOpen"], INDEX["mouthClose"]


@dataclass(frozen=True)
class Dominance:
    """How strongly a target pulls the lips and the jaw, and how far: Gaussian sigmas (s) before the target for
    the lips and for the jaw (lips anticipate further than the jaw), and after it for both."""

    lips: float
    jaw: float
    lips_ahead: float
    jaw_ahead: float
    behind: float


_VOWEL = Dominance(lips=1.0, jaw=1.0, lips_ahead=0.05, jaw_ahead=0.03, behind=0.035)
_PAUSE = Dominance(lips=1.0, jaw=1.0, lips_ahead=0.03, jaw_ahead=0.03, behind=0.02)
_WORD_GAP = Dominance(lips=0.08, jaw=0.08, lips_ahead=0.03, jaw_ahead=0.03, behind=0.03)
_LIP_CONSONANT = Dominance(lips=1.0, jaw=0.8, lips_ahead=0.03, jaw_ahead=0.02, behind=0.025)
_ROUNDED_CONSONANT = Dominance(lips=0.7, jaw=0.15, lips_ahead=0.03, jaw_ahead=0.02, behind=0.025)
_TONGUE_CONSONANT = Dominance(lips=0.4, jaw=0.15, lips_ahead=0.025, jaw_ahead=0.02, behind=0.025)
DOMINANCE: dict[str, Dominance] = {
    **{v: _VOWEL for v in VOWEL_VISEMES},
    "sil": _PAUSE, "PP": _LIP_CONSONANT, "FF": _LIP_CONSONANT, "TH": _ROUNDED_CONSONANT,
    "CH": _ROUNDED_CONSONANT, "RR": _ROUNDED_CONSONANT,
    "DD": _TONGUE_CONSONANT, "kk": _TONGUE_CONSONANT, "nn": _TONGUE_CONSONANT, "SS": _TONGUE_CONSONANT,
}


@dataclass(frozen=True)
class Target:
    """One articulation target: a viseme held over [start, end] (s), from `phoneme` (stress marks removed)."""

    viseme: str
    start: float
    end: float
    phoneme: str
    dominance: Dominance


def articulation_targets(phonemes: Sequence[PhonemeSpan]) -> list[Target]:
    """The targets the mouth moves through: pauses merged, word gaps weakened, diphthongs split in two."""
    merged: list[PhonemeSpan] = []
    for span in phonemes:
        if merged and span.phoneme == "_" and merged[-1].phoneme == "_":
            merged[-1] = PhonemeSpan("_", "sil", merged[-1].start, span.end)
        else:
            merged.append(span)
    targets: list[Target] = []
    for i, span in enumerate(merged):
        core = span.phoneme.lstrip("ˈˌ")
        if core == "_":
            inside = 0 < i < len(merged) - 1
            gap = inside and span.end - span.start < SHORT_PAUSE_S
            targets.append(Target("sil", span.start, span.end, core, _WORD_GAP if gap else _PAUSE))
        elif core in DIPHTHONGS:
            first, second = DIPHTHONGS[core]
            middle = span.start + 0.55 * (span.end - span.start)
            targets.append(Target(first, span.start, middle, core, DOMINANCE[first]))
            targets.append(Target(second, middle, span.end, core, DOMINANCE[second]))
        else:
            targets.append(Target(span.viseme, span.start, span.end, core, DOMINANCE[span.viseme]))
    return targets


def dominance_curve(times: np.ndarray, start: float, end: float, ahead: float, behind: float,
                    min_width: float = MIN_VISEME_S) -> np.ndarray:
    """1 over [start, end] (widened around its centre to min_width), Gaussian fall-offs before and after."""
    centre, half = 0.5 * (start + end), max(0.5 * (end - start), 0.5 * min_width)
    before = np.maximum(centre - half - times, 0.0) / ahead
    after = np.maximum(times - centre - half, 0.0) / behind
    return np.exp(-0.5 * (before * before + after * after))


def loudness_db(audio: np.ndarray, sample_rate: int, start: float, end: float) -> float:
    """RMS level (dBFS) of the audio over [start, end], at least 30 ms around its centre."""
    centre, half = 0.5 * (start + end), max(0.5 * (end - start), 0.015)
    a, b = max(int((centre - half) * sample_rate), 0), min(int((centre + half) * sample_rate), len(audio))
    if b <= a:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(audio[a:b], dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-6))


def _gain(db: float, per_db: float, limits: tuple[float, float]) -> float:
    return float(np.clip(1.0 + per_db * (db - REFERENCE_DB), *limits))


def _smooth(values: np.ndarray, sigma_samples: float) -> np.ndarray:
    """Gaussian smoothing along time with the ends held (values: [frames, channels])."""
    radius = int(np.ceil(3 * sigma_samples))
    if radius < 1 or len(values) < 2:
        return values
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_samples) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(values, ((radius, radius), (0, 0)), mode="edge")
    return np.stack([np.convolve(padded[:, c], kernel, mode="valid") for c in range(values.shape[1])], axis=1)


def lipsync_track(phonemes: Sequence[PhonemeSpan], duration: float, audio: np.ndarray | None = None,
                  sample_rate: int | None = None, rate: float = TRACK_RATE) -> CurveTrack:
    """Mouth, jaw and tongue curves (52 ARKit channels) for a segment of `duration` seconds.

    `audio` (float mono, with its `sample_rate`) scales the jaw and lips by each phoneme's loudness; without it
    every phoneme counts as the reference level.
    """
    if audio is not None and sample_rate is None:
        raise ValueError("sample_rate is required with audio")
    times = np.arange(int(np.ceil(duration * rate)) + 1, dtype=np.float64) / rate
    n = len(times)
    lips, lips_total = np.zeros((n, NUM_BLENDSHAPES)), np.full(n, 1e-9)
    jaw, jaw_total = np.zeros((n, len(JAW_CHANNELS))), np.full(n, 1e-9)
    tongue = np.zeros(n)
    targets = articulation_targets(phonemes)
    contact = _contact_curves(targets, times)
    jaw_open = np.ones(n)  # how much jaw opening the contacts leave
    for target in targets:
        shape = VISEME_TARGETS[VISEME_INDEX[target.viseme]].astype(np.float64)
        d = target.dominance
        if target.viseme in JAW_CLOSURE:
            # The jaw closes during the consonant itself; before it, mouthClose keeps the lips sealed over the
            # jaw, so a short vowel just before a closure keeps its own opening.
            held = dominance_curve(times, target.start, target.end, CONTACT_CLOSE_S, CONTACT_RELEASE_S)
            jaw_open = np.minimum(jaw_open, 1.0 - JAW_CLOSURE[target.viseme] * held)
        pull = dominance_curve(times, target.start, target.end, d.lips_ahead, d.behind)
        jaw_pull = dominance_curve(times, target.start, target.end, d.jaw_ahead, d.behind)
        jaw_gain = lip_gain = 1.0
        if audio is not None and target.viseme != "sil":
            db = loudness_db(audio, sample_rate or 0, target.start, target.end)
            jaw_gain, lip_gain = _gain(db, JAW_GAIN_PER_DB, JAW_GAIN_RANGE), _gain(db, LIP_GAIN_PER_DB, LIP_GAIN_RANGE)
        lips += (d.lips * pull)[:, None] * shape * lip_gain
        lips_total += d.lips * pull
        jaw += (d.jaw * jaw_pull)[:, None] * shape[JAW_CHANNELS] * jaw_gain
        jaw_total += d.jaw * jaw_pull
        if target.phoneme in TONGUE_OUT:
            tongue = np.maximum(tongue, TONGUE_OUT[target.phoneme] * dominance_curve(
                times, target.start, target.end, 0.025, 0.025))
    sigma = SMOOTH_S * rate
    values = np.zeros((n, NUM_BLENDSHAPES))
    values[:, LIP_CHANNELS] = _smooth(lips[:, LIP_CHANNELS] / lips_total[:, None], sigma)
    jaw /= jaw_total[:, None]
    for viseme, held in contact.items():
        shape, channels = VISEME_TARGETS[VISEME_INDEX[viseme]].astype(np.float64), CONTACT_CHANNELS[viseme]
        values[:, channels] = np.maximum(values[:, channels], held[:, None] * shape[channels])
    jaw[:, 0] *= jaw_open
    values[:, JAW_CHANNELS] = _smooth(jaw, sigma)
    # mouthClose keeps the lips together over the jaw opening that is left (ARKit's corrective shape).
    sealed = _smooth((contact["PP"] * values[:, _JAW_OPEN])[:, None], sigma)[:, 0]
    values[:, _MOUTH_CLOSE] = np.maximum(values[:, _MOUTH_CLOSE], sealed)
    values[:, TONGUE_CHANNEL] = tongue
    edges = np.minimum(times, times[-1] - times) / EDGE_S
    values *= smoothstep(edges)[:, None]
    return CurveTrack(rate, np.clip(values, 0.0, 1.0).astype(np.float32))


def _contact_curves(targets: Sequence[Target], times: np.ndarray) -> dict[str, np.ndarray]:
    """Per contact viseme, how firmly the lips touch: each contact ends at its phoneme's release (the end of
    its span) and reaches back at least MIN_CONTACT_S, or to the previous contact's release when the lips would
    part for less than CONTACT_BRIDGE_S (b-f in "before": the lips go from one contact to the next)."""
    curves = {viseme: np.zeros(len(times)) for viseme in JAW_CLOSURE}
    previous_release = -np.inf
    for target in targets:
        if target.viseme in curves:
            start = min(target.start, target.end - MIN_CONTACT_S)
            if start - previous_release < CONTACT_BRIDGE_S:
                start = min(start, previous_release)
            held = dominance_curve(times, start, target.end, CONTACT_CLOSE_S, CONTACT_RELEASE_S, MIN_CONTACT_S)
            curves[target.viseme] = np.maximum(curves[target.viseme], held)
            previous_release = target.end
    return curves


def contact_track(phonemes: Sequence[PhonemeSpan], duration: float, rate: float = TRACK_RATE) -> CurveTrack:
    """How firmly the lips must touch (0..1, one channel): 1 while p b m or f v hold their contact.

    Layers composited over speech (emotions) yield to it, so an expression never pulls a closure open.
    """
    times = np.arange(int(np.ceil(duration * rate)) + 1, dtype=np.float64) / rate
    curves = _contact_curves(articulation_targets(phonemes), times)
    return CurveTrack(rate, np.maximum.reduce(list(curves.values()))[:, None].astype(np.float32))
