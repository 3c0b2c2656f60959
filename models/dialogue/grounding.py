"""Is an LLM's sentence supported by what the host knows? Checked for every sentence before it is spoken.

A sentence may say two kinds of things: talk that states no fact ("Great question!", "Tap the link!") and
claims. Its *claim words* are its content words less the persona's own phrases' and a few words of chat and of
selling, and the fan's name. The question's words are no free pass: "Yes, speed skaters go clockwise." restates
a question as a claim. No claim words: talk, supported. Otherwise one source must hold them: a knowledge item
retrieved for this question, or the persona (name, age, bio). A source supports a sentence when it holds its
numbers and at least `WORDS_SUPPORT` of its claim words, none of them the opposite of a source word
("clockwise" / "counterclockwise"), and a negated claim needs a negated source; with the MiniLM embeddings
(the retrieval index's), a paraphrase that keeps `PARAPHRASE_WORDS` of them is supported when its cosine to the
source reaches `PARAPHRASE_COSINE` and its other words are no other source's (a blend of two facts is no
paraphrase). Words, not similarity alone, decide a rejection: "The snowflake beanie is a beautiful piece of
jewelry." is close to the beanie in meaning, but "jewelry" is no word of it.

Prices and numbers are also checked against the catalogue and all retrieved facts (models/dialogue/llm.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from models.dialogue.persona import FAQ, Persona, Product
from models.dialogue.retrieval import Hit, KnowledgeIndex, tokens

#: Share of a sentence's claim words one source must contain.
WORDS_SUPPORT = 0.75
#: A paraphrase: at least this share of claim words in the source and this cosine to it (MiniLM).
PARAPHRASE_WORDS = 0.6
PARAPHRASE_COSINE = 0.6

#: Words of chat and of selling that claim nothing about the world.
_TALK = frozenset(tokens("""
yes yeah yep no nope oh ooh wow aww cool awesome amazing great good nice fun love lovely glad happy excited
question answer sure right true honestly actually absolutely definitely totally super pretty fact facts thing
things something one ones everyone everybody fan fans friend friends show stream chat today now here there
well also too again still ever always little bit lot lots way kind sort think thought guess bet hope wish
get got grab pick check find look see say said tell ask asked want like make made give come go let
price priced cost costs buy sell available store shop link tap official merch merchandise
"""))
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
#: A claim with one of these says the opposite of a source without them ("You can't buy the bottle.").
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|none|nobody|neither|nor|\w+n't|cannot)\b", re.IGNORECASE)
#: A word with one of these before it says the opposite ("clockwise", "counterclockwise").
_NEGATING_PREFIXES = ("counter", "anti", "non", "un", "dis", "in", "im", "ir", "il")


def negates(claims: set[str], source: set[str]) -> bool:
    """Whether a claim word is a source word's opposite by prefix: the embeddings and most of the words agree
    with "Speed skaters go clockwise." when the source says "counterclockwise"."""
    return any(c == p + s or s == p + c for c in claims - source for s in source - claims
               for p in _NEGATING_PREFIXES)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[float]:
    """Every number written in digits ("1924", "19.96", "17th" → 17), as values."""
    values = set()
    for match in _NUMBER.finditer(text):
        raw = match.group(0)
        # "1,000" is a thousand; "19,96" (a decimal comma) is not how the knowledge base writes numbers.
        raw = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw) else raw.replace(",", ".")
        try:
            values.add(round(float(raw), 2))
        except ValueError:
            continue
    return values


@dataclass(frozen=True)
class Support:
    """What supports a sentence: the knowledge ids it states (empty for talk or a fact about the persona)."""

    sources: tuple[str, ...]


def item_text(item: object) -> str:
    """A knowledge item as words to check against (a product's name, price, description and tags)."""
    if isinstance(item, Product):
        return f"{item.name} {item.price_text} {item.currency} {item.description} {' '.join(item.tags)}"
    if isinstance(item, FAQ):
        return f"{item.question} {item.answer}"
    return str(getattr(item, "text", "")) + " " + " ".join(getattr(item, "tags", ()))


class Grounder:
    """Checks sentences of one persona against the knowledge retrieved for each question."""

    def __init__(self, persona: Persona, index: KnowledgeIndex) -> None:
        self.index = index
        phrases = " ".join(_PLACEHOLDER.sub(" ", v) for variants in persona.phrases.values() for v in variants)
        self.talk = _TALK | set(tokens(f"{phrases} {persona.name}"))
        self.persona_text = f"{persona.name} {persona.age or ''} {persona.bio}"

    def support(self, spoken: str, hits: list[Hit], user: str = "", message: str = "") -> Support | None:
        """What supports `spoken` (tags stripped) among the persona and the `hits` retrieved for the fan's
        `message` (`user` is the fan's name); None when nothing does. A source must also hold the sentence's
        numbers (or the fan said them): "The 1924 Summer Olympics were held in London," has most words of the
        1908 London fact, and 1924 from another retrieved fact."""
        claims = set(tokens(spoken)) - self.talk - set(tokens(user))
        numbers = numbers_in(spoken) - numbers_in(message)
        if not claims:
            return Support(())
        sources = [(h.document.id, item_text(h.document.item)) for h in hits] + [("", self.persona_text)]
        negated = bool(_NEGATION.search(spoken.replace("’", "'")))
        shares = [0.0 if negates(claims, set(tokens(text))) or not numbers <= numbers_in(text)
                  or negated and not _NEGATION.search(text)
                  else len(claims & set(tokens(text))) / len(claims) for _, text in sources]
        best = int(np.argmax(shares))
        if shares[best] >= WORDS_SUPPORT:
            return Support((sources[best][0],) if sources[best][0] else ())
        words = [set(tokens(text)) for _, text in sources]
        # A paraphrase of one source, not a blend of two: its other words must not be another source's
        # ("1924 ... held" from Chamonix, "Summer ... London" from the 1908 fact).
        near = [i for i, share in enumerate(shares) if share >= PARAPHRASE_WORDS
                and not any((claims - words[i]) & words[j] for j in range(len(sources)) if j != i)]
        if near:
            vectors = self.index.embed([spoken] + [sources[i][1] for i in near])
            if vectors is not None:
                cosines = vectors[1:] @ vectors[0]
                best = near[int(np.argmax(cosines))]
                if float(cosines.max()) >= PARAPHRASE_COSINE:
                    return Support((sources[best][0],) if sources[best][0] else ())
        return None
