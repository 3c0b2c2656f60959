"""Fans' questions about the show itself, answered from where the show stands (a `ShowSnapshot`).

"What's on now?", "what's next?", "when does the show end?", "how much longer?", "is there a dance later?",
"when can I ask questions?", "will you show the plush?" (and in Chinese 现在是什么环节, 下一个是什么, 节目几点结束,
还有多久): small lexicons pick the question, and the answer says only what the rundown and the runner know. Times
are rounded minutes of show time ("in about 7 minutes"), never a guessed segment length: a segment that waits for a
cue or follows another has no time to tell, and a show without a planned end says so and how many segments are
left. With no show loaded (or not yet started) the host says no show is running, rather than "I don't know".

A message that is not about the show ("what time is it in Tokyo?", "how long is a curling match?") is left to the
rest of the engine: every pattern names the show, a segment of it, or asks in the words fans use for a show's
running order ("what's next?" with nothing after it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, get_args

from models.dialogue.moods import is_question
from models.dialogue.persona import Persona, Product
from models.dialogue.retrieval import tokens
from models.dialogue.sentence import Sentence
from models.dialogue.show import Segment, SegmentType, ShowSnapshot
from models.dialogue.tags import emotion_tag, gesture_tag, strip_tags
from models.dialogue.words import folded, listed
from models.tts import sentences_of

ShowQuestion = Literal["elapsed", "done", "missed", "now", "next", "after", "rest", "end", "length", "left", "start",
                       "dance", "qa", "product", "shown", "fact", "title", "segment", "another"]

_SHOW = r"(?:show|stream|livestream|live stream|broadcast|program|programme|episode|live)"
#: A determiner, and how much of the show: "the whole show", "this entire stream", "today's full episode".
_THE = r"(?:(?:the |this |your |today'?s |tonight'?s )(?:whole |entire |full |complete |total )?)?"
#: An adverb fans put between the words: "what's actually happening", "how long exactly is the show".
_ADV = r"(?:(?:actually|exactly|really|currently|even|roughly|approximately|about|so|just) )?"
_WHAT_IS = r"(?:what'?s|whats|wats|what is|wat is|what iz)"
_WHEN = r"(?:when|wen)"
#: "What time", "at what point": when, in other words (the part of the show asked for follows).
_WHAT_TIME = r"(?:what time|what point)"
_WHENS = r"(?:when|wen)(?:'s|s| is)"  # "when's", "whens", "when is"
_END = r"(?=\W*(?:$|[?!.,;]))"  # the clause ends here: "what's on?" but not "what's on sale?"
_NOW = r"(?: now| right now| at (?:the|this) moment| atm| currently| today| tonight)"
_IN_SHOW = rf"(?: (?:in|on) {_THE}{_SHOW})?"  # "what's happening now on the show?"
#: Near the end: "is the show almost over?", "are we nearly done?" (a show, "it" or the people in it: not "the sale").
#: What a rundown is called when a fan asks what it holds.
_PLAN = r"(?:schedule|rundown|lineup|line-up|agenda|running order|plan)"
_NEARLY = r"(?:almost|nearly|about to be|close to|soon|already)"
_OVER = r"(?:over|done|finished|through|ending|at the end|wrapping up)"
#: A length of time: "an hour", "a one-hour", "30-minute", "half an hour".
_SPAN = r"(?:(?:an?|about|around|like) )?(?:(?:one|two|three|four|half an?|\d+)[- ])?(?:hours?|hrs?|minutes?|mins?)"
#: The host (or the show) leaving: "say goodbye", "sign off", "wrap up", "finish".
_LEAVE = (r"(?:say(?:ing)? (?:goodbye|bye|good ?night)|sign(?:ing)? off|log(?:ging)? off|go(?:ing)? offline|"
          r"go(?:ing)? off air|wrap(?:ping)? (?:up|things up|it up)|finish(?:ing)?|end(?:ing)?|stop(?:ping)?|"
          r"leav(?:e|ing)|clos(?:e|ing)|be done|be over)")
#: Where a leaving verb asks when the show ends: the clause ends, or says tonight / the show ("stop selling" does not).
_LEAVE_END = rf"(?=\W*(?:$|[?!.,;]|tonight|today|for (?:the night|today|tonight)|streaming|{_THE}{_SHOW}\b))"
_NTH = r"(?:first|1st|second|2nd|third|3rd|\d+(?:st|nd|rd|th)|last|latest|newest|very first)"

#: Each question's wordings, English then Chinese (matched in the folded text: lower case, simplified).
_WORDINGS: tuple[tuple[ShowQuestion, tuple[str, ...]], ...] = (
    ("elapsed", (rf"\bhow far (?:in|into|through|along)(?: {_THE}{_SHOW})?(?: (?:are|r) (?:we|you|u)| is it)\b",
                 rf"\bhow far (?:in|into|through|along) {_THE}{_SHOW}\b",
                 rf"\bhow (?:long|many minutes|much time) (?:have|has) (?:you|u|we|{_THE}{_SHOW}|it) been "
                 r"(?:on|live|going|running|streaming|"
                 r"on air|at it)\b",
                 rf"\bhow (?:many|much) (?:minutes|time) (?:in|into) (?:{_THE}{_SHOW}|are we)\b",
                 rf"\bhow (?:much|many minutes) of {_THE}{_SHOW} (?:is|has|have) (?:done|over|gone|passed)\b",
                 r"(?:节目|直播)?(?:已经)?(?:开始|开播|播)了多(?:久|长时间)|(?:开始|开播)多(?:久|长时间)了|(?:节目|直播)(?:进行)?到(?:哪|哪里|哪儿)了")),
    ("done", (r"\bwhat (?:did|have|do) (?:i|we|u) (?:just )?miss(?:ed)?\b",
              r"\b(?:did|have) (?:i|we|u) (?:just )?miss(?:ed)? (?:anything|much|something|a lot)\b",
              r"\bwhat (?:have|did) (?:you|u|we) (?:done|shown|covered|talked about|been talking about|"
              r"been doing)(?: so far| already| before| earlier)\b",
              rf"\bwhat (?:happened|was on) (?:so far|earlier|before(?: i came| i joined)?){_IN_SHOW}\b",
              # "what happened at the start of the show?", "what did you do at the beginning?": the show's start
              # ("what happened at the start of the Olympics?" is the world's)
              rf"\bwhat (?:happened|was on|did (?:you|u|we|i) (?:do|say|show|talk about|miss)) (?:at|in) "
              rf"(?:the )?(?:start|beginning|first part)(?: of {_THE}{_SHOW}\b|{_END})",
              r"我错过了(?:什么|啥)|(?:刚才|之前|前面)(?:都)?(?:讲|聊|说|介绍|播)了(?:些)?(?:什么|啥)")),
    # "what's on now?", "what's happening on the show right now?", "what's actually going on in the stream now?"
    ("now", (rf"\b{_WHAT_IS} {_ADV}(?:on|happening|going on)(?:{_NOW}?{_IN_SHOW}|{_IN_SHOW}{_NOW}){_END}",
             r"\bwhat (?:are|r) (?:we|you|u) doing(?: now| right now| at the moment)?\b"
             r"(?! (?:next|later|after|tomorrow))",
             # "what are we talking about?" asks the topic; "what are you talking about?!" is a fan puzzled by
             # what she just said, so only a time word ("right now") makes that one a question about the show.
             rf"\bwhat (?:are|r) (?:we|u all|you all|y'?all) (?:talking|chatting|on) about{_NOW}?\b",
             rf"\bwhat (?:are|r) (?:you|u) (?:talking|chatting) about{_NOW}\b",
             rf"\b{_WHAT_IS} (?:this|the current|the) (?:segment|part|bit|topic)\b",
             rf"\b{_WHAT_IS} the (?:topic|segment|theme){_NOW}\b",
             # "what's the fun fact right now about?", "what's this fact about?"
             rf"\b{_WHAT_IS} (?:the|this) (?:fun )?fact(?:{_NOW}? about|{_NOW}){_NOW}?{_END}",
             r"\bwhich (?:segment|part) (?:is|are) (?:this|we)\b",
             r"\b(?:what|which) (?:segment|part) (?:are|r) (?:we|you|u) (?:on|in|at|doing)\b",
             rf"\bwhere (?:are|r) (?:we|you|u) (?:at )?in {_THE}{_SHOW}\b",
             # "what segment is this?", "which bit of the show are we in?", "what bit is on now?"
             rf"\b(?:what|which) (?:segment|section|part|bit|portion)(?: of {_THE}{_SHOW})? "
             r"(?:is (?:this|it|on|running|happening)|(?:are|r) (?:we|you|u) (?:on|in|at|doing))\b",
             rf"\b{_WHAT_IS} (?:this|the current) (?:section|portion|part of {_THE}{_SHOW})\b",
             r"\b(?:what'?s|whats|what is) (?:happening|going on|on) (?:in|on|during) (?:this|the current) "
             r"(?:segment|part|section|bit)\b",
             rf"\bwhat (?:are|r) (?:we|you|u) on{_NOW}\b",
             # "what are we watching right now?", "what am I watching?": the show is what they watch
             rf"\bwhat (?:are|r|am) (?:we|you(?: all| guys)?|u|i|y'?all) "
             rf"(?:watching|seeing|looking at|tuned in to|tuning in to){_NOW}?{_IN_SHOW}{_END}",
             r"现在(?:是|在)?(?:什么|哪个|啥)环节|这是(?:什么|哪个|啥)环节|"
             r"现在(?:在)?(?:干|做|播|聊|讲|说|介绍)(?:的是)?(?:什么|啥)|这个环节(?:是|在)?(?:讲|聊)?(?:什么|啥)")),
    ("next", (rf"\b(?:{_WHAT_IS}|what (?:comes|happens|are we doing|do we do|will you do)|what'?s coming) "
              r"(?:up )?next\b(?! (?:for|in|week|year|month|season|olympics|games)\b)",
              rf"\b(?:{_WHAT_IS}|what (?:comes|happens)) (?:up )?after (?:this|that)\b",
              rf"\b{_WHAT_IS} (?:coming up|up next)\b(?! (?:in|for)\b)",
              rf"\b(?:{_WHAT_IS}|what (?:comes|happens)) (?:up )?next (?:in|on) {_THE}{_SHOW}\b",
              r"\bwhat (?:will|are|r) (?:you|u|we) (?:going to |gonna )?(?:talk about|show|cover|present|do) next\b"
              r"(?! (?:week|weekend|month|year|season|time|tomorrow|episode|show|stream|olympics|games)\b)",
              r"下一?个(?:环节)?(?:是)?(?:什么|啥)|接下来(?:是|做|有|干)?(?:什么|啥)|之后(?:是|做)?(?:什么|啥)环节")),
    ("rest", (r"\bwhat(?:'s| is| else is)? still (?:to come|coming|planned)\b",
              rf"\bwhat else (?:is|are you|will you|do you have) (?:on|coming|planned|doing|showing)(?: up)?{_NOW}?"
              rf"{_IN_SHOW}{_END}",
              r"\bwhat(?:'s| is| are) (?:on )?(?:the |tonight'?s |today'?s )?(?:schedule|rundown|lineup|line-up|agenda|"
              r"running order|program for)\b",
              rf"\bwhat(?:'s| is) the plan (?:for )?(?:tonight|today|{_THE}{_SHOW})\b",
              rf"\bwhat(?:'s| is| are) (?:left|remaining|still to come) (?:in|on|of) {_THE}(?:{_SHOW}|{_PLAN})\b",
              # "can you run me through the rest of tonight's schedule?", "what's the rest of the show?"
              rf"\b(?:(?:run|walk|take|talk|go) (?:me |us )?(?:through|over)|tell (?:me|us)(?: about)?|"
              rf"{_WHAT_IS}) (?:the )?rest of {_THE}(?:{_SHOW}|{_PLAN})\b",
              r"(?:后面|接下来|之后)还有(?:什么|哪些|啥)(?:环节)?|还有哪些环节|节目(?:的)?(?:安排|流程)")),
    # "when does this finish?": a bare "this" is the show being watched
    ("end", (rf"\b{_WHEN} (?:does|will|is|do|did) {_THE}(?:{_SHOW}|it|you|this) (?:be )?"
             rf"(?:end|finish|stop|wrap(?: up| things up)?|over|done|go off(?: air|line)?)(?:s|ed|ing)?{_LEAVE_END}",
             rf"\bwhat time (?:does|will|is) {_THE}(?:{_SHOW}|it) (?:end|finish|stop|over|done)",
             rf"\b{_WHENS} {_THE}{_SHOW} (?:over|done|ending|finishing)",
             # "when do you say goodbye tonight?", "what time do we wrap up?", "when will you sign off?"
             rf"\b(?:{_WHEN}|what time|at what time) (?:do|will|are|r|does|is|should) (?:you|u|we|{_THE}{_SHOW}|it) "
             rf"(?:going to |gonna )?{_LEAVE}{_LEAVE_END}",
             r"\bhow (?:long|much longer) (?:until|till|til|before) (?:you|u|we) (?:say )?(?:goodbye|bye|sign off)\b",
             rf"\b{_WHENS} (?:the |your )?(?:goodbye|bye|finale|sign[- ]off)\b",
             r"(?:节目|直播)?(?:几点|什么时候|啥时候|何时|多久)(?:结束|完|下播|播完)")),
    # "how long is the whole show?", "how long exactly is this entire stream?", "how long will the full show be?"
    # ("how long is the show on YouTube?" is not, but "how long is the show on for tonight?" is)
    ("length", (rf"\bhow long(?:'s| {_ADV}(?:is|does|will)) {_THE}{_SHOW}\b(?! been\b)"
                r"(?! on\b(?! for\b| tonight\b| today\b|\s*[?!.,;]|\s*$))",
                r"\bhow long (?:will|are|r) (?:you|u|we) (?:be )?(?:live|on air|on|streaming)\b",
                rf"\bis {_THE}{_SHOW} (?:going to be |gonna be )?(?:long|short)\b",
                rf"\b(?:is|was) (?:this|it|tonight) (?:a )?(?:long|short|quick) {_SHOW}\b",
                rf"\b{_SHOW}'?s (?:length|duration|runtime|running time)\b",
                # "is this a one-hour show?", "is the stream an hour long?", "will the show run 30 minutes?"
                rf"\b(?:is|will|does|was) {_THE}{_SHOW} (?:going to |gonna )?(?:be |run |last |go )?(?:for )?{_SPAN}\b",
                rf"\b(?:is|was) (?:this|it|tonight|today) {_SPAN}(?:[- ]long)? {_SHOW}\b",
                # (not "how many minutes does the show have left?": the time to the end)
                rf"\bhow (?:many|much) (?:hours|minutes|time) (?:is|does|will|do) {_THE}{_SHOW}\b"
                r"(?![^?.!]*\b(?:left|remaining|more)\b)",
                rf"\bhow long (?:do|does|will) (?:you|u|{_THE}{_SHOW}) (?:stream|run|last|go on|go for|broadcast)\b",
                rf"\b{_WHAT_IS} the (?:length|duration|running time|runtime) of {_THE}{_SHOW}\b",
                rf"\bis {_THE}{_SHOW} (?:long|short)\b",
                r"(?:节目|直播)(?:有|要)?(?:多长|多久)|(?:节目|直播)?要?播多(?:久|长)|(?:节目|直播)(?:是)?(?:一|两|半)个?小时")),
    ("left", (rf"\bhow much (?:longer|more time){_END}",
              # "how many more minutes of stream do we get?": the time the show has left, in minutes
              # "how many more minutes is the stream going for?": "more" is the time to the end, however the
              # show's running is said (not the time since the start)
              rf"\bhow (?:many more (?:minutes|mins)|much more time)(?: of {_THE}{_SHOW})?"
              rf"(?: (?:do|will|can) (?:we|you|u|i) (?:get|have)\b|{_END}|"
              rf" (?:is|will|does|are) {_THE}(?:{_SHOW}|it|you|u|we) (?:be )?(?:going|on|running|live|streaming|"
              r"last|go on)\b)",
              rf"\bhow much (?:longer|more time) (?:is|will|does|do|are) {_THE}(?:{_SHOW}|you|u|we)\b",
              rf"\bhow (?:much|many) (?:more )?(?:time|minutes) (?:is |are |do we have |do you have |have we got |"
              rf"(?:does|do) {_THE}{_SHOW} have |"
              r"have you got |we have |you have |we got |you got )?(?:left|remaining)\b",
              r"\b(?:will|are|r) (?:you|u|we) (?:going to |gonna )?(?:be )?(?:on|live|on air|streaming) "
              r"(?:for )?(?:much |a lot )?"
              r"(?:longer|long)\b",
              r"\bhow long (?:is |are )?(?:left|to go)\b",
              # "how many more minutes till goodbye?": the time to her goodbye (a "left" question: "last orders" in
              # the message is a pub's, not a fan's order that leaves)
              r"\bhow (?:long|much longer|many (?:more )?minutes) (?:until|till|til|before) (?:(?:you|u|we) (?:say )?)?"
              r"(?:the |your )?(?:goodbye|bye|sign[- ]?off)\b",
              # "how long have we got left?", "how long do we have left of the stream?"
              r"\bhow (?:long|much time) (?:do |have )?(?:we|you|u|i) (?:got|have|have got|get) (?:left|remaining)\b",
              # "are we near the start or the end?", "are we close to the end?": where the show stands, by its end
              r"\b(?:are|r) (?:we|you|u) (?:near(?:er)?|close(?:r)? to|at) (?:the )?(?:start|beginning|end)\b",
              r"\bhow many (?:more )?(?:minutes|segments|parts) (?:are )?(?:left|to go)\b",
              rf"\bhow (?:long|much (?:longer|time)|many (?:more )?minutes) (?:until|till|til|to|before|left (?:until|"
              rf"till|before)) (?:the end|{_THE}{_SHOW}(?: ends| finishes| wraps up|(?:'s|s| is) (?:over|done))|"
              # "how long till it's all over?"
              r"(?:it|we|you|u) (?:ends?|finish(?:es)?|wrap up)|"
              r"(?:it|we|you|u)(?:'s|'re| are| is| r) (?:all )?(?:over|done))\b",
              rf"\b(?:is|are|r) (?:{_THE}{_SHOW}|it|we|you|u) {_NEARLY} {_OVER}\b",
              # "how much more of the stream is left?": the time to the end, as "how long is left?" asks
              rf"\bhow much (?:more )?of {_THE}{_SHOW} is (?:left|remaining|still to come|to go)\b",
              rf"\b(?:are|r) (?:we|you|u) (?:halfway|half way|half-way)(?: (?:through|done|there|in|into))?"
              rf"(?: {_THE}{_SHOW})?{_END}|\bis {_THE}{_SHOW} (?:halfway|half way|half-way)\b",
              rf"\b(?:is|are|r) (?:{_THE}{_SHOW}|you|u) still (?:on|going|running|live|on air|streaming)\b",
              rf"\b(?:is|has) {_THE}{_SHOW} (?:{_NEARLY} )?(?:over|done|finished|ended)\b",
              rf"\b(?:is|will) (?:{_THE}{_SHOW}|it) (?:be )?(?:end|ending|finish|finishing|wrapping up|over|done) "
              rf"(?:soon\b|(?:in|within) {_SPAN}\b)",
              r"\b(?:are|r|will) (?:you|u) (?:be )?(?:ending|finishing|wrapping up|going offline|logging off|"
              r"signing off|leaving) soon\b",
              r"还有多(?:久|长时间)|还剩多(?:久|少时间)|还要多久|还有几个环节|"
              r"(?:^|\W|节目|直播|今天|是不是|我们|是否)(?:快|快要|要)(?:结束|播完|下播)了?(?:吗|么|没|吧|\?|？)")),
    ("start", (rf"\b(?:{_WHEN}|what time) (?:does|did) {_THE}{_SHOW} (?:start|begin)\b",
               r"\b(?:when|wen|what time) did (?:we|you|u) (?:start|begin|go live|go on air)"
               r"(?=\W*(?:$|[?!.,;]|tonight|today|the (?:show|stream)|streaming))",
               r"\bhow long have (?:you|we) been (?:live|on air)\b",
               r"(?:节目|直播)(?:几点|什么时候)(?:开始|开播)")),
    ("dance", (r"\b(?:is there|will there be|are there|any|is there going to be) (?:a |another |any )?"
               r"danc(?:e|es|ing)\b",
               r"\b(?:will|are|r) (?:you|u) (?:going to |gonna )?danc(?:e|ing) "
               r"(?:later|tonight|today|again|soon|in the show)\b",
               rf"\b(?:will|are|r) (?:you|u) (?:going to |gonna )?dance{_END}",
               rf"\b{_WHEN} (?:will|do|are) (?:you|u|we) (?:going to |gonna )?dance\b",
               rf"\b{_WHENS} (?:the |your )?(?:next )?dance\b",
               r"\bhow long (?:until|till|til|before) (?:the |your |you )?(?:next )?danc",
               r"(?:还有|有没有|会不会|什么时候|待会|等会|一会儿?)(?:儿)?(?:会)?跳舞")),
    ("qa", (rf"\b{_WHEN} (?:can|do|should|may|will) (?:i|we) (?:get to |be able to )?(?:ask|send)\b",
            rf"\b{_WHEN} (?:do|will) (?:you|u) (?:take|answer) questions\b",
            r"\b(?:can|may|could|will) (?:i|we) (?:still |also |again )?(?:get to |be able to )?(?:ask|send) "
            r"(?:you )?(?:some |more |a |any |other |another |few |a few |a couple )*"
            r"(?:questions?|stuff|things|something|anything)?(?: (?:else|more))? "
            # "can i still ask you something near the end of the stream or is it too late?"
            r"(?:later|soon|now|tonight|today|again|(?:later )?in the show|(?:near|at|towards?|by|before) the end|"
            r"after this)\b",
            r"\b(?:is it|am i|are we) too late (?:to|for) (?:ask|send|questions?)\b",
            # "will there be a chance to ask questions?", "is there time for questions?"
            r"\b(?:will there be|is there|do (?:we|i) get|will (?:we|i) get|any) (?:a |any |some )?(?:chance|time|"
            r"opportunity|moment) (?:to ask|for questions)\b",
            # "will there be more questions near the end?": a later Q&A of the rundown answers it (yes, and when).
            r"\b(?:will there be|are there|is there going to be|are there going to be|any) (?:more |other |some |any )+"
            r"questions? (?:later|again|(?:near|at|towards?|by|before) the end|after this|tonight|coming)\b",
            r"什么时候(?:可以|能)?提问|(?:可以|能)提问(?:吗|了吗)|(?:问答|提问)(?:环节)?(?:什么时候|几点)")),
    # "Which product did you already show?", "what items have you shown so far?": the products of the parts done.
    ("shown", (r"\b(?:which|what) (?:products?|items?|merch) (?:did|have|has) (?:you|u) (?:already |just )?"
               r"(?:show|shown|showed|present|presented|feature|featured)\b",
               r"(?:已经|刚才|之前)(?:介绍|展示)(?:了|过)(?:哪些|什么)(?:商品|产品)")),
    ("product", (r"\bnext (?:product|item|piece of merch)\b",
                 r"\bwill there be (?:any )?(?:more|other|another) (?:products?|merch|items?)\b",
                 # "any more merch coming up or was the beanie it?", "other products still to come?"
                 r"\b(?:more|other|another) (?:products?|merch|items?|things to buy) (?:(?:are |is )?still )?"
                 r"(?:coming(?: up)?|to come|later(?: on)?|(?:in|on) (?:the|this) (?:show|stream))\b",
                 r"下一个(?:商品|产品)")),
    # "What's the next fact?" may ask for one now ("another fact"): only "when", or facts "coming up", ask the show.
    ("fact", (rf"\b{_WHEN}(?:'s| is| will| do| does)\b[^?.!]*\bnext (?:fun )?fact\b",
              r"\b(?:any|more|another) (?:more )?(?:fun )?facts? "
              r"(?:coming up|later(?: on)?|in the show|still to come)\b",
              r"下一个冷知识(?:是)?(?:什么时候|几点)|(?:还有|后面)(?:还有)?冷知识(?:吗|环节)")),
    ("title", (r"\bwhat (?:show|stream|program|programme) is this\b",
               # "what's tonight's show about?": any of the show's determiners, as the other wordings take
               # "what's tonight's show even called?": an adverb before the participle too
               rf"\b{_WHAT_IS} {_THE}{_SHOW} {_ADV}(?:called|named|titled|about)\b",
               rf"\bwhat do (?:you|u|we) call {_THE}{_SHOW}\b",
               # "sorry, what was the name of this show again?", "the stream's name?"
               rf"\bwhat(?:'s| is| was) the (?:name|title) of {_THE}{_SHOW}\b(?!'s)",
               rf"\bwhat was {_THE}{_SHOW} {_ADV}(?:called|named|titled)\b",
               # "name of this show pls, I want to tell my friends": a courtesy or another clause may follow
               rf"\b(?:name|title) of {_THE}{_SHOW}\b(?!'s)(?=\W*(?:$|again\b|pls\b|plz\b|please\b|[?,]))|"
               rf"\b{_SHOW}'?s (?:name|title)\b",
               rf"\b{_WHAT_IS} (?:tonight'?s|today'?s|this) {_SHOW}{_END}",
               # "which episode are we on?", "is this a new show?": the rundown's title says which one
               r"\b(?:which|what)(?: number)? (?:episode|show)(?: number)? (?:is (?:this|it|tonight|on)|"
               r"(?:are|r) (?:we|you|u) (?:on|watching|at))\b",
               rf"\bis (?:this|it) (?:a )?new {_SHOW}\b",
               # "ep number?", "episode #?", "is this the first one?", "is tonight the 3rd stream?": which one of
               # the show this is, which only the title may say
               r"\b(?:ep|eps|episode|show|stream)(?: (?:number|no|num|nr)\b| ?#)",
               rf"\bis (?:this|it|tonight|today) (?:the |your )?{_NTH} (?:ep|episode|{_SHOW}|"
               r"time (?:you|u)(?:'re| are) (?:live|on))\b",
               # (a bare "one" only where it ends the question: "is this the first one you showed?" is a product)
               rf"\bis (?:this|tonight|today) (?:the |your )?{_NTH} one(?=\W*(?:$|[?!.,;]| or\b))",
               r"\bhow many (?:episodes|eps|shows|streams) (?:have|has|did|were|are) (?:there|you|u|i|we)\b",
               r"这是什么节目|节目叫什么|第几(?:期|集)")),
    # "When's the next show?", "are you live again tomorrow?", "same time next sunday?": a show after this one,
    # which the rundown (this show alone) does not hold.
    ("another", (r"\b(?:next|another|future|upcoming) (?:shows?|streams?|livestreams?|episodes?|eps?|broadcasts?|"
                 r"lives?)\b",
                 r"\b(?:you|u|she)\b[^?.!]{0,15}\b(?:stream(?:ing)?|live|on|back|on air) again\b",
                 r"\b(?:stream|go live|be (?:live|on|back))\b[^?.!]{0,20}\b(?:tomorrow|next (?:week|time|"
                 r"monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
                 r"\bsame time (?:tomorrow|next (?:week|\w+day))\b|\b(?:tomorrow|next (?:week|\w+day)),? "
                 r"(?:at )?(?:the )?same time\b",
                 r"下(?:一)?(?:期|场|次)(?:节目|直播)?(?:什么时候|几点|哪天)|(?:明天|下周)(?:还)?(?:播|直播)(?:吗|么)")),
)
#: Names of parts of the show: a question when the message asks one ("Q&A soon?"), not in "I loved the dance break!".
_NAMED: tuple[tuple[ShowQuestion, tuple[str, ...]], ...] = (
    ("next", (r"\bnext (?:segment|part)\b", r"下一?个环节")),
    ("end", (rf"\b(?:end|finish)s? of {_THE}{_SHOW}\b",)),
    ("dance", (r"\bdance break\b", r"舞蹈环节|跳舞环节")),
    ("qa", (r"\b(?:q ?& ?a|q and a)\b", r"\bquestions? (?:time|round|segment|part|window)\b",
            r"\b(?:round|session|part) of (?:fan |your )?questions\b", r"问答环节|提问环节")),
)
_ASKED, _ASKED_IF_QUESTION = ([(kind, re.compile("|".join(alternatives))) for kind, alternatives in table]
                              for table in (_WORDINGS, _NAMED))
#: "Will you show the plush?": a product segment still to come (the product is named, or products in general).
_SHOWING = re.compile(
    # "when do you show the plush?": a "do" with "when" (a bare "do you show …" may ask what the store has)
    # "at what point tonight do you show the owl?": a time word between
    rf"\b(?:will|are|r|gonna|going to|(?:when|wen|{_WHAT_TIME})(?: tonight| today| exactly| later)? do) (?:you|u) "
    r"(?:going to |gonna )?"
    r"(?:show|present|feature|spotlight|bring out)"
    r"(?:ing)?\b|"
    # "will we get to see the owl plush tonight?": the fans seeing it is her showing it
    r"\b(?:will|are|r|gonna|going to) (?:we|i) (?:get to |be able to |going to |gonna )?see\b|"
    # "when's the bit with the owl?": when, and a part of the show named by what is in it
    r"\b(?:when|wen)(?:'s|s| is| will)\b(?=[^?.!]*\b(?:bit|part|segment)\b)|"
    # "at what point does the owl plushie get shown?": when, and the product being shown (the show's segment for it)
    r"\b(?:when|wen|what time|what point)\b(?=[^?.!]*\b(?:shown|featured|presented|spotlighted|showcased)\b)|"
    r"\b(?:coming up|in the show|on the show|later in the show)\b|(?:会|还会|会不会|要不要|会不会再)(?:展示|介绍|讲)")
_PRODUCTS = re.compile(r"\b(?:products?|merch|items?|things to buy)\b|商品|产品")
#: "What happens after the Q&A?": the part of the show named after "after" (a segment's kind, or a product).
_AFTER = re.compile(rf"\b(?:{_WHAT_IS}|what (?:comes|happens|do we do|are we doing|will you do|will there be)) "
                    r"(?:up |next )?after (?:the |your |that |this )?(?P<part>[^?.!,;]+)|"
                    # "what happens once you're done with the owl plush?": the host done with a part of her show
                    r"\b(?:what|which|anything|and)\b[^?.!,;]{0,40}?\b(?:once|when|after) "
                    r"(?:you'?re|you are|u r|ur|we'?re|we are) (?:done|finished|through) "
                    r"(?:with )?(?:the |your |that |this )?(?P<done>[^?.!,;]+)|"
                    # "what's on the show after the dance break?", "anything after the Q&A?", "what follows the dance?"
                    r"\b(?:what|which|anything|and)\b[^?.!,;]{0,40}?\b(?:after|follows|following|once) "
                    r"(?:the |your |that |this )?(?P<broad>[^?.!,;]+)|"
                    # "once the dancing is done, what are you doing next?": a part of the show over
                    r"\b(?:once|when|after) (?:the |your |that |this )?(?P<over>[^?.!,;]+?) (?:is|are) "
                    r"(?:done|finished|over)\b[^?.!]*\b(?:what|which|anything)\b|"
                    # "after the dance break, what comes?", "after the fan questions, then what?"
                    # "after the Q&A, nani? what comes next": a word of the fan's own language may ask it first
                    r"(?:^|[,.!?] )after (?:the |your |that |this )?(?P<lead>[^?.!,;]+?),? "
                    r"(?:[^\W\d_]+\?+\s*)?(?:(?:and|so|then) )*(?:what|which|anything|is there)\b|"
                    r"(?P<zh>[^\W\d_]{1,12}?)(?:环节)?(?:之后|以后|结束后|完了)(?:是|做|有|干)?(?:什么|啥)")
#: "Did I miss the dance?": the part of the show named after "miss".
_MISSED = re.compile(r"\b(?:did|have) (?:i|we|u) (?:just |already )?miss(?:ed)? (?:the |your |a )?(?P<part>[^?.!,;]+)|"
                     # "did you already talk about the first Winter Olympics?", "have you shown the plush yet?": a
                     # time word asks the show ("did you talk about the hoodie's price?" asks the price)
                     r"\b(?:did|have|has) (?:you|u|we) "
                     r"(?=[^?.!]*\b(?:already|yet|earlier|before|so far|tonight|today|in the show)\b)"
                     r"(?:already |just |yet )?(?:talk(?:ed)? about|cover(?:ed)?|"
                     r"mention(?:ed)?|do(?:ne)?|show(?:n|ed)?|tell (?:us|me) about|told (?:us|me) about|get to) "
                     r"(?:the |your |a |that )?(?P<told>[^?.!,;]+)|"
                     # "Is the curling bit already finished?", "is the Q&A over yet?": whether a part is over.
                     r"\b(?:is|are|has|have) (?:the |your |that )?(?P<over>[^?.!,;]+?) (?:already |yet |now )?"
                     # (at the clause's end: "is the hoodie worth it over the beanie?" compares)
                     r"(?:finished|over|done|ended|started|begun)(?:\s+(?:yet|already|now))?\s*(?=[?.!,;]|$)|"
                     # "did the beanie part already happen?", "has the dance taken place yet?": the same, in the
                     # words of things that happen.
                     r"\b(?:did|has|have) (?:the |your |that )?(?P<happened>[^?.!,;]+?) (?:already |yet |just )?"
                     r"(?:happen(?:ed)?|take place|taken place|come up|air(?:ed)?)\b|"
                     # "was the beanie already on?", "is the plush on yet?": a part on the air, with a time word and at
                     # the clause's end ("is the hoodie on sale?" asks the store, "which island is it quarried on?"
                     # the fact).
                     r"\b(?:was|were|is|are) (?:the |your |that )?(?P<aired>[^?.!,;]+?) (?:(?:already|just|yet) "
                     r"(?:on|shown)|(?:on|shown) (?:already|yet|earlier|before))\s*(?=[?.!,;]|$)|"
                     r"我?(?:是不是)?错过了?(?P<zh>[^\W\d_]{1,12}?)(?:环节)?(?:吗|么|没有?|\?|？)")
#: "When do the fan questions start?", "when's the dancing?": "when" (not "when was") and the part of the show it names.
_WHEN_PART = re.compile(rf"\b(?:(?:when|wen)(?:'s|s)?|{_WHAT_TIME}|how (?:long|soon) (?:until|till|til|before))\b"
                        r"(?! (?:was|did|were|had)\b)(?P<part>[^?.!,;]+)")
#: "Will there be more questions later in the show?", "any more dancing tonight?", "are you taking fan questions
#: today?": a part of the show still to come (or planned at all).
_MORE_PART = re.compile(r"\b(?:will there be|is there|are there|any|do you have|"
                        # "Will you dance for us tonight?": the part is what she will do.
                        r"will (?:you|u)(?: (?:do|have|take|answer))?|"
                        r"(?:are|r) (?:you|u) (?:(?:going to|gonna) (?:do|have|take|answer)|doing|having|taking|"
                        r"answering))\b(?P<part>[^?.!,;]*?)\b"
                        # "is there only one round of questions or another one near the end?"
                        r"(?:later|soon|tonight|today|again|still|coming|to come|(?:at|near|towards?) the end|"
                        r"after this|"
                        r"(?:in|on) (?:the|this) (?:show|stream))\b"
                        r"|(?:还有|还会有|后面还有|待会还有)(?P<zh>[^\W\d_]{1,8}?)(?:环节)?(?:吗|么|没有?|\?|？)")
#: Words of buying and delivery: "any items coming back in stock soon?" asks the store, not the show.
_STORE = re.compile(r"\b(?:stock|restock|back|ship|shipp|shipping|order|deliver|arriv|sale|sold)")
#: A fan's order: what "it" is that leaves, ships or goes out in a message that names no show.
_ORDERED = re.compile(r"\b(?:order(?:s|ed|ing)?|ship\w*|deliver\w*|parcel|package|purchase[sd]?|buy|bought)\b")
_SHOW_NOUN = re.compile(rf"\b{_SHOW}\b|节目|直播")
#: "At what point tonight does the plush get shown": a question about show time without a question mark.
_AT_WHAT_POINT = re.compile(r"^\W*(?:at|by|from) what (?:point|time|minute|stage)\b")
#: A phrase naming a part of the show by what is in it: "the curling bit", "the owl segment".
_PART_WORD = re.compile(r"\b(?:bit|part|segment|section)\b|环节")
_PART_KINDS: tuple[tuple[SegmentType, re.Pattern[str]], ...] = (
    # "the last round of q's": questions as chat shortens them
    ("qa", re.compile(r"\bq ?& ?a\b|\bq and a\b|\bqa\b|\bquestions?\b|\bq'?s\b|提问|问答")),
    ("dance", re.compile(r"\bdanc|跳舞|舞蹈")),
    ("fun_fact", re.compile(r"\bfacts?\b|冷知识")),
)


#: "The last Q&A", "the second dance break", "最后一个问答": which of the show's parts of a kind (1-based; -1 the
#: last), the ordinal right before the part's name.
_ORDINAL = re.compile(r"\b(?P<en>first|1st|second|2nd|third|3rd|last|final)\s+(?:\w+\s+){0,3}?"
                      r"(?:q ?& ?a|q and a|qa|questions?|q'?s|danc\w*|facts?)\b|"
                      r"(?P<zh>最后|第[一二三])(?:一)?(?:个|次)?(?:问答|提问|跳舞|舞蹈|冷知识)")
_ORDINALS = {"first": 1, "1st": 1, "第一": 1, "second": 2, "2nd": 2, "第二": 2, "third": 3, "3rd": 3, "第三": 3,
             "last": -1, "final": -1, "最后": -1}


@dataclass(frozen=True)
class _Asked:
    """What a message asks about the show: its questions, the products of a "will you show …?" ([]: products in
    general; None: it does not ask that), and the part of the show an "after …?" or a "did I miss …?" names."""

    kinds: tuple[ShowQuestion, ...] = ()
    products: tuple[Product, ...] | None = None
    part: Callable[[Segment], bool] | None = None
    part_words: frozenset[str] = frozenset()  # the words naming it: "the last questions" picks last-questions
    ordinal: int | None = None  # "the last Q&A": which of the parts of the kind asked (1-based; -1 the last)
    pick: _Pick | None = None  # "how long is the dance break?": one segment, and what is asked of it

    def __bool__(self) -> bool:
        return bool(self.kinds) or self.products is not None


def _asked(text: str, persona: Persona) -> _Asked:
    """What a message asks about the show (falsy: nothing)."""
    folded_text = folded(text).replace("’", "'")
    questioned = any(is_question(part) for part in sentences_of(text)) or bool(_AT_WHAT_POINT.search(folded_text))
    kinds = {kind for kind, pattern in _ASKED if pattern.search(folded_text)}
    if _ORDERED.search(folded_text) and not _SHOW_NOUN.search(folded_text):
        kinds.discard("end")  # "If I order tonight, when does it leave?": the order leaves, not the host
    kinds |= _parts_asked(folded_text)
    part, phrase = None, ""
    for kind, parts in (("after", _AFTER), ("missed", _MISSED)):
        groups = match.groupdict() if (match := parts.search(folded_text)) is not None else {}
        phrase = next((groups[g] for g in ("part", "done", "told", "over", "happened", "aired", "zh", "broad", "lead")
                       if groups.get(g)), "")
        # The broad "anything after …?" names a product only in a message about the show ("what should I buy after
        # the hoodie?" is not).
        by_product = not (groups.get("broad") or groups.get("lead")) or bool(_SHOW_NOUN.search(folded_text))
        # A fact by its topic where a "did you talk about …?" asks it, or the fan names it as a part of the show
        # ("once the curling bit is done"); "what happens after the Olympics?" is not about the show.
        # "Did the Olympics already happen?" asks the world unless the fan names a part ("the curling bit").
        by_fact = kind == "missed" and not groups.get("happened") or bool(_PART_WORD.search(phrase))
        if (part := _part(phrase, persona, by_product, by_fact) if phrase else None) is not None:
            # The part it names is the question's object ("the Q&A"): what follows it, or whether it is over.
            kinds = (kinds - {"next", "done"}) | {kind}  # type: ignore[arg-type]
            break
    if part is None:
        phrase = ""
        asking = _asking(text)
        kinds |= {kind for kind, pattern in _ASKED_IF_QUESTION if any(pattern.search(part) for part in asking)}
    ordered = tuple(kind for kind in get_args(ShowQuestion) if kind in kinds)
    words = frozenset(tokens(phrase))
    ordinal = _ORDINALS[m.group("en") or m.group("zh")] if (m := _ORDINAL.search(folded_text)) else None
    if questioned and part is None and (pick := _picked(folded_text, persona)) is not None:
        return _Asked(("segment",), None, part, words, ordinal, pick)
    if (ordered and ordered != ("product",)) or not questioned or not _SHOWING.search(folded_text):
        return _Asked(ordered, None, part, words, ordinal)  # "the plush is coming up!" says something; it asks nothing
    if (products := _products_named(text, persona)) is None:
        return _Asked(ordered, None, part, words)
    # "any more products coming up?": the products to come answer it; "any more merch coming up or was the beanie
    # it?" names the one shown already, and asks for more.
    return _Asked((), () if ordered else products, part, words)


#: A question this short is about what it names ("Q&A soon?", "dance break when?"), wherever the name is.
_SHORT_QUESTION = 8


def _asking(text: str) -> list[str]:
    """The parts of a message that ask what a bare name of a part of the show is about: each question sentence's
    last clause, or the whole sentence when it is short. A long message that mentions "before the dance break
    starts" on the way to "how much is the hoodie?" asks about the hoodie."""
    asking = []
    for sentence in sentences_of(text):
        if not is_question(sentence):
            continue
        folded_sentence = folded(sentence).replace("’", "'")
        short = len(tokens(folded_sentence)) <= _SHORT_QUESTION
        asking.append(folded_sentence if short else re.split(r"[,;:，；：]", folded_sentence.rstrip(" ?？!！.。"))[-1])
    return asking


#: The question a part of the show asks about when a fan asks when it is or whether there is more of it.
_PART_QUESTION: dict[SegmentType, ShowQuestion] = {"qa": "qa", "dance": "dance", "fun_fact": "fact",
                                                   "product": "product"}


def _parts_asked(folded_text: str) -> set[ShowQuestion]:
    """The questions of the "when is <part>?" and "is there more <part> later?" families: the kind of part of the
    show they name (questions, dancing, facts; products only in "more … later", and not about stock or orders)."""
    asked: set[ShowQuestion] = set()
    for family in (_WHEN_PART, _MORE_PART):
        for match in family.finditer(folded_text):
            phrase = match.group("part") or (match.groupdict().get("zh") or "")
            kind = _kind_named(phrase)
            if kind is None and family is _MORE_PART and _PRODUCTS.search(phrase) and not _STORE.search(folded_text):
                kind = "product"
            if kind is not None:
                asked.add(_PART_QUESTION[kind])
    return asked


def _kind_named(phrase: str) -> SegmentType | None:
    """The kind of segment a phrase names ("the fan questions": qa), if any."""
    return next((kind for kind, pattern in _PART_KINDS if pattern.search(phrase)), None)


def _part(phrase: str, persona: Persona, products: bool = True,
          facts: bool = False) -> Callable[[Segment], bool] | None:
    """Which segments a phrase names: by kind ("the Q&A", "the dance"), else (when `products`) by a product's name
    ("the plush") or, when `facts` (a "did you talk about …?", "the curling bit"), a fun fact's topic or words
    ("the first Winter Olympics"); None when it names no part of the show ("what happens after the Olympics?")."""
    kind = _kind_named(phrase)
    if kind is not None:
        return lambda segment: segment.type == kind
    words = set(tokens(phrase))
    named = {p.id for p in persona.knowledge.products if words & set(tokens(folded(p.name)))} if products else set()
    if named or not facts:
        return (lambda segment: segment.product in named) if named else None
    # A fun fact by its topic or its words ("the first Winter Olympics"): a tag of it, or two words of its text.
    told = {f.id for f in persona.knowledge.fun_facts
             if words & set(tokens(" ".join(folded(t) for t in f.tags)))
             or len(words & set(tokens(folded(f.text)))) >= 2}
    return (lambda segment: segment.fact in told) if told else None


# -- one segment picked out ---------------------------------------------------------------------------------------

#: What a question asks of the one segment it picks: what it is, how long it runs, how many questions it takes,
#: whether it comes before or after another.
Aspect = Literal["what", "length", "count", "order"]
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
                 "十": 10}
_COUNT = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|[一二两三四五六七八九十])"
#: "At the 8 minute mark", "around minute 8", "第8分钟": a show time, in minutes.
_MARK = re.compile(rf"\b(?:at|around|by) (?:the )?{_COUNT}[- ]?(?:minutes?|mins?)(?: mark| point| in)?\b|"
                   rf"\b(?:at|around) minute {_COUNT}\b|(?:第)?{_COUNT}分钟(?:的时候|时)")
#: "Two segments from now", "the one after next", "再往后第二个环节": that many segments ahead (1: the next).
_AHEAD = re.compile(rf"\b{_COUNT} (?:segments?|parts?|things?) (?:from now|away|ahead|later|down)\b|"
                    r"\b(?P<after_next>after next)\b|(?:往后|后面)第?{_COUNT}个环节")
#: "The very last segment", "the first part of the show", "最后一个环节": the rundown's first or last segment.
#: "How are you closing tonight's show?", "how does the stream end?": what the show ends with, not when ("when does the
#: show end?"), nor how a thing of the world does ("how do you finish a curling match?": the clause must end there).
_ENDS_WITH = (rf"how (?:are|r|do|does|will) (?:you|u|we|{_THE}{_SHOW}) (?:going to |gonna )?"
              rf"(?:end|clos|finish|wrap)\w*(?: (?:things |it )?up)?{_LEAVE_END}")
_EDGE = re.compile(r"\b(?P<en>first|last|final|closing|opening) (?:segment|part|thing|bit|item)\b|"
                   # "What comes at the very end?", "the grand finale": the rundown's last segment.
                   rf"\b(?:(?:grand )?finale|at the (?:very )?end(?: of {_THE}{_SHOW})?(?=\W*(?:$|[?!.,;]|tonight))|"
                   rf"{_ENDS_WITH})|"
                   r"(?P<zh>第一|最后)一?个环节")
_UPCOMING = re.compile(r"\b(?:upcoming|next|coming)\s+(?:\w+\s+)?(?:q ?& ?a|q and a|qa|questions?|danc\w*|facts?)\b|"
                       r"下一?个(?:问答|提问|跳舞|舞蹈|冷知识)")
_PAST = re.compile(r"\b(?:was|were|did|had)\b|刚才|之前")
_ASPECTS: tuple[tuple[Aspect, re.Pattern[str]], ...] = (
    ("order", re.compile(r"\b(?:before or after|after or before)\b|\b(?:is|does|will|are|comes?) (?:the |your )?"
                         r"(?P<a>[^?.!,;]+?) (?:come |happen |be )?(?:before|after) (?:the |your )?(?P<b>[^?.!,;]+)|"
                         r"(?P<za>[^\W\d_]{1,12}?)(?:环节)?在(?P<zb>[^\W\d_]{1,12}?)(?:之前|之后|前面|后面)")),
    # "how many fan questions will you answer?": the questions, whoever's
    ("count", re.compile(r"\bhow many (?:\w+ ){0,2}?(?:questions|qs)\b|几个问题|多少个?问题")),
    ("length", re.compile(r"\bhow long (?:is|will|does|would|'s|are)\b|\bhow (?:many|much) (?:minutes|seconds|time) "
                          r"(?:is|will|does)\b|(?:有|要|持续|进行)?多(?:久|长时间)")),
    ("what", re.compile(rf"\b(?:what|which|wat)\b|\b{_ENDS_WITH}|什么|哪个|啥")),
)


@dataclass(frozen=True)
class _Target:
    """How a fan names one segment: by its kind (with an ordinal, or "upcoming"), a product, the rundown's first or
    last, so many segments ahead, or a show time it starts at."""

    kind: SegmentType | None = None
    ordinal: int | None = None
    upcoming: bool = False
    past: bool = False
    products: frozenset[str] = frozenset()
    edge: int | None = None  # 0: the first segment, -1: the last
    ahead: int | None = None  # 1: the next
    mark: float | None = None  # show time, seconds


@dataclass(frozen=True)
class _Pick:
    """One segment a question picks out ("the first Q&A"), what it asks of it, and for "before or after", the
    other segment."""

    aspect: Aspect
    target: _Target
    other: _Target | None = None


def _count(text: str) -> int | None:
    return int(text) if text.isdigit() else _NUMBER_WORDS.get(text)


def _target(phrase: str, persona: Persona) -> _Target | None:
    """The segment a phrase names, if it names one."""
    if (m := _MARK.search(phrase)) and (n := _count(next(g for g in m.groups() if g))) is not None:
        return _Target(mark=n * 60.0)
    if m := _AHEAD.search(phrase):
        n = 2 if m.group("after_next") else _count(next(g for g in m.groups() if g and g != m.group("after_next")))
        return _Target(ahead=n) if n else None
    if m := _EDGE.search(phrase):
        return _Target(edge=0 if (m.group("en") or m.group("zh")) in ("first", "opening", "第一") else -1)
    if (kind := _kind_named(phrase)) is not None:
        m = _ORDINAL.search(phrase)
        return _Target(kind, _ORDINALS[m.group("en") or m.group("zh")] if m else None,
                       bool(_UPCOMING.search(phrase)), bool(_PAST.search(phrase)))
    words = set(tokens(phrase))
    named = frozenset(p.id for p in persona.knowledge.products if words & set(tokens(folded(p.name))))
    return _Target(products=named) if named else None


def _picked(folded_text: str, persona: Persona) -> _Pick | None:
    """A question about one segment of the show, read as which segment and what of it: "how long will the first
    Q&A run?", "what's on two segments from now?", "is the last Q&A before or after the plush?". None for any
    other question (a bare "when is the Q&A?" is the "qa" question's)."""
    for aspect, pattern in _ASPECTS:
        if (m := pattern.search(folded_text)) is None:
            continue
        if aspect == "order":
            groups = m.groupdict()
            a, b = groups.get("a") or groups.get("za"), groups.get("b") or groups.get("zb")
            if a is None or b is None:  # "is the Q&A before or after the plush?"
                a, _, b = folded_text.partition(m.group(0))
            first, second = _target(a, persona), _target(b, persona)
            return _Pick("order", first, second) if first is not None and second is not None else None
        target = _target(folded_text, persona)
        if target is None or (aspect != "count" and target.products):
            return None  # "how long is the scarf?" asks its size
        if aspect == "count" and target.kind not in (None, "qa"):
            return None
        if aspect == "count":
            return _Pick("count", replace(target, kind="qa"))
        if aspect == "length" and target.kind is None and target.edge is None and target.ahead is None:
            return None  # "how long is the show?" is the show's length
        if aspect == "what" and target.mark is None and target.ahead is None and target.edge is None \
                and target.ordinal is None:
            return None  # "what's the Q&A?" names no one segment the older questions don't
        return _Pick(aspect, target)
    return None


def _resolve(target: _Target, snapshot: ShowSnapshot) -> Segment | None:
    """The segment a target names in this show, if it has one."""
    rundown = _rundown(snapshot)
    if target.mark is not None:
        return next((s for s in rundown if s.at is not None and abs(s.at - target.mark) < 30.0), None)
    if target.ahead is not None:
        return snapshot.to_come[target.ahead - 1] if len(snapshot.to_come) >= target.ahead else None
    if target.edge is not None:
        return rundown[target.edge] if rundown else None
    if target.products:
        return next((s for s in rundown if s.product in target.products), None)
    of_kind = [s for s in rundown if s.type == target.kind]
    if target.past:  # "what was the last fun fact?": of those done
        of_kind = [s for s in of_kind if s in snapshot.done] or of_kind
    if target.ordinal is not None:
        return _nth(of_kind, target.ordinal)
    ahead = [s for s in of_kind if s == snapshot.current or (s in snapshot.to_come and not target.upcoming)] or \
        [s for s in of_kind if s in snapshot.to_come]
    return next(iter(ahead or of_kind[-1:]), None)


def _picked_answer(snapshot: ShowSnapshot, wording: ShowWording, pick: _Pick, persona: Persona) -> list[Sentence]:
    """The answer to a question about one segment, from the rundown: what it is (a fact told: the fact), how long
    it runs, how many questions it takes, whether it comes before or after another."""
    segment = _resolve(pick.target, snapshot)
    if segment is None:
        return [_said(wording.not_in_show)]
    rundown = _rundown(snapshot)
    if pick.aspect == "order" and pick.other is not None:
        other = _resolve(pick.other, snapshot)
        if other is None or other is segment:
            return [_said(wording.not_in_show)]
        relation = wording.relations[rundown.index(segment) > rundown.index(other)]
        return [_said(wording.order.format(relation=relation, other=_name(wording, other)), other)]
    if pick.aspect == "count" and segment.questions is not None:
        return [_said(wording.takes.format(count=segment.questions), segment)]
    if pick.aspect in ("length", "count"):
        return _segment_length(wording, segment)
    name = _name(wording, segment)
    if segment is snapshot.current:
        return [_said(wording.now.format(segment=name), segment)]
    if segment in snapshot.to_come:
        return [_said(wording.then.format(segment=name, when=wording.when(snapshot, segment)), segment)]
    fact = persona.knowledge.fact(segment.fact) if segment.fact else None
    if fact is not None:
        return [_said(wording.fact_was.format(fact=fact.text), segment)]
    return [_said(wording.missed_yes.format(segment=name), segment)]


def _name(wording: ShowWording, segment: Segment) -> str:
    """A segment as the host names it; a line of hers by what she says in it."""
    return wording.segment(segment) or wording.line.format(text=strip_tags(segment.text or "").strip())


def _segment_length(wording: ShowWording, segment: Segment) -> list[Sentence]:
    """How long a segment runs, as the rundown says: its length, its cap, how many questions it takes."""
    name = _name(wording, segment)
    said = []
    if segment.duration is not None:
        said.append(wording.lasts.format(time=wording.length(segment.duration), segment=name))
    elif segment.max_s is not None:
        said.append(wording.lasts_most.format(time=wording.length(segment.max_s), segment=name))
    if segment.questions is not None:
        said.append(wording.takes.format(count=segment.questions))
    return [_said(text, segment) for text in said] or [_said(wording.no_length, segment)]


@dataclass(frozen=True)
class ShowWording:
    """What the host says about the show, in one language: her own words around the rundown's names and times."""

    no_show: str
    not_started: str
    finished: str
    paused: str
    now: str  # {segment}
    now_talking: str
    between: str
    next: str  # {segment} {when}
    next_talk: str  # {when}
    last: str
    after: str  # {segment} {following}
    after_talk: str  # {segment}
    last_part: str  # {segment}
    part_over: str
    ends_in: str  # {minutes}
    ending: str
    runs: str  # {minutes}
    no_end: str  # {left}
    segments_left: tuple[str, str]  # one, more ({count})
    started: str  # {minutes}
    into: str  # {minutes}
    dance_now: str
    coming: str  # {segment} {when}
    dance_no: str
    qa_now: str
    qa_coming: str  # {when}
    qa_no: str
    product_now: str  # {product}
    product_done: str  # {product}
    none_shown: str
    product_absent: str  # {product}
    products_coming: str  # {products}
    no_products: str
    product_next: str  # {segment} {when}
    fact_next: str  # {segment} {when}
    no_facts: str
    rest: str  # {segments}
    missed_now: str  # {segment}
    missed_not: str  # {segment} {when}
    missed_yes: str  # {segment}
    not_in_show: str
    done: str  # {segments}
    done_talk: str
    title: str  # {title}
    another: str  # a show after this one: not known
    after_this: str
    in_time: str  # {minutes}
    not_before: str  # {minutes} {n}: the wait and the show time (whole minutes) a timed segment waits for at least
    on_cue: str
    later: str
    follows: str  # {segment}
    follows_cue: str  # {segment}: after it, once the cue is given
    again: str  # {when}: the next one of the kind after the first to come
    minutes: tuple[str, str, str]  # under a minute, about one, about {n}
    seconds: str  # {n}
    then: str  # {segment} {when}: a segment picked out, to come
    fact_was: str  # {fact}: a fun fact segment done, by what it told
    line: str  # {text}: a line of the host's, by what she says
    order: str  # {relation} {other}
    relations: tuple[str, str]  # before, after
    lasts: str  # {time} {segment}
    lasts_most: str  # {time} {segment}
    takes: str  # {count}
    no_length: str
    named: dict[str, str]  # by segment type: how the host names it ({about}); "fact_any": a fact without a tag
    comma: str  # between the names of a list
    last_comma: str  # before its last name

    def listed(self, names: list[str]) -> str:
        """Segment or product names as a list ("A, B and C", "A、B、C")."""
        return listed(names, self.comma, self.last_comma)

    def segment(self, segment: Segment) -> str:
        """How the host names a segment: its `title`, else from its content ("" for a line: she just talks)."""
        if segment.title is not None:
            return segment.title
        if segment.type == "fun_fact" and segment.about is None:
            return self.named["fact_any"]
        return self.named[segment.type].format(about=segment.about)

    def span(self, seconds: float) -> str:
        """A length of show time as rounded minutes: "less than a minute", "about a minute", "about 7 minutes"."""
        n = round(seconds / 60.0)
        if seconds < 45.0:
            return self.minutes[0]
        return self.minutes[1] if n <= 1 else self.minutes[2].format(n=n)

    def length(self, seconds: float) -> str:
        """A segment's length as the rundown gives it: seconds under a minute and a half, else minutes."""
        return self.seconds.format(n=round(seconds)) if seconds < 90.0 else self.span(seconds)

    def when(self, snapshot: ShowSnapshot, segment: Segment) -> str:
        """When a segment to come starts, as far as the rundown says: right after the current one, at its time
        (if that is later than the current one's end could be), on a cue, or just later in the show."""
        starts_in = snapshot.starts_in(segment)
        at = snapshot.to_come.index(segment) if segment in snapshot.to_come else 0
        if starts_in is not None and starts_in >= 30.0 and segment.at is not None and any(
                s.trigger == "cue" for s in snapshot.to_come[:at]):
            # Its time is a floor ("not before eight minutes") and a segment on a cue comes first: the cue may come
            # late, so the wait is said as the least it is, with the show time it waits for.
            return self.not_before.format(minutes=self.span(starts_in), n=max(1, round(segment.at / 60.0)))
        if starts_in is not None and starts_in >= 30.0:
            return self.in_time.format(minutes=self.span(starts_in))
        if segment is snapshot.next and segment.trigger != "cue":
            return self.after_this
        if segment is snapshot.next:
            return self.on_cue
        # "When is the plush?": it follows the dance break, whose start waits for a cue: that one is the when. A
        # segment on a cue of its own comes after the one before it too, once the cue is given.
        before = self.segment(snapshot.to_come[at - 1]) if at else ""
        if not before or segment.trigger not in ("after", "cue"):
            return self.later
        return (self.follows if segment.trigger == "after" else self.follows_cue).format(segment=before)


SHOW_WORDING = {
    "en": ShowWording(
        no_show="No show is running right now, but I'm happy to chat!",
        not_started="No show is running right now: ours hasn't started yet.",
        finished="Tonight's show is over. Thanks for watching!",
        paused="We're taking a short break in the show right now.",
        now="Right now it's {segment}.", now_talking="Right now I'm just chatting with you all.",
        between="We're between segments right now.",
        next="Next up: {segment}, {when}.", next_talk="Next, I'll say a few words, {when}.",
        last="This is the last part of the show.",
        after="After {segment} comes {following}.", after_talk="After {segment}, I'll say a few words.",
        last_part="After {segment}, the show is over.", part_over="That part of the show is already over.",
        ends_in="The show ends in {minutes}.", ending="We're right at the end of the show.",
        runs="The show is planned to run {minutes}.", no_end="There's no fixed end time: {left}.",
        segments_left=("there's one more segment after this one", "there are {count} more segments after this one"),
        started="We went live {minutes} ago.", into="We're {minutes} into the show.",
        dance_now="We're dancing right now!", coming="Yes, {segment} is still to come, {when}.",
        dance_no="There's no more dancing in tonight's show.",
        qa_now="Right now! Send me your questions.", qa_coming="Questions are coming up: they open {when}.",
        qa_no="There's no Q&A left in tonight's show.",
        product_now="I'm showing the {product} right now!", product_done="I showed the {product} earlier in the show.",
        product_absent="The {product} isn't part of tonight's show.", products_coming="Still to come: the {products}.",
        no_products="There are no more products in tonight's show.", none_shown="I haven't shown any products yet.",
        product_next="The next product is {segment}, {when}.",
        fact_next="Another one is still to come: {segment}, {when}.",
        no_facts="There are no more fun facts in tonight's show.",
        rest="Still to come: {segments}.",
        missed_now="You're just in time: {segment} is on right now!",
        missed_not="Not yet: {segment} is still to come, {when}.",
        missed_yes="That was earlier in the show: {segment}.", not_in_show="That isn't part of tonight's show.",
        done="So far in the show: {segments}.", done_talk="So far I've just been chatting with you all.",
        title="This is {title}.",
        another="I don't know yet when the next show is or what it will have, so I won't guess.",
        after_this="right after this", in_time="in {minutes}",
        not_before="in {minutes} at the earliest, {n} minutes into the show", on_cue="as soon as we're ready",
        later="later in the show", follows="right after {segment}", follows_cue="after {segment}, once we're ready",
        again="And again {when}.",
        minutes=("less than a minute", "about a minute", "about {n} minutes"),
        seconds="{n} seconds", then="That's {segment}, {when}.", fact_was="That one was this: {fact}",
        line='me saying "{text}"', order="That one comes {relation} {other}.", relations=("before", "after"),
        lasts="That's {time} of {segment}.", lasts_most="That's up to {time} of {segment}.",
        takes="I'm taking {count} questions in that one.", no_length="That one has no set length.",
        named={"product": "the {about}", "fun_fact": "a fun fact about {about}", "fact_any": "a fun fact",
               "qa": "your questions", "dance": "a dance break", "line": ""},
        comma=", ", last_comma=" and "),
    "zh": ShowWording(
        no_show="现在没有节目在进行，不过我很乐意陪你聊天！",
        not_started="现在没有节目在进行：我们的节目还没开始。",
        finished="今天的节目已经结束啦，谢谢观看！",
        paused="节目现在正在短暂休息。",
        now="现在是{segment}。", now_talking="现在我就是在和大家聊天。",
        between="现在是两个环节之间。",
        next="接下来是{segment}，{when}。", next_talk="接下来我会说几句话，{when}。",
        last="这是节目的最后一个环节。",
        after="{segment}之后是{following}。", after_talk="{segment}之后我会说几句话。",
        last_part="{segment}之后节目就结束了。", part_over="那个环节已经结束了。",
        ends_in="节目{minutes}后结束。", ending="节目马上就要结束了。",
        runs="节目计划播{minutes}。", no_end="节目没有固定的结束时间，{left}。",
        segments_left=("这个环节之后还有1个环节", "这个环节之后还有{count}个环节"),
        started="我们{minutes}前开播的。", into="节目已经播了{minutes}。",
        dance_now="现在就是跳舞时间！", coming="有的！后面还有{segment}，{when}。",
        dance_no="今天的节目后面没有跳舞环节了。",
        qa_now="就是现在！把问题发给我吧。", qa_coming="提问环节在后面，{when}。",
        qa_no="今天的节目后面没有问答环节了。",
        product_now="现在介绍的就是{product}！", product_done="{product}刚才已经介绍过了。",
        product_absent="{product}不在今天的节目里。", products_coming="后面还会介绍{products}。",
        no_products="今天的节目后面没有商品介绍了。", none_shown="还没有介绍过商品。",
        product_next="下一个商品是{segment}，{when}。",
        fact_next="下一个是{segment}，{when}。", no_facts="今天的节目后面没有冷知识了。",
        rest="后面还有：{segments}。",
        missed_now="你来得正好，现在正在进行！", missed_not="还没有呢：{segment}还在后面，{when}。",
        missed_yes="那个环节刚才已经结束了：{segment}。", not_in_show="今天的节目里没有这个环节。",
        done="节目到现在已经有：{segments}。", done_talk="到现在我一直在和大家聊天。",
        title="这是{title}。",
        another="下一期节目什么时候播我还不知道，所以不乱猜日子和时间。",
        after_this="这个环节结束后就开始", in_time="{minutes}后开始",
        not_before="最早{minutes}后，节目第{n}分钟开始", on_cue="准备好就开始", later="稍后就到",
        follows="{segment}之后就到", follows_cue="{segment}之后，准备好就开始", again="之后还有一次，{when}。",
        minutes=("不到一分钟", "大约1分钟", "大约{n}分钟"),
        seconds="{n}秒", then="那是{segment}，{when}。", fact_was="那个冷知识是：{fact}", line="我说“{text}”",
        order="那个环节在{other}{relation}。", relations=("之前", "之后"),
        lasts="{segment}有{time}。", lasts_most="{segment}最多{time}。", takes="那个环节我会回答{count}个问题。",
        no_length="那个环节没有固定的时长。",
        named={"product": "{about}", "fun_fact": "关于{about}的冷知识", "fact_any": "一个冷知识", "qa": "问答环节",
               "dance": "跳舞环节", "line": ""},
        comma="、", last_comma="、"),
}


def is_show_question(text: str, persona: Persona) -> bool:
    """Whether a message asks about the show (answer_show answers it)."""
    return bool(_asked(text, persona))


def answer_show(text: str, snapshot: ShowSnapshot | None, persona: Persona,
                before: str = "", buying: bool = False) -> list[Sentence] | None:
    """The host's answer to a message's questions about the show, in the persona's language; None when the
    message asks nothing about the show. `snapshot`: where the show stands (None: no show loaded); `before`: the
    fan's questions about the show since the last that named a part of it (`show_thread`), which a bare "and after
    that?" follows; `buying`: the message asks to buy a product it names, which is no show question ("before the
    dance break starts, how much is the hoodie?") unless it asks for the show's products to come ("any more merch
    coming up, or was the beanie it?") or a show after this one."""
    wording = SHOW_WORDING[persona.language]
    # "whats on now aurora": her name, said to her at the end, is no part of what is asked.
    text = re.sub(rf",?\s+{re.escape(persona.name)}(?=\W*$)", "", text, flags=re.IGNORECASE)
    asked = _asked(text, persona)
    if buying and asked.products != () and "another" not in asked.kinds:
        return None
    if "another" in asked.kinds:
        # The rundown is this show alone, whatever state it is in: a show after it is not known.
        return [_sentence(wording.another, "thinking", "shrug")]
    if before and snapshot is not None and _THEN.search(folded(text)) and \
            (named := _named_in(before, snapshot, persona)) is not None:
        return _lead(snapshot, _following(snapshot, wording, named))
    if snapshot is not None and (again := _said_again(text, snapshot, persona)) is not None:
        return _lead(snapshot, [again])
    if not asked:
        return None
    if snapshot is None or snapshot.state == "ready":
        return [_sentence(wording.no_show if snapshot is None else wording.not_started, "neutral", "shake_head")]
    if snapshot.state == "finished":
        return [_sentence(wording.finished, "happy", "wave")]
    said = [] if snapshot.state == "running" else [_sentence(wording.paused, "neutral", None)]
    for kind in asked.kinds:
        if kind == "segment" and asked.pick is not None:
            said += _picked_answer(snapshot, wording, asked.pick, persona)
        elif kind in _PART_ANSWERS:
            said += _PART_ANSWERS[kind](snapshot, wording, asked)
        elif kind in _STILL_TO_COME:
            said += _still_to_come(snapshot, wording, kind, asked.ordinal)
        else:
            said += _ANSWERS[kind](snapshot, wording)
    if asked.products is not None:
        said += _product_answer(snapshot, wording, asked.products)
    # Two wordings of one question ("how long till it ends?" asks the end and the time left) get one answer.
    return _lead(snapshot, list({sentence.text: sentence for sentence in said}.values()))


#: "Wait what did u just say about curling stones?", "what was that about the Olympics?": the fan missed a fact the
#: show told, named by its topic or words (a bare "what did you say?" may be about the fan's own conversation).
_SAID_ABOUT = re.compile(r"\bwhat (?:did|was) (?:you|u|she) (?:just |only )?(?:say|said|saying|tell us|telling us) "
                         r"(?:about|on) (?P<about>[^?.!,;]+)|\bwhat was (?:that|the fact) (?:about|on) "
                         r"(?P<that>[^?.!,;]+)|"
                         # "What's the fact you're on right now about?": the one on now, said.
                         rf"\b{_WHAT_IS} (?P<current>the (?:current |fun )?fact(?: (?:you'?re|you are|we'?re|we are) "
                         r"(?:on|telling|doing)| on)?(?: right now| now)?) about\b|"
                         # "what's the fact right now? something about scotland?": the fact on now asked for itself.
                         rf"\b{_WHAT_IS} (?P<now>the (?:current |fun )?fact (?:right now|now|at the moment|rn))\b|"
                         # "what fact are you on right now?", "which fact is this?": the one on now is the answer,
                         # not only its topic.
                         r"\b(?P<which>(?:what|which) (?:fun )?fact (?:are|r) (?:you|u|we) (?:on|telling|doing)|"
                         r"(?:what|which) (?:fun )?fact is (?:this|that|on))\b|"
                         # "sorry what was the fact you just said?", "what fact did u just tell us?", "say the last
                         # fact again": the one told last (on now, or the newest done), whatever its topic.
                         r"\b(?P<last>what (?:was|were|is|s) (?:the|that) (?:fun )?fact(?: again| (?:you|u) just "
                         r"(?:said|told us|told|mentioned|shared|read)| (?:you|u) "
                         r"(?:said|told us|mentioned|shared|read)(?=\W*(?:$|[?!.,;])))|"
                         r"what (?:fun )?fact (?:did|was) (?:you|u) just (?:say|said|tell|told|"
                         r"mention|share)|(?:repeat|say|tell us|read) (?:the|that) (?:last |previous )?(?:fun )?fact "
                         r"(?:again|once more)|what was the (?:last|previous) (?:fun )?fact)\b|"
                         # "what was the island with the curling stones you just said?", "which was the town you
                         # mentioned": the thing is named by the fact that told it, which is the answer.
                         r"\b(?:what|which) (?:was|is|s|were) (?:the|that) (?P<thing>[^?.!,;]+?) (?:that )?"
                         r"(?:you|u|she) (?:just |only )?(?:said|mentioned|told us|talked about|named|"
                         r"were talking about)\b")


def _said_again(text: str, snapshot: ShowSnapshot, persona: Persona) -> Sentence | None:
    """The fact the show told last (on now, or done) that a "what did you just say about …?" names, said again;
    None when the message asks no such thing or names no fact the show has told."""
    asked = _SAID_ABOUT.search(folded(text))
    if asked is None or snapshot.state not in ("running", "paused"):
        return None
    current = (snapshot.current,) if snapshot.current is not None else ()
    if asked.group("current") or asked.group("now") or asked.group("which"):
        segment = next((seg for seg in current if seg.fact is not None), None)
    elif asked.group("last"):
        segment = next((seg for seg in reversed((*snapshot.done, *current)) if seg.fact is not None), None)
    elif asked.group("thing"):
        # "the island you just said": the newest fact told that has a word of the thing the fan names (it was
        # just said, so one word is enough: "the scottish island" of a fact about an island off Scotland).
        words = set(tokens(asked.group("thing")))
        segment = next((seg for seg in reversed((*snapshot.done, *current))
                        if (fact := persona.knowledge.fact(seg.fact or "")) is not None
                        and words & set(tokens(folded(" ".join((fact.text, *fact.tags)))))), None)
    else:
        names = _part(next(g for g in asked.groups() if g), persona, facts=True)
        told = (*snapshot.done, *current)
        segment = next((seg for seg in reversed(told) if seg.fact is not None and names is not None and names(seg)),
                       None)
    fact = None if segment is None else persona.knowledge.fact(segment.fact or "")
    return None if fact is None else Sentence(fact.text, (fact.id,))


def _lead(snapshot: ShowSnapshot, said: list[Sentence]) -> list[Sentence]:
    """The answer, its first sentence led by a happy nod while the show runs."""
    first = said[0]
    lead = "" if snapshot.state != "running" else f"{emotion_tag('happy')} {gesture_tag('nod')} "
    return [Sentence(f"{lead}{first.text}", first.sources, first.product), *said[1:]]


#: "And after that?", "then what?", "然后呢": the segment after the one the fan's last show question was about.
_THEN = re.compile(r"^\W*(?:(?:and|so|ok|okay|k|oh|cool|right|alright|nice)\W+)*(?:then what|and then|what then|"
                   r"(?:what(?:'s| is| comes| happens) |what about )?after that(?: one| bit| part| segment)?)\W*$|"
                   r"^\W*(?:那)?(?:然后|之后|再之后|那之后)(?:呢|是什么|是啥)\W*$")


def show_thread(before: str, question: str) -> str:
    """The fan's questions about the show to remember after `question`, one a line: `before` and it when it is a
    bare "and after that?" (a chain of them walks on through the rundown), else it alone."""
    return f"{before}\n{question}" if before and _THEN.search(folded(question)) else question


def _named_in(thread: str, snapshot: ShowSnapshot, persona: Persona) -> Segment | None:
    """The segment a thread of questions about the show (`show_thread`) was last about: the one its first question
    picked out, on now, or next, then one segment further for each "and after that?" after it."""
    first, *thens = thread.split("\n")
    segment = _first_named(first, snapshot, persona)
    rundown = _rundown(snapshot)
    for _ in thens:
        if segment is None or segment is rundown[-1]:
            return None
        segment = rundown[rundown.index(segment) + 1]
    return segment


def _rundown(snapshot: ShowSnapshot) -> tuple[Segment, ...]:
    """The show's segments in order: done, on now, to come."""
    return (*snapshot.done, *((snapshot.current,) if snapshot.current is not None else ()), *snapshot.to_come)


def _nth(segments: Sequence[Segment], ordinal: int) -> Segment | None:
    """The `ordinal`-th of the segments (1-based; -1 the last), if there is one."""
    at = ordinal - 1 if ordinal > 0 else ordinal
    return segments[at] if -len(segments) <= at < len(segments) else None


def _first_named(question: str, snapshot: ShowSnapshot, persona: Persona) -> Segment | None:
    """The segment an answered question about the show was about: the one it picked out, on now, or next."""
    asked = _asked(question, persona)
    if asked.pick is not None:
        return _resolve(asked.pick.target, snapshot)
    if "now" in asked.kinds or "elapsed" in asked.kinds:
        return snapshot.current
    if "next" in asked.kinds:
        return snapshot.next
    kinds = [_STILL_TO_COME[k][0] for k in asked.kinds if k in _STILL_TO_COME]
    return snapshot.first_to_come(kinds[0]) if kinds else None


def _following(snapshot: ShowSnapshot, wording: ShowWording, segment: Segment) -> list[Sentence]:
    """What follows a segment in the rundown; the show's end after the last one."""
    rundown = _rundown(snapshot)
    at = rundown.index(segment)
    part = _name(wording, segment)
    if at + 1 == len(rundown):
        return [_said(wording.last_part.format(segment=part), segment)]
    following = rundown[at + 1]
    name = wording.segment(following)
    text = wording.after.format(segment=part, following=name) if name else wording.after_talk.format(segment=part)
    return [_said(text, following)]


# -- the answers --------------------------------------------------------------------------------------------------

def _sentence(text: str, emotion: str, gesture: str | None, sources: tuple[str, ...] = (),
              product: Product | None = None) -> Sentence:
    tags = f"{emotion_tag(emotion)} {gesture_tag(gesture)}" if gesture else emotion_tag(emotion)
    return Sentence(f"{tags} {text}", sources, product)


def _said(text: str, segment: Segment | None = None) -> Sentence:
    """A sentence naming a segment states what the rundown says of its product or fact: those are its sources."""
    if segment is None:
        return Sentence(text)
    return Sentence(text, tuple(s for s in (segment.product, segment.fact) if s is not None))


def _now(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    if snapshot.state == "paused":
        return []  # the answer starts by saying the show is on a break: that is what is on now
    current = snapshot.current
    if current is None:
        return [_said(wording.between), *_next(snapshot, wording)]
    name = wording.segment(current)
    return [_said(wording.now.format(segment=name) if name else wording.now_talking, current)]


def _next(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    following = snapshot.next
    if following is None:
        return [_said(wording.last)]
    name, when = wording.segment(following), wording.when(snapshot, following)
    return [_said(wording.next.format(segment=name, when=when) if name else wording.next_talk.format(when=when),
                  following)]


def _left(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    left = snapshot.time_left
    if left is None:
        count = len(snapshot.to_come)
        if count == 0:
            return [_said(wording.last)]
        segments = wording.segments_left[count > 1].format(count=count)
        return [_said(wording.no_end.format(left=segments))]
    if left < 30.0:
        return [_said(wording.ending)]
    return [_said(wording.ends_in.format(minutes=wording.span(left)))]


def _length(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    if snapshot.end is None:
        return _left(snapshot, wording)
    return [_said(wording.runs.format(minutes=wording.span(snapshot.end))), *_left(snapshot, wording)]


def _elapsed(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    """"How far into the show are we?": the show time so far, then what is on now."""
    return [_said(wording.into.format(minutes=wording.span(snapshot.show_time))), *_now(snapshot, wording)]


def _start(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    return [_said(wording.started.format(minutes=wording.span(snapshot.show_time)))]


#: The "is there more <part>?" answers by question: the kind of segment, and the wording's answers when one is on
#: now (None: the one on now is not "the next one"), when one is still to come ({segment} {when}), when none is.
_STILL_TO_COME: dict[ShowQuestion, tuple[SegmentType, Callable[[ShowWording], tuple[str | None, str, str]]]] = {
    "dance": ("dance", lambda w: (w.dance_now, w.coming, w.dance_no)),
    "qa": ("qa", lambda w: (w.qa_now, w.qa_coming, w.qa_no)),
    "product": ("product", lambda w: (None, w.product_next, w.no_products)),
    "fact": ("fun_fact", lambda w: (None, w.fact_next, w.no_facts)),
}


def _still_to_come(snapshot: ShowSnapshot, wording: ShowWording, question: ShowQuestion,
                   ordinal: int | None = None) -> list[Sentence]:
    """Whether a segment of the kind asked is on now or still to come, and when the first one to come starts
    ("when is the next product?": the first after this segment); with an `ordinal` ("the last Q&A"), that one of
    the whole rundown's segments of the kind: on now, to come (and when) or over."""
    kind, answers = _STILL_TO_COME[question]
    now, coming, none = answers(wording)
    if ordinal is not None:
        chosen = _nth([s for s in _rundown(snapshot) if s.type == kind], ordinal)
        if chosen is None:
            return [_said(none)]
        if chosen in snapshot.done:
            return [_said(wording.part_over, chosen)]
        if chosen != snapshot.current:
            return [_said(coming.format(segment=wording.segment(chosen), when=wording.when(snapshot, chosen)),
                          chosen)]
    if now is not None and snapshot.current is not None and snapshot.current.type == kind:
        return [_said(now, snapshot.current)]
    later = snapshot.first_to_come(kind)
    if later is None:
        return [_said(none)]
    said = [_said(coming.format(segment=wording.segment(later), when=wording.when(snapshot, later)), later)]
    # A part asked about as a kind ("will you take questions again later?") may come twice: the second time too.
    again = next((s for s in snapshot.to_come if s.type == kind and s is not later), None) if now else None
    return said if again is None else [*said, _said(wording.again.format(when=wording.when(snapshot, again)), again)]


def _done(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    """"What did I miss?": the segments before this one, as the host names them (her lines say nothing to list),
    then what is on now."""
    names = list(dict.fromkeys(name for name in map(wording.segment, snapshot.done) if name))
    said = _said(wording.done.format(segments=wording.listed(names)) if names else wording.done_talk)
    sources = tuple(dict.fromkeys(s for segment in snapshot.done for s in (segment.product, segment.fact) if s))
    return [Sentence(said.text, sources), *_now(snapshot, wording)]


def _shown(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    """"Which product did you already show?": the products of the segments done, as the rundown names them."""
    spots = [s for s in snapshot.done if s.type == "product" and s.about is not None]
    if not spots:
        return [_said(wording.none_shown)]
    names = wording.listed(list(dict.fromkeys(s.about for s in spots if s.about is not None)))
    return [Sentence(wording.product_done.format(product=names), tuple(s.product or "" for s in spots))]


def _title(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    return [_said(wording.title.format(title=snapshot.title))]


def _after(snapshot: ShowSnapshot, wording: ShowWording, asked: _Asked) -> list[Sentence]:
    """What follows the part of the show a fan names: of the parts on now or to come that fit, the one whose id
    or title shares most words with the fan's ("the last questions"), else the first."""
    ahead = (*((snapshot.current,) if snapshot.current is not None else ()), *snapshot.to_come)
    fits = [i for i, segment in enumerate(ahead) if asked.part is not None and asked.part(segment)]
    if not fits:
        return [_said(wording.part_over), *_next(snapshot, wording)]
    at = max(fits, key=lambda i: (len(asked.part_words & _named_by(ahead[i])), -i))
    return _following(snapshot, wording, ahead[at])


def _missed(snapshot: ShowSnapshot, wording: ShowWording, asked: _Asked) -> list[Sentence]:
    """"Did I miss the dance?": on now, still to come (and when), or over; a part the show does not have, so."""
    # Of the parts that fit, the one sharing most words with the fan's ("the figure skating fact"), else the one
    # on now, else the first to come, else the last done.
    order = [*((snapshot.current,) if snapshot.current is not None else ()), *snapshot.to_come,
             *reversed(snapshot.done)]
    fits = [i for i, segment in enumerate(order) if asked.part is not None and asked.part(segment)]
    if not fits:
        return [_said(wording.not_in_show), *_next(snapshot, wording)]
    segment = order[max(fits, key=lambda i: (len(asked.part_words & _named_by(order[i])), -i))]
    name = wording.segment(segment)
    if segment is snapshot.current:
        return [_said(wording.missed_now.format(segment=name), segment)]
    if segment in snapshot.to_come:
        return [_said(wording.missed_not.format(segment=name, when=wording.when(snapshot, segment)), segment)]
    return [_said(wording.missed_yes.format(segment=name), segment)]


def _rest(snapshot: ShowSnapshot, wording: ShowWording) -> list[Sentence]:
    """"What's still to come?": the segments after this one, as the host names them."""
    names = list(dict.fromkeys(name for name in map(wording.segment, snapshot.to_come) if name))
    if not names:
        return [_said(wording.last)]
    sources = tuple(dict.fromkeys(s for segment in snapshot.to_come for s in (segment.product, segment.fact) if s))
    return [Sentence(wording.rest.format(segments=wording.listed(names)), sources)]


_PART_ANSWERS: dict[ShowQuestion, Callable[[ShowSnapshot, ShowWording, _Asked], list[Sentence]]] = {
    "after": _after, "missed": _missed}
_ANSWERS: dict[ShowQuestion, Callable[[ShowSnapshot, ShowWording], list[Sentence]]] = {
    "elapsed": _elapsed, "done": _done, "now": _now, "next": _next, "end": _left, "left": _left, "length": _length,
    "start": _start, "rest": _rest, "title": _title, "shown": _shown}


def _named_by(segment: Segment) -> set[str]:
    """The words a segment's id, title and topic name it by."""
    return set(tokens(f"{segment.id.replace('-', ' ')} {segment.title or ''} {segment.about or ''}"))


def _products_named(text: str, persona: Persona) -> tuple[Product, ...] | None:
    """The persona's products a "will you show …?" message names (by a word of the name or a tag); [] when it
    asks about products in general; None when it names none (it is not about the show's products)."""
    words = set(tokens(folded(text)))
    by_name = [p for p in persona.knowledge.products if words & set(tokens(folded(p.name)))]
    # A word of a name ("the plush") is what the fan means; a tag ("something warm") only when no name fits.
    named = by_name or [p for p in persona.knowledge.products if words & {folded(t) for t in p.tags}]
    if named:
        return tuple(named)
    return () if _PRODUCTS.search(folded(text)) else None


def _product_answer(snapshot: ShowSnapshot, wording: ShowWording, products: tuple[Product, ...]) -> list[Sentence]:
    """Each named product: shown now, to come (and when), shown already, or not in the show; none named: the
    products still to come."""
    if not products:
        spots = [s for s in snapshot.to_come if s.type == "product" and s.about is not None]
        if not spots:
            return [_said(wording.no_products)]
        names = wording.listed([s.about for s in spots if s.about is not None])
        return [Sentence(wording.products_coming.format(products=names), tuple(s.product or "" for s in spots))]
    said = []
    for product in products:
        if snapshot.current is not None and snapshot.current.product == product.id:
            text = wording.product_now.format(product=product.name)
        elif spot := next((s for s in snapshot.to_come if s.product == product.id), None):
            text = wording.coming.format(segment=wording.segment(spot), when=wording.when(snapshot, spot))
        elif any(s.product == product.id for s in snapshot.done):
            text = wording.product_done.format(product=product.name)
        else:
            text = wording.product_absent.format(product=product.name)
        said.append(Sentence(text, (product.id,), product))
    return said
