"""The words of chat text in English and Chinese: the form messages are matched in, and what they are about.

Fans write simplified or traditional characters, full-width letters and digits, and mix scripts. `folded` is
the one form every match is made in (moderation, the chat queue's duplicates, moods). Chinese has no spaces, so
its words come from jieba's segmenter (`models.tts.words_of`); `content_words` keeps those that say what a
message is about, and `joined` puts words or sentences back together the way each script is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from models.dialogue.retrieval import tokens
from models.tts import words_of

#: A Chinese character (CJK ideographs and their extension A and compatibility blocks, as models.tts counts them).
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def _to_simplified() -> Any:
    """OpenCC's traditional-to-simplified converter (its dictionaries ship in the wheel), loaded on first use."""
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """The form text is matched in: NFKC (full-width letters, digits and punctuation as ASCII), traditional
    Chinese as simplified, case folded. Only for matching: what is spoken and shown keeps its own characters."""
    text = unicodedata.normalize("NFKC", text)
    if HAN.search(text):
        text = _to_simplified().convert(text)
    return text.casefold()


#: Chinese words that carry no topic: particles, pronouns, question and polite words ("请问雪花帽多少钱啊？" asks
#: what "雪花帽多少钱" asks). jieba keeps a demonstrative with its measure word (这顶, 那件): `_ZH_POINTER` drops those.
_ZH_FUNCTION_WORDS = frozenset("""
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 啦 哈 么 噢 哇 是 在 有 和 与 跟 也 都 就 还 又 很 太 真 好 最 更 不 没
没有 这 那 这个 那个 这些 那些 这里 那里 哪 哪个 哪里 哪儿 什么 怎么 怎样 怎么样 为什么 多少 几 谁 请 请问 问
问问 想问 我 你 您 他 她 它 我们 你们 他们 她们 大家 主播 一下 一个 个 可以 能 会 要 想 知道 告诉 到底
""".split())
_ZH_POINTER = re.compile(r"^[这那哪一每][\u4e00-\u9fff]$")


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """The words of a text that say what it is about, folded (full-width and traditional alike): English content
    words (`retrieval.tokens`), and Chinese words from jieba's segmenter less function words. Cached: the chat
    queue compares each new message with every waiting one."""
    text = folded(text)
    chinese = {w for w in words_of(text) if HAN.search(w)}
    return frozenset(tokens(text)) | {w for w in chinese if w not in _ZH_FUNCTION_WORDS and not _ZH_POINTER.match(w)}


#: Chinese punctuation: no space is written before or after it.
_CJK_PUNCTUATION = "。！？，、；：“”‘’「」『』（）《》…—"


def _unspaced(ch: str) -> bool:
    return bool(HAN.match(ch)) or ch in _CJK_PUNCTUATION


def joined(parts: Iterable[str]) -> str:
    """Words or sentences put together as written: a space between two parts unless Chinese (a character or
    its punctuation) meets at their seam ("Hi there." "我们" "走吧" → "Hi there.我们走吧")."""
    text = ""
    for part in parts:
        part = part.strip()
        if not part:
            continue
        if text and not (_unspaced(text[-1]) or _unspaced(part[0])):
            text += " "
        text += part
    return text
