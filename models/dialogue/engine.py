"""Dialogue engines: a fan's message in, the host's answer out as a stream of tagged sentences.

`DialogueEngine.reply` yields `Sentence`s as soon as each is ready (the voice starts on the first while later
ones are still being written) and `Fallback` events when an engine hands over to another. The embedded
`RetrievalEngine` composes answers from the persona's knowledge base only: every fact it states is a knowledge
item quoted as written, the rest are the persona's own phrases. With nothing relevant it says so in character.

This module composes the answer; the stages it calls live beside it: moods (what the fan expresses, whether
they ask), small_talk (how she is, her name, her about lines), show_talk, catalogue, conversation (follow-ups)
and wording (the words it writes itself).
"""

from __future__ import annotations

import asyncio
import itertools
import re
import unicodedata
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, cast, get_args

from models.dialogue.catalogue import (
    CATALOGUE_WORDS,
    ONE_SIDED_COMPARISON,
    WHICH_OF_THEM,
    answer_catalogue,
    asks_colour_or_size,
    asks_stock_only,
    described_by,
    featured_by,
    name_head,
    only_sum_asked,
    states_budget,
    states_occasion,
    states_size,
    stock_sentence,
)
from models.dialogue.conversation import (
    ANOTHER,
    MORE,
    OTHER,
    PRONOUN,
    Conversations,
    Subject,
    about_what,
    asked_again,
    mention_in,
)
from models.dialogue.history import DialogueHistory
from models.dialogue.languages import CrossLingual, country_names, not_english, without_courtesies
from models.dialogue.meaning import Meanings
from models.dialogue.moderation import QUESTION_MARK, check_chat_text, screen
from models.dialogue.moods import (
    Mood,
    detect_moods,
    has_foreign,
    is_product_question,
    is_question,
    spelled_out,
    without_greetings,
    without_product_words,
)
from models.dialogue.noisy import NoisyText, without_mash, without_words
from models.dialogue.persona import FAQ, AboutLine, FunFact, Persona, Product
from models.dialogue.readers import Reader
from models.dialogue.retrieval import (
    STOPWORDS,
    DocKind,
    Hit,
    KnowledgeIndex,
    english_ranked,
    english_words,
    tokens,
    with_synonyms,
    word_root,
)
from models.dialogue.sentence import ABBREVIATIONS, Sentence, declined
from models.dialogue.show import ShowSnapshot
from models.dialogue.show_talk import answer_show, show_thread
from models.dialogue.small_talk import (
    DEAREST,
    FAVOURITE,
    about_lines_asked,
    addressed_to_her,
    asks_her_choice,
    asks_her_name,
    asks_how_she_is,
    asks_what_she_does,
    asks_who_she_is,
    guesses_her_age,
    speaks_to_her,
)
from models.dialogue.tags import emotion_tag, gesture_tag
from models.dialogue.wording import WORDING
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
                 "small_talk", "topic_fact", "clarify", "follow_up", "catalogue_query", "comparison", "availability",
                 "show"]


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


# -- what a question asks for: a fact, a price, the products discussed -------------------------------------------

#: "Tell me a fun fact (about curling)": a fact by topic, told as such (no hedge: it is what was asked).
_FACT_REQUEST = re.compile(
    r"\b(?:fun\s+facts?|facts?|trivia|(?:something|anything)\s+(?:interesting|cool|fun|neat|new|cheerful|happy|nice|"
    r"positive|uplifting|funny|amazing|surprising|fascinating|good)|"
    r"(?:interesting|cool)\s+(?:things?|stuff)|tell me something about|"
    # "My grandpa loves olympic history, give him a good one": a fact asked for someone, of the topic said before.
    r"(?:tell|give|share|drop|hit)\s+(?:me|us|him|her|them)\s+(?:with\s+)?(?:a|one)\s+(?:good|great|cool|fun|nice|neat)"
    r"\s+one|"
    # "Tell me a Winter Olympics record", "are there any medal records you know of?", "a bit of curling history,
    # go!", "give me some olympic history", "any cool bits of winter olympics history?": a fact about a record or the
    # past, however the asking is worded or left out ("any record of my order?" is the store's).
    r"(?:^\W*|\b(?:tell|give|share|show|teach)\s+(?:me|us)\s+|\b(?:got|know|(?:are|is)\s+there|have\s+you(?:\s+got)?)\s+)"
    r"(?:an?|one|some|any|(?:(?:an?|some|any)\s+)?(?:little\s+|cool\s+|fun\s+|neat\s+|interesting\s+)?(?:tid)?bits?\s+of)"
    r"\s+(?:[\w-]+\s+){0,3}?(?:records?|history)\b"
    r"(?!\s+(?:of|for|on)\s+(?:my|our|this|that)\b))\b|"
    r"冷知识|小知识|趣闻|有趣的事", re.IGNORECASE)
#: "How big is the plush?", "what's the beanie made of?": what a product is, which its description says.
_DESCRIBED = re.compile(r"\bhow (?:big|tall|wide|long|heavy|thick|large|small|tiny|huge)\b|"
                        r"\b(?:dimensions?|in cm|in inches)\b|\bmade (?:of|from|out of)\b|\bmaterials?\b|\bfabric\b|"
                        # What is inside it, what it works with: "what's inside the hoodie", "do the gloves work
                        # with my phone".
                        r"\bwhat(?:'s|s| is) (?:inside|in)(?= (?:the|it|them|those|these|this|that)\b)|"
                        r"\b(?:lin(?:ed|ing)|inner|insides?)\b|\b(?:works?|working) (?:with|on)\b",
                        re.IGNORECASE)
#: "What are the goggles like?", "what's the beanie like": a product asked to be told about as it is.
_WHAT_LIKE = re.compile(r"^\W*(?:so |and |ok )?(?:what's|whats|what is|what are|what r)\b.{1,60}\blike\W*$",
                        re.IGNORECASE)
#: "i collect pins, got anything for collectors?": goods asked for, which a product the message names is.
_GOODS_ASKED = re.compile(r"\b(?:got|have|sell|carry|stock)\b(?:\s+\w+){0,2}?\s+(?:anything|something|stuff)\b",
                          re.IGNORECASE)
#: "What's the difference between the mittens and the gloves?", "beanie vs hoodie": products set side by side.
_SIDE_BY_SIDE = re.compile(r"\b(?:diff|difference|differences|differ|compare|compared|comparison|vs|versus)\b",
                           re.IGNORECASE)
#: "What's different?", "how do the two compare?": the difference of the things just named, asked of nothing else.
_DIFFERENCE = re.compile(rf"{_SIDE_BY_SIDE.pattern}|\bdifferent(?:ly)?\b", re.IGNORECASE)
#: "Teach me something about skiing", "trivia about ice rinks": a fact asked for outright, before the catalogue
#: is asked ("something for skiing" is a product). The looser `_FACT_REQUEST` comes after it.
_LANGUAGES = (r"(?:english|french|german|spanish|italian|portuguese|dutch|polish|czech|russian|ukrainian|swedish|"
              r"norwegian|danish|finnish|greek|turkish|arabic|hebrew|hindi|japanese|chinese|mandarin|cantonese|"
              r"korean|vietnamese|thai|latin)")
#: "How do you say snowboard in Japanese?", "what's ski in French?", "translate this": a word of another language is
#: asked, not a thing of the knowledge base: the honest "I don't know", never her line about the thing the word names.
_TRANSLATION = re.compile(rf"\bhow (?:do|would|can|could|does) (?:you|u|i|we|one|someone|they) "
                          rf"(?:say|write|spell|pronounce)\b[^?.!]*\bin {_LANGUAGES}\b|"
                          rf"\b(?:what(?:'s|s| is)|whats) [^?.!]{{1,40}}? in {_LANGUAGES}\b|"
                          rf"\bmean in {_LANGUAGES}\b|\btranslat(?:e|ed|ion)\b", re.IGNORECASE)
_TEACH = re.compile(
    r"\bteach (?:me|us)\b|"
    r"\b(?:tell|show|give|share|drop|hit)\s+(?:me|us)\s+(?:something|anything|a thing|stuff|some knowledge)\b|"
    r"\b(?:share|teach|know) (?:something|anything)\s+(?:\w+\s+)?(?:about|on|from)\b|"
    # "Share a bit of Olympic history with us", "tell us a little about curling".
    r"\b(?:share|tell|give|teach)\s+(?:me\s+|us\s+)?(?:a bit|a little|a little bit|some)\s+(?:of|about|on)\b|"
    r"\b(?:fun|cool|random|interesting|quick)\s+facts?\b|\btrivia\b|\bfacts? (?:about|on)\b|"
    r"\bsomething (?:i|we) (?:don't|do not|didn't|did not) know\b|"
    r"\bwhat(?:'s| is) (?:interesting|cool|fun|special) about\b", re.IGNORECASE)
#: "What do you know about figure skating?": a fact on the topic, unless it names a product or a store policy.
_KNOW_ABOUT = re.compile(r"\bwhat (?:do|can) (?:you|u) (?:know|tell (?:me|us)) about\b|"
                         # A dare asks the same: "bet you don't know a single thing about nordic combined".
                         r"\b(?:you|u) (?:don'?t|do not|dont) know (?:a (?:single )?thing|anything|much) about\b|"
                         r"\b(?:you|u) know nothing about\b|"
                         # "anything on the sliding sports?", "I'm a goalie, got anything about pucks?", "I'm from
                         # Japan. Something about the Nagano Olympics?" ("anything on sale?", "anything on pre-order?"
                         # are the store's)
                         r"(?:^|[,;.!?])\W*(?:(?:have you |you )?got |do you have )?"
                         r"(?:anything|something) (?:on|about)\b"
                         r"(?! (?:sale|offer|pre-?orders?|back-?orders?|stock)\b)|"
                         r"\bwhat(?:'s| is|s) the (?:story|deal|history) (?:with|behind|of)\b", re.IGNORECASE)
#: "Snowboarding and the olympics, got anything?": the topic first, then the ask (a fact's topic, not the store's:
#: "something warm for my kid, got anything?").
#: "Speed skating: surprise me with something", "curling, hit me with something", "bobsleigh, go!" ask the same.
_TOPIC_FIRST = re.compile(r"[,;:]\s*(?:(?:(?:have you |you )?got|do you have|know) anything|"
                          r"(?:surprise|hit) (?:me|us)(?: with (?:something|anything|one|a fact))?|go(?: ahead)?)\W*$",
                          re.IGNORECASE)
#: "Tell me about the machine that cleans the ice rink", "what about the ice machine, any story?": told whatever is
#: known of a thing, no kind of thing asked (a date, a count), so the fact on it answers, no near miss. A fact topic
#: must be among its words (`_fact_topics`): "tell me about your day" is small talk, "... the hoodie" a product.
#: "Something fun about hockey pucks for the kids at our rink?" asks the same: whom it is for is no product asked.
_TELL_ABOUT = re.compile(r"\b(?:tell|talk to) (?:me|us) about (?!(?:you|your|yourself|u|ur)\b)|"
                         # "can someone explain nordic combined to me": what the thing is, no kind of thing asked.
                         r"\bexplain (?!(?:how|why|what|when|where|who|which|whether|if|you|your|yourself)\b)|"
                         r"\bany stor(?:y|ies)\W*$|"
                         r"\b(?:something|anything|stuff) (?:fun|funny|cool|neat|interesting|fascinating|surprising) "
                         r"(?:about|on|regarding)\b", re.IGNORECASE)
#: "Say the island granite thing again", "what did you say at the start about the first winter games?": a fact told
#: earlier in the show, asked for again; the rest of the words say which.
_SAY_AGAIN = re.compile(
    r"\b(?:say|tell|read|go over)\s+(?:[\w'-]+\s+){0,6}?(?:again|once more|one more time)\b|\brepeat\b|"
    r"\bwhat (?:did|was it|was that|were) (?:you|u) (?:say|said|saying|tell|told|mention|mentioned|talking)\b|"
    r"\b(?:you|u) (?:said|told us|mentioned|were saying|talked)\b.{0,40}?"
    r"\b(?:earlier|before|at the (?:start|beginning)|a (?:bit|while|minute) ago)\b", re.IGNORECASE)
#: The words of a request to say a fact again that say when or why, not which fact.
_AGAIN_WORDS = frozenset(tokens("again repeat earlier before start beginning missed miss ago minute while back "
                                "please pls plz"))
#: "Anything that connects Scotland with winter sports?": the fact naming both, the rarer (the place) first, though
#: a FAQ shares the domain's words ("winter sport").
_CONNECTS = re.compile(r"\b(?:anything|something|what)\s+(?:that\s+)?(?:connects?|links?|ties?)\b|"
                       r"\bany (?:connection|link)s? (?:between|with)\b", re.IGNORECASE)
#: "Not the counterclockwise one", "except the zamboni one", "not the scottish island one": a fact the fan says they
#: know already.
_EXCEPT = re.compile(r"\b(?:not|except|other than|besides|apart from)\s+(?:the\s+|that\s+)?((?:[\w-]+\s+){0,2}?[\w-]+)"
                     r"(?=\s+(?:one|fact)\b)", re.IGNORECASE)
#: "A fact about the moon", "trivia on rinks", "a basketball fun fact" (the topic before the fact): a fact request
#: that names its topic.
_NAMES_TOPIC = re.compile(r"\b(?:about|on|regarding|of|from)\b|关于|"
                          r"\b(?!(?:a|an|the|some|any|one|another|me|us|fun|cool|random|good|quick|new|more)\b)[a-z]+ "
                          r"(?:fun )?(?:facts?|trivia)\b", re.IGNORECASE)
#: The topic of "a fact about mogul skiing", up to the end of its clause.
_TOPIC_ASKED = re.compile(r"\b(?:about|on|regarding)\s+([^?.!,;:]+)", re.IGNORECASE)
#: The words of a fact request that are not its topic.
_FACT_WORDS = frozenset("fun fact interesting cool something anything thing stuff trivia share give another one "
                        "cheerful happy nice positive uplifting funny amazing surprising "
                        "random new good favorite favourite teach tell say show share drop hit know quick special got "
                        "story deal bit tidbit even exactly actually "
                        "冷知识 小知识 趣闻 有趣 事 讲 说 来".split())

#: A question for a price ("How much?"), as against one for the whole store ("What do you sell?").
_PRICE = re.compile(r"\b(?:how much|price[sd]?|cost(?:s)?)\b|多少钱|几块钱|价格|价钱", re.IGNORECASE)
#: "Them", "both", "all", "(how much is that) altogether", "the difference": every product discussed, not one to
#: pick.
_PLURAL = re.compile(r"\b(?:them|they|those|these|both|all|altogether|together|total|combined|difference|diff)\b|"
                     r"它们|这些|那些|两个|都|一共|总共|加起来", re.IGNORECASE)
#: "Prices?" after a choice between two: each one's price, asked of all those discussed as "them" is.
_PRICES = re.compile(r"\bprices\b", re.IGNORECASE)
#: "Which one holds more?" after the thermal bottle and then the squeeze bottle: a choice among all those discussed,
#: as "them" is.
_OF_THE_GROUP = re.compile(rf"{_PLURAL.pattern}|{_PRICES.pattern}|\bwhich\b|哪个|哪一个", re.IGNORECASE)
#: What is left of "and the other one?" besides the reference: nothing that asks anything new.
_DANGLING = re.compile(r"\b(?:and|what|about|how|so|but|ok)\b|[和那呢]", re.IGNORECASE)


#: "What do you sell?": up to this many products are named; a larger catalogue is summarised (its size, the
#: first CATALOGUE_FEATURED by name and its CATALOGUE_KINDS most common tags) so that she never reads out 500.
CATALOGUE_NAMED = 8
CATALOGUE_FEATURED = 3
CATALOGUE_KINDS = 3


#: A message this long (characters) is read for its purchase question among its clauses (`_asked_in`).
LONG_MESSAGE = 160
#: A clause of a long message that asks about something named before it ("..., how much are those?").
_CLAUSE_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|those|these|that one|this one)\b", re.IGNORECASE)
#: Several questions in one message are answered in order, up to this many (the rest wait for another message).
MAX_QUESTIONS = 3


#: "How much is the beanie and do you ship to Canada?": a second question joined by "and" (or "also", "plus").
_SECOND_QUESTION = re.compile(r",?\s+(?:and|also|plus|\+|&)\s+(?=(?:do|does|did|can|could|is|are|was|what|what's|whats|"
                              r"how|when|where|why|will|would|which|who|r\s+(?:u|you|ya))\b)", re.IGNORECASE)


#: "Does the sports shop in town have your goggles?", "do stores near me sell the hoodie?": another shop's stock,
#: which the host does not know (she knows the official store's only).
_OTHER_SHOP = re.compile(r"\b(?:does|do|would|will)\s+(?!(?:you|u|ya|your|the official|the store|the shop|the link|"
                         r"it|they|this|that|these|those)\b)((?:\w+\s+){1,3}?)(?:in|at|near|downtown|around)\s+"
                         r"(?:\w+\s+){0,2}?(?:have|has|sell|sells|stock|stocks|carry|carries)\b|"
                         r"\b(?:other|another|local|different)\s+(?:shops?|stores?|retailers?|sellers?)\b|"
                         r"\b(?:shops?|stores?|retailers?) (?:near me|nearby|in (?:my|our) (?:town|city|area))\b",
                         re.IGNORECASE)
#: A place to go asked about ("which ski resort is the best?", "recommend a hotel"): no product, whatever product
#: word ("ski") says what kind of place.
_PLACE_TO_GO = re.compile(r"\b(?:resorts?|hotels?|restaurants?|destinations?|places? to (?:go|stay|ski|eat))\b",
                          re.IGNORECASE)
#: How far ahead of the next hit a related one must be to answer exactly though under the answering bar.
EXACT_MARGIN = 0.15
#: The same for a store policy over the next policy: a store has few policies, each on its own matter, so the one
#: clearly nearest a store question is the one it asks ("I live in Japan, can I still order?": shipping abroad).
FAQ_MARGIN = 0.04
#: A number that is no year: a year ("1924", "the 1980s") answers "when", never "how tall" or "how many".
_NUMBER = r"\b(?!(?:1[0-9]{3}|20[0-9]{2})s?\b)\d"
#: A length a thing has ("the puck's thickness"), and any measure ("its weight"): "how much" of one asks the measure,
#: not a price.
_LENGTH_NOUN = r"(?:thickness|height|width|depth|diameter)"
_MEASURE_NOUN = rf"(?:{_LENGTH_NOUN}|weight|weighs?|mass)"
#: A person's name, capitalized whatever the flags (`(?-i:…)`): "Norway has" is no name; nor is an event's ("the
#: Nagano Games", "Winter Olympic"); "Jan Boklöv" is.
_NAME = r"(?-i:\b[A-Z][a-z]+ (?!Olympic|Games|Winter)[A-Z][a-zö]+)"
#: What kind of thing a question asks for, and the words an answer of that kind has: "how fast" a speed, "when"
#: a year or a time. A related item without them is a near miss ("How fast does a bobsleigh go?" finds when
#: Jamaica's team first raced): the host hedges.
#: "Which sport you like most?", "fav sport?", "ur number one sport", "closest to your heart": her favourite, which
#: her FAQs ask in their own words.
_HER_FAVOURITE = (rf"\b(?:like|love|enjoy)\s+(?:\w+\s+){{0,3}}?(?:most|best)\b|\bfave?\b|\b(?:your|ur) {FAVOURITE}\b|"
                  rf"{DEAREST}")
_ASKS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asks, re.IGNORECASE), re.compile(says, re.IGNORECASE)) for asks, says in (
        (r"\bhow fast\b|\bspeed of\b|\btop speed\b", r"km/h|mph|kilomet\w* (?:an|per) hour|"
                                                      r"miles (?:an|per) hour|per second|"
                                                      # "how fast do you ship?" is a time
                                                      r"\bdays?\b|\bweeks?\b|\bwithin\b"),
        (r"\bhow heavy\b|\bweigh|\bmass\b", r"kilogram|\bkg\b|pounds?\b|\bgrams?\b|tonnes?\b"),
        (rf"\bhow (?:tall|high|wide|thick|big|far|deep)\b|\b{_LENGTH_NOUN}\b",
         _NUMBER + r"|metre|meter|inch|feet|foot|centimet|kilomet|mile"),
        (r"\bhow many\b",
         _NUMBER + r"|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|more than|most)\b"),
        # "How old is the Zamboni?": an age, or the year or century it began.
        (r"\bhow old\b", r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|centur\w*)\b"),
        # "How old was she when she won?" (read without its "when" clause): a person's age then, which a decade or a
        # year alone does not tell.
        (r"\b(?:how old|what age) (?:was|were) (?:he|she|they|(?-i:[A-Z])\w+)\b|\bat what age\b",
         r"\bage[ds]?\b|\byears? old\b|\b\d{1,2}-year-old\b|\bteen\w*\b"),
        # A year or its decade ("in the 1980s"); "like what decade?" guesses at none.
        (r"\bwhen\b|\b(?:like )?(?:what|which) (?:year|decade|century)\b",
         r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b|\bdays?\b|\bweeks?\b|\bhours?\b|\buntil\b|\bas soon as\b|\bwithin\b|"
         r"\bbefore\b|\bafter\b"),
        (r"\bhow long\b", _NUMBER + r"|\bdays?\b|\bweeks?\b|\bhours?\b|\bminutes?\b|\btwo\b|\bwithin\b|metre|inch"),
        # "Is there a discount code?": only a policy that states a deal answers it; the payment policy is another
        # question's ("for sale" asks whether a thing is sold, no deal).
        (r"\b(?:discount|coupon|promo|voucher)\w*|\b(?:on|a|any) sales?\b|\b% off\b",
         r"\b(?:discount|coupon|promo|voucher)\w*|\bsales?\b|% off|\bper ?cent off\b"),
        # "Who invented curling?": who made a thing first; a fact about a place of the sport is another question's.
        (r"\binvent\w*|\bcame up with\b",
         r"\binvent\w*|\bpioneer\w*|\bdevised\b|\b(?:built|designed|created|made) the first\b|\bcame up with\b"),
        (r"\bwho\b", _NAME + r"|\bteam\b|\bathletes?\b|\bcountry\b|\bI\b"),
        # "Is Jan Boklöv still jumping these days?", "does she still race?": what a person of a fact does today,
        # which a fact of what they once did does not tell.
        (r"\b(?:is|are|does|do)\s+(?:he|she|they|(?-i:[A-Z])\w+(?:\s+(?-i:[A-Z])\w+)?)\s+still\b|"
         r"\bwhat(?:'s| is| are) (?:he|she|they|(?-i:[A-Z])\w+(?:\s+(?-i:[A-Z])\w+)?) (?:doing|up to) "
         r"(?:now|nowadays|these days|today)\b",
         r"\b(?:still|nowadays|these days|currently|today|now)\b"),
        # "Who has the most golds, as a person?", "which athlete…": a person's name, not a country's record.
        (r"\bas an? (?:person|individual|athlete)\b|\b(?:which|what) (?:athlete|person|skier|skater|player)\b",
         _NAME),
        # "Where was he from?": a country or its people ("Swedish", "from Norway"), not any place of the sport.
        (r"\bwhere (?:is|was|were|are)\b.*\bfrom\b|\bnationality\b",
         r"(?-i:\b[A-Z][a-z]+(?:ish|ian|an|ese|ic|ch|i)\b)|\bfrom\b"),
        (r"\bhow (?:cold|hot|warm)\b|\btemperature\b", r"°|\bdegrees?\b|celsius|fahrenheit|below (?:zero|freezing)"),
        # A ranking ("who is the greatest?") is answered by an item that ranks, not by one about the same sport.
        (r"\b(?:who|which)(?:'s| is| was| are)? (?:the )?(?:greatest|best|fastest|most|top)\b",
         r"\b(?:greatest|best|most|more than any|record|fastest)\b"),
        # "When are the next Games?" asks for a date to come: a past one is another question's answer.
        # A record ("the longest ski jump ever") is a distance; "the best resort" is a ranking, not a fact nearby.
        (r"\b(?:longest|farthest|furthest|highest|tallest|deepest|records?)\b",
         r"metre|meter|\bkm\b|feet|foot|kilomet|mile|\brecord\b"),
        # A record time or speed ("the fastest 500m time ever", "quickest downhill run") is a number of seconds or a
        # speed, or the record itself: a fact about the same sport without one answers another question.
        (r"\b(?:fastest|quickest|slowest)\b|\b(?:record|best|winning|world) (?:times?|speeds?)\b",
         r"\d+(?:[.,:]\d+)? ?(?:s\b|secs?\b|seconds?|minutes?|km/h|mph)|\brecord\b|\bfastest\b|\bquickest\b"),
        (r"\b(?:best|greatest|most popular)\b", r"\b(?:best|greatest|most|favou?rite|more than any|record)\b"),
        # Any question about what is still to come ("where will the next Games be held?") needs a future answer.
        (r"\b(?:when|where|who|which|what)\b.*\b(?:next|upcoming)\b|"
         r"\b(?:next|upcoming)\b.*\b(?:when|where|who|which|what)\b|"
         r"\b(?:where|who)\b.{0,30}\bwill\b(?!.*\b(?:order|package|parcel|ship))",
         r"\b(?:will|next|upcoming)\b|\b20(?:2[6-9]|[3-9][0-9])\b"),
        # "Which country hosts the 2034 Games?": a future event is no past one's answer.
        (r"\b20(?:2[7-9]|[3-9][0-9])\b|\b(?:will|going to)\b.*\b(?:host|win|hold)\b",
         r"\b20(?:2[7-9]|[3-9][0-9])\b|\bwill\b"),
        # "And where?" alone (after a fact): a place, named after "in", "at", "from" (a year may come before the
        # place's name: "at the 1998 Nagano Games").
        (r"^\W*(?:and |so |but |ok )?where(?: (?:was|were|is|did) (?:that|it|this|they))?\W*$",
         r"(?-i:\b(?:in|at|from) (?:the )?(?:\d{4} )?[A-Z][a-z]+)"),
        (r"\bwhich (?:country|nation|city|place)\b|\bwhere\b.*\b(?:held|hosted|host)\b",
         r"(?-i:\b[A-Z][a-z]+\b(?<!\bThe)(?<!\bI))"),
        # A price ("how much does a real curling stone cost?", "how much is shipping?") is no fact about the thing's
        # weight or size, nor about how long shipping takes; "how much" of a measure named anywhere asks the measure
        # ("hockey puck thickness, how much is it?").
        (r"\bhow much\b.*\b(?:cost|costs|worth)\b|\bprice of\b|"
         rf"^(?!.*\b{_MEASURE_NOUN}\b).*"
         r"\bhow much (?:is|are|does|do|will|would|for)\b(?!.*\b(?:weigh|weighs|last|lasts|take|takes|longer|left)\b)|"
         r"\bwhat(?:'s|s| is| are| does)\b.{0,30}\b(?:cost|costs|price|fee|fees)\b",
         r"\$|€|¥|\bcosts?\b|\bprices?\b|\bdollars?\b|\bfree\b"),
        # A day asked about ("do you ship on weekends?"), a price asked of a service ("is shipping free?"); a day to
        # arrive by ("will it arrive by saturday?", "before christmas") is a delivery time, which the shipping says.
        (r"(?<!\bby )(?<!\bbefore )(?<!\bby the )(?<!\bbefore the )(?<!\btime for )"
         r"\b(?:weekends?|sundays?|saturdays?|holidays?|christmas)\b",
         r"\b(?:weekends?|sundays?|saturdays?|holidays?|christmas|every day)\b"),
        (r"\b(?:free|fees?|charges?|extra cost)\b", r"\b(?:free|fees?|charge[sd]?|cost|\$)|\$"),
        # "What's the population of Norway?" is a head count, not Norway's medals.
        (r"\bpopulation\b|\bhow many (?:people|inhabitants|residents) live\b",
         r"\b(?:population|inhabitants|residents|people live)\b"),
        # "Can you recommend a good ski resort?", "which resort is the best?": a place to go, not a fact about the
        # sport played there.
        (_PLACE_TO_GO.pattern,
         r"\b(?:resorts?|hotels?|restaurants?|destinations?)\b"),
        # "Which one goes head first?": one of two things the answer tells apart ("..., which one?" at the end asks
        # which of the thing just named: "some Scottish island, which one?" asks its name).
        # Her pick ("of all the winter sports, which one is closest to your heart?") is no telling apart.
        (rf"\bwhich (?:one|of (?:them|the two|those|these))\b(?!\W*$)(?!.*(?:{_HER_FAVOURITE}|\bfavou?rite\b))",
         r"\b(?:while|whereas|but|than|unlike)\b"),
    ))


#: "Where is ...?", "what's ...?", "tell me about ...": what a thing a fact names is (not "is it worth a visit?").
_ASKS_WHAT_NAMED = re.compile(r"\b(?:where|what|what'?s|whats|who|which|tell (?:me|us)|know)\b", re.IGNORECASE)


#: "Can I still change it to L?", "switch mine to navy": what the fan has, changed into another size or colour.
#: (The product may be named: a follow-up's "it" is the product discussed.) "Switch from skiing to snowboarding" is no
#: thing the fan has.
_CHANGED_INTO = (r"\b(?:i|we)\b[^.?!]{0,20}\b(?:change|switch)\s+(?:(?!from\b|over\b)[\w'-]+\s+){1,5}?(?:to|into)\s+"
                 r"(?:an?\s+)?[\w-]+\b")

#: Store talk in other words than the store policies': a place abroad asks about shipping internationally ("to
#: Europe", "to Canada"), "where's my order?" is tracking it, "send it back" returning it, "swap" exchanging.
#: The words are added to what is looked up.
_ABROAD = re.compile(
    r"\b(?:abroad|overseas|worldwide|internationall?y?|outside (?:the )?(?:us|usa|states)|countries|europe|canada|"
    r"mexico|uk|britain|england|scotland|ireland|germany|france|spain|italy|netherlands|sweden|norway|finland|"
    r"denmark|switzerland|austria|poland|australia|new zealand|japan|korea|china|india|brazil|asia|africa|"
    r"south america|portugal|belgium|greece|czech(?:ia| republic)?|slovakia|hungary|iceland|indonesia|philippines|"
    r"malaysia|singapore|vietnam|thailand|"
    # A country in its own language or a neighbour's ("Norge", "Deutschland", "en Suisse", "in Germania"):
    # languages.py's table.
    + "|".join(re.escape(name) for name in country_names()) + r")\b|"
    # A country's flag ("🇳🇴"): two regional indicator letters, any but the store's own US.
    "(?!\U0001F1FA\U0001F1F8)[\U0001F1E6-\U0001F1FF]{2}", re.IGNORECASE)
#: "Will I get an email when it ships?", "do you notify me once my parcel leaves?", "how will I know when it's on its
#: way?": word sent of the order leaving, which is its tracking (not how long it takes to leave).
_NOTIFIED = re.compile(r"\b(?:e-?mails?|notif\w*|texts?|messages?|alerts?|sms|let (?:me|us) know|tell (?:me|us)|"
                       r"hear|(?:i|we) (?:know|find out))\b.{0,40}\b(?:ships?|shipped|leaves?|left|goes out|gone out|"
                       r"sent|dispatch\w*|on (?:its|the) way)\b", re.IGNORECASE)
_PARAPHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(said, re.IGNORECASE), meant) for said, meant in (
    (_ABROAD.pattern, "internationally"),
    (r"\bmerch\b", "merchandise"),
    (_HER_FAVOURITE, "favourite"),
    # "Can it still go back?", "will they take it back?": what was bought, returned.
    (r"\bsend\b.{0,20}\bback\b|\bmoney back\b|\brefunds?\b|"
     r"\b(?:it|they|this|that|these|those|them|\w+s)(?: still)? (?:go|goes|come|comes) back\b(?! to\b)|"
     r"\btake (?:it|them) back\b",
     "return"),
    # "What's the return window?", "how long do I have to return it?": the returns policy, by its question.
    (r"\breturn (?:window|period|policy|deadline|time|limit)s?\b|\b(?:how long|how many days)\b.{0,25}\breturn",
     "can I return something I bought"),
    # "If it doesn't fit": what is bought can go back or be swapped.
    (r"\b(?:doesn'?t|does not|don'?t|do not|didn'?t|won'?t) fit\b|\btoo (?:small|big|large|tight|loose)\b|"
     # "Turns out he's XL, not L", "wrong size": the size bought is not the one needed.
     r"\bwrong size\b|\b(?:size|fit) (?:is |was |turns out )?wrong\b|"
     r"\b(?:he|she|they|i|it)(?:'s|'re|'m| is| are| am| wears?| needs?| takes?) (?:an? |size )?"
     r"(?:x*s|m|x*l|\d?xl|small|medium|large|\d{1,2}),? not (?:an? |size |the )?(?:x*s|m|x*l|\d?xl|small|medium|large|"
     r"\d{1,2})\b",
     "return or exchange"),
    # "How do I order stuff?", "how can I buy things from the store?": the way to buy.
    (r"\b(?:how|where)(?: exactly| else)? (?:do|can|would|should) (?:i|we|you|u|one) (?:actually |even |still )?"
     r"(?:order|buy|purchase|get)\b|\bplace an order\b", "where can I buy the merchandise"),
    # "How fast do orders go out?", "how quick do you send orders out?": when an order ships.
    # "If I order it tonight, when does it go out?": the order, said as what was ordered ("before it goes out" is
    # a change to the order before it ships).
    (r"(?<!before )\b(?:orders?|it|they|my (?:stuff|things)) (?:go|goes|get|gets) (?:out|sent|shipped|dispatched)\b|"
     r"\b(?:send|get|ship) (?:orders?|it|them|things|stuff|packages?) out\b|"
     r"\b(?:send|get|ship) out (?:the |my |your )?(?:orders?|things|stuff|packages?)\b|"
     # "how soon does my stuff get shipped out?": when it ships, not where it is.
     r"\b(?:how soon|how fast|how quickly|when)\b.{0,40}\b(?:gets?|be) (?:shipped|sent|dispatched)\b|"
     # "how fast is shipping": its time.
     r"\bhow (?:fast|quick|quickly|soon) (?:is|does) (?:the )?(?:shipping|delivery)\b|"
     # "when will my order leave the warehouse?": when it ships.
     r"\b(?:orders?|packages?|parcels?) (?:leaves?|leaving)\b|\bwarehouse\b|"
     # "how soon does my stuff ship after I order?": when it ships (not where to: "do you ship to Canada?").
     r"\b(?:how soon|how fast|how quickly|how long)\b.{0,40}\b(?:ships?|dispatch(?:es)?)\b(?! to\b)|"
     # "if I order tonight, does it get to Ohio in time?", "will it arrive before Christmas?": a delivery by a day,
     # which the shipping time answers (no promise of the day).
     r"\b(?:arrive|arrives|arriving|get|gets|getting|reach|reaches|be delivered|come|comes)\b[^.?!]{0,30}"
     r"\b(?:in time|on time|by (?:\w+day|christmas|xmas|the weekend|next week|tomorrow)|"
     r"before (?:\w+day|christmas|xmas|the weekend|her|his|my|our))\b",
     "how long does shipping take"),
    # "Where's my parcel?", "my package left, how can I see where it is now?", "has it shipped yet?": where an
    # order that has left is, which its tracking says.
    (r"\btracking (?:numbers?|links?|info|codes?)\b|"
     r"\btrack (?:it|them|my (?:packages?|parcels?|stuff|deliver(?:y|ies)))\b|"
     r"\bwhere(?:'s| is| are)? (?:my|the|our) (?:orders?|packages?|parcels?|stuff|deliver(?:y|ies))\b|"
     r"\bwhere (?:it|they)(?:'s|s|'re| is| are) (?:now|at)\b|"
     # "how do I find out where it's at?", "can I check where my hoodie is?": where what was ordered is now.
     r"\b(?:find out|check|see|know|tell) where (?:it|they|my (?:\w+ )?(?:order|stuff|things|\w+))"
     r"(?:'s|s|'re| is| are)\b|\b(?:has|have|did) (?:it|they|my \w+) (?:been )?ship(?:ped)?\b|"
     r"\b(?:packages?|parcels?|orders?) (?:left|shipped|went out)\b|" + _NOTIFIED.pattern,
     # "tracking" twice over: "shipped" in the question leans to the shipping-time policy's words otherwise.
     "how do I track my order tracking"),
    # "Do u take PayPal?": a way to pay the store accepts.
    (r"(?:\b(?:do|does|can|will) |^\W*(?:and |also |plus )?)"
     r"(?:you(?: guys| all| folks)?|u|the store|the shop|your store|your shop) "
     r"(?:take|accept)\b"
     r"(?! (?:returns?|exchanges?|orders?|back|it back|them back))|"
     # "can I pay in cash?", "paying by card ok?": a way to pay, asked by the paying.
     r"\bpay(?:ing)? (?:in|with|by|using|via|through)\b|\bpaypal\b|\b(?:apple|google) pay\b",
     "which payment methods do you accept"),
    # "How heavy can they be?": a weight asked, as facts state one ("may weigh at most 20 kilograms"); "is the
    # bottle heavy?" asks about the product, not for a weight.
    (r"\bhow heavy\b|\bheav(?:ier|iest)\b", "weigh"),
    (r"\bswap(?:s|ped|ping)?\b|\btrade (?:it|them|my|the|this|that|an?)\b|"
     r"\bexchang(?:e|es|ed|ing)\b(?! rates?\b)|"
     # "Can I get the bigger size instead?", "change my beanie colour from red to navy": another size or colour of
     # what was bought.
     r"\b(?:sizes?|colou?rs?)\b.{0,40}\b(?:instead|from [a-z]+ to [a-z]+)\b|\binstead\b.{0,40}\b(?:size|colou?r)\b|"
     # "I got the beanie in red but want navy instead", "bought the hoodie in M, want L instead": the size or colour
     # itself named, of what the fan has already.
     r"\b(?:got|bought|ordered|received)\b[^.?!]{0,40}\bin [\w-]+\b[^.?!]{0,40}\binstead\b",
     "exchange"),
    # "Can I return a beanie I already wore?", "is it still returnable?": a thing bought sent back (not "when did
    # curling return?").
    (r"\breturn (?:it|them|this|that|my|an?|the)\b|\breturnable\b", "can I return something I bought"),
    # "I ordered 2 instead of 1, can I change that?": changing or cancelling what was ordered.
    (r"\b(?:change|cancel|modify|edit|fix|update|undo)\b (?:my |the |an? |this |that )?order\b|"
     r"\bordered\b.{0,60}\b(?:instead|by mistake|change|cancel|undo)\b|"
     # "I put the wrong address on my order, can I still change it?": what was ordered, changed.
     r"\border\b.{0,40}\b(?:change|cancel|modify|edit|fix|update|correct) (?:it|that|this|the)\b|"
     # "change the colour on my order", "swap the size before it goes out": an order changed before it ships
     # (once it has arrived, another size or colour is an exchange: `_ARRIVED`).
     r"\b(?:change|modify|edit|fix|update|correct|swap)\b.{0,40}\b(?:my|the|an?|this|that)(?: \w+)? order\b|"
     r"\bbefore (?:it|they|my order|the order) (?:ships?|goes out|go out|gets? (?:shipped|sent)|is (?:shipped|sent)|"
     r"leaves?)\b|"
     # "Can I cancel if it hasn't shipped yet?": cancelling, said of an order by its shipping.
     r"\bcancel\b.{0,40}\b(?:ship(?:s|ped)?|sent|goes out|gone out|left)\b|"
     # "Just ordered it in M, can I still change it to L?", "it hasn't shipped yet, can I switch it to navy?": what
     # the fan has ordered, changed into another (an order that has not gone out is still the order's to change).
     rf"{_CHANGED_INTO}|\b(?:has|have|is|was)(?: not|n'?t) (?:yet )?(?:been )?(?:shipped|sent|gone out|left)\b|"
     r"\bnot (?:shipped|sent|gone out) yet\b|"
     # "Should've been L, is it too late to change it?": what was ordered put right while it still can be.
     r"\btoo late to (?:change|cancel|modify|edit|fix|update|correct|swap|switch|undo)\b",
     "cancel or change an order"),
    (r"\bwhere(?:'s| is| are)? my (?:order|package|parcel|stuff|delivery|shipment|purchase)s?\b", "track order"),
))
#: "How long would an order take to get to Quebec?", "Sydney, when will it get there?": the time a delivery takes ...
_DELIVERY_TIME = re.compile(r"\b(?:how (?:long|many (?:business )?days|many weeks|soon|fast|quickly)|"
                            r"when (?:will|would|does|do|should|can))\b", re.IGNORECASE)
#: ... to a place the fan names: capitalised words after "to" ("to Quebec", "naar Nederland", "to New Zealand").
_TO_PLACE = re.compile(r"\b(?:to|into|naar|nach|para)\s+(?:the\s+)?([A-Z][\w-]+(?: [A-Z][\w-]+)*)")
#: ... or the same in lower case where it ends the clause ("how long does shipping take to quebec?", "to the yukon"),
#: unless a word of it is the fan's own destination or the delivery's verb (`_NOT_PLACE`: "to me", "to arrive").
_TO_PLACE_LOWER = re.compile(r"\b(?:to|into)\s+(?:the\s+)?([a-z][a-z-]+(?: [a-z][a-z-]+)?)(?=\s*(?:$|[?!.,;]))")
_NOT_PLACE = frozenset("me us you him her them it home here there door doorstep house address place flat apartment "
                       "work office arrive ship come get go take process leave dispatch show be reach send deliver "
                       "post mail".split())
#: What the fan has bought already, or wants in place of it ("after buying", "I bought", "instead", "wore it once",
#: "swapping it for"): a store policy they ask about (returns, exchanges), not a product to sell them.
_BOUGHT = re.compile(r"\b(?:bought|purchased|after (?:buying|purchasing|purchase|ordering|i order)\w*|instead|"
                     # "If I order the plush tonight, when does it go out?": the order to be, not the product.
                     r"(?:if|once|when) (?:i|we) (?:order|buy|purchase)|"
                     r"wore|worn|used (?:it|them|this|that|these|those)|swap(?:s|ped|ping)?|"
                     # "The size on my hoodie order": what the fan has ordered.
                     r"already (?:have|got|own|ordered)|(?:on|in) (?:my|our) (?:\w+ )?order|"
                     # "What if I get the size wrong?": a size that turns out wrong is one bought.
                     rf"wrong size|size (?:is |was |turns out )?wrong|(?:i|we|just) ordered)\b|{_CHANGED_INTO}",
                     re.IGNORECASE)
#: What was ordered has come: changing it is no longer changing the order ("it arrived, can I change the colour?").
_ARRIVED = re.compile(r"\b(?:arrived|came|received|delivered|got (?:it|them|my order)|after (?:buying|purchasing|"
                      r"delivery))\b", re.IGNORECASE)
#: A place abroad is store talk only with shipping in the question ("is it snowing in France?" is not).
_SHIPPING = re.compile(r"\b(?:ship|ships|shipping|shipped|deliver|delivers|delivery|send|sends|post|mail|arrive|"
                       r"arrives|arriving|arrival|packages?|parcels?|reach|reaches|"
                       # "How long until it gets to me in Germany?": its way to the fan, a delivery time.
                       r"(?:gets?|getting|come|comes) (?:to (?:me|us|you)|here|over)|"
                       r"order)\b", re.IGNORECASE)
#: "Where can I buy it?", "How do I order?": the way to buy, a store policy, not the list of products.
_WAY_TO_BUY = re.compile(r"^\W*(?:where|how)\b", re.IGNORECASE)
#: "Where do I buy the owl thing, is there a link?": the store, whichever product is meant.
_WHERE_TO_GET = re.compile(r"\bwhere\b.*\b(?:buy|get|order|find|purchase)\b|\blinks?\b", re.IGNORECASE)


#: "Do you sell ski boots?", "Have you got scarves?": whether the store has a kind of thing.
_SELLS = re.compile(r"\b(?:do|does|d'?you) (?:you|u|the store|your store|the shop|your shop) (?:sell|have|carry|stock|"
                    r"offer|make)\b|\bhave you got\b|\bis there an?\b|\bare there (?:any )?\b|"
                    r"\bcan i (?:buy|get|order)\b|"
                    r"卖不卖|有没有卖|有卖", re.IGNORECASE)
#: The words of catalogue questions a typo is read against besides the knowledge's own ("cheapst thing").
_STORE_WORDS = " ".join(CATALOGUE_WORDS) + " delivery colour color policy"
#: "Can I still buy one?", "is it still available?": whether the product just discussed can be bought now (its
#: stock, answered by the catalogue with the fan's subject).
_BUY_ONE = re.compile(
    # "What can I buy that's navy?" asks which products, "that" opening what they are like.
    r"(?<!how )(?<!what )\b(?:can|could|may|do) (?:i|we) (?:still )?(?:buy|get|order|grab|have|purchase|pick up) "
    r"(?:one|it|them|a pair|some|that(?!'s|s\b| (?:is|are)\b)|this|those|these)\b|"
    r"\b(?:is|are) (?:it|they|that|those|these|this)(?: one)? (?:still )?(?:available|"
    r"for sale|buyable)\b|\bstill (?:available|for sale|got (?:it|them|any))\b", re.IGNORECASE)
#: A question of which ("and what sizes can I get it in?", "which colours is it available in?"), not of whether.
_ASKS_WHICH = re.compile(r"\W*(?:(?:and|so|ok|okay|then)\W+)*(?:what|which)\b")
#: "in blue", "in an XL": a colour or a size the product is asked in, never a product of its own.
_IN_ATTRIBUTE = re.compile(r"in (?:an? |the )?[\w-]+")
#: "The kids one", "the blue ones", "the snowflake thing": the word before "one" that stands for a product.
_ONE = re.compile(r"([A-Za-z]+)'?\s+(?:ones?|things?|items?)\b")
#: "The ski one", "the snowflake thing": one product meant, by a word several names share (group 1). "The ski ones"
#: too: a product named in the plural ("gloves", "goggles") is "ones", so the plural alone does not say both; "both
#: the ski ones", "all the kids ones" do (`_EVERY_ONE`).
_THE_ONE = re.compile(r"\b(?:the|that|this|those|these)\s+([A-Za-z]+)'?\s+(?:ones?|thing|item)\b", re.IGNORECASE)
_EVERY_ONE = re.compile(r"\b(?:both|all|each|every)\b", re.IGNORECASE)
#: "The bottle", "that hoodie": the word after a determiner, one thing of a kind when it is a name's last word as
#: the name spells it (`_one_of_kind`).
_THE_WORD = re.compile(r"\b(?:the|that|this)\s+([A-Za-z]+)\b", re.IGNORECASE)
#: Words that name no kind of thing ("the blue one", "anything"): no product is ruled out by them.
_GENERIC = frozenset("one thing item stuff something anything product merchandise merch gift present".split())



#: Words of a follow-up that ask about the product just discussed, as its attributes do (`_asked_of_product`).
_OF_THE_PRODUCT = frozenset(tokens("pick choose choice options exactly get inside box contents included comes"))


def _asked_of_product(text: str) -> set[str]:
    """What a follow-up asks of a product beyond its name: "which colours can I pick from?", "what exactly do you
    get in the box?" ask of the product just discussed as its attributes do; "how much if I get both?" asks of
    all those discussed, so its words stay (`_EVERY_ONE`)."""
    asked = set(tokens(without_product_words(text)))
    return asked if _EVERY_ONE.search(text) else asked - _OF_THE_PRODUCT


def _one_of_kind(question: str, products: Sequence[Product]) -> bool:
    """"What colour is the bottle?" of two bottles: the fan means one thing of the kind all their names end in,
    said in the names' own number ("the bottles" are all of them; "the gloves" of a plural name is one pair)."""
    heads = {p.name.split()[-1].lower() for p in products}
    return len(heads) == 1 and any(m.group(1).lower() in heads for m in _THE_WORD.finditer(question))


#: "you said ...", "earlier you mentioned ...", "are you sure about ...": the fan quoting or challenging the host,
#: words no knowledge item has.
_QUOTES_HER = re.compile(r"^\W*(?:(?:so|but|and|wait|hey|ok)\W+)?(?:(?:earlier|before)\s+)?(?:you|u)\s+"
                         r"(?:said|mentioned|told (?:me|us)|were saying)(?:\s+(?:earlier|before))?(?:\s+that)?\b\W*|"
                         r"^\W*(?:are|r) (?:you|u) sure (?:about|of)\b\W*", re.IGNORECASE)


def _unquoted(text: str) -> str:
    """The question without the fan's "you said" in front, when it says more than that."""
    rest = _QUOTES_HER.sub("", text, count=1)
    return rest if tokens(rest) else text


def expanded(query: str) -> str:
    """The query with the store's own words for what it paraphrases (`_PARAPHRASES`)."""
    extra = [meant for said, meant in _PARAPHRASES if said.search(query)]
    return f"{query} {' '.join(extra)}" if extra else query


def _item_text(item: FunFact | FAQ | Product | AboutLine) -> str:
    """What an item says when told: a FAQ's answer, a fact's or an about line's text; a product's description."""
    return item.answer if isinstance(item, FAQ) else item.text if isinstance(item, (FunFact, AboutLine)) \
        else item.description


def emoji_named(text: str) -> str:
    """The text with each pictograph as its Unicode name's words: "🏒 fun fact" asks about "ice hockey stick and
    puck", "🎿" about "ski and ski boot" (flags and other signs name no topic: kept as they are)."""
    return "".join(f" {unicodedata.name(ch, ch).lower()} " if unicodedata.category(ch) == "So" and ord(ch) > 0x2000
                   and not 0x1F1E6 <= ord(ch) <= 0x1F1FF else ch for ch in text)


def says_what_is_asked(question: str, answer: str) -> bool:
    """The answer has the kind of thing the question asks for (a speed for "how fast", a year for "when"); true
    for a question that asks for no particular kind. A year the question names ("who won in 2022?") is one the
    answer has: an item of another year answers another question."""
    years = _YEAR.findall(question)
    # "How many calories does curling burn?" asks a count of calories: a count of something else (a stone's
    # kilograms) is another question's answer. A word counted short ("kilos") is the start of the answer's, one
    # spelled another way ("meters", "metres") has its root.
    said = [word_root(word) for word in tokens(answer)]
    counted = [word_root(word) for word in tokens(" ".join(_COUNTED.findall(question)))]
    asked = _WHEN_CLAUSE.sub(r"\1", question)
    return all(says.search(answer) for asks, says in _ASKS if asks.search(asked)) and \
        all(year in answer for year in years) and all(any(word.startswith(c) for word in said) for c in counted) and \
        not _says_the_opposite(tokens(question), tokens(answer)) and says_time_taken(question, answer)


#: "How long does an exchange take to arrive?", "how many days until the money is back?": how long something takes
#: to happen, not how long the fan has to do it ("how many days do I have to return it?").
_TIME_TAKEN = re.compile(r"\b(?:how long|how many (?:more )?(?:days|weeks|hours))\b[^?.!]*?\b(?:until|till|til|before|"
                         r"takes?|taking)\b|\bhow (?:soon|quickly|fast)\b[^?.!]*\b(?:back|refund\w*|credited)\b",
                         re.IGNORECASE)
#: A time a policy grants the fan ("can be returned within 30 days", "you can cancel until it ships"): a deadline to
#: act by, no time anything takes.
_PERMITTED = re.compile(r"\b(?:can|may)\s+(?:be\s+\w+ed|(?!take\b|last\b)\w+)\b[^.;:]*", re.IGNORECASE)
#: A time something takes or happens in ("ship within two business days", "as soon as it ships").
_A_TIME = re.compile(r"\b(?:within|in|after|takes?|until|till)\b[^.;:]{0,25}?\b(?:days?|weeks?|hours?|minutes?|"
                     r"months?)\b|\bas soon as\b|\bsame day\b|\bovernight\b", re.IGNORECASE)


#: "How many days until the money is back on my card?", "when will I get my refund?": the time a refund takes.
_REFUND_TIME = re.compile(r"\b(?:how long|how soon|how quickly|how fast|how many (?:more )?(?:days|weeks|hours)|"
                          r"when (?:will|would|do|does|should|is|are))\b[^?.!]*\b(?:refund\w*|"
                          r"money\b[^?.!]{0,20}\bback|back (?:on|to|in) (?:my|the|your) (?:card|account|bank)|"
                          r"reimburs\w*|credited)",
                          re.IGNORECASE)
#: A time said of the refund itself ("refunds are issued within 5 days"), not of the return it follows.
_REFUND_TIMED = re.compile(r"\b(?:refunds?|refunded|reimburs\w*|credited|money)\b[^.;:]{0,30}\b(?:within|in|after|"
                           r"takes?)\b[^.;:]{0,20}\b(?:days?|weeks?|hours?)\b", re.IGNORECASE)


def says_time_taken(question: str, answer: str) -> bool:
    """A question of how long something takes is answered by a time it takes: a deadline the fan is granted ("can be
    returned within 30 days") says nothing of when the money is back, nor does the shipping time; true for a
    question that asks no such time."""
    if _REFUND_TIME.search(question) and not _REFUND_TIMED.search(answer):
        return False
    return not _TIME_TAKEN.search(question) or bool(_A_TIME.search(_PERMITTED.sub(" ", answer)))


#: Qualifiers that name one of two kinds of the same thing: "the first summer Olympics" is not "the first Winter
#: Olympic Games".
_OPPOSITE = {"summer": "winter", "winter": "summer", "indoor": "outdoor", "outdoor": "indoor"}


def _says_the_opposite(asked: list[str], said: list[str]) -> bool:
    """The answer says of the question's thing the opposite qualifier ("first summer olympic" asked, "first winter
    olympic" said) and nowhere the question's own: it is about the other kind. A question naming both (winter or
    summer?) has no side."""
    def beside(words: list[str], i: int) -> set[str]:
        return {words[j] for j in (i - 1, i + 1) if 0 <= j < len(words)}

    for i, word in enumerate(asked):
        other = _OPPOSITE.get(word)
        if other is None or other in asked:
            continue
        near = beside(asked, i)
        if any(w == other and beside(said, j) & near for j, w in enumerate(said)) and \
                not any(w == word and beside(said, j) & near for j, w in enumerate(said)):
            return True
    return False


_YEAR = re.compile(r"\b(?:1[89][0-9]{2}|20[0-9]{2})\b")
#: "How far are they from the targets when they shoot?": a "when" clause after the question's own question word says
#: under what condition, it asks no time.
_WHEN_CLAUSE = re.compile(r"\b((?:how|what|which|who|where|why)\b[^?.!]*?)\s+when\b[^?.!]*", re.IGNORECASE)
#: "How many calories": what a count counts.
_COUNTED = re.compile(r"\bhow many (?!(?:more|of|times|people|years?)\b)([a-z]+)", re.IGNORECASE)
#: What a near miss must say besides the kind of thing asked (`says_what_is_asked`) to answer a part of the question:
#: the person the question names ("which skis does Mikaela Shiffrin race on?": her), and for a how-to ("how do I do a
#: kick turn?") a way of doing it. A fact that shares only the sport's words with such a question answers none of it.
_PERSON = re.compile(_NAME + r"\b")
_HOW_TO = re.compile(r"\bhow (?:do|can|could|should|would) (?:i|we|you|u|one) (?!(?:know|say|feel|think)\b)|"
                     r"\bhow to\b", re.IGNORECASE)
_A_WAY = re.compile(r"\bby \w+ing\b|\busing\b|\byou\b|\bwith (?:a|an|the|your)\b", re.IGNORECASE)


#: "Why do curlers sweep?", "how come the games alternate now?": a question for a cause ...
#: "Since when are the games in different years?": answered by the one fact that says from or until which year.
_SINCE_WHEN = re.compile(r"\b(?:since|from) (?:when|what year|which year)\b", re.IGNORECASE)
_SINCE_YEAR = re.compile(r"\b(?:since|until|till|from)\s+(?:the\s+)?(?:1[89][0-9]{2}|20[0-9]{2})\b", re.IGNORECASE)
_WHY = re.compile(r"\bwhy\b|\bhow come\b|\bwhat(?:'s| is) the (?:reason|point|purpose)\b", re.IGNORECASE)
#: ... which a fact stating one answers, not in part ("to warm and smooth it, so the stone slides farther", "since
#: 1994 they alternate").
_BECAUSE = re.compile(r"\b(?:so|because|since|in order to|which is why|that'?s why|thanks to|due to)\b|"
                      r"\bto \w+(?: and \w+)? (?:it|them)\b", re.IGNORECASE)


def answers_in_part(question: str, answer: str) -> bool:
    """A near miss answers a part of the question (a hedge may offer it): it has the kind of thing asked, the
    person named, and a way for a how-to."""
    said = set(tokens(answer))
    return says_what_is_asked(question, answer) and \
        all(set(tokens(person)) <= said for person in _PERSON.findall(question)) and \
        (not _HOW_TO.search(question) or bool(_A_WAY.search(answer)))
#: "cool, ...", "ok thanks, ...": an acknowledgement of the answer before, in front of the next question.
_ACKNOWLEDGED = re.compile(r"^\W*(?:(?:ok|okay|cool|nice|great|thanks|thank you|thx|awesome|sweet|perfect|alright|"
                           r"got it|lovely)\W+)+", re.IGNORECASE)
#: A message that goes on from something said before: "and what colours?", "also the sizes?".
_AND_THEN = re.compile(r"^\W*(?:and|also|plus|so)\b", re.IGNORECASE)
#: "... also u take apple pay", "and shipping to canada": a sentence that adds to the question before it.
_GOES_ON = re.compile(r"^\W*(?:and|also|plus)\b", re.IGNORECASE)
#: "What year was that?", "how fast was it?", "where was he from?": a question about what was just told.
_THAT = re.compile(r"\b(?:that|this|it|then|they|them|those|these|he|she|him|her|his)\b")
#: "Those same games", "that same year", "at the time": when the fact just told happened.
_SAME_TIME = re.compile(r"\b(?:those|these|that|the)\s+same\s+(games|olympics|year|season|event)\b|"
                        r"\b(?:that|this) year\b|\bat (?:that|the) time\b", re.IGNORECASE)
#: "Huh, really?", "is that true?", "no way!", "what even is that?": doubt of what was just told, or puzzlement,
#: answered by saying it again.
_DOUBT = re.compile(
    r"^\W*(?:(?:huh|wait|what|wow|oh|whoa|hmm|ok|omg)\W+)*(?:really|seriously|for real|no way|are you sure|"
    r"you sure|is that (?:true|right|real)|is it true|that'?s true|true|"
    r"what(?:'s|s| is| even is| exactly is) (?:that|it|this)(?: even)?)\W*$|^\W*(?:真的吗|真的假的|是吗|不会吧)\W*$",
    re.IGNORECASE)


def questions_of(text: str) -> list[str]:
    """The questions of a message in order, up to MAX_QUESTIONS; the whole message when it has fewer than two
    (a question with its context, or a request without a question mark)."""
    parts = _glossed(_asked_sentences(text))
    # "beanie colours?? also u take apple pay": a sentence that goes on from a question ("also", "and") asks too.
    asking = [p for i, p in enumerate(parts) if is_question(p) or i and _GOES_ON.match(p) and is_question(parts[i - 1])]
    # "price of the beanie, do u ship to the UK": a price asked without a question's words is one of the questions.
    questions = _tags_joined([q for p in asking for c in _SECOND_QUESTION.split(p) for q in _comma_apart(c)
                              if is_question(q) or _asks_alone(q) or is_product_question(q) or not is_question(p)])
    return questions[:MAX_QUESTIONS] if len(questions) > 1 else [retrieval_query(text)]


def _asked_sentences(text: str) -> list[str]:
    """The fan's sentences but a unit asked after a question of a measure ("how much does the bottle hold? how many
    ml"): the question before answers it, in the words of its item."""
    sentences = _fan_sentences(text)
    return [s for i, s in enumerate(sentences) if not (i and _UNIT_ASKED.match(s))]


#: "1992??", "or 20?" after a question: the fan's guess at its answer, which the answer itself confirms or corrects.
_GUESS = re.compile(r"^\W*(?:or|maybe|like|was it|is it)?\W*\d[\d,.]*(?:s|st|nd|rd|th)?\W*$", re.IGNORECASE)


def _fan_sentences(text: str) -> list[str]:
    """A message's sentences as a fan means them: none ends at an abbreviation ("wasn't it in St. Moritz?"), and a
    guess at the answer after a question ("what year was it? 1992??") is no question of its own."""
    sentences: list[str] = []
    for sentence in sentences_of(text):
        if sentences and sentences[-1].split()[-1].lower() in ABBREVIATIONS:
            sentences[-1] = f"{sentences[-1]} {sentence}"
        elif not (sentences and _GUESS.match(sentence) and is_question(sentences[-1])):
            sentences.append(sentence)
    return sentences


def _glossed(parts: list[str]) -> list[str]:
    """The sentences with a question in a fan's first language joined to the English words after it that are no
    question of their own: those say again what it asked about ("quanto costa la borraccia termica? the thermal
    bottle", "uma curiosidade sobre hóquei no gelo? ice hockey pls", "nějaký fakt o krasobruslení? (figure skating)
    děkuju": a thanks in the fan's language is no question of its own), and its own words say what kind of answer
    (the price, a fun fact)."""
    glossed: list[str] = []
    for part in parts:
        if glossed and has_foreign(glossed[-1]) and is_question(glossed[-1]) and not is_question(part) \
                and not has_foreign(without_courtesies(part)):
            glossed[-1] = joined([glossed[-1], part])
        else:
            glossed.append(part)
    return glossed


#: "do u know?", "right?", "can you tell me?": a tag that asks nothing of its own, only of the question it stands by.
_TAG = re.compile(r"^\W*(?:(?:do|d'?) ?(?:you|u|ya) know|(?:you|u) know|(?:are|r) (?:you|u) sure|right|am i right|"
                  r"is (?:that|it) (?:right|true|so)|(?:can|could) (?:you|u) tell (?:me|us)|"
                  # "is there a Q&A today? when": a bare question word asks it of the question it stands by
                  r"(?:and |so |but )?(?:when|where|how much|how long|what time|how soon|which one)|"
                  # "my teen wants to know", "asking for my grandpa": who asks, of the question beside it
                  r"(?:[\w']+\s+){0,4}(?:wants?|wanted|would like|'d like|needs?) to know|"
                  r"(?:[\w']+\s+){0,4}(?:is|are|was|were|'s|'re) (?:wondering|curious|asking)|"
                  r"(?:i'?m |just )?asking for (?:a |my |our )?[\w']+(?: [\w']+)?)\W*$",
                  re.IGNORECASE)
#: "Are you animated? Like a cartoon?", "are you real? as in a real person?": a thing named by way of example, which
#: says the question before it again and joins it as a tag does ("like for -10?" adds a condition of its own).
_RESTATED = re.compile(r"^\W*(?:like|as in|i mean|meaning)\W+(?:a|an|the|some)\s+[\w\s-]+\W*$", re.IGNORECASE)
#: "Plush or pin set for my niece? which one is cheaper": which of the choice just put, asked of that choice.
_WHICH_OF_CHOICE = re.compile(rf"^\W*(?:(?:and|so|but|ok|okay)\W+)?{WHICH_OF_THEM.pattern}[\w\s]{{0,12}}\W*$",
                              re.IGNORECASE)
_A_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)
#: Units of capacity, length and weight that a measure is told in, by the kind of measure.
_UNIT_KINDS = {"volume": r"ml|millilit\w*|lit(?:re|er)s?|cl", "length": r"cm|centimet\w*|mm|millimet\w*|inch(?:es)?",
               "weight": r"kg|kilo\w*|grams?|oz|ounces?|pounds?|lbs?"}
_UNITS = "|".join(_UNIT_KINDS.values())
#: "How much does the bottle hold? how many ml", "bottle capacity? how many millilitres for my soup": the unit the
#: answer to the question before is wanted in, with what the fan wants it for, no question of its own.
_UNIT_ASKED = re.compile(rf"^\W*(?:(?:and|so|like|or)\W+)?(?:how many|in)\s+(?:{_UNITS})"
                         r"(?:\s+(?:for|of) (?:my|our|a|an|the) [^.?!]{1,40}|\s+(?:does it|would it|is it|is that)"
                         r"(?: \w+)?)?\W*$", re.IGNORECASE)
#: "How much does one weigh?", "how fast can one go": "one" as the thing the fan is talking about.
_ONE_OF_TOPIC = re.compile(r"\b(?:does|do|did|is|was|can|could|would|will)\s+(one)\b(?!\s+of\b)", re.IGNORECASE)
#: "Which came first", "what got into the olympics earlier": the earlier of two things asked.
_WHICH_FIRST = re.compile(r"\b(?:which|what|who)\b[^?]{0,60}?\b(?:first|earlier|sooner|older)\b", re.IGNORECASE)
#: A number with its unit, as a told item states a measure ("19.96 kilograms", "350 ml").
_MEASURE = re.compile(rf"\d\s*(?:{_UNITS}|met(?:re|er)s?)\b", re.IGNORECASE)
#: "are you sure about that curling stone weight? how many kilos exactly?": a challenge of what she said, whose
#: question follows it.
_CHALLENGE = re.compile(r"^\W*(?:are|r) (?:you|u) sure (?:about|of)\b", re.IGNORECASE)
#: "after the Q&A, nani? what comes next", "ok once the dance is over... then?": a time named with at most a word
#: after it, whose question follows it.
_WHEN_LEADS = re.compile(r"^(?:[^,?.!]{1,20},\s*)?(?:(?:and|so|ok|okay)\W+)?(?:after|once) [^?.!,;]{1,30}"
                         r"(?:,\s*[^\W\d_]+)?\W*$", re.IGNORECASE)


def _unit_kinds(text: str, measured: bool = False) -> set[str]:
    """The kinds of measure (volume, length, weight) a text names a unit of; `measured`: only those it states with
    a number ("a 350-millilitre bottle")."""
    number = r"\d\s*-?\s*" if measured else r"\b"
    return {kind for kind, units in _UNIT_KINDS.items() if re.search(rf"{number}(?:{units})\b", text, re.IGNORECASE)}


def _tags_joined(questions: list[str]) -> list[str]:
    """The questions with each tag joined to the question before it (the one after, when it comes first), each
    restatement to the question before it, and each challenge or time named ("after the Q&A?") to the question after
    it: none is a question to answer on its own."""
    joined_up: list[str] = []
    leading = ""
    for question in questions:
        if joined_up and (_TAG.match(question) or _RESTATED.match(question) or
                          _WHICH_OF_CHOICE.match(question) and _A_CHOICE.search(joined_up[-1])):
            joined_up[-1] = joined([joined_up[-1], question])
        elif _TAG.match(question) or _CHALLENGE.match(question) or _WHEN_LEADS.match(question):
            leading = joined([leading, question])
        else:
            joined_up.append(joined([leading, question]))
            leading = ""
    return joined_up + [leading] if leading else joined_up


def _comma_apart(clause: str) -> list[str]:
    """"How old are you, what's your fav sport": questions a comma apart, when the one before the comma asks on its
    own (a question word and its verb, or a verb and its subject) and the one after opens with a question word or a
    request ("whats the beanie price, do u ship to mexico"); "when you were little, where did you ski?" is one, and
    so is "how do you move like that, are you animated?"."""
    for apart in (_COMMA_QUESTION, _PLUS_QUESTION, _UNPUNCTUATED_QUESTION):
        parts = apart.split(clause, maxsplit=1)
        if len(parts) == 2 and _asks_alone(parts[0]) and not _ASKS_OF_WHAT_FOLLOWS.search(parts[0]):
            return [parts[0], *_comma_apart(parts[1])]
    return [clause]


def _asks_alone(clause: str) -> bool:
    """The clause asks on its own (`_ASKS_ALONE`), chat spelling read ("hw old r u"), after a name it is put to too
    ("aurora hw old are u": one word, then the question; not a word that makes it part of a sentence, "if what's
    ...", "know how old ...")."""
    clause = spelled_out(clause)
    first, _, rest = clause.strip().partition(" ")
    return bool(_ASKS_ALONE.match(clause) or first.isalpha() and first.lower() not in _LEADS_INTO
                and _ASKS_ALONE.match(rest))


#: Words before a question's opening that make it part of a sentence ("if what you said is true", "know how old you
#: are"), not a question put to someone by name.
_LEADS_INTO = frozenset({"if", "when", "since", "because", "as", "while", "whether", "unless", "and", "but", "or",
                         "so", "know", "wonder", "ask", "asked", "tell", "told", "see", "guess", "say", "said", "mean",
                         "think", "idk", "dunno", "about", "on", "of", "to", "is", "that", "no"})


#: A comma before a question word, or before a request of the store or the host ("do u ship", "can you"): where a
#: second question may start ("are you animated?" after "how do you move like that" says the same thing again).
_COMMA_QUESTION = re.compile(r",\s*(?=(?:what|what's|whats|how|where|which|who)\b|"
                             r"(?:do|does|can|could|will|would)\s+(?:you|u|ya|they|we|i)\b|"
                             r"(?:is|are)\s+(?:the|it|this|that|there|they)\b)", re.IGNORECASE)
#: "how old are u + fav sport??", "where are you from & do you ski": a plus or an ampersand before a question word or
#: a favourite asked without its verb, where a second question starts ("how much is the hoodie + beanie" adds the two).
_PLUS_QUESTION = re.compile(r"\s*[+&]\s*(?=(?:what|what's|whats|how|where|when|which|who|why|do|does|can|could|are|is|"
                           r"fav|fave|favou?rite)\b)", re.IGNORECASE)
#: Chat often has no punctuation at all ("how much is the beanie whats the return policy"): a question word with
#: its verb, or a request, starts a second question where nothing marks it (stricter than after a comma: "how do
#: you know where it is" is one question).
_UNPUNCTUATED_QUESTION = re.compile(r"\s+(?=(?:what's|whats|what is|what are|how much|how many|how long|how do|how can|"
                                    r"where's|wheres|where is|where are|where do|when is|when does|when do|"
                                    r"do (?:you|u|ya)|can (?:i|you|u|we)|is there|are there)\b)", re.IGNORECASE)
#: "can I ask how much it is", "do you know what's next": a question whose object is the question after it.
_ASKS_OF_WHAT_FOLLOWS = re.compile(r"\b(?:ask|know|tell (?:me|us)|wonder(?:ing)?|say|mean|see|guess|think)\W*$",
                                   re.IGNORECASE)
#: A question that asks on its own: "how old are you", "what is curling", "do you ship", "what's the beanie price".
_ASKS_ALONE = re.compile(r"^\W*(?:(?:what|how|where|when|which|who|why)(?:'s|\s+(?!(?:you|u|i|we|they|it)\b)\w+)?\s+"
                         # chat's "r" for "are": "how old r u, whats ur fav sport"
                         r"(?:is|are|r|was|were|do|does|did|can|could|will|would)|(?:do|does|did|can|could|is|are|r|"
                         r"will|would)\s+(?:you|u|i|we|they|it)\b|(?:what's|whats|what is|how much)\s+\w|"
                         # "price of the beanie, do u ship to the UK": a price asked without a verb asks on its own.
                         r"(?:the\s+)?(?:price|cost)\s+(?:of|for)\s+\w)", re.IGNORECASE)


#: What follows an auxiliary verb that asks ("does the beanie", "is it", "do they"): what a typo of one stands before.
_ASKED_OF = re.compile(r"\s+(?:the|it|they|this|that|these|those|you|u|she|he|we|i)\b", re.IGNORECASE)


def respelled_function_word(text: str, word: str) -> str | None:
    """The text with `word` read as the function word it is a typo of, two letters swapped ("dose the beanie" →
    "does the beanie"), where it stands as one (before "the", "it", ...); None when it is no such typo. A word
    that a forbidden topic is found by may be only that ("dose" is medicine's, "does" everyone's)."""
    lower = word.lower()
    swaps = {lower[:i] + lower[i + 1] + lower[i] + lower[i + 2:] for i in range(len(lower) - 1)} - {lower}
    meant = next((w for w in sorted(swaps) if w in STOPWORDS), None)
    if meant is None:
        return None
    found = re.search(rf"\b{re.escape(word)}\b(?={_ASKED_OF.pattern})", text, re.IGNORECASE)
    return None if found is None else text[:found.start()] + meant + text[found.end():]


#: "My grandson says you are a computer. Is that so, dear?": the fan asks her to confirm the sentence before.
_CONFIRM = re.compile(r"^\W*(?:is|isn'?t) (?:that|it|this) (?:so|true|right|correct)\b", re.IGNORECASE)
#: "No credit card here, only debit. Is that ok?", "I'm in Canada, would that work for the store?": the fan asks
#: whether what the sentence before says will do.
_WILL_DO = re.compile(r"^\W*(?:is|isn'?t|would|will|does|do|can) (?:that|it|this|those|these) (?:be |still )?"
                      r"(?:ok|okay|fine|alright|all right|acceptable|accepted|allowed|a problem|an issue|possible|"
                      r"work|do)\b", re.IGNORECASE)


def _elliptic(question: str, before: str) -> bool:
    """A price question that names nothing ("😍 how much", "price??"), one that only points back ("nordic
    combined... what even is that"), a bare sum ("one kid wants the plush, the other the mittens. total?"), a bare
    ask for suggestions ("Looking for a gift under $30. Ideas?"), or a fact asked of what it points back at ("I
    adore figure skating. Do you have a nice fact about it?"): it leans on the sentence before it, as does a
    comparison with one side ("the hoodie is too expensive. is the beanie less?") and a confirmation ("my grandson
    says you are a computer. is that so?") or whether it will do ("only debit here, is that ok?"). A fact after bad
    news ("we lost. A fun fact about it?") is one to cheer up, of any topic."""
    if ONE_SIDED_COMPARISON.search(question) or _CONFIRM.match(question) or _WILL_DO.match(question):
        return True
    # "luge vs skeleton... i always mix them up, what's the difference": the two set side by side are named before.
    if _DIFFERENCE.search(question) and not _PAIR.search(question) and _PAIR.search(before):
        return True
    if (_POINTS_BACK.search(question) or _SUGGESTIONS.search(question)) and len(tokens(question)) <= 1:
        return True
    # "Jan Boklöv! what did he do?": a question of nothing but a person pointed back at asks of the one just named.
    if _PERSON_BACK.search(question) and not tokens(question):
        return True
    # A fact asked with no topic of its own, pointing back or not ("hockey is life. hit me with a fact", "I play
    # curling! tell me something"): the sentence before names the topic.
    # Chat spelling read as words: "luge!! tell me smth cool about it pls" asks a fact of luge.
    spelled = spelled_out(question)
    if (_POINTS_BACK.search(spelled) or _FACT_REQUEST.search(spelled) or _TEACH.search(spelled)) and \
            set(tokens(spelled)) <= _FACT_WORDS and not detect_moods(before):
        return True
    return bool(_PRICE.search(question)) and not tokens(without_product_words(question)) or only_sum_asked(question)


#: Words that ask nothing of their own beside a pronoun: "are those ones still in stock or not?" asks about them, and
#: "wait, how much was it again?", "sorry what did you say it cost?" ask it again.
_OF_TIME_OR_POINTING = frozenset(tokens("still now right anymore yet one ones "
                                        "wait sorry again say said remind earlier hmm um uh oops"))
#: How many of it a fan asks for ("how much for 2 of them?", "a couple of those"): a count says no subject of its own.
_COUNT_WORDS = frozenset(tokens("two three four five six seven eight nine ten couple pair few"))
#: An ask for suggestions that says nothing of what for ("Ideas?", "any recommendations?").
_SUGGESTIONS = re.compile(r"^\W*(?:any )?(?:ideas?|suggestions?|recommendations?|tips?|options?)\W*$", re.IGNORECASE)
#: A question ending on what it points back at ("what's that?", "how does it work?").
_POINTS_BACK = re.compile(r"\b(?:that|this|it|those|them|they)\W*$", re.IGNORECASE)
#: Two things named together ("luge vs skeleton", "the mittens or the gloves").
_PAIR = re.compile(r"\b(?:vs|versus|and|or)\b|[&/]", re.IGNORECASE)
#: A person pointed back at ("what did he do?", "where is she from?").
_PERSON_BACK = re.compile(r"\b(?:he|she|him|his)\b", re.IGNORECASE)


def retrieval_query(text: str) -> str:
    """The part of a message to look up: its questions when it also says other things ("I'm sad, we lost.
    Why are pucks frozen?", "我们输了，好难过。冰球为什么要冷冻？"), so the bad news does not steer the search; a fact
    asked for beside them stays ("Why do they sweep in curling? fun fact pls": the fact is what is asked)."""
    parts = _glossed(_asked_sentences(text))
    # "The plush!!! 😍 how much": a question of a word or two asks about the sentence before it, which it keeps; so
    # does one after the fan's budget ("I've only got $40. Can I get both the beanie and the pin set?").
    # A sentence that says whom the fan shops for, what they wear or the weather ("Something for a cold walk? my
    # boy is 7") stays with it too, before or after.
    questions = [joined([*(_leaned_on(parts, i) if i and _leans_on(p, parts[i - 1]) else []), p,
                         *(parts[i + 1:i + 2] if i + 1 < len(parts) and not is_question(parts[i + 1])
                           and states_occasion(parts[i + 1]) else [])])
                 for i, p in enumerate(parts) if is_question(p) or _HOW_MUCH.search(p) or _FACT_REQUEST.search(p)]
    return joined(questions) if questions and len(parts) > 1 else joined(parts)


def _leaned_on(parts: Sequence[str], i: int) -> list[str]:
    """The sentences a question leans on: the one before it, and while that one only points back itself ("Nordic
    combined... I never understood it. Tell me something about it?"), the ones before it up to what it names."""
    start = i - 1
    while start and _POINTS_BACK.search(parts[start]) and not is_question(parts[start - 1]):
        start -= 1
    return [_without_bad_news(part) for part in parts[start:i]]


def _leans_on(question: str, before: str) -> bool:
    """The question asks about the sentence before it: it says too little on its own (`_elliptic`), or the sentence
    gives the fan's budget, occasion or size."""
    return (_elliptic(question, before) or states_budget(before) or states_occasion(before) or states_size(before)) \
        and not is_question(before)


def _without_bad_news(sentence: str) -> str:
    """A sentence that a question leans on, less its clauses of bad news ("I'm really upset, my order never showed
    up. How do I track it?"): the sympathy answers those, and only the rest says what the question is about."""
    clauses = re.split(r"[,;]", sentence)
    kept = [c for c in clauses if detect_moods(c)[:1] not in (["sad"], ["grief"])]
    return joined(kept) if kept and len(kept) < len(clauses) else sentence


#: "… but anyway how much is the owl plush again sorry i missed it": a price asked in passing is a question, though
#: the sentence does not open as one.
_HOW_MUCH = re.compile(r"\bhow much\b|多少钱", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """The answer to one question of a message, and what the fan's subject becomes: `subject` (None: forgotten)
    unless `keep`, which leaves the fan's subject as it was (how she is, a clarifying question back)."""

    intent: Intent
    sentences: list[Sentence]
    hits: tuple[Hit, ...] = ()
    subject: Subject | None = None
    keep: bool = False
    #: What the part answers when its words vary (a phrase rotated: "how_are_you"): two such parts are one answer.
    answers: str = ""


#: Answers that leave the question unanswered: the engine reads it again by its meaning (`RetrievalEngine._by_meaning`).
_UNANSWERED = frozenset({"unknown", "partial"})

def _answered(part: Part) -> int:
    """How well a part is answered: 0 not ("I don't know"), 1 a hedge, 2 an answer."""
    return 0 if part.intent == "unknown" else 1 if part.intent == "partial" else 2


#: Answers that tell a knowledge item as written: one told already in the same message is not told again.
_TELLS_ITEM = frozenset({"fact", "faq", "partial", "topic_fact", "small_talk", "product"})


def _stated(part: Part) -> tuple[str, ...]:
    return tuple(dict.fromkeys(s for sentence in part.sentences for s in sentence.sources))


class RetrievalEngine(DialogueEngine):
    """The embedded engine: grounded answers composed from the knowledge base in the persona's voice. It keeps
    each fan's subject (`fans`, by `ChatTurn.user`) so that follow-ups resolve against what that fan was just
    told."""

    name = "retrieval"

    def __init__(self, persona: Persona, index: KnowledgeIndex | None = None,
                 fans: Conversations | None = None) -> None:
        self.persona = persona
        self.index = index if index is not None else KnowledgeIndex(persona.knowledge, language=persona.language)
        self.fans = fans if fans is not None else Conversations()
        self._turn = 0  # rotates the persona's phrase variants so repeated answers do not sound canned
        self.wording = WORDING[persona.language]
        #: Where the show this host performs stands, for "what's next?" (bridge/show.py sets it; None: no show).
        self.show_source: Callable[[], ShowSnapshot | None] = lambda: None
        knowledge = persona.knowledge
        #: A product's name as words: what names it in a question ("the bottle" names two).
        self._names = {p.id: frozenset(tokens(p.name)) for p in knowledge.products}
        #: A name's head noun (catalogue.name_head): what the product is ("bottle"), as opposed to a modifier ("ski").
        self._heads = {p.id: name_head(p) for p in knowledge.products}
        #: A product's tags and description as words: what tells two products of one kind apart.
        self._described = {p.id: frozenset(tokens(f"{' '.join(p.tags)} {p.description}")) for p in knowledge.products}
        #: A fact's tags as words, and its text's: what a topic ("curling", "hockey") finds it by.
        self._fact_tags = {f.id: frozenset(tokens(" ".join(f.tags))) for f in knowledge.fun_facts}
        self._fact_words = {f.id: frozenset(tokens(f.text)) for f in knowledge.fun_facts}
        self._fact_topics = frozenset().union(*self._fact_tags.values())
        #: What a fact's tags name it by: a tag's head, its last word ("ice hockey" is hockey; "ski jumping" is
        #: jumping, not any sport on skis).
        self._fact_heads = {f.id: frozenset(w for tag in f.tags for w in tokens(tag)[-1:]) for f in knowledge.fun_facts}
        #: Its tags' and text's words as roots: a sport asked by what is done in it ("the one where they ski and then
        #: shoot") is the fact saying it ("cross-country skiing with rifle shooting").
        self._fact_roots = {f.id: frozenset(map(word_root, self._fact_tags[f.id] | self._fact_words[f.id]))
                            for f in knowledge.fun_facts}
        self._root_counts = Counter(root for roots in self._fact_roots.values() for root in roots)
        #: How many facts have a word: a word most facts share ("winter", "olympic") says less about which one is
        #: meant than one only a single fact has ("Scotland").
        self._fact_counts = Counter(word for f in knowledge.fun_facts
                                    for word in self._fact_tags[f.id] | self._fact_words[f.id])
        self._name_words = frozenset().union(*self._names.values())
        self._subject_words = self._name_words.union(*self._fact_tags.values())
        #: Tags most facts share ("history", "olympic"): they say what kind of fact, never which subject ("when did
        #: it get into the olympics?" still leans on "it").
        tagged = Counter(w for tags in self._fact_tags.values() for w in tags)
        self._kind_tags = frozenset(w for w, n in tagged.items() if n > len(knowledge.fun_facts) / 4)
        #: What a question may ask of a product without naming it ("What sizes?", "In red?", "Still in stock?").
        self._attributes = frozenset(tokens(
            "size sizes colour colours color colors price cost stock available availability sold out left warm "
            "waterproof material made preorder pre-order come good worth fit big tall long wide heavy "
            "尺码 颜色 价格 有货 库存 保暖 "
            + " ".join(v for p in knowledge.products for v in (*p.colors, *p.sizes))))
        # Typos are read against the words that name things (product names, every tag) and the store policies'
        # questions' words, never against the rest.
        named = " ".join([p.name for p in knowledge.products] + [t for p in knowledge.products for t in p.tags]
                         + [t for f in knowledge.fun_facts for t in f.tags]
                         + [c for p in knowledge.products for c in p.colors]
                         + [f.question for f in knowledge.faqs]  # "shiping" → shipping
                         + [_STORE_WORDS]  # "cheapst" → cheapest
                         # "a fakt abt curling", "when does the shwo end": the words a fact or the show is asked by.
                         + [" ".join(_FACT_WORDS), "show stream"])
        self._known = frozenset(re.findall(r"[a-z]+", " ".join(d.text for d in self.index.documents).lower()))
        self._english = english_words()
        #: Noisy chat text (shorthand, leetspeak, typos) read as the words meant before a question is read.
        self.noisy = NoisyText(re.findall(r"[a-z]+", named.lower()), self._known, english_ranked())
        #: The question read by its meaning when its words find no answer.
        self.meanings = Meanings(persona, self.index)
        #: A question in another language read by its meaning across languages (e5: `warm` at load, else on first
        #: need).
        self.cross_lingual = CrossLingual(persona.language, persona.forbidden_topics)
        #: A store-policy question, a question about the show and the fan's feeling read by trained classifiers
        #: (readers.py) as well as by words (no weights for the index's model: None).
        model = self.index.model.name if self.index.backend == "embeddings" else ""
        self.policy_reader = Reader.load("policy", model)
        self.mood_reader = Reader.load("mood", model)
        self.show_reader = Reader.load("show", model)

    async def reply(self, turn: ChatTurn, history: DialogueHistory | None = None) -> AsyncIterator[ReplyEvent]:
        check_chat_text(turn.text)
        # Embedding the question is CPU work (torch releases the GIL): keep it off the event loop.
        answer = await asyncio.to_thread(self.compose, turn)
        for sentence in answer.sentences:
            yield sentence

    # -- composition ------------------------------------------------------------------------------------------

    def _phrase(self, kind: str, variant: int = 0, **values: str) -> str:
        return self.persona.phrase(kind, self._turn + variant, **values)

    def restart_phrases(self) -> None:
        """The persona's phrase variants start again from the first, as for a new audience (an evaluation's
        items are each answered as if nothing was said before them)."""
        self._turn = 0

    def compose(self, turn: ChatTurn) -> Answer:
        """The whole answer at once (the stream yields it sentence by sentence), the fan's subject updated.
        Raises ChatTextError."""
        text = check_chat_text(turn.text)
        if without_words(text):
            return self._wordless(turn.user, text)
        text = without_mash(text)  # "hjjjjjj hi, toddler had the phone": the fan's words are the rest
        text = self.noisy.words_apart(text)  # "the pins.. howmuch??": a question, asked of the pins
        moods = self._felt(text, detect_moods(self._to_her(text)))
        self._turn += 1
        verdict = screen(text, self.persona)
        if verdict.kind == "forbidden" and (respelled := respelled_function_word(text, verdict.matched or "")):
            verdict = screen(respelled, self.persona)  # "wat colurs dose the beenie": "does", no medicine dose
        if verdict.kind == "injection":
            self.fans.record(turn.user, None)
            return Answer("injection", (Sentence(f"{emotion_tag('happy')} {gesture_tag('shake_head')} "
                                                 f"{self._phrase('injection')}"),))
        if verdict.kind in ("blocked", "forbidden"):
            self.fans.record(turn.user, None)
            return Answer("refusal", (self._refusal(verdict.topic),))
        opener = [self._opener(mood) for mood in moods[:2]]
        # A greeting with a wish ("Good evening, I do hope you are keeping well.") is answered as "how are you?"
        # (never after the fan's bad news).
        social_only = bool(moods) and not is_question(text) and not self._follows_up(text) and not (
            asks_how_she_is(folded(text)) and moods[0] not in ("sad", "grief"))
        if social_only:
            named = self._named(text)[0]
            if len(named) == 1:
                # "the owl plush is so cute": the product praised is what "how tall is it?" asks of next.
                self.fans.record(turn.user, Subject("product", tuple(named), question=text, mention=mention_in(
                    text, frozenset(self._names[named[0].id]))))
            else:
                self.fans.touch(turn.user)
            return Answer("social", tuple(opener))
        # After sympathy, facts are told gently: no cheering intro or emotion on top of the fan's bad news.
        gentle = bool(moods) and moods[0] in ("sad", "grief")
        parts: list[Part] = []
        asked: list[str] = []
        before = self.fans.subject(turn.user)
        for i, question in enumerate(questions_of(text)):
            self._turn += i > 0  # each answer its own phrase variants: no "Good question!" twice in a row
            part = self._answer(turn.user, self.noisy.read(question), gentle, written=question)
            # "can i swap it and does that cost anything": "that" is the question before, asked with it (not one in
            # another language: what it asked is not known).
            if part.intent == "unknown" and asked and _THAT.search(folded(question)) and not self._foreign(asked[-1]):
                part = self._answer(turn.user, self.noisy.read(joined([asked[-1], question])), gentle)
            # Two questions with one answer ("What is biathlon and how does it work?"): the item is told once. The
            # show only names an item ("did I miss the beanie?? what did it cost"): telling it is no repeat.
            said = {s for p in parts if p.intent in _TELLS_ITEM for s in _stated(p)}
            told_again = part.intent in _TELLS_ITEM and bool(_stated(part)) and set(_stated(part)) <= said
            # The same question twice ("how are you closing the show, what comes at the very end?", "ça va? how is
            # your evening?"): one answer.
            told_again |= bool(part.answers) and part.answers in {p.answers for p in parts} or bool(part.sentences) \
                and {s.text for s in part.sentences} <= {s.text for p in parts for s in p.sentences}
            # "and skeleton? what's different" after luge: the fact told sets the two side by side; no hedge after it.
            told_again |= part.intent in _UNANSWERED and self._difference_told(question, asked, parts, before)
            # One question back is enough: "How much is it? Is it warm?" from a fan with nothing discussed.
            asked_again = part.intent == "clarify" and any(p.intent == "clarify" for p in parts)
            if not (told_again or asked_again):
                parts.append(part)
                asked.append(question)
        # "shipping to Mexico? cuánto tarda?", "Olá Aurora, tudo bem? what's your job?", "ist das jetzt curling? are
        # we on curling now": a part in another language that the engine cannot read (or only hedges on) mostly says
        # again what the English beside it asks: no "I don't know" or hedge of its own beside a better answer.
        best = max(map(_answered, parts), default=0)
        parts = [p for p, q in zip(parts, asked, strict=True) if _answered(p) >= best or not self._foreign(q)]
        hits = tuple(h for part in parts for h in part.hits)
        answered = [part for part in parts if part.intent != "unknown"]
        if not answered and moods and not is_question(without_greetings(folded(text))):
            return Answer("social", tuple(opener), hits)
        # A message of several questions is as good as its answered ones: its intent is the first of those.
        intent = (answered or parts)[0].intent
        return Answer(intent, tuple(opener + [s for part in parts for s in part.sentences]), hits)

    def _wordless(self, user: str, text: str) -> Answer:
        """A message with no words to read (`without_words`: "😢", "❤️", "🤔", "🦉❓", "jjjjkkkk"): a reaction to
        the mood its emoji show, where one is clear, and a question back (what would they like to know?) when it asks
        or shows none. No fact guessed at, no "I don't know": nothing was asked in words."""
        moods = self._felt(text, detect_moods(text))
        self._turn += bool(moods)  # the question back is one phrase; a reaction rotates its variants
        self.fans.touch(user)
        opener = [self._opener(mood) for mood in moods[:2]]
        if opener and not QUESTION_MARK.search(text):
            return Answer("social", tuple(opener))
        return Answer("clarify", tuple(opener + self._no_subject().sentences))

    def _answer(self, user: str, question: str, gentle: bool, written: str = "") -> Part:
        """One question answered, and the fan's subject updated (`written`: the question as the fan wrote it, before
        chat spelling and other languages' chat words were read as English)."""
        subject = self.fans.subject(user)
        told = self.fans.told(user)
        part = self._body(question, gentle, subject, told, self.fans.show_question(user))
        if part.intent in _UNANSWERED:
            part = self._by_meaning(question, gentle, subject, told, written) or part
        part = self._by_policy(question, part, gentle, subject, told) or \
            self._by_show(question, part, gentle, subject, told) or part
        # "whoa cool" after the curling fact: "how heavy are they?" is still it. So after a clause in another language
        # that the engine cannot read ("y en rosa? do they come in pink?"): it asks nothing that changes the subject.
        if part.intent == "unknown" and (not is_question(question) or bool(written) and self._foreign(written)):
            part = replace(part, keep=True)
        new = part.subject
        if new is not None and subject is not None:
            # The fan narrowed a choice down ("the thermal one" of two bottles): the rest stay "the other one".
            pool = subject.group or subject.products
            if len(pool) > len(new.products) > 0 and set(new.products) <= set(pool):
                part = replace(part, subject=replace(new, group=pool))
            elif new.products and subject.products and about_what(question) is not None:
                # "And the beanie?" after the bottle: both are "them" now, and the bottle "the other one".
                part = replace(part, subject=replace(new, group=tuple(dict.fromkeys((*pool, *new.products)))))
        if part.intent == "show":
            # "did I miss the beanie?? what did it cost": the one product a show answer names is what "it" is next.
            named = {p for sentence in part.sentences for i in sentence.sources
                     if (p := self.persona.knowledge.product(i)) is not None}
            if len(named) == 1:
                self.fans.record(user, Subject("product", tuple(named), question=question))
            self.fans.asked_show(user, show_thread(self.fans.show_question(user), question))
        elif part.keep:
            self.fans.touch(user)
        else:
            self.fans.record(user, part.subject, (s for sentence in part.sentences for s in sentence.sources))
        return part

    def _felt(self, text: str, moods: list[Mood]) -> list[Mood]:
        """What the fan expresses, by words (`moods`) and by the trained mood reader (readers.py): a feeling the
        words missed comes first ("my little girl skated on her own for the first time!!" is news), and sadness
        replaces a hello or goodbye the words read ("had to say goodbye to my cat"). A feeling the words found
        stands ("thanks so much!" is thanks, no compliment)."""
        if self.mood_reader is None or set(moods) - {"greeting", "goodbye"}:
            return moods
        vector = self.index.vector(text)
        reading = self.mood_reader.read(vector) if vector is not None else None
        if reading is None:
            return moods
        felt = cast(Mood, reading.label)
        return [felt] if felt == "sad" else [felt, *moods]

    def _by_policy(self, question: str, part: Part, gentle: bool, subject: Subject | None,
                   told: tuple[str, ...]) -> Part | None:
        """A store-policy question read by the trained classifier (readers.py), answered by the persona's
        policy for it in place of what its words found ("got the navy one but wanted red, can I switch?" is the
        exchange policy, not the red beanie); None when it is no policy question or the persona has no answer of
        that kind. A policy the words or the meaning bank found stands (after "do you ship to Japan?", "how long does
        it take?" is that policy's; "can I swap the size on my order before it ships?" is changing the order, not an
        exchange), and so do the show's answers and refusals."""
        if self.policy_reader is None or part.intent in ("faq", "show", "refusal"):
            return None
        policy = self._read_as(self.policy_reader, "faq", question, gentle, subject, told)
        if policy is None:
            return None
        # A price asked ("how much is shipping?") is only answered by a policy that states one. (No other check that
        # the policy says the kind of thing the words ask: "pay in cash when it's delivered?" asks no time.)
        # Nor a time it takes ("how many days until my money is back?") by a policy that only grants one.
        said = " ".join(sentence.text for sentence in policy.sentences)
        priced = not _PRICE.search(question) or "$" in said
        return policy if priced and says_time_taken(question, said) and not set(_stated(policy)) <= set(_stated(part)) \
            else None

    def _by_show(self, question: str, part: Part, gentle: bool, subject: Subject | None,
                 told: tuple[str, ...]) -> Part | None:
        """A question about the running show read by the trained show reader (readers.py), answered by the show
        runner in place of what its words found ("how many minutes till you go offline?" is the time left, not "I
        don't know"); None when it is no show question. A show answer the words or the meaning bank found stands
        ("what's the plan for the rest of the show" is all still to come, not the next product), and so do
        refusals."""
        if self.show_reader is None or part.intent in ("show", "refusal"):
            return None
        return self._read_as(self.show_reader, "show", question, gentle, subject, told)

    def _read_as(self, reader: Reader, intent: Intent, question: str, gentle: bool, subject: Subject | None,
                 told: tuple[str, ...]) -> Part | None:
        """The question the reader reads `question` as, answered, if the answer is of `intent`."""
        vector = self.index.vector(question)
        reading = reader.read(vector) if vector is not None else None
        if reading is None:
            return None
        part = self._body(reading.label, gentle, subject, told)
        return part if part.intent == intent else None

    def _by_meaning(self, question: str, gentle: bool, subject: Subject | None, told: tuple[str, ...],
                    written: str = "") -> Part | None:
        """A question its words found no answer to, read by its meaning (meaning.py): a forbidden topic declined, a
        compliment thanked, or the labelled question it means answered in its place; None when it means nothing the
        engine answers. One written in another language is read across languages (languages.py) as written: its
        half-English spelling ("how long pengirimannya?") is neither language."""
        meaning = self.meanings.read(question)
        if meaning is None and written and self._foreign(written):
            meaning = self.cross_lingual.read(written)
        if meaning is None:
            return None
        if meaning.topic is not None:
            return Part("refusal", [self._refusal(meaning.topic)])
        if meaning.mood == "compliment":
            return Part("social", [self._opener("compliment")], keep=True)
        if meaning.ask is None or folded(meaning.ask) == folded(question):
            return None
        part = self._body(meaning.ask, gentle, subject, told)
        # A knowledge item in its place must still answer in kind: "how much is shipping?" reads as "how long does
        # shipping take?", whose answer tells a time, not the cost asked. (The show's answers are the runner's own,
        # in its words: "when does it end?" is answered "in about 7 minutes".)
        said = " ".join(sentence.text for sentence in part.sentences)
        in_kind = part.intent == "show" or says_what_is_asked(question, said)
        return part if part.intent not in _UNANSWERED and in_kind else None

    def _difference_told(self, question: str, asked: list[str], parts: list[Part], before: Subject | None) -> bool:
        """The question asks only the difference of the things named before it ("and skeleton? what's different"
        after luge: the fan's topic before and the message's), and a fact told for them names both: it is the
        difference, and nothing is left to hedge on."""
        if not _DIFFERENCE.search(question) or set(tokens(_DIFFERENCE.sub(" ", question))) - _COUNT_WORDS:
            return False
        topic_before = (before.topic or "") if before is not None else ""
        named = set(tokens(" ".join([*asked, topic_before]))) & self._fact_topics
        facts = {s for p in parts if p.intent in ("fact", "topic_fact") for s in _stated(p)}
        return len(named) > 1 and any(len(named & (self._fact_tags.get(f, frozenset()) |
                                                   self._fact_words.get(f, frozenset()))) > 1 for f in facts)

    def _refusal(self, topic: str | None) -> Sentence:
        return Sentence(f"{emotion_tag('neutral')} {gesture_tag('shake_head')} "
                        f"{self._phrase('refusal', topic=topic or 'that')}")

    def _foreign(self, text: str) -> bool:
        """The text is in another language: it has chat words of a fan's first language ("spedite in Italia?"), or
        mostly words that are neither English nor the knowledge base's ("come va?", "quais cores?"; languages.py)."""
        return has_foreign(text) or not_english(text, self._english, self._known)

    def _follows_up(self, text: str) -> bool:
        """The message leans on what was said before ("tell me more", "and the other one?", "another!")."""
        text = folded(text)
        return bool(MORE.search(text) or ANOTHER.search(text) or self._other(text) or about_what(text))

    def _other(self, text: str) -> bool:
        """"The other one", "the other bottle", "and the other?": the other of products; not "the other way round",
        "the other team" or "the other sliding sports" (a fact's topic), where a word that names no product
        follows."""
        match = OTHER.search(text)
        if match is None:
            return False
        after = re.match(r"\s+([a-z]+)", text[match.end():])
        return after is None or match.group(0) != "the other" or bool(set(tokens(after.group(1))) & (
            self._name_words | _GENERIC)) or after.group(1) in STOPWORDS

    def _to_her(self, text: str) -> str:
        """The host spoken of by her name read as spoken to: "How old is Aurora anyway?" asks what "how old are
        you?" asks, and "Aurora is so cute today" praises her as "you are so cute" does."""
        name = re.escape(self.persona.name)
        text = re.sub(rf"\b(?:is|was) {name}\b", "are you", text, flags=re.IGNORECASE)
        text = re.sub(rf"\b{name}(?: is|'s(?= (?:so|such|really|very|super|too|the|an?)\b))", "you are", text,
                      flags=re.IGNORECASE)
        return re.sub(rf"\b{name} (look|sound|seem)s\b", r"you \1", text, flags=re.IGNORECASE)

    def _asked_in(self, text: str) -> str:
        """Of a long message of many clauses, the purchase question about a named product when it has one (the
        last), else the last clause that asks: "..., before the dance break starts, ..., how much is the hoodie?"
        asks the price, "..., my grandson is learning to ski, but first I must know: do you send packages to
        Spain" asks about shipping abroad, and the passing mentions around it ("my mum loves the curling facts")
        are no questions."""
        if len(text) < LONG_MESSAGE:
            return text
        buying = [c for c in re.split(r"[,;:]+\s*|\s+and\s+", text) if is_product_question(c) and self._named(c)[0]]
        if buying:
            return buying[-1]
        clauses = re.split(r"[,;:]+\s*", text)
        asking = [i for i, c in enumerate(clauses) if is_question(c)]
        if not asking:
            return text
        last = asking[-1]
        naming = [c for c in clauses[:last] if self._named(c)[0]]
        if naming and _CLAUSE_POINTS_BACK.search(clauses[last]) and not self._named(clauses[last])[0]:
            # "... so I was thinking about the collector pins, how much are those?": "those" are the product the
            # clause before names, which goes with the question.
            return f"{naming[-1]}, {clauses[last]}"
        return clauses[last]

    def _body(self, text: str, gentle: bool, subject: Subject | None, told: tuple[str, ...],
              shown: str = "") -> Part:
        """One question's answer: small talk, a follow-up on the fan's subject, a fact by topic, products, or
        whatever the knowledge base holds that answers it; the honest "I don't know" when nothing does. `shown`:
        the fan's last question about the show ("and after that?" follows it)."""
        text = self._asked_in(text)

        # The show's own questions ("what's next?", "when does it end?") are answered from the runner, before
        # "it" is read as the fan's subject.
        # A purchase question about a named product is that, though it mentions a part of the show in passing
        # ("before the dance break starts, how much is the hoodie?").
        # "Any more merch coming up, or was the beanie it?" names a product shown already, and asks the show.
        buying = is_product_question(text) and bool(self._named(text)[0])
        if (show := answer_show(text, self.show_source(), self.persona, shown, buying)) is not None:
            return Part("show", show, keep=True)
        text_folded = folded(text)
        if asks_how_she_is(text_folded):
            return Part("small_talk", [Sentence(f"{emotion_tag('happy')} {self._phrase('how_are_you')}")], keep=True,
                        answers="how_are_you")
        if _TRANSLATION.search(text_folded):
            return Part("unknown", [declined(self._phrase("unknown"))])
        # "what was it you said before about the first games?": "it" is what she said, not the fan's subject.
        if (again := self._fact_again(text, gentle)) is not None:
            return again
        follow_up = self._follow_up(text, text_folded, subject, told)
        if isinstance(follow_up, Part):
            return follow_up
        # "you said the stones come from some island, which one?": the fan quotes her; the rest names what is asked.
        question = follow_up or _unquoted(text)
        # The catalogue's constraints (price limits, cheapest, colours, sizes, stock) are answered from the
        # products' fields, before products and facts are looked up, with the fan's subject products as context
        # (all of those discussed for "how much is that altogether?").
        context = () if subject is None else \
            subject.group if subject.group and _OF_THE_GROUP.search(folded(question)) else subject.products
        if (first := self._which_first(question, gentle)) is not None:
            return first
        if _TEACH.search(question):
            return self._topic_fact(question, told, gentle)
        if _KNOW_ABOUT.search(question) and not any(self._named(question)) and \
                not self._policy_answers(question, related=True):
            return self._topic_fact(question, told, gentle)  # "what do you know about figure skating?"
        if (_TOPIC_FIRST.search(question) or _TELL_ABOUT.search(question) and not any(self._named(question)) and
                not self._policy_answers(question, related=True)) and set(tokens(question)) & self._fact_topics or \
                _CONNECTS.search(question) and self._facts_have_all(question) or self._sets_apart(question):
            return self._topic_fact(question, told, gentle)
        if (shop := _OTHER_SHOP.search(question)) and not any(self._named(shop.group(1) or "")):
            # (The shop's words name no product: "does the beanie in white have a pompom?" asks of the beanie.)
            return Part("unknown", [declined(self._phrase("unknown"))])
        named, ambiguous = self._named(question)
        if _PLACE_TO_GO.search(question) and not named:
            return self._lookup(question, gentle, kinds=("fact", "faq"))  # a place to go: no product to find
        names = frozenset().union(*(self._names[p.id] for p in ambiguous))
        # "Is the ski one in stock?" with ski gloves and ski goggles, "what colour is the bottle?" with two bottles:
        # which one, before any answer about both. Only the word of "the ... one", or the names' shared last word as
        # they spell it, asks it: "the cheapest thing that's not a kids item" points at no kids' product, and "the
        # bottles" are both.
        if ambiguous and not named and not _EVERY_ONE.search(question) and (
                any(set(tokens(m.group(1))) & names for m in _THE_ONE.finditer(question)) or
                _one_of_kind(question, ambiguous)):
            mention = mention_in(question, names)
            discussed = [p for p in ambiguous if p in context]
            if len(discussed) == 1 and mention:
                # "And the bottle, is it in stock?" right after the Thermal Bottle: the one the fan is talking about.
                question = question.replace(mention, discussed[0].name, 1)
                named, ambiguous = self._named(question)
            elif len({p.stock for p in ambiguous}) == 1 and ambiguous[0].stock and \
                    asks_stock_only(question, self.persona.knowledge):
                # "Is the bottle in stock?" of two bottles both in stock: one answer for both, none to pick (the
                # ski gloves sold out and the goggles on pre-order: which one).
                context = tuple(ambiguous)
            else:
                return self._clarify(ambiguous, question, mention)
        pointed = next((m for m in _THE_ONE.finditer(question) if self._by_attribute(f"{m.group(1)} one")), None)
        if pointed is not None and not context and not self._named(question.replace(pointed.group(0), " "))[0]:
            # "Is the blue one still available?" with nothing discussed: which of the blue products, never all of them
            # ("the red beanie for the white one" names its product).
            fitting = described_by(pointed.group(0), self.persona.knowledge)
            if len(fitting) > 1:
                return self._clarify(fitting, question, pointed.group(0))
        marked = self._marked_by(question) if len(named) == 1 and not (
            context or ambiguous or _WHERE_TO_GET.search(question)) else []
        if named[0:1] == marked[0:1] and len(marked) > 1:
            # "The owl one" names the owl plush by its name and the bottle with an owl printed on it by its
            # description: both are answered, never the plush alone (where to get it is one answer for both).
            pointer = next(_THE_ONE.finditer(question)).group(0)
            question = question.replace(pointer, f"the {self.wording.listed([p.name for p in marked])}", 1)
            named, ambiguous = self._named(question)
        featured = featured_by(question, self.persona.knowledge) if not (context or named) else None
        if featured is not None and len(featured[1]) > 1:
            # "The one with the snowflake, what does it cost?" with a snowflake on the beanie and on the mittens.
            return self._clarify(featured[1], question, featured[0])
        delivered = self._delivery_to_place(question)
        if delivered is not None:
            return delivered
        paraphrased = self._paraphrased_policy(question)
        if paraphrased is not None and (_BOUGHT.search(question) or subject is not None and bool(subject.question)
                                        and _BOUGHT.search(subject.question) is not None):
            # "The mittens are too small, can I get the bigger size instead?", or "turns out he's XL, not L" after
            # "I just bought the hoodie": a store policy on what the fan has bought already, not the product to buy.
            return self._policy_part(paraphrased, question, gentle)
        if (asks_her_choice(question) or guesses_her_age(question) or asks_what_she_does(question)) and \
                (about := self._about_me(question, told)) is not None:
            # "skis or snowboard, which team are you on?": her side, never the goggles for it; "you can't be more than
            # 20": her age, never the products under $20; "my 6yo keeps asking what you do here": her job, never the
            # kids' products.
            return about
        catalogue = answer_catalogue(question, self.persona.knowledge, context, self.wording)
        if catalogue is not None and not catalogue.products and not self._named(question)[0] and \
                self._policy_answers(question):
            catalogue = None  # "Can I get my money back?" is the returns policy, not a product to look for
        if catalogue is not None and not context and self.meanings.stays_unanswered(question):
            # "Which ski shop in Denver has the best deals?", "does the sports shop in town have your hoodie?":
            # another shop's, a kind of answer the catalogue does not hold though its products share a word or
            # are named; the look-up declines it. With products discussed, "anything cheaper for skiing?" asks of
            # them.
            return self._lookup(question, gentle)
        if catalogue is not None:
            return Part(catalogue.intent, list(catalogue.sentences), subject=Subject(
                catalogue.intent, catalogue.products, question=question, mention=mention_in(question, frozenset().union(
                    *(self._names[p.id] for p in catalogue.products))), group=catalogue.group)
                if catalogue.products else subject)
        if _FACT_REQUEST.search(question):
            return self._topic_fact(question, told, gentle)
        about = self._about_me(question, told)
        if about is not None:
            return about
        if question != text and (subject is None or not subject.topic) and \
                not set(tokens(without_product_words(PRONOUN.sub(" ", text)))) - self._name_words <= self._attributes:
            # "Can I return them?" asks a store policy of its own: the policy that answers the question as the
            # fan wrote it goes before the product it refers to ("What sizes?" asks only about the product, "and
            # the hoodie?" the last question of the hoodie, "how long is that thing?" the plush's length: the
            # words that point at the product ask no policy). "It" as a sport ("when did it get into the
            # olympics?") is no policy's subject.
            policy = self.index.search(retrieval_query(text), k=2, kinds=("faq",))
            if policy and (policy[0].answers or self._exact(text, tuple(policy), policies_apart=False)):
                return self._lookup(text, gentle, kinds=("faq",))
        if paraphrased is not None:
            return self._policy_part(paraphrased, question, gentle)
        return self._lookup(question, gentle)

    def _delivery_to_place(self, question: str) -> Part | None:
        """"How long would an order take to get to Quebec?": the delivery time to a place the fan names. Whether the
        place is at home or abroad, the policies may not say (no store's own country is known to the engine): the
        shipping time and the time abroad both told, one where they are one policy. A place known to be abroad
        ("to Canada") is the policy on shipping abroad alone; None for no place or no delivery time asked."""
        if not _DELIVERY_TIME.search(question) or not (_SHIPPING.search(question) or _ABROAD.search(question)):
            return None
        lower = [m.group(1) for m in _TO_PLACE_LOWER.finditer(question)
                 if not set(m.group(1).split()) & (_NOT_PLACE | STOPWORDS) and not _SHIPPING.search(m.group(1))]
        places = [place for place in [m.group(1) for m in _TO_PLACE.finditer(question)] + lower if place != "I" and
                  folded(place) not in self._name_words and folded(place) != folded(self.persona.name)]
        if not places:
            return None
        asks: tuple[str, ...] = ("how long does shipping take", "do you ship internationally abroad")
        if any(_ABROAD.search(place) for place in places):
            asks = asks[1:]
        policies: list[FAQ] = []
        for ask in asks:
            hits = self.index.search(expanded(ask), k=1, kinds=("faq",))
            if hits and hits[0].related and isinstance(hits[0].document.item, FAQ) and \
                    hits[0].document.item not in policies:
                policies.append(hits[0].document.item)
        if len(policies) < len(asks):
            return None
        sentences = [s for i, policy in enumerate(policies) for s in self._item_sentences(policy, intro=i == 0)]
        return Part("faq", sentences, (), self._item_subject("faq", policies[-1], question))

    def _policy_part(self, policy: FAQ, question: str, gentle: bool) -> Part:
        return Part("faq", self._item_sentences(policy, intro=not gentle), (),
                    self._item_subject("faq", policy, question))

    def _follow_up(self, text: str, text_folded: str, subject: Subject | None,
                   told: tuple[str, ...]) -> Part | str | None:
        """A follow-up answered from the fan's subject (a Part), or the question rewritten to name the subject
        ("how much is it?" → "how much is the Thermal Bottle?"); None when the question stands on its own."""
        # "cool, what colours?", "ok thanks, and sizes?": the acknowledgement before the question asks nothing.
        asking = _ACKNOWLEDGED.sub("", text)
        if asking and asking != text:
            text, text_folded = asking, folded(asking)
        if ANOTHER.search(text_folded):
            return self._another_fact(subject, told, text)
        # "My kids are 5 and 8, what can I get them?": "them" is whom the fan shops for, not products discussed.
        # "what colours can I get it in?" asks which colours, not whether it can be bought.
        if _BUY_ONE.search(text_folded) and not _ASKS_WHICH.match(text_folded) and not self._named(text)[0] and \
                not states_occasion(text):
            if subject is None or not subject.products:
                return self._no_subject() if subject is None else None
            # "What colours can I get it in?" asks the colours (and the stock with them): the pronoun is read below.
            if not asks_colour_or_size(text, self.persona.knowledge):
                names = self.wording.listed([p.name for p in subject.products])
                return f"Is the {names} in stock?" if self.persona.language == "en" else f"{names}有货吗？"
        if MORE.search(text_folded):
            return self._more(subject, told) if subject is not None else self._no_subject()
        if self._other(text_folded):
            others = self._others(subject) or self._same_kind(subject, text)
            if not others:
                return self._no_subject()
            if len(others) > 1:
                return self._clarify(others, subject.question if subject else text, "")
            name = f"the {others[0].name}" if self.persona.language == "en" else others[0].name
            rest = OTHER.sub(" ", text_folded)
            if not tokens(_DANGLING.sub(" ", rest)) and subject is not None and subject.question:
                # A question of several products ("which is cheaper, the beanie or the pin set?") asked again of
                # one of them would ask the same choice: the other one alone is asked of.
                return asked_again(subject, others[0].name) if len(subject.products) == 1 else name
            return OTHER.sub(name, text, count=1)
        told_item = self._told_item(subject)
        if subject is not None and len(subject.products) == 1 and _UNIT_ASKED.match(text) and \
                _unit_kinds(text) & _unit_kinds(subject.products[0].description, measured=True):
            # "How many ml?" after the kids' bottle: its description states the measure ("a 350-millilitre bottle");
            # "in pounds?" after the 30-centimetre plush asks no measure it states.
            return self._description_part(subject.products, text)
        if told_item is not None and _UNIT_ASKED.match(text) and _MEASURE.search(_item_text(told_item)):
            # "in pounds?" after the curling stone's weight: the measure just told, said again (it states its units).
            intent_again: Intent = "faq" if isinstance(told_item, FAQ) else "fact"
            return Part(intent_again, self._item_sentences(told_item, intro=False), (),
                        self._item_subject(intent_again, told_item, text))
        if isinstance(told_item, FunFact) and (same := _SAME_TIME.search(text)) and \
                (years := _YEAR.findall(told_item.text)):
            # "Was curling at those same games?" after the snowboarding debut at the 1998 Games: those of the fact
            # just told, by their year, asked of the new topic.
            return f"{text[:same.start()]}the {' '.join(years)} {same.group(1) or 'year'}{text[same.end():]}"
        if told_item is not None and (_DOUBT.match(text_folded) or any(
                asks.search(text_folded) for asks, _ in _ASKS) and self._asks_of_item(text, told_item) and
                says_what_is_asked(text, _item_text(told_item))):
            # "What year was that?" after the Zamboni fact, "how far away are the targets?" after biathlon's, "how
            # long would that take?" after shipping abroad: the item just told has it; it is said again. "Really?"
            # after it: it is so, said again.
            intent: Intent = "faq" if isinstance(told_item, FAQ) else "fact"
            return Part(intent, self._item_sentences(told_item, intro=False), (),
                        self._item_subject(intent, told_item, text))
        if subject is None and (_AND_THEN.match(text_folded) or OTHER.search(text_folded)) and is_question(text) and \
                (asked_of := set(tokens(without_product_words(text)))) and asked_of <= self._attributes and \
                not self._named(text)[0]:
            # "and what colours?", "what about the other colour then" from a fan with nothing discussed: which one?
            return self._no_subject()
        if (subject is None or not subject.products) and ONE_SIDED_COMPARISON.search(text_folded) and \
                len(tokens(text)) <= 1 and not self._named(text)[0]:
            return self._no_subject()  # "cheaper?" with no product discussed: than which one? (never the cheapest)
        thing = about_what(text)
        if thing is not None and not (subject is not None and subject.products) and _ASKS_ALONE.match(thing) and \
                not self._named(thing)[0]:
            thing = None  # "and when were the first winter games?" after a fact: a question of its own
        if thing is not None and subject is not None and subject.products and not _ONE.search(thing) and \
                _asked_of_product(thing) <= self._attributes and (
                    not self._named(thing)[0] or _IN_ATTRIBUTE.fullmatch(thing)):
            # "and sizes?" after the beanie's colours, "and in blue?" after the beanie (though "blue" is a word of
            # another product's name): another detail of the same product (asked below), not a new object for the
            # old question.
            thing = None
        if thing is not None and not PRONOUN.fullmatch(thing) and thing.lower() not in ("you", "u", "yourself", "你"):
            if subject is None and (PRONOUN.search(thing) and self._leans_on_pronoun(thing) or
                                    self._by_attribute(thing)):
                # "and what colour is that one?", "what about the blue one?" from a fan with nothing discussed
                return self._no_subject()
            if subject is None or not subject.question:
                return thing
            if subject.intent == "topic_fact" and not self._named(thing)[0]:
                # "And what about skeleton?" after a luge fact: a fact on skeleton, the one just told if it is the
                # only one (it was asked about luge; now about skeleton).
                new = not set(tokens(thing)) <= set(tokens(subject.topic or ""))
                return self._topic_fact(asked_again(subject, thing), told, gentle=False, repeat=new)
            if not subject.products and not self._named(thing)[0]:
                # "And exchanges?" after the returns policy: the exchanges policy, asked in its own words.
                asked = set(tokens(thing))
                policies = [f for f in self.persona.knowledge.faqs if asked and asked <= set(tokens(f.question))]
                if len(policies) == 1:
                    return policies[0].question
                if self._policy_answers(thing, related=True):
                    return thing
                if any(f.id == subject.item for f in self.persona.knowledge.faqs):
                    # "And if I'm in Germany?" after the shipping time: the policy's question, asked of that case.
                    return f"{subject.question.rstrip('?？!！. ')} {thing}?"
            # "and the kids one, how much?": the new object, then its own question, asked of that object.
            thing, _, own = thing.partition(",")
            # "And the kids one?" after two bottles: the one of those just discussed that the words name; "what about
            # the thermal bottle?" after the kids' one names another product on its own.
            among = subject.group or subject.products
            chosen = self._named(thing)[0]
            if subject.products and set(chosen) <= set(among):
                chosen = self._named(thing, among=among)[0]
            heads = {p.name.split()[-1] for p in subject.products}
            if len(chosen) != 1 and len(heads) == 1 and _ONE.search(thing):
                # "And the kids one?" after the thermal bottle: "one" is a bottle, the kids' one of all bottles.
                chosen = self._named(re.sub(r"\bones?\b", heads.pop(), thing))[0]
            if own.strip() and len(of := chosen or self._named(thing)[0]) == 1:
                return f"{own.strip()} {of[0].name}?"
            if len(chosen) == 1 and len(subject.products) > 1:
                return chosen[0].name  # that one of several, told on its own
            return asked_again(subject, chosen[0].name if len(chosen) == 1 else thing)
        if subject is not None and subject.intent == "clarify":
            chosen = self._named(text)[0]
            options = [p for p in chosen if p in subject.products]
            if len(options) == 1 and not is_question(text):
                return asked_again(subject, options[0].name)
        one = _ONE_OF_TOPIC.search(text)
        if one is not None and subject is not None and subject.topic and not subject.products and \
                not frozenset(tokens(text)) & self._subject_words - self._kind_tags:
            # "how much does one weigh?" after a fact on hockey pucks: one of the topic, whatever else weighs.
            return f"{text[:one.start(1)]}the {subject.topic}{text[one.end(1):]}"
        if PRONOUN.search(text_folded) and not (frozenset(tokens(text)) & self._subject_words - self._kind_tags):
            if subject is None:
                # "How much is it?" from a fan with nothing discussed: ask back, never guess.
                return self._no_subject() if is_question(text) and self._leans_on_pronoun(text) else None
            if subject.products:
                if len(subject.products) > 1 and not _PLURAL.search(text_folded):
                    return self._clarify(subject.products, subject.question, subject.mention)
                plural = _PLURAL.search(text_folded) and len(subject.group) > len(subject.products)
                names = self.wording.listed([p.name for p in (subject.group if plural else subject.products)])
                return PRONOUN.sub(names, text, count=1)
            if subject.topic:
                return PRONOUN.sub(subject.topic, text, count=1)
            if subject.item is not None and subject.question and \
                    any(f.id == subject.item for f in self.persona.knowledge.faqs) and not self._policy_answers(text):
                # "Where's my order? How do I track it?": "it" is what the policy just asked about was about ("do u
                # take PayPal? how long till it ships?" asks a policy of its own).
                return f"{text.rstrip('?？!！. ')} ({subject.question.rstrip('?？!！. ')})?"
            return None
        which = WHICH_OF_THEM.search(text_folded)
        if which and not self._named(text)[0]:
            discussed = subject.group or subject.products if subject is not None else ()
            if len(discussed) > 1:
                # "Which one's cheaper then?" after the beanie and the hoodie: which of the products just discussed.
                names = self.wording.listed([p.name for p in discussed], "or")
                return f"{text.rstrip('?？!！. ')}, the {names}?"
            if not discussed and which.group("than"):
                return self._no_subject()  # "which is cheaper?" with nothing discussed: of which ones?
        asked = set(tokens(without_product_words(text)))
        if subject is not None and subject.products and is_question(text) and \
                (asked and _asked_of_product(text) <= self._attributes or not asked and _PRICE.search(text_folded)):
            # "What sizes?", "How much?", "In red?": the products just discussed, asked about again ("prices?" after
            # a choice between two: each of the two).
            among = subject.group if subject.group and _PRICES.search(text_folded) else subject.products
            names = self.wording.listed([p.name for p in among])
            return f"{text.rstrip('?？!！. ')} {names}?" if self.persona.language == "en" else f"{names}{text}"
        return None

    def _told_item(self, subject: Subject | None) -> FunFact | FAQ | None:
        """The fact or store policy the fan was just told (their subject), if that is one."""
        if subject is None or subject.item is None:
            return None
        knowledge = self.persona.knowledge
        items: tuple[FunFact | FAQ, ...] = (*knowledge.fun_facts, *knowledge.faqs)
        return next((i for i in items if i.id == subject.item), None)

    def _asks_of_item(self, text: str, item: FunFact | FAQ) -> bool:
        """A question about the item just told: it points back ("what year was that?") or asks only the kind of
        thing ("and where?"), naming nothing else; or it names something of the item and of nothing else ("how
        far away are the targets?" after the biathlon fact)."""
        words = frozenset(tokens(text))
        if _THAT.search(folded(text)) and not words & self._subject_words:
            return True
        for asks, _ in _ASKS:
            text = asks.sub(" ", text)
        asked = frozenset(tokens(text))
        own = frozenset(tokens(_item_text(item)))
        return not asked or bool(asked & own) and not (asked - own) & self._subject_words

    def _leans_on_pronoun(self, text: str) -> bool:
        """A question whose only subject is a pronoun ("how much is it?", "is it warm?", "does it come in red?"):
        what else it says asks only about a product (`_attributes`), not something of its own ("what time is
        it?")."""
        asked = set(tokens(without_product_words(PRONOUN.sub(" ", folded(text))))) - _OF_TIME_OR_POINTING
        return {w for w in asked - _COUNT_WORDS if not w.isdigit()} <= self._attributes

    def _marked_by(self, question: str) -> list[Product]:
        """The products "the owl one" points at: the one whose name has the word first, then those whose tags or
        description have it (empty when the question points at no product by "the ... one", or names one by more
        words of its name: "the owl thing... how much is the owl plush?")."""
        pointing = set(tokens(" ".join(m.group(1) for m in _THE_ONE.finditer(question))))
        if not pointing or any(set(tokens(question)) & self._names[p.id] - pointing
                               for p in self.persona.knowledge.products):
            return []
        products = self.persona.knowledge.products
        return ([p for p in products if pointing <= self._names[p.id]] +
                [p for p in products if not pointing <= self._names[p.id] and pointing <= self._described[p.id]])

    def _by_attribute(self, thing: str) -> bool:
        """"The blue one", "the XL ones": a product told only by a colour or a size, as of products discussed."""
        match = _ONE.fullmatch(thing.strip())
        return match is not None and set(tokens(match.group(1))) <= self._attributes

    # -- answers ------------------------------------------------------------------------------------------------

    def _no_subject(self) -> Part:
        return Part("clarify", [Sentence(f"{emotion_tag('thinking')} {self._phrase('no_subject')}")], keep=True)

    def _not_sold(self) -> Part:
        """A product asked for that the store does not have: said so, nothing else pitched in its place (the
        catalogue says it with the kind the fan named, when it can tell: `answer_catalogue`)."""
        return Part("unknown", [declined(self._phrase("not_sold"), "shake_head")], keep=True)

    def _clarify(self, products: Sequence[Product], question: str, mention: str) -> Part:
        """Which one? The products a name fits, by name; no price is picked for the fan."""
        options = self.wording.listed([p.name for p in products], "or")
        return Part("clarify", [Sentence(f"{emotion_tag('thinking')} {self._phrase('clarify', options=options)}",
                                         tuple(p.id for p in products))],
                    subject=Subject("clarify", tuple(products), question=question, mention=mention))

    def _others(self, subject: Subject | None) -> list[Product]:
        """"The other one": the products of the group the fan narrowed down from, less the one just discussed; of
        several products just discussed, those after the first."""
        if subject is None:
            return []
        if subject.group:
            return [p for p in subject.group if p not in subject.products]
        return list(subject.products[1:])

    def _same_kind(self, subject: Subject | None, text: str) -> list[Product]:
        """"And the other bottle?" after one bottle: the products of the kind the message names (a name's head
        noun), less those just discussed; "and the other one", naming nothing, of the kind just discussed."""
        if subject is None or not subject.products:
            return []
        heads = {w for p in subject.products for w in self._heads[p.id]}
        words = set(tokens(text))
        kinds = words & heads or (heads if not words & self._subject_words else set())
        return [p for p in self.persona.knowledge.products if p not in subject.products and self._heads[p.id] & kinds]

    def _more(self, subject: Subject, told: tuple[str, ...]) -> Part:
        """The next detail of the subject: a product's colours and sizes, another fact on the same topic, another
        line about herself; her nothing_more phrase when there is no more."""
        if len(subject.products) > 1:
            return self._clarify(subject.products, subject.question, subject.mention)
        if subject.products and subject.details == 0:
            product = subject.products[0]
            details = []
            verbs = self.wording.agree(product.name)
            if product.colors:
                details.append(self.wording.colours.format(
                    product=product.name, values=self.wording.listed(list(product.colors), "or"), **verbs))
            if product.sizes:
                details.append(self.wording.sizes.format(
                    product=product.name, values=self.wording.listed(list(product.sizes)), **verbs))
            if details:
                return Part("follow_up", [Sentence(f"{gesture_tag('present_product')} {joined(details)}",
                                                   (product.id,), product)],
                            subject=replace(subject, details=subject.details + 1))
        knowledge = self.persona.knowledge
        if subject.item is not None and knowledge.fact(subject.item) is not None:
            return self._another_fact(subject, told)
        if subject.item is not None and any(a.id == subject.item for a in knowledge.about):
            line = next((a for a in knowledge.about if a.id not in told), None)
            if line is not None:
                return self._about_part([line], subject.question)
        return Part("follow_up", [Sentence(f"{emotion_tag('happy')} {self._phrase('nothing_more')}")], keep=True)

    def _another_fact(self, subject: Subject | None, told: tuple[str, ...], text: str = "") -> Part:
        """A fact this fan has not heard: on the topic the message names ("another one about curling?": the topic
        named wins), else on the subject's topic when it has one, else any."""
        named = set(tokens(_EXCEPT.sub(" ", text))) - _FACT_WORDS
        if named and any(any(self._topic_score(f.id, named)) for f in self.persona.knowledge.fun_facts):
            return self._topic_fact(text, told, gentle=False)
        if subject is not None and subject.topic:
            return self._topic_fact(f"fact about {subject.topic}", told, gentle=False)
        return self._topic_fact("fact", told, gentle=False)

    def _topic_fact(self, question: str, told: tuple[str, ...], gentle: bool, repeat: bool = False) -> Part:
        """A fact by topic ("a fun fact about curling"): one whose tags or words have the topic, one this fan has
        not heard yet, told as a fact (no hedge: it is what was asked). No topic: any fact not yet told. Every fact
        on the topic told: her nothing_more phrase, or with `repeat` (a topic new to the conversation) the best."""
        known = set(tokens(" ".join(_EXCEPT.findall(question))))
        topic = [w for w in tokens(_EXCEPT.sub(" ", emoji_named(question))) if w not in _FACT_WORDS]
        # "But not the counterclockwise one, I know that": a fact saying what the fan knows is not told.
        facts = tuple(f for f in self.persona.knowledge.fun_facts if not known & self._fact_words[f.id])
        if topic:
            scored = [(self._topic_score(f.id, set(topic)), f) for f in facts]
            if self._narrowed_topic(question):
                return Part("unknown", [declined(self._phrase("unknown"))])
            if not any(tags or words for (tags, _, words), _ in scored) and self._unknown_topic(topic):
                # "Fun facts about snowmobile racing?": a thing no fact names, at most a word's root in common
                # ("racing", speed skaters' "race"): only a fact that answers it by meaning is on it, never a near
                # one ("snowboarding").
                found = self._lookup(question, gentle, kinds=("fact",))
                return found if found.intent == "fact" else Part("unknown", [declined(self._phrase("unknown"))],
                                                                 found.hits)
            if not any(any(score) for score, _ in scored):
                if _NAMES_TOPIC.search(question):  # the topic is no fact's word: find one by meaning, if near
                    return self._lookup(question, gentle, kinds=("fact",))
                # "A fun fact to cheer me up": the other words say why, not what about; any fact will do.
                return self._topic_fact("fact", told, gentle)
            # Best first: a fact tagged with the topic before one only saying it, and of those one saying it too; of
            # equals, the nearest in meaning ("trivia about ice rinks": the resurfacing machine before ice hockey's
            # debut).
            top = max(score for score, _ in scored)
            tied = sum(score == top for score, _ in scored) > 1  # only a tie costs a search by meaning
            near = {h.document.item.id: i for i, h in enumerate(
                self.index.search(retrieval_query(question), k=len(facts), kinds=("fact",)) if tied else ())
                if isinstance(h.document.item, FunFact)}
            facts = tuple(f for score, f in sorted(
                scored, key=lambda sf: (*(-x for x in sf[0]), near.get(sf[1].id, len(facts)))) if any(score))
        fresh = [f for f in facts if f.id not in told]
        if not fresh and topic and repeat:
            fresh = list(facts[:1])
        if not fresh and topic:
            return Part("topic_fact", [Sentence(f"{emotion_tag('happy')} {self._phrase('nothing_more')}")],
                        keep=True)
        # Every fact told already: start again from the one told longest ago.
        fact = fresh[0] if fresh else min(facts, key=lambda f: told.index(f.id) if f.id in told else -1)
        words = mention_in(question, self._fact_tags[fact.id] | self._fact_words[fact.id])
        return Part("topic_fact", self._item_sentences(fact, intro=not gentle),
                    subject=Subject("topic_fact", item=fact.id, topic=self._fact_topic(fact, words),
                                    question=question, mention=words))

    def _fact_again(self, question: str, gentle: bool) -> Part | None:
        """"Say the island granite thing again", "what did you say at the start about the very first winter games?":
        the fact the words name, told again plainly whether or not this fan heard it (they missed it, or want it once
        more); None when it is no such request or its words name no fact (a product, her name)."""
        if not _SAY_AGAIN.search(question) or any(self._named(question)):
            return None
        # Only the words facts have: "teaching it to my class monday" says why, not which.
        topic = [w for w in tokens(question) if w not in _FACT_WORDS | _AGAIN_WORDS and
                 w in self._fact_counts]
        if not topic:
            return None
        part = self._topic_fact(" ".join(topic), (), gentle)
        return part if part.intent == "topic_fact" and part.subject is not None else None

    def _which_first(self, question: str, gentle: bool) -> Part | None:
        """"Snowboarding vs curling, which became an olympic sport first?": of two fact topics, the fact of each that
        states a year, the earlier told first, and when the years are one, that both were then; None when it is no
        such question or a topic has no fact with a year."""
        if not _WHICH_FIRST.search(question) or not _PAIR.search(question) or any(self._named(question)):
            return None
        asked = set(tokens(question))
        heads = frozenset().union(*self._fact_heads.values()) - self._kind_tags
        # A tag of several words is one topic, by its head ("ice hockey" is hockey, not the ice).
        named = folded(question)
        for tag in {t for f in self.persona.knowledge.fun_facts for t in f.tags if " " in t}:
            named = named.replace(folded(tag), tag.split()[-1])
        topics = list(dict.fromkeys(w for w in tokens(named) if w in heads))
        if len(topics) != 2:
            return None
        dated: list[tuple[int, FunFact]] = []
        for topic in topics:
            facts = [f for f in self.persona.knowledge.fun_facts
                     if topic in self._fact_heads[f.id] and _YEAR.search(f.text)]
            if not facts:
                return None
            fact = max(facts, key=lambda f: self._topic_score(f.id, asked))
            dated.append((min(map(int, _YEAR.findall(fact.text))), fact))
        dated.sort(key=lambda yf: yf[0])
        sentences = [s for _, fact in dated for s in self._item_sentences(fact, intro=False)]
        if dated[0][0] == dated[1][0]:
            sentences.insert(0, Sentence(f"{emotion_tag('happy')} {self.wording.same_year}"))
        elif not gentle:
            sentences[0] = replace(sentences[0], text=f"{emotion_tag('excited')} {sentences[0].text}")
        return Part("fact", sentences, subject=Subject("fact", item=dated[0][1].id, question=question))

    def _sets_apart(self, question: str) -> bool:
        """"luge vs skeleton... I always mix them up, what's the difference": the difference of two fact topics, which
        a fact naming both sets side by side (the other words say why the fan asks, not what)."""
        if not _DIFFERENCE.search(question) or any(self._named(question)):
            return False
        topics = set(tokens(question)) & self._fact_topics - self._kind_tags
        return len(topics) > 1 and any(topics <= self._fact_tags[f.id] for f in self.persona.knowledge.fun_facts)

    def _facts_have_all(self, question: str) -> bool:
        """Every topic of "what connects Scotland with winter sports?" is a word of some fact: one may connect them
        ("pizza" with winter sports: none does)."""
        topic = set(tokens(_CONNECTS.sub(" ", question))) - _FACT_WORDS
        return bool(topic) and topic <= set(self._fact_counts)

    def _narrowed_topic(self, question: str) -> bool:
        """"A fact about mogul skiing", "trivia on halfpipe snowboarding": the topic asked, a sport the facts know
        narrowed by a word before it that no fact has in any form; a fact on the sport at large is not about that
        one part of it."""
        def in_facts(word: str) -> bool:
            return word in self._fact_counts or word_root(word) in self._root_counts or \
                any(word.startswith(w[:max(4, min(len(w), 5))]) for w in self._fact_counts if len(w) >= 4)

        return any(not in_facts(first) and in_facts(then) and then in self._fact_topics
                   for asked in _TOPIC_ASKED.findall(question)
                   for first, then in itertools.pairwise(re.findall(r"[\w'-]+", folded(emoji_named(asked))))
                   if len(first) >= 4 and tokens(first))

    def _unknown_topic(self, topic: Sequence[str]) -> bool:
        """A topic word that no fact has in any form and that is no common English word names a thing the facts
        do not know ("snowmobile"); one that starts as a fact's word does ("biathletes": biathlon, "lugers": luge)."""
        def known(word: str) -> bool:
            return word in self._fact_counts or word_root(word) in self._root_counts or word in self._english or \
                any(word.startswith(w[:max(4, min(len(w), 5))]) for w in self._fact_counts if len(w) >= 4)

        return not all(map(known, topic))

    def _topic_score(self, fact_id: str, topic: set[str]) -> tuple[float, float, float]:
        """How well a fact has a topic: by its tags' heads first, then by its words in any form, then by its words
        as the question spells them ("the stones they use in curling": "curling stones" before "curlers"); each word
        weighed by how few facts have it, so a place only one fact names ("Scotland") outweighs the words of the
        whole domain ("winter sports")."""
        return (sum(1 / self._fact_counts[w] for w in topic & self._fact_heads[fact_id]),
                sum(1 / self._root_counts[r] for r in {word_root(w) for w in topic} & self._fact_roots[fact_id]),
                sum(1 / self._fact_counts[w] for w in topic & self._fact_words[fact_id]))

    def _about_me(self, question: str, told: tuple[str, ...]) -> Part | None:
        """Small talk about the host ("where did you grow up?", "do you like curling?"): her name, her about lines
        the question asks for (small_talk.about_lines_asked) or the one it means; None when the question is not
        about her or she has no line."""
        my_name = Sentence(f"{emotion_tag('happy')} {self._phrase('my_name')}")
        if asks_her_name(question):
            return Part("small_talk", [my_name], (), Subject("small_talk", question=question))
        lines = about_lines_asked(self._to_her(question), self.persona.knowledge.about, told)
        if lines:
            part = self._about_part(lines, question)
            # "Who are you?" asks her name as much as what she does: a fan who just tuned in knows neither.
            return replace(part, sentences=[my_name, *part.sentences]) if asks_who_she_is(question) else part
        if lines is None or self.meanings.stays_unanswered(question):
            return None
        hits = self.index.search(retrieval_query(question), k=2, kinds=("about",))
        if hits and (hits[0].answers or self._exact(question, tuple(hits))) and \
                isinstance(hits[0].document.item, AboutLine):
            return self._about_part([hits[0].document.item], question, hits=tuple(hits))
        return None

    def _fact_named_by(self, question: str) -> FunFact | None:
        """The fact a question names by a name no other fact has ("where is Ailsa Craig?"): every word the question
        asks of is that one fact's alone, and one of them is no common English word; None otherwise ("Scotland and
        curling" shares a word with another fact, "the weather in Chamonix" asks of a word no fact has)."""
        words = set(tokens(question)) - _FACT_WORDS
        if not words or all(w in self._english for w in words) or \
                any(self._fact_counts.get(w, 0) != 1 for w in words):
            return None
        return next((f for f in self.persona.knowledge.fun_facts if words <= self._fact_words[f.id]), None)

    def _about_part(self, lines: list[AboutLine], question: str, hits: tuple[Hit, ...] = ()) -> Part:
        # "My favourite is snowboarding." then "when did it get into the olympics?": "it" is the sport the line is
        # about (its first tag that facts are told by), not the line.
        topic = next((t for t in lines[-1].tags if set(tokens(t)) & self._fact_topics), None)
        return Part("small_talk", [Sentence(f"{emotion_tag('happy')} {line.text}", (line.id,)) for line in lines],
                    hits, Subject("small_talk", item=lines[-1].id, topic=topic, question=question))

    def _lookup(self, text: str, gentle: bool, kinds: Sequence[DocKind] | None = None) -> Part:
        """Products a question names or asks the price of, else the knowledge item that answers it."""
        named, ambiguous = self._named(text)
        if ambiguous and not named and kinds != ("fact", "faq"):
            return self._clarify(ambiguous, text, mention_in(text, frozenset().union(
                *(self._names[p.id] for p in ambiguous))))
        if named and self.meanings.stays_unanswered(text):
            # "A good cocoa recipe for the bottle?", "does the sports shop in town have your hoodie?": the product is
            # named, but what is asked of it (a recipe, another shop's stock) is nothing the host knows.
            return Part("unknown", [declined(self._phrase("unknown"))])
        if kinds is None and named and not is_product_question(text):
            if len(named) > 1 and _SIDE_BY_SIDE.search(text):
                return self._pitch(named, text)  # "what's the diff between the mittens and the gloves": both told
            described = self._described_part(named, text)
            if described is not None:
                return described
            if len(named) == 1 and (_WHAT_LIKE.search(text) or _GOODS_ASKED.search(text)):
                # The name says which product, whatever a search of its few other words scores.
                return self._pitch(named, text)
        if kinds is None and is_product_question(text):
            products = named or self._products_asked(retrieval_query(text))
            if products:
                return self._pitch(products, text)
            if _WAY_TO_BUY.search(text) and kinds is None:
                policy = self.index.search(expanded(retrieval_query(text)), k=1, kinds=("faq",))
                if policy and policy[0].related:
                    return self._lookup(text, gentle, kinds=("faq",))
            if not tokens(without_product_words(text)):
                return Part("catalogue", self.catalogue())
            if _SELLS.search(folded(text)) and not self._policy_answers(text, related=True):
                # Only a product-like object is "not sold": "is there a link to the shop?" asks a store policy.
                return self._not_sold()
        query = retrieval_query(text)
        hits = tuple(self.index.search(expanded(query), k=3, kinds=kinds))
        abroad = [h for h in hits[1:] if h.document.kind == hits[0].document.kind and _ABROAD.search(h.document.text)]
        if _ABROAD.search(query) and hits[0].related and isinstance(hits[0].document.item, FAQ) and \
                not _ABROAD.search(hits[0].document.text) and abroad:
            # Shipping to Canada is the policy on shipping abroad, though the home one shares more of its words: the
            # one abroad takes the place (and the standing) of the best hit. Only among policies: "biathlon question
            # from Norway" asks the biathlon fact, not the one that names Norway.
            first, moved = hits[0], abroad[0]
            hits = (replace(moved, related=True, answers=first.answers, score=first.score),
                    replace(first, score=moved.score), *(h for h in hits[1:] if h is not moved))
        best = hits[0] if hits else None
        if best is not None and not best.answers and isinstance(best.document.item, FunFact):
            # "Those machines that clean the rink between periods": a thing described, not named; the fact whose
            # words say it ("ice resurfacing machine") before one only nearer in meaning (the pucks on the ice).
            worded = next((h for h in hits[1:] if h.related and self._fact_on_topic_asked(text, h.document.item)),
                          None)
            if worded is not None:
                best, hits = worded, (worded, *(h for h in hits if h is not worded))
        if best is not None and not named and _ASKS_WHAT_NAMED.search(text) and \
                best.document.item is self._fact_named_by(query):
            # "Where is <a place one fact names>?": the name is the fact's alone, whatever the rest scores.
            best = replace(best, related=True, answers=True)
            hits = (best, *hits[1:])
        if best is None or not best.related or not named and self.meanings.stays_unanswered(text):
            # "What's the capital of Norway?", "a recipe for hot cocoa?": a kind of answer the knowledge does not
            # hold, though a fact or a product shares its words ("Norway", "cocoa").
            return Part("unknown", [declined(self._phrase("unknown"))], hits)
        item = best.document.item
        if isinstance(item, Product):
            if kinds is None and is_product_question(text):
                return self._not_sold()  # a product the purchase question does not name (`_products_asked`)
            if _SELLS.search(folded(text)) and not self._is_kind(item, text):
                return self._not_sold()  # "do you have ski poles?": the goggles are not poles
            return replace(self._pitch([item], text), hits=hits)
        if isinstance(item, AboutLine) and (not speaks_to_her(text, self.persona.name) or not (
                addressed_to_her(text, self.persona.name) or says_what_is_asked(text, item.text))):
            # A line about herself is no answer to a message not to her ("I'm missing the curling final", "tell me
            # about curling"), nor to one not named to her that asks a kind of thing the line lacks ("when did
            # curling come back?": a year): what else the knowledge holds may be, if it answers; no near miss.
            other = self._lookup(text, gentle, kinds=[k for k in (kinds or get_args(DocKind)) if k != "about"])
            return other if other.intent != "partial" else Part("unknown", [declined(self._phrase("unknown"))], hits)
        if not says_what_is_asked(text, _item_text(item)):
            # Asked for a kind of thing the best item does not have (a speed, a count, a temperature): no near
            # miss but another question's answer. The honest "I don't know", nothing related told instead.
            return Part("unknown", [declined(self._phrase("unknown"))], hits)
        if not (best.answers or self._exact(text, hits) or self._fact_on_topic_asked(text, item) or
                self._since_told(text, hits) or
                _WHY.search(text) and isinstance(item, FunFact) and _BECAUSE.search(item.text)):
            if isinstance(item, FunFact) and not answers_in_part(text, item.text):
                # Only the sport's words in common ("how many calories does cross-country skiing burn?"): no near
                # miss, the honest "I don't know".
                return Part("unknown", [declined(self._phrase("unknown"))], hits)
            return Part("partial", [Sentence(f"{emotion_tag('thinking')} {self._phrase('partial')}"),
                                    *self._item_sentences(item, intro=False)], hits,
                        self._item_subject("partial", item, text))
        intent: Intent = "faq" if isinstance(item, FAQ) else "small_talk" if isinstance(item, AboutLine) else "fact"
        return Part(intent, self._item_sentences(item, intro=not gentle), hits, self._item_subject(intent, item, text))

    def _described_part(self, products: Sequence[Product], question: str) -> Part | None:
        """"How big is the owl plush?", "what is the beanie made of?": a question about one thing a product is (its
        size, its material) is answered by the descriptions that say it, without the sales pitch; None otherwise."""
        if not _DESCRIBED.search(question) or not all(says_what_is_asked(question, p.description) for p in products):
            return None
        return self._description_part(products, question)

    def _description_part(self, products: Sequence[Product], question: str) -> Part:
        """The products' descriptions as written, without the sales pitch (what they are, their measures)."""
        return Part("product", [Sentence(f"{emotion_tag('happy')} {gesture_tag('present_product')} {p.description}",
                                         (p.id,), p) for p in products],
                    subject=Subject("product", tuple(products), question=question))

    def _paraphrased_policy(self, question: str) -> FAQ | None:
        """The store policy a question asks in other words ("If the hoodie doesn't fit, can I send it back?",
        "do u ship 2 australia"): a `_PARAPHRASES` pattern names what it is about, and the best policy for the
        question says that word (a product named in passing does not outrank it); None otherwise."""
        meant = [m for said, m in _PARAPHRASES if m != "merchandise" and said.search(question)
                 and (said.pattern != _ABROAD.pattern or _SHIPPING.search(question))
                 and (m != "cancel or change an order" or not _ARRIVED.search(question))
                 and (m != "how long does shipping take" or not _NOTIFIED.search(question))]
        if not meant:
            return None
        words = set(tokens(" ".join(meant)))
        for hit in self.index.search(expanded(retrieval_query(question)), k=3, kinds=("faq",)):
            if isinstance(hit.document.item, FAQ) and hit.score > 0 and words & set(tokens(hit.document.text)):
                # "Are exchanges free?" is answered by the policy that says so; "how much is shipping?" is not by
                # the shipping time.
                return hit.document.item if says_what_is_asked(question, hit.document.item.answer) else None
        return None

    def _policy_answers(self, question: str, related: bool = False) -> bool:
        """A store policy is the best of all items for the question and answers it (or, `related`, is near it)."""
        best = self.index.search(expanded(retrieval_query(question)), k=1)
        return bool(best) and isinstance(best[0].document.item, FAQ) and (best[0].answers or
                                                                           related and best[0].related)

    def _exact(self, question: str, hits: tuple[Hit, ...], policies_apart: bool = True) -> bool:
        """A related hit below the answering bar still answers exactly when it is clearly the one (EXACT_MARGIN
        ahead of the next) and says the kind of thing the question asks for (`says_what_is_asked`)."""
        best = hits[0]
        margin = EXACT_MARGIN
        rivals = hits[1:]
        if policies_apart and isinstance(best.document.item, FAQ):
            margin, rivals = FAQ_MARGIN, tuple(h for h in hits[1:] if isinstance(h.document.item, FAQ))
        second = rivals[0].score if rivals else 0.0
        return best.related and best.score - second >= margin and \
            says_what_is_asked(question, _item_text(best.document.item))

    @staticmethod
    def _since_told(question: str, hits: tuple[Hit, ...]) -> bool:
        """"Since when ...?" is answered exactly by the best related hit when it alone of the hits says since (or
        until) which year."""
        said = [bool(_SINCE_YEAR.search(_item_text(h.document.item))) for h in hits if h.related]
        return bool(_SINCE_WHEN.search(question)) and said[:1] == [True] and not any(said[1:])

    def _fact_on_topic_asked(self, question: str, item: FunFact | FAQ | Product | AboutLine) -> bool:
        """A question about a topic ("got a fun one about cross-country skiing?", "tell me one thing about the
        sliding sports") is answered exactly by the related fact whose words name the topic ahead of every other
        fact's: read by meaning and by words alike, it is what was asked, no near miss (nor when the meaning's
        margin over the next item is small: the next may be her own line on the sport)."""
        if not isinstance(item, FunFact) or not _NAMES_TOPIC.search(question):
            return False
        topic = set(tokens(question)) - _FACT_WORDS
        scored = sorted(((self._topic_score(f.id, topic), f.id) for f in self.persona.knowledge.fun_facts),
                        reverse=True)
        (best, best_id), (second, _) = scored[0], scored[1] if len(scored) > 1 else ((0.0, 0.0, 0.0), "")
        return best_id == item.id and any(best) and best > second

    def _item_subject(self, intent: str, item: FunFact | FAQ | AboutLine, question: str) -> Subject:
        if not isinstance(item, FunFact):
            return Subject(intent, item=item.id, question=question)
        words = mention_in(question, self._fact_tags[item.id] | self._fact_words[item.id])
        return Subject(intent, item=item.id, topic=self._fact_topic(item, words), question=question, mention=words)

    def _fact_topic(self, fact: FunFact, words: str) -> str | None:
        """What a fact told was about: the words of the question that named it, or the fact's first tag (its sport)
        when they name a thing of it and no tag ("where does the granite come from?"): "they" of the next question
        are then the sport's players ("why do they sweep so hard?"), not the granite."""
        if words and fact.tags and not set(tokens(words)) & self._fact_tags[fact.id]:
            return fact.tags[0]
        return words or None

    def _pitch(self, products: Sequence[Product], question: str) -> Part:
        words = frozenset().union(*(self._names[p.id] | set(tokens(" ".join(p.tags))) for p in products))
        return Part("product", [s for i, p in enumerate(products) for s in self.product_pitch(p, i)],
                    subject=Subject("product", tuple(products), question=question,
                                    mention=mention_in(question, words)))

    def _named(self, text: str, among: Sequence[Product] = ()) -> tuple[list[Product], list[Product]]:
        """Products a question names by their names' words, and those it names ambiguously. A word names a product
        when it is its name's head (the last word: "bottle", "gloves") or a word only that name has ("thermal",
        "glacier"); a modifier two names share ("ski", "kids") names neither alone: "ski boots" or "ski jumpers"
        is no product, but "the snowflake one" is either product with a snowflake. Of several names with the same
        head ("the bottle"), the question's other words decide by the products' tags and descriptions ("the
        insulated bottle" is the Thermal Bottle); with none to tell them apart the name is ambiguous. `among`
        (the products the fan just discussed) narrows the choice: "the kids one" of two bottles is the kids'
        bottle."""
        words = set(tokens(text))
        products = list(among) or list(self.persona.knowledge.products)
        share: dict[str, int] = {}
        for p in products:
            for w in self._names[p.id]:
                share[w] = share.get(w, 0) + 1
        # "The snowflake one": a modifier that stands for the thing itself names every product it modifies.
        pointing = set(tokens(" ".join(_ONE.findall(text))))
        matched: dict[str, frozenset[str]] = {}
        for p in products:
            m = words & self._names[p.id]
            if m and (self._heads[p.id] & m or m & pointing or any(share[w] == 1 for w in m)):
                matched[p.id] = frozenset(m)
        order = tokens(text)
        heads = {w for pid, m in matched.items() for w in m & self._heads[pid]}
        # "The knit mittens": a modifier right before another product's head describes that one (mittens).
        matched = {pid: m for pid, m in matched.items() if m & self._heads[pid] or not any(
            order[i] in m and order[i + 1] in heads for i in range(len(order) - 1))}
        best = [pid for pid, m in matched.items() if not any(m < other for other in matched.values())]
        best.sort(key=lambda pid: min(order.index(w) for w in matched[pid]))  # as the fan named them
        named: list[Product] = []
        ambiguous: list[Product] = []
        for pid in best:
            same = [q for q in best if matched[q] == matched[pid]]
            product = self.persona.knowledge.product(pid)
            assert product is not None
            if len(same) > 1:
                # The question's other words (or their synonyms: "thermos" is a flask) against each one's tags and
                # description: one clearly ahead is meant.
                rest = with_synonyms(words - matched[pid])
                fit = {q: len(rest & self._described[q]) for q in same}
                if fit[pid] > 0 and all(fit[q] < fit[pid] for q in same if q != pid):
                    named.append(product)
                elif not any(fit[q] > fit[pid] for q in same):
                    ambiguous.append(product)
            else:
                named.append(product)
        return named, ambiguous

    def _opener(self, mood: Mood) -> Sentence:
        if mood == "grief":
            return Sentence(f"{emotion_tag('sad', 0.9)} {gesture_tag('wipe_tears')} {self._phrase('sympathy')}")
        if mood == "sad":
            return Sentence(f"{emotion_tag('sad', 0.6)} {self._phrase('sympathy')}")
        if mood == "compliment":
            return Sentence(f"{emotion_tag('happy')} {self._phrase('compliment_thanks')} {gesture_tag('heart_hands')}")
        if mood == "thanks":
            return Sentence(f"{emotion_tag('happy')} {gesture_tag('bow')} {self._phrase('thanks_reply')}")
        if mood == "nerves":
            # Concern, softer than for bad news: what is to come may still go well.
            return Sentence(f"{emotion_tag('sad', 0.3)} {gesture_tag('thumbs_up')} {self._phrase('encouragement')}")
        if mood == "news":
            return Sentence(f"{emotion_tag('excited')} {gesture_tag('clap')} {self._phrase('congratulations')}")
        if mood == "joy":
            return Sentence(f"{emotion_tag('happy')} {gesture_tag('heart_hands')} {self._phrase('joy')}")
        if mood == "goodbye":
            return Sentence(f"{emotion_tag('happy')} {gesture_tag('wave')} {self._phrase('goodbye')}")
        return Sentence(f"{emotion_tag('happy')} {gesture_tag('wave')} {self._phrase('greeting')}")

    def _is_kind(self, product: Product, question: str) -> bool:
        """The product is the kind of thing the question asks for: its last word ("ski boots": boots) is one of the
        product's name, tags or description, or names no kind ("the blue one"). English only."""
        head = tokens(without_product_words(question))[-1:] if self.persona.language == "en" else []
        return not head or head[0] in _GENERIC or head[0] in self._described[product.id] | self._names[product.id]

    def _products_asked(self, text: str) -> list[Product]:
        """Products a purchase question names: by meaning or by words, the best one plus a close second."""
        query = without_product_words(text)
        if not tokens(query):
            return []
        hits = self.index.search(query, k=2, kinds=("product",))
        # Product names are short and specific: a keyword match counts even when the embedding is lukewarm. A
        # product is no answer when the thing asked for (the question's last word, "ski boots") is none of its
        # words: gloves for boots would be another product than the one asked about.
        chosen = [h for h in hits if (h.related or h.coverage >= 0.5) and isinstance(h.document.item, Product)
                  and self._is_kind(h.document.item, query)]
        if len(chosen) == 2 and chosen[1].score < chosen[0].score - 0.1:
            chosen = chosen[:1]
        return [h.document.item for h in chosen if isinstance(h.document.item, Product)]

    def _item_sentences(self, item: FunFact | FAQ | Product | AboutLine, intro: bool) -> list[Sentence]:
        if isinstance(item, FunFact):
            if not intro:
                return [Sentence(item.text, (item.id,))]
            return [Sentence(f"{emotion_tag('excited')} {self._phrase('fact_intro')} {item.text} "
                             f"{gesture_tag('thumbs_up')}", (item.id,))]
        if isinstance(item, FAQ):
            lead = f"{emotion_tag('happy')} {self._phrase('faq_intro')} " if intro else ""
            return [Sentence(f"{lead}{gesture_tag('nod')} {item.answer}".strip(), (item.id,))]
        if isinstance(item, AboutLine):
            return [Sentence(f"{emotion_tag('happy')} {item.text}" if intro else item.text, (item.id,))]
        return self.product_pitch(item)

    # -- the fan's state for another engine (the LLM) ---------------------------------------------------------

    def subject_text(self, user: str) -> str | None:
        """What this fan was just talking about, as a prompt can say it: the products by name and price, or the
        knowledge item as written; None when nothing."""
        subject = self.fans.subject(user)
        if subject is None:
            return None
        if subject.products:
            return "; ".join(f"{p.name} ({p.price_text})" for p in subject.products)
        knowledge = self.persona.knowledge
        items: list[FunFact | FAQ | AboutLine] = [*knowledge.fun_facts, *knowledge.faqs, *knowledge.about]
        item = next((i for i in items if i.id == subject.item), None)
        return item.answer if isinstance(item, FAQ) else item.text if item is not None else subject.topic

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
            return [declined(self._phrase("unknown"))]
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


def retrieval_of(engine: DialogueEngine) -> RetrievalEngine | None:
    """The knowledge base's own engine behind `engine`: itself, or the retrieval engine an LLM falls back to."""
    inner = engine if isinstance(engine, RetrievalEngine) else getattr(engine, "fallback", None)
    return inner if isinstance(inner, RetrievalEngine) else None
