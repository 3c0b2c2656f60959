"""What a fan may send and what the host will talk about.

`check_chat_text` rejects text that cannot be a chat message (empty, huge, binary) with an error naming the
field and the limit. `screen` decides how the host treats an acceptable message: a blocklisted word or a
forbidden topic gets a polite refusal in character, a prompt-injection attempt gets an in-character deflection,
and nothing of the sort ever reaches the knowledge base or an LLM.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from models.dialogue.persona import Persona
from models.errors import RequestError

#: Longest chat message, in characters (a live chat line, far below the `say` limit).
MAX_CHAT_CHARS = 500


class ChatTextError(RequestError):
    """Chat text the host cannot take. `code` is bad_type, empty, too_long or binary; `field` is the request
    field (the chat's `text` unless told)."""

    def __init__(self, code: str, message: str, field: str = "text") -> None:
        super().__init__(code, message, field)


def check_chat_text(text: object, field: str = "text", max_chars: int = MAX_CHAT_CHARS) -> str:
    """The message normalized (NFC, whitespace collapsed), or ChatTextError naming the field and the limit."""
    if not isinstance(text, str):
        raise ChatTextError("bad_type", f"{field} must be a string, got {type(text).__name__}", field)
    if len(text) > 4 * max_chars:  # do not even normalize something this large
        raise ChatTextError("too_long", f"{field} has {len(text)} characters; the limit is {max_chars}", field)
    # Control characters (other than line breaks and tabs) and the replacement character mean the sender
    # decoded bytes that were not text.
    for ch in text:
        if ch == "\ufffd" or unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r":
            raise ChatTextError("binary", f"{field} contains binary data (character U+{ord(ch):04X}); send "
                                          "plain text", field)
    normalized = " ".join(unicodedata.normalize("NFC", text).split())
    if not normalized:
        raise ChatTextError("empty", f"{field} must not be empty", field)
    if len(normalized) > max_chars:
        raise ChatTextError("too_long", f"{field} has {len(normalized)} characters; the limit is {max_chars}",
                            field)
    return normalized


_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:instructions?|rules|prompts?|guidelines|"
    r"programming|directives?|above|everything)\b"
    r"|\b(?:system|developer|hidden|initial)\s+(?:prompt|message|instructions?)\b"
    r"|\byou\s+are\s+now\b|\bfrom\s+now\s+on\s+(?:you|act|be)\b|\bpretend\s+(?:to\s+be|you\s+are)\b"
    r"|\bact\s+as\s+(?:an?\s+)?(?!host)\w+|\broleplay\s+as\b|\bjailbreak|\bdeveloper\s+mode\b|\bDAN\b"
    r"|\b(?:reveal|show|print|repeat)\b.{0,20}\b(?:your|the)\s+(?:prompt|instructions|rules)\b"
    r"|\bnew\s+instructions?\b|</?\s*(?:system|assistant|user)\s*>|\[/?INST\]|<\|im_start\|>",
    re.IGNORECASE | re.DOTALL)

VerdictKind = Literal["ok", "blocked", "forbidden", "injection"]


@dataclass(frozen=True)
class Verdict:
    """How to treat a message: `matched` is the word or pattern that decided it, `topic` the forbidden topic."""

    kind: VerdictKind
    matched: str | None = None
    topic: str | None = None


@lru_cache(maxsize=4096)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # Whole words only: "bet" must not match "alphabet", "hate you" must match across one space or more.
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<![\w])" + r"\s+".join(words) + r"(?![\w])", re.IGNORECASE)


def find_phrase(text: str, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` found in `text` as whole words, any case."""
    return next((p for p in phrases if _phrase_pattern(p).search(text)), None)


def screen(text: str, persona: Persona) -> Verdict:
    """Decide how the host treats a (checked) message. Injection is checked first: it is never answered."""
    injection = _INJECTION.search(text)
    if injection:
        return Verdict("injection", injection.group(0))
    word = find_phrase(text, persona.blocklist)
    if word is not None:
        return Verdict("blocked", word)
    for topic in persona.forbidden_topics:
        keyword = find_phrase(text, topic.keywords)
        if keyword is not None:
            return Verdict("forbidden", keyword, topic.name)
    return Verdict("ok")
