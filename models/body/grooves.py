"""Synthetic grooves with known beats and downbeats: the evaluation set of the beat tracker and the dance.

Drum kits, bass and chords synthesized here, so every beat and bar start is known exactly. The patterns are the
ones pop music is made of, including the ones that fool a tracker listening to all onsets alike: off-beat
hi-hats (the hats are the densest, brightest onsets, half a beat from the kick), a syncopated bass, swing,
half-time. Each groove comes drums-only or with bass and chords (a chord change on every bar start, as songs
do), at any tempo; three longer tracks add what a song does over time: a tempo ramp, a long intro without
drums, a break in the middle.

    groove = make_groove("kick_offbeat_hats", 120.0, seconds=20.0)
    groove.audio, groove.beats, groove.downbeats, groove.drums  # drums: per beat, whether the drums play

Steps are sixteenth notes of a 4/4 bar (0 = the one, 4 = beat two, 2 = the "and" of the one). Everything is
seeded and deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 22050

#: Drum parts per pattern: instrument -> the sixteenth-note steps of a bar it plays on.
PATTERNS: dict[str, dict[str, tuple[int, ...]]] = {
    # Kick on every beat, clap on 2 and 4, closed hats on every eighth, an open hat on each off-beat.
    "four_on_the_floor": {"kick": (0, 4, 8, 12), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14),
                          "open_hat": (2, 6, 10, 14)},
    # The groove that fooled the old tracker: a kick on every beat and a loud hat half-way between, no snare.
    "kick_offbeat_hats": {"kick": (0, 4, 8, 12), "open_hat": (2, 6, 10, 14)},
    # Rock/pop backbeat: kick on 1 and 3 (and the "and" of 3), snare on 2 and 4, eighth hats.
    "backbeat": {"kick": (0, 8, 10), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
    # Syncopated: the kick pushes ahead of beat 3, hats on sixteenths; the bass (when present) syncopates too.
    "syncopated": {"kick": (0, 3, 6, 10), "snare": (4, 12), "hat": tuple(range(16))},
    # Swing: kick 1 and 3, snare 2 and 4, hats on swung eighths (the off-beat two thirds into the beat).
    "swing": {"kick": (0, 8), "snare": (4, 12), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
    # Half-time: the snare on beat 3 only, the kick on 1 (and the "and" of 2), eighth hats keep the pulse.
    "half_time": {"kick": (0, 6), "snare": (8,), "hat": (0, 2, 4, 6, 8, 10, 12, 14)},
}
#: Bass steps per pattern (the chord's root, an octave down).
BASS: dict[str, tuple[int, ...]] = {
    "four_on_the_floor": (2, 6, 10, 14), "kick_offbeat_hats": (2, 6, 10, 14), "backbeat": (0, 6, 8, 14),
    "syncopated": (0, 3, 6, 10, 13), "swing": (0, 4, 8, 12), "half_time": (0, 6, 11),
}
#: A I-V-vi-IV progression in C (MIDI roots and triads), one chord per bar.
CHORDS = ((48, (60, 64, 67)), (43, (59, 62, 67)), (45, (60, 64, 69)), (41, (60, 65, 69)))


@dataclass(frozen=True)
class Groove:
    """A synthetic track and what is true about it."""

    name: str
    audio: np.ndarray  # mono float32 at SAMPLE_RATE
    beats: np.ndarray  # s, every quarter note
    downbeats: np.ndarray  # s, every bar's first beat
    drums: np.ndarray  # per beat: whether the drums play on it
    tempo: float  # BPM (the mean, for a ramp)

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


# -- instruments -------------------------------------------------------------------------------------------------


def _decay(seconds: float, tau: float) -> np.ndarray:
    return np.exp(-np.arange(int(seconds * SAMPLE_RATE)) / (tau * SAMPLE_RATE))


def _kick() -> np.ndarray:
    t = np.arange(int(0.3 * SAMPLE_RATE)) / SAMPLE_RATE
    freq = 45.0 + 75.0 * np.exp(-t / 0.03)  # the pitch drops from 120 to 45 Hz
    body = np.sin(2 * np.pi * np.cumsum(freq) / SAMPLE_RATE) * _decay(0.3, 0.09)
    return (0.9 * body).astype(np.float32)


def _noise(rng: np.random.Generator, seconds: float, highpass: float) -> np.ndarray:
    """White noise with everything below `highpass` Hz removed (FFT brick wall)."""
    n = int(seconds * SAMPLE_RATE)
    spectrum = np.fft.rfft(rng.normal(size=n))
    spectrum[np.fft.rfftfreq(n, 1.0 / SAMPLE_RATE) < highpass] = 0.0
    out = np.fft.irfft(spectrum, n)
    return out / np.abs(out).max()


def _snare(rng: np.random.Generator) -> np.ndarray:
    tone = np.sin(2 * np.pi * 185.0 * np.arange(int(0.2 * SAMPLE_RATE)) / SAMPLE_RATE) * _decay(0.2, 0.03)
    return (0.35 * tone + 0.45 * _noise(rng, 0.2, 1200.0) * _decay(0.2, 0.05)).astype(np.float32)


def _hat(rng: np.random.Generator, open_: bool) -> np.ndarray:
    seconds, tau, gain = (0.25, 0.07, 0.45) if open_ else (0.06, 0.012, 0.3)
    return (gain * _noise(rng, seconds, 7000.0) * _decay(seconds, tau)).astype(np.float32)


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12)


def _bass_note(note: int, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f = _midi_hz(note)
    wave = np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t)
    envelope = np.minimum(1.0, t / 0.01) * np.exp(-t / 0.4)
    return (0.35 * wave * envelope).astype(np.float32)


def _chord(notes: tuple[int, ...], seconds: float) -> np.ndarray:
    """A soft pad: detuned sines with a slow attack (no sharp onset of its own)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = sum(np.sin(2 * np.pi * _midi_hz(n) * t) + 0.5 * np.sin(2 * np.pi * _midi_hz(n) * 1.003 * t)
               for n in notes)
    envelope = np.minimum(1.0, t / 0.08) * np.minimum(1.0, (seconds - t) / 0.05).clip(0.0)
    return (0.05 * wave * envelope).astype(np.float32)


def _pluck(note: int, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f = _midi_hz(note)
    wave = np.sin(2 * np.pi * f * t) + 0.4 * np.sin(4 * np.pi * f * t) + 0.2 * np.sin(6 * np.pi * f * t)
    return (0.12 * wave * np.minimum(1.0, t / 0.005) * np.exp(-t / 0.15)).astype(np.float32)


# -- composing ---------------------------------------------------------------------------------------------------


def _add(y: np.ndarray, sound: np.ndarray, at: float) -> None:
    start = int(round(at * SAMPLE_RATE))
    if 0 <= start < len(y):
        y[start:start + len(sound)] += sound[: len(y) - start]


def _step_time(beats: np.ndarray, bar: int, step: int, swing: bool) -> float | None:
    """The time of a sixteenth step of a bar, on a beat grid that may change tempo; None past the last beat."""
    beat, sixteenth = bar * 4 + step // 4, step % 4
    if beat >= len(beats):
        return None
    period = beats[beat + 1] - beats[beat] if beat + 1 < len(beats) else beats[beat] - beats[beat - 1]
    fraction = {0: 0.0, 1: 0.25, 2: 2 / 3 if swing else 0.5, 3: 0.75}[sixteenth]
    return float(beats[beat] + fraction * period)


def render(name: str, beats: np.ndarray, seconds: float, pattern: str, melody: bool, drums_from: float = 0.0,
           break_at: tuple[float, float] | None = None, seed: int = 0) -> Groove:
    """Play `pattern` on the beat grid `beats` (s; every fourth beat starts a bar); with `melody`, bass and chords
    too. Drums play from `drums_from` (s) on, and not within `break_at` (start, end)."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}; known: {', '.join(PATTERNS)}")
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)
    kit = {"kick": _kick(), "snare": _snare(rng), "hat": _hat(rng, False), "open_hat": _hat(rng, True)}
    swing = pattern == "swing"

    def drums_at(t: float) -> bool:
        return t >= drums_from - 1e-6 and not (break_at is not None and break_at[0] - 1e-6 <= t < break_at[1])

    for bar in range(-(-len(beats) // 4)):  # the last bar may be cut short: it plays up to the last beat
        for instrument, steps in PATTERNS[pattern].items():
            for step in steps:
                t = _step_time(beats, bar, step, swing)
                if t is not None and drums_at(t):
                    # A little velocity variation, as a drummer plays.
                    _add(y, kit[instrument] * float(rng.uniform(0.85, 1.0)), t)
        if not melody:
            continue
        root, triad = CHORDS[bar % len(CHORDS)]
        bar_end = beats[bar * 4 + 4] if bar * 4 + 4 < len(beats) else beats[bar * 4] + 4 * (beats[-1] - beats[-2])
        _add(y, _chord(triad, float(bar_end - beats[bar * 4])), float(beats[bar * 4]))
        for step in BASS[pattern]:
            t = _step_time(beats, bar, step, swing)
            if t is not None:
                _add(y, _bass_note(root - 12 if step % 8 == 0 else root, 0.3), t)
        for step in (2, 6, 10, 14) if bar % 2 else (0, 3, 6, 10, 12):  # a plucked melody, off the beats as often as on
            t = _step_time(beats, bar, step, swing)
            if t is not None:
                _add(y, _pluck(int(triad[int(rng.integers(3))]) + 12, 0.25), t)
    y /= max(1.0, float(np.abs(y).max()) / 0.9)
    drums = np.array([drums_at(float(b)) for b in beats])
    tempo = 60.0 / float(np.mean(np.diff(beats)))
    return Groove(name, y, beats, beats[::4], drums, tempo)


def steady_beats(bpm: float, seconds: float, start: float = 0.5) -> np.ndarray:
    return np.arange(start, seconds - 0.05, 60.0 / bpm)


def ramp_beats(from_bpm: float, to_bpm: float, seconds: float, start: float = 0.5) -> np.ndarray:
    """Beats whose tempo changes linearly in time from `from_bpm` to `to_bpm`."""
    beats = [start]
    while True:
        bpm = from_bpm + (to_bpm - from_bpm) * beats[-1] / seconds
        nxt = beats[-1] + 60.0 / bpm
        if nxt >= seconds - 0.05:
            return np.array(beats)
        beats.append(nxt)


def make_groove(pattern: str, bpm: float, seconds: float = 20.0, melody: bool = False, seed: int = 0) -> Groove:
    """A steady groove: `pattern` at `bpm`, drums only or with bass and chords."""
    name = f"{pattern}{'+melody' if melody else ''}@{bpm:g}"
    return render(name, steady_beats(bpm, seconds), seconds, pattern, melody, seed=seed)


#: Tempi of the evaluation set: every pattern at three of them, spread over 70-180 BPM.
EVAL_TEMPI: dict[str, tuple[float, ...]] = {
    "four_on_the_floor": (96.0, 124.0, 174.0), "kick_offbeat_hats": (80.0, 120.0, 160.0),
    "backbeat": (70.0, 104.0, 140.0), "syncopated": (88.0, 112.0, 150.0), "swing": (76.0, 132.0, 180.0),
    "half_time": (84.0, 128.0, 170.0),
}


def evaluation_set(seconds: float = 20.0) -> list[Groove]:
    """Every pattern at its three tempi, drums only and with bass and chords, then the song-shaped tracks: a tempo
    ramp (100 to 130 BPM over 40 s), an intro of six bars (12 s) of chords and bass before the drums come in, and a
    break of four bars (8 s) without drums in the middle of 36 s."""
    out = [make_groove(pattern, bpm, seconds, melody, seed=k)
           for k, (pattern, tempi) in enumerate(EVAL_TEMPI.items()) for bpm in tempi for melody in (False, True)]
    out.append(render("tempo_ramp 100-130", ramp_beats(100.0, 130.0, 40.0), 40.0, "backbeat", True, seed=7))
    intro = steady_beats(118.0, 36.0)
    out.append(render("drumless_intro@118", intro, 36.0, "four_on_the_floor", True, drums_from=intro[24], seed=8))
    pause = steady_beats(122.0, 36.0)
    out.append(render("break@122", pause, 36.0, "kick_offbeat_hats", True, break_at=(pause[28], pause[44]), seed=9))
    return out
