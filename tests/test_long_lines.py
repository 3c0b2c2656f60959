"""A long line without punctuation is said in bounded pieces: a fast first sound, exact timelines across pieces,
and an interrupt that stops the voice within one piece (issue 13: a 4,990-character run-on was one clause)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.protocol import Phonemes, Words
from bridge.sinks import Hub, Recorder
from bridge.synthesis import Synthesis
from models.dialogue.llm import SentenceSplitter
from models.tts import (
    FIRST_CLAUSE_MAX_CHARS,
    MAX_PIECE_CHARS,
    SpeechSegment,
    Voice,
    VoiceStyle,
    pieces_of,
    split_for_streaming,
    words_of,
)

_WORDS = "the snowy owl plush sits on the shelf beside the winter lantern and waits for a new home".split()


def run_on(chars: int) -> str:
    """A line of about `chars` characters with no punctuation at all."""
    words: list[str] = []
    while len(" ".join(words)) < chars:
        words.append(_WORDS[len(words) % len(_WORDS)])
    return " ".join(words)


LONG = run_on(600)
LONGEST = run_on(4990)
#: A first piece of at most FIRST_CLAUSE_MAX_CHARS characters has at most this many words (none is shorter than 1
#: character and a space).
FIRST_PIECE_MAX_WORDS = FIRST_CLAUSE_MAX_CHARS // 2


@pytest.mark.parametrize("text", [
    LONG,
    LONGEST,
    f"{LONGEST[:700]}, and then {LONGEST[:900]}; {LONG}. {LONG}! Short one. {LONGEST[:1300]}",
    f"A{'h' * 300} {LONG}",  # one word longer than the bound stays whole
])
def test_no_piece_exceeds_the_bound_and_the_pieces_rejoin_to_the_words(text: str) -> None:
    pieces = split_for_streaming(text)
    assert all(len(p) <= MAX_PIECE_CHARS or len(words_of(p)) == 1 for p in pieces)
    assert all(p == p.strip() and p for p in pieces)
    assert [w for p in pieces for w in words_of(p)] == words_of(text)
    assert len(pieces[0]) <= FIRST_CLAUSE_MAX_CHARS or len(words_of(pieces[0])) == 1


def test_pieces_of_cuts_after_a_clause_mark_else_at_a_space() -> None:
    assert pieces_of("one two, three four five", 12) == ["one two,", "three four", "five"]
    assert pieces_of("abcdefghijklmnop qr", 5) == ["abcdefghijklmnop", "qr"]
    assert pieces_of("  short  ", 5) == ["short"]
    assert pieces_of("", 5) == []


def test_sentences_up_to_the_bound_are_split_as_before() -> None:
    sentence = run_on(MAX_PIECE_CHARS - 10) + "."
    assert split_for_streaming(f"{sentence} {sentence}") == [sentence, sentence]
    assert split_for_streaming(f"Hi there, {sentence}") == ["Hi there,", sentence]


def test_the_llm_stream_cuts_a_run_on_where_the_voice_does() -> None:
    splitter = SentenceSplitter()
    streamed = [piece for i in range(0, len(LONG), 7) for piece in splitter.feed(LONG[i:i + 7])]
    assert [*streamed, splitter.flush()] == pieces_of(LONG)


def test_a_long_line_starts_with_a_short_piece_and_keeps_every_word_in_time(voice) -> None:  # noqa: ANN001
    recorder = Recorder()
    pipeline = one_avatar(voice, Hub([recorder]), VirtualClock(10.0))
    pipeline.directors["host"].say(LONG)  # inline: every piece is synthesized and placed before say returns
    words = [m.items for m in recorder.messages if isinstance(m, Words)]
    phonemes = [m.items for m in recorder.messages if isinstance(m, Phonemes)]
    assert len(words) == len(split_for_streaming(LONG)) > 2
    assert 1 <= len(words[0]) <= FIRST_PIECE_MAX_WORDS
    assert [w[0] for piece in words for w in piece] == words_of(LONG)
    # Each piece is placed right after the one before: the take's phoneme timeline has no gap and no overlap.
    flat = [p for piece in phonemes for p in piece]
    assert flat[0][2] == 0.0
    assert all(b[2] == pytest.approx(a[3], abs=1e-4) for a, b in zip(flat, flat[1:], strict=False))
    starts = [w[1] for piece in words for w in piece]
    assert starts == sorted(starts)
    assert all(w[2] <= flat[-1][3] for piece in words for w in piece)


class CountingVoice:
    """The real voice, counting the segments it has finished."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.sample_rate, self.name, self.provider = voice.sample_rate, voice.name, voice.provider
        self.timings = voice.timings
        self.finished = 0

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        for segment in self.voice.synthesize(text, style):
            self.finished += 1
            yield segment


def test_an_interrupted_run_on_stops_the_voice_within_one_piece(voice) -> None:  # noqa: ANN001
    counting = CountingVoice(voice)
    first_clip = threading.Event()

    def post(fn, *args) -> None:  # noqa: ANN001 - inline on the voice worker, as the event loop would run it
        fn(*args)
        first_clip.set()

    synthesis = Synthesis()
    try:
        pipeline = one_avatar(counting, Hub([Recorder()]), VirtualClock(10.0), synthesis=synthesis, post=post)
        director = pipeline.directors["host"]
        take = director.say(LONG)
        assert first_clip.wait(60)
        director.interrupt()
        finished_at_cut = counting.finished
    finally:
        synthesis.shutdown()
    # The worker is done (the executor joined): it finished at most the piece it was synthesizing at the cut.
    assert take.cut_pts is not None
    assert counting.finished <= finished_at_cut + 1 < len(split_for_streaming(LONG))
