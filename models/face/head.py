"""Head motion driven by speech, computed ahead for a segment like its mouth curves.

- A nod (the chin dips and comes back) on each stressed vowel, as strong as that vowel is loud, at most one per
  MIN_NOD_GAP_S so fast speech does not bob.
- A tilt (roll) and a slight lift of the chin over a question, easing out after it ends.

Rotations are radians about the ARKit face axes (docs/face.md): yaw about up (+ turns to the avatar's left),
pitch about the ear-to-ear axis (+ chin down), roll about the nose axis (+ tilts towards the right shoulder).
The track runs TAIL_S past the segment's audio and ends at rest, so nothing jumps when the next clip starts.
"""

from __future__ import annotations

import math

import numpy as np

from models.face.curves import CurveTrack
from models.face.lipsync import REFERENCE_DB, TRACK_RATE, loudness_db
from models.face.visemes import VOWEL_VISEMES
from models.tts import SpeechSegment

#: Peak of a nod on a vowel at the reference loudness (radians), its limits, rise and fall times (s).
NOD_RAD, NOD_RANGE_RAD = math.radians(2.2), (math.radians(0.8), math.radians(4.0))
NOD_RISE_S, NOD_FALL_S = 0.12, 0.28
MIN_NOD_GAP_S = 0.35
#: Question tilt (roll) and chin lift (negative pitch), the time they take to come in and to go.
TILT_RAD, LIFT_RAD = math.radians(5.0), math.radians(-2.0)
TILT_IN_S, TILT_OUT_S = 0.5, 0.45
#: How long the head track runs past the segment's last sample.
TAIL_S = 0.6


def envelope(times: np.ndarray, start: float, rise: float, hold_until: float, fall: float) -> np.ndarray:
    """0 before start, a raised-cosine rise to 1, 1 until hold_until, a raised-cosine fall to 0."""
    up = np.clip((times - start) / rise, 0.0, 1.0)
    down = np.clip((times - max(hold_until, start + rise)) / fall, 0.0, 1.0)
    return (0.5 - 0.5 * np.cos(np.pi * up)) * (0.5 + 0.5 * np.cos(np.pi * down))


def is_question(text: str) -> bool:
    return text.rstrip().rstrip("\"'”’)").endswith("?")


def speech_head_track(segment: SpeechSegment, rate: float = TRACK_RATE) -> CurveTrack:
    """Head yaw, pitch and roll (3 channels, radians) the speech of a segment adds, from t=0 to its end + TAIL_S."""
    end = segment.duration + TAIL_S
    times = np.arange(int(np.ceil(end * rate)) + 1, dtype=np.float64) / rate
    values = np.zeros((len(times), 3))
    last_nod = -math.inf
    for span in segment.phonemes:
        stressed = span.phoneme.startswith("ˈ") and span.viseme in VOWEL_VISEMES
        if not stressed or span.start - last_nod < MIN_NOD_GAP_S:
            continue
        db = loudness_db(segment.audio, segment.sample_rate, span.start, span.end)
        peak = float(np.clip(NOD_RAD * (1.0 + 0.06 * (db - REFERENCE_DB)), *NOD_RANGE_RAD))
        # The chin starts down a little before the vowel: the nod lands on the stress, not after it.
        onset = max(span.start - 0.5 * NOD_RISE_S, 0.0)  # the track starts at rest
        values[:, 1] += peak * envelope(times, onset, NOD_RISE_S, onset + NOD_RISE_S, NOD_FALL_S)
        last_nod = span.start
    if is_question(segment.text) and segment.words:
        # The tilt comes in over the last word and goes once the question has been asked.
        last = segment.words[-1]
        tilt = envelope(times, max(last.start - TILT_IN_S, 0.0), TILT_IN_S, last.end, TILT_OUT_S)
        values[:, 2] += TILT_RAD * tilt
        values[:, 1] += LIFT_RAD * tilt
    return CurveTrack(rate, values.astype(np.float32))
