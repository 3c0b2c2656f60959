"""Dialogue history that stays true after an interruption: only the words the fans actually heard are kept.

When the host is cut off mid-answer, the planned text is not what was said. Given the take's word timings and
the interrupt time (both on the same timeline, e.g. seconds from the take's first sample), the host's turn
keeps the words that had finished playing and is marked interrupted, so a later answer (and an LLM prompt)
does not assume the fans heard the rest.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from models.dialogue.words import joined

#: A word counts as heard if it ends at most this long after the cut (the performer cuts at word boundaries,
#: and word ends from alignments are exact only to a frame or so).
HEARD_TOLERANCE_S = 0.03


class TimedWord(Protocol):
    """Anything with a word and its start and end time (models.tts.WordSpan is one)."""

    @property
    def word(self) -> str: ...

    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


@dataclass(frozen=True)
class HistoryTurn:
    """One turn. For the host, `text` is what was heard and `planned` the full answer when it was cut. `user` is
    the fan who spoke (or, for the host, the fan answered); `topics` the knowledge ids the exchange was about."""

    role: Literal["fan", "host"]
    text: str
    user: str | None = None
    interrupted: bool = False
    planned: str | None = None
    topics: tuple[str, ...] = ()


def heard_words(words: Sequence[TimedWord], cut: float, tolerance: float = HEARD_TOLERANCE_S) -> list[str]:
    """The words that finished playing by `cut`, in order. A word still playing at the cut was not heard."""
    if any(b.start < a.start for a, b in zip(words, words[1:], strict=False)):
        raise ValueError("word timings must be in order of start time")
    return [w.word for w in words if w.end <= cut + tolerance]


class DialogueHistory:
    """The last `max_turns` turns of a conversation (oldest dropped first). One avatar talks with many fans about
    many things: `messages(user, topics)` gives an answer only the exchanges with that fan on that topic."""

    def __init__(self, max_turns: int = 20) -> None:
        if max_turns < 1:
            raise ValueError(f"max_turns must be at least 1, got {max_turns}")
        self._turns: deque[HistoryTurn] = deque(maxlen=max_turns)

    @property
    def turns(self) -> list[HistoryTurn]:
        return list(self._turns)

    def add_fan(self, user: str, text: str, topics: Sequence[str] = ()) -> HistoryTurn:
        return self._add(HistoryTurn("fan", text, user=user, topics=tuple(topics)))

    def add_host(self, text: str, user: str | None = None, topics: Sequence[str] = ()) -> HistoryTurn:
        """A host answer (to `user`) that played to the end (tags already stripped)."""
        return self._add(HistoryTurn("host", text, user=user, topics=tuple(topics)))

    def add_host_interrupted(self, words: Sequence[TimedWord], cut: float, planned: str, user: str | None = None,
                             topics: Sequence[str] = ()) -> HistoryTurn:
        """A host answer cut at `cut`: keeps only the heard words, marked interrupted (Chinese words written
        together, as the words of a Chinese take are jieba's words of one run of characters)."""
        return self._add(HistoryTurn("host", joined(heard_words(words, cut)), user=user, interrupted=True,
                                     planned=planned, topics=tuple(topics)))

    def _add(self, turn: HistoryTurn) -> HistoryTurn:
        self._turns.append(turn)
        return turn

    def messages(self, user: str | None = None, topics: Iterable[str] | None = None) -> list[dict[str, str]]:
        """The turns as chat-completion messages; a cut answer says where it was cut. With `user`, only that fan's
        turns and the answers to them; with `topics`, only turns about one of those knowledge ids (another fan's
        product, or an earlier topic, would steer the model away from what is asked now)."""
        wanted = None if topics is None else set(topics)
        return [message_of(t) for t in self._turns
                if (user is None or t.user == user) and (wanted is None or wanted.intersection(t.topics))]


def message_of(turn: HistoryTurn) -> dict[str, str]:
    if turn.role == "fan":
        return {"role": "user", "content": f"{turn.user}: {turn.text}" if turn.user else turn.text}
    text = turn.text
    if turn.interrupted:
        text = f"{text} [interrupted: the fans heard only this much]" if text else "[interrupted before any word]"
    return {"role": "assistant", "content": text}
