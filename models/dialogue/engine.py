"""Dialogue engines: a fan's message in, the host's answer out as a stream of tagged sentences.

`DialogueEngine.reply` yields `Sentence`s as soon as each is ready (the voice starts on the first while later
ones are still being written) and `Fallback` events when an engine hands over to another. The embedded
`RetrievalEngine` composes answers from the persona's knowledge base only: every fact it states is a knowledge
item quoted as written, the rest are the persona's own phrases. With nothing relevant it says so in character.
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from models.dialogue.history import DialogueHistory
from models.dialogue.moderation import check_chat_text, screen
from models.dialogue.persona import FAQ, FunFact, Persona, Product
from models.dialogue.retrieval import Hit, KnowledgeIndex, tokens
from models.dialogue.tags import emotion_tag, gesture_tag, strip_tags
from models.tts import sentences_of


@dataclass(frozen=True)
class ChatTurn:
    """A fan's message. `also_asked_by` lists fans whose near-identical questions were merged into this one."""

    user: str
    text: str
    avatar: str | None = None
    also_asked_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sentence:
    """One sentence to speak, with inline tags. `sources` are the knowledge ids whose facts it states."""

    text: str
    sources: tuple[str, ...] = ()
    product: Product | None = None

    @property
    def spoken(self) -> str:
        return strip_tags(self.text)


@dataclass(frozen=True)
class Fallback:
    """An engine gave up and another takes over (with `partial`, after what was already said)."""

    reason: str  # timeout, server_error, malformed_chunk, connection, cut, empty, ungrounded_*, unsupported_claim
    detail: str
    engine: str  # the engine that takes over
    after_s: float  # seconds from the request to the decision
    partial: bool = False  # sentences of the failed engine were already yielded (the new engine's answer follows)


ReplyEvent = Sentence | Fallback
Intent = Literal["fact", "product", "catalogue", "faq", "partial", "unknown", "social", "refusal", "injection"]


@dataclass(frozen=True)
class Answer:
    """A composed answer: its sentences and what kind of answer it is (for logs and the evaluation)."""

    intent: Intent
    sentences: tuple[Sentence, ...]
    hits: tuple[Hit, ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for sentence in self.sentences for s in sentence.sources))


class DialogueEngine(ABC):
    """Anything that answers a fan in the host's voice."""

    name: str

    @abstractmethod
    def reply(self, turn: ChatTurn, history: DialogueHistory | None = None) -> AsyncIterator[ReplyEvent]:
        """Yield the answer's sentences as they are ready (and Fallback events). Raises ChatTextError for text
        that cannot be a chat message, before yielding anything."""


# -- what the fan is doing ------------------------------------------------------------------------------------
# Small lexicons rather than a model: a producer can read them, and a wrong guess costs only the opener.

_SAD = re.compile(
    r"\b(?:sad|unhappy|upset|depressed|heartbroken|devastated|crying|cried|lonely|miserable|gutted|"
    r"passed away|died|dead|funeral|lost my|lost our|we lost|they lost|my team lost|injur(?:ed|y)|broke my|"
    r"broken (?:leg|arm|wrist|ankle)|sick|in hospital|got cut|bad news|terrible day|awful day|rough day|"
    r"didn't make it|did not make it|failed|miss (?:him|her|them|my))\b", re.IGNORECASE)
_GRIEF = re.compile(r"\b(?:passed away|died|dead|funeral|heartbroken|devastated)\b", re.IGNORECASE)
_COMPLIMENT = re.compile(
    r"\b(?:you(?:'re| are)\s+(?:so\s+|really\s+|very\s+|such\s+an?\s+|the\s+)?(?:amazing|awesome|beautiful|pretty|"
    r"great|best|wonderful|lovely|cute|funny|cool|talented|adorable|gorgeous|brilliant|incredible|fantastic)|"
    r"love (?:you|u|your|the show|this show|this stream)|best host|great job|well done|you rock|big fan|"
    r"your (?:voice|smile|hair|outfit|style) is)\b", re.IGNORECASE)
_THANKS = re.compile(r"\b(?:thank(?:s| you)|thx|appreciate it)\b", re.IGNORECASE)
_GREETING = re.compile(r"^\W*(?:hi|hello|hey|hiya|yo|good (?:morning|afternoon|evening)|greetings)\b", re.IGNORECASE)
# Chinese words have no spaces around them: the Chinese alternatives (simplified, and traditional where the
# characters differ) match anywhere, without \b.
_QUESTION = re.compile(
    r"\?|^\W*(?:what|how|who|when|where|why|which|is|are|do|does|did|can|could|will|would|should|tell me|"
    r"explain)\b|\b(?:tell me|wondering|want to know|curious)\b|"
    r"？|[吗嗎]|什[么麼]|怎[么麼]|怎样|怎樣|多少|多[重大高远遠长長久快深宽寬厚]|几|幾|哪|谁|誰|[为為]什[么麼]|"
    r"[为為]啥|是否|能不能|可不可以|有没有|有沒有|是不是|[会會]不[会會]|请问|請問|告诉我|告訴我|想知道|好奇",
    re.IGNORECASE)
_PRODUCT = re.compile(
    r"\b(?:how much|price[sd]?|pricing|cost(?:s|ing)?|buy(?:ing)?|purchase|order|sell(?:ing)?|sold|merch|"
    r"merchandise|shop|store|in stock|afford|for sale)\b|"
    r"多少[钱錢]|[几幾][块塊][钱錢]|多少[块塊]|[价價]格|[价價][钱錢]|售[价價]|定[价價]|[卖賣]|[买買]|下[单單]|周[边邊]|"
    r"商品|小店|商店|店[里裡]|有[货貨]|庫存|库存|[贵貴]不[贵貴]|便宜", re.IGNORECASE)

Mood = Literal["sad", "grief", "compliment", "thanks", "greeting"]


def detect_moods(text: str) -> list[Mood]:
    """What the fan expresses besides any question, strongest first."""
    moods: list[Mood] = []
    if _SAD.search(text):
        moods.append("grief" if _GRIEF.search(text) else "sad")
    if _COMPLIMENT.search(text):
        moods.append("compliment")
    if _THANKS.search(text):
        moods.append("thanks")
    if _GREETING.search(text):
        moods.append("greeting")
    return moods


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


def is_product_question(text: str) -> bool:
    return bool(_PRODUCT.search(text))


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(" ", text)


#: "What do you sell?": up to this many products are named; a larger catalogue is summarised (its size, the
#: first CATALOGUE_FEATURED by name and its CATALOGUE_KINDS most common tags) so that she never reads out 500.
CATALOGUE_NAMED = 8
CATALOGUE_FEATURED = 3
CATALOGUE_KINDS = 3


def retrieval_query(text: str) -> str:
    """The part of a message to look up: its questions when it also says other things ("I'm sad, we lost.
    Why are pucks frozen?", "我们输了，好难过。冰球为什么要冷冻？"), so the bad news does not steer the search."""
    parts = sentences_of(text)
    questions = [p for p in parts if is_question(p)]
    return " ".join(questions) if questions and len(parts) > 1 else text


@dataclass(frozen=True)
class Wording:
    """The few words the engine writes itself, in the persona's language (everything else she says is her own
    phrases and her knowledge as written)."""

    price: str  # placeholders {product} and {price}
    catalogue: str  # {names}
    summary: str  # {count} and {names}
    ask_about: str  # {kinds}
    comma: str
    conjunctions: dict[str, str]  # "and" / "or" with the spaces they need

    def listed(self, names: list[str], conjunction: str = "and") -> str:
        """Names as a list is said: "A, B and C", "A、B和C"."""
        if len(names) == 1:
            return names[0]
        return f"{self.comma.join(names[:-1])}{self.conjunctions[conjunction]}{names[-1]}"


WORDING = {
    "en": Wording("You can get the {product} for {price}.", "We have the {names}.",
                  "We have {count} products, among them the {names}.", "Ask me about {kinds}, or any product by name.",
                  ", ", {"and": " and ", "or": " or "}),
    "zh": Wording("{product}只要{price}。", "我们有{names}。", "我们一共有{count}件商品，比如{names}。",
                  "可以问我{kinds}，或者直接说商品的名字。", "、", {"and": "和", "or": "或"}),
}


class RetrievalEngine(DialogueEngine):
    """The embedded engine: grounded answers composed from the knowledge base in the persona's voice."""

    name = "retrieval"

    def __init__(self, persona: Persona, index: KnowledgeIndex | None = None) -> None:
        self.persona = persona
        self.index = index if index is not None else KnowledgeIndex(persona.knowledge, language=persona.language)
        self._turn = 0  # rotates the persona's phrase variants so repeated answers do not sound canned
        self.wording = WORDING[persona.language]

    async def reply(self, turn: ChatTurn, history: DialogueHistory | None = None) -> AsyncIterator[ReplyEvent]:
        check_chat_text(turn.text)
        # Embedding the question is CPU work (torch releases the GIL): keep it off the event loop.
        answer = await asyncio.to_thread(self.compose, turn)
        for sentence in answer.sentences:
            yield sentence

    # -- composition ------------------------------------------------------------------------------------------

    def _phrase(self, kind: str, variant: int = 0, **values: str) -> str:
        return self.persona.phrase(kind, self._turn + variant, **values)

    def compose(self, turn: ChatTurn) -> Answer:
        """The whole answer at once (the stream yields it sentence by sentence). Raises ChatTextError."""
        text = check_chat_text(turn.text)
        self._turn += 1
        verdict = screen(text, self.persona)
        if verdict.kind == "injection":
            return Answer("injection", (Sentence(f"{emotion_tag('happy')} {gesture_tag('shake_head')} "
                                                 f"{self._phrase('injection')}"),))
        if verdict.kind in ("blocked", "forbidden"):
            topic = verdict.topic or "that"
            return Answer("refusal", (Sentence(f"{emotion_tag('neutral')} {gesture_tag('shake_head')} "
                                               f"{self._phrase('refusal', topic=topic)}"),))
        moods = detect_moods(text)
        opener = [self._opener(mood) for mood in moods[:2]]
        social_only = bool(moods) and not is_question(text)
        if social_only:
            return Answer("social", tuple(opener))
        # After sympathy, facts are told gently: no cheering intro or emotion on top of the fan's bad news.
        gentle = bool(moods) and moods[0] in ("sad", "grief")
        intent, body, hits = self._body(text, gentle)
        if intent == "unknown" and moods and not is_question(_without(_GREETING, text)):
            return Answer("social", tuple(opener), hits)
        return Answer(intent, tuple(opener + body), hits)

    def _opener(self, mood: Mood) -> Sentence:
        if mood == "grief":
            return Sentence(f"{emotion_tag('sad', 0.9)} {gesture_tag('wipe_tears')} {self._phrase('sympathy')}")
        if mood == "sad":
            return Sentence(f"{emotion_tag('sad', 0.6)} {self._phrase('sympathy')}")
        if mood == "compliment":
            return Sentence(f"{emotion_tag('happy')} {self._phrase('compliment_thanks')} {gesture_tag('heart_hands')}")
        if mood == "thanks":
            return Sentence(f"{emotion_tag('happy')} {gesture_tag('bow')} {self._phrase('thanks_reply')}")
        return Sentence(f"{emotion_tag('happy')} {gesture_tag('wave')} {self._phrase('greeting')}")

    def _body(self, text: str, gentle: bool) -> tuple[Intent, list[Sentence], tuple[Hit, ...]]:
        if is_product_question(text):
            products = self._products_asked(retrieval_query(text))
            if products:
                return "product", [s for i, p in enumerate(products) for s in self.product_pitch(p, i)], ()
            if not tokens(_without(_PRODUCT, text)):
                return "catalogue", self.catalogue(), ()
        hits = tuple(self.index.search(retrieval_query(text), k=3))
        best = hits[0] if hits else None
        if best is None or not best.related:
            return "unknown", [Sentence(f"{emotion_tag('thinking')} {gesture_tag('shrug')} "
                                        f"{self._phrase('unknown')}")], hits
        item = best.document.item
        if isinstance(item, Product):
            return "product", self.product_pitch(item), hits
        if not best.answers:
            return "partial", [Sentence(f"{emotion_tag('thinking')} {self._phrase('partial')}"),
                               *self._item_sentences(item, intro=False)], hits
        return ("faq" if isinstance(item, FAQ) else "fact"), self._item_sentences(item, intro=not gentle), hits

    def _products_asked(self, text: str) -> list[Product]:
        """Products a purchase question names: by meaning or by words, the best one plus a close second."""
        query = _without(_PRODUCT, text)
        if not tokens(query):
            return []
        hits = self.index.search(query, k=2, kinds=("product",))
        # Product names are short and specific: a keyword match counts even when the embedding is lukewarm.
        chosen = [h for h in hits if h.related or h.coverage >= 0.5]
        if len(chosen) == 2 and chosen[1].score < chosen[0].score - 0.1:
            chosen = chosen[:1]
        return [h.document.item for h in chosen if isinstance(h.document.item, Product)]

    def _item_sentences(self, item: FunFact | FAQ | Product, intro: bool) -> list[Sentence]:
        if isinstance(item, FunFact):
            if not intro:
                return [Sentence(item.text, (item.id,))]
            return [Sentence(f"{emotion_tag('excited')} {self._phrase('fact_intro')} {item.text} "
                             f"{gesture_tag('thumbs_up')}", (item.id,))]
        if isinstance(item, FAQ):
            lead = f"{emotion_tag('happy')} {self._phrase('faq_intro')} " if intro else ""
            return [Sentence(f"{lead}{gesture_tag('nod')} {item.answer}".strip(), (item.id,))]
        return self.product_pitch(item)

    # -- segments the show runner also uses --------------------------------------------------------------------

    def product_pitch(self, product: Product, variant: int = 0) -> list[Sentence]:
        """Price, description and a call to action, presenting the product."""
        price = product.price_text
        intro = self._phrase("product_intro", variant, product=product.name)
        action = self._phrase("call_to_action", variant, product=product.name, price=price)
        return [
            Sentence(f"{emotion_tag('excited')} {intro} {gesture_tag('present_product')} "
                     f"{self.wording.price.format(product=product.name, price=price)}", (product.id,), product),
            Sentence(product.description, (product.id,), product),
            Sentence(f"{gesture_tag('point')} {action}", (), product),
        ]

    def fun_fact(self, fact: FunFact) -> list[Sentence]:
        """A fun fact as a show segment tells it."""
        return self._item_sentences(fact, intro=True)

    def catalogue(self) -> list[Sentence]:
        """The store's products by name (no prices: a fan asks for the one they like). A catalogue of more than
        CATALOGUE_NAMED products is summarised: how many, the first few by name, the kinds most of them are."""
        products = self.persona.knowledge.products
        if not products:
            return [Sentence(f"{emotion_tag('thinking')} {gesture_tag('shrug')} {self._phrase('unknown')}")]
        intro = Sentence(f"{emotion_tag('excited')} {gesture_tag('present_product')} {self._phrase('catalogue')}")
        if len(products) <= CATALOGUE_NAMED:
            names = self.wording.listed([p.name for p in products])
            return [intro, Sentence(self.wording.catalogue.format(names=names), tuple(p.id for p in products))]
        featured = products[:CATALOGUE_FEATURED]
        summary = [intro, Sentence(self.wording.summary.format(
            count=len(products), names=self.wording.listed([p.name for p in featured])), tuple(p.id for p in featured))]
        kinds = Counter(tag for p in products for tag in p.tags).most_common(CATALOGUE_KINDS)
        if kinds:
            summary.append(Sentence(self.wording.ask_about.format(
                kinds=self.wording.listed([k for k, _ in kinds], "or"))))
        return summary
