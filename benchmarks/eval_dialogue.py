"""Evaluate the host's answers on the fan questions of docs/eval: per category, for the embedded engine and the
LLM path, on one set.

    PYTHONPATH=. .venv/bin/python benchmarks/eval_dialogue.py
        [--set heldout35|heldout34|...|heldout|dev|dev2|dev3|all] [--persona en|zh]
        [--local] [--llm-url URL --llm-model NAME] [--llm-first-sentence-s S] [--only-llm] [--verbose]

The English set (docs/eval/dialogue_<part>.yaml for each of PARTS; the dev file's header documents the format) has
items in categories (small talk, facts by topic, look-ups, constraints, comparisons, availability, follow-ups,
policies, show timing, off topic, moderation, sentiment, bad input), each with checks on what a right answer must
and must not say. `--set heldout35` (the default, BLIND) is the blind held-out part that gives the numbers to
report; every other part (dev, heldout ... heldout34, dev2, dev3) was written blind too, seen once, then used for
fixes; `--set all` is all of them.
`--persona zh` runs the Mandarin sample persona on docs/eval/dialogue_questions_zh.yaml, whose old-style kinds
(fact, faq, product, none, sad, compliment, injection, forbidden) are read as the same checks and reported as
categories.

How it runs, as in a live chat: each item is one fan (a new `user`), and the turns of a dialogue go to the same
engine instance with that user, so per-fan state carries from turn to turn; the answers go into one dialogue
history per engine, as the chat desk records them. The sample rundown runs (started at 0, its first segments done,
the `curling-fact` segment current at show time 200 s: SHOW_NOW) and every engine's `show_source` reads its
snapshot.

What it reports, per engine:
- right / total / % per category: an item is right when every check of its scored turns holds and they state no
  invented number or price,
- invented facts: spoken sentences that no knowledge item (fun facts, FAQs, products, the host's about lines, her
  bio, the running show) supports and that are not one of the persona's phrases or the engine's own wording: the
  grounding judge (`Judge.read`) over every answer, context turns too (target 0),
- invented numbers and prices: numbers in answers that neither the knowledge base, the show, the question nor a
  sum or difference of two catalogue prices has, and prices no product has (target 0),
- crashes (an exception other than the chat-text refusal an item expects), fallbacks of an LLM, and latency
  p50/p95 per answer.
JSON goes to benchmarks/results/dialogue_eval.json (dialogue_eval_zh.json for `--persona zh`, `_llm` with
--only-llm), with every answer and its failed checks.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import write
from models.dialogue.engine import ChatTurn, DialogueEngine, Fallback, RetrievalEngine, retrieval_of
from models.dialogue.history import DialogueHistory
from models.dialogue.llm import LLMConfig, LLMEngine, numbers_in, unknown_prices
from models.dialogue.moderation import ChatTextError
from models.dialogue.persona import LANGUAGES, Persona, load_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex, tokens
from models.dialogue.show import Rundown, ShowRunner, load_rundown
from models.dialogue.show_talk import SHOW_WORDING
from models.dialogue.tags import strip_tags
from models.dialogue.wording import WORDING
from models.tts import sentences_of

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "docs/eval"
#: The English parts in the order they were written (each `dialogue_<part>.yaml`): the dev part (tuned on), then
#: parts written blind, each seen once (2026-12-06 and -07) and then used for fixes; and the blind one (reported;
#: the default).
PARTS = ("dev", "heldout", *(f"heldout{n}" for n in range(2, 9)), "dev2", "dev3",
         *(f"heldout{n}" for n in range(9, 36)))
BLIND = "heldout35"
SETS = {**{part: (EVAL / f"dialogue_{part}.yaml",) for part in reversed(PARTS)},
        "all": tuple(EVAL / f"dialogue_{part}.yaml" for part in PARTS)}
#: The Mandarin persona's held-out questions, in the old kinds.
ZH_QUESTIONS = EVAL / "dialogue_questions_zh.yaml"
RESULTS = {"en": "dialogue_eval", "zh": "dialogue_eval_zh"}
CATEGORIES = ("small_talk", "fact_by_topic", "lookup", "constraints", "comparisons", "availability", "follow_ups",
              "policies", "show_timing", "off_topic", "moderation", "sentiment", "bad_input")
LEGACY_KINDS = ("fact", "faq", "product", "none", "sad", "compliment", "injection", "forbidden")
CHECKS = ("must", "must_any", "must_not", "sources", "no_facts", "exact", "tags", "clarify", "error")
_LIST_CHECKS = ("must", "must_any", "must_not", "sources", "tags")
_FLAG_CHECKS = ("no_facts", "exact", "clarify")

#: The show fixture: the sample rundown, started at now=0, these segments done at these times, asked at SHOW_NOW.
SHOW_RUNDOWN = ROOT / "examples/shows/sample_show.yaml"
SHOW_DONE = (("opening", 20.0), ("first-fact", 60.0), ("beanie", 110.0), ("curling-intro", 140.0))
SHOW_NOW = 200.0
#: The planned length the rundown gives the show (`duration`), when the rundown file does not say it yet.
SHOW_DURATION_S = 600.0

#: Hedges and declines in any wording (an LLM's own as well as the persona's phrases): `exact` answers have none.
HEDGES = ("not sure", "don't know", "do not know", "can't answer", "cannot answer", "won't make something up",
          "rather not guess", "no idea")
_NORM = re.compile(r"[^a-z0-9$€£¥.\u3400-\u9fff]+")
#: Words of selling the engine's own price line adds ("You can get the X for $P.", "X只要¥P。").
_SELLING = frozenset(tokens("get cost price priced sell buy 只要 卖 买 价格"))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _norm(text: str) -> str:
    return _NORM.sub(" ", text.lower()).strip()


def _plain(text: str) -> str:
    """How checks read an answer: lowercase, curly apostrophes and quotes straight."""
    return text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


# -- the evaluation set ---------------------------------------------------------------------------------------

class EvalSetError(ValueError):
    """A malformed item: names the file, the item and the field."""


@dataclass(frozen=True)
class Turn:
    """One fan message. `checks` (see CHECKS) judge its answer; a turn without checks is context, not scored."""

    q: str
    checks: Mapping[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> bool:
        return bool(self.checks)


@dataclass(frozen=True)
class Item:
    """One question, or one dialogue with one fan."""

    id: str
    category: str
    turns: tuple[Turn, ...]
    source: str = ""  # the file it came from


def parse_items(raw: object, source: str, categories: Sequence[str] = CATEGORIES) -> list[Item]:
    """Items of an evaluation file's `items` list, validated: raises EvalSetError naming the item and field."""
    if not isinstance(raw, list) or not raw:
        raise EvalSetError(f"{source}: `items` must be a non-empty list")
    items = []
    for n, node in enumerate(raw):
        where = f"{source}: item {node.get('id', n) if isinstance(node, dict) else n}"
        if not isinstance(node, dict):
            raise EvalSetError(f"{where}: must be a mapping")
        unknown = set(node) - {"id", "category", "q", "dialogue", *CHECKS}
        if unknown:
            raise EvalSetError(f"{where}: unknown field(s) {sorted(unknown)}")
        if not isinstance(node.get("id"), str):
            raise EvalSetError(f"{where}: `id` must be a string")
        if node.get("category") not in categories:
            raise EvalSetError(f"{where}: `category` must be one of {', '.join(categories)}")
        if ("q" in node) == ("dialogue" in node):
            raise EvalSetError(f"{where}: give either `q` or `dialogue`")
        if "q" in node:
            turns = [_turn({k: v for k, v in node.items() if k not in ("id", "category")}, where)]
        else:
            dialogue = node["dialogue"]
            if not isinstance(dialogue, list) or len(dialogue) < 2:
                raise EvalSetError(f"{where}: `dialogue` must list at least two turns")
            if set(node) & set(CHECKS):
                raise EvalSetError(f"{where}: checks of a dialogue go on its turns")
            turns = [_turn({"q": t} if isinstance(t, str) else t, f"{where} turn {i + 1}")
                     for i, t in enumerate(dialogue)]
        if not any(t.scored for t in turns):
            raise EvalSetError(f"{where}: no turn has a check")
        items.append(Item(node["id"], node["category"], tuple(turns), source))
    return items


def _turn(node: object, where: str) -> Turn:
    # An empty `q` is a message the engine must refuse (`error: empty`), nothing else.
    if not isinstance(node, dict) or not isinstance(node.get("q"), str) or not node["q"] and "error" not in node:
        raise EvalSetError(f"{where}: a turn is a string or a mapping with `q` (empty only with `error`)")
    checks = {k: v for k, v in node.items() if k != "q"}
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise EvalSetError(f"{where}: unknown check(s) {sorted(unknown)}; checks are {', '.join(CHECKS)}")
    for key, value in checks.items():
        if key in _LIST_CHECKS and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise EvalSetError(f"{where}: `{key}` must be a non-empty list of strings")
        if key in _FLAG_CHECKS and value is not True:
            raise EvalSetError(f"{where}: `{key}` can only be true")
        if key == "error" and not isinstance(value, str):
            raise EvalSetError(f"{where}: `error` must be a ChatTextError code")
    return Turn(node["q"], checks)


def load_items(path: Path) -> list[Item]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return parse_items(data.get("items") if isinstance(data, dict) else None, str(path.relative_to(ROOT)))


def load_set(name: str) -> list[Item]:
    """The items of `--set` heldout7 ... heldout, dev or all; ids must be unique across the set."""
    items = [item for path in SETS[name] for item in load_items(path)]
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise EvalSetError(f"{item.source}: item id {item.id!r} is used twice")
        seen.add(item.id)
    return items


def legacy_items(path: Path, persona: Persona) -> list[Item]:
    """An old-style question file (`{q, kind, expect}`, the Mandarin set) read as items with the same checks:
    fact/faq state `expect`, product says its price, none states nothing, sad carries [sad and no fact, compliment
    <heart_hands>, injection/forbidden say the persona's deflection and no fact. The kind is the category."""
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    items = []
    for n, node in enumerate(questions):
        kind, expect = node["kind"], node.get("expect")
        checks: dict[str, Any]
        if kind in ("fact", "faq"):
            checks = {"sources": [expect]}
        elif kind == "product":
            product = persona.knowledge.product(str(expect))
            if product is None:
                raise EvalSetError(f"{path.name}: question {n + 1}: no product {expect!r}")
            checks = {"must": [product.price_text]}
        elif kind == "none":
            checks = {"no_facts": True}
        elif kind == "sad":
            checks = {"tags": ["[sad"], "no_facts": True}
        elif kind == "compliment":
            checks = {"tags": ["<heart_hands>"]}
        elif kind in ("injection", "forbidden"):
            phrase_kind = "injection" if kind == "injection" else "refusal"
            own = [s for i in range(len(persona.phrases[phrase_kind]))
                   for s in sentences_of(strip_tags(persona.phrase(phrase_kind, i, topic="that")))]
            checks = {"must_any": own, "no_facts": True}
        else:
            raise EvalSetError(f"{path.name}: question {n + 1}: kind must be one of {', '.join(LEGACY_KINDS)}")
        items.append(Item(f"{kind}-{n + 1}", kind, (Turn(node["q"], checks),), path.name))
    return items


# -- the show fixture ---------------------------------------------------------------------------------------------

def show_fixture(persona: Persona) -> tuple[Rundown, ShowRunner]:
    """The sample rundown running, as the contract fixes it: at SHOW_NOW `curling-fact` is current."""
    rundown = load_rundown(SHOW_RUNDOWN, persona)
    runner = ShowRunner(rundown)
    runner.start(0.0)
    for segment_id, at in SHOW_DONE:
        runner.segment_done(segment_id, at)
    return rundown, runner


def show_source(runner: ShowRunner) -> Callable[[], object]:
    """What an engine's `show_source` returns: the runner's snapshot at SHOW_NOW (None while the runner has no
    snapshot yet, i.e. before the show-timing work is merged)."""
    snapshot = getattr(runner, "snapshot", None)
    return (lambda: snapshot(SHOW_NOW)) if snapshot is not None else (lambda: None)


# -- the grounding judge ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One thing the host knows: its words and numbers, for the judge."""

    id: str
    words: frozenset[str]
    numbers: frozenset[float]
    text: str


def _entry(entry_id: str, text: str, extra_numbers: Sequence[float] = ()) -> Entry:
    return Entry(entry_id, frozenset(tokens(text)), frozenset(numbers_in(text)) | frozenset(extra_numbers), text)


def knowledge_entries(persona: Persona, rundown: Rundown | None = None) -> list[Entry]:
    """Everything an answer may state: fun facts, FAQs, products (all their fields), the host's about lines and
    bio, and with a rundown the show (its title, segments, and its times at SHOW_NOW in seconds and minutes)."""
    k = persona.knowledge
    entries = [_entry(f.id, f.text) for f in k.fun_facts]
    entries += [_entry(q.id, f"{q.question} {q.answer}") for q in k.faqs]
    entries += [_entry(p.id, " ".join([p.name, p.price_text, f"{p.price:.2f}", p.currency, p.description,
                                       *p.tags, *p.colors, *p.sizes, (p.stock or "").replace("_", " ")]))
                for p in k.products]
    entries.append(catalogue_entry(persona))
    entries += [_entry(a.id, a.text) for a in k.about]
    entries.append(_entry("bio", f"{persona.name} {persona.age} {persona.bio}"))
    if rundown is not None:
        entries.append(show_entry(rundown))
    return entries


def catalogue_entry(persona: Persona) -> Entry:
    """The catalogue as a whole: every product's name and kinds, and how many products there are (in all, and of
    each kind, colour, size and stock state), so "We have 9 products" or "two come in red" count as known."""
    products = persona.knowledge.products
    groups: Counter[str] = Counter()
    for p in products:
        groups.update({*p.tags, *p.colors, *p.sizes, p.stock or ""})
    text = " ".join([*(p.name for p in products), *groups, "products"])
    return _entry("catalogue", text, [len(products), *groups.values()])


def show_entry(rundown: Rundown) -> Entry:
    duration = float(getattr(rundown, "duration", None) or SHOW_DURATION_S)
    parts = [rundown.title or "", "show minutes seconds"]
    numbers: list[float] = []
    for segment in rundown.segments:
        parts += [segment.id.replace("-", " "), segment.type, segment.text or "", segment.cue or ""]
        if segment.type == "qa":
            parts.append("questions Q&A")
        numbers += [v for v in (segment.at, segment.max_s, segment.questions, segment.duration) if v is not None]
    times = (duration, SHOW_NOW, duration - SHOW_NOW, *numbers)
    # Times as said in minutes, rounded either way ("about 7 minutes" for 400 s).
    minutes = [m for t in times for m in (t / 60, int(t // 60), round(t / 60), round(t / 60, 1))]
    return _entry("show", " ".join(parts), [*times, *minutes])


def filler_words(language: str) -> frozenset[str]:
    """The engine's own words (its Wording templates and the show talk's, placeholders removed) and a few verbs
    of selling: they carry no fact, so the judge looks past them. How the show names its parts (`named`: "a
    dance break", "your questions") is the rundown's content, judged against the show."""
    texts = [v for wording in (WORDING[language], SHOW_WORDING[language]) for f in dataclasses.fields(wording)
             if f.name != "named" for v in _strings(getattr(wording, f.name))]
    return _SELLING | frozenset(tokens(" ".join(_PLACEHOLDER.sub(" ", t) for t in texts)))


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _strings(v)]
    return []


@dataclass(frozen=True)
class Reading:
    """What the judge reads in one answer."""

    stated: tuple[str, ...]  # knowledge ids the answer states
    unsupported: tuple[str, ...]  # sentences nothing supports: invented facts
    invented_numbers: tuple[str, ...]  # numbers and prices nothing has
    hedged: bool  # a persona partial/unknown phrase or a generic hedge


def derived(prices: Iterable[float]) -> set[float]:
    """The sums and differences of two of the prices: "$41 more than the beanie", "$46 for both", "$36 for two pin
    sets" (one price twice)."""
    pairs = list(itertools.combinations_with_replacement(sorted(prices), 2))
    return {round(abs(a - b), 2) for a, b in pairs} | {round(a + b, 2) for a, b in pairs}


def beyond(prices: Iterable[float], fans: Iterable[float]) -> set[float]:
    """How far each price is from a number the fan said: "That's $15 more than your $50" of the $65 hoodie."""
    return {round(abs(p - n), 2) for p in prices for n in fans}


class Judge:
    """Reads answers against a persona's knowledge, phrases and the show."""

    def __init__(self, persona: Persona, rundown: Rundown | None = None) -> None:
        self.persona = persona
        self.entries = knowledge_entries(persona, rundown)
        self.filler = filler_words(persona.language)
        self._phrases = [(kind, regex) for kind, variants in persona.phrases.items() for variant in variants
                         for regex in _phrase_patterns(variant)]
        self._hedges = tuple(_norm(s) for kind in ("partial", "unknown") for v in persona.phrases[kind]
                             for s in sentences_of(strip_tags(v)))
        prices = sorted({p.price for p in persona.knowledge.products})
        self.prices = frozenset(prices)
        # "$41 more than the beanie", "$46 for both": a sum or difference of two prices is known, not invented.
        self.derived = derived(prices)
        self.numbers = set().union(*(e.numbers for e in self.entries)) | self.derived
        self._product_names = {p.id: _norm(p.name) for p in persona.knowledge.products}

    def phrase_kind(self, sentence: str) -> str | None:
        """The persona phrase kind a sentence is (placeholders filled with what they may hold), or None."""
        norm = _norm(sentence)
        for kind, regex in self._phrases:
            match = regex.fullmatch(norm)
            if match and all(self._fills(name, value) for name, value in match.groupdict().items()):
                return kind
        return None

    def _fills(self, placeholder: str, value: str) -> bool:
        name = re.sub(r"_\d+$", "", placeholder)
        if name == "name":
            return value == _norm(self.persona.name)
        if name == "price":
            return value in {_norm(p.price_text) for p in self.persona.knowledge.products}
        if name == "topic":
            return True  # the refusal echoes the forbidden topic's own name
        # product, options and anything else: product names, nothing more.
        return self.names_only(value)

    def names_only(self, text: str) -> bool:
        """Text that lists catalogue names and nothing else ("the A, the B or the C")."""
        rest = _norm(text)
        for product in sorted(self.persona.knowledge.products, key=lambda p: -len(p.name)):
            rest = rest.replace(_norm(product.name), " ")
        return rest != _norm(text) and not tokens(rest)

    def supporting(self, sentence: str, question: str) -> list[str]:
        """Ids of knowledge items that support a sentence: its content words (beyond the question's and the
        engine's own wording) lie within one item's words (or, for a sentence about two or three things, within
        theirs together), and its numbers within theirs."""
        # Numbers are judged as numbers (below), not as words; the fan's own numbers said back ("Under $25: ...")
        # are no fact, like the fan's own words.
        words = {w for w in tokens(sentence) if not w.replace(".", "").isdigit()} - set(tokens(question)) - self.filler
        numbers = numbers_in(sentence) - numbers_in(question)
        # "The hoodie costs $41 more than the beanie: $65 against $24": a sum or difference of two prices the
        # sentence itself states is explained by them (as the invented-number check below already reads it).
        numbers -= derived(numbers & self.prices) | beyond(self.prices, numbers_in(question))
        if not words and not numbers:
            # Every word the fan's or the engine's: a fact only when the sentence is an item said whole ("the best
            # part of my day?" answered with the about line that has those words).
            said = set(tokens(sentence))
            return [e.id for e in self.entries if said and said <= e.words and len(said) >= 0.9 * len(e.words)][:1]
        # An item with every word of the sentence, the fan's too, is the one said: before an item that only has
        # what the question left over ("the best part of my day" asked of the show is not the shipping's "days").
        said = {w for w in tokens(sentence) if not w.replace(".", "").isdigit()} - self.filler
        whole = [e for e in self.entries if said <= e.words]
        # Before those, a product the sentence names, when it holds what the sentence says ("The Team Hoodie is in
        # stock", "The Beanie comes in white and red, not in green"): not the FAQ or the catalogue that share its
        # name's words.
        norm = _norm(sentence)
        named = [e for e in self.entries if e.id in self._product_names and self._product_names[e.id] in norm]
        for entry in named + whole + self.entries:
            if numbers <= entry.numbers and (not words or len(words & entry.words) >= 0.9 * len(words)):
                return [entry.id]
        # A sentence about several things (a list of products with their prices): a greedy cover, each step the
        # item that holds most of what is still unexplained, at most four items.
        missing_words, missing_numbers = set(words), set(numbers)
        used: list[Entry] = []
        while len(used) < 4 and (len(missing_words) > 0.1 * len(words) or missing_numbers):
            best = max(self.entries, key=lambda e: len(missing_words & e.words) + len(missing_numbers & e.numbers))
            if not (missing_words & best.words or missing_numbers & best.numbers):
                break
            used.append(best)
            missing_words -= best.words
            missing_numbers -= best.numbers
        if not missing_numbers and len(missing_words) <= 0.1 * len(words):
            return [e.id for e in used]
        return []

    def read(self, answer: str, question: str) -> Reading:
        spoken = strip_tags(answer)
        stated: list[str] = []
        unsupported: list[str] = []
        hedged = any(h in _plain(spoken) for h in HEDGES)
        # A price the fan named ("under $20") may be said back; sums and differences of two prices are known, and
        # how far a price is from the fan's number ("$15 more than your $50").
        told = numbers_in(question) | beyond(self.prices, numbers_in(question))
        for sentence in sentences_of(spoken):
            kind = self.phrase_kind(sentence)
            if kind is not None:
                hedged |= kind in ("partial", "unknown")
                continue
            if self.names_only(sentence):
                stated.extend(p.id for p in self.persona.knowledge.products if _norm(p.name) in _norm(sentence))
                continue
            ids = self.supporting(sentence, question)
            if ids:
                stated.extend(ids)
            # The engine's wording and the fan's own words and numbers alone state no fact ("So yes, that fits your
            # $30.", "I don't have anything under $10 right now."): a decline or a verdict on the fan's own number is
            # judged by the item's checks, not here.
            elif {w for w in tokens(sentence) if not w.replace(".", "").isdigit()} - self.filler - \
                    set(tokens(question)) or \
                    numbers_in(sentence) - told:
                unsupported.append(sentence)
        invented = [f"{n:g}" for n in sorted(numbers_in(spoken) - self.numbers - told)]
        invented += [p for p in unknown_prices(spoken, self.persona) if not numbers_in(p) <= self.derived | told]
        return Reading(tuple(dict.fromkeys(stated)), tuple(unsupported), tuple(dict.fromkeys(invented)), hedged)


def _phrase_patterns(variant: str) -> list[re.Pattern[str]]:
    """One regex per sentence of a phrase variant, its placeholders as named groups (normalized like answers)."""
    patterns = []
    for sentence in sentences_of(strip_tags(variant)):
        parts = _PLACEHOLDER.split(sentence)  # literal, name, literal, name, ..., literal
        marked = "".join(part if i % 2 == 0 else f" qqph{i}qq " for i, part in enumerate(parts))
        # Spaces optional: Chinese has none around a filled-in name ("我还是小雪，").
        regex = re.escape(_norm(marked)).replace("\\ ", r"\s*")
        for i in range(1, len(parts), 2):
            regex = regex.replace(f"qqph{i}qq", f"(?P<{parts[i]}_{i}>.+?)")
        patterns.append(re.compile(regex))
    return patterns


# -- the checks ---------------------------------------------------------------------------------------------------

def failed_checks(checks: Mapping[str, Any], answer: str, reading: Reading, error: str | None = None) -> list[str]:
    """What is wrong with an answer (empty: right). `answer` is the raw text with tags; `error` the ChatTextError
    code the engine raised instead of answering, if it did."""
    expected_error = checks.get("error")
    if error is not None or expected_error is not None:
        if error == expected_error:
            return []
        return [f"error: expected {expected_error or 'an answer'}, got {error or 'an answer'}"]
    spoken = _plain(strip_tags(answer))
    failures = [f"must: {s!r} missing" for s in checks.get("must", ()) if _plain(s) not in spoken]
    if "must_any" in checks and not any(_plain(s) in spoken for s in checks["must_any"]):
        failures.append(f"must_any: none of {checks['must_any']}")
    failures += [f"must_not: {s!r} said" for s in checks.get("must_not", ()) if _plain(s) in spoken]
    for source in checks.get("sources", ()):
        if not set(source.split("|")) & set(reading.stated):
            failures.append(f"sources: {source} not stated (stated {list(reading.stated)})")
    if checks.get("no_facts") and reading.stated:
        failures.append(f"no_facts: stated {list(reading.stated)}")
    if checks.get("exact") and reading.hedged:
        failures.append("exact: hedged or declined")
    failures += [f"tags: {t!r} missing" for t in checks.get("tags", ()) if t not in answer]
    if checks.get("clarify") and "?" not in spoken and "？" not in spoken:
        failures.append("clarify: no question back")
    if reading.invented_numbers:
        failures.append(f"invented numbers: {list(reading.invented_numbers)}")
    return failures


# -- running --------------------------------------------------------------------------------------------------

@dataclass
class Scored:
    """One scored turn's answer and verdict."""

    id: str
    category: str
    q: str
    answer: str
    seconds: float
    failures: list[str]
    stated: list[str]
    unsupported: list[str]
    invented_numbers: list[str]
    outcome: str = "whole"  # llm (or retrieval) finished | repaired | fell_back | truncated
    fallbacks: list[str] = field(default_factory=list)


@dataclass
class Reply:
    text: str
    seconds: float
    sources: tuple[str, ...] = ()
    fallbacks: list[str] = field(default_factory=list)
    outcome: str = "whole"
    error: str | None = None


async def answer_with(engine: DialogueEngine, turn: ChatTurn, history: DialogueHistory) -> Reply:
    """The answer to one message, recorded in the history as the chat desk records it. A ChatTextError is kept as
    the reply's `error`; any other exception propagates (a crash)."""
    start = time.perf_counter()
    reply = Reply("", 0.0)
    parts: list[str] = []
    sources: list[str] = []
    after_fallback = 0
    try:
        async for event in engine.reply(turn, history):
            if isinstance(event, Fallback):
                reply.fallbacks.append(event.reason)
                reply.outcome = "repaired" if event.partial else "fell_back"
                after_fallback = 0
            else:
                parts.append(event.text)
                sources.extend(event.sources)
                after_fallback += 1
    except ChatTextError as exc:
        reply.error = exc.code
    if reply.outcome == "repaired" and after_fallback == 0:
        reply.outcome = "truncated"
    reply.text, reply.seconds, reply.sources = " ".join(parts), time.perf_counter() - start, tuple(sources)
    if reply.error is None:
        topics = tuple(dict.fromkeys(sources))
        history.add_fan(turn.user, turn.text, topics)
        history.add_host(strip_tags(reply.text), turn.user, topics)
    return reply


@dataclass
class EngineRun:
    """Everything one engine said on the set."""

    name: str
    scored: list[Scored] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # every answer, context turns too
    sentences: int = 0
    unsupported: list[str] = field(default_factory=list)  # over every answer
    invented_numbers: list[str] = field(default_factory=list)  # over every answer
    crashes: list[str] = field(default_factory=list)


async def run_engine(name: str, engine: DialogueEngine, items: Sequence[Item], judge: Judge) -> EngineRun:
    run = EngineRun(name)
    history = DialogueHistory()
    await answer_with(engine, ChatTurn("warm-up", "warm up"), DialogueHistory())  # model load, JIT: not answer time
    retrieval = retrieval_of(engine)
    for n, item in enumerate(items):
        user = f"fan-{n + 1}"  # a new fan per item, as in a live chat
        if retrieval is not None:
            # Each item is answered alone: which thanks or opener it gets never depends on the items before it.
            retrieval.restart_phrases()
        for turn in item.turns:
            try:
                reply = await answer_with(engine, ChatTurn(user, turn.q), history)
            except Exception as exc:  # noqa: BLE001 - a crash is a finding, reported, not the end of the run
                run.crashes.append(f"{item.id}: {type(exc).__name__}: {exc}")
                if turn.scored:
                    run.scored.append(Scored(item.id, item.category, turn.q, "", 0.0,
                                             [f"crash: {type(exc).__name__}: {exc}"], [], [], []))
                break
            reading = judge.read(reply.text, turn.q)
            if reply.error is None:
                run.seconds.append(reply.seconds)
                run.sentences += len(sentences_of(strip_tags(reply.text)))
                run.unsupported += [f"{item.id}: {s}" for s in reading.unsupported]
                run.invented_numbers += [f"{item.id}: {s}" for s in reading.invented_numbers]
            if turn.scored:
                run.scored.append(Scored(item.id, item.category, turn.q, reply.text, reply.seconds,
                                         failed_checks(turn.checks, reply.text, reading, reply.error),
                                         list(reading.stated), list(reading.unsupported),
                                         list(reading.invented_numbers), reply.outcome, reply.fallbacks))
    return run


def summarize(run: EngineRun, categories: Sequence[str]) -> dict[str, Any]:
    """Right / total / % per category (an item is right when all its scored turns are), and the totals."""
    verdicts: dict[str, dict[str, bool]] = {}
    for s in run.scored:
        per_item = verdicts.setdefault(s.category, {})
        per_item[s.id] = per_item.get(s.id, True) and not s.failures
    per_category: dict[str, dict[str, Any]] = {}
    for category in categories:
        items = verdicts.get(category, {})
        right = sum(items.values())
        per_category[category] = {"right": right, "total": len(items),
                                  "pct": round(100.0 * right / len(items), 1) if items else None}
    right = sum(c["right"] for c in per_category.values())
    total = sum(c["total"] for c in per_category.values())
    seconds = sorted(run.seconds) or [0.0]
    outcomes = {o: sum(1 for s in run.scored if s.outcome == o)
                for o in ("whole", "repaired", "fell_back", "truncated")}
    return {
        "engine": run.name,
        "categories": per_category,
        "right": {"right": right, "total": total, "pct": round(100.0 * right / total, 1) if total else None},
        "answers": len(run.seconds),
        "sentences": run.sentences,
        "invented_facts": len(run.unsupported),
        "invented_fact_sentences": run.unsupported,
        "invented_numbers": len(run.invented_numbers),
        "invented_number_list": run.invented_numbers,
        "crashes": run.crashes,
        "outcomes": outcomes,
        "fallbacks": sum(len(s.fallbacks) for s in run.scored),
        "latency_ms": {"p50": round(1000 * statistics.median(seconds), 1),
                       "p95": round(1000 * seconds[int(0.95 * (len(seconds) - 1))], 1)},
        "scored": [dataclasses.asdict(s) for s in run.scored],
    }


def print_table(summaries: list[dict[str, Any]], categories: Sequence[str]) -> None:
    names = [s["engine"] for s in summaries]
    width = max(14, *(len(n) for n in names)) if names else 14
    print(f"{'category':14s} " + " ".join(f"{n[:width]:>{width}s}" for n in names))

    def cell(c: dict[str, Any]) -> str:
        return f"{c['right']}/{c['total']} {c['pct']:5.1f}%" if c["total"] else "-"

    for category in categories:
        if any(s["categories"][category]["total"] for s in summaries):
            print(f"{category:14s} " + " ".join(f"{cell(s['categories'][category]):>{width}s}" for s in summaries))
    print(f"{'all':14s} " + " ".join(f"{cell(s['right']):>{width}s}" for s in summaries))
    rows = [("invented facts", lambda s: f"{s['invented_facts']} of {s['sentences']} sentences"),
            ("invented nums", lambda s: str(s["invented_numbers"])),
            ("crashes", lambda s: str(len(s["crashes"]))),
            ("fallbacks", lambda s: str(s["fallbacks"])),
            ("p50 / p95 ms", lambda s: f"{s['latency_ms']['p50']:.1f} / {s['latency_ms']['p95']:.1f}")]
    for label, value in rows:
        print(f"{label:14s} " + " ".join(f"{value(s):>{width}s}" for s in summaries))


def argument_parser() -> argparse.ArgumentParser:
    """The command line: which set, which engines, how much to print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=tuple(SETS), default=BLIND, dest="part",
                        help="which part of the English set (default %(default)s, the blind held-out part; the "
                             "others were each seen once and used for fixes; all: every part)")
    parser.add_argument("--llm-url", help="an OpenAI-compatible server to evaluate as well")
    parser.add_argument("--llm-model", default="default")
    parser.add_argument("--llm-key")
    parser.add_argument("--llm-first-sentence-s", type=float, default=LLMConfig.first_sentence_s,
                        help="the wait for the LLM's first sentence before retrieval answers (default %(default)s)")
    parser.add_argument("--only-llm", action="store_true", help="skip the two retrieval engines' own rows")
    parser.add_argument("--local", action="store_true", help="evaluate the local SmolLM2 model (llama-cpp)")
    parser.add_argument("--verbose", action="store_true", help="print every failed check with the answer")
    parser.add_argument("--persona", choices=LANGUAGES, default="en",
                        help="the sample persona and its question set: en (Aurora) or zh (Xiaoxue, Mandarin)")
    return parser


def main() -> None:
    args = argument_parser().parse_args()

    persona = load_persona(sample_persona_path(args.persona))
    categories: Sequence[str]
    if args.persona == "en":
        items, categories, set_name = load_set(args.part), CATEGORIES, args.part
        rundown, runner = show_fixture(persona)
    else:
        items, categories, set_name = legacy_items(ZH_QUESTIONS, persona), LEGACY_KINDS, ZH_QUESTIONS.name
        rundown, runner = None, None
    judge = Judge(persona, rundown)

    embedded = RetrievalEngine(persona, KnowledgeIndex(persona.knowledge, backend="auto", language=persona.language))
    engines: list[tuple[str, DialogueEngine]] = [
        (f"retrieval ({embedded.index.model.name})" if embedded.index.backend == "embeddings"
         else "retrieval (bm25, no embeddings)", embedded),
        ("retrieval (bm25)", RetrievalEngine(persona, KnowledgeIndex(persona.knowledge, backend="bm25",
                                                                     language=persona.language))),
    ]
    if args.local:
        from models.dialogue.llm import LlamaCppSource

        config = LLMConfig(first_sentence_s=10.0, stall_s=10.0, total_s=60.0, max_tokens=120)
        engines.append(("llm smollm2-135m (local)", LLMEngine(persona, LlamaCppSource(), embedded, config)))
    if args.llm_url:
        from models.dialogue.llm import OpenAIChatSource

        config = LLMConfig(url=args.llm_url, model=args.llm_model, api_key=args.llm_key,
                           first_sentence_s=args.llm_first_sentence_s, max_tokens=120)
        engines.append((f"llm {args.llm_model}", LLMEngine(persona, OpenAIChatSource(), embedded, config)))
    if args.only_llm:
        engines = engines[2:]
    if runner is not None:
        for _, engine in engines:
            # The engines read the running show through this hook (RetrievalEngine.show_source); an LLM engine's
            # show answers are its retrieval engine's.
            target = engine.fallback if isinstance(engine, LLMEngine) else engine
            if isinstance(target, RetrievalEngine):
                target.show_source = show_source(runner)  # type: ignore[assignment]

    async def run_all() -> list[dict[str, Any]]:
        summaries = []
        for name, engine in engines:
            summaries.append(summarize(await run_engine(name, engine, items, judge), categories))
            if isinstance(engine, LLMEngine) and hasattr(engine.source, "aclose"):
                await engine.source.aclose()
        return summaries

    summaries = asyncio.run(run_all())
    turns = sum(1 for item in items for t in item.turns if t.scored)
    print(f"{len(items)} items, {turns} scored answers ({set_name}; persona {persona.name})")
    print_table(summaries, categories)
    if args.verbose:
        for s in summaries:
            for r in s["scored"]:
                if r["failures"]:
                    print(f"[{s['engine']}] {r['id']} {r['category']} {r['q']!r}\n    -> {r['answer']!r}\n"
                          f"    failed: {'; '.join(r['failures'])}")
            for sentence in s["invented_fact_sentences"]:
                print(f"[{s['engine']}] invented fact? {sentence}")
    name = RESULTS[args.persona] + ("_llm" if args.only_llm else "")
    path = write(name, {"set": set_name, "items": len(items), "scored_answers": turns, "persona": persona.name,
                        "language": persona.language, "show_now_s": SHOW_NOW if runner is not None else None,
                        "engines": summaries})
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
