"""Is an LLM's sentence supported by what the host knows? Checked for every sentence before it is spoken.

A sentence may say two kinds of things: talk that states no fact ("Great question!", "Tap the link!") and
claims. Its *claim words* are its content words less the persona's own phrases' and a few words of chat and of
selling, and the fan's name. The question's words are no free pass: "Yes, speed skaters go clockwise." restates
a question as a claim. No claim words: talk, supported. Otherwise one source must hold them: a knowledge item
retrieved for this question, or the persona (name, age, bio). A source supports a sentence when it holds its
numbers and at least `WORDS_SUPPORT` of its claim words, none of them the opposite of a source word
("clockwise" / "counterclockwise", "顺时针" / "逆时针"), and a negated claim needs a negated source; with the
retrieval index's embeddings (MiniLM for English, e5 for Chinese), a paraphrase that keeps `PARAPHRASE_WORDS` of
them is supported when its cosine to the source reaches the model's paraphrase bar (`EmbeddingModel`) and its
other words are no other source's (a blend of two facts is no paraphrase). Words, not similarity alone, decide a
rejection: "The snowflake beanie is a beautiful piece of jewelry." is close to the beanie in meaning, but
"jewelry" is no word of it.

Chinese sentences are read the same way: claim words are jieba's (`tokens`), talk and selling words and
negations have Chinese lists, and numbers written in Chinese numerals count ("一百二十九" is 129).

Prices and numbers are also checked against the catalogue and all retrieved facts (models/dialogue/llm.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import rjieba

from models.dialogue.numerals import with_digits
from models.dialogue.persona import FAQ, Persona, Product
from models.dialogue.retrieval import Hit, KnowledgeIndex, tokens
from models.tts import CJK

#: Share of a sentence's claim words one source must contain.
WORDS_SUPPORT = 0.75
#: A paraphrase: at least this share of claim words in the source (and the model's paraphrase cosine to it).
PARAPHRASE_WORDS = 0.6

#: Words of chat and of selling that claim nothing about the world.
_TALK = frozenset(tokens("""
yes yeah yep no nope oh ooh wow aww cool awesome amazing great good nice fun love lovely glad happy excited
question answer sure right true honestly actually absolutely definitely totally super pretty fact facts thing
things something one ones everyone everybody fan fans friend friends show stream chat today now here there
well also too again still ever always little bit lot lots way kind sort think thought guess bet hope wish
get got grab pick check find look see say said tell ask asked want like make made give come go let
price priced cost costs buy sell available store shop link tap official merch merchandise
是的 对 对的 没错 当然 哇 哇塞 真的 好 好的 太棒了 太棒 棒 很棒 好问题 问得好 厉害 有意思 有趣 好玩 喜欢 开心
高兴 问题 答案 其实 确实 绝对 超级 事情 东西 大家 朋友 粉丝 宝宝 家人们 直播 直播间 节目 今天 现在 这儿 一直
总是 再 一点 觉得 想 希望 看 看看 说 告诉 来 去 拿 带 买 卖 下单 价格 价钱 售价 钱 元 块 人民币 优惠 划算 便宜
小店 官方 链接 点 点击 快 赶紧 抢 带回家
"""))
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
#: A claim with one of these says the opposite of a source without them ("You can't buy the bottle.").
_NEGATION = re.compile(r"\b(?:not|no|never|nothing|none|nobody|neither|nor|\w+n't|cannot)\b", re.IGNORECASE)
#: Chinese negations as jieba cuts them ("你买不到" → 你 / 买不到: 不 or 没 inside a word negates it too).
_NEGATION_ZH = frozenset("不 没 没有 别 无 非 未 不是 不能 不会 不要 不用 不行 没法 无法 从未 从不 并非 绝不 "
                         "未曾 毫无".split())
#: Words with 不 or 没 inside that negate nothing ("不锈钢" is stainless steel, "不错" good).
_NOT_NEGATIONS_ZH = frozenset("不锈钢 不错 不过 不少 不同 不断 不仅 不但 不管 不久 不客气 差不多 "
                              "了不起 不得了 对不起 忍不住 不得不 说不定 没错 没关系".split())
#: A word with one of these before it says the opposite ("clockwise", "counterclockwise").
_NEGATING_PREFIXES = ("counter", "anti", "non", "un", "dis", "in", "im", "ir", "il")
#: Two Chinese words that differ only in one of these pairs say opposite things ("顺时针" / "逆时针", "男" / "女").
_OPPOSITES_ZH = frozenset(frozenset(pair) for pair in "顺逆 正反 男女 冬夏 左右 前后 内外 高低 快慢 首末".split())


def negated(text: str) -> bool:
    """Whether a sentence says no: "not", "never", "can't"..., or a Chinese negation (不, 没有, 买不到...)."""
    if _NEGATION.search(text.replace("’", "'")):
        return True
    return any(w in _NEGATION_ZH or ("不" in w or "没" in w) and len(w) > 1 and w not in _NOT_NEGATIONS_ZH
               for w in rjieba.cut(text) if CJK.match(w))


def negates(claims: set[str], source: set[str]) -> bool:
    """Whether a claim word is a source word's opposite by prefix, or a Chinese one by one character of an
    opposite pair: the embeddings and most of the words agree with "Speed skaters go clockwise." when the source
    says "counterclockwise"."""
    return any(c == p + s or s == p + c for c in claims - source for s in source - claims
               for p in _NEGATING_PREFIXES) or any(
        len(c) == len(s) and sum(a != b for a, b in zip(c, s, strict=True)) == 1
        and frozenset(a for a, b in zip(c, s, strict=True) if a != b)
        | frozenset(b for a, b in zip(c, s, strict=True) if a != b) in _OPPOSITES_ZH
        for c in claims - source for s in source - claims)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def numbers_in(text: str) -> set[float]:
    """Every number written in digits ("1924", "19.96", "17th" → 17), or in Chinese numerals ("一百二十九" → 129,
    "三点五" → 3.5, "二十九块九" → 29.9, "两枚" → 2), as values."""
    values = set()
    for match in _NUMBER.finditer(with_digits(text)):
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

    def support(self, spoken: str, hits: list[Hit], user: str = "", message: str = "",
                draft: str = "") -> Support | None:
        """What supports `spoken` (tags stripped) among the persona and the `hits` retrieved for the fan's
        `message` (`user` is the fan's name) and the embedded engine's `draft` answer (composed from them, so it
        says nothing they do not); None when nothing does. A source must also hold the sentence's
        numbers (or the fan said them): "The 1924 Summer Olympics were held in London," has most words of the
        1908 London fact, and 1924 from another retrieved fact."""
        claims = set(tokens(spoken)) - self.talk - set(tokens(user))
        numbers = numbers_in(spoken) - numbers_in(message)
        if not claims:
            return Support(())
        sources = [(h.document.id, item_text(h.document.item)) for h in hits] + [("", self.persona_text)]
        if draft:
            sources.append(("", draft))
        no = negated(spoken)
        shares = [0.0 if negates(claims, set(tokens(text))) or not numbers <= numbers_in(text)
                  or no and not negated(text)
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
                if float(cosines.max()) >= self.index.model.paraphrase_cosine:
                    return Support((sources[best][0],) if sources[best][0] else ())
        return None
