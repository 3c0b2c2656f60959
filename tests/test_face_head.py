"""Head motion from speech: nods on stressed vowels, a tilt on questions, always back at rest at the end."""

from __future__ import annotations

import math

import numpy as np

from models.face.head import MIN_NOD_GAP_S, TAIL_S, is_question, speech_head_track
from models.tts import PhonemeSpan, SpeechSegment, WordSpan

RATE = 22050


def segment(text: str, stressed: list[float], words: list[tuple[str, float, float]]) -> SpeechSegment:
    """2 s of a steady tone; stressed vowels ("ˈa", 0.1 s) at the given times, unstressed ones elsewhere."""
    audio = (0.2 * np.sin(2 * np.pi * 150 * np.arange(2 * RATE) / RATE)).astype(np.float32)
    spans = [PhonemeSpan("ˈa" if round(t, 3) in [round(s, 3) for s in stressed] else "a", "aa", t, t + 0.1)
             for t in np.arange(0.1, 1.8, 0.1)]
    return SpeechSegment(text, audio, RATE, tuple(spans), tuple(WordSpan(*w) for w in words))


def test_nods_land_on_stressed_vowels() -> None:
    track = speech_head_track(segment("Nod here and here.", [0.3, 1.2], [("Nod", 0.1, 0.5), ("here", 1.1, 1.5)]))
    pitch = track.values[:, 1]
    times = np.arange(len(pitch)) / track.rate
    peaks = [times[i] for i in range(1, len(pitch) - 1) if pitch[i] > pitch[i - 1] and pitch[i] >= pitch[i + 1]
             and pitch[i] > math.radians(0.5)]
    assert len(peaks) == 2
    assert 0.3 <= peaks[0] <= 0.4 and 1.2 <= peaks[1] <= 1.3  # the chin is lowest within the stressed vowel
    assert pitch.max() < math.radians(4.5)
    assert track.values[:, 2].max() == 0.0  # a statement: no tilt


def test_fast_stresses_do_not_bob() -> None:
    track = speech_head_track(segment("Go go go go.", [0.2, 0.3, 0.4, 0.5], [("Go", 0.1, 0.6)]))
    pitch = track.values[:, 1]
    rising = np.diff(np.sign(np.diff(pitch)))
    assert (rising < 0).sum() <= math.ceil(0.4 / MIN_NOD_GAP_S)  # at most one nod per MIN_NOD_GAP_S


def test_a_question_tilts_the_head_and_the_tilt_goes_away() -> None:
    seg = segment("Are you ready?", [0.3], [("Are", 0.1, 0.3), ("you", 0.4, 0.6), ("ready", 1.0, 1.6)])
    assert is_question(seg.text) and not is_question("Yes.") and is_question('"Really?" ')
    track = speech_head_track(seg)
    assert track.duration >= seg.duration + TAIL_S - 0.011
    roll = track.values[:, 2]
    assert track.sample(1.5)[2] > math.radians(4.5)  # tilted on the last word
    assert track.sample(0.1)[2] < math.radians(0.5)
    assert np.abs(track.values[-1]).max() < 1e-6  # back at rest when the track ends
    assert roll.max() <= math.radians(5.0) + 1e-6
