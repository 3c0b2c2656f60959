"""Dialogue engines: a fan's message in, the host's answer out as a stream of tagged sentences.

`DialogueEngine.reply` yields `Sentence`s as soon as each is ready (the voice starts on the first while later
ones are still being written) and `Fallback` events when an engine hands over to another. The embedded
`RetrievalEngine` composes answers from the persona's knowledge base only: every fact it states is a knowledge
item quoted as written, the rest are the persona's own phrases. With nothing relevant it says so in character.
"""

from __future__ import annotations

import asyncio
import difflib
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from models.dialogue.catalogue import answer_catalogue, stock_sentence
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
from models.dialogue.meaning import Meanings
from models.dialogue.moderation import check_chat_text, screen
from models.dialogue.persona import FAQ, AboutLine, FunFact, Persona, Product
from models.dialogue.retrieval import DocKind, Hit, KnowledgeIndex, english_words, tokens
from models.dialogue.sentence import Sentence, declined
from models.dialogue.show import ShowSnapshot
from models.dialogue.tags import emotion_tag, gesture_tag
from models.dialogue.words import folded, joined, listed
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


# -- what the fan is doing ------------------------------------------------------------------------------------
# Small lexicons rather than a model: a producer can read them, and a wrong guess costs only the opener.
# English and Chinese lexicons both apply to every message, whatever the persona's language: fans write in their
# own language and mix scripts ("谢谢 Aurora!"), and neither set can match the other's script. They match the
# message's folded form (words.folded), so traditional characters and full-width letters count too.

_SAD = re.compile(
    r"\b(?:sad|unhappy|upset|depressed|heartbroken|devastated|crying|cried|lonely|miserable|gutted|"
    r"passed away|died|dead|funeral|lost my|lost our|we lost|they lost|my team lost|injur(?:ed|y)|broke my|"
    r"broken (?:leg|arm|wrist|ankle)|sick|in hospital|got cut|bad news|terrible day|awful day|rough day|"
    r"didn't make it|did not make it|failed|miss (?:him|her|them|my)|"
    # A bad day or week in a fan's own words ("had the worst day at work", "such a rough week").
    r"(?:worst|bad|hard|tough|rough|terrible|awful|horrible|crappy|shitty|exhausting|stressful) "
    r"(?:day|week|night|month|year|shift)|stressed(?: out)?|exhausted|burn(?:ed|t) out|heartbreak|"
    r"(?:feel|feeling|felt) (?:down|low|blue|bad|awful|terrible|horrible|sad|miserable|lousy|crappy)|"
    r"(?:got|been) (?:fired|laid off|dumped)|lost my job|broke up|"
    # Loneliness and being laid up, in a fan's own words ("I feel so alone tonight", "I got hurt skiing and now
    # I'm stuck at home", "nobody to watch with").
    r"(?:feel|feeling|felt|am|i'm|so|all) (?:so |really |very |pretty |kind of |kinda )?(?:alone|isolated|left out)|"
    r"no ?one to (?:talk|watch|hang out) (?:to|with)|nobody to (?:talk|watch|hang out) (?:to|with)|"
    r"(?:got|get|been|was|am|i'm) (?:badly |really )?hurt|hurt my|(?:stuck|laid up|bedridden|housebound) "
    r"(?:at home|in bed|inside|in hospital)|(?:sprained|twisted|fractured|tore|torn) my|in a cast|on crutches)\b",
    re.IGNORECASE)
#: Words that only strengthen a mood ("feeling *really* down", "a *pretty* rough day"): dropped before the mood
#: lexicon is matched, so its phrases hold whichever intensifiers a fan puts between their words.
_INTENSIFIER = re.compile(
    r"\b(?:so|really|very|pretty|quite|super|totally|extremely|incredibly|truly|just|kind of|kinda|sort of|"
    r"a bit|a little bit|a little|rather|fairly|seriously|absolutely|such an?)\s+", re.IGNORECASE)
_GRIEF = re.compile(r"\b(?:passed away|died|dead|funeral|heartbroken|devastated)\b", re.IGNORECASE)
#: Words that praise (the host's look, voice, show).
_PRAISE = (r"amazing|awesome|beautiful|pretty|great|gorgeous|stunning|lovely|cute|fantastic|wonderful|incredible|"
           r"brilliant|perfect|adorable|fabulous|nice|cool|elegant")
_COMPLIMENT = re.compile(
    r"\b(?:you(?:'re| are)\s+(?:so\s+|really\s+|very\s+|such\s+an?\s+|the\s+)?(?:amazing|awesome|beautiful|pretty|"
    r"great|best|wonderful|lovely|cute|funny|cool|talented|adorable|gorgeous|brilliant|incredible|fantastic)|"
    r"love (?:you|u|your|the show|this show|this stream)|best host|great job|well done|you rock|big fan|"
    r"your (?:voice|smile|hair|outfit|style) is|"
    # "You have such a nice voice", "you've got a lovely smile": anything of hers, any praise word.
    rf"\byou(?:'ve| have)? (?:got |have )?(?:such |the |a |an |really |so )*(?:(?:{_PRAISE}|sweet|kind|warm|"
    rf"soothing|calming|best|sweetest|nicest|loveliest|prettiest|cutest|coolest|greatest|kindest) )+"
    rf"(?:voice|smile|laugh|hair|eyes|face|style|outfit|energy|vibe|"
    rf"personality|look)s?|"
    # "Your hair looks amazing", "you look great tonight", "loving the outfit": any of hers, any praise word.
    rf"(?:\byou\s+|\byour\s+(?:\w+\s+){{1,2}})(?:look|looks|looking|sound|sounds|seem|is|are)\s+(?:so\s+|really\s+|"
    rf"very\s+|super\s+|absolutely\s+|extra\s+)?(?:{_PRAISE})|(?:loving|love|like) (?:the|your) (?:\w+\s+)?"
    rf"(?:hair|outfit|look|style|voice|smile|dress|jacket|energy|vibe)s?|"
    # "Great show tonight!", "this stream is awesome": praise for her show is praise for her.
    rf"^\W*(?:(?:what|such) an? )?(?:{_PRAISE}|fun) (?:show|stream)|\byou(?:'re| are) doing (?:so )?(?:great|amazing|"
    rf"awesome|fantastic|well)|(?:this|the|your) (?:show|stream) (?:is|was) (?:so |really )?"
    rf"(?:{_PRAISE}|the best|fun))\b", re.IGNORECASE)
_THANKS = re.compile(r"\b(?:thank(?:s|x| you| u| ya)?|thanx|thnx|thnks|thx|ty|tysm|tyvm|tyty|cheers|"
                     r"appreciate (?:it|that|you|u)|much appreciated|many thanks)\b", re.IGNORECASE)
_GREETING = re.compile(r"^\W*(?:hi+|hello+|hey+|heya|hiya|howdy|yo|sup|hai|helo|good (?:morning|afternoon|evening)|"
                       r"greetings|morning|evening|"
                       r"(?:so |really )?(?:good|nice|great|glad|happy|lovely) to (?:see|meet) (?:you|u)|"
                       r"long time no see|welcome back|i'?m back|back again|hey again|hi again)\b", re.IGNORECASE)
#: Chat spelling read as the words it stands for before a question is looked up ("wat r the shiping times").
_CHAT_SPELLING = {"rn": "right now", "wat": "what", "wot": "what", "wut": "what", "whats": "what's", "wats": "what's",
                  "r": "are", "u": "you", "ur": "your",
                  "hw": "how", "wen": "when", "wher": "where", "plz": "please", "pls": "please",
                  "cn": "can", "abt": "about", "bc": "because", "cuz": "because", "wanna": "want to",
                  "gonna": "going to", "gimme": "give me", "dunno": "don't know", "thru": "through"}
_CHAT_WORD = re.compile(r"\b(?:" + "|".join(_CHAT_SPELLING) + r")\b", re.IGNORECASE)
_QUESTION = re.compile(
    # "What a fun stream!" exclaims, without a question mark it asks nothing.
    # A discourse word may lead ("ok thx. now whats the cheapest kids thing", "ok so how much"): it does not hide
    # the question word.
    r"\?|^\W*(?:(?:now|so|ok(?:ay)?|and|also|well|then|but|btw|oh|alright|right)\W+){0,3}"
    r"(?:what(?!\s+an?\s)|how|who|when|where|why|which|is|are|do|does|did|can|could|will|would|should|tell me|"
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

#: "How are you?": the host says how she is (her how_are_you phrase).
_HOW_ARE_YOU = re.compile(
    r"\bhow\s+(?:are|r)\s+(?:you|u|ya)\b|\bhow(?:'s| is) it going\b|\bhow(?:'s| is) your day\b|"
    r"\bhow have you been\b|\bhow are things\b|\bhow(?:'s| is) life\b|\bwhat'?s up\b|"
    # "Having a good time tonight?", "you doing ok?", "how's your evening?", "enjoying yourself?"
    r"\b(?:having|enjoying) (?:a |an |some )?(?:(?:good|great|nice|fun|lovely) )?(?:time|night|evening|fun|yourself)\b|"
    r"\b(?:you|u) (?:doing|feeling) (?:ok|okay|well|good|alright|fine|great)\b|\bhow (?:you|u) doing\b|"
    r"\bhow(?:'s| is| was) (?:your|ur) (?:night|evening|morning|week|weekend|day going)\b|"
    r"\bhow do (?:you|u) feel\b|\bhow(?:'re| are) (?:you|u) feeling\b|"
    r"^\W*(?:and|what|how) about (?:you|u)\W*$|^\W*and (?:you|u)\W*$|"
    r"你好吗|您好吗|最近(?:怎么样|好吗)|过得(?:怎么样|好吗)|今天(?:怎么样|好吗)")
#: A question to the host about herself ("where did you grow up?"), by what it asks: the `about` tags that answer
#: it. A persona tags her about lines with these words (her other lines are found by meaning).
_ABOUT_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern, re.IGNORECASE), tag) for
                                                                pattern, tag in (
    (r"\b(?:grow|grew|growing) up\b|\bchildhood\b|\bwhere (?:are|r) (?:you|u) from\b|\bhometown\b|"
     r"\b(?:you|u)\b.*\bas an? (?:kid|child|little girl|girl|teen|teenager)\b|"
     r"\bwhen (?:you|u) were (?:little|young|small|an? (?:kid|child|girl|teen|teenager))\b|"
     r"在哪(?:里|儿)?长大|小时候|老家|哪里人", "childhood"),
    (r"\bfor fun\b|\bhobb(?:y|ies)\b|\bfree time\b|\bspare time\b|\bday off\b|爱好|业余|空闲|平时喜欢", "hobby"),
    (r"\byour job\b|\bdo for (?:a )?(?:living|work)\b|\bwhat do you do\b|\byourself\b|\bwho are you\b|"
     r"你的工作|做什么工作|介绍一下你自己|你是谁", "job"),
    (r"\bhow old\b|\byour age\b|多大|几岁", "age"),
    # "What do you enjoy most about hosting?", "best part of your job?": what she loves about her work.
    (r"\b(?:enjoy|like|love)(?: the)? most\b|\bbest (?:part|thing) (?:of|about)\b|\bfavou?rite (?:part|thing) "
     r"(?:of|about)\b|最喜欢.*(?:主持|工作)", "favourite"),
    (r"\bare (?:you|u) (?:an? )?(?:real|human|robot|bot|ai|virtual|person|computer|program)\b|你是真人|真人吗|虚拟|"
     r"机器人", "virtual"),
))
#: The tags the patterns above ask for: a question's topic word matched against the other tags only.
_PATTERN_TAGS = frozenset(tag for _, tag in _ABOUT_TOPICS)
#: A question about what she herself does ("do you ride a snowboard yourself?", "did you ever ski?"), not a
#: request to her ("can you tell me...", "do you have...", "do you sell...").
_HER_OWN = re.compile(r"\b(?:do|did|have|would) (?:you|u) (?:ever |still |also )?(?!know|have|sell|ship|tell|offer|"
                      r"carry|stock|take|accept|deliver|think|mean|recommend)\w+|\byourself\b", re.IGNORECASE)
#: "Which winter sport do you love most?", "what team do you like best?": a choice among a kind of thing (a FAQ
#: about her favourites answers it), not what she loves about her work.
_WHICH_KIND = re.compile(r"\b(?:which|what)\s+\w+(?:\s+\w+)?\s+(?:do|would|did)\s+(?:you|u)\s+(?:\w+\s+)?"
                         r"(?:love|like|enjoy|prefer)\b", re.IGNORECASE)
#: "What's your name?", "what should we call you?": her name, from the persona.
_MY_NAME = re.compile(r"\b(?:what(?:'s| is) (?:your|ur) name|(?:your|ur) name\W*$|"
                      r"what (?:should|do|can|shall) (?:i|we) call (?:you|u)|what(?:'re| are) (?:you|u) called|"
                      r"(?:who|what) am i talking to)\b|你叫什么|你的名字|怎么称呼", re.IGNORECASE)
#: A question to the host herself: only these are searched among her about lines by meaning.
_TO_HER = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b|你|您|主播", re.IGNORECASE)
#: "Do you like curling?": her about lines that say the thing asked about answer it.
_LIKES = re.compile(r"\b(?:do|did) (?:you|u) (?:like|love|enjoy|watch|follow|play|do)\b|\bare (?:you|u) (?:a )?"
                    r"(?:fan of|into)\b|你喜欢|你爱", re.IGNORECASE)
_LIKE_WORDS = frozenset("like love enjoy watch follow play fan 喜欢 爱".split())
#: "Tell me a fun fact (about curling)": a fact by topic, told as such (no hedge: it is what was asked).
_FACT_REQUEST = re.compile(
    r"\b(?:fun\s+facts?|facts?|trivia|(?:something|anything)\s+(?:interesting|cool|fun|new|cheerful|happy|nice|"
    r"positive|uplifting|funny|amazing|surprising|good)|"
    r"(?:interesting|cool)\s+(?:things?|stuff)|tell me something about)\b|冷知识|小知识|趣闻|有趣的事", re.IGNORECASE)
#: "Teach me something about skiing", "trivia about ice rinks": a fact asked for outright, before the catalogue
#: is asked ("something for skiing" is a product). The looser `_FACT_REQUEST` comes after it.
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
_KNOW_ABOUT = re.compile(r"\bwhat (?:do|can) (?:you|u) (?:know|tell (?:me|us)) about\b", re.IGNORECASE)
#: The words of a fact request that are not its topic.
_FACT_WORDS = frozenset("fun fact interesting cool something anything thing stuff trivia share give another one "
                        "cheerful happy nice positive uplifting funny amazing surprising "
                        "random new good favorite favourite teach tell show share drop hit know quick special got "
                        "冷知识 小知识 趣闻 有趣 事 讲 说 来".split())

#: A question for a price ("How much?"), as against one for the whole store ("What do you sell?").
_PRICE = re.compile(r"\b(?:how much|price[sd]?|cost(?:s)?)\b|多少钱|几块钱|价格|价钱", re.IGNORECASE)
#: "Them", "both", "all": a pronoun that means every product discussed, not one to pick.
_PLURAL = re.compile(r"\b(?:them|they|those|these|both|all)\b|它们|这些|那些|两个|都", re.IGNORECASE)
#: What is left of "and the other one?" besides the reference: nothing that asks anything new.
_DANGLING = re.compile(r"\b(?:and|what|about|how|so|but|ok)\b|[和那呢]", re.IGNORECASE)

Mood = Literal["sad", "grief", "compliment", "thanks", "greeting"]


def _same_word(word: str, tag: str) -> bool:
    """One word in two forms ("snowboard" / "snowboarding"): equal, or one a prefix of the other of 5+ letters."""
    short, long = sorted((word.lower(), tag.lower()), key=len)
    return len(short) >= 5 and long.startswith(short)


def detect_moods(text: str) -> list[Mood]:
    """What the fan expresses besides any question, strongest first."""
    text = folded(text)
    moods: list[Mood] = []
    if _SAD.search(text) or _SAD.search(_INTENSIFIER.sub("", text)) or _ZH_SAD.search(text):
        moods.append("grief" if _GRIEF.search(text) or _ZH_GRIEF.search(text) else "sad")
    if _COMPLIMENT.search(text) or _ZH_COMPLIMENT.search(text):
        moods.append("compliment")
    if _THANKS.search(text) or _ZH_THANKS.search(text):
        moods.append("thanks")
    if _GREETING.search(text) or _ZH_GREETING.search(text):
        moods.append("greeting")
    return moods


def is_question(text: str) -> bool:
    """The message asks something: a question mark, or a sentence that opens as a question, after a hello too
    ("thx!! how much r the gloves", "hi how r u"), chat spelling read as words."""
    text = _CHAT_WORD.sub(lambda m: _CHAT_SPELLING[m.group(0).lower()], folded(text))
    # "hiii how r u", "hello Aurora, what do you sell": a question after the hello or its comma.
    parts = [text, _without(_GREETING, text), *sentences_of(text)[1:], *re.split(r"[,;:]", text)[1:]]
    return any(_QUESTION.search(part) or _ZH_QUESTION.search(part) for part in parts)


def is_product_question(text: str) -> bool:
    return bool(_PRODUCT.search(folded(text)))


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(" ", text)


#: "What do you sell?": up to this many products are named; a larger catalogue is summarised (its size, the
#: first CATALOGUE_FEATURED by name and its CATALOGUE_KINDS most common tags) so that she never reads out 500.
CATALOGUE_NAMED = 8
CATALOGUE_FEATURED = 3
CATALOGUE_KINDS = 3


#: A message this long (characters) is read for its purchase question among its clauses (`_asked_in`).
LONG_MESSAGE = 160
#: Several questions in one message are answered in order, up to this many (the rest wait for another message).
MAX_QUESTIONS = 3
#: A word not in the knowledge base this close (difflib's ratio) to a product name's word or a tag is read as it
#: ("hoddie" → hoodie, "curlling" → curling); words shorter than TYPO_MIN_LETTERS are left alone.
TYPO_CUTOFF = 0.72
TYPO_MIN_LETTERS = 5


#: "How much is the beanie and do you ship to Canada?": a second question joined by "and" (or "also", "plus").
_SECOND_QUESTION = re.compile(r",?\s+(?:and|also|plus)\s+(?=(?:do|does|did|can|could|is|are|was|what|what's|how|when|"
                              r"where|why|will|would|which|who)\b)", re.IGNORECASE)


#: How far ahead of the next hit a related one must be to answer exactly though under the answering bar.
EXACT_MARGIN = 0.15
#: The same for a store policy over the next policy: a store has few policies, each on its own matter, so the one
#: clearly nearest a store question is the one it asks ("I live in Japan, can I still order?": shipping abroad).
FAQ_MARGIN = 0.04
#: What kind of thing a question asks for, and the words an answer of that kind has: "how fast" a speed, "when"
#: a year or a time. A related item without them is a near miss ("How fast does a bobsleigh go?" finds when
#: Jamaica's team first raced): the host hedges.
_ASKS: tuple[tuple[re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (re.compile(asks, re.IGNORECASE), re.compile(says, re.IGNORECASE)) for asks, says in (
        (r"\bhow fast\b|\bspeed of\b|\btop speed\b", r"km/h|mph|kilomet\w* (?:an|per) hour|"
                                                      r"miles (?:an|per) hour|per second|"
                                                      # "how fast do you ship?" is a time
                                                      r"\bdays?\b|\bweeks?\b|\bwithin\b"),
        (r"\bhow heavy\b|\bweigh", r"kilogram|\bkg\b|pounds?\b|\bgrams?\b|tonnes?\b"),
        (r"\bhow (?:tall|high|wide|thick|big|far|deep)\b", r"\d|metre|meter|inch|feet|foot|centimet|kilomet|mile"),
        (r"\bhow (?:many|old)\b", r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|more than|"
                                   r"most)\b"),
        (r"\bwhen\b|\bwhat year\b", r"\b(?:1[0-9]{3}|20[0-9]{2})\b|\bdays?\b|\bweeks?\b|\bhours?\b|\buntil\b|"
                                    r"\bas soon as\b|\bwithin\b|\bbefore\b|\bafter\b"),
        (r"\bhow long\b", r"\d|\bdays?\b|\bweeks?\b|\bhours?\b|\bminutes?\b|\btwo\b|\bwithin\b|metre|inch"),
        (r"\bwho\b", r"\b[A-Z][a-z]+ [A-Z][a-z]+|\bteam\b|\bathletes?\b|\bcountry\b|\bI\b"),
        (r"\bhow (?:cold|hot|warm)\b|\btemperature\b", r"°|\bdegrees?\b|celsius|fahrenheit|below (?:zero|freezing)"),
        # A ranking ("who is the greatest?") is answered by an item that ranks, not by one about the same sport.
        (r"\b(?:who|which)(?:'s| is| was| are)? (?:the )?(?:greatest|best|fastest|most|top)\b",
         r"\b(?:greatest|best|most|more than any|record|fastest)\b"),
        # "When are the next Games?" asks for a date to come: a past one is another question's answer.
        # A record ("the longest ski jump ever") is a distance; "the best resort" is a ranking, not a fact nearby.
        (r"\b(?:longest|farthest|furthest|highest|tallest|deepest|records?)\b",
         r"metre|meter|\bkm\b|feet|foot|kilomet|mile|\brecord\b"),
        (r"\b(?:best|greatest|most popular)\b", r"\b(?:best|greatest|most|favou?rite|more than any|record)\b"),
        # Any question about what is still to come ("where will the next Games be held?") needs a future answer.
        (r"\b(?:when|where|who|which|what)\b.*\b(?:next|upcoming)\b|"
         r"\b(?:where|who)\b.{0,30}\bwill\b(?!.*\b(?:order|package|parcel|ship))",
         r"\b(?:will|next|upcoming)\b|\b20(?:2[6-9]|[3-9][0-9])\b"),
        # "Which country hosts the 2034 Games?": a future event is no past one's answer.
        (r"\b20(?:2[7-9]|[3-9][0-9])\b|\b(?:will|going to)\b.*\b(?:host|win|hold)\b",
         r"\b20(?:2[7-9]|[3-9][0-9])\b|\bwill\b"),
        (r"\bwhich (?:country|nation|city|place)\b|\bwhere\b.*\b(?:held|hosted|host)\b",
         r"\b[A-Z][a-z]+\b(?<!\bThe)(?<!\bI)"),
        # A price ("how much does a real curling stone cost?") is no fact about the thing's weight or size.
        (r"\bhow much\b.*\b(?:cost|costs|worth)\b|\bprice of\b",
         r"\$|€|¥|\bcosts?\b|\bprices?\b|\bdollars?\b|\bfree\b"),
        # A day asked about ("do you ship on weekends?"), a price asked of a service ("is shipping free?").
        (r"\b(?:weekends?|sundays?|saturdays?|holidays?|christmas)\b",
         r"\b(?:weekends?|sundays?|saturdays?|holidays?|christmas|every day)\b"),
        (r"\b(?:free|fees?|charges?|extra cost)\b", r"\b(?:free|fees?|charge[sd]?|cost|\$)|\$"),
    ))


#: Store talk in other words than the store policies': a place abroad asks about shipping internationally ("to
#: Europe", "to Canada"), "where's my order?" is tracking it, "send it back" returning it, "swap" exchanging.
#: The words are added to what is looked up.
_ABROAD = re.compile(
    r"\b(?:abroad|overseas|worldwide|internationall?y?|outside (?:the )?(?:us|usa|states)|countries|europe|canada|"
    r"mexico|uk|britain|england|scotland|ireland|germany|france|spain|italy|netherlands|sweden|norway|finland|"
    r"denmark|switzerland|austria|poland|australia|new zealand|japan|korea|china|india|brazil|asia|africa|"
    r"south america)\b", re.IGNORECASE)
_PARAPHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(said, re.IGNORECASE), meant) for said, meant in (
    (_ABROAD.pattern, "internationally"),
    (r"\bmerch\b", "merchandise"),
    (r"\bsend\b.{0,20}\bback\b|\bmoney back\b|\brefunds?\b", "return"),
    # "What's the return window?", "how long do I have to return it?": the returns policy, by its question.
    (r"\breturn (?:window|period|policy|deadline|time|limit)s?\b|\b(?:how long|how many days)\b.{0,25}\breturn",
     "can I return something I bought"),
    # "If it doesn't fit": what is bought can go back or be swapped.
    (r"\b(?:doesn'?t|does not|don'?t|do not|didn'?t|won'?t) fit\b|\btoo (?:small|big|large|tight|loose)\b",
     "return or exchange"),
    # "How do I order stuff?", "how can I buy things from the store?": the way to buy.
    (r"\bhow (?:do|can|would|should) (?:i|we|you|u|one) (?:order|buy|purchase|get)\b|\bplace an order\b",
     "where can I buy the merchandise"),
    (r"\bswap\b|\btrade (?:it|them|my)\b", "exchange"),
    (r"\bwhere(?:'s| is| are)? my (?:order|package|parcel|stuff|delivery|shipment|purchase)s?\b", "track order"),
))
#: A place abroad is store talk only with shipping in the question ("is it snowing in France?" is not).
_SHIPPING = re.compile(r"\b(?:ship|ships|shipping|shipped|deliver|delivers|delivery|send|sends|post|mail|arrive|"
                       r"order)\b", re.IGNORECASE)
#: "Where can I buy it?", "How do I order?": the way to buy, a store policy, not the list of products.
_WAY_TO_BUY = re.compile(r"^\W*(?:where|how)\b", re.IGNORECASE)


#: "Do you sell ski boots?", "Have you got scarves?": whether the store has a kind of thing.
_SELLS = re.compile(r"\b(?:do|does|d'?you) (?:you|u|the store|your store|the shop|your shop) (?:sell|have|carry|stock|"
                    r"offer|make)\b|\bhave you got\b|\bis there an?\b|\bare there (?:any )?\b|"
                    r"\bcan i (?:buy|get|order)\b|"
                    r"卖不卖|有没有卖|有卖", re.IGNORECASE)
#: The words of catalogue questions a typo is read against besides the knowledge's own ("cheapst thing").
_STORE_WORDS = "cheapest expensive priciest cheaper available delivery colour colours color colors sizes"
#: "Can I still buy one?", "is it still available?": whether the product just discussed can be bought now (its
#: stock, answered by the catalogue with the fan's subject).
_BUY_ONE = re.compile(
    r"\b(?:can|could|may|do) (?:i|we) (?:still )?(?:buy|get|order|grab|have|purchase|pick up) (?:one|it|them|a pair|"
    r"some|that|this|those|these)\b|\b(?:is|are) (?:it|they|that|those|these|this)(?: one)? (?:still )?(?:available|"
    r"for sale|buyable)\b|\bstill (?:available|for sale|got (?:it|them|any))\b", re.IGNORECASE)
#: "The kids one", "the blue ones": the word before "one" that stands for a product.
_ONE = re.compile(r"([A-Za-z]+)'?\s+ones?\b")
#: Words that name no kind of thing ("the blue one", "anything"): no product is ruled out by them.
_GENERIC = frozenset("one thing item stuff something anything product merchandise merch gift present".split())


def expanded(query: str) -> str:
    """The query with the store's own words for what it paraphrases (`_PARAPHRASES`)."""
    extra = [meant for said, meant in _PARAPHRASES if said.search(query)]
    return f"{query} {' '.join(extra)}" if extra else query


def _item_text(item: FunFact | FAQ | Product | AboutLine) -> str:
    """What an item says when told: a FAQ's answer, a fact's or an about line's text; a product's description."""
    return item.answer if isinstance(item, FAQ) else item.text if isinstance(item, (FunFact, AboutLine)) \
        else item.description


def says_what_is_asked(question: str, answer: str) -> bool:
    """The answer has the kind of thing the question asks for (a speed for "how fast", a year for "when"); true
    for a question that asks for no particular kind. A year the question names ("who won in 2022?") is one the
    answer has: an item of another year answers another question."""
    years = _YEAR.findall(question)
    return all(says.search(answer) for asks, says in _ASKS if asks.search(question)) and \
        all(year in answer for year in years)


_YEAR = re.compile(r"\b(?:1[89][0-9]{2}|20[0-9]{2})\b")


def questions_of(text: str) -> list[str]:
    """The questions of a message in order, up to MAX_QUESTIONS; the whole message when it has fewer than two
    (a question with its context, or a request without a question mark)."""
    questions = [q for p in sentences_of(text) if is_question(p) for q in _SECOND_QUESTION.split(p) if is_question(q)]
    return questions[:MAX_QUESTIONS] if len(questions) > 1 else [retrieval_query(text)]


def _elliptic(question: str) -> bool:
    """A price question that names nothing ("😍 how much", "price??"): it leans on the sentence before it."""
    return bool(_PRICE.search(question)) and not tokens(_without(_PRODUCT, question))


def retrieval_query(text: str) -> str:
    """The part of a message to look up: its questions when it also says other things ("I'm sad, we lost.
    Why are pucks frozen?", "我们输了，好难过。冰球为什么要冷冻？"), so the bad news does not steer the search."""
    parts = sentences_of(text)
    # "The plush!!! 😍 how much": a question of a word or two asks about the sentence before it, which it keeps.
    questions = [joined(parts[i - 1:i + 1]) if i and _elliptic(p) and not is_question(parts[i - 1]) else p
                 for i, p in enumerate(parts) if is_question(p)]
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
    #   kids, gift, cheap, colour ({colour}), size ({size}), kids_sizes, in_stock, sold_out, preorder,
    #   low_stock, unavailable (sold out or pre-order), not_kids, not_gift; "one" and
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
    top: dict[str, str]  # "cheapest" / "priciest" -> {count} {constraint} {items}: the N cheapest or priciest
    dimension_verdict: str  # {product} {is} {word}: "which is bigger?" answered from two measures
    dimension_unknown: str  # {word}: no description states the dimension asked
    #: The verdict's word for (dimension, larger?): "bigger", "lighter"; `fan_adjectives`: the fan's own "-er"
    #: word may stand instead ("taller")
    adjectives: dict[tuple[str, bool], str]
    fan_adjectives: bool
    feature_verdict: str  # {product} {is}: the one whose description states the feature a comparison asks
    feature_yes: str  # {fact}: the description that states the feature
    feature_unknown: str  # {product}: no field states it
    no_restock: str  # {product} {is}: no restock date is known for a sold-out product

    def listed(self, names: list[str], conjunction: str = "and") -> str:
        """Names as a list is said: "A, B and C", "A、B和C"."""
        return listed(names, self.comma, self.conjunctions[conjunction])

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
                    "sold_out": "sold out", "preorder": "up for pre-order", "low_stock": "almost sold out",
                    "unavailable": "not available to buy right now", "not_kids": "not for kids",
                    "not_gift": "not a gift item"},
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
        agreement=({"is": "is", "comes": "comes", "costs": "costs"}, {"is": "are", "comes": "come", "costs": "cost"}),
        top={"cheapest": "The {count} cheapest {constraint}: {items}.",
             "priciest": "The {count} most expensive {constraint}: {items}."},
        dimension_verdict="The {product} {is} the {word} one.",
        dimension_unknown="The product descriptions don't say which one is {word}, so I won't guess.",
        adjectives={("size", True): "bigger", ("size", False): "smaller", ("weight", True): "heavier",
                    ("weight", False): "lighter", ("warmth", True): "warmer", ("warmth", False): "less warm"},
        fan_adjectives=True, feature_verdict="The {product} {is} the one for that.",
        feature_yes="Yes: {fact}", feature_unknown="The store page has the details on that for the {product}.",
        no_restock="I don't have a restock date for the {product}, so keep an eye on the store page."),
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
                    "sold_out": "已售罄", "preorder": "可以预订", "low_stock": "快卖完",
                    "unavailable": "现在买不到", "not_kids": "不是给小朋友的", "not_gift": "不是礼品的"},
        constraint_joiner="、", costs="{product}是{price}。",
        cheaper="{product}更便宜，只要{price}。", cheapest_of="其中{product}最便宜，只要{price}。",
        pricier="{product}更贵，要{price}。", priciest_of="其中{product}最贵，要{price}。", same_price="它们价格一样。",
        stock={"in_stock": "{product}有现货。", "low_stock": "{product}还有货，不过只剩几件了。",
               "sold_out": "{product}现在卖完了。", "preorder": "{product}现在可以预订。",
               "unknown": "{product}有没有货，商店页面上可以看到。"},
        colours="{product}有{values}。", sizes="{product}有{values}这些尺码。", comes_in="有的，{product}有{value}。",
        not_in="{product}有{values}，没有{value}。", agreement=({}, {}),
        top={"cheapest": "{constraint}最便宜的{count}件：{items}。",
             "priciest": "{constraint}最贵的{count}件：{items}。"},
        dimension_verdict="{product}{word}。", dimension_unknown="商品介绍里没有说哪个{word}，我就不乱猜了。",
        adjectives={("size", True): "更大", ("size", False): "更小", ("weight", True): "更重",
                    ("weight", False): "更轻", ("warmth", True): "更保暖", ("warmth", False): "没那么保暖"},
        fan_adjectives=False, feature_verdict="这一点要看{product}。",
        feature_yes="是的，{fact}", feature_unknown="{product}的这个细节，商店页面上有详细介绍。",
        no_restock="{product}什么时候补货我还不知道，可以留意商店页面。"),
}


@dataclass(frozen=True)
class Part:
    """The answer to one question of a message, and what the fan's subject becomes: `subject` (None: forgotten)
    unless `keep`, which leaves the fan's subject as it was (how she is, a clarifying question back)."""

    intent: Intent
    sentences: list[Sentence]
    hits: tuple[Hit, ...] = ()
    subject: Subject | None = None
    keep: bool = False


#: Answers that leave the question unanswered: the engine reads it again by its meaning (`RetrievalEngine._by_meaning`).
_UNANSWERED = frozenset({"unknown", "partial"})

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
        #: A name's head noun, its last word: what the product is ("bottle"), as opposed to a modifier ("ski").
        self._heads = {p.id: frozenset(tokens(p.name)[-1:]) for p in knowledge.products}
        #: A product's tags and description as words: what tells two products of one kind apart.
        self._described = {p.id: frozenset(tokens(f"{' '.join(p.tags)} {p.description}")) for p in knowledge.products}
        #: A fact's tags as words, and its text's: what a topic ("curling", "hockey") finds it by.
        self._fact_tags = {f.id: frozenset(tokens(" ".join(f.tags))) for f in knowledge.fun_facts}
        self._fact_words = {f.id: frozenset(tokens(f.text)) for f in knowledge.fun_facts}
        self._subject_words = frozenset().union(*self._names.values(), *self._fact_tags.values())
        #: What a question may ask of a product without naming it ("What sizes?", "In red?", "Still in stock?").
        self._attributes = frozenset(tokens(
            "size sizes colour colours color colors price cost stock available availability sold out left warm "
            "waterproof material made preorder pre-order come good worth fit 尺码 颜色 价格 有货 库存 保暖 "
            + " ".join(v for p in knowledge.products for v in (*p.colors, *p.sizes))))
        # Typos are read against the words that name things (product names, every tag) and the store policies'
        # questions' words, never against the rest.
        named = " ".join([p.name for p in knowledge.products] + [t for p in knowledge.products for t in p.tags]
                         + [t for f in knowledge.fun_facts for t in f.tags]
                         + [f.question for f in knowledge.faqs]  # "shiping" → shipping
                         + [_STORE_WORDS])  # "cheapst" → cheapest
        self._spellings = sorted({w for w in re.findall(r"[a-z]+", named.lower()) if len(w) >= TYPO_MIN_LETTERS})
        self._known = frozenset(re.findall(r"[a-z]+", " ".join(d.text for d in self.index.documents).lower()))
        self._english = english_words()
        #: The question read by its meaning when its words find no answer.
        self.meanings = Meanings(persona, self.index)

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
        """The whole answer at once (the stream yields it sentence by sentence), the fan's subject updated.
        Raises ChatTextError."""
        text = check_chat_text(turn.text)
        self._turn += 1
        verdict = screen(text, self.persona)
        if verdict.kind == "injection":
            self.fans.record(turn.user, None)
            return Answer("injection", (Sentence(f"{emotion_tag('happy')} {gesture_tag('shake_head')} "
                                                 f"{self._phrase('injection')}"),))
        if verdict.kind in ("blocked", "forbidden"):
            self.fans.record(turn.user, None)
            return Answer("refusal", (self._refusal(verdict.topic),))
        moods = detect_moods(text)
        opener = [self._opener(mood) for mood in moods[:2]]
        social_only = bool(moods) and not is_question(text) and not self._follows_up(text)
        if social_only:
            self.fans.touch(turn.user)
            return Answer("social", tuple(opener))
        # After sympathy, facts are told gently: no cheering intro or emotion on top of the fan's bad news.
        gentle = bool(moods) and moods[0] in ("sad", "grief")
        parts: list[Part] = []
        for i, question in enumerate(questions_of(text)):
            self._turn += i > 0  # each answer its own phrase variants: no "Good question!" twice in a row
            part = self._answer(turn.user, self._spelled(question), gentle)
            # Two questions with one answer ("What is biathlon and how does it work?"): the item is told once.
            said = {s for p in parts for s in _stated(p)}
            told_again = part.intent in _TELLS_ITEM and _stated(part) and set(_stated(part)) <= said
            # One question back is enough: "How much is it? Is it warm?" from a fan with nothing discussed.
            asked_again = part.intent == "clarify" and any(p.intent == "clarify" for p in parts)
            if not (told_again or asked_again):
                parts.append(part)
        hits = tuple(h for part in parts for h in part.hits)
        answered = [part for part in parts if part.intent != "unknown"]
        if not answered and moods and not is_question(_without(_ZH_GREETING, _without(_GREETING, folded(text)))):
            return Answer("social", tuple(opener), hits)
        # A message of several questions is as good as its answered ones: its intent is the first of those.
        intent = (answered or parts)[0].intent
        return Answer(intent, tuple(opener + [s for part in parts for s in part.sentences]), hits)

    def _answer(self, user: str, question: str, gentle: bool) -> Part:
        """One question answered, and the fan's subject updated."""
        subject = self.fans.subject(user)
        told = self.fans.told(user)
        part = self._body(question, gentle, subject, told)
        if part.intent in _UNANSWERED:
            part = self._by_meaning(question, gentle, subject, told) or part
        new = part.subject
        if new is not None and subject is not None:
            # The fan narrowed a choice down ("the thermal one" of two bottles): the rest stay "the other one".
            pool = subject.group or subject.products
            if len(pool) > len(new.products) > 0 and set(new.products) <= set(pool):
                part = replace(part, subject=replace(new, group=pool))
            elif new.products and subject.products and about_what(question) is not None:
                # "And the beanie?" after the bottle: both are "them" now, and the bottle "the other one".
                part = replace(part, subject=replace(new, group=tuple(dict.fromkeys((*pool, *new.products)))))
        if part.keep:
            self.fans.touch(user)
        else:
            self.fans.record(user, part.subject, (s for sentence in part.sentences for s in sentence.sources))
        return part

    def _by_meaning(self, question: str, gentle: bool, subject: Subject | None, told: tuple[str, ...]) -> Part | None:
        """A question its words found no answer to, read by its meaning (meaning.py): a forbidden topic declined, or
        the labelled question it means answered in its place; None when it means nothing the engine answers."""
        meaning = self.meanings.read(question)
        if meaning is None:
            return None
        if meaning.topic is not None:
            return Part("refusal", [self._refusal(meaning.topic)])
        if meaning.ask is None or folded(meaning.ask) == folded(question):
            return None
        part = self._body(meaning.ask, gentle, subject, told)
        return part if part.intent not in _UNANSWERED else None

    def _refusal(self, topic: str | None) -> Sentence:
        return Sentence(f"{emotion_tag('neutral')} {gesture_tag('shake_head')} "
                        f"{self._phrase('refusal', topic=topic or 'that')}")

    def _follows_up(self, text: str) -> bool:
        """The message leans on what was said before ("tell me more", "and the other one?", "another!")."""
        text = folded(text)
        return bool(MORE.search(text) or ANOTHER.search(text) or OTHER.search(text) or about_what(text))

    def _spelled(self, text: str) -> str:
        """The question with typos in the names of things read as those names ("hoddie" → hoodie): only words that
        are neither in the knowledge base nor common English words (`english_words`: "nothing" is not a typo of
        clothing), only close to a product name's word or a tag (TYPO_CUTOFF). Without the word list, nothing
        is read as a typo."""
        text = _CHAT_WORD.sub(lambda m: _CHAT_SPELLING[m.group(0).lower()], text)
        if not self._english:
            return text

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(word) < TYPO_MIN_LETTERS or lower in self._known or lower in self._english:
                return word
            close = difflib.get_close_matches(lower, self._spellings, n=1, cutoff=TYPO_CUTOFF)
            stem = tokens(lower)[:1]
            if close and stem and stem[0] != lower and close[0].startswith(stem[0]):
                return word  # a plural is a thing, not a typo of its activity: "snowboards" is no "snowboarding"
            return close[0] if close else word

        return re.sub(r"[A-Za-z]+", fix, text)

    def _asked_in(self, text: str) -> str:
        """Of a long message of many clauses, the purchase question about a named product when it has one (the
        last): "..., before the dance break starts, ..., how much is the hoodie?" asks the price, and the passing
        mentions around it ("my mum loves the curling facts") are no questions."""
        if len(text) < LONG_MESSAGE:
            return text
        asking = [c for c in re.split(r"[,;:]+\s*|\s+and\s+", text) if is_product_question(c) and self._named(c)[0]]
        return asking[-1] if asking else text

    def _body(self, text: str, gentle: bool, subject: Subject | None, told: tuple[str, ...]) -> Part:
        """One question's answer: small talk, a follow-up on the fan's subject, a fact by topic, products, or
        whatever the knowledge base holds that answers it; the honest "I don't know" when nothing does."""
        from models.dialogue.show_talk import answer_show  # it reads this module's is_question

        text = self._asked_in(text)

        # The show's own questions ("what's next?", "when does it end?") are answered from the runner, before
        # "it" is read as the fan's subject.
        # A purchase question about a named product is that, though it mentions a part of the show in passing
        # ("before the dance break starts, how much is the hoodie?").
        buying = is_product_question(text) and bool(self._named(text)[0])
        if not buying and (show := answer_show(text, self.show_source(), self.persona)) is not None:
            return Part("show", show, keep=True)
        text_folded = folded(text)
        if _HOW_ARE_YOU.search(text_folded):
            return Part("small_talk", [Sentence(f"{emotion_tag('happy')} {self._phrase('how_are_you')}")], keep=True)
        follow_up = self._follow_up(text, text_folded, subject, told)
        if isinstance(follow_up, Part):
            return follow_up
        question = follow_up or text
        # The catalogue's constraints (price limits, cheapest, colours, sizes, stock) are answered from the
        # products' fields, before products and facts are looked up, with the fan's subject products as context.
        context = subject.products if subject is not None else ()
        if _TEACH.search(question):
            return self._topic_fact(question, told, gentle)
        if _KNOW_ABOUT.search(question) and not any(self._named(question)) and \
                not self._policy_answers(question, related=True):
            return self._topic_fact(question, told, gentle)  # "what do you know about figure skating?"
        catalogue = answer_catalogue(question, self.persona.knowledge, context, self.wording)
        if catalogue is not None and not catalogue.products and not self._named(question)[0] and \
                self._policy_answers(question):
            catalogue = None  # "Can I get my money back?" is the returns policy, not a product to look for
        if catalogue is not None:
            return Part(catalogue.intent, list(catalogue.sentences), subject=Subject(
                catalogue.intent, catalogue.products, question=question, mention=mention_in(question, frozenset().union(
                    *(self._names[p.id] for p in catalogue.products)))) if catalogue.products else subject)
        if _FACT_REQUEST.search(question):
            return self._topic_fact(question, told, gentle)
        about = self._about_me(question, told)
        if about is not None:
            return about
        if question != text and not set(tokens(_without(_PRODUCT, text))) <= self._attributes:
            # "Can I return them?" asks a store policy of its own: the policy that answers the question as the
            # fan wrote it goes before the product it refers to ("What sizes?" asks only about the product).
            policy = self.index.search(retrieval_query(text), k=2, kinds=("faq",))
            if policy and (policy[0].answers or self._exact(text, tuple(policy), policies_apart=False)):
                return self._lookup(text, gentle, kinds=("faq",))
        paraphrased = self._paraphrased_policy(question)
        if paraphrased is not None:
            return Part("faq", self._item_sentences(paraphrased, intro=not gentle), (),
                        self._item_subject("faq", paraphrased, question))
        return self._lookup(question, gentle)

    def _follow_up(self, text: str, text_folded: str, subject: Subject | None,
                   told: tuple[str, ...]) -> Part | str | None:
        """A follow-up answered from the fan's subject (a Part), or the question rewritten to name the subject
        ("how much is it?" → "how much is the Thermal Bottle?"); None when the question stands on its own."""
        if ANOTHER.search(text_folded):
            return self._another_fact(subject, told)
        if _BUY_ONE.search(text_folded) and not self._named(text)[0]:
            if subject is None or not subject.products:
                return self._no_subject() if subject is None else None
            names = self.wording.listed([p.name for p in subject.products])
            return f"Is the {names} in stock?" if self.persona.language == "en" else f"{names}有货吗？"
        if MORE.search(text_folded):
            return self._more(subject, told) if subject is not None else self._no_subject()
        if OTHER.search(text_folded):
            others = self._others(subject)
            if not others:
                return self._no_subject()
            if len(others) > 1:
                return self._clarify(others, subject.question if subject else text, "")
            name = f"the {others[0].name}" if self.persona.language == "en" else others[0].name
            rest = OTHER.sub(" ", text_folded)
            if not tokens(_DANGLING.sub(" ", rest)) and subject is not None and subject.question:
                return asked_again(subject, others[0].name)
            return OTHER.sub(name, text, count=1)
        thing = about_what(text)
        if thing is not None and not PRONOUN.fullmatch(thing) and thing.lower() not in ("you", "u", "yourself", "你"):
            if subject is None and PRONOUN.search(thing) and self._leans_on_pronoun(thing):
                return self._no_subject()  # "and what colour is that one?" from a fan with nothing discussed
            if subject is None or not subject.question:
                return thing
            if not subject.products and not self._named(thing)[0]:
                # "And exchanges?" after the returns policy: the exchanges policy, asked in its own words.
                asked = set(tokens(thing))
                policies = [f for f in self.persona.knowledge.faqs if asked and asked <= set(tokens(f.question))]
                if len(policies) == 1:
                    return policies[0].question
                if self._policy_answers(thing, related=True):
                    return thing
            # "And the kids one?" after two bottles: the one of those just discussed that the words name.
            chosen = self._named(thing, among=subject.group or subject.products)[0] if subject.products else []
            heads = {p.name.split()[-1] for p in subject.products}
            if len(chosen) != 1 and len(heads) == 1 and _ONE.search(thing):
                # "And the kids one?" after the thermal bottle: "one" is a bottle, the kids' one of all bottles.
                chosen = self._named(re.sub(r"\bones?\b", heads.pop(), thing))[0]
            if len(chosen) == 1 and len(subject.products) > 1:
                return chosen[0].name  # that one of several, told on its own
            return asked_again(subject, chosen[0].name if len(chosen) == 1 else thing)
        if subject is not None and subject.intent == "clarify":
            chosen = self._named(text)[0]
            options = [p for p in chosen if p in subject.products]
            if len(options) == 1 and not is_question(text):
                return asked_again(subject, options[0].name)
        if PRONOUN.search(text_folded) and not (frozenset(tokens(text)) & self._subject_words):
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
                    any(f.id == subject.item for f in self.persona.knowledge.faqs):
                # "Where's my order? How do I track it?": "it" is what the policy just asked about was about.
                return f"{text.rstrip('?？!！. ')} ({subject.question.rstrip('?？!！. ')})?"
            return None
        asked = set(tokens(_without(_PRODUCT, text)))
        if subject is not None and subject.products and is_question(text) and \
                (asked and asked <= self._attributes or not asked and _PRICE.search(text_folded)):
            # "What sizes?", "How much?", "In red?": the products just discussed, asked about again.
            names = self.wording.listed([p.name for p in subject.products])
            return f"{text.rstrip('?？!！. ')} {names}?" if self.persona.language == "en" else f"{names}{text}"
        return None

    def _leans_on_pronoun(self, text: str) -> bool:
        """A question whose only subject is a pronoun ("how much is it?", "is it warm?", "does it come in red?"):
        what else it says asks only about a product (`_attributes`), not something of its own ("what time is
        it?")."""
        return set(tokens(_without(_PRODUCT, PRONOUN.sub(" ", folded(text))))) <= self._attributes

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

    def _another_fact(self, subject: Subject | None, told: tuple[str, ...]) -> Part:
        """A fact this fan has not heard: on the subject's topic when it has one, else any."""
        if subject is not None and subject.topic:
            return self._topic_fact(f"fact about {subject.topic}", told, gentle=False)
        return self._topic_fact("fact", told, gentle=False)

    def _topic_fact(self, question: str, told: tuple[str, ...], gentle: bool) -> Part:
        """A fact by topic ("a fun fact about curling"): one whose tags or words have the topic, one this fan has
        not heard yet, told as a fact (no hedge: it is what was asked). No topic: any fact not yet told."""
        topic = [w for w in tokens(question) if w not in _FACT_WORDS]
        facts = self.persona.knowledge.fun_facts
        if topic:
            scored = [(2 * len(self._fact_tags[f.id] & set(topic)) + len(self._fact_words[f.id] & set(topic)), f)
                      for f in facts]
            if not any(score for score, _ in scored):  # the topic is no fact's word: find one by meaning, if near
                return self._lookup(question, gentle, kinds=("fact",))
            # Best first: a fact tagged with the topic and saying it before one only tagged with it; of equals, the
            # nearest in meaning ("trivia about ice rinks": the resurfacing machine before ice hockey's debut).
            top = max(score for score, _ in scored)
            tied = sum(score == top for score, _ in scored) > 1  # only a tie costs a search by meaning
            near = {h.document.item.id: i for i, h in enumerate(
                self.index.search(retrieval_query(question), k=len(facts), kinds=("fact",)) if tied else ())
                if isinstance(h.document.item, FunFact)}
            facts = tuple(f for score, f in sorted(scored, key=lambda sf: (-sf[0], near.get(sf[1].id, len(facts))))
                          if score)
        fresh = [f for f in facts if f.id not in told]
        if not fresh and topic:
            return Part("topic_fact", [Sentence(f"{emotion_tag('happy')} {self._phrase('nothing_more')}")],
                        keep=True)
        # Every fact told already: start again from the one told longest ago.
        fact = fresh[0] if fresh else min(facts, key=lambda f: told.index(f.id) if f.id in told else -1)
        words = mention_in(question, self._fact_tags[fact.id] | self._fact_words[fact.id])
        return Part("topic_fact", self._item_sentences(fact, intro=not gentle),
                    subject=Subject("topic_fact", item=fact.id, topic=words or None, question=question,
                                    mention=words))

    def _about_me(self, question: str, told: tuple[str, ...]) -> Part | None:
        """Small talk about the host ("where did you grow up?", "do you like curling?"): her about lines, by the
        tag the question asks for or by meaning; None when the question is not about her or she has no line."""
        about = self.persona.knowledge.about
        folded_question = folded(question)
        if _MY_NAME.search(folded_question):
            return Part("small_talk", [Sentence(f"{emotion_tag('happy')} {self._phrase('my_name')}")], (),
                        Subject("small_talk", question=question))
        # A topic word of the question that is one of her lines' own tags ("do you ride a snowboard yourself?" →
        # the line tagged snowboarding) picks that line before any question pattern does: the topic is the point.
        topical = [] if not _HER_OWN.search(folded_question) or is_product_question(question) else [
            a for a in about if any(_same_word(word, tag) for word in tokens(question) for tag in a.tags
                                    if tag not in _PATTERN_TAGS)]
        if topical:
            fresh = [a for a in topical if a.id not in told] or topical
            return self._about_part(fresh[:1], question)
        if _WHICH_KIND.search(folded_question):
            return None  # "which winter sport do you love most?": her pick of a kind of thing, from her FAQs
        for pattern, tag in _ABOUT_TOPICS:
            if pattern.search(folded_question):
                lines = [a for a in about if tag in a.tags]
                if lines:
                    fresh = [a for a in lines if a.id not in told] or lines
                    return self._about_part(fresh[:1], question)
        if _LIKES.search(folded_question):
            asked = set(tokens(question)) - _LIKE_WORDS
            lines = [a for a in about if asked and asked <= set(tokens(f"{a.text} {' '.join(a.tags)}"))]
            if lines:
                return self._about_part(lines[:1], question)
        if not about or not _TO_HER.search(folded_question) or is_product_question(question):
            return None  # "where can I buy your merch?" asks about the store, not about her
        hits = self.index.search(retrieval_query(question), k=2, kinds=("about",))
        if hits and (hits[0].answers or self._exact(question, tuple(hits))) and \
                isinstance(hits[0].document.item, AboutLine):
            return self._about_part([hits[0].document.item], question, hits=tuple(hits))
        return None

    def _about_part(self, lines: list[AboutLine], question: str, hits: tuple[Hit, ...] = ()) -> Part:
        return Part("small_talk", [Sentence(f"{emotion_tag('happy')} {line.text}", (line.id,)) for line in lines],
                    hits, Subject("small_talk", item=lines[-1].id, question=question))

    def _lookup(self, text: str, gentle: bool, kinds: Sequence[DocKind] | None = None) -> Part:
        """Products a question names or asks the price of, else the knowledge item that answers it."""
        named, ambiguous = self._named(text)
        if ambiguous and not named:
            return self._clarify(ambiguous, text, mention_in(text, frozenset().union(
                *(self._names[p.id] for p in ambiguous))))
        if kinds is None and is_product_question(text):
            products = named or self._products_asked(retrieval_query(text))
            if products:
                return self._pitch(products, text)
            if _WAY_TO_BUY.search(text) and kinds is None:
                policy = self.index.search(expanded(retrieval_query(text)), k=1, kinds=("faq",))
                if policy and policy[0].related:
                    return self._lookup(text, gentle, kinds=("faq",))
            if not tokens(_without(_PRODUCT, text)):
                return Part("catalogue", self.catalogue())
            if _SELLS.search(folded(text)) and not self._policy_answers(text, related=True):
                # Only a product-like object is "not sold": "is there a link to the shop?" asks a store policy.
                return self._not_sold()
        query = retrieval_query(text)
        hits = tuple(self.index.search(expanded(query), k=3, kinds=kinds))
        abroad = [h for h in hits[1:] if h.document.kind == hits[0].document.kind and _ABROAD.search(h.document.text)]
        if _ABROAD.search(query) and hits[0].related and not _ABROAD.search(hits[0].document.text) and abroad:
            # Shipping to Canada is the policy on shipping abroad, though the home one shares more of its words: the
            # one abroad takes the place (and the standing) of the best hit.
            first, moved = hits[0], abroad[0]
            hits = (replace(moved, related=True, answers=first.answers, score=first.score),
                    replace(first, score=moved.score), *(h for h in hits[1:] if h is not moved))
        best = hits[0] if hits else None
        if best is None or not best.related:
            return Part("unknown", [declined(self._phrase("unknown"))], hits)
        item = best.document.item
        if isinstance(item, Product):
            if kinds is None and is_product_question(text):
                return self._not_sold()  # a product the purchase question does not name (`_products_asked`)
            if _SELLS.search(folded(text)) and not self._is_kind(item, text):
                return self._not_sold()  # "do you have ski poles?": the goggles are not poles
            return replace(self._pitch([item], text), hits=hits)
        if not says_what_is_asked(text, _item_text(item)):
            # Asked for a kind of thing the best item does not have (a speed, a count, a temperature): no near
            # miss but another question's answer. The honest "I don't know", nothing related told instead.
            return Part("unknown", [declined(self._phrase("unknown"))], hits)
        if not (best.answers or self._exact(text, hits)):
            return Part("partial", [Sentence(f"{emotion_tag('thinking')} {self._phrase('partial')}"),
                                    *self._item_sentences(item, intro=False)], hits,
                        self._item_subject("partial", item, text))
        intent: Intent = "faq" if isinstance(item, FAQ) else "small_talk" if isinstance(item, AboutLine) else "fact"
        return Part(intent, self._item_sentences(item, intro=not gentle), hits, self._item_subject(intent, item, text))

    def _paraphrased_policy(self, question: str) -> FAQ | None:
        """The store policy a question asks in other words ("If the hoodie doesn't fit, can I send it back?",
        "do u ship 2 australia"): a `_PARAPHRASES` pattern names what it is about, and the best policy for the
        question says that word (a product named in passing does not outrank it); None otherwise."""
        meant = [m for said, m in _PARAPHRASES if m != "merchandise" and said.search(question)
                 and (said.pattern != _ABROAD.pattern or _SHIPPING.search(question))]
        if not meant:
            return None
        words = set(tokens(" ".join(meant)))
        for hit in self.index.search(expanded(retrieval_query(question)), k=3, kinds=("faq",)):
            if isinstance(hit.document.item, FAQ) and hit.score > 0 and words & set(tokens(hit.document.text)):
                return hit.document.item
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

    def _item_subject(self, intent: str, item: FunFact | FAQ | AboutLine, question: str) -> Subject:
        topic = None
        if isinstance(item, FunFact):
            topic = mention_in(question, self._fact_tags[item.id] | self._fact_words[item.id]) or None
        return Subject(intent, item=item.id, topic=topic, question=question, mention=topic or "")

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
                # The question's other words against each one's tags and description: one clearly ahead is meant.
                rest = words - matched[pid]
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
        return Sentence(f"{emotion_tag('happy')} {gesture_tag('wave')} {self._phrase('greeting')}")

    def _is_kind(self, product: Product, question: str) -> bool:
        """The product is the kind of thing the question asks for: its last word ("ski boots": boots) is one of the
        product's name, tags or description, or names no kind ("the blue one"). English only."""
        head = tokens(_without(_PRODUCT, question))[-1:] if self.persona.language == "en" else []
        return not head or head[0] in _GENERIC or head[0] in self._described[product.id] | self._names[product.id]

    def _products_asked(self, text: str) -> list[Product]:
        """Products a purchase question names: by meaning or by words, the best one plus a close second."""
        query = _without(_PRODUCT, text)
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
