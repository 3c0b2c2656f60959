"""Text to speech: audio with a phoneme and word timeline.

A voice yields one `SpeechSegment` per clause or sentence, so the first sound can play while later sentences
are still being synthesized (the shape of piper's own `synthesize`). Times are seconds from the segment's
first sample; the bridge places segments on a take's timeline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*", re.UNICODE)
#: A sentence ends after . ! ? and a space, or after Chinese 。！？ (and a closing quote after them), space or not.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])(?![”’」』）。！？…])\s*|(?<=[。！？][”’」』）])\s*")
#: Where a long text may be cut: after , ; : — and a space, or after Chinese ，；：、 (no space follows them).
_CLAUSE_MARK = re.compile(r"[,;:—](?=\s)|[，；：、]")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+|(?<=[，；：])\s*")
#: A Chinese (Han) character, the extension blocks (A to I: 𠮷 U+20BB7) and compatibility ideographs included:
#: Chinese text has no spaces, so a cut may fall between any two of them.
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")

#: No piece of text the voice gets is longer than this (a single longer word excepted), counted by `text_length`:
#: on 2 busy CPU cores the bundled voice synthesizes 10 to 14 ms a character, so a piece takes at most ~3.5 s to
#: synthesize (and says ~11 s), which bounds how long a cut take keeps the voice worker. The LLM's streamed pieces
#: share the bound.
MAX_PIECE_CHARS = 240

#: A first clause shorter than this (`text_length`) is spoken on its own, so the first sound comes fast; a first
#: sentence too long for one piece is cut this short at its start.
FIRST_CLAUSE_MAX_CHARS = 80

#: A Chinese character is a syllable: said in 233 ms against 59 ms for a character of English (benchmarks/
#: bench_chars.py on dev-2core: espeak-ng cmn on Chinese lines, the bundled Piper voice on English ones), and a
#: voice's synthesis time follows what it says. The piece bounds count one as this many characters.
CJK_CHAR_WEIGHT = 4


class VoiceError(RuntimeError):
    """A voice could not say a line (its server refused, timed out, or sent something that is not audio); the
    message says what happened and where. The director ends the take with it."""


def said_pieces(voice: str, pieces: Iterable[str],
                say: Callable[[str], tuple[str, str]]) -> Iterator[tuple[str, str, str]]:
    """Each piece of a text with what the voice says for it and the characters it leaves out (`say`: a voice's
    `sayable`), pieces with nothing to say (no word: emoji, punctuation, characters without a reading) skipped.
    Raises VoiceError, naming them, when the only words were characters the voice has no reading for: no take is
    silent."""
    spoken, unsaid, text = 0, "", ""
    for piece in pieces:
        said, left_out = say(piece)
        text += piece
        if not words_of(said):
            unsaid += left_out
            continue
        spoken += 1
        yield piece, said, left_out
    if unsaid and not spoken:
        raise VoiceError(f"text: voice {voice} has no reading for {unsaid!r} and nothing else to say in "
                         f"{text.strip()[:40]!r} (docs/voices.md#chinese-text)")


def words_of(text: str) -> list[str]:
    """The spoken words of a text, punctuation removed: the unit of every word timeline (`WordSpan`). Chinese has
    no spaces between words: a run with Chinese characters is cut into words by jieba's dictionary and model
    (rjieba), simplified or traditional, Latin letters and digits in it kept whole ("iPhone15手机": iPhone15, 手机)."""
    words: list[str] = []
    for word in _WORD.findall(text):
        if CJK.search(word):
            words += [w for w in _segmenter().cut(word) if _WORD.search(w)]  # not a "-" it cut off
        else:
            words.append(word)
    return words


@functools.cache
def _segmenter() -> Any:
    """rjieba (the jieba-rs binding: jieba's dictionary compiled in, microseconds a line), loaded on first use."""
    import rjieba

    return rjieba


def sentences_of(text: str) -> list[str]:
    """The sentences of a text, in order, stripped: a voice never synthesizes across their ends."""
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()]


def text_length(text: str) -> int:
    """How long a text is to say, in characters of English: its characters, a Chinese one `CJK_CHAR_WEIGHT`."""
    return len(text) + (CJK_CHAR_WEIGHT - 1) * len(CJK.findall(text))


def _prefix(text: str, max_chars: int) -> int:
    """How many of a text's first characters are at most `max_chars` long (`text_length`)."""
    if not CJK.search(text, 0, max_chars):  # no Chinese in reach: a character is a character
        return min(len(text), max_chars)
    length = 0
    for i, char in enumerate(text):
        length += CJK_CHAR_WEIGHT if CJK.match(char) else 1
        if length > max_chars:
            return i
    return len(text)


def cut_point(text: str, max_chars: int = MAX_PIECE_CHARS) -> int:
    """Where to cut a text too long to say as one piece: after the last clause mark (, ; : — or Chinese ，；：、)
    in its first `max_chars` (`text_length`), else at the last space there, else after the last Chinese character
    there; 0 when there is none of these (one word that long)."""
    window = text[:_prefix(text, max_chars)]
    space = window.rfind(" ")
    if space <= 0:
        space = max((m.end() for m in CJK.finditer(window[:-1])), default=0)
    return max((m.end() for m in _CLAUSE_MARK.finditer(window)), default=max(space, 0))


def pieces_of(text: str, max_chars: int = MAX_PIECE_CHARS) -> list[str]:
    """A text cut between words (`cut_point`) into stripped pieces of at most `max_chars` (`text_length`); a single
    longer word stays whole. The pieces' words are the text's words, in order."""
    pieces, rest = [], text.strip()
    while text_length(rest) > max_chars:
        cut = cut_point(rest, max_chars) or rest.find(" ", _prefix(rest, max_chars))
        if cut <= 0:
            break
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    return [*pieces, rest] if rest else pieces


def split_for_streaming(text: str) -> list[str]:
    """Split text into the pieces a voice says one at a time: sentences, with a short first clause on its own
    for a fast first sound, and a sentence longer than MAX_PIECE_CHARS cut between words (`pieces_of`, its first
    piece no longer than FIRST_CLAUSE_MAX_CHARS), so a cut take stops within one piece's synthesis. Lengths are
    `text_length`s: a Chinese character counts as the syllable it is."""
    sentences = sentences_of(text)
    if not sentences:
        return []
    first, *rest = sentences
    clauses = _CLAUSE_END.split(first, maxsplit=1)
    if len(clauses) == 2 and text_length(clauses[0]) <= FIRST_CLAUSE_MAX_CHARS:
        head = clauses
    elif text_length(first) > MAX_PIECE_CHARS and (cut := cut_point(first, FIRST_CLAUSE_MAX_CHARS)):
        head = [first[:cut], first[cut:]]
    else:
        head = [first]
    return [piece for sentence in [*head, *rest] for piece in pieces_of(sentence)]


@dataclass(frozen=True)
class PhonemeSpan:
    """One phoneme with its viseme and its time in the segment (seconds)."""

    phoneme: str
    viseme: str
    start: float
    end: float


@dataclass(frozen=True)
class WordSpan:
    """One spoken word and its time in the segment (seconds)."""

    word: str
    start: float
    end: float


@dataclass(frozen=True)
class SpeechSegment:
    """Audio of one clause or sentence with its alignments. A voice without timings (`Voice.timings` False: an
    HTTP server) gives audio only: `phonemes` and `words` are empty."""

    text: str
    audio: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    phonemes: tuple[PhonemeSpan, ...]
    words: tuple[WordSpan, ...]

    @property
    def num_samples(self) -> int:
        return int(self.audio.shape[0])

    @property
    def duration(self) -> float:
        return self.num_samples / self.sample_rate


@dataclass(frozen=True)
class VoiceStyle:
    """How to speak: Piper's scales and a gain. None keeps the voice's own setting. `emotion` names the feeling
    these were derived from (None: neutral), for a voice that takes it in words (an HTTP server's instructions)."""

    length_scale: float | None = None  # > 1 slower
    noise_scale: float | None = None  # expressiveness of the intonation
    noise_w_scale: float | None = None  # variation of phoneme durations
    volume: float = 1.0
    emotion: str | None = None


class Voice(Protocol):
    """What the bridge needs of a voice."""

    sample_rate: int
    name: str
    provider: str  # where it runs: an onnxruntime execution provider (CPUExecutionProvider, ...) or "http"
    #: True when its segments carry phoneme and word timings (Piper); False when they carry audio only (an HTTP
    #: server): the avatar's face driver then has to read the mouth from the audio.
    timings: bool

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        """Yield segments in order; work happens only as the iterator is consumed."""
        ...
