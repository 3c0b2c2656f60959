"""Chinese numerals read as digits, so that words and numbers said either way compare: "一百二十九元" is "129元".

The knowledge base writes numbers in digits ("19.96公斤", "¥129"); a host (or an LLM) may say them in numerals
("十九点九六公斤", "一百二十九块"). `with_digits` rewrites the numerals that are numbers and leaves the words that
only contain one ("一起", "万一", "十分漂亮", "第一届"), so the grounding's number check and claim words, and BM25, see
the same digits on both sides.
"""

from __future__ import annotations

import re

_ZH_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}
#: A Chinese numeral: digits and units, an optional decimal part after 点, and the jiao of a price ("二十九块九").
#: An ordinal (第一, 第三) is a rank, not a quantity.
_ZH_NUMBER = re.compile(r"(?<!第)([零〇一二两三四五六七八九十百千万亿]+(?:点[零〇一二三四五六七八九]+)?)"
                        r"(?:([元块])([一二三四五六七八九])(?![零〇一二两三四五六七八九十百千万亿]))?")
#: Units of measure after a lone digit (一 counts only with these: "一个好问题" states no number).
MEASURES = tuple("年 月 日 号 元 块 岁 倍 天 米 公斤 千克 克 公里 厘米 毫米 毫升 升 磅 小时 分钟 秒 度 届".split())
#: Classifiers after a lone digit two to nine ("两枚金牌", "三个赛区").
CLASSIFIERS = tuple("个 只 枚 位 次 名 件 款 项 座 条 双 顶 套 种 场 支 家 人 周 圈".split())


def _integer(text: str) -> int | None:
    """"一百二十九" → 129, "两万" → 20000, "二〇二二" → 2022 (a year's digits); None for what is no number."""
    if text[0] in _ZH_UNITS and text[0] != "十" or text[0] in _ZH_BIG:
        return None  # "万一" (just in case), "千万" (by all means)
    if all(c in _ZH_DIGITS for c in text):
        return int("".join(str(_ZH_DIGITS[c]) for c in text))
    total = section = digit = 0
    for c in text:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c]
        elif c in _ZH_UNITS:
            section += (digit or 1) * _ZH_UNITS[c]
            digit = 0
        else:
            total += (section + digit) * _ZH_BIG[c]
            section = digit = 0
    return total + section + digit


def value_of(numeral: str) -> float | None:
    """The value of a number in Chinese numerals ("一百二十九" 129, "九十九点九" 99.9, "两千" 2000, "一九二四" 1924
    digit by digit), None for what is no number ("万一")."""
    whole, _, decimals = numeral.partition("点")
    if not whole or any(c not in _ZH_DIGITS for c in decimals):
        return None
    value = _integer(whole)
    if value is None:
        return None
    return value + float("0." + "".join(str(_ZH_DIGITS[c]) for c in decimals)) if decimals else float(value)


def _digits(match: re.Match[str]) -> str:
    run, currency, jiao = match.group(1), match.group(2), match.group(3)
    whole, _, decimals = run.partition("点")
    after = match.string[match.end(1):]
    if (len(whole) == 1 or len(whole) == 2 and all(c in _ZH_DIGITS for c in whole)) and not decimals and not jiao:
        # One or two digits are a number only before a unit (or a classifier, but not 一: "一起", "一一",
        # "一个好问题"); "十分漂亮": 十分 is "very", "十分钟" ten minutes.
        units = MEASURES if whole == "一" else MEASURES + CLASSIFIERS
        if not after.startswith(units):
            return match.group(0)
    value = _integer(whole)
    if value is None:
        return match.group(0)
    fraction = "".join(str(_ZH_DIGITS[c]) for c in decimals)
    if jiao:  # 二十九块九: 29.9 yuan
        return f"{value}.{_ZH_DIGITS[jiao]}{currency}"
    return f"{value}.{fraction}" if fraction else str(value)


def with_digits(text: str) -> str:
    """`text` with its Chinese numerals written in digits ("一百二十九元" → "129元", "三点五" → "3.5",
    "二十九块九" → "29.9块", "二〇二二年" → "2022年"); everything else as it was."""
    return _ZH_NUMBER.sub(_digits, text)
