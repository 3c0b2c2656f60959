"""The one test double of a voice (models.tts.Voice): exactly known segments, so a test checks timing, not speech.

Each sentence is one segment: 0.1 s of silence, then per word a bilabial 'b' (0.1 s) and an open 'a' (0.2 s),
then 0.1 s of silence, over a 200 Hz tone. A one-word sentence is thus 0.5 s: '_ b a _' at 0, 0.1, 0.2, 0.4 s,
the word from 0.1 to 0.4 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np

from models.tts import PhonemeSpan, SpeechSegment, VoiceStyle, WordSpan, sentences_of, words_of

RATE = 22050
PAUSE_S = 0.1  # silence before and after each sentence
WORD = (("b", "PP", 0.1), ("a", "aa", 0.2))  # the phonemes of every word: (phoneme, viseme, seconds)


def segment_of(sentence: str, rate: int = RATE) -> SpeechSegment:
    """The segment the fake voice yields for one sentence, at `rate` samples a second."""
    phonemes = [PhonemeSpan("_", "sil", 0.0, PAUSE_S)]
    words = []
    for word in words_of(sentence):
        start = phonemes[-1].end
        for phoneme, viseme, seconds in WORD:
            phonemes.append(PhonemeSpan(phoneme, viseme, phonemes[-1].end, phonemes[-1].end + seconds))
        words.append(WordSpan(word, start, phonemes[-1].end))
    phonemes.append(PhonemeSpan("_", "sil", phonemes[-1].end, phonemes[-1].end + PAUSE_S))
    n = round(phonemes[-1].end * rate)
    audio = (0.5 * np.sin(2 * np.pi * 200 * np.arange(n) / rate)).astype(np.float32)
    return SpeechSegment(sentence, audio, rate, tuple(phonemes), tuple(words))


class FakeVoice:
    """A voice that yields `segment_of` each sentence and remembers what it was asked to say.

    delay_s: seconds each sentence takes to synthesize (a slow model). fail_on: a sentence containing this text
    raises RuntimeError instead of being spoken (a model failing mid-take). sample_rate and name: another voice.
    """

    provider = "CPUExecutionProvider"
    timings = True

    def __init__(self, delay_s: float = 0.0, fail_on: str | None = None, sample_rate: int = RATE,
                 name: str = "fake") -> None:
        self.sample_rate = sample_rate
        self.name = name
        self.delay_s = delay_s
        self.fail_on = fail_on
        self.calls: list[tuple[str, VoiceStyle]] = []

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        self.calls.append((text, style))
        for sentence in sentences_of(text):
            time.sleep(self.delay_s)
            if self.fail_on is not None and self.fail_on in sentence:
                raise RuntimeError(f"the fake voice fails on {sentence!r}")
            yield segment_of(sentence, self.sample_rate)
