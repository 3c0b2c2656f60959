"""Questions read by their meaning when their words are not the ones the engine reads.

The embedded engine reads a question by its words first (engine.py, catalogue.py, show_talk.py). When that reading
ends in "I don't know", "not sold" or a hedge, `Meanings.read` looks for the nearest of a bank of labelled example
questions, by the knowledge index's own model (MiniLM or e5 cosine; BM25 coverage when the embeddings are not there):

- data/meanings_<language>.yaml: a question the engine answers (`ask`) and the other ways fans put it
  (`examples`): "Doing okay today?" reads as "How are you?", "When does the stream finish up?" as "When does the show
  end?";
- the persona's forbidden topics' `examples`: "Is God real?" is the religion topic though no keyword names it;
- a `mood` the fan expresses in words no mood pattern has ("your voice is so pretty" is a compliment).

The nearest example counts when it is within the model's bar (MEANING_BARS) and clear of the nearest example of
another meaning by MEANING_MARGIN: a question between two readings is not guessed at. The engine then answers `ask`
in the question's place, or declines the topic; an `ask` it cannot answer either leaves the honest "I don't know".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np
import yaml

from models.dialogue.persona import Persona
from models.dialogue.retrieval import BM25, KnowledgeIndex

#: From which similarity an example stands for the question, by the index's model: MiniLM cosine, e5 cosine (e5's
#: scores are compressed, see retrieval.E5_THRESHOLDS), BM25's share of the question's words in the example. Tuned on
#: the dev sets (docs/eval/dialogue_dev.yaml ... heldout5): the bar where no off-topic question reads as anything.
MEANING_BARS = {"minilm": 0.58, "e5": 0.93, "bm25": 0.8}
#: How far ahead of the nearest example of another meaning the nearest one must be.
MEANING_MARGIN = 0.03


@dataclass(frozen=True)
class Meaning:
    """What a question reads as: a question to answer in its place (`ask`), a topic to decline (`topic`) or a mood
    the fan expresses (`mood`: "compliment"; none: a question that stays unanswered); `example` is the labelled
    question it is nearest to, `score` how near."""

    ask: str | None
    topic: str | None
    example: str
    score: float
    mood: str | None = None


def bank(language: str) -> list[tuple[Meaning, list[str]]]:
    """The language's meanings with their examples (data/meanings_<language>.yaml): a question to `ask` in their
    place (itself an example), a topic to `decline`, a `mood` they express, or `none` (they stay unanswered); no
    bank, no meanings."""
    path = resources.files("models.dialogue") / "data" / f"meanings_{language}.yaml"
    if not path.is_file():
        return []
    meanings = []
    for node in yaml.safe_load(path.read_text("utf-8"))["meanings"]:
        ask = node.get("ask")
        meaning = Meaning(ask, node.get("decline"), "", 0.0, node.get("mood"))
        meanings.append((meaning, [ask, *node["examples"]] if ask else list(node["examples"])))
    return meanings


class Meanings:
    """The labelled examples of one persona, embedded by its knowledge index's model when first read (most questions
    never need them) or by `warm`."""

    def __init__(self, persona: Persona, index: KnowledgeIndex) -> None:
        labelled = [(example, meaning) for meaning, examples in bank(persona.language) for example in examples]
        # One meaning per topic, as per bank entry: its examples are no rivals of each other ("where do you live"
        # and "what city do you live in exactly" both read as personal data).
        labelled += [(example, Meaning(None, topic.name, "", 0.0)) for topic in persona.forbidden_topics
                     for example in topic.examples]
        self.examples = [text for text, _ in labelled]
        self.meanings = [meaning for _, meaning in labelled]
        self._index = index
        #: Her name said to her ("Doing okay, Aurora?") means nothing: it only pulls the question off its examples.
        self._name = re.compile(rf",?\s*\b{re.escape(persona.name)}\b\s*,?", re.IGNORECASE)
        self._scorer: Callable[[str], np.ndarray] | None = None

    def warm(self) -> None:
        """Embed the examples now. The sidecar does at load: embedded on the first question that needs them, they
        held that answer back 660 ms on dev-2core (MiniLM, "What's the capital of Peru?" in bench_chat)."""
        if self._scorer is not None or not self.examples:  # no bank and no topic examples: nothing is read
            return
        vectors = self._index.embed(self.examples)
        if vectors is not None:
            self.bar = MEANING_BARS[self._index.model.name]
            self._scorer = lambda text: vectors @ self._index.embed([text])[0]  # type: ignore[index]
        else:
            bm25 = BM25(self.examples)
            self.bar = MEANING_BARS["bm25"]
            self._scorer = lambda text: bm25.scores(text)[1]

    def _scores(self, question: str) -> np.ndarray:
        self.warm()
        assert self._scorer is not None
        return self._scorer(question)

    def read(self, question: str) -> Meaning | None:
        """The meaning whose example is nearest the question, if near enough and clear of every other meaning."""
        meaning = self._nearest(question)
        return meaning if meaning is not None and (meaning.ask or meaning.topic or meaning.mood) else None

    def stays_unanswered(self, question: str) -> bool:
        """The question is nearest a `none` meaning ("what's the weather like where you are?"): it asks about the
        world, and no line that only shares its words ("snow") answers it."""
        meaning = self._nearest(question)
        return meaning is not None and not (meaning.ask or meaning.topic or meaning.mood)

    def _nearest(self, question: str) -> Meaning | None:
        if not self.examples:
            return None
        scores = self._scores(self._name.sub(" ", question).strip() or question)
        order = np.argsort(-scores, kind="stable")
        best = self.meanings[int(order[0])]
        score = float(scores[order[0]])
        if score < self.bar:
            return None
        rival = next((float(scores[i]) for i in order[1:] if self.meanings[i] != best), 0.0)
        if score - rival < MEANING_MARGIN:
            return None
        return replace(best, example=self.examples[int(order[0])], score=score)
