"""Noisy chat text read as the words the fan meant, before the engine reads a question.

Fans type fast: chat shorthand ("wat", "da", "n", "cum in": moods' chat spelling table), leetspeak inside words
("h0w much 1s the p1n s3t"), letters stretched ("sooo"), an aside trailing the question ("how much is it tho??")
and typos, of the persona's own words ("beeny", "hoddie" → beanie, hoodie) or of common English words ("colurs").
`NoisyText.read` gives the question back in plain words. It is persona-neutral: the words it corrects to are the
persona's (product names, tags, colours, store and fact words, given by the engine) and common English
(`english_ranked`). A word that is English, a word of the knowledge base (names included), a capitalized word
other than the first, a word of another script and anything with a number that reads as an amount ("500ml",
"6yo", "9th", "$20") is never changed.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from models.dialogue.moods import spelled_out
from models.dialogue.retrieval import STOPWORDS, tokens

#: A word not in the knowledge base this close (difflib's ratio) to a product name's word or a tag is read as it
#: ("hoddie" → hoodie, "curlling" → curling); words shorter than TYPO_MIN_LETTERS are left alone.
TYPO_CUTOFF = 0.72
TYPO_MIN_LETTERS = 4
#: Of the English words a typo may have been meant as, only those at most this frequent a rank are read for it: a rare
#: word is likelier a typo's accident than what the fan meant.
ENGLISH_RANK_LIMIT = 20000
#: A typo is read as an English word only in a message mostly of English words (at least this share of its words):
#: "berapa harga botol" is another language, not three typos.
ENGLISH_SHARE = 0.6

#: The letters digits stand for in leetspeak ("h0w", "p1n", "s3t"); "1" is an "i" or an "l", whichever makes a word.
_LEET = {"0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t"}
#: A word of letters and digits, not after a currency sign or a number's point or comma ("$20", "3.5k").
_ALNUM = re.compile(r"(?<![\w$€£¥.,])[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*(?!\w)")
#: An amount with its unit, an age or an ordinal: a number however it is joined to its letters ("500ml", "6yo", "9th").
_AMOUNT = re.compile(r"\d+(?:st|nd|rd|th|yo|yrs?|ml|cl|l|cm|mm|m|km|kg|g|lbs?|oz|am|pm|h|hrs?|min|k|x|d|p|gb|mb)",
                     re.IGNORECASE)
#: Chat's asides trailing a question ("how much is it tho??", "is it warm lol"): they say nothing asked.
_TRAILING_ASIDE = re.compile(r"(?:[\s,]+(?:tho|though|lol|lmao|ngl|fr|frfr|tbh|imo|imho|istg|lowkey))+(?=\W*$)",
                             re.IGNORECASE)
#: A contraction typed without its apostrophe ("cant", "isnt", "youre", "theyve"): no typo of "can" or "your".
_CONTRACTED = re.compile(r"[a-z]+(?:nt|re|ve|ll)|im|id")
_VOWELS = re.compile(r"[aeiouy]+")
#: A prefix that makes a word of a word ("pre" + "recorded"): such a word is spelled right though no list has it.
_PREFIX = re.compile(r"^(?:pre|re|un|non|over|under|co)-?")
#: Question words typed run together with the word after ("howmuch", "howmany", "whatcolours", "whensthe"): read
#: as the words, where the rest is a word.
_QUESTION_WORDS = ("whats", "what", "how", "when", "where", "which", "who", "why")
_RUN_TOGETHER = re.compile(rf"(?<![\w'])(?:{'|'.join(_QUESTION_WORDS)})[a-z]{{2,}}(?![\w'])", re.IGNORECASE)
#: A word typed as another that sounds the same, where the words around it say which was meant ("how much does a
#: stone way", "not sure weather to get it", "what should i where", "the wait of a stone", "is it on sail").
_SOUND_ALIKES = (
    (re.compile(r"\b((?:how much|how heavy|what) (?:does|do|did|would|will|can)\b(?: [\w'-]+){1,5}) way\b",
                re.IGNORECASE), r"\1 weigh"),
    (re.compile(r"\bweather(?= or not\b| to \w| (?:it|they|i|we|you|she|he|this|that)(?:'s| is| are| will| would| "
                r"should| can| could| does| do| fits?)\b)", re.IGNORECASE), "whether"),
    (re.compile(r"\b(?:the|its|it's|their|what) wait(?= of\b| is\b|\W*$)", re.IGNORECASE),
     lambda m: m.group(0)[:-4] + "weight"),
    (re.compile(r"\b((?:should|could|can|do|would|to|will) (?:i|we|you|u|they|he|she) )where\b", re.IGNORECASE),
     r"\1wear"),
    (re.compile(r"\b(on|for) sail\b", re.IGNORECASE), r"\1 sale"),
)


#: Four keys in a row of the keyboard typed as a word ("asdf", "hjkl", "zxcv"): no word has them.
_KEY_RUNS = re.compile("|".join([row[i:i + 4] for row in ("asdfghjkl", "zxcvbnm") for i in range(len(row) - 3)]
                                 + ["qwer"]))
#: The "1"s of "!!!1", "??!!11" or "!!1one": a "!" typed with the shift key let go of, no number of the question.
_SHIFT_LET_GO = re.compile(r"(?<=[!?])(?:1|one)+(?=[!?\s]|$)")
#: Letters held down in a word of no vowel ("hmmmm", "shhh", "brrr", "zzzz", "xxxx", "kkkkk", "wwww", "xDDD"): a word of
#: chat, not a mash.
_HELD_WORDS = frozenset({"hm", "mh", "m", "sh", "br", "gr", "z", "x", "k", "w", "ps", "pf", "xd", "n", "nm"})


def _mashed(word: str) -> bool:
    """Keys hit at random, no word ("hjjjjjj", "jjjjjkkkkk", "asdfgh", "bbbbbbb"): a toddler with the phone."""
    word = word.lower()
    if _KEY_RUNS.search(word):
        return True
    if _VOWELS.search(word) or len(word) < 5:
        return False
    held = re.sub(r"(.)\1+", r"\1", word)
    return len(word) >= 8 or len(held) <= 2 and held not in _HELD_WORDS and re.search(r"(.)\1\1", word) is not None


def without_mash(text: str) -> str:
    """The message less its keyboard mash ("hjjjjjj hi sorry toddler had the phone" → "hi sorry toddler had the
    phone") and the shift key let go of in "!!!1" ("how much ??!!1" → "how much ??!!"): what is left is what the fan
    wrote. A message of mash alone is left with no letters."""
    text = _SHIFT_LET_GO.sub("", text)
    return " ".join(re.sub(r"(?<![^\W\d_])[A-Za-z]+(?![^\W\d_])", lambda m: "" if _mashed(m.group(0)) else m.group(0),
                           text).split())


#: Sounds of a fan who did not follow ("huh ??", "hmm?", "wha??", "eh what"): noises, no words to read.
_PUZZLED = re.compile(r"(?<![^\W\d_])(?:h+u+h+|e+h+|h+m+|u+m+|u+h+|e+r+m*|wha+t*|wh?u+t|wdym)(?![^\W\d_])",
                      re.IGNORECASE)


def without_words(text: str) -> bool:
    """A (checked) message with no words to read: keyboard mash alone ("jjjjkkkk 8888"), emoji alone ("😀", "🤔",
    "❄️⛷️"), emoji with a question mark ("🦉❓") or puzzled noises alone ("huh ??", "hmm?"). A fan reacting, or
    wanting to ask without saying what: the host reacts or asks back, and reads no question into it. A number alone
    ("20") is no such message."""
    unmashed = _PUZZLED.sub("", without_mash(text))
    return not any(ch.isalpha() for ch in unmashed) and (unmashed != text or not any(ch.isdigit() for ch in text))


def _skeleton(word: str) -> str:
    """A word's consonants, each run of one made single: what a fan spelling by ear keeps ("beeny" and "beanie"
    are both "bn", "colurs" and "colours" "clrs")."""
    return re.sub(r"(.)\1+", r"\1", _VOWELS.sub("", word))


def _meant_by(word: str) -> set[str]:
    """What a typo may have been meant as: the word with a letter it left out ("stuf", "evry", "colurs") or with
    two letters it swapped put back ("retrun"). A letter changed or added is no such slip often enough to read
    ("kilos" is not "kills", "diff" not "duff")."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    return swapped | {a + c + b for a, b in splits for c in "abcdefghijklmnopqrstuvwxyz"}


def _inflected(word: str) -> set[str]:
    """What a word may be an inflection of that its spelling says plainly: a consonant doubled after a vowel
    before "-ing" or "-ed" ("swapping": swap), "-able" ("returnable": return), "-s" ("skis": ski), "-est" or "-er"
    ("quickest": quick). A word list without every inflection has those words' stems; such a word is no typo of a
    name ("swapping" is not "shipping")."""
    doubled = re.fullmatch(r"(\w*?[aeiou]([b-df-hj-np-tv-z]))\2(?:ing|ed|er)", word)
    able = re.fullmatch(r"(\w+?)e?able", word)
    # "skis", "hows": a plural or chat's "how's" of a word, no typo of "kids" or "show"; "quickest", "colder": a
    # degree of a word, no typo of "quick" or of a name.
    plural = re.fullmatch(r"(\w+?)s", word)
    degree = re.fullmatch(r"(\w+?)(?:est|er)", word)
    # "snowing", "raining", "jumping": a stem no consonant doubles after (a vowel pair, -w/-x/-y, two consonants)
    # takes "-ing" plainly, and is no typo of a name ("snowing" is not "snowboarding"); "shiping" stays a typo.
    plain = re.fullmatch(r"(\w*(?:[aeiou][wxy]|[aeiou]{2}[b-df-hj-np-tv-z]|[b-df-hj-np-tv-z]{2}|[aeiouy]))(?:ing|ed)",
                         word)
    return {m.group(1) for m in (doubled, able, plural, degree, plain) if m is not None}


class NoisyText:
    """Reads noisy chat text as the words meant (module docstring). `names`: the persona's words a typo is read as
    first (product names, tags, colours, store and fact words); `known`: the knowledge base's words, never typos;
    `english`: common English words, the most frequent first (empty: no typo is read at all)."""

    def __init__(self, names: Iterable[str], known: Iterable[str], english: Sequence[str]) -> None:
        self._names = sorted({w for w in names if len(w) >= TYPO_MIN_LETTERS})
        self._skeletons: dict[tuple[str, str], list[str]] = {}
        for name in self._names:
            self._skeletons.setdefault((name[0], _skeleton(name)), []).append(name)
        self._known = frozenset(known)
        self._rank = {w: i for i, w in enumerate(english)}

    def read(self, text: str) -> str:
        """The text in plain words: leetspeak read, chat shorthand written out, a trailing aside left out and typos
        read as the persona's words or common English."""
        text = _TRAILING_ASIDE.sub("", spelled_out(_ALNUM.sub(self._unleet, text)))
        if not self._rank:
            return text
        text = self._split_words_joined(self.words_apart(text))
        for pattern, meant in _SOUND_ALIKES:
            text = pattern.sub(meant, text)
        words = re.findall(r"[^\W\d_]+", text)
        english = sum(w.lower() in self._rank or w.lower() in self._known for w in words) >= ENGLISH_SHARE * len(words)
        # A capital inside the message is a name as written (a fan's town, a team): no typo of an English word.
        first = re.search(r"[A-Za-z]", text)
        return re.sub(r"[A-Za-z]+", lambda m: self._respelled(m.group(0), english and (
            first is not None and m.start() == first.start() or not m.group(0)[0].isupper())), text)

    def words_apart(self, text: str) -> str:
        """Question words typed as one ("howmuch", "whatcolours") read as the words: where the whole is no word and
        its rest is. (The engine reads them apart before it splits a message into questions: "the pins.. howmuch??"
        asks a price.)"""
        def split(match: re.Match[str]) -> str:
            whole = match.group(0)
            if self._word(whole.lower()):
                return whole
            lead = next((q for q in _QUESTION_WORDS if whole.lower().startswith(q)
                         and (self._word(whole[len(q):].lower()) or whole[len(q):].lower() in self._names)), None)
            return f"{whole[:len(lead)]} {whole[len(lead):]}" if lead else whole
        return _RUN_TOGETHER.sub(split, text)

    def _split_words_joined(self, text: str) -> str:
        """A word of the persona's split by a space ("cur ling", "snow board") read as the word: two words next to
        each other that together are one of the persona's names."""
        words = list(re.finditer(r"[A-Za-z]+", text))
        out, at, i = [], 0, 0
        while i < len(words):
            word = words[i]
            if i + 1 < len(words) and text[word.end():words[i + 1].start()] == " " and min(
                    len(word.group(0)), len(words[i + 1].group(0))) >= 2:
                whole = (word.group(0) + words[i + 1].group(0)).lower()
                if whole in self._names and whole not in STOPWORDS:
                    out.append(text[at:word.start()] + whole)
                    at, i = words[i + 1].end(), i + 2
                    continue
            i += 1
        return "".join(out) + text[at:]

    def _word(self, word: str) -> bool:
        return word in self._known or word in self._rank

    def _unleet(self, match: re.Match[str]) -> str:
        """A word with digits for letters as its letters ("h0w" → how, "1s" → is): a digit between letters where
        that makes a word; a digit at a word's edge only where that makes a function word ("1s", not "3d" or "4k")."""
        word = match.group(0)
        lower = word.lower()
        if not any(d in lower for d in _LEET) or _AMOUNT.fullmatch(lower) or re.match(r"\d\d", lower) or \
                re.search(r"\d", lower.translate(str.maketrans("", "", "".join(_LEET)))):
            return word
        spellings = [""]
        for ch in lower:
            spellings = [s + c for s in spellings for c in _LEET.get(ch, ch)]
        inside = re.search(r"[a-z][013457]+[a-z]", lower) is not None
        meant = [s for s in spellings if (self._word(s) if inside else s in STOPWORDS)]
        return min(meant, key=lambda s: self._rank.get(s, len(self._rank))) if meant else word

    def _respelled(self, word: str, to_english: bool) -> str:
        """A word as meant: stretched letters made single ("sooo" → so), a typo of a persona's word read as that
        word (difflib's ratio, else the same consonants: "beeny" → beanie), else, where `to_english`, of a common
        English word it may have been meant as (`_meant_by`), the most frequent ("colurs" → colours). Words that
        are words stay."""
        lower = word.lower()
        if not self._word(lower) and not word.isupper():
            # Letters typed twice or stretched ("sooo", "whoo inventted the zambonii"): the word with its runs of a
            # letter made single, or else made two ("sooo" → "so", "gooood" → "good"), when that is a word.
            # Capitals are a size or a name as written ("XXS" is no "XS").
            unstretched = (re.sub(r"(.)\1+", r"\1", lower), re.sub(r"(.)\1{2,}", r"\1\1", lower))
            word = next((w for w in unstretched if w != lower and self._word(w)), word)
            lower = word.lower()
        if len(word) < TYPO_MIN_LETTERS or self._word(lower):
            return word
        if _inflected(lower) & self._rank.keys():
            # "Glovers" is a persona's word with a letter slipped in ("gloves"), though "glover" is English: a
            # letter too many in a word of the persona's is read as it; any other inflection is the word it is.
            slipped = {lower[:i] + lower[i + 1:] for i in range(len(lower))} & set(self._names)
            return min(slipped) if len(slipped) == 1 else word
        if (unprefixed := _PREFIX.sub("", lower)) != lower and len(unprefixed) >= TYPO_MIN_LETTERS and \
                ({unprefixed} | _inflected(unprefixed)) & self._rank.keys():
            return word  # "prerecorded", "rewatched": a word with a prefix, no typo of "preorder"
        close = difflib.get_close_matches(lower, self._names, n=1, cutoff=TYPO_CUTOFF)
        stem = tokens(lower)[:1]
        if close and stem and stem[0] != lower and close[0].startswith(stem[0]):
            return word  # a plural is a thing, not a typo of its activity: "snowboards" is no "snowboarding"
        if close:
            return close[0]
        by_ear = [n for n in self._skeletons.get((lower[0], _skeleton(lower)), []) if abs(len(n) - len(lower)) <= 2]
        if len(by_ear) == 1 and len(_skeleton(lower)) >= 2:
            return by_ear[0]
        if not to_english or _CONTRACTED.fullmatch(lower):
            return word
        near = [w for w in _meant_by(lower) if self._rank.get(w, ENGLISH_RANK_LIMIT) < ENGLISH_RANK_LIMIT]
        # A typo rarely changes the first letter: "evry" is "every" before "very".
        return min(near, key=lambda w: (w[0] != lower[0], self._rank[w])) if near else word
