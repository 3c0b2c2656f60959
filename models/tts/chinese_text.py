"""Chinese text as it is said: numbers, prices, dates, times and symbols rewritten into the characters a Mandarin
voice speaks ("¥129" → 一百二十九元, "2026年" → 二零二六年, "15:05" → 十五点零五分, "2个" → 两个).

A voice reads digits one way whatever surrounds them: espeak-ng's cmn voice reads "2026年" as 二千零二十六年, drops
"%", "¥" and full-width digits, reads "3:30" as two numbers and a phone number as one huge number. `readings`
finds every such written run and gives what is said for it, so a voice says `speakable(text)` while the word
timeline keeps the written words (`syllable_weights`: each written word timed by the syllables said for it).

The rule for where it acts: only in a Chinese text, one with at least one Chinese (Han) character, full-width
digit or ％, or a yuan sign ¥ ￥ (`has_chinese`); any other text is returned as it is, so English lines are never
touched, and only Chinese voices (`is_chinese_voice`) ask for it. Full-width digits, Latin letters and ％ ＋ － ＄
￥ become their ASCII forms there; full-width punctuation (，。！？；：) stays: sentences and clauses are cut on it.
Emoji and other pictographs are not spoken (they stay in the written text and its subtitles).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from models.tts import CJK, words_of

_DIGITS = "零一二三四五六七八九"
_PLACES = ("", "十", "百", "千")
#: Each four digits of a Chinese number have their unit: 万 ten thousand, 亿 a hundred million, 万亿 10^12.
_GROUP_UNITS = ("", "万", "亿", "万亿")
#: The largest integer read as a number (below 10^16); longer digit strings are read digit by digit.
MAX_INTEGER = 10**16 - 1
#: A digit string this long or longer without a price or unit is a phone or order number: read digit by digit.
DIGIT_STRING_MIN = 7

#: Measure words after which 2 is 两 ("2个" → 两个, "2公斤" → 两公斤); longest first so that 公斤 wins over 公.
MEASURE_WORDS = tuple(sorted((
    "个", "位", "件", "次", "公斤", "斤", "千克", "克", "台", "本", "张", "只", "条", "双", "天", "年", "小时",
    "分钟", "秒钟", "种", "杯", "瓶", "块", "元", "米", "公里", "岁", "周", "项", "家", "部", "支", "把", "套",
    "份", "盒", "包", "袋", "箱", "颗", "粒", "层", "辆", "间", "场", "遍", "倍", "人", "样", "碗", "口", "副",
    "枚", "片", "点", "毛", "角", "星期", "个月", "升", "毫升", "寸", "尺", "百", "千", "万", "亿",
), key=len, reverse=True))

#: Currency signs before a number and the word said after it.
_CURRENCY = {"¥": "元", "$": "美元", "€": "欧元", "£": "英镑", "HK$": "港元", "US$": "美元"}

_FULL_WIDTH = re.compile(r"[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff05\uff0b\uff0d\uff04\uffe5\uff0e]")
#: Pictographs and other symbols that are not words: emoji (with their joiners and variation selectors).
_PICTOGRAPH = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D\u20E3]")

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_SIGN = r"(?<![A-Za-z0-9.])-"  # a minus, not a hyphen after a word or digit
_MEASURE = "|".join(MEASURE_WORDS)


@dataclass(frozen=True)
class Reading:
    """A run of written text and what is said for it: the same text where nothing is rewritten (`plain`: said
    character for character, full-width forms in ASCII), else its reading as a whole."""

    written: str
    spoken: str
    plain: bool = False


#: What makes a text Chinese besides its Han characters: full-width digits, ％ and the yuan sign.
_CHINESE_MARK = re.compile(r"[\uff10-\uff19\uff05\uffe5¥]")


def has_chinese(text: str) -> bool:
    """True when a text has a Chinese (Han) character, a full-width digit or ％, or the yuan sign ¥ ￥: the
    normalizer acts on it (module docstring)."""
    return CJK.search(text) is not None or _CHINESE_MARK.search(text) is not None


#: espeak-ng language codes of Chinese (Mandarin, Cantonese, Hakka, Min Nan) and the ISO code zh.
CHINESE_LANGUAGES = frozenset({"cmn", "zh", "yue", "hak", "nan"})


def is_chinese_voice(voice: str) -> bool:
    """Whether an espeak-ng voice name ("cmn", "cmn+f3", "yue", "zh-yue") or a Piper voice's language ("zh_CN")
    speaks Chinese: its text is said through `speakable`."""
    return re.split(r"[-_+]", voice.lower(), maxsplit=1)[0] in CHINESE_LANGUAGES


def integer(n: int) -> str:
    """An integer in Chinese characters: 4-digit groups with 万/亿, one 零 for each gap of zeros, 10-19 as 十…
    (not 一十…), and 两 for a leading 2 of 千, 万 and 亿 (两千, 两万, 一万两千) as it is said."""
    if n < 0:
        return "负" + integer(-n)
    if n == 0:
        return _DIGITS[0]
    if n > MAX_INTEGER:
        return digits(str(n))
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, gap = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            gap = bool(out)
            continue
        if out and (gap or group < 1000):
            out += "零"
        said = "两" if group == 2 and index > 0 else _group(group)
        out += said + _GROUP_UNITS[index]
        gap = False
    return out[1:] if out.startswith("一十") else out


def _group(n: int) -> str:
    """1..9999 with 千百十, 零 for zeros between digits."""
    out, gap = "", False
    for place in range(3, -1, -1):
        d = n // 10**place % 10
        if d == 0:
            gap = gap or bool(out)
            continue
        if gap:
            out += "零"
        out += ("两" if d == 2 and place == 3 else _DIGITS[d]) + _PLACES[place]
        gap = False
    return out


def digits(text: str, one: str = "一") -> str:
    """Digits read one by one ("2026" → 二零二六); `one` is 幺 for phone numbers."""
    return "".join(one if c == "1" else _DIGITS[int(c)] for c in text if c.isdigit())


def number(text: str) -> str:
    """A written number ("1,299", "129.5", "-3", "0.05") in Chinese: its integer part (`integer`), then 点 and
    the decimals digit by digit."""
    negative = text.startswith("-")
    whole, _, decimals = text.lstrip("-").replace(",", "").partition(".")
    said = integer(int(whole or "0")) + ("点" + digits(decimals) if decimals else "")
    return "负" + said if negative else said


def _two(text: str) -> str:
    """A count before a measure word: 2 is 两 (两个, 两公斤), any other number as `number`."""
    return "两" if text == "2" else number(text)


def _clock(m: re.Match[str]) -> str:
    hour, minute, second = int(m["h"]), int(m["m"]), m["s"]
    said = ("两" if hour == 2 else integer(hour)) + "点"
    if minute == 0 and second is None:
        return said + "整"
    said += ("零" if 0 < minute < 10 else "") + integer(minute) + "分"
    if second is not None:
        said += ("零" if int(second) < 10 else "") + integer(int(second)) + "秒"
    return said


def _date(m: re.Match[str]) -> str:
    return f"{digits(m['y'])}年{integer(int(m['mo']))}月{integer(int(m['d']))}日"


def _long_digits(m: re.Match[str]) -> str:
    return digits(m.group(0), one="幺")


def _price(m: re.Match[str]) -> str:
    sign = m["sign"]
    return ("负" if m["neg"] else "") + _two(m["n"]) + _CURRENCY[sign]


def _percent(m: re.Match[str]) -> str:
    said = number(m["n"].lstrip("-"))
    return ("负" if m["n"].startswith("-") else "") + ("千分之" if m["p"] == "‰" else "百分之") + said


def _range(m: re.Match[str]) -> str:
    counted = m.string.startswith(MEASURE_WORDS, m.end())
    return f"{number(m['a'])}到{_two(m['b']) if counted else number(m['b'])}"


def _counted(m: re.Match[str]) -> str:
    return _two(m["n"])


def _year(m: re.Match[str]) -> str:
    return digits(m["y"])  # 年 stays a written word of its own


def _fraction(m: re.Match[str]) -> str:
    return f"{number(m['b'])}分之{number(m['a'])}"


def _ordinal(m: re.Match[str]) -> str:
    return "第" + number(m["n"])


def _plain(m: re.Match[str]) -> str:
    text = m.group(0)
    if text.startswith("0") and len(text) > 1 and text[1].isdigit():  # "007", "0571": a code, digit by digit
        return digits(text)
    return number(text)


#: Written forms and what is said for them, tried in this order at each position (the first that matches wins). A
#: measure word after a number is looked at, not taken: it stays a written word of its own.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?P<y>\d{4})[-/.](?P<mo>0?[1-9]|1[0-2])[-/.](?P<d>0?[1-9]|[12]\d|3[01])(?!\d)"), _date),
    (re.compile(r"(?<!\d)(?P<h>[01]?\d|2[0-4])[:：](?P<m>[0-5]\d)(?:[:：](?P<s>[0-5]\d))?(?!\d)"), _clock),
    (re.compile(r"(?P<neg>-)?(?P<sign>HK\$|US\$|[¥$€£])\s?(?P<n>" + _NUM + ")"), _price),
    (re.compile(r"(?P<n>(?:" + _SIGN + r")?" + _NUM + r")\s?(?P<p>[%‰])"), _percent),
    (re.compile(r"(?<!\d)(?P<y>\d{4})(?=年)(?!年[代级])"), _year),
    (re.compile(r"(?<![\d-])(?:\d{3}-\d{3,4}-\d{4}|0\d{2,3}-\d{7,8})(?![\d-])"), _long_digits),
    (re.compile(r"(?P<a>" + _NUM + r")\s?[-~～—–]\s?(?P<b>" + _NUM + ")"), _range),
    (re.compile(r"第(?P<n>\d+)"), _ordinal),
    (re.compile(r"(?P<n>" + _NUM + r")(?=" + _MEASURE + ")(?!年级)"), _counted),
    (re.compile(r"(?<![\d/])(?P<a>\d{1,3})/(?P<b>\d{1,3})(?![\d/])"), _fraction),
    (re.compile(r"(?<![\d,.])\d{" + str(DIGIT_STRING_MIN) + r",}(?![\d,.])"), _long_digits),
    (re.compile(r"(?:" + _SIGN + r")?" + _NUM), _plain),
)
_START = re.compile(r"[\d¥$€£HU\-第]")


def ascii_forms(text: str) -> str:
    """Full-width digits, Latin letters and ％ ＋ － ＄ ￥ ． in their ASCII forms (NFKC), ￥ as ¥; full-width
    punctuation stays."""
    return _FULL_WIDTH.sub(lambda m: "¥" if m.group(0) == "￥" else unicodedata.normalize("NFKC", m.group(0)), text)


def readings(text: str) -> list[Reading]:
    """The text in written runs, each with what is said for it: numbers, prices, dates, clock times, ranges,
    percentages and digit strings rewritten in a Chinese text (module docstring), pictographs said as nothing,
    everything else as written (full-width letters and digits in ASCII). A Latin word with digits ("iPhone15",
    "MP3") is a name, left whole. A text without a Chinese character is one run, said as written."""
    if not has_chinese(text):
        return [Reading(text, text, plain=True)] if text else []
    plain = ascii_forms(text)  # one character for one: positions are the text's
    out: list[Reading] = []
    plain_from, at = 0, 0
    while at < len(text):
        found = _said_at(plain, at)
        if found is None:
            latin = _LATIN_WORD.match(plain, at)
            at = latin.end() if latin is not None else at + 1
            continue
        end, said = found
        if plain_from < at:
            out.append(Reading(text[plain_from:at], plain[plain_from:at], plain=True))
        out.append(Reading(text[at:end], said))
        at = plain_from = end
    if plain_from < len(text):
        out.append(Reading(text[plain_from:], plain[plain_from:], plain=True))
    return _ranges(out)


#: A dash or tilde alone between two numbers said the Chinese way: 到 ("12:30-14:00": 十二点三十分到十四点整).
_BETWEEN = re.compile(r"\s?[-~～—–]\s?")


def _ranges(runs: list[Reading]) -> list[Reading]:
    """The runs with a dash between two rewritten ones said as 到."""
    return [Reading(r.written, "到") if 0 < i < len(runs) - 1 and r.plain and _BETWEEN.fullmatch(r.written)
            and not runs[i - 1].plain and not runs[i + 1].plain and runs[i - 1].spoken and runs[i + 1].spoken
            else r for i, r in enumerate(runs)]


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def _said_at(plain: str, at: int) -> tuple[int, str] | None:
    """(end, what is said) for a pictograph or the first rule that matches at `at`; None for neither."""
    if (pictograph := _PICTOGRAPH.match(plain, at)) is not None:
        return pictograph.end(), ""
    if _START.match(plain, at) is None:
        return None
    for pattern, say in _RULES:
        if (match := pattern.match(plain, at)) is not None:
            return match.end(), say(match)
    return None


def speakable(text: str) -> str:
    """What a Mandarin voice says for a text (`readings`): "¥129，2个" → 一百二十九元，两个. English text (no
    Chinese character) comes back unchanged."""
    return "".join(r.spoken for r in readings(text))


def syllables(text: str) -> float:
    """About how many syllables a spoken text has: one a Chinese character, one per vowel group in Latin words,
    one a digit left as a digit."""
    latin = re.findall(r"[aeiouy]+", text.lower())
    return float(len(CJK.findall(text)) + len(latin) + sum(c.isdigit() for c in text))


def spoken_words(text: str) -> list[tuple[str, str]]:
    """Each written word of a text (`words_of`) with what is said for it, for phonemes by word (alignment): in a
    Chinese text a word rewritten alone gets its reading ("129" in "¥129": 一百二十九元); a run of several words
    read as one ("15:05": 十五点零五分) gives its reading to its first word and nothing to the others."""
    if not has_chinese(text):
        return [(w, w) for w in words_of(text)]
    runs: list[tuple[int, Reading]] = []
    at = 0
    for reading in readings(text):
        runs.append((at, reading))
        at += len(reading.written)
    out: list[tuple[str, str]] = []
    taken: set[int] = set()
    for word, start in _placed(text):
        if start < 0:  # a word the segmenter changed: said alone
            out.append((word, speakable(word)))
            continue
        run_start, reading = next((a, r) for a, r in reversed(runs) if a <= start)
        if reading.plain:
            out.append((word, reading.spoken[start - run_start:start - run_start + len(word)]))
        else:
            out.append((word, "" if run_start in taken else reading.spoken))
            taken.add(run_start)
    return out


def _placed(text: str) -> list[tuple[str, int]]:
    """Each written word with where it starts in the text (-1: the segmenter changed it)."""
    placed: list[tuple[str, int]] = []
    at = 0
    for word in words_of(text):
        start = text.find(word, at)
        placed.append((word, start))
        at = start + len(word) if start >= 0 else at
    return placed


def syllable_weights(text: str, unsaid: str = "") -> list[tuple[str, float]]:
    """Each written word of a text (`words_of`) with how long it is said, for timing words over its audio: in a
    Chinese text the syllables said for it ("129" in "¥129": 一百二十九元, 6; "2026" before 年: 4); elsewhere its
    length in characters, as before. A word the voice says nothing for (an emoji, a character in `unsaid`: the
    voice has no reading for it) weighs 0."""
    if not has_chinese(text):
        return [(w, float(len(w))) for w in words_of(text)]
    # The syllables said for each written character: a rewritten run's go to its characters that are in words.
    per_char = [0.0] * len(text)
    at = 0
    for reading in readings(text):
        span = range(at, at + len(reading.written))
        if reading.plain:
            for i in span:
                per_char[i] = 0.0 if text[i] in unsaid else syllables(text[i])
        else:
            wordy = [i for i in span if text[i].isalnum()] or [span.start] if span else []
            for i in wordy:
                per_char[i] = syllables(reading.spoken) / len(wordy)
        at = span.stop
    return [(word, syllables(speakable(word)) if start < 0 else sum(per_char[start:start + len(word)]))
            for word, start in _placed(text)]
