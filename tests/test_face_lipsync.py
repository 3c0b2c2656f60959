"""Coarticulated lip-sync: contacts, no flicker, anticipation, diphthongs, loudness-driven jaw, tongue.

Timelines written by hand test one property each; the real voice checks them on real speech.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.face import quality
from models.face.arkit import INDEX
from models.face.lipsync import contact_track, lipsync_track
from models.face.visemes import viseme_of
from models.tts import PhonemeSpan

RATE = 22050
JAW, FUNNEL, TONGUE = INDEX["jawOpen"], INDEX["mouthFunnel"], INDEX["tongueOut"]


def timeline(*items: tuple[str, float]) -> tuple[PhonemeSpan, ...]:
    """Phonemes with durations (s), laid end to end from 0."""
    spans, at = [], 0.0
    for phoneme, duration in items:
        viseme = "sil" if phoneme == "_" else viseme_of(phoneme)
        spans.append(PhonemeSpan(phoneme, viseme, at, at + duration))
        at += duration
    return tuple(spans)


def tone(phonemes: tuple[PhonemeSpan, ...], amplitude: float) -> np.ndarray:
    """A 150 Hz tone at `amplitude` over every sounding phoneme, silence over pauses."""
    n = int(round(phonemes[-1].end * RATE))
    audio = amplitude * np.sin(2 * np.pi * 150 * np.arange(n) / RATE)
    for span in phonemes:
        if span.phoneme == "_":
            audio[int(span.start * RATE):int(span.end * RATE)] = 0.0
    return audio.astype(np.float32)


def frames(phonemes: tuple[PhonemeSpan, ...], audio: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    track = lipsync_track(phonemes, phonemes[-1].end, audio, RATE if audio is not None else None)
    times = np.arange(0.0, phonemes[-1].end, 1 / 60)
    return times, np.array([track.sample(t) for t in times])


def rows(phonemes: tuple[PhonemeSpan, ...]) -> list[list]:
    return [[p.phoneme, p.viseme, p.start, p.end] for p in phonemes]


def test_fast_bilabials_and_labiodentals_always_reach_contact() -> None:
    # 20-30 ms consonants between open vowels: an average would never get there.
    phonemes = timeline(("_", 0.2), ("ˈa", 0.09), ("b", 0.02), ("a", 0.07), ("m", 0.025), ("ɑ", 0.08), ("p", 0.02),
                        ("æ", 0.06), ("f", 0.025), ("a", 0.08), ("v", 0.03), ("ɛ", 0.1), ("_", 0.2))
    times, weights = frames(phonemes, tone(phonemes, 0.3))
    checks = quality.contacts(times, weights, rows(phonemes))
    assert len(checks) == 5 and all(c.reached for c in checks), [c for c in checks if not c.reached]
    contact = contact_track(phonemes, phonemes[-1].end)
    b = phonemes[2]
    assert contact.sample(b.end - 0.005)[0] == pytest.approx(1.0)
    assert contact.sample(phonemes[1].start + 0.005)[0] < 0.05  # open vowel, lips free


def test_nothing_flickers_even_on_very_short_phonemes() -> None:
    phonemes = timeline(("_", 0.2), *[(p, 0.015) for p in "aboubaiduka"], ("_", 0.2))
    times, weights = frames(phonemes, tone(phonemes, 0.3))
    assert quality.flickers(times, weights) == []


def test_lips_anticipate_a_rounded_vowel_through_a_consonant() -> None:
    phonemes = timeline(("_", 0.3), ("s", 0.15), ("u", 0.15), ("_", 0.3))
    track = lipsync_track(phonemes, phonemes[-1].end)
    vowel = phonemes[2]
    full = track.sample(vowel.start + 0.07)[FUNNEL]
    assert track.sample(vowel.start - 0.05)[FUNNEL] > 0.3 * full  # rounding on the way during the s
    assert track.sample(vowel.start - 0.14)[FUNNEL] < 0.1 * full  # but not from the start of the s


def test_a_diphthong_written_as_one_symbol_moves_between_two_targets() -> None:
    phonemes = timeline(("_", 0.3), ("aɪ", 0.3), ("_", 0.3))
    track = lipsync_track(phonemes, phonemes[-1].end)
    early, late = track.sample(0.3 + 0.06), track.sample(0.3 + 0.27)
    assert early[JAW] > 0.5 and late[JAW] < 0.3  # aa then ih
    assert late[INDEX["mouthPressLeft"]] > early[INDEX["mouthPressLeft"]] + 0.3


def test_a_loud_vowel_opens_the_jaw_wider_than_a_murmured_one() -> None:
    phonemes = timeline(("_", 0.2), ("m", 0.06), ("ˈa", 0.15), ("p", 0.05), ("a", 0.15), ("_", 0.2))
    times, loud = frames(phonemes, tone(phonemes, 0.7))
    _, quiet = frames(phonemes, tone(phonemes, 0.05))
    vowel = (times > phonemes[2].start) & (times < phonemes[2].end)
    assert loud[vowel, JAW].max() > 1.4 * quiet[vowel, JAW].max()
    # Lips are scaled more gently than the jaw, and contacts are reached at any loudness.
    for weights in (loud, quiet):
        assert all(c.reached for c in quality.contacts(times, weights, rows(phonemes)))


def test_tongue_shows_on_th_and_l_but_not_on_r() -> None:
    phonemes = timeline(("_", 0.2), ("θ", 0.08), ("ɪ", 0.1), ("l", 0.08), ("ə", 0.1), ("ɹ", 0.08), ("i", 0.1),
                        ("_", 0.2))
    track = lipsync_track(phonemes, phonemes[-1].end)
    centre = [0.5 * (p.start + p.end) for p in phonemes]
    assert track.sample(centre[1])[TONGUE] > 0.35
    assert track.sample(centre[3])[TONGUE] > 0.15
    assert track.sample(centre[5])[TONGUE] < 0.02


def test_the_mouth_rests_at_pauses_but_not_between_words() -> None:
    gap = timeline(("_", 0.2), ("ˈa", 0.15), ("_", 0.06), ("a", 0.15), ("_", 0.2))
    pause = timeline(("_", 0.2), ("ˈa", 0.15), ("_", 0.4), ("a", 0.15), ("_", 0.2))
    gap_track, pause_track = lipsync_track(gap, gap[-1].end), lipsync_track(pause, pause[-1].end)
    vowel_jaw = gap_track.sample(0.27)[JAW]
    assert gap_track.sample(0.35 + 0.03)[JAW] > 0.5 * vowel_jaw
    assert pause_track.sample(0.35 + 0.2)[JAW] < 0.05


def test_real_speech_scores(voice) -> None:  # noqa: ANN001
    for segment in voice.synthesize("Bob bought maple pie by the bay. Five very fine movies, please!"):
        track = lipsync_track(segment.phonemes, segment.duration, segment.audio, segment.sample_rate)
        times = np.arange(0.0, segment.duration, 1 / 60)
        weights = np.array([track.sample(t) for t in times])
        phonemes = rows(segment.phonemes)
        assert all(c.reached for c in quality.contacts(times, weights, phonemes))
        assert quality.flickers(times, weights) == []
        leads = quality.onset_leads(times, weights, phonemes)
        assert np.median(leads) > 0.0  # the face leads the sound
        assert min(leads) > -0.045  # and is never late by a perceptible amount (ITU-R BT.1359)


def test_lipsync_needs_the_rate_of_its_audio() -> None:
    with pytest.raises(ValueError, match="sample_rate"):
        lipsync_track(timeline(("a", 0.1)), 0.1, np.zeros(100, dtype=np.float32))
