"""The words of chat text in English and Chinese: the form messages are matched in, and what they are about.

Fans write simplified or traditional characters, full-width letters and digits, and mix scripts. `folded` is
the one form every match is made in (moderation, the chat queue's duplicates, moods). Chinese has no spaces, so
its words come from jieba's segmenter (`models.tts.words_of`); `content_words` keeps those that say what a
message is about, `joined` puts words or sentences back together the way each script is written, and `listed`
says names as a list.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from models.dialogue.retrieval import tokens
from models.tts import CJK


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
    if CJK.search(text):
        text = _to_simplified().convert(text)
    return text.casefold()


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """The words of a text that say what it is about, folded (full-width and traditional alike): the retrieval
    index's words (`retrieval.tokens`: English content words, Chinese ones from jieba less function words, 帽子 as
    帽). Cached: the chat queue compares each new message with every waiting one."""
    return frozenset(tokens(folded(text)))


#: Chinese punctuation: no space is written before or after it.
_CJK_PUNCTUATION = "。！？，、；：“”‘’「」『』（）《》…—"


def _unspaced(ch: str) -> bool:
    return bool(CJK.match(ch)) or ch in _CJK_PUNCTUATION


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


def listed(names: Sequence[str], comma: str, last: str) -> str:
    """Names as a list is said: `comma` between them, `last` before the last one ("A, B and C", "A、B和C")."""
    if len(names) <= 1:
        return "".join(names)
    return f"{comma.join(names[:-1])}{last}{names[-1]}"
