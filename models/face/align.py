"""Forced alignment: when each phoneme of a known transcript sounds in a recording.

The transcript is phonemized as espeak-ng says it (models.tts.espeak_voice.phonemize: IPA, Piper's symbols) and
each phoneme becomes the viseme the audio-to-face model was trained to hear for it (a diphthong two, as in
training: models.face.lipsync.articulation_targets). A Viterbi pass over the model's per-frame viseme
probabilities then finds the best monotonic path through that sequence: every phoneme at least 30 ms (3 frames),
an optional pause before, between and after the words. The path's mean log-probability, set against the model's
own best guess frame by frame (`Alignment.gap`), says whether the transcript fits the audio at all; the same
phonemes in a scrambled order set the scale (`Alignment.fit`), since how sure the model is differs from voice to
voice and recording to recording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from models.face.audio_face import NUM_VISEMES, AudioFaceModel
from models.face.audio_features import FRAME_RATE, to_model_audio
from models.face.visemes import BORROW_NEXT, DIPHTHONGS, VISEME_INDEX, viseme_of
from models.tts import PhonemeSpan, WordSpan, words_of
from models.tts.recording import RecordingError, RecordingVoice

#: A transcript fits when its aligned path falls short of the model's own frame-by-frame guess by at most this
#: share of what its phonemes in a scrambled order fall short (benchmarks/bench_align.py: right transcripts 0.00 to
#: 0.46 on espeak-ng voices the model never heard and on Piper, 0.57 on a human recording; another sentence's 0.71
#: and up; a transcript that shares much with what was said can come lower).
MAX_FIT = 0.65
#: Probabilities are floored here before the log, so one frame the model is sure about cannot veto a path.
_FLOOR = 1e-4
#: The longest recording a transcript is aligned to (s): the path's back-pointers take a byte per frame and state.
MAX_ALIGNED_S = 180.0
_PAUSE = -1
#: Nats a frame by which a phoneme heard as silence loses to a pause (`viterbi`).
_SILENT_PHONEME_PENALTY = 0.01
#: The fewest 10 ms frames a phoneme is given (a diphthong shares them between its two targets): 30 ms, shorter than
#: almost any phoneme, and it keeps the path from passing a vowel the model confuses with the next in one frame.
MIN_PHONEME_FRAMES = 3


@dataclass(frozen=True)
class Alignment:
    """A transcript's phoneme and word spans in a recording (seconds), and how well they fit it."""

    phonemes: tuple[PhonemeSpan, ...]  # covering the whole recording, pauses as "_"
    words: tuple[WordSpan, ...]
    log_prob: float  # mean per frame of the model's log-probability of the aligned visemes
    free_log_prob: float  # the same of the model's most likely viseme of each frame
    scrambled_gap: float  # `gap` of the same phonemes aligned in a scrambled order: a transcript that cannot fit

    @property
    def gap(self) -> float:
        """How much less likely the aligned path is than the model's unconstrained guess (nats per frame)."""
        return self.free_log_prob - self.log_prob

    @property
    def fit(self) -> float:
        """The gap as a share of the scrambled transcript's: near 0 when the transcript is what was said, near 1
        when it is not."""
        return self.gap / self.scrambled_gap if self.scrambled_gap > 0 else float("inf")

    @property
    def poor(self) -> bool:
        return not (np.isfinite(self.gap) and self.gap <= MAX_FIT * self.scrambled_gap)


@dataclass(frozen=True)
class _States:
    """The left-to-right states of a transcript: one per viseme target, pauses optional."""

    viseme: np.ndarray  # [K] viseme index
    optional: np.ndarray  # [K] bool: a pause the path may skip
    unit: np.ndarray  # [K] index in `phonemes` of the phoneme a state belongs to, or _PAUSE
    phonemes: list[tuple[str, int]]  # (phoneme, word index)


def _states(words: Sequence[tuple[str, Sequence[str]]]) -> _States:
    viseme, optional, unit = [VISEME_INDEX["sil"]], [True], [_PAUSE]
    phonemes: list[tuple[str, int]] = []
    for w, (_, spoken) in enumerate(words):
        for phoneme in spoken:
            core = phoneme.lstrip("ˈˌ")
            targets = DIPHTHONGS.get(core, (viseme_of(phoneme),))
            for target in targets:
                frames = max(1, -(-MIN_PHONEME_FRAMES // len(targets)))
                viseme += [VISEME_INDEX[target]] * frames
                optional += [False] * frames
                unit += [len(phonemes)] * frames
            phonemes.append((phoneme, w))
        if spoken:
            viseme.append(VISEME_INDEX["sil"])
            optional.append(True)
            unit.append(_PAUSE)
    return _States(np.array(viseme), np.array(optional), np.array(unit), phonemes)


def viterbi(log_probs: np.ndarray, viseme: np.ndarray, optional: np.ndarray) -> np.ndarray | None:
    """The most likely state of each frame [T] of a left-to-right path through the states (their viseme index and
    whether each may be skipped), given per-frame log-probabilities [T, NUM_VISEMES]: it starts in the first
    state that may not be skipped or before, ends in the last or after, and each frame stays or moves on by one
    (by two over a skippable state). None when the frames are too few for the states.

    A state that may not be skipped but is heard as silence (h, ʔ: the model was trained to call them so) is a hair
    less likely than a pause in every frame: silence before a word goes to the pause, not to its h."""
    frames, count = len(log_probs), len(viseme)
    if count == 0 or frames < int((~optional).sum()):
        return None
    emit = log_probs[:, viseme] - np.where(~optional & (viseme == VISEME_INDEX["sil"]), _SILENT_PHONEME_PENALTY, 0.0)
    skip_ok = np.zeros(count, bool)
    skip_ok[2:] = optional[1:-1]
    delta = np.full(count, -np.inf)
    first = np.argmax(~optional) if (~optional).any() else count - 1
    delta[: first + 1] = emit[0, : first + 1]
    back = np.zeros((frames, count), np.int8)
    for t in range(1, frames):
        advance = np.concatenate([[-np.inf], delta[:-1]])
        skip = np.where(skip_ok, np.concatenate([[-np.inf, -np.inf], delta[:-2]]), -np.inf)
        step = np.zeros(count, np.int8)
        best = delta
        step[advance > best] = 1
        best = np.maximum(best, advance)
        step[skip > best] = 2
        delta = np.maximum(best, skip) + emit[t]
        back[t] = step
    last = count - 1 - int(np.argmax((~optional)[::-1])) if (~optional).any() else 0
    end = last + int(np.argmax(delta[last:]))
    if not np.isfinite(delta[end]):
        return None
    path = np.empty(frames, np.int64)
    path[-1] = end
    for t in range(frames - 1, 0, -1):
        path[t - 1] = path[t] - back[t, path[t]]
    return path


def align(probabilities: np.ndarray, words: Sequence[tuple[str, Sequence[str]]], duration: float) -> Alignment:
    """Align words with their phonemes (`phonemize`) to the model's viseme probabilities [T, NUM_VISEMES] of a
    recording `duration` seconds long. A word with no phonemes gets no time (a zero-length span where it falls).
    The spans' visemes are the phoneme driver's: h and ʔ, heard as silence, take the next sound's."""
    log_probs = np.log(np.maximum(probabilities[:, :NUM_VISEMES].astype(np.float64), _FLOOR))
    free = float(log_probs.max(axis=1).mean()) if len(log_probs) else 0.0
    states = _states(words)
    path = viterbi(log_probs, states.viseme, states.optional)
    if path is None:
        return Alignment((PhonemeSpan("_", "sil", 0.0, duration),), (), -np.inf, free, np.inf)
    nonsense = _states(_scrambled(words))
    scrambled = free - _along(log_probs, nonsense, viterbi(log_probs, nonsense.viseme, nonsense.optional))
    units = states.unit[path]
    # A pause state's frames are their own run: number runs where the state changes.
    edges = [0, *(np.flatnonzero(np.diff(path)) + 1).tolist(), len(path)]
    spans: list[PhonemeSpan] = []
    word_times: dict[int, list[float]] = {}
    for a, b in zip(edges[:-1], edges[1:], strict=False):
        start, end = min(a / FRAME_RATE, duration), min(b / FRAME_RATE, duration)
        unit = int(units[a])
        if unit == _PAUSE:
            spans.append(PhonemeSpan("_", "sil", start, end))
            continue
        phoneme, word_index = states.phonemes[unit]
        if a > 0 and int(units[a - 1]) == unit:  # the same phoneme's next state: a diphthong's half, its 30 ms
            spans[-1] = PhonemeSpan(phoneme, spans[-1].viseme, spans[-1].start, end)
        else:
            spans.append(PhonemeSpan(phoneme, viseme_of(phoneme), start, end))
        word_times.setdefault(word_index, [start, end])[1] = end
    if spans and spans[-1].end < duration:
        spans[-1] = PhonemeSpan(spans[-1].phoneme, spans[-1].viseme, spans[-1].start, duration)
    spans = [s for s in spans if s.end > s.start]
    for i in range(len(spans) - 2, -1, -1):  # h and ʔ shape the mouth as the sound after them, as Piper's spans do
        if spans[i].phoneme.lstrip("ˈˌ") in BORROW_NEXT:
            spans[i] = PhonemeSpan(spans[i].phoneme, spans[i + 1].viseme, spans[i].start, spans[i].end)
    word_spans, at = [], 0.0
    for w, (word, _) in enumerate(words):
        start, end = word_times.get(w, [at, at])
        word_spans.append(WordSpan(word, start, end))
        at = end
    return Alignment(tuple(spans), tuple(word_spans), _along(log_probs, states, path), free, scrambled)


def _along(log_probs: np.ndarray, states: _States, path: np.ndarray | None) -> float:
    """The mean log-probability per frame of a path through the states (-inf for no path)."""
    return -np.inf if path is None else float(log_probs[np.arange(len(path)), states.viseme[path]].mean())


def _scrambled(words: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    """The same words with the transcript's phonemes shuffled among them (a fixed shuffle: the result repeats)."""
    phonemes = [p for _, spoken in words for p in spoken]
    order = iter(np.random.default_rng(0).permutation(len(phonemes)).tolist())
    return [(word, [phonemes[next(order)] for _ in spoken]) for word, spoken in words]


def align_audio(audio: np.ndarray, sample_rate: int, transcript: str, model: AudioFaceModel,
                language: str = "en-us") -> Alignment:
    """Align a transcript (in espeak-ng's `language`) to mono audio at `sample_rate`."""
    from models.tts.espeak_voice import phonemize

    probabilities = model.frames_of(to_model_audio(audio, sample_rate))
    return align(probabilities, phonemize(transcript, language), len(audio) / sample_rate)


def align_recording(voice: RecordingVoice, transcript: str, model: AudioFaceModel,
                    language: str = "en-us") -> tuple[RecordingVoice, Alignment]:
    """A recording voice with its transcript's timings when they fit the audio, with the alignment; when they do
    not (`Alignment.poor`) the voice keeps the transcript as its text but no timings, so its face comes from the
    audio alone. Raises RecordingError for a transcript with no words or a recording over MAX_ALIGNED_S."""
    if not words_of(transcript):
        raise RecordingError(f"the transcript has no words to align: {transcript.strip()[:40]!r}")
    if voice.duration > MAX_ALIGNED_S:
        raise RecordingError(f"a transcript aligns to recordings of up to {MAX_ALIGNED_S:.0f} s; this one is "
                             f"{voice.duration:.0f} s: cut it into parts, or leave the transcript out")
    alignment = align_audio(voice.audio, voice.sample_rate, transcript, model, language)
    if alignment.poor:
        return replace(voice, transcript=transcript), alignment
    return voice.aligned(transcript, alignment.phonemes, alignment.words), alignment
