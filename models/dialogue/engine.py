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
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Literal

from models.dialogue.catalogue import answer_catalogue, stock_sentence
from models.dialogue.history import DialogueHistory
from models.dialogue.moderation import check_chat_text, screen
from models.dialogue.persona import FAQ, FunFact, Persona, Product
from models.dialogue.retrieval import Hit, KnowledgeIndex, tokens
from models.dialogue.sentence import Sentence
from models.dialogue.show import ShowSnapshot
from models.dialogue.tags import emotion_tag, gesture_tag
from models.dialogue.words import folded, joined
from models.tts import sentences_of


@dataclass(frozen=True)
class ChatTurn:
    """A fan's message. `also_asked_by` lists fans whose near-identical questions were merged into this one."""

    user: str
    text: str
    avatar: str | None = None
    also_asked_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fallback:
    """An engine gave up and another takes over (with `partial`, after what was already said)."""

    reason: str  # timeout, server_error, malformed_chunk, connection, cut, empty, ungrounded_*, unsupported_claim
    detail: str
    engine: str  # the engine that takes over
    after_s: float  # seconds from the request to the decision
    partial: bool = False  # sentences of the failed engine were already yielded (the new engine's answer follows)


ReplyEvent = Sentence | Fallback
Intent = Literal["fact", "product", "catalogue", "faq", "partial", "unknown", "social", "refusal", "injection",
                 "catalogue_query", "comparison", "availability", "show"]


@dataclass(frozen=True)
class Answer:
    """A composed answer: its sentences and what kind of answer it is (for logs and the evaluation)."""

    intent: Intent
    sentences: tuple[Sentence, ...]
    hits: tuple[Hit, ...] = field(default=(), repr=False)

    @property
    def text(self) -> str:
        return joined(s.text for s in self.sentences)

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
# English and Chinese lexicons both apply to every message, whatever the persona's language: fans write in their
# own language and mix scripts ("谢谢 Aurora!"), and neither set can match the other's script. They match the
# message's folded form (words.folded), so traditional characters and full-width letters count too.

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
_QUESTION = re.compile(
    r"\?|^\W*(?:what|how|who|when|where|why|which|is|are|do|does|did|can|could|will|would|should|tell me|"
    r"explain)\b|\b(?:tell me|wondering|want to know|curious)\b", re.IGNORECASE)
_PRODUCT = re.compile(
    r"\b(?:how much|price[sd]?|pricing|cost(?:s|ing)?|buy(?:ing)?|purchase|order|sell(?:ing)?|sold|merch|"
    r"merchandise|shop|store|in stock|afford|for sale)\b|"
    # Chinese (matched in the folded, simplified form: no \b, words have no spaces around them)
    r"多少钱|几块钱|多少块|价格|价钱|售价|定价|卖|买|下单|周边|商品|小店|商店|店里|有货|库存|贵不贵|便宜",
    re.IGNORECASE)

# Chinese, written simplified. 死了 is an intensifier in chat (笑死了 "LOL", 累死了 "dead tired"), so only a
# being's death is grief; 笑哭 is laughing, 感动哭 and 哭死 are being moved.
_ZH_DEATH = (r"去世|过世|离世|逝世|病逝|葬礼|丧礼|(?:狗|狗狗|猫|猫咪|宠物|爸|爸爸|妈|妈妈|爷爷|奶奶|外公|外婆|"
             r"姥姥|姥爷|朋友|老公|老婆|哥|哥哥|姐|姐姐|弟弟|妹妹|儿子|女儿|孩子|兔子|仓鼠)"
             r"(?:昨天|今天|前天|上周|刚刚|刚)?死了")
_ZH_SAD = re.compile(
    rf"{_ZH_DEATH}|心碎|难过|伤心|悲伤|不开心|不高兴|心情不好|郁闷|沮丧|难受|崩溃|(?<![笑动])哭(?!死)|流泪|孤独|寂寞|失恋|分手了|"
    r"失业|被裁|被开除|生病|病了|住院|受伤|骨折|摔断|输了|没考上|考砸|挂科|倒霉|坏消息|想念|😢|😭|😿|💔")
_ZH_GRIEF = re.compile(rf"{_ZH_DEATH}|心碎")
#: What a fan calls the host (and her voice) when paying a compliment; not after 你好 in a greeting.
_ZH_PRAISE = r"漂亮|美|好看|可爱|厉害|棒|帅|有趣|幽默|聪明|温柔|甜|萌|酷|专业|有才|好听"
_ZH_COMPLIMENT = re.compile(
    rf"(?:你|您|主播|声音|笑容|衣服|发型)(?:是|真是)?(?:真|好|太|很|超|特别|非常|最)?(?:的)?(?:是)?(?:{_ZH_PRAISE})|"
    rf"(?:真|好|太|超)(?:{_ZH_PRAISE})|(?:喜欢|爱|爱死|支持)(?:你|您|主播|这个直播|你的直播)|爱了|铁粉|忠实粉丝|"
    r"666|yyds|绝绝子|❤|♥|💕|💖|💗|💓|😍|🥰|😘|👍")
_ZH_THANKS = re.compile(r"谢谢|感谢|多谢|谢啦|谢了|辛苦了|3q")
_ZH_GREETING = re.compile(
    rf"^\W*(?:(?:主播|各位)好|(?:主播|各位)?(?:你好|您好|大家好|哈喽|哈啰|嗨|早上好|上午好|中午好|下午好|晚上好|早安|早啊|"
    rf"来了))(?!{_ZH_PRAISE})"
    r"|^\W*👋")
#: A question: 吗 or 呢 at a clause's end, a question word, A-not-A (是不是, 有没有), or asking to be told.
_ZH_QUESTION = re.compile(
    r"[吗呢嘛](?:$|\W)|什么|多少|怎么|怎样|为什么|为啥|哪|谁|几(?:个|点|号|天|岁|年|次|种|块|位)|有多[重大高长宽远久快]|"
    r"是不是|有没有|能不能|可不可以|会不会|要不要|对不对|好不好|行不行|是否|请问|想知道|好奇|告诉我|介绍一下|讲讲|说说")

Mood = Literal["sad", "grief", "compliment", "thanks", "greeting"]


def detect_moods(text: str) -> list[Mood]:
    """What the fan expresses besides any question, strongest first."""
    text = folded(text)
    moods: list[Mood] = []
    if _SAD.search(text) or _ZH_SAD.search(text):
        moods.append("grief" if _GRIEF.search(text) or _ZH_GRIEF.search(text) else "sad")
    if _COMPLIMENT.search(text) or _ZH_COMPLIMENT.search(text):
        moods.append("compliment")
    if _THANKS.search(text) or _ZH_THANKS.search(text):
        moods.append("thanks")
    if _GREETING.search(text) or _ZH_GREETING.search(text):
        moods.append("greeting")
    return moods


def is_question(text: str) -> bool:
    text = folded(text)
    return bool(_QUESTION.search(text) or _ZH_QUESTION.search(text))


def is_product_question(text: str) -> bool:
    return bool(_PRODUCT.search(folded(text)))


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
    return joined(questions) if questions and len(parts) > 1 else text


@dataclass(frozen=True)
class Wording:
    """The few words the engine writes itself, in the persona's language (everything else she says is her own
    phrases and her knowledge as written). The catalogue answers' templates (models.dialogue.catalogue) follow
    `conjunctions`: English ones agree with the product's number through {is}, {comes} and {costs} ("the beanie
    is", "the mittens are"); Chinese ones do not use them."""

    price: str  # placeholders {product} and {price}
    catalogue: str  # {names}
    summary: str  # {count} and {names}
    ask_about: str  # {kinds}
    comma: str
    conjunctions: dict[str, str]  # "and" / "or" with the spaces they need
    # -- catalogue answers: a list under the fan's constraint, superlatives, comparisons, stock, colours, sizes --
    listed_item: str  # {product} {price}: one product in a list
    listed_more: str  # {count}: the rest of a list that is not read out
    counts: tuple[str, ...]  # small counts as words ("three more"; a count is no fact to check), else digits
    matching: str  # {constraint} {items}
    no_match: str  # {constraint}: nothing fits
    closest: str  # {item}: the nearest miss after `no_match`
    cheapest: str  # {constraint} {item}
    priciest: str  # {constraint} {item}
    constraint: dict[str, str]  # kind -> phrase: under/over/between ({price}, {low}, {high}), than ({product}),
    #   kids, gift, cheap, colour ({colour}), size ({size}), kids_sizes, in_stock, sold_out, preorder; "one" and
    #   "any" stand for the product when the fan names no kind ("the cheapest one for kids", "anything under $5")
    constraint_joiner: str  # between the parts of a constraint
    costs: str  # {product} {price} {is} {costs}: one side of a comparison
    cheaper: str  # {product} {price} {is}: the cheaper of two
    cheapest_of: str  # {product} {price} {is}: the cheapest of several
    pricier: str  # {product} {price} {is}: the more expensive of two
    priciest_of: str  # {product} {price} {is}: the most expensive of several
    same_price: str
    stock: dict[str, str]  # stock state (or "unknown") -> {product} {is}
    colours: str  # {product} {values} {comes}
    sizes: str  # {product} {values} {comes}
    comes_in: str  # {product} {value} {comes}: yes, it comes in that colour or size
    not_in: str  # {product} {value} {values} {comes}: it does not, and what it comes in
    agreement: tuple[dict[str, str], dict[str, str]]  # the verbs for one product and for a plural name

    def listed(self, names: list[str], conjunction: str = "and") -> str:
        """Names as a list is said: "A, B and C", "A、B和C"."""
        if len(names) == 1:
            return names[0]
        return f"{self.comma.join(names[:-1])}{self.conjunctions[conjunction]}{names[-1]}"

    def agree(self, name: str) -> dict[str, str]:
        """The verbs for a product name: English names ending in a plural noun ("Ski Gloves") take plural ones."""
        last = name.split()[-1] if name.split() else name
        plural = last.isascii() and last.endswith("s") and not last.endswith("ss")
        return self.agreement[plural]


WORDING = {
    "en": Wording(
        price="You can get the {product} for {price}.", catalogue="We have the {names}.",
        summary="We have {count} products, among them the {names}.",
        ask_about="Ask me about {kinds}, or any product by name.", comma=", ",
        conjunctions={"and": " and ", "or": " or "},
        listed_item="the {product} for {price}", listed_more="{count} more",
        counts=("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
        matching="{constraint}: {items}.",
        no_match="I don't have {constraint} right now.", closest="The closest is {item}.",
        cheapest="The cheapest {constraint} is {item}.", priciest="The most expensive {constraint} is {item}.",
        constraint={"under": "under {price}", "over": "over {price}", "between": "between {low} and {high}",
                    "than": "cheaper than the {product}", "kids": "for kids", "gift": "as a gift",
                    "cheap": "on a budget", "one": "one", "any": "anything", "colour": "in {colour}",
                    "size": "in size {size}", "kids_sizes": "in kids' sizes", "in_stock": "in stock",
                    "sold_out": "sold out", "preorder": "up for pre-order"},
        constraint_joiner=" ", costs="The {product} {is} {price}.",
        cheaper="The {product} {is} the cheaper one, at {price}.",
        cheapest_of="The {product} {is} the cheapest of them, at {price}.",
        pricier="The {product} {is} the more expensive one, at {price}.",
        priciest_of="The {product} {is} the most expensive of them, at {price}.", same_price="They cost the same.",
        stock={"in_stock": "The {product} {is} in stock.",
               "low_stock": "The {product} {is} in stock, with only a few left.",
               "sold_out": "The {product} {is} sold out right now.",
               "preorder": "The {product} {is} up for pre-order.",
               "unknown": "The store page shows whether the {product} {is} in stock."},
        colours="The {product} {comes} in {values}.", sizes="The {product} {comes} in sizes {values}.",
        comes_in="Yes, the {product} {comes} in {value}.", not_in="The {product} {comes} in {values}, not in {value}.",
        agreement=({"is": "is", "comes": "comes", "costs": "costs"}, {"is": "are", "comes": "come", "costs": "cost"})),
    "zh": Wording(
        price="{product}只要{price}。", catalogue="我们有{names}。", summary="我们一共有{count}件商品，比如{names}。",
        ask_about="可以问我{kinds}，或者直接说商品的名字。", comma="、", conjunctions={"and": "和", "or": "或"},
        listed_item="{product}（{price}）", listed_more="另外{count}件",
        counts=("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"), matching="{constraint}的有{items}。",
        no_match="现在没有{constraint}的商品。", closest="最接近的是{item}。",
        cheapest="{constraint}最便宜的是{item}。", priciest="{constraint}最贵的是{item}。",
        constraint={"under": "{price}以下", "over": "{price}以上", "between": "{low}到{high}之间",
                    "than": "比{product}便宜", "kids": "适合小朋友", "gift": "适合送礼", "cheap": "实惠", "one": "",
                    "any": "",
                    "colour": "{colour}", "size": "{size}码", "kids_sizes": "儿童尺码", "in_stock": "有现货",
                    "sold_out": "已售罄", "preorder": "可以预订"},
        constraint_joiner="、", costs="{product}是{price}。",
        cheaper="{product}更便宜，只要{price}。", cheapest_of="其中{product}最便宜，只要{price}。",
        pricier="{product}更贵，要{price}。", priciest_of="其中{product}最贵，要{price}。", same_price="它们价格一样。",
        stock={"in_stock": "{product}有现货。", "low_stock": "{product}还有货，不过只剩几件了。",
               "sold_out": "{product}现在卖完了。", "preorder": "{product}现在可以预订。",
               "unknown": "{product}有没有货，商店页面上可以看到。"},
        colours="{product}有{values}。", sizes="{product}有{values}这些尺码。", comes_in="有的，{product}有{value}。",
        not_in="{product}有{values}，没有{value}。", agreement=({}, {})),
}


class RetrievalEngine(DialogueEngine):
    """The embedded engine: grounded answers composed from the knowledge base in the persona's voice."""

    name = "retrieval"

    def __init__(self, persona: Persona, index: KnowledgeIndex | None = None) -> None:
        self.persona = persona
        self.index = index if index is not None else KnowledgeIndex(persona.knowledge, language=persona.language)
        self._turn = 0  # rotates the persona's phrase variants so repeated answers do not sound canned
        self.wording = WORDING[persona.language]
        #: Where the show this host performs stands, for "what's next?" (bridge/show.py sets it; None: no show).
        self.show_source: Callable[[], ShowSnapshot | None] = lambda: None

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
        if intent == "unknown" and moods and not is_question(_without(_ZH_GREETING, _without(_GREETING, folded(text)))):
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
        from models.dialogue.show_talk import answer_show  # it reads this module's is_question

        # The show's own questions ("what's next?") are answered from the runner, not the knowledge base.
        if (show := answer_show(text, self.show_source(), self.persona)) is not None:
            return "show", show, ()
        catalogue = answer_catalogue(text, self.persona.knowledge, (), self.wording)
        if catalogue is not None:
            return catalogue.intent, list(catalogue.sentences), ()
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
        """Price, description and a call to action, presenting the product. Stock that is not plain "in stock" is
        said before the call to action (a few left, pre-order); a sold-out product gets no call to action."""
        price = product.price_text
        intro = self._phrase("product_intro", variant, product=product.name)
        action = self._phrase("call_to_action", variant, product=product.name, price=price)
        pitch = [
            Sentence(f"{emotion_tag('excited')} {intro} {gesture_tag('present_product')} "
                     f"{self.wording.price.format(product=product.name, price=price)}", (product.id,), product),
            Sentence(product.description, (product.id,), product),
        ]
        if product.stock in ("low_stock", "preorder", "sold_out"):
            pitch.append(stock_sentence(product, self.wording))
        if product.stock != "sold_out":
            pitch.append(Sentence(f"{gesture_tag('point')} {action}", (), product))
        return pitch

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
