"""Inline performance tags in a line of text: `[happy]`, `[sad:0.6]` (emotions) and `<wave>` (gestures).

One parser for every stage: it returns the words to speak (tags removed) and the tags as marks anchored to
the word that follows them, counted with the voice's own word unit (`models.tts.words_of`), so a mark lands
on the timeline wherever the voice put that word.

Grammar (names are case-insensitive; spaces inside the brackets are allowed):

    [emotion]            emotion at full intensity
    [emotion:intensity]  intensity a number from 0 to 1 (`0.6`, `.6`, `1`)
    <gesture>            a gesture name: letters, digits and `_`, starting with a letter

Square and angle brackets are reserved for tags: any other use of them is a malformed tag, reported with its
character position. A caller that wants brackets spoken sends the text literally and skips this parser.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from dataclasses import dataclass

from models.errors import RequestError
from models.face.emotion import EMOTIONS
from models.tts import CJK, sentences_of, words_of

#: The grammar above as regular expressions, for every module that reads tags: names and the intensity.
EMOTION_NAME = r"[A-Za-z_]+"
GESTURE_NAME = r"[A-Za-z][A-Za-z0-9_]*"
INTENSITY = r"(?:\d+(?:\.\d*)?|\.\d+)"
#: A well-formed tag, for stages that scan text without parsing it (the dialogue): group 1 an emotion and
#: group 2 its intensity (or None), or group 3 a gesture.
TAG = re.compile(rf"\[\s*({EMOTION_NAME})\s*(?::\s*({INTENSITY})\s*)?\]|<\s*({GESTURE_NAME})\s*>")

# The parser takes any intensity after the colon so that it can say what is wrong with it.
_EMOTION_TAG = re.compile(rf"\[\s*({EMOTION_NAME})\s*(?::\s*([^\]\s]*)\s*)?\]")
_GESTURE_TAG = re.compile(rf"<\s*({GESTURE_NAME})\s*>")
_BRACKETS = re.compile(r"[\[\]<>]")
_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?…，。！？；：、])")
#: Chinese is written without spaces: none is left between two Chinese characters (or Chinese punctuation and one).
_CHINESE = CJK.pattern[1:-1] + "，。！？；：、“”‘’（）《》「」『』…"
_SPACE_IN_CHINESE = re.compile(rf"(?<=[{_CHINESE}])\s+(?=[{_CHINESE}])")
_NUMBER = re.compile(INTENSITY)


class TagError(RequestError):
    """A tag the parser cannot accept. `code`: bad_tag, unknown_emotion, unknown_gesture or out_of_range;
    `position`: the tag's first character in the text given to `parse_tags`; the field is the `say` text."""

    def __init__(self, code: str, message: str, position: int) -> None:
        super().__init__(code, message, "text")
        self.position = position

    def to_wire(self) -> dict[str, str]:
        # The message counts characters in the text: on the wire it names that field, as other errors do.
        return {**super().to_wire(), "message": f"{self.field}: {self.message}"}


@dataclass(frozen=True)
class Mark:
    """One tag: what it asks for and the index of the word it takes effect at (in `Script.words`).

    `word == len(words)` means the tag stood after the last word: it takes effect when the speech ends.
    """

    kind: str  # "emotion" or "gesture"
    name: str
    word: int
    position: int  # character position of the tag in the tagged text
    intensity: float = 1.0  # emotions only


@dataclass(frozen=True)
class Script:
    """A line split into what the voice says and what the performer does."""

    text: str  # the words to speak, tags removed, spaces tidied
    marks: tuple[Mark, ...]

    @property
    def words(self) -> list[str]:
        return words_of(self.text)


@dataclass(frozen=True)
class VoiceRun:
    """Consecutive sentences spoken in one voice style: the emotion in effect at their first word."""

    text: str
    emotion: str
    intensity: float
    first_word: int  # index in the script's words of the run's first word


def voice_runs(script: Script, emotion: str = "neutral", intensity: float = 1.0) -> list[VoiceRun]:
    """Split a script where its voice changes. A voice speaks a sentence in one style, so each sentence takes
    the emotion in effect at its first word; a tag inside a sentence changes the face at its word and the voice
    from the next sentence on. Sentences in the same style stay together (one synthesis, natural prosody)."""
    emotions = [m for m in script.marks if m.kind == "emotion"]
    runs: list[VoiceRun] = []
    word = 0
    for sentence in sentences_of(script.text):
        for mark in emotions:
            if mark.word <= word:
                emotion, intensity = mark.name, mark.intensity
        emotions = [m for m in emotions if m.word > word]
        if runs and (runs[-1].emotion, runs[-1].intensity) == (emotion, intensity):
            runs[-1] = VoiceRun(f"{runs[-1].text} {sentence}", emotion, intensity, runs[-1].first_word)
        else:
            runs.append(VoiceRun(sentence, emotion, intensity, word))
        word += len(words_of(sentence))
    return runs


def _intensity(raw: str | None, position: int) -> float:
    if raw is None:
        return 1.0
    if not _NUMBER.fullmatch(raw):
        raise TagError("bad_tag", f"tag at character {position}: intensity {raw!r} is not a number from 0 to 1",
                       position)
    value = float(raw)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise TagError("out_of_range", f"tag at character {position}: intensity must be between 0 and 1, "
                                       f"got {raw}", position)
    return value


def tidy(text: str) -> str:
    """Spaces collapsed, none before punctuation, none between Chinese characters ("你好[happy]朋友": 你好朋友), none
    at the ends: the text left where tags were taken out."""
    return _SPACE_IN_CHINESE.sub("", _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))).strip()


def parse_tags(text: str, gestures: Collection[str] | None = None) -> Script:
    """Split tagged text into the words to speak and marks at word indices.

    `gestures`: the gesture names the caller can play; a `<name>` outside them is an error. None accepts any
    well-formed gesture name (for stages that only pass marks on). Raises TagError naming the tag, its
    character position and the limit.
    """
    known_gestures = None if gestures is None else {g.lower() for g in gestures}
    pieces: list[str] = []
    marks: list[Mark] = []
    words_before = 0
    at = 0
    while (bracket := _BRACKETS.search(text, at)) is not None:
        start = bracket.start()
        pieces.append(text[at:start])
        words_before += len(words_of(text[at:start]))
        emotion = _EMOTION_TAG.match(text, start)
        gesture = _GESTURE_TAG.match(text, start)
        if emotion is not None:
            name = emotion.group(1).lower()
            if name not in EMOTIONS:
                raise TagError("unknown_emotion", f"tag at character {start}: unknown emotion {name!r}; known: "
                                                  f"{', '.join(EMOTIONS)}", start)
            marks.append(Mark("emotion", name, words_before, start, _intensity(emotion.group(2), start)))
            at = emotion.end()
        elif gesture is not None:
            name = gesture.group(1).lower()
            if known_gestures is not None and name not in known_gestures:
                known = ", ".join(sorted(known_gestures)) or "none are loaded"
                raise TagError("unknown_gesture", f"tag at character {start}: unknown gesture {name!r}; known: "
                                                  f"{known}", start)
            marks.append(Mark("gesture", name, words_before, start))
            at = gesture.end()
        else:
            raise TagError("bad_tag", f"malformed tag at character {start}: {_excerpt(text, start)!r} is not "
                                      "[emotion], [emotion:0..1] or <gesture> (send the text as literal to speak "
                                      "brackets)", start)
        pieces.append(" ")
    pieces.append(text[at:])
    return Script(tidy("".join(pieces)), tuple(marks))


def _excerpt(text: str, start: int, width: int = 24) -> str:
    end = text.find("]" if text[start] == "[" else ">", start)
    stop = start + width if end < 0 else min(end + 1, start + width)
    return text[start:stop]
