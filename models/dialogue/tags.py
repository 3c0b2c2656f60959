"""Inline performance tags in reply text: emotions `[happy]`, `[sad:0.6]` and gestures `<thumbs_up>`.

The dialogue writes them where they should happen in the sentence; the bridge's tag parser turns them into
emotion and gesture events on the take's timeline and speaks the text without them. The grammar is that
parser's (`models.face.tags`): this module only scans, strips and filters with it.
"""

from __future__ import annotations

import re

from models.body.gestures import REQUIRED as GESTURES  # the gestures every library has: the dialogue's vocabulary
from models.face.emotion import EMOTIONS, check_emotion
from models.face.tags import TAG, parse_tags, tidy

__all__ = ["EMOTIONS", "GESTURES", "check_tags", "emotion_tag", "gesture_tag", "sanitize_tags", "strip_tags",
           "tags_in"]


def emotion_tag(name: str, intensity: float | None = None) -> str:
    """`[name]` or `[name:0.60]`; raises ValueError for an unknown emotion or an intensity outside [0, 1]."""
    check_emotion(name, 1.0 if intensity is None else intensity)
    return f"[{name}]" if intensity is None else f"[{name}:{intensity:.2f}]"


def gesture_tag(name: str) -> str:
    """`<name>`; raises ValueError for an unknown gesture."""
    if name not in GESTURES:
        raise ValueError(f"unknown gesture {name!r}; known: {', '.join(GESTURES)}")
    return f"<{name}>"


def strip_tags(text: str) -> str:
    """The words to speak: every tag-shaped token removed, spaces tidied (the same words the director's tag
    parser gives the voice for well-formed text; this one never raises)."""
    return tidy(TAG.sub(" ", text))


def sanitize_tags(text: str) -> str:
    """Keep known tags (intensity clamped to [0, 1]) and drop unknown ones, so model output cannot smuggle a
    tag the performer does not know or have one read aloud."""

    def keep(match: re.Match[str]) -> str:
        emotion, intensity, gesture = match.group(1), match.group(2), match.group(3)
        if gesture is not None:
            return f" <{gesture.lower()}> " if gesture.lower() in GESTURES else " "
        if emotion.lower() not in EMOTIONS:
            return " "
        if intensity is None:
            return f" [{emotion.lower()}] "
        return f" [{emotion.lower()}:{min(1.0, float(intensity)):.2f}] "

    return tidy(TAG.sub(keep, text))


def check_tags(text: str) -> None:
    """Raise ValueError (the director's TagError) naming the first tag the director would refuse."""
    parse_tags(text, GESTURES)


def tags_in(text: str) -> list[str]:
    """The tags of a text in order, as written (`[sad:0.60]`, `<wave>`)."""
    return [m.group(0) for m in TAG.finditer(text)]
