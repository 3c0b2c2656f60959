"""The live chat queue: many fans at once, one host.

Fans' messages are checked, rate-limited per user, screened against the blocklist (blocked ones never reach
the air and are reported to the operator), and merged when near-identical to one already waiting (the answer
then names everyone who asked). Pinned (operator) and paid messages go first. With `require_approval` the
operator approves or skips each message. A message being answered is never dropped: an interruption puts it
reported with what the fans heard (the operator may `requeue` it), and an error either retries it or reports it
as failed. Waiting messages stay queued through both.

The clock is injected (seconds, monotonic), so rate limits and ordering are testable on a virtual clock.
"""

from __future__ import annotations

import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from models.dialogue.moderation import check_chat_text, find_phrase
from models.dialogue.words import content_words, folded
from models.errors import RequestError
from models.tts import CJK

#: Priorities, lowest first: pinned is the operator's own pick, paid a super-chat.
PRIORITIES: tuple[str, ...] = ("normal", "paid", "pinned")

Status = Literal["pending", "approved", "answering", "answered", "interrupted", "skipped", "failed", "blocked"]


class QueueError(RequestError):
    """A message or operator action the queue cannot take; `field` names the request field (the queue
    request's `message`, the id of the message acted on, unless told)."""

    def __init__(self, code: str, message: str, field: str = "message") -> None:
        super().__init__(code, message, field)


@dataclass
class QueuedMessage:
    """A fan's message in the queue. `also_asked_by` are fans whose duplicates were merged into it."""

    id: str
    user: str
    text: str
    priority: str
    received: float
    status: Status = "pending"
    also_asked_by: list[str] = field(default_factory=list)
    attempts: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "user": self.user, "text": self.text, "priority": self.priority,
                "received": self.received, "status": self.status, "also_asked_by": list(self.also_asked_by),
                "attempts": self.attempts, "error": self.error}


@dataclass(frozen=True)
class Submission:
    """What happened to a submitted message: queued, merged (into `message`), rate_limited, blocked or full."""

    status: Literal["queued", "merged", "rate_limited", "blocked", "full"]
    message: QueuedMessage | None = None
    reason: str = ""
    retry_after: float = 0.0


@dataclass(frozen=True)
class RateLimit:
    """At most `messages` accepted per user within any `per_s` seconds (pinned messages are exempt)."""

    messages: int = 3
    per_s: float = 30.0


#: Two words are the same word misspelt from this difflib ratio ("beanei" ~ "beanie": 0.83; "beanie" ~
#: "hoodie": 0.5).
TYPO_RATIO = 0.8


def _same_word(a: str, b: str) -> bool:
    """A misspelt English word, or a Chinese word and its longer form (帽 and 帽子, 重 and 多重). Numbers are never
    misspelt: order 12 is not order 172."""
    if CJK.search(a) and CJK.search(b):
        return a in b or b in a
    if any(c.isdigit() for c in a + b):
        return False
    return SequenceMatcher(None, a, b).ratio() >= TYPO_RATIO


def _bare(text: str) -> str:
    """A message without its spacing and punctuation (emoji and other symbols kept): "❤️❤️" is not "😂😂"."""
    return "".join(ch for ch in folded(text) if not ch.isspace() and not unicodedata.category(ch).startswith("P"))


def similarity(a: str, b: str) -> float:
    """Near-identity of two messages in [0, 1]: the share of content words they have in common, a misspelt
    word counting as the same word. Function words and punctuation do not count ("How much is the beanie??"
    and "how much is the beanie" are 1.0, so are "雪花帽多少钱？" and "請問雪花帽子多少錢"); a different noun makes a
    different question. Messages without content words ("hi!", "❤️❤️") are the same when their letters, digits and
    symbols are."""
    words_a, words_b = content_words(a), content_words(b)
    if not words_a or not words_b:
        return 1.0 if _bare(a) == _bare(b) else 0.0
    matched = len(words_a & words_b)
    partners = sorted(words_b - words_a)
    for word in sorted(words_a - words_b):
        typo = next((p for p in partners if _same_word(word, p)), None)
        if typo is not None:
            partners.remove(typo)
            matched += 1
    return matched / max(len(words_a), len(words_b))


class ChatQueue:
    """Fans' messages waiting for the host, in priority order then arrival order."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, rate_limit: RateLimit = RateLimit(),
                 blocklist: tuple[str, ...] = (), duplicate_similarity: float = 0.9, require_approval: bool = False,
                 max_waiting: int = 1000, max_attempts: int = 2, history: int = 500) -> None:
        self.clock = clock
        self.rate_limit = rate_limit
        self.blocklist = blocklist
        self.duplicate_similarity = duplicate_similarity
        self.require_approval = require_approval
        self.max_waiting = max_waiting
        self.max_attempts = max_attempts
        self._messages: dict[str, QueuedMessage] = {}
        self._closed: deque[str] = deque()  # ids of finished messages, oldest first, trimmed to `history`
        self._history = history
        self._recent: dict[str, deque[float]] = {}
        self._count = 0

    # -- fans ------------------------------------------------------------------------------------------------

    def submit(self, user: str, text: str, priority: str = "normal") -> Submission:
        """Offer a fan's message. Raises ChatTextError (bad text) or QueueError (bad priority or user)."""
        text = check_chat_text(text)
        if priority not in PRIORITIES:
            raise QueueError("bad_priority", f"unknown priority {priority!r}; expected one of: "
                                             f"{', '.join(PRIORITIES)}", "priority")
        if not isinstance(user, str) or not user.strip():
            raise QueueError("empty", "user must not be empty", "user")
        now = self.clock()
        word = find_phrase(text, self.blocklist)
        if word is not None:
            message = self._add(user, text, priority, now, "blocked")
            message.error = f"blocked word {word!r}"
            self._close(message)
            return Submission("blocked", message, f"the message contains the blocked word {word!r}")
        if priority != "pinned":
            wait = self._rate_wait(user, now)
            if wait > 0:
                return Submission("rate_limited", None, f"{user} may send {self.rate_limit.messages} messages per "
                                                        f"{self.rate_limit.per_s:g} s", retry_after=wait)
        duplicate = self._duplicate_of(text)
        if duplicate is not None:
            if user != duplicate.user and user not in duplicate.also_asked_by:
                duplicate.also_asked_by.append(user)
            if PRIORITIES.index(priority) > PRIORITIES.index(duplicate.priority):
                duplicate.priority = priority  # a paid duplicate lifts the question it joins
            if priority != "pinned":
                self._note(user, now)
            return Submission("merged", duplicate, f"same question as {duplicate.id}")
        if len(self.waiting()) >= self.max_waiting:
            return Submission("full", None, f"the queue holds at most {self.max_waiting} waiting messages")
        if priority != "pinned":
            self._note(user, now)
        return Submission("queued", self._add(user, text, priority, now, "pending"))

    def _add(self, user: str, text: str, priority: str, now: float, status: Status) -> QueuedMessage:
        self._count += 1
        message = QueuedMessage(f"q{self._count}", user, text, priority, now, status)
        self._messages[message.id] = message
        return message

    def _rate_wait(self, user: str, now: float) -> float:
        recent = self._recent.get(user)
        if recent is None:
            return 0.0
        while recent and recent[0] <= now - self.rate_limit.per_s:
            recent.popleft()
        if len(recent) < self.rate_limit.messages:
            return 0.0
        return recent[0] + self.rate_limit.per_s - now

    def _note(self, user: str, now: float) -> None:
        self._recent.setdefault(user, deque()).append(now)

    def _duplicate_of(self, text: str) -> QueuedMessage | None:
        candidates = [m for m in self.waiting() if similarity(text, m.text) >= self.duplicate_similarity]
        return max(candidates, key=lambda m: similarity(text, m.text)) if candidates else None

    # -- the host --------------------------------------------------------------------------------------------

    def waiting(self) -> list[QueuedMessage]:
        """Pending and approved messages in the order the host takes them."""
        ready = [m for m in self._messages.values() if m.status in ("pending", "approved")]
        return sorted(ready, key=lambda m: (-PRIORITIES.index(m.priority), m.received, int(m.id[1:])))

    def next(self) -> QueuedMessage | None:
        """Take the next message to answer (approved ones only when approval is required)."""
        for message in self.waiting():
            if message.status == "approved" or not self.require_approval:
                message.status = "answering"
                message.attempts += 1
                return message
        return None

    def take(self, count: int) -> list[QueuedMessage]:
        """Take up to `count` messages (a Q&A window)."""
        taken: list[QueuedMessage] = []
        while len(taken) < count and (message := self.next()) is not None:
            taken.append(message)
        return taken

    def done(self, message_id: str) -> QueuedMessage:
        """The answer played to the end."""
        message = self._get(message_id, ("answering",))
        message.status = "answered"
        self._close(message)
        return message

    def interrupted(self, message_id: str, heard: str = "") -> QueuedMessage:
        """The answer was cut off (a barge-in or the operator): reported with what was heard, not answered again
        on its own, since the host just stopped talking about it. `requeue` puts it back."""
        message = self._get(message_id, ("answering",))
        message.status = "interrupted"
        message.error = f"interrupted after: {heard!r}" if heard else "interrupted before any word"
        self._close(message)
        return message

    def requeue(self, message_id: str) -> QueuedMessage:
        """Back at the head of its priority (an interrupted, failed or skipped message the operator wants)."""
        message = self._get(message_id, ("interrupted", "failed", "skipped"))
        if message.id in self._closed:
            self._closed.remove(message.id)
        message.status = "approved" if self.require_approval else "pending"
        message.attempts = 0
        return message

    def failed(self, message_id: str, error: str) -> QueuedMessage:
        """Answering failed: retried while attempts remain, then reported as failed."""
        message = self._get(message_id, ("answering",))
        message.error = error
        if message.attempts < self.max_attempts:
            message.status = "approved" if self.require_approval else "pending"
        else:
            message.status = "failed"
            self._close(message)
        return message

    # -- the operator ----------------------------------------------------------------------------------------

    def approve(self, message_id: str) -> QueuedMessage:
        message = self._get(message_id, ("pending",))
        message.status = "approved"
        return message

    def skip(self, message_id: str) -> QueuedMessage:
        message = self._get(message_id, ("pending", "approved"))
        message.status = "skipped"
        self._close(message)
        return message

    def pin(self, message_id: str) -> QueuedMessage:
        message = self._get(message_id, ("pending", "approved"))
        message.priority = "pinned"
        return message

    def reported(self) -> list[QueuedMessage]:
        """Blocked, failed and interrupted messages the operator should see."""
        return [m for m in self._messages.values() if m.status in ("blocked", "failed", "interrupted")]

    def snapshot(self) -> dict[str, object]:
        """Waiting and reported messages, for the operator's `queue list`."""
        return {"waiting": [m.to_dict() for m in self.waiting()], "reported": [m.to_dict() for m in self.reported()],
                "require_approval": self.require_approval}

    def get(self, message_id: str) -> QueuedMessage:
        return self._get(message_id, None)

    def _get(self, message_id: str, allowed: tuple[Status, ...] | None) -> QueuedMessage:
        message = self._messages.get(message_id)
        if message is None:
            raise QueueError("unknown_message", f"no message {message_id!r} in the queue")
        if allowed is not None and message.status not in allowed:
            raise QueueError("bad_state", f"message {message_id} is {message.status}; this needs it to be "
                                          f"{' or '.join(allowed)}")
        return message

    def _close(self, message: QueuedMessage) -> None:
        # Finished messages stay visible for a while (the operator's log), then go: the queue never grows
        # without bound over a long show.
        self._closed.append(message.id)
        while len(self._closed) > self._history:
            self._messages.pop(self._closed.popleft(), None)
