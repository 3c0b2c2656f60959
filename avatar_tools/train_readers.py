"""Train the engine's readers (models/dialogue/readers.py) on the development sets' fan questions.

Every one-message item of docs/eval (all parts but the blind one, benchmarks/eval_dialogue.BLIND) is a labelled
question, one label per head:
- policy: an item whose right answer states one store-policy FAQ of the sample persona is labelled with the generic
  question that FAQ answers (POLICY_ASKS);
- mood: a sentiment item whose right answer carries sympathy (a "[sad" tag), thanks for a compliment (the heart
  hands) or congratulations ("congrat") is labelled sad, compliment or news;
- show: an item whose right answer must say what only one of the show runner's answers says ("7 min": when the
  show ends) is labelled with that show question (SHOW_ASKS);
every other item OTHER. The questions are embedded by the knowledge index's model, and a multinomial logistic
regression (scikit-learn) is fitted per head. Before the final fit, each of the later parts is held out in turn
(leave one part out): what the head would have read on a set it never saw, the numbers that matter.

    python -m avatar_tools.train_readers [--out models/dialogue/data]

Prints the held-out table per head and writes benchmarks/results/readers.json. About half a minute on dev-2core
(four minutes with other work running).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import write
from benchmarks.eval_dialogue import BLIND, PARTS, ROOT, Item, load_set
from models.dialogue.persona import load_persona, sample_persona_path
from models.dialogue.readers import HEADS, OTHER
from models.dialogue.retrieval import KnowledgeIndex

log = logging.getLogger("train_readers")

#: The sample persona's store-policy FAQs (by id) and the persona-neutral question each answers: the labels.
POLICY_ASKS = {
    "shipping": "How long does shipping take?",
    "international-shipping": "Do you ship internationally?",
    "payment": "How can I pay?",
    "returns": "Can I return something I bought?",
    "exchanges": "Can I exchange something for another size or colour?",
    "order-tracking": "How do I track my order?",
    "cancel-order": "Can I cancel or change my order?",
    "where-to-buy": "Where can I buy the merchandise?",
}
#: Regularisation (inverse): chosen on the leave-one-part-out numbers of the policy head (C 1, 4, 16: 77, 97, 103 of
#: 111 right at probability 0.5, 0 or 1 false reading of 1,109 other questions; the mood head: 58 and 64 of 74 at C 4
#: and 16).
C = 16.0
#: The parts held out in turn: the later ones, written with the categories and the checks as they are now.
HELD_OUT_FROM = 20


def one_message(item: Item) -> bool:
    turn = item.turns[0]
    return len(item.turns) == 1 and "error" not in turn.checks and bool(turn.q.strip())


def policy_label(item: Item) -> str | None:
    """The policy head's label: the generic question of the one store policy the right answer states, OTHER, or
    None (no one-message item, or it states a policy beside something else)."""
    if not one_message(item):
        return None
    stated = {source.split("|")[0] for source in item.turns[0].checks.get("sources", ())}
    policies = stated & POLICY_ASKS.keys()
    if policies:
        return POLICY_ASKS[policies.pop()] if len(stated) == 1 else None
    return OTHER


def mood_label(item: Item) -> str | None:
    """The mood head's label: what the right answer to a sentiment item shows (sympathy: sad; the heart hands:
    compliment; congratulations: news), OTHER for any other category, None for a sentiment item of another kind
    (thanks, nerves) or no one-message item."""
    if not one_message(item):
        return None
    if item.category != "sentiment":
        return OTHER
    checks = item.turns[0].checks
    tags = " ".join(checks.get("tags", ()))
    if "[sad" in tags:
        return "sad"
    if "heart_hands" in tags:
        return "compliment"
    if "congrat" in " ".join(checks.get("must_any", ())).lower():
        return "news"
    return None


#: The show head's labels: a question about the running show that the engine's show runner answers
#: (show_talk.py), found from what the right answer must say (the sample rundown at the eval's show time: curling
#: fact now, questions next, the show ends in about 7 of its 10 minutes, 3 minutes in). First match wins; the first
#: five say something only the show's answer says, on any category's item; the rest only on show-timing items.
SHOW_ASKS = (
    (("7 min", "seven min", "400 sec"), "When does the show end?"),
    (("10 min", "ten min", "600 sec"), "How long is the show?"),
    (("3 min", "three min", "200 sec"), "How far into the show are we?"),
    (("winter sports live", "episode 1", "episode one", "first episode"), "What's the show called?"),
    (("already", "earlier"), "Have I missed anything?"),
    (("owl", "plush"), "What's the next product?"),
    (("dance", "coming up", "later", "soon"), "What's still to come in the show?"),
    (("q&a", "q & a", "q and a", "question"), "What's next?"),
    (("curling", "granite", "ailsa"), "What's on now?"),
)
_ANY_CATEGORY = 5


def show_label(item: Item) -> str | None:
    """The show head's label: the show question whose answer says what the right answer must (SHOW_ASKS), OTHER
    for a question of another category that must say nothing only the show says, None for a show-timing item of
    no such kind or no one-message item."""
    if not one_message(item):
        return None
    checks = item.turns[0].checks
    said = [s.lower() for s in (*checks.get("must", ()), *checks.get("must_any", ()))]
    asks = SHOW_ASKS if item.category == "show_timing" else SHOW_ASKS[:_ANY_CATEGORY]
    ask = next((ask for words, ask in asks if any(w in s for w in words for s in said)), None)
    return ask or (None if item.category == "show_timing" else OTHER)


LABELS = {"policy": policy_label, "mood": mood_label, "show": show_label}


def dataset() -> tuple[list[str], list[str], list[Item]]:
    """Questions, parts and items of every one-message item outside the blind set."""
    items = [(part, item) for part in PARTS if part != BLIND for item in load_set(part) if one_message(item)]
    return [item.turns[0].q for _, item in items], [part for part, _ in items], [item for _, item in items]


def fit(x: np.ndarray, y: np.ndarray):  # noqa: ANN201 - a scikit-learn estimator
    from sklearn.linear_model import LogisticRegression  # training only: the sidecar reads the weights with numpy

    return LogisticRegression(C=C, max_iter=3000).fit(x, y)


def read(model, x: np.ndarray, min_p: float) -> np.ndarray:  # noqa: ANN001
    """The label each row reads as, OTHER below `min_p` (as Reader.read)."""
    p = model.predict_proba(x)
    return np.where(p.max(1) >= min_p, model.classes_[p.argmax(1)], OTHER)


def held_out(x: np.ndarray, y: np.ndarray, parts: np.ndarray, min_p: float) -> list[dict[str, Any]]:
    """Leave one later part out: per part, its labelled questions read right, read as OTHER, and its OTHER
    questions read as something."""
    rows = []
    for part in [p for p in dict.fromkeys(parts) if p.startswith("heldout") and p[7:].isdigit()
                 and int(p[7:]) >= HELD_OUT_FROM]:
        train = parts != part
        got, want = read(fit(x[train], y[train]), x[~train], min_p), y[~train]
        kind = want != OTHER
        rows.append({"held_out": part, "labelled": int(kind.sum()), "read_right": int((got == want)[kind].sum()),
                     "read_as_other": int((got == OTHER)[kind].sum()), "other": int((~kind).sum()),
                     "other_read_as_labelled": int((got != OTHER)[~kind].sum())})
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avatar_tools.train_readers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "models/dialogue/data",
                        help="the folder the weights go to, reader_<head>_<model>.npz (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    questions, parts, items = dataset()
    persona = load_persona(sample_persona_path("en"))
    index = KnowledgeIndex(persona.knowledge, backend="embeddings", language=persona.language)
    log.info(f"embedding {len(questions)} questions with {index.model.name}")
    vectors = index.embed(questions)
    assert vectors is not None
    results: dict[str, Any] = {"model": index.model.name, "C": C, "heads": {}}
    for head, min_p in HEADS.items():
        labels = [LABELS[head](item) for item in items]
        keep = np.array([name is not None for name in labels])
        x, y = vectors[keep], np.array([name for name in labels if name is not None])
        log.info(f"{head}: {len(y)} questions, {dict(Counter(y.tolist()))}; holding out each later part")
        rows = held_out(x, y, np.array(parts)[keep], min_p)
        total = {k: sum(int(r[k]) for r in rows) for k in rows[0] if k != "held_out"}
        print(f"\n{head} (probability from {min_p})")
        print(f"{'held out':<10} {'labelled':>8} {'right':>6} {'missed':>6} {'other':>6} {'false':>6}")
        for r in [*rows, {"held_out": "total", **total}]:
            print(f"{r['held_out']:<10} {r['labelled']:>8} {r['read_right']:>6} {r['read_as_other']:>6} "
                  f"{r['other']:>6} {r['other_read_as_labelled']:>6}")
        model = fit(x, y)
        out = args.out / f"reader_{head}_{index.model.name}.npz"
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, classes=np.array(model.classes_), coef=model.coef_.astype(np.float32),
                            intercept=model.intercept_.astype(np.float32))
        log.info(f"{head} weights: {out} ({out.stat().st_size} bytes)")
        results["heads"][head] = {"min_probability": min_p, "labels": dict(Counter(y.tolist())), "held_out": rows,
                                  "total": total}
    write("readers", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
