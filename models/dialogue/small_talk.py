"""Small talk about the host herself: how she is, her name, and which of her about lines a question asks for
(by a topic word of her own tags, by what it asks: "where did you grow up?", or by a thing she likes).

The engine answers these from the persona (her how_are_you and my_name phrases, her about lines as written);
this module only reads the question. English and Chinese patterns both apply, on the folded message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from models.dialogue.moods import is_product_question, spelled_out
from models.dialogue.persona import AboutLine
from models.dialogue.retrieval import tokens
from models.dialogue.words import folded

#: "How are you?": the host says how she is (her how_are_you phrase).
_HOW_ARE_YOU = re.compile(
    # Chat drops the apostrophe: "hows it going", "hows ur evening".
    # "How are you closing the show?" asks how she does a thing: only a verb of being ("doing", "holding up") is hers.
    r"\bhow\s+(?:are|r)\s+(?:you|u|ya)\b(?!\s+(?!(?:doing|feeling|going|holding|keeping|getting|coping|enjoying)\b)"
    r"\w+ing\b)|\bhow(?:'?s| is) it goin(?:g|')?(?!\w)|\bhow(?:'?s| is) (?:your|ur) day\b|"
    r"\bhow have you been\b|\bhow are things\b|\bhow(?:'s| is) life\b|\bwhat'?s up\b|"
    # "Having a good time tonight?", "you doing ok?", "how's your evening?", "enjoying yourself?"
    r"\b(?:having|enjoying) (?:a |an |some )?(?:(?:good|great|nice|fun|lovely) )?(?:time|night|evening|fun|yourself)\b|"
    # Chat drops the g too: "how u doin", "hows ur day goin".
    r"\b(?:you|u) (?:doin(?:g|')?|feeling) (?:ok|okay|well|good|alright|fine|great)\b|"
    r"\bhow (?:you|u) doin(?:g|')?(?!\w)|"
    r"\bhow(?:'?s| is| was) (?:your|ur) (?:night|evening|morning|week|weekend)\b|"
    r"\bhow do (?:you|u) feel\b|\bhow(?:'re| are) (?:you|u) feeling\b|"
    r"^\W*(?:and|what|how) about (?:you|u)\W*$|^\W*and (?:you|u)\W*$|"
    # A wish in place of the question: "I do hope you are keeping well", "hope ur doing ok".
    r"\bhope (?:you|u|ur|your|you're|youre)(?: are| r)? (?:keeping |doing |feeling |staying )?"
    r"(?:well|ok|okay|good|alright|fine)\b|"
    r"你好吗|您好吗|最近(?:怎么样|好吗)|过得(?:怎么样|好吗)|今天(?:怎么样|好吗)|"
    # A fan's own language asks it too ("Bonjour! ça va?"), at the clause's end: "qué tal el gorro?" asks of a thing.
    r"(?:\b(?:comment )?[çc]a va|\bwie geht(?:'?s| es)(?: (?:dir|ihnen|euch))?|\bcome (?:stai|sta|va)|"
    r"\bqu[ée] tal|\bc[óo]mo (?:est[áa]s|te va|va)|\bjak si[ęe] mas(?:z|cie))"
    # "¿qué tal todo?", "come va tutto?": of everything is still of her.
    r"(?:\s+(?:todo|tutto|tudo))?(?=\s*(?:$|[?!.,;]))")
#: A child, as she once was ("as a kid", "as a teen").
_YOUNG = r"an? (?:kid|child|little girl|girl|teen|teenager)\b"
#: "Who are you?": her name, and what she does (her line tagged `job`).
#: A fan who just tuned in asks it of what they watch: "who am I even watching?", "whose channel is this?".
_WHO_ARE_YOU = re.compile(r"\bwho (?:(?:even|exactly|actually|tf|the (?:heck|hell)) )?(?:are|r) (?:you|u|ya)\b|"
                          r"\bintroduce yourself\b|"
                          r"\bwho am i (?:\w+ )?watching\b|"
                          r"\bwhose (?:stream|livestream|channel|show|broadcast) (?:is (?:this|it)|am i|are we)\b|"
                          r"你是谁|介绍一下你自己", re.IGNORECASE)
#: What she does on the show, asked on someone's behalf ("my kid keeps asking what you do on this show", "wondering
#: what u do here"): her job line, never a product the message's other words name.
_WHAT_SHE_DOES = (r"\bwhat (?:you|u) (?:actually |really |even |exactly )?do (?:on (?:the|this|your) "
                  r"(?:show|stream|channel)|here|all day|for (?:a )?(?:living|work))\b")
#: A guess at her age ("you can't be more than 20 surely", "you must be older than 25"): a number of hers, never a
#: price limit.
_AGE_GUESS = (r"\b(?:you|u) (?:[\w']+ )?be (?:much |any )?(?:more|older|younger|less|over|under) (?:than )?\d{1,2}\b|"
              r"\b(?:you|u)(?:'re| are| r|re)? (?:[\w']+ )?(?:older|younger) than \d{1,2}\b")
#: A question to the host about herself ("where did you grow up?"), by what it asks: the `about` tags that answer
#: it. A persona tags her about lines with these words (her other lines are found by meaning).
_ABOUT_TOPICS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern, re.IGNORECASE), tag) for
                                                                pattern, tag in (
    (r"\b(?:grow|grew|growing) up\b|\bchildhood\b|\bwhere (?:are|r) (?:you|u) from\b|\bhometown\b|"
     # "did you ski as a kid?", "as a kid were you more on skis or a board?"
     rf"\b(?:you|u)\b.*\bas {_YOUNG}|\bas {_YOUNG}.*\b(?:you|u)\b|"
     r"\bwhen (?:you|u) were (?:little|young|small|an? (?:kid|child|girl|teen|teenager))\b|"
     r"在哪(?:里|儿)?长大|小时候|老家|哪里人", "childhood"),
    (r"\bfor fun\b|\bhobb(?:y|ies)\b|\bfree time\b|\bspare time\b|\bdays? off\b|"
     # "what do you like doing in winter when you're not hosting?", "what do you do off the clock?": her time
     # away from her work.
     # ("what do you like doing most on the show?" asks what she loves in her work)
     r"\bwhat (?:do|would) (?:you|u) (?:like|love|enjoy) (?:to do|doing)\b"
     r"(?![^?.!]*\b(?:most|best|(?:on|in) (?:the|this|your) (?:show|stream)|at work)\b)|"
     r"\bwhen (?:you(?:'re| are)|youre|ur|u r) not (?:hosting|working|streaming|live|on air|on camera|presenting)\b|"
     r"\boff (?:the clock|air|camera|stream|duty)\b|\boutside (?:of )?(?:work|the show|the stream|hosting)\b|"
     r"爱好|业余|空闲|平时喜欢", "hobby"),
    # "What do you enjoy most about hosting?", "best part of your job?": what she loves about her work (before
    # the job line: "the best part of your job" asks what she loves in it, not what it is).
    (r"\b(?:enjoy|like|love)(?: the)? most\b|\b(?:enjoy|like|love) (?:talking|chatting|hosting)\b|"
     r"\bbest (?:part|thing|bit)s? (?:of|about)\b|"
     # "don't you get bored talking to strangers all day?", "do you ever get tired of the chat?": her work with the
     # fans doubted, which her line about what she loves in it answers.
     r"\b(?:get|gets|getting|got) (?:bored|tired|sick|fed up) (?:of |with )?(?:\w+ ){0,2}?(?:talking|chatting|"
     r"hosting|streaming|answering|reading|the chat|chat|us|fans|people|strangers)\b|"
     r"\b(?:is|isn'?t) (?:it|that) (?:boring|tiring|exhausting) (?:to )?(?:talk|chat|host|answer|read)|"
     # "do you actually read our messages?", "do u even like the chat": whether she reads the fans, which her line
     # about chatting with them answers ("can you see my messages?" only checks they get through).
     r"\b(?:do|did) (?:you|u) (?:\w+ )?(?:read|like|enjoy|mind) (?:all )?(?:our|the|my|these|"
     r"everyone'?s|people'?s|fans'?) (?:messages|msgs|comments|chat|questions|texts)\b|"
     r"\b(?:favou?rite|fave?) (?:part|thing|bit)s? (?:of|about)\b|最喜欢.*(?:主持|工作)", "favourite"),
    (r"\b(?:your|ur) (?:actual |real |main |exact )?job\b|\bdo for (?:a )?(?:living|work)\b|"
     r"\bwhat do you (?:actually |really |even |exactly )?do\b|"
     rf"{_WHAT_SHE_DOES}|"
     # A fan who just tuned in: "what kind of show is this?", "what sort of stream is it?"
     r"\bwhat (?:kind|sort|type) of (?:show|stream|livestream|channel|broadcast) "
     r"(?:is (?:this|it)|am i|are (?:we|you))\b|"
     # "So what is it you do here exactly?", "what exactly is it that u do?"
     r"\bwhat(?: exactly)?(?:'s| is) it (?:exactly )?(?:that )?(?:you|u) (?:actually |really )?do\b|\byourself\b|"
     rf"你的工作|做什么工作|{_WHO_ARE_YOU.pattern}", "job"),
    # "How many years do you have?": how a fan whose own language "has" years asks how old she is.
    # "Aurora you are how many years old?": the question word late in the sentence.
    # "How old is curling?" asks a thing's age, not hers.
    (r"\bhow old\b(?!\W+(?:is|was|are|were|'s)\W+(?!(?:you|u|ya|she)\b))|\byour age\b|"
     r"\b(?:you|u)(?:'re| are| r) how many years\b|"
     r"\bhow many years (?:do (?:you|u) have|have (?:you|u) got|(?:are|r) (?:you|u))\b|"
     r"\b(?:are|r) (?:you|u) (?:older|younger|over|under|above|below) (?:than )?\d+\b|"
     # "wait are you really only 22??", "ur 22?": an age asked back of her, the number ending the clause.
     rf"{_AGE_GUESS}|"
     r"\b(?:(?:are|r) (?:you|u)|you(?:'re| are)|youre|your|ur) (?:(?:really|actually|only|just|even|like|still|"
     r"seriously|truly|honestly|already) )*\d{1,2}(?: years?(?: old)?| ?yo| ?y/o)?(?=\s*(?:$|[?!.,;]))|"
     # "so you're like in your twenties or what", "r u in ur 30s?": her decade guessed, which her age answers.
     r"\b(?:(?:are|r) (?:you|u)|you(?:'re| are| r)|youre|ur) (?:(?:really|actually|like|still|even|just|probably|"
     r"maybe|prob) )*in (?:your|ur) (?:(?:early|mid|late) )?(?:teens|twenties|thirties|forties|fifties|[2-5]0'?s)\b|"
     # "I just turned 22, does that make us the same age?": her age, told as it is, compared by the fan.
     r"\b(?:the )?same age\b|\bas old as (?:you|u)\b|"
     # "how many birthdays have u had?", "how many candles on your cake this year?": her age counted another way.
     r"\bhow many (?:birthdays|candles)\b(?=[^.!?]*\b(?:you|u|your|ur)\b)|"
     r"多大|几岁", "age"),
    # "so are u like a real human or some kind of computer thing": chat's fillers between.
    (r"\bare (?:you|u) (?:(?:like|even|actually|really|just|honestly) )*(?:an? )?"
     r"(?:real|human|robot|bot|ai|virtual|person|computer|program|animated|digital|cgi|avatar|cartoon|vtuber)\b|"
     # A learner's word order, asked: "You are real human girl or some computer thing?" ("you are a real legend!"
     # asks nothing).
     r"\b(?:you|u) (?:are|r) (?:an? )?(?:real|human|robot|bot|ai|virtual|computer|animated|digital|cgi)\b(?=[^.!]*\?)|"
     # Told by someone else, for her to confirm: "my grandson says you are a computer", "my friend thinks ur an AI".
     r"\b(?:says?|said|thinks?|thought|reckons?|claims?|told me)(?: that)? (?:(?:you|u)(?:'re| are| r|re)?|ur|your) "
     r"(?:just |only |really |actually )?(?:an? )?(?:real|human|robot|bot|ai|virtual|computer|program|animated|"
     r"digital|cgi|avatar|cartoon|fake)\b|"
     # Either-or, no verb: "AI or a person in a mocap suit?", "real human or bot", "person or computer".
     r"\b(?:ai|robot|bot|computer|program|cgi|virtual|animated|digital|avatar|cartoon|real|human|person|girl|woman|"
     r"lady) or "
     r"(?:an? |some )?(?:real |actual )?(?:ai|robot|bot|computer|program|cgi|human|person|girl|woman|actress|"
     r"someone|somebody)\b|\b(?:mo-?cap|motion[- ]capture) suit\b|"
     # "is this animated live?", "is she cgi?": the host as the fan sees her on screen, asked of "this" too (before
     # "live": how she is animated is the point).
     r"\b(?:is|are) (?:this|that|she|it|(?:you|u)) (?:(?:like|even|actually|really|just|all) )*(?:an? )?"
     r"(?:animated|cgi|computer[- ]generated|rendered|motion[- ]captured|mo-?capp?ed|an? avatar)\b|"
     # "is this you moving live or a recording?", "is that really u talking right now?": her on screen moving or
     # speaking as the fan watches is how she is animated, not whether the show is live.
     r"\b(?:is|are) (?:this|that|it) (?:really |actually |even |truly )?(?:you|u) (?:moving|talking|speaking|"
     r"dancing|animated|waving|blinking)\b|"
     r"你是真人|真人吗|虚拟|"
     r"机器人", "virtual"),
    # "Is this live or recorded?": whether the show is live, which her line that says so answers.
    (r"\b(?:is|are) (?:this|it|the (?:show|stream)|(?:you|u)) (?:\w+ )?live\b|\blive (?:right )?now\b|"
     r"\b(?:pre-?)?record(?:ed|ing)?\b.*\b(?:show|stream|this|it)\b|\brecord (?:it|this)\b", "live"),
))
#: "Your fave thing about winter?", "what do you love most about the cold?": what she loves about a thing, which
#: her line that says the thing answers (her favourite sport for winter) before the line about her work does.
_FAVOURITE_OF = re.compile(r"\b(?:(?:favou?rite|fave?|best) (?:part|thing)s? (?:of|about|in)|(?:enjoy|like|love)"
                           r"(?: the)? most (?:about|in|of)) (?:the |your |ur )?(\w+)", re.IGNORECASE)
#: The tags the patterns above ask for: a question's topic word matched against the other tags only.
_PATTERN_TAGS = frozenset(tag for _, tag in _ABOUT_TOPICS)
#: Her side of a choice ("skis or snowboard, which team are you on?", "which do you prefer", "are you more of a skier
#: or a snowboarder?"): what she does or likes, from her lines, never a product to sell.
_HER_CHOICE = re.compile(r"\b(?:which|what) (?:team|side) (?:are|r) (?:you|u)\b|\bteam \w+ or\b|"
                         # "skiing or curling, if you could only keep one?", "you can only pick one!"
                         r"\b(?:you|u) (?:could|can|may|had to|have to|must) (?:only )?(?:keep|pick|choose|have|"
                         r"watch|do|save) (?:one|1)\b|"
                         r"\bwhich (?:one )?(?:do|would) (?:you|u) (?:prefer|pick|choose|rather)\b|"
                         r"\b(?:are|r) (?:you|u) (?:more )?(?:of )?an? \w+ or (?:an? )?\w+(?: person| girl| fan)?\b",
                         re.IGNORECASE)
#: A question about what she herself does ("do you ride a snowboard yourself?", "did you ever ski?"), not a
#: request to her ("can you tell me...", "do you have...", "do you sell...").
_HER_OWN = re.compile(r"\b(?:do|did|have|would) (?:you|u) (?:ever |still |also )?(?!know|have|sell|ship|tell|offer|"
                      r"carry|stock|take|accept|deliver|think|mean|recommend)\w+|\byourself\b|"
                      # A dare is the question too: "bet you've never even stood on a snowboard".
                      r"\b(?:you|u)(?:'ve| have|ve)? (?:never|ever) (?:even |really |once )?\w+|"
                      # A guess put to her for a yes: "be honest, you stay up late for curling finals right?"
                      r"\b(?:you|u) (?!know\b|have\b|sell\b|mean\b)\w+\b[^.!?]*\b(?:right|yeah|huh|eh|no)\W*\?|"
                      rf"{_HER_CHOICE.pattern}", re.IGNORECASE)
#: Her favourite as chat says it: "is curling ur number one sport?", "your top sport", "ur fave sport" ("your
#: favourite movie" is none of her FAQs'; it stays with her lines).
FAVOURITE = r"(?:fave?|number one|no\.? ?1|#1|top)"
#: Her favourite in other words: "which one is closest to your heart?", "the sport dear to your heart".
DEAREST = r"\b(?:closest|dearest|nearest|close|dear) to (?:your|ur) heart\b|\bdearest to (?:you|u)\b"
#: "Which winter sport do you love most?", "what team do you like best?", "which sport you like most?" (chat drops
#: the "do"), "your most liked winter sport?", "is curling ur number one sport?": a choice among a kind of thing (a
#: FAQ about her favourites answers it), not what she loves about her work; "the sport you love most to watch?" names
#: the kind without a question word.
_WHICH_KIND = re.compile(rf"\b(?:your|ur) (?:most (?:liked|loved)|best[- ]loved|preferred|{FAVOURITE}) "
                         r"(?!(?:part|thing|bit)s?\b)\w+|"
                         r"\b(?:which|what)\s+(?!(?:part|thing)s?\b|(?:do|does|did|would)\b)\w+(?:\s+\w+)?\s+"
                         r"(?:(?:do|would|did)\s+)?(?:you|u)\s+(?:\w+\s+)?(?:love|like|enjoy|prefer)\b|"
                         rf"\b(?:which|what)\b.*(?:{DEAREST})|"
                         # "the sport you love most to do?", "the team u like best": the kind named, no question word.
                         r"\bthe\s+(?:(?!(?:part|thing|bit|one)s?\b)\w+\s+){1,2}(?:that\s+)?(?:you|u)\s+(?:\w+\s+)?"
                         r"(?:love|like|enjoy)(?:\s+the)?\s+(?:most|best)\b", re.IGNORECASE)
#: "What's your name?", "what should we call you?": her name, from the persona. Asked for someone else ("my son
#: wants to know what your name is", "my friend asks your name") the question is reported, in statement order.
_MY_NAME = re.compile(r"\b(?:what(?:'s| is| was) (?:your|ur) name|(?:your|ur) name(?: again)?(?=\W*$)|"
                      r"what (?:your|ur) name (?:is|was)|what (?:you|u)(?:'re| are) called|"
                      r"(?:ask(?:s|ed|ing)?|to know|wondering|wonders) (?:for )?(?:your|ur) name|"
                      r"what (?:should|do|can|shall) (?:i|we) call (?:you|u)|what(?:'re| are) (?:you|u) called|"
                      r"(?:who|what) am i talking to|"
                      # Of the host in the third person ("my wife missed the intro, what's the host's name?", "who's
                      # hosting?", "what do people call you?"): still her name.
                      r"(?:the |this |our |tonight'?s )?host'?s name|name of (?:the|this|our|tonight'?s) host|"
                      r"what(?:'s| is) (?:the|this|our) host called|who(?:'s| is) (?:the|this|our|tonight'?s) host|"
                      r"who(?:'s| is) hosting|what do (?:they|people|fans|folks|others|we|i) call (?:you|u))\b|"
                      r"你叫什么|你的名字|怎么称呼", re.IGNORECASE)
#: A question to the host herself: only these are searched among her about lines by meaning.
_TO_HER = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b|你|您|主播", re.IGNORECASE)
#: The fan speaking of themself ("I'm missing the final", "my flight"): news of theirs, not a question about her.
_OF_THE_FAN = re.compile(r"\b(?:i|i'm|im|i've|my|me|we|our)\b|我", re.IGNORECASE)
#: "Who won the curling final last night?", "who's winning?": a result of the world's, asked of no one on the show
#: ("I never miss a curling final" shares its words and says nothing of who won).
_WHO_DID = re.compile(r"\bwho(?:'s| is| was| will| did)? (?:won|win|wins|winning|scored|score|lost|lose|beat|"
                      r"leads|leading|took|came (?:first|second|last))\b", re.IGNORECASE)
#: "Do you like curling?", a sceptic's "do you even like winter, or is that just the script": her about lines that
#: say the thing asked about (up to the clause's end: the doubt after it is no part of the thing) answer it.
_LIKES = re.compile(r"(?:\b(?:do|did) (?:you|u) (?:even |really |actually |honestly |truly )?"
                    r"(?:like|love|enjoy|watch|follow|play|do)\b|\bare (?:you|u) (?:even |really |actually )?(?:a )?"
                    r"(?:fan of|into)\b|你喜欢|你爱)([^,;.!?，。！？]*?)(?=\s+(?:or|but)\b|[,;.!?，。！？]|$)",
                    re.IGNORECASE)
_LIKE_WORDS = frozenset("like love enjoy watch follow play fan 喜欢 爱".split())


def _same_word(word: str, tag: str) -> bool:
    """One word in two forms ("snowboard" / "snowboarding"): equal, or one a prefix of the other of 5+ letters."""
    short, long = sorted((word.lower(), tag.lower()), key=len)
    return len(short) >= 5 and long.startswith(short)


def asks_her_choice(text: str) -> bool:
    """"Skis or snowboard, which team are you on?", "which do you prefer?": her own side of a choice."""
    return bool(_HER_CHOICE.search(folded(text)))


def guesses_her_age(text: str) -> bool:
    """"You can't be more than 20 surely??": a guess at her age, which her age answers (not the products under $20)."""
    return bool(re.search(_AGE_GUESS, folded(text)))


def asks_what_she_does(text: str) -> bool:
    """"My son keeps asking what you do on this show": her job, which her line answers (not the kids' products)."""
    return bool(re.search(_WHAT_SHE_DOES, spelled_out(folded(text)), re.IGNORECASE))


def addressed_to_her(text: str, name: str) -> bool:
    """The message names the host ("you", her name): a question of hers, never one of the world's."""
    text = folded(text)
    return bool(_TO_HER.search(text)) or bool(re.search(rf"\b{re.escape(folded(name))}\b", text))


def speaks_to_her(text: str, name: str) -> bool:
    """The message may speak to the host or of her ("do you...", "is Aurora real?", "can a cartoon even
    snowboard?"; not "who won last night?", a result of the world's): only then is one of her about lines an
    answer. One of the fan's own news that is not to her ("I'm missing the curling final") shares words with "I
    never miss a curling final" but asks nothing of her."""
    return addressed_to_her(text, name) or not (_OF_THE_FAN.search(folded(text)) or _WHO_DID.search(folded(text)))


def asks_how_she_is(text: str) -> bool:
    """"How are you?", "enjoying yourself tonight?", "你好吗": the host says how she is."""
    return bool(_HOW_ARE_YOU.search(folded(text)))


def asks_her_name(text: str) -> bool:
    """"What's your name?", "what was ur name again?", "what should we call you?": her name, from the persona."""
    return bool(_MY_NAME.search(folded(text)))


def asks_who_she_is(text: str) -> bool:
    """"Who are you anyway?", "introduce yourself": her name and her job."""
    return bool(_WHO_ARE_YOU.search(folded(text)))


def about_lines_asked(question: str, about: Sequence[AboutLine], told: Sequence[str]) -> list[AboutLine] | None:
    """Her about lines a question about her asks for: the one tagged with a topic word of the question ("do you
    ride a snowboard yourself?" → snowboarding), else one with the tag a question pattern asks ("where did you
    grow up?" → childhood), else one that says the thing she is asked to like; a line not told to this fan first.
    [] when the question is to her but names none of them (her lines are then searched by meaning); None when it
    is not about her lines: her pick of a kind of thing (her FAQs answer it), a store question, or not to her."""
    folded_question = folded(question)
    # A topic word of the question that is one of her lines' own tags picks that line before any question
    # pattern does: the topic is the point.
    topical = [] if not _HER_OWN.search(folded_question) or is_product_question(question) else [
        a for a in about if any(_same_word(word, tag) for word in tokens(question) for tag in a.tags
                                if tag not in _PATTERN_TAGS)]
    if topical:
        return ([a for a in topical if a.id not in told] or topical)[:1]
    if _WHICH_KIND.search(folded_question):
        return None  # "which winter sport do you love most?": her pick of a kind of thing, from her FAQs
    if favourite_of := _FAVOURITE_OF.search(folded_question):
        # Her work's line may say the thing in passing ("winter sports shows"): the thing loved is not her job.
        thing = favourite_of.group(1)
        lines = [a for a in about if "job" not in a.tags and any(
            word == thing or _same_word(word, thing) for word in tokens(a.text) + list(a.tags))]
        if lines:
            return ([a for a in lines if a.id not in told] or lines)[:1]
    for pattern, tag in _ABOUT_TOPICS:
        if pattern.search(folded_question):
            lines = [a for a in about if tag in a.tags]
            if lines:
                return ([a for a in lines if a.id not in told] or lines)[:1]
    if likes := _LIKES.search(folded_question):
        asked = set(tokens(likes.group(1))) - _LIKE_WORDS
        # "do you like snow?" is said by the line about snowboarding: a word the start of one of the line's words.
        lines = [a for a in about if asked and all(any(word == said or len(word) >= 4 and said.startswith(word)
                                                       for said in tokens(f"{a.text} {' '.join(a.tags)}"))
                                                   for word in asked)]
        if lines:
            return lines[:1]
    if not about or not _TO_HER.search(folded_question) or is_product_question(question):
        return None  # "where can I buy your merch?" asks about the store, not about her
    return []
