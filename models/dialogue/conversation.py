"""What each fan was just talking about: the subject of their last answered question, and what they were told.

A live chat is many fans at once, each with their own thread: one asks about the hoodie, another about curling,
and "how much is it?" means the hoodie for the first. `Conversations` keeps one small `FanState` per fan (keyed
by `ChatTurn.user`), so that follow-ups ("how much is it?", "and the other one?", "tell me more", "another fun
fact") resolve against that fan's own subject. It is kept small on purpose: at most `max_fans` fans (the least
recently heard from is forgotten first) and only for `ttl_s` seconds after the fan last wrote, because a
follow-up ten minutes later is more likely a new question than a reference to an old answer. The clock is
injectable so tests can move time.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from models.dialogue.persona import Product
from models.dialogue.retrieval import tokens
from models.tts import CJK

#: How many fans' states are kept; the least recently heard from is forgotten first.
MAX_FANS = 1000
#: Seconds after a fan's last message that their state is forgotten.
FAN_TTL_S = 600.0
#: How many told knowledge ids are remembered per fan ("another fun fact" skips them).
MAX_TOLD = 64


@dataclass(frozen=True)
class Subject:
    """What a fan's last answered question was about. `products` are the products the answer talked about, in
    the order said; `group` the products they were picked from when the fan narrowed a choice down ("the
    thermal one" out of two bottles: "the other one" is the rest of the group); `item` the fact, FAQ or about
    line told (a knowledge id); `topic` the words that named the topic ("curling"); `question` the fan's
    question as answered, and `mention` the words in it that named the subject ("what about the beanie?" asks
    `question` again with `mention` replaced); `details` how many "tell me more" steps were already given."""

    intent: str
    products: tuple[Product, ...] = ()
    group: tuple[Product, ...] = ()
    item: str | None = None
    topic: str | None = None
    question: str = ""
    mention: str = ""
    details: int = 0


@dataclass(frozen=True)
class FanState:
    """One fan's state: the current subject (None: nothing yet, or the fan changed to something unknown), the
    knowledge ids already told to them, and when they last wrote."""

    subject: Subject | None
    told: tuple[str, ...] = field(default=())
    at: float = 0.0
    show_question: str = ""  # their last question about the show, while they stay on it ("and after that?")


class Conversations:
    """Per-fan states, at most `max_fans`, each forgotten `ttl_s` seconds after the fan's last message."""

    def __init__(self, max_fans: int = MAX_FANS, ttl_s: float = FAN_TTL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_fans < 1:
            raise ValueError(f"max_fans must be at least 1, got {max_fans}")
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s}")
        self.max_fans = max_fans
        self.ttl_s = ttl_s
        self.clock = clock
        self._fans: OrderedDict[str, FanState] = OrderedDict()

    def __len__(self) -> int:
        self._expire()
        return len(self._fans)

    def state(self, user: str) -> FanState | None:
        """The fan's state, or None for a fan not heard from (or forgotten)."""
        self._expire()
        return self._fans.get(user)

    def subject(self, user: str) -> Subject | None:
        """What the fan was last talking about, or None."""
        state = self.state(user)
        return state.subject if state is not None else None

    def told(self, user: str) -> tuple[str, ...]:
        """Knowledge ids already told to the fan, oldest first."""
        state = self.state(user)
        return state.told if state is not None else ()

    def record(self, user: str, subject: Subject | None, told: Iterable[str] = ()) -> None:
        """The fan's new subject (None: forget it) and the knowledge ids just told to them."""
        previous = self.state(user)
        earlier = previous.told if previous is not None else ()
        new = tuple(i for i in dict.fromkeys(told) if i not in earlier)
        self._fans[user] = FanState(subject, (*earlier, *new)[-MAX_TOLD:], self.clock())
        self._fans.move_to_end(user)
        while len(self._fans) > self.max_fans:
            self._fans.popitem(last=False)

    def touch(self, user: str) -> None:
        """The fan wrote something that leaves the subject as it is (thanks, a compliment): they are still here."""
        state = self.state(user)
        if state is not None:
            self._fans[user] = replace(state, at=self.clock())
            self._fans.move_to_end(user)

    def asked_show(self, user: str, question: str) -> None:
        """The fan asked about the show (their subject stays as it was): "and after that?" leans on that question."""
        if self.state(user) is None:
            self.record(user, None)
        self._fans[user] = replace(self._fans[user], show_question=question, at=self.clock())
        self._fans.move_to_end(user)

    def show_question(self, user: str) -> str:
        """The fan's last question about the show, "" when their last answer was about something else."""
        state = self.state(user)
        return state.show_question if state is not None else ""

    def _expire(self) -> None:
        # Oldest first (record and touch move a fan to the end): stop at the first one still fresh.
        now = self.clock()
        while self._fans:
            user, state = next(iter(self._fans.items()))
            if now - state.at <= self.ttl_s:
                break
            del self._fans[user]


# -- follow-ups ------------------------------------------------------------------------------------------------
# What a fan writes when they mean "the thing we were just talking about". Small lexicons, English and Chinese
# (matched in the folded form, like the engine's moods): a wrong guess costs a clarifying question, never a fact.

#: "tell me more", "more!", "go on", "what else?": the next detail of the subject.
MORE = re.compile(
    r"^\W*(?:(?:and|ok|okay|so|oh|wow|cool|nice|interesting|great)\W+)*(?:(?:tell|show) me more|more|say more|go on|"
    r"keep going|what else|anything else|more please|more details?|details|tell me more about (?:it|that|them|this)|"
    r"more about (?:it|that|them|this)|and)(?:\W+please)?\W*$|"
    r"^\W*(?:多说点|多说一点|再说说|再讲讲|详细说说|展开说说|还有呢|然后呢|还有吗|继续)\W*$", re.IGNORECASE)
#: "another fun fact", "one more", "another one": a new fact (on the subject's topic when there is one).
ANOTHER = re.compile(
    r"\b(?:another|one more|more)\s+(?:fun\s+|cool\s+|interesting\s+)?(?:facts?|one|trivia)\b|"
    # The word alone, or with only asking or chat words around it ("got another?", "you have one more?", "any more?",
    # "ok one more!", "wow another one pls").
    r"^\W*(?:(?:got|have|has|any|know|do|you|u|ya|gimme|give me|tell me|share|can|could|i|we|get|"
    r"ok|okay|so|and|oh|wow|cool|nice|great|yes|yay|lol|haha|omg)\W+)*"
    r"(?:another|again|one more|any more)(?:\W+(?:one|please|pls|plz|for me|for us))*\W*$|"
    r"再(?:说|来|讲)一(?:个|条)|再来一个|还有别的", re.IGNORECASE)
#: "and the other one?": the products discussed other than the one just talked about.
OTHER = re.compile(r"\b(?:the\s+)?other\s+(?:one|ones|product|item)\b|\bthe other\b|另一个|另外一个|另一款|另外那个",
                   re.IGNORECASE)
#: "what about the beanie?", "and the mittens?": the last question again, about something else.
WHAT_ABOUT = re.compile(
    r"^\W*(?:(?:and|but|ok|okay|so)\W+)?(?:what|how)\s+about\s+(?P<about>.+?)\W*$|"
    r"^\W*(?:(?:ok|okay|so|oh|wait)\W+)?and\s+(?P<and>[^?.!]+?)\s*\?\W*$|"
    r"^\W*那(?P<zh>[^？?。！!]+?)呢\W*$", re.IGNORECASE)
#: Words that point back at the subject: "how much is it?", "do they come in red?", "how tall is that thing?",
#: 它多少钱？
PRONOUN = re.compile(r"\b(?:it|its|it's|(?:that|this) (?:one|thing|item|product)|them|they|those|these)\b|"
                     r"它|这个|那个|这款|那款", re.IGNORECASE)
#: Words that introduce an object of "what about": dropped before the name goes into the old question.
_DETERMINER = re.compile(r"^(?:the|a|an|your|that|this|those|these)\s+", re.IGNORECASE)


def about_what(text: str) -> str | None:
    """The new object of a "what about X?" / "and X?" / 那X呢 question, without its article; None if not one."""
    match = WHAT_ABOUT.match(text)
    if match is None:
        return None
    thing = next(g for g in match.groups() if g is not None).strip()
    if match.group("and") is not None and PRONOUN.search(thing):
        # "and how big is it?": a question of its own about the subject, not a new object for the old question.
        return None
    return _DETERMINER.sub("", thing).strip() or None


def asked_again(subject: Subject, thing: str) -> str:
    """The subject's question asked about `thing` instead ("How much is the hoodie?" + "beanie" → "How much is
    the beanie?"); the thing alone when the subject's question has no mention to replace."""
    if subject.question and subject.mention and subject.mention in subject.question:
        return subject.question.replace(subject.mention, thing, 1)
    return thing


def mention_in(text: str, words: frozenset[str]) -> str:
    """The first run of words in `text` that are all among `words` (what named a product or a topic: "snowflake
    beanie" in "How much is the snowflake beanie?", 雪花针织帽 in 雪花针织帽多少钱？); "" if none. English words
    are compared by their retrieval tokens ("gloves" is "glove"), Chinese ones found as written."""
    spans = [(m.start(), m.end()) for m in _TEXT_WORD.finditer(text)
             if (t := tokens(m.group(0))) and all(w in words for w in t)]
    for word in words:
        if CJK.match(word):
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(word), text)]
    if not spans:
        return ""
    spans.sort()
    start, end = spans[0]
    for s, e in spans[1:]:
        if text[end:s].strip(" '’-"):
            break
        end = max(end, e)
    return text[start:end]


_TEXT_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
