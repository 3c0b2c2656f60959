"""Trained readers: a fan's message read by a classifier over its embedding before, or beside, its words.

The engine reads a message by its words first (engine.py, catalogue.py, moods.py); where the words are not ones
its patterns foresee, they read it as something else. Three kinds of message go wrong that way often on sets
nobody tuned on:

- a store-policy question: "can I pay in cash when the parcel gets delivered?", "I typed my old address at
  checkout, can I still fix it?", "got the navy one but wanted red, can I switch?" fall to a product ("navy" is a
  colour of the beanie) or to "I don't know";
- what the fan feels: "had to say goodbye to my cat this morning" read as a goodbye, "my little girl skated on
  her own for the first time!!" as a question nothing answers;
- a question about the show: "cuánto tiempo left in the show?", "any more merch coming up or was the beanie it?".

A `Reader` is one linear classifier (multinomial logistic regression) over the knowledge index's embedding of the
text. Each `HEADS` entry is trained on the fan questions of the development sets (docs/eval, every part but the
blind one; avatar_tools/train_readers.py), each labelled from what its right answer must do, every other question
`OTHER`:

- `policy`: the persona-neutral question the store-policy answer answers ("How can I pay?", "Can I cancel or change
  my order?"); the engine answers it from the persona's own policies, as it answers the meaning bank's `ask`;
- `mood`: the fan's feeling (`sad`, `news`, `compliment`: moods.Mood);
- `show`: the question about the running show the show runner answers ("When does the show end?", "What's the next
  product?"): "at what point tonight do you show the owl?" falls to the owl's pitch by its words.

The weights ship per head and embedding model (data/reader_<head>_<model>.npz); with none for the model (e5, or
BM25, which embeds nothing) the engine reads by words alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

#: The label of every message that is none of a head's kinds.
OTHER = "other"
#: The heads, each with the probability from which its reading stands for the message (leave-one-part-out on the
#: later dev parts, avatar_tools/train_readers.py: at 0.5, policy read 103 of 111 policy questions right and 1 of
#: 1,109 other questions as a policy; mood 64 of 74 feelings right and 1 of 1,120 other questions as a feeling; show
#: 67 of 87 show questions right, 8 as another show question, 0 of 1,120 other questions as one).
HEADS = {"policy": 0.5, "mood": 0.5, "show": 0.5}


@dataclass(frozen=True)
class Reading:
    """What a head reads a message as (`label`) and how sure it is (`p`)."""

    label: str
    p: float


class Reader:
    """A linear classifier over text embeddings: `classes`, `coef` [classes, dim], `intercept` [classes]; a reading
    counts from `min_p`."""

    def __init__(self, classes: list[str], coef: np.ndarray, intercept: np.ndarray, min_p: float = 0.5) -> None:
        self.classes = classes
        self.coef = np.asarray(coef, np.float32)
        self.intercept = np.asarray(intercept, np.float32)
        self.min_p = min_p

    @classmethod
    def load(cls, head: str, model: str) -> Reader | None:
        """The shipped weights of `head` for the embedding model `model` ("minilm"), or None when there are none."""
        path = resources.files("models.dialogue") / "data" / f"reader_{head}_{model}.npz"
        if not path.is_file():
            return None
        with path.open("rb") as f, np.load(f) as data:
            return cls([str(c) for c in data["classes"]], data["coef"], data["intercept"], HEADS[head])

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        logits = self.coef @ vector + self.intercept
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def read(self, vector: np.ndarray) -> Reading | None:
        """What the embedded message is, if the classifier is sure enough; None for OTHER."""
        p = self.probabilities(vector)
        best = int(p.argmax())
        if self.classes[best] == OTHER or p[best] < self.min_p:
            return None
        return Reading(self.classes[best], float(p[best]))
