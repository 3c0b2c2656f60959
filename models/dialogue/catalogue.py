"""Catalogue questions with constraints: "anything for kids under 20 dollars?", "which is cheaper, the beanie or the
mittens?", "is it in stock?", "does the beanie come in red?".

`answer_catalogue` reads what the fan asks (`parse_question`: price limits, cheapest / most expensive, an audience,
attribute words, a colour, a size, stock, a comparison, the products named) and answers from the products' own
fields only: names, exact prices (`Product.price_text`), colours, sizes and stock as the persona writes them; the
fan's constraint is restated in the engine's `Wording` (engine.py, per language). Nothing fits: she says so and
offers the closest product, never an invented one. Products are found by their words (`retrieval.tokens` of
names, tags and descriptions), not by embeddings: a catalogue question is answered in well under a millisecond.

English and Chinese phrasings both apply to every message (fans mix languages); they match the message's folded
form (`words.folded`: lowercase, full-width as ASCII, simplified characters) with Chinese numerals as digits.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from models.dialogue.numerals import with_digits
from models.dialogue.persona import Knowledge, Product, money
from models.dialogue.retrieval import english_words, tokens
from models.dialogue.sentence import Sentence, declined
from models.dialogue.tags import emotion_tag, gesture_tag
from models.dialogue.wording import Wording
from models.dialogue.words import folded
from models.tts import CJK, sentences_of

CatalogueIntent = Literal["catalogue_query", "comparison", "availability"]
Audience = Literal["kids", "gift"]
#: What a fan asks of stock: a state; "unavailable" (what can't be bought now: sold out or pre-order); "restock"
#: ("will the gloves be back?"); "buy" ("can I grab the beanie tonight?": in stock, and its price); "any" ("is it
#: available?").
StockAsk = Literal["in_stock", "low_stock", "sold_out", "preorder", "unavailable", "restock", "buy", "any"]
#: Stock asks that pick no products out of the catalogue (they ask about the products named or discussed).
_ASKS_OF_NAMED: tuple[StockAsk | None, ...] = (None, "any", "buy")
Dimension = Literal["size", "weight", "warmth"]
#: A sum or a difference of prices asked ("how much for both together?", "how much pricier is the hoodie?").
Arithmetic = Literal["total", "gap"]

#: A list names at most this many products, then says how many more fit.
LISTED = 3
#: A name that fits several products: she answers for at most this many of them.
AMBIGUOUS = 3


@dataclass(frozen=True)
class CatalogueReply:
    """A catalogue answer: its sentences, and the products it is about (the fan's new subject)."""

    intent: CatalogueIntent
    sentences: tuple[Sentence, ...]
    products: tuple[Product, ...]
    #: The products it chose among, when it chose one of them ("which bottle is for kids?"): "the other one" later.
    group: tuple[Product, ...] = ()


@dataclass(frozen=True)
class PriceLimit:
    """The price range a fan asks for (either end open); `than` the product a "cheaper than" names."""

    below: float | None = None
    above: float | None = None
    than: Product | None = None
    #: An amount as the fan wrote it in words ("twenty dollars"), restated so (never as digits the fan did not say)
    written: tuple[tuple[float, str], ...] = ()
    #: The upper end is the fan's own money ("I've got 50 bucks", "limit is $20"), not a range asked of a product
    budget: bool = False

    def said(self, amount: float, currency: str) -> str:
        return next((words for value, words in self.written if value == amount), None) or money(amount, currency)

    def admits(self, product: Product) -> bool:
        if self.than is not None and (product.id == self.than.id or product.price >= self.than.price):
            return False
        return ((self.below is None or product.price <= self.below)
                and (self.above is None or product.price >= self.above))


@dataclass(frozen=True)
class CatalogueQuestion:
    """What a fan asks about the catalogue, as `parse_question` reads it."""

    named: tuple[Product, ...]  # the products the fan names (several for a name that fits several)
    words: tuple[str, ...]  # attribute words that fit some product ("warm", "skiing"), as the fan wrote them
    price: PriceLimit | None = None
    order: Literal["cheapest", "priciest", "cheap"] | None = None
    count: int = 1  # "the two priciest": how many of the cheapest or priciest
    rank: int = 1  # "the second cheapest": which one of the price order (1: the cheapest or priciest itself)
    audience: Audience | None = None
    excluded: Audience | None = None  # "the cheapest thing that isn't for kids"
    unwanted: tuple[str, ...] = ()  # "not clothes": kinds of product the fan does not want ("clothe")
    colour: str | None = None  # a colour the fan names
    size: str | None = None  # a size the fan names, as the store writes sizes ("XL", "kids S")
    asks_colours: bool = False  # "what colours ..."
    asks_sizes: bool = False  # "what sizes ..."
    stock: StockAsk | None = None
    compare: bool = False  # "which is cheaper", "vs", "difference between", "plush or pin set, which ..."
    direction: Literal["cheaper", "pricier"] | None = None  # which one a comparison asks for
    asks_price: bool = False  # "how much", "price", "cost": a comparison of prices, not a choice
    difference: bool = False  # "difference between" (and no price asked): the descriptions too
    arithmetic: Arithmetic | None = None  # the prices' sum ("altogether") or difference ("how much pricier")
    listing: bool = False  # "anything", "do you have", "recommend": a request for products that fit
    off_catalogue: tuple[str, ...] = ()  # content words no product has ("way", "learn", "olympic")
    elsewhere: bool = False  # some of them are the other knowledge's words (facts, FAQs, the host herself)
    about_products: bool = False  # worded as a question about products (buying, having, price, "anything")
    dimension: tuple[Dimension, str, bool] | None = None  # "which is bigger": (dimension, the fan's word, larger?)
    feature: tuple[str, ...] = ()  # "does it come in a gift box?": the feature's words ("gift", "box")
    missing: str | None = None  # "do you sell ski boots?": the kind asked for, when no product is of it
    thing: bool = False  # "a warm thing", "something warm": the fan's words describe a product they name no kind of
    #: "What would you recommend for skiing?", "something for a cold walk": products for an occasion a product's tag
    #: or name fits (a word only a description has, "film" of "film your runs", names no occasion); or for a use
    #: the fan needs a thing for that a product's words state in full (`_NEED`)
    recommend: bool = False
    counts: tuple[int, ...] = ()  # how many of each named product the fan asks for ("two beanies"); none: one each
    ships: bool = False  # "when will the goggles ship out?": when it can be sent, not what getting it costs

    @property
    def filtered(self) -> bool:
        """A constraint that picks products out of the whole catalogue."""
        return bool(self.price or self.order or self.audience or self.excluded)

    @property
    def weak(self) -> bool:
        """Only a superlative or attribute words say it is about the store ("the cheapest way to learn skiing",
        "anything about the Winter Olympics?"): it is a catalogue question only if its other words are too."""
        # "Come back" asks of a product named or discussed, never of the store alone ("when did curling come back").
        strong = self.price or self.audience or self.excluded or self.stock not in (*_ASKS_OF_NAMED, "restock") or (
            (self.colour or self.size) and self.about_products)
        # "What would you recommend for skiing in the Alps?": the occasion's other words (a place, a time, a sport
        # of the facts) say where the products are used, not what else the fan asks about.
        occasion = self.recommend and bool(self.words)
        return not strong and not self.named and not occasion and (self.elsewhere or len(self.off_catalogue) > 1)


# -- reading the question ---------------------------------------------------------------------------------------

#: An amount of money: a number not followed by a unit of time or measure ("within 30 days" is no price), of at
#: most nine digits and two decimals (longer runs of digits are no budget and would not fit a float's int).
_NUMBER = r"(\d{1,9}(?:\.\d{1,2})?)"
_AMOUNT = rf"(?:[$€£¥]\s*)?{_NUMBER}(?!\d|\.\d|\s*(?:days?|weeks?|months?|years?|hours?|minutes?|kg|cm|ml|%|" \
    r"percent|天|周|小时|分钟|年|岁|个月))\s*(?:dol+[ae]rs?|bucks?|quid|usd|euros?|eur|pounds?|gbp|rmb|元|块钱?|人民币)?"
#: The same amount said as money for sure: a currency sign before it or a unit after ("$25", "25 bucks"), for
#: wordings where a bare number would be anything else ("I have 2 kids" is no budget, "I have $25" is).
_MONEY = rf"(?:[$€£¥]\s*{_NUMBER}(?!\d|\.\d)|{_NUMBER}\s*(?:dol+[ae]rs?|bucks?|quid|usd|euros?|eur|pounds?|gbp|" \
    r"rmb|元|块钱?|人民币)\b)"
_BETWEEN = re.compile(rf"\bbetween\s+{_AMOUNT}\s+(?:and|to)\s+{_AMOUNT}|[$€£¥]\s*{_NUMBER}\s*(?:-|to)\s*"
                      rf"{_AMOUNT}|{_AMOUNT}\s*(?:到|至|-|~)\s*{_AMOUNT}\s*(?:之间|以内)")
_BELOW = re.compile(
    rf"\b(?:under|undr|unde|below|bellow|less than|les than|cheaper than|lower than|no more than|not more than|"
    rf"at most|max(?:imum)?|up to|within|beneath)\s+{_AMOUNT}|<\s*{_AMOUNT}|"
    # "I don't want to spend more than $20", "won't pay over 30": "more than" said as a limit not to pass.
    rf"\b(?:don'?t|do not|won'?t|will not|can'?t|cannot|not|never|rather not)\s+(?:(?:want|wanna|like|plan|able)\s+"
    rf"(?:to\s+)?)?(?:spend|pay|go|be|cost|blow)?\s*(?:anything\s+|much\s+)?(?:more than|over|above)\s+{_AMOUNT}|"
    rf"\bthe most (?:\w+\s+){{0,3}}(?:spend|pay) (?:is|would be|'s)\s+{_AMOUNT}|"
    rf"{_AMOUNT}\s*(?:or less|or under|or below|or cheaper|max|tops)\b|"
    rf"\b(?:budget|(?:spending |price )?limit|cap)(?: of| is|'s|:)?\s+(?:only |just |about |around |like )?{_AMOUNT}|"
    rf"{_AMOUNT}\s*budget\b|{_AMOUNT}\s+to (?:spend|blow)\b|"
    # A budget said as what the fan has or can spend: "I have $25", "I've got 30 bucks", "with $25".
    rf"\b(?:i have|i (?:only|just) have|i've|ive|i got|i've got|ive got|i have got|i can spend|can spend|"
    rf"i can afford|spend|with(?: only| just)?|got(?: only| just)?)\s+"
    rf"(?:only |just |about |around |exactly |like |maybe |roughly )?{_MONEY}|"
    # "Is $50 enough for the hoodie and the beanie?": a budget asked whether it covers them.
    rf"{_MONEY}\s+(?:be |is )?enough\b|"
    # "What can I get with 40?", "anything I could buy for 25": a bare number that ends what the fan can get is money.
    rf"\b(?:get|buy|afford|grab)\s+(?:me\s+|myself\s+)?(?:with|for)\s+(?:only |just |about |around )?{_NUMBER}"
    rf"(?=\s*(?:$|[?!.,;]))|"
    rf"{_AMOUNT}\s*(?:以下|以内|之内|内)|(?:低于|不到|少于|不超过|便宜于)\s*{_AMOUNT}")
#: A limit that is the fan's own money (a budget), as `_BELOW`'s wordings of it say.
_FANS_MONEY = re.compile(r"budget|limit|\bcap\b|enough|\b(?:have|i've|ive|got|get|buy|spend|afford|with)\b")
_ABOVE = re.compile(
    rf"\b(?:over|above|more than|at least|pricier than|more expensive than)\s+{_AMOUNT}|>\s*{_AMOUNT}|"
    rf"{_AMOUNT}\s*(?:or more|and up|plus)\b|{_AMOUNT}\s*以上|(?:高于|超过|多于)\s*{_AMOUNT}")
#: "Are you over 18?", "is she under 30": a bare number after a person is an age, no price (a currency makes it one).
_OF_A_PERSON = re.compile(r"\b(?:are|r|is|am)\s+(?:you|u|she|he|i|we|they)\s*$|\b(?:i'm|im|i am|you're|youre|ur)\s*$")
_CURRENCY_NAMES = r"(?:dol+[ae]rs?|bucks?|quid|usd|euros?|eur|pounds?|gbp|rmb)"
_CURRENCY = re.compile(rf"[$€£¥]|\b{_CURRENCY_NAMES}\b|元|块|人民币")
_CHEAPER_THAN = re.compile(r"\b(?:cheaper|less expensive|lower priced|more affordable|(?:costs? )?less) than\b|"
                           r"比(?=.+便宜)")
_CHEAPEST = re.compile(r"\b(?:cheapest|least expensive|lowest[- ]priced|lowest price|most affordable)\b|"
                       r"\bcosts?\s+(?:you\s+)?the\s+least\b|\b(?:lowest|smallest)\s+(?:price|cost)\b|"
                       r"最便宜|最实惠|最低价")
#: "Dearest to you" is what she loves, not a price. "The most I could spend on one thing" with no amount is the
#: priciest product ("the most I can spend is $20" is a budget).
_PRICIEST = re.compile(r"\b(?:most expensive|priciest|dearest(?! to)|highest[- ]priced|highest price|most pricey)\b|"
                       r"\bcosts?\s+(?:you\s+)?the\s+most\b|\b(?:highest|biggest)\s+(?:price|cost)\b|"
                       r"\bthe most\s+(?:(?!is\b)\w+\s+){0,3}(?:spend|pay)\b(?!.*\d)|最贵")
_CHEAP = re.compile(r"\b(?:cheap|affordable|inexpensive|budget|low[- ]cost|bargains?)\b|(?<![最更])(?:便宜|实惠|划算)")
#: The comparatives of price ("cheaper than", "costs more"), and with the superlatives the words of which one a
#: comparison asks for (`_CHEAPER`, `_PRICIER`) and of "which one's cheaper?" (`WHICH_OF_THEM`).
#: "Is the beanie less?", "less money?": "less" on its own at the end asks for a lower price ("less than $30" is a
#: limit).
_CHEAPER_WORDS = r"cheaper|less expensive|costs? less|more affordable|less money|less(?=\W*$)"
_PRICIER_WORDS = r"more expensive|pricier|costs? more|dearer"
_CHEAPEST_WORDS = r"cheapest|least expensive"
_PRICIEST_WORDS = r"priciest|most expensive"
_PRICIER = re.compile(rf"\b(?:{_PRICIER_WORDS}|{_PRICIEST_WORDS})\b|更贵|哪个贵|最贵")
#: "Is the beanie less?", "is the plush cheaper?": a comparison that names no second term ("than", "or"), which the
#: sentence before it names ("the hoodie is too expensive for me").
ONE_SIDED_COMPARISON = re.compile(rf"^(?!.*\b(?:than|or|vs|versus)\b).*\b(?:{_CHEAPER_WORDS}|{_PRICIER_WORDS})\b",
                                  re.IGNORECASE)
_MORE_THAN = re.compile(r"\b(?:costs? )?more than\b")
_CHEAPER = re.compile(rf"\b(?:{_CHEAPER_WORDS}|{_CHEAPEST_WORDS})\b|更便宜|哪个便宜|最便宜")
#: "Which one's cheaper?", "which costs more?", "which of them is the priciest?": a choice between products the fan
#: does not name (group `than`: a comparative, which needs two).
WHICH_OF_THEM = re.compile(
    r"\bwhich(?: one| of (?:them|the two|those))?(?:'s|s| is| are|'re)?\s+(?:the\s+)?"
    rf"(?:(?P<than>{_CHEAPER_WORDS}|{_PRICIER_WORDS})|{_CHEAPEST_WORDS}|{_PRICIEST_WORDS})\b", re.IGNORECASE)
_COMPARE = re.compile(
    r"\b(?:vs\.?|versus|compared?|comparison|differen(?:ce|t)|differ|which|cheaper|more expensive|pricier|"
    r"less expensive|better)\b|哪个|哪一个|区别|不同|比较|对比|还是|更便宜|更贵")
#: A choice between the products named ("the hoodie or the beanie?", "is the hoodie worth it over the beanie?").
_CHOICE = re.compile(r"\b(?:or|over|instead of|rather than)\b|还是|或者")
#: "How much is that altogether?", "the hoodie and the beanie together?": the sum of the products' prices (with a
#: price asked: "do they go together?" is no sum).
#: "What do they come to?", "what does that add up to?": a total said as a verb (a price asked and a sum at once;
#: "do they come to the show?" goes somewhere).
_SUM_VERB = r"(?:comes?|coming) (?:out )?to\b(?!\s+(?:the|my|your|a|an|this|that)\b)|adds? up"
_TOTAL = re.compile(rf"\b(?:altogether|all together|together|in total|total|combined|sum|{_SUM_VERB}|"
                    r"(?:for|get|getting|buy|buying|take|taking|grab|grabbing|order|ordering) (?:both|the two|"
                    r"the pair|them all|all (?:three|of them)|(?:both|two|all) of them))\b|"
                    r"一共|总共|加起来|合计|总价")
#: "What's my total?": the total of a bill is its price ("do they go together?" asks none).
#: "What's that together?", "what are both combined?": a sum asked with "what" alone.
_SUM_WHAT = r"what(?:'s|s| is| are| would (?:that|it|they) be| will (?:that|it|they) be)(?: (?:that|it|this|they|" \
    r"those|these|the two|both|all))?(?: of them)? (?:together|altogether|all together|combined|in total)"
_PRICE_ASKED = re.compile(rf"\b(?:how much|price[sd]?|costs?|pay|spend|(?:my|the|our) total|{_SUM_VERB}|"
                          rf"{_SUM_WHAT})\b|多少钱|价格|价钱")
#: "How much pricier is the hoodie?", "how many dollars dearer?" (whatever the currency's name), "what's the
#: difference in price?", "which is cheaper and by how much?": the difference of two prices.
_GAP = re.compile(r"\bby how much\b|\bminus\b|\bhow (?:many \w+|much|far) apart\b|"
                  # "How much extra is the hoodie?": "extra" is "more".
                  r"\bhow much (?:more|extra|less|cheaper|pricier|dearer|more expensive|less expensive)\b|"
                  r"\bhow many \w+ (?:cheaper|pricier|dearer|more expensive|less expensive)\b|"
                  # "How many dollars more is the hoodie?": "more" after a currency's name is money, not a count.
                  rf"\bhow many {_CURRENCY_NAMES} (?:more|extra|less)\b|"
                  r"\b(?:difference|differ|gap)(?: between [^?.!,;]{1,80}?)? in (?:the )?(?:price|cost)s?\b|"
                  r"\bprice (?:difference|gap)\b|"
                  r"差多少|贵多少|便宜多少|差价|价格差|价差")
#: "Are the goggles twice the price of the beanie?", "is the beanie half as expensive?": one price as a multiple of
#: another (the first product named is the multiple of the second); a half in group 1 or 2.
_MULTIPLE = re.compile(r"\b(?:twice|double|2 times|(half))\b|两倍|二倍|(一半)")
_AS_PRICEY = re.compile(r"\bas (?:much|expensive|pricey|dear)\b|贵|价")
#: "Is the plush plus the pin set cheaper than the goggles?": what is compared with what ("比" comes before the
#: other side in Chinese as "than" does in English).
_THAN = re.compile(r"\bthan\b|比")
_DIFFERENCE = re.compile(r"\b(?:differen(?:ce|t)|differ|compare[ds]?|comparison|vs\.?|versus)\b|区别|不同|对比|比较")
#: A child by family tie: "grand" is part of the word ("granddaughter"), so it has no word boundary of its own.
_CHILD_KIN = r"(?:grand)?(?:sons?|daughters?|kids?|child|children)|boys?|girls?|nephews?|nieces?"
_CHILD_AGE = r"(?:\d|1[0-2]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_KIDS = re.compile(
    r"\b(?:for|suitable for|good for|fit for|fits)\s+(?:an? |my |our |the |little |young |small |\d+ )*"
    r"(?:toddlers?|little ones|little (?:brother|sister|cousin)s?|babies|baby|year[- ]olds?|"
    # "For my kid's teacher": a possessive names the one it belongs to, the gift is for the noun after it.
    rf"{_CHILD_KIN})\b(?!'s\b)|"
    # "The kids stuff", "kids' things": the products for kids as a group ("most expensive of the kids stuff?").
    r"\b(?:kids?|kiddie|kiddy|children)'?s?'? (?:stuff|things?|items?|products?|merch|range|section|gear|ones)\b|"
    rf"\b{_CHILD_AGE}[- ]?(?:(?:years?|yrs?)[- ]?olds?|y/?o)\b|"
    # "My son is 7", "with my son, he is 7", "for my granddaughter, she is six": the child's age, said of the child
    # or of a pronoun (a child's age, never how many of a product: "six" is in the pin set's description).
    rf"\b(?:(?:{_CHILD_KIN}),? |(?=he\b|she\b|he's|she's))"
    rf"(?:(?:he |she |they )?(?:is|are|turning|turns|just turned)|who's|who is|he's|she's|they're) {_CHILD_AGE}\b|"
    # Children named as the fan's own, not as whom a thing is for ("my kiddos", "we've got 3 little ones (5 and 7)").
    r"\bkiddos?\b|\b(?:my|our|\d|two|three|four|five|a few|some) "
    r"(?:little ones|littles|little'?uns|tots|young ones|youngsters)\b|"
    r"(?:适合|给|送)?(?:小孩|孩子|儿童|小朋友|宝宝|儿子|女儿)")
#: A children's sports team by its age group ("my U10 team", "the under-10s squad", "u12 players"): kids, and "team"
#: there names whom the fan shops for, no product ("under 10" there is an age, never a price limit).
#: "A matching set for me and my kid": the products the fan puts together, named after it, not a product named "set".
_MATCHING = re.compile(r"\bmatching (?:sets?|pairs?|outfits?|combos?|looks?|bundles?)\b")
_YOUTH_TEAM = re.compile(rf"\b(?:u|under)[- ]?{_CHILD_AGE}'?s?\s+(?:teams?|squads?|sides?|players|group|club)\b")
#: A fact or trivia asked by name ("a fun fact for my son", "trivia for the kids"): to learn, whoever it is for.
_FACT_ASKED = re.compile(r"\bfacts?\b|\btrivia\b|冷知识|趣闻")
#: A request to learn something ("teach me something about skiing", "any trivia about ice rinks?"): the facts'
#: to answer unless the fan also names a product or a constraint.
_LEARN = re.compile(r"\b(?:teach|tell|share|explain|learn|know)\b.{0,20}\b(?:something|anything|a bit|more|me)\b|"
                    rf"{_FACT_ASKED.pattern}|\bhistory of\b|\bstory\b|讲讲")
#: The fan speaks of the store's things ("your warm stuff", "what you sell").
_STORES = re.compile(r"\byour\b|\b(?:you|u|ya) (?:sell|have|got|carry|stock|offer)\b|"
                     r"\bin (?:the|your) (?:store|shop)\b")
#: "Isn't for kids", "not for children", "for grown-ups": products for an audience left out (group 1 kids, 2 gift).
_NOT_AUDIENCE = re.compile(
    r"\b(?:(?:is|are|was|were|does|do) ?n[o']?t|not|non|no|nothing|none|except|besides|other than|apart from)[- ]"
    r"(?:meant |made |intended |just |only |really |aimed )?(?:for |at )?(?:the |a |an |little |my |our )?"
    r"(?:(kids?|kiddos?|kiddy|kiddie|children|child|toddlers?|babies)|(gifts?|presents?))"
    r"(?:'? ?(?:stuff|items?|things|ones))?\b|"
    # A grown-up named as whom a gift is for, also as someone's ("for my kid's teacher", "my son's coach").
    r"\bfor (?:an? |my |our |the )?(?:[\w-]+'s )?(adults?|grown[- ]?ups?|grownups|big kids|teachers?|coach|"
    r"(?:grown |adult |older )?(?:man|men|woman|women|guys?|lady|ladies|fellas?|blokes?)|"
    r"coworkers?|co-workers?|colleagues?|husband|wife|boyfriend|girlfriend|"
    r"partner|dad|mum|mom|father|mother|parents|grandpa|grandma|grandfather|grandmother|grandparents|nana|nanna|nan|"
    r"granny|gran|grandad|granddad|uncle|aunt|boss)\b|(不是给(?:小孩|孩子|儿童|小朋友))|(大人|成人|成年人)|"
    # A grown-up as the wearer or user, not only as whom it is for ("a thing an adult can wear", "adult sizes").
    r"\b(adults?|grown[- ]?ups?|grownups|grown (?:man|men|woman|women))\b")
#: "Not clothes", "anything but hats", "except the bottles": a kind of product the fan does not want (the word).
_NOT_KIND = re.compile(r"\b(?:(?:is|are)n'?t|not|no|except|other than|apart from|besides|anything but)\s+"
                       r"(?:any |more |the |a |an )?"
                       r"([a-z][a-z'-]{2,})\b")
#: The fan as whom the products are for, unless kids come with them ("for me and my son").
_FOR_ME = re.compile(r"\bfor (?:me|myself)\b(?! and| &)")
#: "The two priciest", "top 3 cheapest", "cheapest three": how many of the cheapest or priciest.
_TOP = re.compile(r"\b(?:top |the )?(two|three|four|five|[2-9]) (?:most expensive|priciest|cheapest|least expensive|"
                  r"most affordable|lowest[- ]priced|highest[- ]priced|dearest|most pricey)\b|"
                  r"\b(?:cheapest|priciest|most expensive|least expensive) (two|three|four|five|[2-9])\b|"
                  r"\b(two|three|four|five|[2-9])(?: \w+){1,3}? (?:are |is )?(?:the )?(?:cheapest|priciest|"
                  r"most expensive|least expensive)\b")
_NUMBER_OF_WORD = {"two": 2, "three": 3, "four": 4, "five": 5}
#: "The second cheapest", "2nd most expensive", "third priciest": one product's place in the price order.
_RANK = re.compile(r"\b(second|third|fourth|fifth|[2-9](?:nd|rd|th))[- ]+(?=(?:most |least )?(?:cheapest|priciest|"
                   r"expensive|dearest|affordable|lowest|highest)\b)")
_RANK_WORDS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5}
#: Words of catalogue questions that chat spelling and typos bend ("cheapst", "expnsive", "avalable"): a word of
#: the message that no knowledge has and that is near one of these is read as it.
CATALOGUE_WORDS = ("cheapest", "cheaper", "cheap", "priciest", "pricier", "price", "prices", "expensive",
                   "affordable", "available", "unavailable", "preorder", "anything", "something", "children",
                   "colours", "colors", "sizes", "restocked", "everything")
_CHAT = ((re.compile(r"\bu\b"), "you"), (re.compile(r"\bur\b"), "your"), (re.compile(r"\br\b"), "are"),
         (re.compile(r"\bwh?ats\b"), "what's"), (re.compile(r"\bwat\b"), "what"),
         # Short words typed a letter short, under `spelled`'s five letters: "do you hav it in stok".
         (re.compile(r"\bhav\b"), "have"), (re.compile(r"\bstok\b"), "stock"),
         # "Kidz", "sizs", "siz": chat's z for s and a dropped vowel, under `spelled`'s five letters too.
         (re.compile(r"\bkidz\b"), "kids"), (re.compile(r"\bsizs\b|\bsizez\b"), "sizes"),
         (re.compile(r"\bsiz\b"), "size"),
         # "Price diff?": chat's "difference".
         (re.compile(r"\bdiff\b"), "difference"))
_GIFT = re.compile(r"\b(?:gifts?|presents?|stocking (?:stuffers?|fillers?)|to give)\b|礼物|送人|送礼")
#: A request for products for an occasion or a use ("what should I get for skiing?", "something for a cold walk").
_RECOMMEND = re.compile(r"\b(?:recommend|suggest|should (?:i|we) (?:get|buy|wear|bring|take)|"
                        r"what (?:can|could) (?:i|we) (?:get|buy|wear|use|take|bring)|"
                        r"(?:something|anything|stuff|things|gear) (?:\w+ )?for|"
                        # "Something to keep my head warm on the chairlift": a use, and the place is where it is used.
                        r"(?:something|anything|stuff)(?: that| which)? (?:to |will |would |can |could )?"
                        r"(?:keeps?|stops?|protects?|helps?)|"
                        # "What have you got for snowboarders?", "what do you sell for skiing?"
                        r"what(?: have|'ve| do)? (?:you|ya)(?: guys)? (?:got|have|sell|carry|stock) for)\b")
#: "I need something to keep my coffee hot": a thing the fan wants for a use; a product whose words state all of the
#: fan's catalogue words is for it (their other words, "coffee", "chairlift", say where it is used).
_NEED = re.compile(r"(?:^\W*|\b(?:i|we)(?: really| just)? )(?:need|want|'d like|would like|am looking for|"
                   r"'m looking for|are looking for|'re looking for|looking for) "
                   r"(?:something|anything|a thing|stuff)\b|"
                   # "Anything to keep soup hot?", "something I can collect", "something that keeps tea hot": a use
                   # said as the thing's purpose.
                   r"\b(?:something|anything|a thing|stuff)(?: that| which)? (?:to|i can|i could|we can|we could) "
                   r"(?!do with\b)\w+|\b(?:something|anything|a thing|stuff) (?:that|which) (?:keeps|stays|holds)\b")
_LISTING = re.compile(
    rf"{_RECOMMEND.pattern}|"
    r"\b(?:anything|something|any|what do you (?:have|sell|got)|do you (?:have|sell)|got any|recommend|suggest|"
    r"options?|ideas?|which products|what products|what items|what else|show me)\b|有什么|有没有|有哪些|推荐|哪些")
_COLOUR_ASK = re.compile(r"\b(?:colou?rs?|shades?)\b|颜色|配色|什么色")
#: "Which has more colour options?", "do they come in as many sizes?": a comparison of how many.
_HOW_MANY_MORE = re.compile(r"\b(?:more|most|fewer|less|least|as many|same number|the number of|how many)\b|"
                            r"更多|最多|更少|一样多|几种")
_FEWER = re.compile(r"\b(?:fewer|less|least)\b|更少|最少")
_SIZE_ASK = re.compile(r"\b(?:sizes?|sizing)\b|尺码|码数|尺寸|号码")
#: Sizes a fan names; "s", "m" and "l" alone only after "in" or "size" ("in M"), small/medium/large likewise.
_SIZE = re.compile(
    r"\b(?:kids'?\s+sizes?\b|kids'?\s*(?:size\s+)?[sml]\b|x{0,3}l\b|xs\b|one size\b|[2-5]x[ls]\b|"
    r"x{1,3}[- ]?(?:large|small)\b|(?:extra[- ]){1,3}(?:large|small)\b|(?:in (?:an? )?|size )"
    r"(?:[sml]\b|small\b|medium\b|large\b))|均码")
_SIZE_WORDS = {"small": "s", "medium": "m", "large": "l", "均码": "one size"}
#: The size of a product that has one ("one size fits all"), as the store writes it.
_ONE_SIZE = ("one size", "均码")
#: The extra sizes however they are written ("XXL", "2XL", "xx-large", "extra extra large"), as x's and a letter.
_EXTRA_SIZE = re.compile(r"^(?:([2-5])x|(x{1,3})[- ]?|((?:extra[- ]){1,3}))(l|s|large|small)$")
_STOCK: tuple[tuple[StockAsk, re.Pattern[str]], ...] = (
    # Before "sold out": "almost sold out" asks for what is running low, not what is gone.
    ("low_stock", re.compile(r"\b(?:(?:almost|nearly|about to be|close to being|about to|close to) "
                             r"(?:sold out|sell(?:ing)? out|gone|out of stock|run(?:ning)? out)|"
                             r"running (?:low|out)|selling (?:fast|quickly)|going fast|last (?:few|ones?)|"
                             r"(?:only )?a few left|few left|low (?:on )?stock|limited stock|almost gone|"
                             r"nearly gone)\b|快卖完|快售罄|快没了|库存不多|只剩几")),
    # Before "in stock": "not in stock", "can't I buy", "is everything in stock?" ask what can't be bought now.
    ("unavailable", re.compile(
        r"\b(?:can'?t|cannot|can not|unable to) (?:i |you |we |u |people )?(?:buy|get|order|purchase|grab)\b|"
        r"\bunavailable\b|\bnot (?:available|in stock|for sale|buyable)\b|\b(?:is|are) ?n'?t (?:available|in stock)\b|"
        r"\b(?:everything|every (?:single )?(?:items?|products?|things?)|"
        r"all (?:of )?(?:the |your )?(?:items?|products?|merch|merchandise|stuff|things)|it all)\b"
        r".{0,25}\b(?:in stock|available|for sale)\b|"
        # "Can I get (literally) everything today?", "or is stuff missing?": whether any of it can't be bought now.
        r"\b(?:buy|get|order|grab|have) (?:\w+ )?(?:everything|it all|all of it)\b|"
        r"\b(?:stuff|something|anything|things?|items?|products?) (?:is |are )?missing\b"
        r"(?! (?:from|in|out of) (?:my|the|our) (?:order|package|parcel|box|delivery))|买不到|不能买|都有货")),
    ("restock", re.compile(r"\b(?:be|come|coming|get|getting|go|going) back\b|\brestock(?:s|ed|ing)?\b|"
                           r"\bback in stock\b|\b(?:are|is|will) (?:it|they|them|those|these)(?: be)? back\b|"
                           r"\b(?:in stock|available|for sale|on sale) again\b|"
                           r"\bmore (?:coming|soon|later)\b|"
                           r"补货|再有货|什么时候有货")),
    # "Which items are gone?": a thing of the store gone is sold out ("the snow is all gone" is no product).
    ("sold_out", re.compile(r"\b(?:sold out|out of stock|sell(?:ing)? out|none left)\b|"
                            r"\b(?:items?|products?|things?|stuff|merch|ones?|which|what|anything|everything)\b"
                            r"[^.?!,]{0,20}\b(?:(?:is|are|r|'s|s|'re|re) )?(?:all |already |now )?gone\b|"
                            r"卖完|售罄|卖光|断货|缺货|没货")),
    ("preorder", re.compile(r"\bpre[- ]?order(?:s|ed|ing)?\b|预售|预订|预定")),
    ("in_stock", re.compile(r"\b(?:in stock|any left|left in stock)\b|"
                            r"有货|现货|库存|还有吗|有没有货")),
)
#: "No preorder stuff", "nothing on backorder", "not sold out": what can't be bought now, excluded, asks what can.
_NOT_UNAVAILABLE = re.compile(r"\b(?:no|not|nothing|none|without|except|excluding|skip|(?:is|are)n'?t)\b"
                              r"(?:\W+(?!in\b)\w+){0,2}?\W+"
                              r"(?:pre[- ]?order(?:s|ed)?|back[- ]?order(?:s|ed)?|sold[- ]out|out of stock)\b"
                              r"(?:\W+(?:stuff|items?|ones?|things?|products?))?")
#: "When will the goggles ship out?", "does the beanie ship right away?": of a named product, whether it can be sent
#: now (in stock) or later (pre-order), not the shipping policy that "when will my order ship?" asks.
_PRODUCT_SHIPS = re.compile(r"\bwhen (?:will|does|do|would|can) (?:\w+ ){1,4}(?:ship|be shipped|be sent)\b|"
                            r"\bships? (?:out )?(?:right away|straight away|immediately|now|today)\b")
_AVAILABLE = re.compile(rf"\b(?:available|avail|availability|stock|ready to ship)\b|{_PRODUCT_SHIPS.pattern}|"
                        # "Should I grab the hoodie now or can I wait till payday?": whether it will last (its stock).
                        r"\bshould (?:i|we) (?:buy|get|grab|order|snag)\b.*\bnow\b|"
                        r"\b(?:can|could|should) (?:i|we) wait\b|"
                        r"\b(?:buy|get|order|purchase)\b.*\b(?:right now|now|today)\b|"
                        # "Do you have the beanie in red right now?": whether the store has it to sell now.
                        r"\b(?:do|does) (?:you|u|ya|they|the store|the shop) (?:still )?(?:have|got|carry|sell|stock)\b"
                        r".*\b(?:right now|now|today|tonight|atm|at the moment|currently)\b|"
                        r"\b(?:many|much|any|some|still|plenty)\b.{0,30}\bleft\b|"
                        # "Should I hurry with the beanie or is there plenty?": whether it will last (its stock).
                        r"\b(?:should|do|must|need to|have to|better) (?:i|we) hurry\b|\bhurry (?:up )?(?:and|to) "
                        r"(?:buy|get|grab|order)\b|\b(?:is there|are there|got|have) plenty\b|"
                        r"\bplenty (?:of (?:them|it|those) )?(?:left|in stock|available)\b|"
                        r"\b(?:out yet|released?|release date|launch(?:ed|es)?|comes? out|coming out|available yet)\b")
#: "Can I grab the knit hat tonight?", "still got the pin sets?": whether the fan can buy it (yes, in stock); "where
#: can I get the hoodie?" asks the way to buy (the store), not the stock.
_BUY = re.compile(r"\b(?<!where )(?<!how )(?:can|could|may) (?:i|we|u) (?:still |already |now )?"
                  r"(?:buy|get|grab|order|purchase|snag|pick up|have)\b|"
                  r"\bstill (?:got|have|sell|sold|selling|carry|available|avail|for sale|around|on sale|there|here)\b|"
                  # "Pin set still up for grabs?", "is the beanie still going?": whether it can still be bought.
                  r"\bup for grabs\b|\bstill going\b|"
                  # "Mittens kids M in navy, got them?": whether the store has them to sell.
                  r"\b(?:got|have) (?:it|them|those|these|any|one)\s*\?|"
                  # "The bottle in green, do you have it?": whether the store has it to sell now.
                  r"\bdo (?:you|ya) (?:still )?(?:have|got|carry|sell|stock) (?:it|them|this|that|those|these)\b|"
                  r"\bis it (?:still )?possible to (?:buy|get|order)\b|还能买|能买吗|可以买吗")
#: "Any beanies left?", "still some hoodies left in L?": of a product named, whether it is in stock ("how many are
#: left?" asks how many, which the store does not say).
_LEFT = re.compile(r"\b(?:any|some|still)\b[^.?!,]{0,30}\bleft\b")
#: "Hoodie gone yet??": of a product named, whether it is sold out ("is the snow all gone?" asks no stock).
_GONE = re.compile(r"\bgone\b")
#: "When are the gloves back?": a restock, of a product named only ("when is the show back?" asks no stock).
_WHEN_BACK = re.compile(r"\bwhen (?:are|is|will) .{1,40}? (?:be )?back\b")
#: Store policies (shipping, returns, exchanges, payment) are the FAQs' to answer, even when a size or a colour is
#: named ("can I trade the red beanie for the white one?" is an exchange, not a colour question).
_POLICY = re.compile(r"\b(?:money back|swap|exchange|trade (?:it|them|my|the|this|that|an?)|"
                     r"change\b.{0,25}\b(?:sizes?|colou?rs?)|"
                     # "Should've been L, too late to change it?": the order put right, not the size it names.
                     r"too late to (?:change|cancel|modify|edit|fix|update|correct|swap|switch|undo)|"
                     # "Available to ship now?" asks the product's stock, not the shipping policy.
                     r"return(?:s|ing)?|refund|(?<!available to )(?<!ready to )ship(?:ping|s|ped)?|"
                     r"deliver(?:y|ed)?|cancel|track(?:ing)?|pay(?:ment|pal)?)\b|退货|退款|换货|发货|快递|运费|付款|支付")
#: Colours a fan may name besides the ones the catalogue writes (so "in purple" is a colour, fitting nothing).
_COLOURS = frozenset("""red blue navy white black pink green silver gold grey gray purple violet orange yellow brown
beige teal turquoise cream maroon""".split())
_ZH_COLOURS = re.compile(r"[红蓝白黑粉绿银金灰紫橙黄棕]色")
#: Words of a catalogue question that say nothing about which product (they stay out of the attribute words).
_FILLER = frozenset("""anything something thing item product merch merchandise stuff store shop official sell buy
get got show stream logo price cost one kind type option idea recommend suggest cheap cheaper cheapest expensive
pricy pricey priciest dollar buck available stock left else need want looking look like love good nice great best
please today now right still also wear wears use soon later again going gonna ever fit fits""".split()) | frozenset(
    "东西 商品 有 什么 推荐 卖 买 好 想 需要 便宜 实惠 划算 贵 点 点儿 一点 钱 价格 价钱 多少钱 哪个 款".split())
#: Weather that asks for warm things (a word of the language: a catalogue with nothing warm has nothing for it).
_COLD_WORDS = r"(?:cold|colder|freezing|frozen|icy|chilly|frosty|below (?:zero|freezing))"
_COLD = re.compile(rf"\b{_COLD_WORDS}\b")
#: "Get them something", "what have you got for them?": the people a gift is for (said with an audience).
_FOR_THEM = re.compile(r"\b(?:get|buy|give|gift|find|bring|for|suit|suits) them\b")
#: "What can I buy with it?", "what does that get me": of a budget, the fan's money.
_WITH_IT = re.compile(r"\b(?:with|for) (?:it|that)\b|\b(?:it|that) (?:gets?|buys?) (?:me|us)\b")
#: "It's freezing here": the weather's "it", which points back at no product.
_WEATHER_IT = re.compile(rf"\bit(?:'s|s| is| gets?| will be) (?:so |very |really |super |pretty )?{_COLD_WORDS}\b")
#: A product named by no kind ("a warm thing", "something warm"): the fan's words describe it (`thing`).
_THING = re.compile(r"\b(?:(?:some|any)?things?|items?|stuff|products?|ones?)\b")
#: Where one product's mention ends and the next one's begins ("the beanie or the mittens", "帽子和手套").
_SEPARATOR = re.compile(r",|/|\+|\bvs\.?|\bversus\b|\band\b|\bplus\b|\bminus\b|\bor\b|\bover\b|"
                        r"\binstead of\b|\brather than\b|"
                        r"\bthan\b|\bwith\b|\bto\b|和|跟|与|还是|或者|比")
#: A sentence that asks something (a message's questions are answered one by one).
_ASKED = re.compile(r"[?？]|[吗呢]\W*$")
#: A clause that asks (it ends on a question mark): "the hoodie and the beanie, total?".
_CLAUSE_ASKED = re.compile(r"[^,;:.!?，。！？]+[?？]")
#: The fan points back at what was discussed ("is it in stock?", "which of them is cheaper?").
_BACK_REFERENCE = re.compile(r"\b(?:it|its|it's|they|them|those|these|that one|this one|which one|"
                             r"which of (?:them|those|these|the two|the three|both)|both|"
                             r"either)\b|"
                             r"它|这个|那个|这款|那款|这两|它们")


#: "It's for a winter themed room", "its for my son": the purpose of what the fan looks for, no product discussed.
_PURPOSE_IT = re.compile(r"\bit(?:'s|s| is)(?: all| just| only| mostly)? for\b")
#: "Some of it", "any of them", "is it all ...": a part or the whole of what the sentence names, or of what was
#: discussed.
_PART_OF_IT = re.compile(r"\b(?:some|any|all|none|most|each|either|one) of (?:it|them)\b|\bit all\b")
#: A stock state asked of the whole store ("anything on pre-order?", "what's sold out?"), not of what was discussed.
_STORE_WIDE = re.compile(r"\b(?:anything|something|everything|what's|whats|what is|what are|what else|"
                         r"which (?:products?|items?|things?)|any (?:products?|items?|merch|stuff))\b")

#: "Anything in navy?", "got stuff in white", "any things in red": a colour or size asked of the whole store.
_ANY_IN = re.compile(r"\b(?:anything|something|any ?(?:products?|items?|merch|stuff|things?)|stuff|things)"
                     r"(?: (?:else|at all|you have|you got))? in\b")

#: A question about products (buying, having, selling, their price, "anything", "which of your ..."): only in one
#: is a colour, size or attribute word a catalogue constraint ("In gold?" of the store, not of Norway's medals).
_PRODUCT_ASK = re.compile(
    r"\b(?:buy|buying|bought|purchase|order|ordering|sell|sells|selling|sold|price[ds]?|pricing|costs?|how much|"
    r"come in|comes in|available|products?|items?|merch|merchandise|store|shop|anything|something|any|"
    r"got any|have any|(?:you|u|ya|they|we) (?:have|has|got|sell|carry|stock|make|offer)|which of (?:your|the)|"
    r"what (?:do|can) (?:you|i)|(?:should|could) (?:i|we) (?:get|buy)|recommend|suggest|show me|"
    r"what (?:can|could|should) (?:he|she|they|we) (?:have|get|wear|use)|"
    # "What's in black?", "what comes in navy": the store's things by a colour or a size.
    r"what(?:'s|s| is| are| comes?| do you have| have you got) in|"
    # "Green stuff?", "what's one size fits all?": the store's things by a colour or a size.
    r"stuff|things|gear|size fits all)\b|"
    r"[$€£¥]|有没有|有什么|有哪些|卖|买|多少钱|款|商品|东西|"
    r"有.{0,6}吗")
#: What a comparison may ask besides price, and whether the one asked for has more of it: "which is bigger?"
_DIMENSIONS: tuple[tuple[Dimension, re.Pattern[str], re.Pattern[str]], ...] = (
    ("size", re.compile(r"\b(?:bigger|larger|taller|longer|(?:holds?|fits?|takes?|carr(?:y|ies)) more|more capacity|"
                        r"more room|more volume|more (?:drink|liquid|water|coffee|cocoa|tea))\b|"
                        r"更大|大一点|哪个大|容量大|更高|装得多"),
     re.compile(r"\b(?:smaller|shorter|(?:holds?|fits?|takes?|carr(?:y|ies)) less|less capacity)\b|"
                r"更小|小一点|哪个小")),
    ("weight", re.compile(r"\b(?:heavier|weighs? more)\b|更重|哪个重"),
     re.compile(r"\b(?:lighter|weighs? less|more lightweight)\b|更轻|哪个轻")),
    ("warmth", re.compile(r"\b(?:warmer|keeps? (?:you )?warmer|more insulated|cosier|cozier)\b|更暖|更保暖"),
     re.compile(r"\b(?:cooler|less warm)\b")),
)
#: A measure a description states ("a 500-millilitre bottle", "30 cm"): the number, in its base unit (a volume and
#: a length are both a size, but one is no bigger than the other: only measures in one base are compared).
_MEASURE = re.compile(r"(\d+(?:\.\d+)?)\s*-?\s*(millilit(?:re|er)s?|ml|lit(?:re|er)s?|centimet(?:re|er)s?|cm|"
                      r"met(?:re|er)s?|grams?|g|kilograms?|kg|毫升|升|厘米|米|克|公斤)\b|"
                      r"(\d+(?:\.\d+)?)\s*(毫升|升|厘米|米|克|公斤)")
_UNITS: dict[str, tuple[Dimension, str, float]] = {
    "ml": ("size", "ml", 1.0), "毫升": ("size", "ml", 1.0), "l": ("size", "ml", 1000.0), "升": ("size", "ml", 1000.0),
    "cm": ("size", "cm", 1.0), "厘米": ("size", "cm", 1.0), "m": ("size", "cm", 100.0), "米": ("size", "cm", 100.0),
    "g": ("weight", "g", 1.0), "克": ("weight", "g", 1.0), "kg": ("weight", "g", 1000.0),
    "公斤": ("weight", "g", 1000.0),
}
_UNIT_NAMES = (("millilit", "ml"), ("kilogram", "kg"), ("centimet", "cm"), ("lit", "l"), ("met", "m"), ("gram", "g"))
#: Description words that speak of a dimension without a measure ("a warm knit beanie", "a light bottle").
_DIMENSION_WORDS: dict[Dimension, frozenset[str]] = {
    "size": frozenset({"big", "large", "small", "mini", "迷你"}),
    "weight": frozenset({"light", "lightweight", "heavy", "轻"}),
    "warmth": frozenset({"warm", "fleece", "insulated", "thermal", "lined", "保暖", "加绒"}),
}
#: What the catalogue never states of a product: how well it sells, how popular it is, how fans rate it.
_NOT_IN_CATALOGUE = re.compile(
    r"\b(?:sells? (?:more|better|best|the most|faster|out faster)|(?:selling|sold|sell) (?:more|better|best|the most)|"
    r"best[- ]?sell(?:ers?|ing)|popular|popularity|ratings?|rated|reviews?|reviewed)\b|"
    r"卖得(?:更|最)?好|销量|评分|评价|好评|(?:最|更)受欢迎")
#: "What ages?", "what age is it for?", "适合几岁?": who a product is for by age, which only a description states
#: ("what age are you?", "你几岁" ask the host's).
_AGES_ASKED = re.compile(r"^(?!.*(?:\b(?:you|your|u|ur)\b|你))"
                         r".*(?:\b(?:what|which) ages?\b|\bage (?:range|group|limit)s?\b|"
                         r"\bhow old\b.{0,30}\b(?:for|to use|suitable)\b|几岁|多大的?(?:孩子|小朋友)|年龄)")
#: An age a description states: "for children aged 4 to 10", "ages 3+", "6-12 years", "适合3到8岁".
_AGES_STATED = re.compile(r"\b(?:aged?|ages)\s+\d+\s*(?:to|-|–|and)\s*\d+|\b\d+\s*(?:to|-|–)\s*\d+\s*(?:years?|yrs)|"
                          r"\b(?:aged?|ages)\s+\d+\s*\+|\d+\s*(?:到|至|-)\s*\d+\s*岁|\d+岁")
#: What things are made of: "is it wool?" asks what the product is made of, which only its own words can say.
_MATERIALS = r"(?:wool(?:len)?|merino|cashmere|alpaca|acrylic|cotton|polyester|nylon|spandex|elastane|lycra|silk|" \
             r"linen|leather|suede|fleece|denim|plastic|glass|steel|metal|aluminium|aluminum|titanium|bamboo|" \
             r"wood(?:en)?|ceramic|rubber|silicone|vinyl|enamel)"
_MATERIAL_WORDS = frozenset(w for m in re.findall(r"[a-z]+", _MATERIALS) for w in tokens(m))
#: "Does it come in a gift box?", "does the plush have a tag?", "is the bottle dishwasher safe?": a yes/no question
#: about a product's feature (its words follow the verb).
_FEATURE = re.compile(r"\b(?:comes?|came) with\b|\b(?:packed|packaged|wrapped|boxed) (?:in|with)\b|"
                      r"\b(?:comes?|came) in (?:an? |its own )|\binclude[sd]?\b|\bmade (?:of|from|out of)\b|"
                      r"\b(?:does|do|will) (?:it|they|the .{1,40}?) (?:have|has)\b|"
                      r"\bis (?:it|the .{1,40}?) (?=\w+[- ](?:safe|proof|washable|friendly)\b)|"
                      # "Is the beanie 100% wool or acrylic?": what it is made of, a feature its words may state
                      rf"\b(?:is|are) (?:it|they|the .{{1,40}}?) (?=(?:\d+ ?% ?|pure |real |genuine )?{_MATERIALS}"
                      r"(?: or [\w% ]{1,20}?)?\s*(?:[?!.,]|$))|"
                      r"装在|带.{0,4}吗|是.{0,6}做的")
#: "Do you sell ski boots?": asks whether the store has a kind of product (what follows is the kind).
_SELLS = re.compile(r"\b(?:do|does) (?:you|u|ya|they|y'all|the (?:store|shop))(?: guys| all)? (?:also |even )?"
                    r"(?:sell|carry|stock|offer)\b|\bcan i (?:buy|get|order) (?:any )?")
#: Words of the kind asked for that say no kind ("any", "some", "official").
_KIND_FILLER = frozenset("any some the a an of your in on at for please official".split())


#: "The cheaper one", "the more expensive one": one of the products just compared.
_WHICH_ONE = re.compile(r"\bthe (?:(cheaper|cheapest|less expensive)|(more expensive|pricier|priciest|dearer)) "
                        r"(?:one|of the two|of them)\b|(便宜的那个|便宜那个|便宜的)|(贵的那个|贵那个|贵的)")
#: "The one with the snowflake, what does it cost?": a product told by a feature, up to the rest of the question.
_ONE_WITH = re.compile(r"\b(?:the|that|this) (?:one|thing|item) with (?:the |a |an )?"
                       r"([\w' -]+?)(?=\s*(?:[,.?!;:]|$|\b(?:on|in|what|how|is|does|do|and|please)\b))")
#: Words of a feature question that are not the feature ("does the cheaper one come in a ...").
_FEATURE_FILLER = frozenset("""come comes came with include includes included made from out does do will have has
packed packaged wrapped boxed one two cheaper cheapest less more expensive pricier priciest dearer it they them
is are also too really""".split())


@dataclass(frozen=True)
class _Words:
    """A product's words as `tokens` reads them: its name's, and all of them (name, tags, description, colours)."""

    name: frozenset[str]
    tags: frozenset[str]
    every: frozenset[str]
    audience: frozenset[str]  # the audiences it is for (tags, name or description)


_KIDS_WORDS = frozenset({"kid", "children", "child", "儿童", "小孩", "孩子", "小朋友", "宝宝"})
_GIFT_WORDS = frozenset({"gift", "present", "礼物", "小礼物", "礼盒", "送礼"})


def _stems(text: str) -> frozenset[str]:
    """A text's tokens, and for a word in "-ie" the stem its plural gets ("hoodies" → "hoody" is the "hoodie")."""
    words = tokens(folded(text))
    return frozenset(words) | {w[:-2] + "y" for w in words if w.endswith("ie") and len(w) > 4}


def _kin(word: str, words: frozenset[str] | set[str]) -> bool:
    """One of the words, or of its family by a stem of five letters or more ("clothe" of "clothing")."""
    return word in words or len(word) >= 5 and any(w[:5] == word[:5] for w in words if len(w) >= 5)


#: Words of a kind of product and the words a store may tag that kind with ("clothes": a hoodie tagged "clothing").
_KIND_WORDS = {"clothe": ("clothing", "apparel"), "garment": ("clothing", "apparel"),
               "clothing": ("apparel",), "apparel": ("clothing",),
               # A kind named by its class ("toys", "stuffed animals"): the store may tag it "plush".
               "toy": ("plush",), "stuffed": ("plush", "toy"), "teddy": ("plush", "toy"),
               "softie": ("plush", "toy")}


def _kind_word(token: str, products: Sequence[Product]) -> str:
    """The fan's word for a kind of product as the products' own words have it ("clothe" → "clothing")."""
    if any(token in _words(p).every for p in products):
        return token
    return next((w for w in _KIND_WORDS.get(token, ()) if any(w in _words(p).every for p in products)), token)


#: A compound written with hyphens ("pom-pom", "fleece-lined"): also one word without them.
_HYPHENATED = re.compile(r"\b[a-z]+(?:-[a-z]+)+\b")


def _compounded(words: Sequence[str], known: frozenset[str]) -> list[str]:
    """The words with two neighbours joined where a product writes them as one ("pom pom" → "pompom")."""
    joined: list[str] = []
    for word in words:
        if joined and joined[-1] + word in known:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


#: Endings of a product's word that say a use: "collectible", "collector" are things to "collect".
_USE_ENDING = re.compile(r"(?:ible|able|ors?)$")


@lru_cache(maxsize=4096)
def _words(product: Product) -> _Words:
    name = _stems(product.name)
    tags = _stems(" ".join(product.tags))
    every = name | tags | _stems(f"{product.description} {' '.join(product.colors)}")
    # A compound is one word however it is spelled: the "pom-pom" of a description is also the fan's "pompom".
    every |= _stems(" ".join(w.replace("-", "") for w in _HYPHENATED.findall(folded(product.description))))
    every |= {stem for w in every if len(stem := _USE_ENDING.sub("", w)) >= 5 and stem != w}
    audience = frozenset(kind for kind, words in (("kids", _KIDS_WORDS), ("gift", _GIFT_WORDS)) if words & every)
    return _Words(name, tags, every, audience)


def _amount(match: re.Match[str]) -> list[float]:
    return [float(g) for g in match.groups() if g is not None]


#: English amounts in words ("under twenty dollars", "thirty-five bucks"): tens and teens, with a unit after.
_TENS = {w: 10 * i for i, w in enumerate("ten twenty thirty forty fifty sixty seventy eighty ninety".split(), 1)}
_TEENS = {w: 11 + i for i, w in enumerate("eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen "
                                          "nineteen".split())}
_UNITS_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine".split(), 1)}
_AMOUNT_WORDS = re.compile(rf"\b(?:({'|'.join(_TENS)})(?:[- ]({'|'.join(_UNITS_WORDS)}))?|({'|'.join(_TEENS)})|"
                           r"(a |one )?hundred)\b(?= (dollars?|bucks|euros?|pounds?|quid|usd)\b)")


def _amount_in_digits(m: re.Match[str]) -> str:
    tens, unit, teen, hundred, _ = m.groups()
    if tens:
        return str(_TENS[tens] + (_UNITS_WORDS[unit] if unit else 0))
    return str(_TEENS[teen]) if teen else "100"


def _price_limit(text: str, products: Sequence[Product]) -> tuple[PriceLimit | None, str]:
    """The price range asked for and the text without it (so its numbers name no product)."""
    written = tuple((float(_amount_in_digits(m)), f"{m.group(0)} {m.group(5)}") for m in _AMOUNT_WORDS.finditer(text))
    text = _AMOUNT_WORDS.sub(_amount_in_digits, text)
    if (m := _BETWEEN.search(text)) and len(values := _amount(m)) >= 2:
        low, high = sorted(values[:2])
        return PriceLimit(below=high, above=low, written=written), text[:m.start()] + " " + text[m.end():]
    below, above = (m if m and not _OF_A_PERSON.search(text[:m.start()]) or m and _CURRENCY.search(m.group(0))
                    else None for m in (_BELOW.search(text), _ABOVE.search(text)))
    if below and above and below.start() <= above.start() < below.end():
        above = None  # the "more than" of "don't spend more than $20" is part of the limit below
    if below or above:
        limit = PriceLimit(below=_amount(below)[0] if below else None, above=_amount(above)[0] if above else None,
                           written=written, budget=bool(below and _FANS_MONEY.search(below.group(0))))
        for m in sorted((m for m in (below, above) if m), key=lambda m: -m.start()):
            text = text[:m.start()] + " " + text[m.end():]
        return limit, text
    if m := _CHEAPER_THAN.search(text):
        named = _mentions(text[m.end():], products)
        if len(named) == 1:
            return PriceLimit(than=named[0]), text[:m.start()]
    return None, text


#: A count before a product's name ("two beanies", "2 hoodies", "3x pin set", "2 of the beanie", "a pair of goggles"
#: is one), and the words that may stand between them: nothing else ("hw much 4 the beanie": chat's "for"; "the two
#: of them": both, no count).
_COUNT = {"a": 1, "an": 1, **_UNITS_WORDS, "ten": 10}
_COUNTED = re.compile(r"(\d{1,2})\s*[x×]?")
_COUNT_FILLER = re.compile(r"^(?:[x×]\s+)?(?:(?:pairs? )?of\s+(?:the\s+)?)?([\w'-]+)")


def _quantities(text: str, products: Sequence[Product], named: Sequence[Product]) -> tuple[int, ...]:
    """How many of each named product the fan asks for: a count right before the words that name it; one where
    none is said. A number before anything else is no count ("for my 8 year old" is an age; a budget was taken
    out of the text before)."""
    counts = dict.fromkeys(named, 1)
    for stretch in _SEPARATOR.split(text):
        found = _stretches(stretch, products)
        if len(found) != 1 or len(found[0]) != 1 or found[0][0] not in counts:
            continue
        product = found[0][0]
        own = _words(product).name | _words(product).tags
        words = re.findall(r"[\w'×-]+", stretch)
        for i, word in enumerate(words):
            digits = _COUNTED.fullmatch(word)
            count = int(digits.group(1)) if digits else _COUNT.get(word)
            following = _COUNT_FILLER.match(" ".join(words[i + 1:]))
            these = i > 0 and words[i - 1].lower() == "the" and words[i + 1:i + 2] == ["of"]
            if count and following and not these and set(_stems(following.group(1))) & own:
                counts[product] = count
                break
    return tuple(counts[p] for p in named)


def _mentions(text: str, products: Sequence[Product]) -> tuple[Product, ...]:
    """The products a text names, in the order named."""
    return tuple(dict.fromkeys(p for found in _stretches(text, products) for p in found))


def _chosen(text: str, products: Sequence[Product]) -> bool:
    """A choice between products, each named alone ("the hoodie or the beanie", "goggles or beanie"); "do you ski
    or snowboard?" names no product alone ("ski" is the gloves' and the goggles')."""
    return sum(len(found) == 1 for found in _stretches(text, products)) >= 2 and bool(_CHOICE.search(text))


def _stretches(text: str, products: Sequence[Product]) -> list[list[Product]]:
    """The products each stretch between separators names ("the beanie or the mittens"): those with most of its
    words in their names (all of them when several tie: "the bottle"); a stretch whose words are in no name but
    in one product's tags ("the hat") names that product."""
    named: list[list[Product]] = []
    colours = _COLOURS | {folded(c) for p in products for c in p.colors}  # "glacier" of "glacier blue" is a name
    for stretch in _SEPARATOR.split(text):
        words = set(tokens(stretch)) - _FILLER
        if not words:
            continue
        # A colour names no product ("the plush in blue" is the plush, "anything in blue?" no product; "the glacier
        # blue one" is the hoodie by "glacier").
        scores = {p.id: len(words - colours & _words(p).name) for p in products}
        best = max(scores.values(), default=0)
        if best:
            tied = [p for p in products if scores[p.id] == best]
            if len(tied) == 1 or not _names_something_else(stretch, tied, products):
                named.append(tied[:AMBIGUOUS])
            continue
        # A tag names a product only when it is that product's alone ("hat"); one many share is an attribute
        # ("warm"), which picks products out of the catalogue instead.
        tagged = [p for p in products if words & _words(p).tags]
        if len(tagged) == 1:
            named.append(tagged)
    return named


def _names_something_else(stretch: str, tied: Sequence[Product], products: Sequence[Product]) -> bool:
    """A name word several products share, followed by an activity no product has ("ski jumping", "ski racing"),
    is part of a sport's name, not a product, and so is one followed by the sport's players ("ski jumpers"): "ski
    gloves" and "ski goggles" are both products, "which jumper started ski jumping?" asks about the sport ("which
    bottle comes in more colours?" still asks of the bottles)."""
    shared = frozenset.intersection(*(_words(p).name for p in tied))
    catalogue = frozenset().union(*(_words(p).every for p in products)) | _FILLER
    words = tokens(stretch)
    return any(word in shared and following.endswith(("ing", "er", "ers")) and following not in catalogue
               for word, following in zip(words, words[1:], strict=False))


def _colour(text: str, products: Sequence[Product], named: Sequence[Product]) -> str | None:
    """A colour the fan names; a word of a named product's name only after "in" ("the Glacier Blue hoodie" is the
    hoodie, "does the hoodie come in blue?" asks a colour)."""
    catalogue = {w for p in products for c in p.colors for w in tokens(folded(c))}
    in_names = {w for p in named for w in _words(p).name}
    for word in re.findall(r"[a-z]+", text):
        if (word in _COLOURS or word in catalogue) and (
                word not in in_names or re.search(rf"\bin (?:an? |the )?{word}\b", text)):
            return word
    m = _ZH_COLOURS.search(text)
    return m.group(0) if m else None


def _size(text: str) -> str | None:
    m = _SIZE.search(text)
    if not m:
        return None
    size = re.sub(r"^(?:in (?:an? )?|size )", "", m.group(0))
    if size.startswith("kids"):  # "kids' sizes", "kids S": the store writes "kids S"
        size = re.sub(r"^kids'?\s*(?:size\s+)?", "kids ", size).strip()
        return "kids" if size.startswith("kids size") else size
    return _size_key(_SIZE_WORDS.get(size, size))


def _size_key(size: str) -> str:
    """A size in one spelling, the fan's or the store's: "2XL", "xx-large" and "XXL" are all "xxl"."""
    size = folded(size).strip()
    m = _EXTRA_SIZE.match(size)
    if m is None:
        return size
    times = int(m.group(1)) if m.group(1) else len(m.group(2) or "") or m.group(3).count("extra")
    return "x" * times + m.group(4)[0]


#: What someone does, said of them ("my teen who snowboards", "my son skis", "he loves to skate"): the verb is read as
#: the activity a product is for (`_activity`).
_DOES = re.compile(r"(\b(?:who|he|she|they|(?:my|our) \w+)\s+"
                   r"(?:\w+ly |also |just |(?:loves?|likes?|wants?|learn(?:s|ing)?) to )?)(?!who\b)([a-z]{3,})\b")


def spelled(text: str, knowledge: Knowledge) -> str:
    """The message with chat spelling written out ("u", "wats") and a typo of a catalogue question's word read as
    that word ("cheapst" as "cheapest"): only a word of five letters or more that nothing the host knows uses and
    no common English word is; what someone does, as its activity ("who snowboards": "who snowboarding")."""
    text = folded(text)
    for pattern, written in _CHAT:
        text = pattern.sub(written, text)
    text = _DOES.sub(lambda m: m.group(1) + (_activity(m.group(2), knowledge) or m.group(2)), text)
    return re.sub(r"[a-z]{5,}", lambda m: _respelled(m.group(0), knowledge), text)


def _activity(verb: str, knowledge: Knowledge) -> str | None:
    """The activity a verb does ("snowboards", "skis", "skate" → "snowboarding", "skiing", "skating") when some
    product's words have it; None otherwise."""
    stem = verb[:-1] if verb.endswith("s") else verb
    forms = (f"{stem}ing", f"{stem[:-1]}ing") if stem.endswith("e") else (f"{stem}ing",)
    return next((w for w in forms if any(w in _words(p).every for p in knowledge.products)), None)


@lru_cache(maxsize=4096)
def _respelled(word: str, knowledge: Knowledge) -> str:
    """One word as `spelled` reads it (cached: a chat repeats its words)."""
    # A common English word is none of these words misspelt ("nothing for kids" is no "anything for kids"), as the
    # engine reads a product name's typos.
    # "Anything for skiers?", "what have you got for snowboarders": the people of an activity a product is tagged
    # with ("skiing", "snowboarding") ask for what it is for.
    doer = re.fullmatch(r"([a-z]{3,})ers?", word)
    if doer and f"{doer.group(1)}ing" in _tag_words(knowledge):
        return f"{doer.group(1)}ing"
    if word in CATALOGUE_WORDS or word in english_words() or (t := tokens(word)) and t[0] in _known_words(knowledge):
        return word
    near = difflib.get_close_matches(word, CATALOGUE_WORDS, n=1, cutoff=0.8)
    return near[0] if near else word


@lru_cache(maxsize=8)
def _tag_words(knowledge: Knowledge) -> frozenset[str]:
    return frozenset(w for p in knowledge.products for w in _words(p).tags)


@lru_cache(maxsize=8)
def _known_words(knowledge: Knowledge) -> frozenset[str]:
    return _other_words(knowledge) | {w for p in knowledge.products for w in _words(p).every}


#: "The sold out gloves or the preorder goggles, which is cheaper?": a state said before a product's name points at
#: the product, it asks nothing of its stock.
_STOCK_BEFORE_NAME = re.compile(r"\b(the|those|these|that|this) (?:sold[- ]out|pre[- ]?order(?:ed)?|out of stock|"
                                r"in[- ]stock|low[- ]stock) (?=[a-z])")


def _stock_ask(text: str) -> StockAsk | None:
    text = _STOCK_BEFORE_NAME.sub(r"\1 ", _NOT_UNAVAILABLE.sub(" in stock ", text))
    for state, pattern in _STOCK:
        if pattern.search(text):
            return state
    return "buy" if _BUY.search(text) else "any" if _AVAILABLE.search(text) else None


def parse_question(text: str, knowledge: Knowledge) -> CatalogueQuestion:
    """What a fan asks about the catalogue (every field empty for a message that asks nothing of it)."""
    products = knowledge.products
    text = with_digits(folded(text))
    youth_team = bool(_YOUTH_TEAM.search(text))
    text = _MATCHING.sub(" ", _YOUTH_TEAM.sub(" ", text))
    price, rest = _price_limit(text, products)
    order: Literal["cheapest", "priciest", "cheap"] | None = (
        "cheapest" if _CHEAPEST.search(text) else "priciest" if _PRICIEST.search(text)
        else "cheap" if _CHEAP.search(text) else None)
    count = 1
    if order != "cheap" and (top := _TOP.search(rest)):
        written = top.group(1) or top.group(2) or top.group(3)
        count = _NUMBER_OF_WORD.get(written) or int(written)
        rest = rest[:top.start()] + " " + rest[top.end():]
    rank = 1
    if rank_said := _RANK.search(rest):
        rank = _RANK_WORDS.get(rank_said.group(1)) or int(rank_said.group(1)[0])
        rest = rest[:rank_said.start()] + " " + rest[rank_said.end():]
    # The superlative's own words ("highest", "most") say no attribute of a product.
    rest = _PRICIEST.sub(" ", _CHEAPEST.sub(" ", rest))
    excluded: Audience | None = None
    if not_for := _NOT_AUDIENCE.search(rest):
        excluded = "gift" if not_for.group(2) else "kids"
        # Every way it is said goes: "for a grown-up, so nothing for kids" asks for no kids' things twice.
        rest = _NOT_AUDIENCE.sub(" ", rest)
    # "Not clothes pls, something to collect": a kind the fan rules out is no attribute asked for.
    kinds = {w for p in products for w in _words(p).tags | _words(p).name}
    unwanted = tuple(dict.fromkeys(t for m in _NOT_KIND.finditer(rest) for t in tokens(m.group(1)) if _kin(t, kinds)))
    rest = _NOT_KIND.sub(lambda m: " " if set(tokens(m.group(1))) & set(unwanted) else m.group(0), rest)
    if not excluded and (order or price) and _FOR_ME.search(rest):
        # "The cheapest warm thing for me": the fan shops for themself, a grown-up; only in a question that picks
        # from the catalogue ("got a fact for me?" asks none).
        excluded = "kids"
    audience: Audience | None = "kids" if youth_team or _KIDS.search(rest) else "gift" if _GIFT.search(rest) else None
    rest = _GIFT.sub(" ", _KIDS.sub(" ", rest))
    size = _size(rest)
    rest = _SIZE.sub(" ", rest)
    # The stock phrase's words ("come back", "sold out") say no attribute of a product, as the superlative's.
    rest = _NOT_UNAVAILABLE.sub(" ", rest)
    for _, pattern in _STOCK:
        rest = pattern.sub(" ", rest)
    named = _mentions(rest, products)
    colour = _colour(rest, products, named)
    # "Is the plush more than the pin set?": "more than" a product (not an amount: that is a limit, taken out of
    # `rest` above) asks which costs more.
    more_than = _MORE_THAN.search(rest)
    direction: Literal["cheaper", "pricier"] | None = (
        "pricier" if _PRICIER.search(text) or more_than and _mentions(rest[more_than.end():], products)
        else "cheaper" if _CHEAPER.search(text) or price and price.than else None)
    # Cold weather asks for what keeps the fan warm ("it's freezing here", "a cold walk to school"): the products
    # whose tags or description say so.
    rest = _COLD.sub(" warm ", rest)
    # "Which sizes?", "what colours?" ask an attribute of products, no word of anything else the host knows.
    rest = _SIZE_ASK.sub(" ", _COLOUR_ASK.sub(" ", rest))
    # Attribute words as the fan wrote them ("warm", "skiing"); Chinese has no spaces: its words as jieba cuts them.
    written = [w for run in re.findall(r"[\w'-]+", rest) for w in (tokens(run) if CJK.search(run) else [run])]
    content = [(w, _kind_word(t[0], products)) for w in written
               if (t := tokens(w)) and t[0] not in _FILLER and t[0] not in _COLOURS and not t[0].isdigit()]
    surface = [token if token != tokens(w)[0] else w for w, token in content
               if any(token in _words(p).every for p in products)]
    off_catalogue = tuple(dict.fromkeys(token for w, token in content if w not in surface))
    counts = _quantities(rest, products, named)
    compare = bool(_COMPARE.search(text) or direction or not price and _chosen(rest, products))
    # "How much for 2 hoodies?": the price of several of a product is their sum ("two beanies or the goggles, which
    # costs more?" compares the sums).
    several = sum(counts) > len(counts) and not compare
    arithmetic: Arithmetic | None = (
        "gap" if _GAP.search(text) else "total" if _TOTAL.search(text) and (
            _PRICE_ASKED.search(text) or only_sum_asked(text)) or several and _PRICE_ASKED.search(text) else None)
    dimension: tuple[Dimension, str, bool] | None = None
    for kind, more, less in _DIMENSIONS:
        if m := more.search(text) or less.search(text):
            dimension = (kind, m.group(0), bool(more.search(text)))
            break
    stock = _stock_ask(text) or ("restock" if named and _WHEN_BACK.search(text) else
                                 "sold_out" if named and _GONE.search(text) else None)
    if stock == "any" and named and _LEFT.search(text):
        stock = "in_stock"  # "any beanies left in red?": whether the named one is in stock, not only its colour
    return CatalogueQuestion(
        named=named, words=tuple(dict.fromkeys(surface)), price=price, order=order, count=count, rank=rank,
        audience=audience,
        excluded=excluded if excluded != audience else None, unwanted=unwanted,
        colour=colour, size=size, asks_colours=bool(_COLOUR_ASK.search(text)),
        asks_sizes=bool(_SIZE_ASK.search(text)),
        stock=stock,
        compare=compare,
        direction=direction, asks_price=bool(_PRICE_ASKED.search(text)),
        difference=bool(_DIFFERENCE.search(text)) and direction is None, arithmetic=arithmetic,
        listing=bool(_LISTING.search(text)),
        off_catalogue=off_catalogue, elsewhere=bool(set(off_catalogue) & _other_words(knowledge)),
        about_products=bool(_PRODUCT_ASK.search(text)), dimension=dimension,
        feature=_feature(text, products) if size is None and colour is None else (),
        missing=_missing(rest, products) if not (price or audience or size or colour) else None,
        thing=bool(_THING.search(rest)), counts=counts, ships=bool(_PRODUCT_SHIPS.search(text)),
        # "My husband skis, any ideas?": what someone does (read as its activity by `spelled`) is an occasion.
        recommend=bool(_RECOMMEND.search(text)) and any(_tagged(w, products) for w in surface) or any(
            _tagged(m.group(2), products) for m in _DOES.finditer(text)) or bool(
            _NEED.search(text)) and bool(surface) and any(all(set(tokens(w)) <= _words(p).every for w in surface)
                                                         for p in products))


def states_budget(text: str) -> bool:
    """The text says what the fan can spend ("I've only got $40.", "my budget is 30 bucks"): the question after
    it is asked within that budget."""
    limit, _ = _price_limit(with_digits(folded(text)), ())
    return limit is not None and limit.below is not None and limit.above is None


#: "My daughter only wears pink": the colour the one the fan shops for wears.
_WEARS = re.compile(rf"\b(?:wears?|wearing|likes?|loves?|fav(?:ou?rite)? colou?r is)\b.*\b(?:{'|'.join(_COLOURS)})\b")


def states_occasion(text: str) -> bool:
    """The text tells whom the fan shops for, the colour they wear or the weather ("my boy is 7", "she only wears
    pink", "it's freezing here"): the question beside it asks for that."""
    text = with_digits(folded(text))
    return bool(_KIDS.search(text) or _COLD.search(text) or _WEARS.search(text))


def states_size(text: str) -> bool:
    """The text names the size the fan shops for ("I'm a big fella, XXL.", "he wears size M"): the question beside
    it asks for that size."""
    return bool(_SIZE.search(with_digits(folded(text))))


#: Chat's openers before a clause ("ok so both together?"): they ask nothing of their own.
_OPENERS = re.compile(r"^\W*(?:(?:ok|okay|k|alright|right|well|hmm|and|so|then)\W+)+")


def asks_stock_only(text: str, knowledge: Knowledge) -> bool:
    """"Do you have the bottle in stock?": a question each product answers with its own state, so a name that fits
    several is answered for each of them rather than asked back (a price, colour or size asks of one)."""
    q = parse_question(spelled(text, knowledge), knowledge)
    return q.stock is not None and not (q.asks_colours or q.asks_sizes or q.colour or q.size or q.price or
                                        q.compare or q.asks_price or q.arithmetic or q.feature or q.order)


def asks_colour_or_size(text: str, knowledge: Knowledge) -> bool:
    """"What colours can I get it in?", "can I order one in XL?": a colour or a size asked, whatever else is."""
    q = parse_question(spelled(text, knowledge), knowledge)
    return bool(q.asks_colours or q.asks_sizes or q.colour or q.size)


def only_sum_asked(text: str) -> bool:
    """A clause that asks nothing but the sum ("total?", "ok so both together?", "all together then?"): said of
    products it asks their prices' sum, as "how much" would ("do they go together?" has a verb of its own)."""
    return any(_TOTAL.search(c) and not tokens(_TOTAL.sub(" ", _OPENERS.sub(" ", c)))
               for c in _CLAUSE_ASKED.findall(text))


def _missing(text: str, products: Sequence[Product]) -> str | None:
    """The kind of product a "do you sell X?" asks for (the fan's words) when one of its words is no product's,
    not even nearly ("boots" of "ski boots"; "plushies" is near "plush"). Only "sell", "carry", "stock", "offer"
    and "can I buy" ask it: "do you have anything about curling?" may ask for a fact."""
    m = _SELLS.search(text)
    if not m:
        return None
    phrase = re.split(r"[?？!.,;]", text[m.end():])[0].strip()
    # The kind ends where a place or a time begins ("a snowboard in your store", "boots right now").
    phrase = re.split(r"\b(?:in|at|from|on|online|here|there|right now|now|today|tonight)\b", phrase)[0]
    written = [w for w in re.findall(r"[a-z][a-z'-]*", phrase) if w not in _KIND_FILLER]
    known = {w for p in products for w in _words(p).every} | _COLOURS
    unknown = [t for w in written for t in tokens(w)
               if t not in known and t not in _FILLER and not any(_near(t, k) for k in known)]
    # "Stuffed animals": a word for a kind the store tags in its own words ("plush") names that kind.
    if not unknown or any(_kind_word(t, products) != t for w in written for t in tokens(w)):
        return None
    return " ".join(written) or None


def _near(word: str, known: str) -> bool:
    """A plural, a stem or a typo of a catalogue word ("plushies" of "plush", "beanys" of "beanie")."""
    if len(word) < 4 or len(known) < 4:
        return False
    # Near enough is safe: a kind taken for a product's is answered by the engine as usual, never "we don't".
    # Sharing a first syllable is not enough: "snowboards" is no "snowflake".
    return word.startswith(known) or (abs(len(word) - len(known)) <= 2
                                      and difflib.SequenceMatcher(None, word, known).ratio() >= 0.7)


def _feature(text: str, products: Sequence[Product]) -> tuple[str, ...]:
    """The words of a feature a yes/no question asks of a product ("gift", "box" of "does it come in a gift
    box?"): the content words after the verb that are no product's name, no comparison and no filler."""
    m = _FEATURE.search(text)
    if not m:
        return ()
    names = {w for p in products for w in _words(p).name}
    # The feature is asked in its own clause: "does it come in a box? it's for my grandson" asks of a box only.
    after = re.split(r"[?？.!！;]", text[m.end():], maxsplit=1)[0] if m.group(0).strip() else text
    # "Does it come in a box or loose?" asks one of two: the first that a product's words hold (else the first).
    alternatives = [[w for w in tokens(part) if w not in names and w not in _FILLER and w not in _FEATURE_FILLER
                     and not w.isdigit()] for part in re.split(r"\bor\b|还是|或者", after)]
    every = frozenset(w for p in products for w in _words(p).every)
    alternatives = [_compounded(words, every) for words in alternatives if words] or [[]]
    held = next((words for words in alternatives if any(set(words) <= _words(p).every for p in products)), None)
    return tuple(dict.fromkeys(held or alternatives[0]))


@lru_cache(maxsize=8)
def _other_words(knowledge: Knowledge) -> frozenset[str]:
    """The words of everything the host knows besides the products: fun facts, FAQs and her about lines."""
    texts = [f"{f.text} {' '.join(f.tags)}" for f in knowledge.fun_facts]
    texts += [f"{q.question} {q.answer}" for q in knowledge.faqs]
    texts += [f"{a.text} {' '.join(a.tags)}" for a in knowledge.about]
    return frozenset(tokens(folded(" ".join(texts))))


# -- answering ------------------------------------------------------------------------------------------------------


def answer_catalogue(text: str, knowledge: Knowledge, context: Sequence[Product],
                     wording: Wording) -> CatalogueReply | None:
    """The answer to a catalogue question with constraints, from the products' fields; None when the message is
    not one (a plain "how much is the beanie?" is the engine's product pitch). `context` is the products the fan
    was just talking about: "is it in stock?", "which of them is cheaper?" are about them. A message of several
    questions is answered question by question when every one is a catalogue question ("What's the cheapest? Is
    it in stock?": each answer's products are the next one's context), else None."""
    if not knowledge.products:
        return None
    questions = [s for s in sentences_of(text) if _ASKED.search(s)]
    if len(questions) <= 1:
        return _answer(text, knowledge, context, wording)
    replies: list[CatalogueReply] = []
    for question in questions:
        before = replies[-1].products if replies else context
        if replies and replies[-1].group and parse_question(spelled(question, knowledge), knowledge).arithmetic:
            # "Goggles or beanie for snowboarding? price diff?": a sum or difference of the products chosen among.
            before = replies[-1].group
        reply = _answer(question, knowledge, before, wording)
        if reply is None:
            return None
        replies.append(reply)
    return CatalogueReply(replies[0].intent, tuple(s for r in replies for s in r.sentences),
                          tuple(dict.fromkeys(p for r in replies for p in r.products)))


def _answer(text: str, knowledge: Knowledge, context: Sequence[Product], wording: Wording) -> CatalogueReply | None:
    """One question's answer (answer_catalogue's)."""
    policy = _POLICY.search(folded(text))
    if policy and not _PRODUCT_SHIPS.search(folded(text)):
        return None
    text = spelled(text, knowledge)
    q = parse_question(text, knowledge)
    if policy and not q.named:
        return None  # "when will my order ship?": the shipping policy
    # "A fun fact for my son?": a fact asked for a child is still a fact, whom it is for picks no product.
    audience_only = q.audience is not None and bool(_FACT_ASKED.search(text)) and not (q.price or q.order or q.excluded)
    if _LEARN.search(text) and not (q.named or (q.filtered and not audience_only) or q.stock not in _ASKS_OF_NAMED
                                    or q.colour or q.size) and (
            set(t for w in q.words for t in tokens(w)) <= _other_words(knowledge)) and not _STORES.search(text):
        return None  # "teach me something about skiing": the facts' topic ("your warm stuff" is the store's)
    unreferring = _WEATHER_IT.sub(" ", folded(text))
    if q.audience is not None:
        # "My kids are 5 and 8, what can I get them?": the ones a gift is for, not products discussed.
        unreferring = _FOR_THEM.sub(" ", unreferring)
    if q.price is not None and q.price.budget:
        # "I've got $50, what's the priciest thing I can get with it?": "it" is the fan's money, no product.
        unreferring = _WITH_IT.sub(" ", unreferring)
    if not context:
        # "Is all the merch in stock or is some of it gone?": with nothing discussed, "some of it" is of what the
        # question names itself; "it's for a winter room" is what the fan is after.
        unreferring = _PURPOSE_IT.sub(" ", _PART_OF_IT.sub(" ", unreferring))
    back_reference = bool(_BACK_REFERENCE.search(unreferring))
    which_one = _WHICH_ONE.search(folded(text))
    if which_one and not q.named and len(context) >= 2:
        # "the cheaper one" of the products just compared: that one is the subject.
        cheaper = bool(which_one.group(1) or which_one.group(3))
        context = ((min if cheaper else max)(context, key=lambda p: p.price),)
        back_reference = True
    if back_reference and not q.named and not context:
        return None  # "is it in stock?" from a fan with nothing discussed: the engine asks which one
    # A question with the facts' words and no product named or pointed at ("how many gold medals did Norway
    # win?") is not about the products just discussed.
    # "Anything on pre-order?" asks the store, whatever was discussed ("is it on pre-order?" asks of that).
    store_wide = q.stock not in _ASKS_OF_NAMED and bool(_STORE_WIDE.search(folded(text)))
    discussed = tuple(context) if back_reference or not (q.words or q.elsewhere or store_wide) else ()
    if q.colour and q.named and _ANY_IN.search(folded(text)) and \
            not any(_fits(p, replace(q, words=())) for p in q.named):
        # "Got anything in navy blue, that's my team colour": a colour asked of the whole store is answered from
        # every product's colours; a product the message names by the way ("team") that does not come in it is no
        # subject.
        names = frozenset().union(*(_words(p).name for p in q.named))
        q = replace(q, named=(), words=tuple(w for w in q.words if not set(tokens(w)) & names))
    subject = q.named or discussed
    if (q.named or context) and _AGES_ASKED.search(text):
        return _ages(q.named or tuple(context), wording)
    if subject and _NOT_IN_CATALOGUE.search(text):
        # "Which sells more, the beanie or the hoodie?": no field says; never a price comparison in its place.
        return CatalogueReply("comparison" if len(subject) > 1 else "catalogue_query",
                              (declined(wording.not_in_catalogue),), tuple(subject[:AMBIGUOUS]))
    if q.feature and subject and q.stock is None and not (q.asks_colours or q.asks_sizes):
        return _feature_reply(subject[:AMBIGUOUS], q.feature, wording)
    if q.direction and (sides := _sides(text, knowledge.products)):
        return _sum_against(*sides, wording, q)
    if (q.asks_price or _AS_PRICEY.search(folded(text))) and (multiple := _multiple_asked(text, knowledge.products)):
        return _multiple(*multiple, wording)
    if q.arithmetic is not None:
        # "How much for 3 pin sets?": one product counted several times is a sum too.
        priced = _compared(q, context, back_reference=True) or (q.named if sum(q.counts) > 1 else ())
        if len(priced) == 2 or q.arithmetic == "total" and (len(priced) > 2 or sum(q.counts) > 1):
            return _arithmetic(priced, q.arithmetic, wording, q=q)
    if sum(q.counts) >= 2 and q.price and q.price.below is not None and q.price.above is None and \
            q.price.than is None and not (q.compare or q.listing or q.order in ("cheapest", "priciest")
                                          or _CHOICE.search(folded(text))):
        # "I have $30, enough for the mittens plus the squeeze bottle?": their sum against the budget ("I only have
        # $50, hoodie or goggles?" is a choice; "my budget is $45" says "cheap" with the limit, no order of its own).
        return _arithmetic(q.named, "total", wording, budget=q.price, q=q)
    superlative = q.order in ("cheapest", "priciest") and q.count == 1 and q.rank == 1 and not (
        q.price or q.audience or q.excluded or q.words)
    counted = _compared(q, context, back_reference=True) if q.compare and _HOW_MANY_MORE.search(text) else ()
    if len(counted) >= 2 and q.asks_colours != q.asks_sizes:
        field: Literal["colours", "sizes"] = "colours" if q.asks_colours else "sizes"
        if all(getattr(p, "colors" if q.asks_colours else "sizes") for p in counted):
            return _counts_compared(counted, field, bool(_FEWER.search(text)), wording)
    if q.compare and len(subject) == 1 and len(colours := _colours_named(text, subject[0])) > 1:
        return _colours_compared(subject[0], colours, wording)
    asks_attribute = q.asks_colours or q.asks_sizes or q.stock is not None or (
        (q.colour or q.size) and bool(subject))
    if (q.compare or superlative or q.dimension) and not asks_attribute:
        back = q.compare or back_reference or q.dimension is not None
        compared = _of_kind(_compared(q, context, back_reference=back), text)
        if compared and q.dimension is not None:
            return _dimension_comparison(compared, q.dimension, wording)
        choice = q.direction is None and q.order is None and not q.difference
        asked = _asked_feature(q, compared) if choice else ()
        if compared and choice and (asked or q.audience or q.excluded or not q.asks_price):
            # "Which is the better gift?", "goggles or beanie for snowboarding?": a choice, not a price question.
            return _feature_comparison(compared, asked, q, wording, fitting=bool(_FIT.search(folded(text))))
        if compared:
            return _comparison(compared, q, wording)
        if q.direction == "cheaper" and len(context) == 1 and q.listing and not (
                q.named or q.filtered or q.words or q.off_catalogue):
            # "Anything cheaper?" after the beanie: the store's products cheaper than it.
            return _listing(replace(q, price=PriceLimit(than=context[0])), knowledge.products, wording)
        if q.direction and len(context) == 1 and not (q.named or q.filtered or q.listing or q.words or
                                                      q.off_catalogue):
            # "Which one's cheaper?" with one product discussed: its price, and which one to compare it with
            # ("anything cheaper for kids?" asks the catalogue); "cheaper one?" of a bottle, with another bottle in
            # the store, asks for that one.
            kind = _kind_of(context[0], knowledge.products)
            if any((p.price > context[0].price) == (q.direction == "pricier") and p.price != context[0].price
                   for p in kind):
                return _comparison((context[0], *kind), q, wording)
            return _compare_with(context[0], wording)
    # "Mittens for my 8 year old, what sizes are there": who a named product is for picks nothing out of the
    # catalogue; its sizes are asked (a price or an order still picks).
    # "Which sizes, she's 8" of the kids' mittens discussed: they are for her, so the constraint picks nothing new.
    picks = q.price or q.order or (q.filtered and not q.named and not (
        discussed and q.audience and not q.excluded and all(_fits(p, q) for p in discussed)))
    if subject and asks_attribute and not picks:
        reply = _attributes(subject[:AMBIGUOUS], q, wording)
        if reply is not None:
            return reply
    if q.missing and not q.feature and q.stock in _ASKS_OF_NAMED:
        # "Do you sell ski boots?": no product of that kind, said so in her words and the fan's (the engine's
        # `_not_sold`, for a product it cannot name, has only the persona's phrase).
        return CatalogueReply("catalogue_query", (declined(wording.no_match.format(constraint=q.missing)),), ())
    if q.weak and not (q.order in ("cheapest", "priciest") and _STORES.search(text)):
        # "The cheapest thing in ur shop, broke til payday": a superlative of the store's things, whatever the
        # fan's other words say of them.
        return None
    if len(q.named) == 1 and q.price and q.price.than is None and not (
            q.listing or q.order or q.words != _named_words(q)):
        # "Is the plush more than 30 dollars?": yes or no, with its price (never "I don't have plush over $30");
        # "I only have $50, hoodie or goggles?" is a choice among them.
        return _price_checked(q.named[0], q.price, wording, described=q.audience is not None)
    # A colour or a size picks products only in a question about products ("in gold?" of the store, never of
    # medals); stock ("what's almost sold out?") always speaks of the store.
    picks_from_catalogue = (q.filtered or (not q.named and (((q.colour or q.size) and q.about_products)
                                                            or q.stock not in _ASKS_OF_NAMED))
                            or (q.listing and bool(q.words) and (not q.named or _described(q, knowledge)))
                            # "Toys??": a kind asked alone by a word of the products' tags, none of their names, is
                            # what the store has of it (the engine's pitch knows products by their names only).
                            or (bool(q.named) and not back_reference and not q.elsewhere
                                and _kind_asked_alone(text, q.named, knowledge))
                            # "Anything with a snowflake on it?": a word of several products' names, asked of the
                            # store, lists them.
                            or (q.listing and len(q.named) > 1 and bool(_STORE_WIDE.search(folded(text)))))
    if picks_from_catalogue and _knowable(q, knowledge.products):
        return _listing(q, knowledge.products, wording)
    return None


def _kind_asked_alone(text: str, named: Sequence[Product], knowledge: Knowledge) -> bool:
    """A question of nothing but words of the named products' tags or descriptions ("toys??", "soft toys?"), no word
    of their names nor of the facts' topics ("snowboarding?" may ask a fact)."""
    tags = frozenset().union(*(_words(p).every for p in named)) - frozenset().union(
        *(_words(p).name for p in named)) - _other_words(knowledge)
    return any((words := set(tokens(clause)) - _FILLER - {"any", "got"}) and words <= tags
               for clause in _CLAUSE_ASKED.findall(text))


def _tagged(word: str, products: Sequence[Product]) -> bool:
    """Some product's tags or name have the word."""
    return any(set(tokens(word)) <= _words(p).tags | _words(p).name for p in products)


def _described(q: CatalogueQuestion, knowledge: Knowledge) -> bool:
    """The fan's words describe a thing or an occasion ("anything waterproof?", "what should I get for
    snowboarding?") and name its products by no word of their names: a tag only one product has names it, yet the
    fan asks what the store has for it ("something fun about snowboarding" asks the facts' topic)."""
    words = {t for w in q.words for t in tokens(w)}
    return (q.recommend or q.thing and not words & _other_words(knowledge)) and not any(
        words & _words(p).name for p in q.named)


def described_by(text: str, knowledge: Knowledge) -> tuple[Product, ...]:
    """The products that come in the colour or size a text names ("the blue one": every product in blue); none
    when it names neither."""
    q = parse_question(text, knowledge)
    if q.colour is None and q.size is None:
        return ()
    told = CatalogueQuestion(named=(), words=(), colour=q.colour, size=q.size)
    return tuple(p for p in knowledge.products if _fits(p, told))


def featured_by(text: str, knowledge: Knowledge) -> tuple[str, tuple[Product, ...]] | None:
    """"The one with the snowflake": the fan's words for it and the products whose words (name, tags, description)
    have the feature; None when the text points at no product by a feature."""
    pointed = _ONE_WITH.search(folded(text))
    feature = _stems(pointed.group(1)) if pointed else frozenset()
    if pointed is None or not feature:
        return None
    return pointed.group(0), tuple(p for p in knowledge.products if feature <= _words(p).every)


def _knowable(q: CatalogueQuestion, products: Sequence[Product]) -> bool:
    """Whether the catalogue can say which products fit: a colour, size or stock asked of a store that writes
    none of them cannot be answered by "none" (the products may well come in red)."""
    return ((q.colour is None or any(p.colors for p in products))
            and (q.size is None or any(p.sizes for p in products))
            and (q.stock in _ASKS_OF_NAMED or any(p.stock for p in products)))


def _compared(q: CatalogueQuestion, context: Sequence[Product], back_reference: bool) -> tuple[Product, ...]:
    """The products a comparison is between: the two (or more) named, one named against the one discussed
    ("is it cheaper than the hoodie?"), or the ones discussed ("which of them is cheaper?")."""
    than = (q.price.than,) if q.price and q.price.than and q.price.than not in q.named else ()
    named = (*q.named, *than)
    if len(named) >= 2:
        return named
    if not back_reference:
        return ()
    if len(named) == 1 and context and named[0] not in context:
        return (*context, named[0])
    if not named and len(context) >= 2:
        return tuple(context)
    return ()


def _of_kind(products: tuple[Product, ...], text: str) -> tuple[Product, ...]:
    """Of the products compared, those of the kind the question names by their name's head ("which bottle holds
    more, the thermal one or the kids one?": the two bottles, not the kids' mittens), when two or more are."""
    words = set(tokens(text))
    # Only a head two of them share is a kind: "pins, plush or the beanie" name each by its own head, all three.
    for word in words:
        kind = tuple(p for p in products if name_head(p) == {word})
        if len(kind) >= 2:
            return kind
    return products


#: "Which ones fit an adult?": a choice asked by who it fits, which its sizes say.
_FIT = re.compile(r"\bfits?\b|\bfitting\b")


def name_head(product: Product) -> frozenset[str]:
    """Its name's last word, what kind of thing it is ("bottle"); empty for a name with no word."""
    return frozenset(tokens(folded(product.name))[-1:])


def _kind_of(product: Product, products: Sequence[Product]) -> tuple[Product, ...]:
    """The other products of its kind: those whose name ends in the same word ("Thermal Bottle", "Squeeze Bottle")."""
    head = name_head(product)
    return tuple(p for p in products if p is not product and head and name_head(p) == head)


def _asked_feature(q: CatalogueQuestion, compared: Sequence[Product]) -> tuple[str, ...]:
    """What a comparison asks besides price ("which keeps drinks hot, the thermal or the squeeze one?"): the fan's
    catalogue words that are none of the compared products' names ("keep", "drink", "hot")."""
    names = {w for p in compared for w in _words(p).name}
    return tuple(dict.fromkeys(t for w in q.words for t in tokens(w) if t not in names and t not in _FILLER))


def _feature_comparison(products: Sequence[Product], asked: tuple[str, ...], q: CatalogueQuestion,
                        wording: Wording, fitting: bool = False) -> CatalogueReply:
    """The one whose description and tags state most of what is asked (and is for the audience asked: "which is
    for kids?", not for the one left out: "for my husband"), with its description (never the cheaper one for it);
    none, or several alike: each one's price and description, no verdict. One that cannot be bought now is said
    so (the choice may be made for it); `fitting` (the fan asks which one fits): the sizes of the one chosen."""
    # A gift for a grown-up ("for a coworker") may be a kids' thing: the audience left out decides only a use.
    excluded = q.excluded if q.audience != "gift" else None
    scores = {p.id: len(set(asked) & _words(p).every) + (q.audience in _words(p).audience)
              + (excluded is not None and excluded not in _words(p).audience) for p in products}
    best = max(scores.values())
    chosen = [p for p in products if scores[p.id] == best]
    sentences: list[Sentence] = []
    if best and len(chosen) == 1:
        sentences.append(Sentence(_agreed(wording.feature_verdict, chosen[0], wording), (chosen[0].id,), chosen[0]))
        told = chosen
    else:
        told = list(products)
    for product in told:
        if len(told) > 1:
            sentences.append(_costs(product, wording))
        sentences.append(Sentence(product.description, (product.id,), product))
        if product.stock in ("sold_out", "preorder"):
            sentences.append(stock_sentence(product, wording))
    if len(told) == 1 and fitting and told[0].sizes:
        # "Mittens or gloves, which fit an adult?": a fit is a size, the one chosen comes in.
        sentences.insert(2, _offered(told[0], told[0].sizes, None, wording.sizes, wording))
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('point')} {sentences[0].text}")
    # The one chosen is the fan's subject ("how much is that one?"), the rest "the other one".
    return CatalogueReply("comparison", tuple(sentences), tuple(told), tuple(products) if len(told) == 1 else ())


def _costs(product: Product, wording: Wording) -> Sentence:
    """One side of a comparison: the product and its price."""
    return Sentence(_agreed(wording.costs, product, wording, price=product.price_text), (product.id,), product)


def _agreed(template: str, product: Product, wording: Wording, lot: int = 1, **values: str) -> str:
    """A template said of a product, or of `lot` of it ("the two Snowflake Knit Beanies are ...")."""
    name = _lot_name(product, lot, wording)
    return template.format(product=name, **wording.agree(name), **values)


def _counted(q: CatalogueQuestion | None, products: Sequence[Product]) -> dict[Product, int]:
    """How many of each product the question asks for (one of those it does not name)."""
    asked = dict(zip(q.named, q.counts, strict=True)) if q is not None and q.counts else {}
    return {p: asked.get(p, 1) for p in products}


def _lot_name(product: Product, count: int, wording: Wording) -> str:
    return product.name if count == 1 else wording.lot(product.name, count)


def _lot_price(product: Product, count: int, wording: Wording) -> str:
    """The price of `count` of a product: its own for one; the sum, and each one's, for several."""
    if count == 1:
        return product.price_text
    return wording.each.format(total=money(round(product.price * count, 2), product.currency),
                               price=product.price_text)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _colours_named(text: str, product: Product) -> list[str]:
    """The product's colours a question names ("silver or black thermal bottle")."""
    words = folded(text)
    return [c for c in product.colors if re.search(rf"\b{re.escape(folded(c))}\b", words)]


def _colours_compared(product: Product, colours: list[str], wording: Wording) -> CatalogueReply:
    """"Silver or black, is one cheaper?" of one product: one price, whichever of its colours."""
    verbs = wording.agree(product.name)
    sentences = (
        Sentence(f"{emotion_tag('happy')} {gesture_tag('point')} "
                 f"{_agreed(wording.costs, product, wording, price=product.price_text)}", (product.id,), product),
        Sentence(wording.colours.format(product=product.name, values=wording.listed(colours), **verbs),
                 (product.id,), product),
        Sentence(wording.same_price, (product.id,)))
    return CatalogueReply("comparison", sentences, (product,))


def _counts_compared(products: tuple[Product, ...], field: Literal["colours", "sizes"], fewer: bool,
                     wording: Wording) -> CatalogueReply:
    """"Which has more colour options, the beanie or the mittens?": how many each comes in (as its field lists
    them), and the one with most (`fewer`: least), or that they come in as many."""
    kind = wording.kinds[field]
    values = {p.id: p.colors if field == "colours" else p.sizes for p in products}
    sentences = []
    for p in products:
        listed = wording.listed(list(values[p.id]))
        n = len(values[p.id])
        # One colour is said as it is ("comes in white"), never counted as "one colours".
        text = _agreed(wording.colours if field == "colours" else wording.sizes, p, wording, values=listed) if n == 1 \
            else _agreed(wording.counted, p, wording, kind=kind, values=listed,
                         count=wording.counts[n] if n < len(wording.counts) else str(n))
        sentences.append(Sentence(text, (p.id,), p))
    pick = min(len(v) for v in values.values()) if fewer else max(len(v) for v in values.values())
    ahead = [p for p in products if len(values[p.id]) == pick]
    if len(ahead) == len(products):
        sentences.append(Sentence(wording.same_number.format(kind=kind), tuple(p.id for p in products)))
    elif len(ahead) == 1:
        sentences.append(Sentence(_agreed(wording.more_of[not fewer], ahead[0], wording, kind=kind), (ahead[0].id,),
                                  ahead[0]))
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('point')} {sentences[0].text}")
    return CatalogueReply("comparison", tuple(sentences), products)


def _comparison(products: tuple[Product, ...], q: CatalogueQuestion, wording: Wording) -> CatalogueReply:
    """The one asked for first (the cheaper, or the more expensive) with its price, then the others' prices; for
    "the difference" each product's description as written after its price. Equal prices: each, and so said."""
    pricier = q.direction == "pricier" or q.order == "priciest"
    counts = _counted(q, products)
    chosen = (max if pricier else min)(products, key=lambda p: p.price * counts[p])
    same = all(p.price * counts[p] == chosen.price * counts[chosen] for p in products)
    two = len(products) == 2
    verdict = ((wording.pricier if two else wording.priciest_of) if pricier
               else (wording.cheaper if two else wording.cheapest_of))
    sentences: list[Sentence] = []
    # The products in the order said: the answer first, so that "and the other one?" is the one not chosen.
    said = products if same else (chosen, *(p for p in products if p is not chosen))
    for product in said:
        template = verdict if product is chosen and not same else wording.costs
        sentences.append(Sentence(_agreed(template, product, wording, counts[product],
                                          price=_lot_price(product, counts[product], wording)), (product.id,),
                                  product))
        if q.difference:
            sentences.append(Sentence(product.description, (product.id,), product))
    if same:
        sentences.append(Sentence(wording.same_price, tuple(p.id for p in products)))
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('point')} {sentences[0].text}")
    return CatalogueReply("comparison", tuple(sentences), said)


def _arithmetic(products: tuple[Product, ...], kind: Arithmetic, wording: Wording,
                budget: PriceLimit | None = None, q: CatalogueQuestion | None = None) -> CatalogueReply:
    """The sum of the products' prices (times how many of each `q` asks for), each price said with it, and whether
    it fits the fan's budget when one was given; or the difference of two, the pricier first. Only prices the
    catalogue states and their sum or difference are said."""
    ids = tuple(p.id for p in products)
    counts = _counted(q, products)
    if kind == "total":
        amount = round(sum(p.price * counts[p] for p in products), 2)
        total = money(amount, products[0].currency)
        items = [wording.listed_item.format(product=_lot_name(p, counts[p], wording),
                                            price=_lot_price(p, counts[p], wording)) for p in products]
        text = (wording.total.format(items=wording.listed(items), price=total) if len(products) > 1 else
                _agreed(wording.costs, products[0], wording, counts[products[0]],
                        price=_lot_price(products[0], counts[products[0]], wording)))
        if budget is not None and budget.below is not None:
            fits = amount <= budget.below
            text += " " + wording.budget[fits].format(budget=budget.said(budget.below, products[0].currency))
    elif products[0].price * counts[products[0]] == products[1].price * counts[products[1]]:
        text = " ".join(_agreed(wording.costs, p, wording, counts[p], price=_lot_price(p, counts[p], wording))
                        for p in products) + " " + wording.same_price
    else:
        # "Two beanies minus the pin set": the gap between what each lot costs.
        pricier, cheaper = sorted(products, key=lambda p: -p.price * counts[p])
        gap = money(round(pricier.price * counts[pricier] - cheaper.price * counts[cheaper], 2), pricier.currency)
        text = _agreed(wording.gap, pricier, wording, counts[pricier], gap=gap,
                       price=_lot_price(pricier, counts[pricier], wording),
                       other=_lot_name(cheaper, counts[cheaper], wording),
                       other_price=_lot_price(cheaper, counts[cheaper], wording))
    return CatalogueReply("comparison", (Sentence(f"{emotion_tag('happy')} {gesture_tag('point')} {text}", ids,
                                                  products[0]),), products)


def _sides(text: str, products: Sequence[Product]) -> tuple[tuple[Product, ...], Product] | None:
    """The several products summed on one side of "than" and the one product on the other ("is the plush plus the
    pin set cheaper than the goggles?"); None for any other comparison."""
    text = with_digits(folded(text))
    than = _THAN.search(text)
    if than is None:
        return None
    before, after = _mentions(text[:than.start()], products), _mentions(text[than.end():], products)
    lot, other = (before, after) if len(after) == 1 else (after, before)
    if len(other) != 1 or len(lot) < 2 or other[0] in lot:
        return None
    return lot, other[0]


def _sum_against(lot: tuple[Product, ...], other: Product, wording: Wording,
                 q: CatalogueQuestion) -> CatalogueReply:
    """The sum of several products' prices, each said with it, then whether it is less or more than the other
    product's price."""
    total = _arithmetic(lot, "total", wording, q=q)
    amount = round(sum(p.price * n for p, n in _counted(q, lot).items()), 2)
    side = "less" if amount < other.price else "more" if amount > other.price else "same"
    against = Sentence(_agreed(wording.against[side], other, wording, price=other.price_text), (other.id,), other)
    return CatalogueReply("comparison", (*total.sentences, against), (*lot, other))


def _multiple_asked(text: str, products: Sequence[Product]) -> tuple[Product, Product, float] | None:
    """The product named before "twice" ("half", "double") and the one after it, and the multiple asked."""
    text = with_digits(folded(text))
    multiple = _MULTIPLE.search(text)
    if multiple is None:
        return None
    before, after = _mentions(text[:multiple.start()], products), _mentions(text[multiple.end():], products)
    if len(before) != 1 or len(after) != 1 or before == after:
        return None
    return before[0], after[0], 0.5 if multiple.group(1) or multiple.group(2) else 2


def _multiple(product: Product, other: Product, times: float, wording: Wording) -> CatalogueReply:
    """Whether the product's price is `times` the other's, with both prices."""
    exact = round(other.price * times, 2) == product.price
    text = _agreed(wording.multiple[exact], product, wording, price=product.price_text, other=other.name,
                   other_price=other.price_text, times=wording.times["half" if times < 1 else "twice"])
    return CatalogueReply("comparison", (Sentence(f"{emotion_tag('happy')} {gesture_tag('point')} {text}",
                                                  (product.id, other.id), product),), (product, other))


def _named_words(q: CatalogueQuestion) -> tuple[str, ...]:
    """The fan's attribute words that are the named products' own name or tag words."""
    return tuple(w for w in q.words if any(set(tokens(w)) <= _words(p).tags | _words(p).name for p in q.named))


def _price_checked(product: Product, price: PriceLimit, wording: Wording, described: bool = False) -> CatalogueReply:
    """Whether the named product's price is in the range the fan asks of it, and its price; outside it: on which
    side ("more than $30?": "that's under $30", a bare "no" would leave the fan to work it out), and over the fan's
    budget: by how much. `described`: a fan shopping for someone ("gift for a pin collector, under 30?") hears
    what the product is, too."""
    fits = price.admits(product)
    text = _agreed(wording.price_check[fits], product, wording, price=product.price_text)
    if price.budget and price.below is not None and not fits:
        text += " " + wording.over_budget.format(gap=money(round(product.price - price.below, 2), product.currency),
                                                 budget=price.said(price.below, product.currency))
    elif not fits and price.than is None:
        over = price.below is not None and product.price > price.below
        limit = price.below if over else price.above
        if limit is not None:
            text += " " + wording.beyond_limit[over].format(limit=price.said(limit, product.currency))
    sentences = [Sentence(f"{emotion_tag('happy')} {gesture_tag('nod')} {text}", (product.id,), product)]
    if described:
        sentences.append(Sentence(product.description, (product.id,), product))
    return CatalogueReply("comparison", tuple(sentences), (product,))


def _compare_with(product: Product, wording: Wording) -> CatalogueReply:
    """A comparison asked with one product in mind: what is known of it (its price) and a question back."""
    return CatalogueReply("comparison", (
        Sentence(f"{emotion_tag('thinking')} {_agreed(wording.costs, product, wording, price=product.price_text)}",
                 (product.id,), product),
        Sentence(_agreed(wording.compare_with, product, wording), (), product)), (product,))


def _measure(product: Product, dimension: Dimension) -> tuple[float, str] | None:
    """The product's measure of a dimension as its description states it (its first), in its base unit."""
    for m in _MEASURE.finditer(folded(product.description)):
        value, unit = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        unit = next((short for prefix, short in _UNIT_NAMES if unit.startswith(prefix)), unit)
        kind, base, scale = _UNITS.get(unit, ("size", "", 0.0))
        if kind == dimension and scale:
            return float(value) * scale, base
    return None


def _dimension_comparison(products: tuple[Product, ...], dimension: tuple[Dimension, str, bool],
                          wording: Wording) -> CatalogueReply:
    """"Which is bigger?", "which one fits more drink?": the verdict only from measures both descriptions state in
    one base unit (500 against 350 millilitres; never millilitres against centimetres), with the descriptions that
    state them; a dimension some description speaks of: the descriptions, no verdict; one none does: said so, and
    what is known (the prices). Never the cheaper one for the bigger one."""
    kind, word, larger = dimension
    if not (wording.fan_adjectives and re.fullmatch(r"[a-z]+er", word)):
        word = wording.adjectives[kind, larger]
    measures = {p.id: _measure(p, kind) for p in products}
    speaks = [p for p in products if measures[p.id] is not None
              or _DIMENSION_WORDS[kind] & set(tokens(folded(p.description)))]
    sentences: list[Sentence] = []
    stated = [m for m in measures.values() if m is not None]
    if len(stated) == len(products) and len({base for _, base in stated}) == 1 and \
            len({value for value, _ in stated}) == len(products):
        chosen = (max if larger else min)(products, key=lambda p: (measures[p.id] or (0.0, ""))[0])
        sentences.append(Sentence(_agreed(wording.dimension_verdict, chosen, wording, word=word), (chosen.id,),
                                  chosen))
        sentences += [Sentence(p.description, (p.id,), p) for p in (chosen, *(p for p in products if p is not chosen))]
    elif speaks:
        sentences += [Sentence(p.description, (p.id,), p) for p in products]
    else:
        sentences.append(Sentence(wording.dimension_unknown.format(word=word)))
        sentences += [_costs(p, wording) for p in products]
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('point')} {sentences[0].text}")
    return CatalogueReply("comparison", tuple(sentences), products)


def _ages(products: Sequence[Product], wording: Wording) -> CatalogueReply:
    """"What ages?" of products: each one's description where it states an age, else where to find out (an age
    is never guessed from a name: "Kids'" says no ages)."""
    sentences = [Sentence(p.description, (p.id,), p) if _AGES_STATED.search(folded(p.description)) else
                 Sentence(_agreed(wording.feature_unknown, p, wording), (), p) for p in products[:AMBIGUOUS]]
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('nod')} {sentences[0].text}")
    return CatalogueReply("catalogue_query", tuple(sentences), tuple(products[:AMBIGUOUS]))


def _feature_reply(products: Sequence[Product], feature: tuple[str, ...], wording: Wording) -> CatalogueReply:
    """"Does it come in a gift box?": yes with the description that says so when every word of the feature is in
    the product's description or tags; otherwise where to find out (never a guess either way)."""
    sentences: list[Sentence] = []
    for product in products:
        if set(feature) <= _words(product).every:
            fact = product.description
            if not CJK.search(fact) and fact[1:2].islower():
                fact = fact[:1].lower() + fact[1:]
            sentences.append(Sentence(wording.feature_yes.format(fact=fact), (product.id,), product))
        else:
            unknown = wording.material_unknown if set(feature) & _MATERIAL_WORDS else wording.feature_unknown
            sentences.append(Sentence(_agreed(unknown, product, wording), (), product))
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('nod')} {sentences[0].text}")
    return CatalogueReply("catalogue_query", tuple(sentences), tuple(products))


def _attributes(products: Sequence[Product], q: CatalogueQuestion, wording: Wording) -> CatalogueReply | None:
    """Colours, sizes and stock of the products asked about, as their fields say; a field the persona leaves out
    is not claimed (None when nothing asked is known: an FAQ may know it)."""
    sentences: list[Sentence] = []
    asks_colours = q.asks_colours or q.colour is not None
    asks_sizes = q.asks_sizes or q.size is not None
    for product in products:
        price = _costs(product, wording)
        first = len(sentences)
        # "Do the goggles and the bottle both come in silver?": each named with all it comes in, since "Yes, the
        # bottle comes in silver" only says the fan's own words back.
        among = len(products) > 1
        if asks_colours and product.colors:
            sentences.append(_offered(product, product.colors, q.colour, wording.colours, wording, among))
        if asks_sizes and product.sizes:
            sentences.append(_offered(product, product.sizes, q.size, wording.sizes, wording, among))
        # A product that cannot be bought now is said so whatever was asked of it ("can I order them in M?"); one
        # running low, in any question of stock ("any hoodies left in size L?": the size is there, few are).
        # "Is it available in M?" of a size or colour it comes in asks its stock too ("not in blue" is the answer
        # when it does not); "which sizes are available?" only lists them.
        offered = bool(q.colour or q.size) and _fits(product, replace(q, stock=None, words=(), audience=None))
        if q.stock is not None and (q.stock != "any" or offered or not (asks_colours or asks_sizes)) or (
                product.stock in ("sold_out", "preorder")) or (q.stock is not None and product.stock == "low_stock"):
            sentences.append(stock_sentence(product, wording))
        # "In black, in stock?", "is the black one available?": the colour or size named is only the fan's own word
        # said back; its price tells what buying it now takes, as for "can I buy it?".
        echoed = bool(q.colour or q.size) and not (q.asks_colours or q.asks_sizes)
        # "Are the goggles available?" of one on pre-order: what ordering it now costs, too.
        if product.stock in ("in_stock", "low_stock") and not q.asks_price and (
                q.stock == "buy" and (echoed or not (asks_colours or asks_sizes))
                or (q.stock == "in_stock" or q.stock == "any" and offered) and echoed) \
                or product.stock == "preorder" and q.stock is not None and not (q.asks_price or q.ships):
            sentences.append(price)
        # "Are the gloves in stock?" of sold-out ones: what they are, so the answer states the product (as a
        # pre-order's price does).
        elif product.stock == "sold_out" and q.stock not in (None, "restock") and not (
                q.asks_price or asks_colours or asks_sizes):
            sentences.append(Sentence(product.description, (product.id,), product))
        if q.stock == "restock" and product.stock == "sold_out":
            sentences.append(Sentence(_agreed(wording.no_restock, product, wording), (), product))
        if q.asks_price and len(sentences) > first:  # "how much is it, and what colour?": the price too
            sentences.insert(first, price)
    if not sentences:
        return None
    sentences[0] = replace(sentences[0], text=f"{emotion_tag('happy')} {gesture_tag('nod')} {sentences[0].text}")
    only_stock = q.stock is not None and not (asks_colours or asks_sizes)
    return CatalogueReply("availability" if only_stock else "catalogue_query", tuple(sentences), tuple(products))


def stock_sentence(product: Product, wording: Wording) -> Sentence:
    """The product's stock as the store reports it; not reported: where the fan can see it (no claim, no source)."""
    return Sentence(_agreed(wording.stock[product.stock or "unknown"], product, wording),
                    (product.id,) if product.stock else (), product)


def _offered(product: Product, values: tuple[str, ...], asked: str | None, listing: str,
             wording: Wording, among: bool = False) -> Sentence:
    """Whether a product comes in the colour or size asked, or all it comes in; `among`: a yes names all the
    values too."""
    if asked is None:
        # A single size that says it is one ("one size", 均码) is said as it is: "comes in one size", not "in sizes
        # one size" (the colours' wording names no kind of value).
        if values is product.sizes and len(values) == 1 and _SIZE.search(folded(values[0])):
            listing = wording.colours
        text = _agreed(listing, product, wording, values=wording.listed(list(values)))
    else:
        found = next((v for v in values if asked in (folded(v), *tokens(folded(v))) or _size_fits(asked, v)), None)
        if found is not None:
            # "Do you have them in M?" of a product that cannot be bought now: no "yes", only that it comes in M
            # (its stock follows); several products asked: a yes names all its values too.
            if product.stock in ("sold_out", "preorder"):
                text = _agreed(wording.colours, product, wording, values=found)
            else:
                text = _agreed(wording.comes_in_among if among and len(values) > 1 else wording.comes_in, product,
                               wording, value=found, values=wording.listed(list(values)))
        else:
            text = _agreed(wording.not_in, product, wording, value=_store_size(asked) if values is product.sizes
                           else asked, values=wording.listed(list(values)))
    return Sentence(text, (product.id,), product)


def _fits(product: Product, q: CatalogueQuestion) -> bool:
    """Whether a product meets every constraint but the price."""
    words = _words(product)
    # Anything can be given: "a gift" picks the gift-tagged products only when the fan describes nothing else
    # ("something warm for my nana as a gift" is any warm product).
    gift_only = q.audience == "gift" and not (q.words or q.colour or q.size)
    if (q.audience == "kids" or gift_only) and q.audience not in words.audience:
        return False
    if q.colour and not any(q.colour in (folded(c), *tokens(folded(c))) for c in product.colors):
        return False
    if q.size and not any(_size_fits(q.size, size) for size in product.sizes):
        return False
    if q.stock == "sold_out" and product.stock != "sold_out" or q.stock == "preorder" and product.stock != "preorder":
        return False
    if q.stock == "low_stock" and product.stock != "low_stock":
        return False
    if q.stock in ("unavailable", "restock") and product.stock not in ("sold_out", "preorder"):
        return False
    if q.excluded and q.excluded in words.audience:
        return False
    if any(_kin(word, words.tags | words.name) for word in q.unwanted):
        return False
    if q.stock == "in_stock" and product.stock not in ("in_stock", "low_stock"):
        return False
    return all(set(tokens(w)) <= words.every for w in q.words)


def _size_fits(asked: str, size: str) -> bool:
    """Whether a size the store writes is the one asked: the same size, or any kids' size for "kids"."""
    size = _size_key(size)
    return size == asked or asked == "kids" and size.startswith("kids")


def _constraint(q: CatalogueQuestion, wording: Wording, currency: str, lead: str | None = None) -> str:
    """The fan's constraint in the host's words: "under $20 for kids", "in red", "warm" (amounts in the
    catalogue's `currency`). `lead`: the phrase that stands for the product when the fan named no kind of it
    ("the cheapest one for kids", "I don't have anything under $5"), or put with the fan's words when those
    describe a thing ("the cheapest warm item", "anything warm"). With a lead, an excluded audience is a clause
    at the end ("the cheapest one that isn't for kids")."""
    phrases = wording.constraint
    parts: list[str] = list(q.words)
    if lead is not None and not parts:
        parts.append(phrases[lead])
    elif lead is not None and q.thing:
        parts = [phrases[f"{lead}_described"].format(words=wording.constraint_joiner.join(parts))]
    if q.price is not None:
        if q.price.than is not None:
            parts.append(phrases["than"].format(product=q.price.than.name))
        elif q.price.below is not None and q.price.above is not None:
            parts.append(phrases["between"].format(low=q.price.said(q.price.above, currency),
                                                   high=q.price.said(q.price.below, currency)))
        elif q.price.below is not None:
            parts.append(phrases["under"].format(price=q.price.said(q.price.below, currency)))
        elif q.price.above is not None:
            parts.append(phrases["over"].format(price=q.price.said(q.price.above, currency)))
    elif q.order == "cheap":
        parts.append(phrases["cheap"])
    if q.audience:
        parts.append(phrases[q.audience])
    if q.excluded and lead is None:
        parts.append(phrases[f"not_{q.excluded}"])
    if q.colour:
        parts.append(phrases["colour"].format(colour=q.colour))
    if q.size == "kids":
        parts.append(phrases["kids_sizes"])
    elif q.size in _ONE_SIZE:
        parts.append(phrases["colour"].format(colour=q.size))  # "in one size", as `_offered` says it
    elif q.size:
        parts.append(phrases["size"].format(size=_store_size(q.size)))
    if q.stock in ("in_stock", "sold_out", "preorder", "low_stock", "unavailable", "restock"):
        parts.append(phrases[q.stock])
    if q.excluded and lead is not None:
        parts.append(phrases[f"that_not_{q.excluded}"])
    return wording.constraint_joiner.join(p for p in parts if p)


def _relaxed(q: CatalogueQuestion, products: Sequence[Product]) -> CatalogueQuestion | None:
    """The question kept to the fan's words that the best-fitting products share, when no product has them all
    ("keep my hands warm": "keep" is the bottle's, "warm" and "hand" the mittens'). The words that fit nothing
    are dropped, so the answer never restates them as a constraint; None when no product has a tag or name
    word of the fan's or two of them in its description (then nothing fits, and the engine says so)."""
    if len(q.words) < 2:
        return None
    unworded = replace(q, words=())
    scored = []
    for product in products:
        if not _fits(product, unworded):
            continue
        words = _words(product)
        held = tuple(w for w in q.words if set(tokens(w)) <= words.every)
        # Two of the fan's words in a description say what the product is for ("keeps ... hot"), which outweighs
        # one tag word of where it is used ("on the ski lift": "ski").
        if len(held) >= 2 or any(set(tokens(w)) <= words.tags | words.name for w in held):
            scored.append((len(held), held))
    if not scored:
        return None
    best = max(n for n, _ in scored)
    shared = set.intersection(*(set(held) for n, held in scored if n == best))
    kept = tuple(w for w in q.words if w in shared)
    return replace(q, words=kept) if kept and kept != q.words else None


def _each_named(q: CatalogueQuestion, products: Sequence[Product]) -> list[Product]:
    """The products the fan's words name when two or more of the words each name different products (a name or a
    tag word: "hoodie", "goggles") and no product has them all; empty otherwise."""
    if len(q.words) < 2:
        return []
    named = [{p.id for p in products if set(tokens(w)) <= _words(p).tags | _words(p).name} for w in q.words]
    if not all(named) or set.intersection(*named):
        return []
    return [p for p in products if any(p.id in ids for ids in named)]


def _listing(q: CatalogueQuestion, products: Sequence[Product], wording: Wording) -> CatalogueReply:
    """The products that fit, cheapest first where price matters, with the constraint restated; none: said so,
    and the closest product offered (the nearest price among those that fit all else)."""
    fitting = [p for p in products if _fits(p, q)]
    found = [p for p in fitting if q.price is None or q.price.admits(p)]
    if q.order == "priciest":
        found.sort(key=lambda p: -p.price)
    elif q.price is not None or q.order in ("cheapest", "cheap"):
        found.sort(key=lambda p: p.price)
    if q.order not in ("cheapest", "priciest"):
        # A list recommends: what can be bought now comes first, the sold-out last (still counted, never hidden).
        found.sort(key=lambda p: p.stock == "sold_out")
    currency = products[0].currency
    if not found and (relaxed := _relaxed(q, products)) is not None:
        return _listing(relaxed, products, wording)
    named_kinds = tuple(w for w in q.words
                        if any(set(tokens(w)) <= _words(p).tags | _words(p).name for p in products))
    if not found and (q.colour or q.size) and named_kinds != q.words:
        # "White things only, it's for a winter themed room": a colour or size asked of the store picks by it and
        # by the kinds named; words only some description has ("winter") say what it is for.
        return _listing(replace(q, words=named_kinds), products, wording)
    if not found and (named_apart := _each_named(q, products)):
        kinds = [replace(q, words=(w,)) for w in q.words]
        if q.price is None and any(sum(_fits(p, kind) for p in products) > 1 for kind in kinds):
            # "Any clothes or just accessories?": kinds of product, each listed under its own name.
            lists = [_listing(kind, products, wording) for kind in kinds]
            opener = f"{emotion_tag('excited')} {gesture_tag('present_product')} "
            said = [s if j == 0 or i else replace(s, text=s.text.removeprefix(opener))
                    for j, r in enumerate(lists) for i, s in enumerate(r.sentences)]
            return CatalogueReply(lists[0].intent, tuple(said), tuple(p for r in lists for p in r.products))
        # "I only have $50, hoodie or goggles?": each word names other products; the choice is among those, and
        # no product is said to be missing for lacking both names.
        return _listing(replace(q, words=()), named_apart, wording)
    ungifted = replace(q, audience=None)
    if not found and q.audience == "gift" and q.price is not None and any(
            q.price.admits(p) and _fits(p, ungifted) for p in products):
        # "Small gifts for the team, under $15 each": anything can be given, so with no gift-boxed product within
        # the price, the products that are.
        return _listing(ungifted, products, wording)
    if not found and q.stock == "unavailable" and not (q.filtered or q.words or q.colour or q.size):
        # "Is everything in stock?" and nothing is sold out or on pre-order: yes, when every product's stock says
        # so; else the products whose stock the store does not report (any of them could be out of stock).
        unknown = [p for p in products if not p.stock]
        said = [stock_sentence(p, wording) for p in unknown[:LISTED]] or [
            Sentence(wording.all_available, tuple(p.id for p in products))]
        said[0] = replace(said[0], text=f"{emotion_tag('happy')} {gesture_tag('nod')} {said[0].text}")
        return CatalogueReply("availability", tuple(said), tuple(unknown[:LISTED]))
    if not found:
        missing = _constraint(q, wording, currency, lead="any")
        sentences = [declined(wording.no_match.format(constraint=missing))]
        # The price is the fan's limit: a product over it is "the closest" only when nothing for that fan (the
        # audience, colour, size asked) is within it; the fan's other words may be loose ("anything for my team
        # under $15" with a $12 bottle: never the $65 team hoodie).
        unworded = replace(q, words=())
        within = q.price is not None and any(_fits(p, unworded) and q.price.admits(p) for p in products)
        closest = None if within else _closest(fitting, q.price)
        if closest is not None:
            sentences.append(Sentence(f"{gesture_tag('point')} {wording.closest.format(item=_item(closest, wording))}",
                                      (closest.id,), closest))
        return CatalogueReply("catalogue_query", tuple(sentences), (closest,) if closest else ())
    intent: CatalogueIntent = "availability" if q.stock is not None and not q.filtered else "catalogue_query"
    opener = f"{emotion_tag('excited')} {gesture_tag('present_product')}"
    superlative = q.order in ("cheapest", "priciest")
    constraint = _constraint(q, wording, currency, lead="one" if superlative else None)
    if superlative and q.count > 1:
        top = found[:q.count]
        count = wording.counts[len(top)] if len(top) < len(wording.counts) else str(len(top))
        text = wording.top[q.order or "cheapest"].format(count=count, constraint=_constraint(q, wording, currency),
                                                        items=wording.listed([_item(p, wording) for p in top]))
        text = re.sub(r"\s+([:.,：。])", r"\1", " ".join(text.split()))
        return CatalogueReply(intent, (Sentence(f"{opener} {text}", tuple(p.id for p in top), top[0]),), tuple(top))
    if superlative:
        # "The second cheapest" of fewer products than that: the last of the order, said as what it is.
        rank = min(q.rank, len(found))
        best = found[rank - 1]
        if rank > 1:
            ordinal = wording.ordinals[rank] if rank < len(wording.ordinals) else str(rank)
            text = wording.ranked[q.order or "cheapest"].format(ordinal=ordinal, constraint=constraint,
                                                                item=_item(best, wording))
        else:
            template = wording.cheapest if q.order == "cheapest" else wording.priciest
            text = template.format(constraint=constraint, item=_item(best, wording))
        return CatalogueReply(intent, (Sentence(f"{opener} {' '.join(text.split())}", (best.id,), best),), (best,))
    named = found[:LISTED]
    items = [_item(p, wording) for p in named]
    if len(found) > LISTED:
        rest = len(found) - LISTED
        items.append(wording.listed_more.format(count=wording.counts[rest] if rest < len(wording.counts) else rest))
    text = wording.matching.format(constraint=_capital(constraint), items=wording.listed(items))
    sentences = [Sentence(f"{opener} {text}", tuple(p.id for p in named), named[0])]
    if len(found) == 1:
        sentences.append(Sentence(found[0].description, (found[0].id,), found[0]))
    # What cannot simply be bought now is said, unless the fan asked for exactly that ("what's sold out?").
    noted = ("low_stock", "preorder", "sold_out") if len(found) == 1 else ("preorder", "sold_out")
    sentences += [stock_sentence(p, wording) for p in named if p.stock in noted and p.stock != q.stock]
    return CatalogueReply(intent, tuple(sentences), tuple(named))


def _item(product: Product, wording: Wording) -> str:
    return wording.listed_item.format(product=product.name, price=product.price_text)


def _closest(fitting: Sequence[Product], price: PriceLimit | None) -> Product | None:
    """The product nearest the fan's price range among those that fit everything else (None without a range)."""
    if price is None or not fitting:
        return None
    low = price.above if price.above is not None else 0.0
    high = price.below if price.below is not None else (price.than.price if price.than else float("inf"))
    outside = [p for p in fitting if p.price < low or p.price > high]
    return min(outside, key=lambda p: low - p.price if p.price < low else p.price - high, default=None)


def _store_size(size: str) -> str:
    """A size as stores write it: "XL", "kids S", "one size"."""
    if size in _ONE_SIZE:
        return size
    kids, _, letter = size.rpartition(" ")
    return f"{kids} {letter.upper()}".strip()
