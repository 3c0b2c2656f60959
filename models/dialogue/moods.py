"""What the fan is doing besides asking for knowledge: the moods a message expresses (sadness, grief, a
compliment, thanks, a greeting), and whether it asks anything at all or about buying.

Small lexicons rather than a model: a producer can read them, and a wrong guess costs only the opener.
English and Chinese lexicons both apply to every message, whatever the persona's language: fans write in their
own language and mix scripts ("谢谢 Aurora!"), and neither set can match the other's script. They match the
message's folded form (words.folded), so traditional characters and full-width letters count too.
"""

from __future__ import annotations

import re
from typing import Literal

from models.dialogue.languages import has_phrase, in_english
from models.dialogue.words import folded
from models.tts import sentences_of

#: Saying goodbye to one's own ("had to say goodbye to my cat this morning", "we put our old dog down today"): a
#: loss, not the fan leaving the chat.
_LOSS = (r"(?:say|said|saying|says) (?:a (?:last|final) )?goodbye to (?:my|our)\b|"
         r"put (?:my|our) (?:\w+ ){0,2}(?:down|to sleep)\b|(?:was|were|got|had to be) put (?:down|to sleep)\b")
_SAD = re.compile(
    r"\b(?:sad|unhappy|upset|depressed|heartbroken|devastated|crying|cried|lonely|miserable|gutted|"
    rf"passed away|died|dead|funeral|{_LOSS}|lost my|lost our|we lost|they lost|my team lost|injur(?:ed|y)|broke my|"
    # Something that spoiled the fan's day ("the sold-out gloves ruined my afternoon"): a disappointment, met kindly.
    r"(?:ruined|ruins|wrecked|spoiled|spoilt) my (?:whole |entire )?(?:day|morning|afternoon|evening|night|week|"
    r"weekend|mood)|broken (?:leg|arm|wrist|ankle)|sick|in hospital|got cut|bad news|terrible day|awful day|rough day|"
    r"didn't make it|did not make it|failed|miss (?:him|her|them|my)|"
    # A person lost, at work too ("lost a patient tonight", "we lost a resident this week").
    r"lost (?:a|another|one of (?:my|our)) (?:patients?|residents?|friends?|loved one|baby|pregnancy|colleagues?|"
    r"co-?workers?|family members?|pupils?|students?)|"
    # A bad day or week in a fan's own words ("had the worst day at work", "such a rough week").
    r"(?:worst|bad|hard|tough|rough|terrible|awful|horrible|crappy|shitty|exhausting|stressful) "
    r"(?:day|week|night|month|year|shift)|stressed(?: out)?|exhausted|burn(?:ed|t) out|heartbreak|"
    # Tiredness ("so tired, 12 hour shift", "dead on my feet, still 5 hours of work"): the fan needs a kind word, not
    # facts (a long shift alone is no mood: "keeps my tea hot thru a 12 hr shift" asks for a bottle).
    r"(?:i'?m|i am|feeling|feel|so|soo+|dead|bone|dog|been|getting|always) tired|^\W*tired\b|knackered|"
    r"worn out|wiped out|dead on my feet|running on (?:fumes|empty|no sleep)|(?:barely|can'?t) keep my eyes open|"
    r"(?:feel|feeling|felt) (?:down|low|blue|bad|awful|terrible|horrible|sad|miserable|lousy|crappy|rubbish|awful|"
    r"rotten|gutted|horrid|like crap|like rubbish|like shit)|"
    r"(?:got|been|was|were|am|i'm|being) (?:fired|laid off|dumped|made redundant|let go|sacked)|lost my job|broke up|"
    # A rejection: not getting into the school, team or job one wanted ("i didn't get into the university").
    r"(?:didn'?t|did not|never) (?:get|got) (?:into|in|accepted|picked|selected|chosen|the job|the part|the place)|"
    r"(?:didn'?t|did not) make the (?:team|cut|squad)|(?:got|been|was|were) (?:rejected|turned down)|"
    # Loneliness and being laid up, in a fan's own words ("I feel so alone tonight", "I got hurt skiing and now
    # I'm stuck at home", "nobody to watch with").
    r"(?:feel|feeling|felt|am|i'm|so|all) (?:so |really |very |pretty |kind of |kinda )?(?:alone|isolated|left out)|"
    r"no ?one to (?:talk|watch|hang out) (?:to|with)|nobody to (?:talk|watch|hang out) (?:to|with)|"
    r"(?:got|get|been|was|am|i'm) (?:badly |really )?hurt|hurt my|(?:stuck|laid up|bedridden|housebound) "
    r"(?:at home|at work|at the office|at the airport|in bed|inside|in hospital)|"
    r"(?:sprained|twisted|fractured|tore|torn) my|in a cast|on crutches|"
    # A pet or someone gone: "my cat ran away and hasn't come back".
    r"ran away|went missing|gone missing|(?:hasn'?t|has not|never) (?:come|came) (?:back|home)|"
    # Worry for a pet or a person who is ill ("my cat is at the vet and I'm so worried", "worried sick about my
    # dad"): sad news, not nerves about an exam to come.
    r"at the (?:vet|vets|vet's|animal hospital|hospital|er)|in (?:the )?(?:icu|intensive care|surgery)|"
    r"worried sick|(?:worried|worrying|scared) (?:about|for) (?:my|our|him|her|them)|"
    # Missing what the fan looked forward to ("my flight got cancelled so i'm missing the final", "can't make it
    # tonight"): sad news, whatever the thing missed is (its word may be one the host talks about).
    r"(?:got|been|was|were|is|are) (?:cancell?ed|called off)|(?:can'?t|cannot|won'?t|couldn'?t) make it|"
    r"(?:(?:i'?m|i am|i'll|i will|gonna|going to) (?:be |have to )?miss|^\W*missing)(?:ing)? (?:the|it|out|my|our|"
    r"this|tonight)|"
    # A journey gone wrong ("missed my bus again and it's pouring", "just missed the last train home").
    r"(?:missed|just missed) (?:my|the|our) (?:\w+ )?(?:train|bus|flight|plane|connection|ferry|tram|ride|lift))\b|"
    # Sorry for one's own low mood ("sorry for being a downer", "sorry to vent", "sorry for bringing the mood down"):
    # the fan is sad, and kindness answers it.
    r"\bsorry (?:for|about|to) (?:being|be|bringing|bring|killing|kill|ruining|ruin|the) (?:such )?(?:a |so )?"
    r"(?:downer|bummer|buzzkill|killjoy|wet blanket|negative|gloomy|depressing|sad|down|(?:the |everyone'?s |your )"
    r"(?:mood|vibe)|everyone down|you down)|"
    r"\bsorry (?:for|about|to) (?:the )?(?:vent|venting|rant|ranting|moan|moaning|trauma ?dump(?:ing)?)\b|"
    # A sad face says it without words.
    r"[😞😔😟🙁☹😢😿💔]",
    re.IGNORECASE)
#: Nerves before something to come ("so nervous about my exam tomorrow", "big race tomorrow, I'm terrified"):
#: the fan needs courage, not sympathy for news.
_NERVES = re.compile(r"\b(?:i'?m|i am|im|so|feeling|feel|getting|really|very|super|pretty|kinda|a bit)\s+"
                     r"(?:so\s+|really\s+|very\s+|super\s+|pretty\s+)?(?:nervous|anxious|jittery|scared|terrified)\b|"
                     r"\b(?:freaking out|butterflies|dreading|wish me luck)\b", re.IGNORECASE)
#: A nervous face: nerves in a message that asks nothing ("exam tomorrow 😬"); in a question it grimaces at the question
#: ("skiing or curling, if you could only keep one 😬").
_NERVOUS_FACE = re.compile("[😬😰]")
_ZH_NERVES = re.compile(r"紧张|焦虑|好慌|害怕|祝我好运")
#: Words that only strengthen a mood ("feeling *really* down", "a *pretty* rough day"): dropped before the mood
#: lexicon is matched, so its phrases hold whichever intensifiers a fan puts between their words.
_INTENSIFIER = re.compile(
    r"\b(?:so|really|very|pretty|quite|super|totally|extremely|incredibly|truly|just|kind of|kinda|sort of|"
    r"a bit|a little bit|a little|rather|fairly|seriously|absolutely|such an?)\s+", re.IGNORECASE)
_GRIEF = re.compile(rf"\b(?:passed away|died|dead(?! on my feet| tired)|funeral|heartbroken|devastated)\b|"
                    rf"\b(?:{_LOSS})", re.IGNORECASE)
#: Words that praise (the host's look, voice, show).
_PRAISE = (r"amazing|awesome|beautiful|pretty|great|gorgeous|stunning|lovely|cute|fantastic|wonderful|incredible|"
           r"brilliant|perfect|adorable|fabulous|nice|cool|elegant")
#: "You are" as fans write it; chat spelling is written out first ("ur" reads "your", "u r" "you are"), so "your" counts
#: before what only "you're" takes ("your so sweet", "your the goat").
#: "ur honestly so lovely": a word that only stresses the praise may come first.
_STRESSED = r"(?:(?:honestly|truly|literally|just|seriously)\s+)?"
_YOU_ARE = rf"(?:(?:you(?:'re| are)|youre|your(?=\s+{_STRESSED}(?:such|so|a|an|the|total|absolute|real|really|" \
           rf"very)\b))\s+{_STRESSED})"
_COMPLIMENT = re.compile(
    # "You are very good host": a good host, presenter or streamer, with an article or without.
    r"\byou(?:'re| are)\s+(?:an?\s+)?(?:so\s+|really\s+|very\s+)?(?:good|great|nice|lovely)\s+"
    r"(?:host|presenter|streamer)\b|"
    # "you're so lovely", "you are a lovely young lady": what she is, with an article or without.
    rf"\b(?:{_YOU_ARE}(?:so\s+|really\s+|very\s+|such\s+an?\s+|the\s+|"
    r"an?\s+(?:very\s+|really\s+)?)?(?:amazing|awesome|beautiful|pretty|"
    r"great|best|wonderful|lovely|cute|funny|cool|talented|adorable|gorgeous|brilliant|incredible|fantastic|"
    # "you are a very nice young lady" ("you're nice to ask" thanks for nothing yet)
    r"nice(?!\s+(?:to|if|and\s+\w+\s+to)\b)|"
    r"sweet|sweetest|kind(?!\s+of)|kindest|nicest|loveliest|coolest|greatest|funniest|prettiest|cutest|"
    # her mind and humour are praised as her looks are ("you're so smart and funny", "you're hilarious")
    r"smart|smartest|clever|witty|hilarious|charming|intelligent|knowledgeable|entertaining|wholesome|fun)|"
    # "ngl you're the coolest host ever", "best streamer": praise of her as a host, no question about being one.
    r"love (?:you|u|your|the show|this show|this stream)|"
    r"(?:best|coolest|greatest|nicest|funniest) (?:host|streamer|presenter)|great job|well done|you rock|big fan|"
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
    # "best stream on the whole internet": the best of them is praise too; "best stream to watch curling?" asks.
    rf"^\W*(?:(?:what|such) an? |the )?(?:{_PRAISE}|fun|best) (?:show|stream)(?! (?:to|for)\b)|"
    rf"\byou(?:'re| are) doing (?:so )?(?:great|amazing|"
    rf"awesome|fantastic|well)|(?:this|the|your) (?:show|stream) (?:is|was) (?:so |really )?"
    rf"(?:{_PRAISE}|the best|fun)|"
    # "this show makes my day every single time", "you always make my evenings better", "you always cheer me up",
    # "my week is better because of you": what she does for the fan is praise with no praise word.
    # A request ("can you cheer me up with a fact?") is no praise.
    rf"(?<!can )(?<!could )(?<!would )(?<!will )"
    rf"\b(?:you|u|(?:this|the|your) (?:show|stream)) (?:always |really |just |honestly |truly )?"
    rf"(?:(?:make|makes|made) my (?:whole |entire )?(?:days?|nights?|evenings?|weeks?)|(?:cheer|cheers|cheered) me up|"
    # "you made my nan smile today", "this show makes us laugh every week": joy she gives the fan or their own.
    rf"(?:make|makes|made) (?:me |us |(?:my|our) (?:\w+ ){{1,2}}?)(?:so |really |very )?(?:smile|laugh|happy)\b)|"
    rf"\b(?:better|brighter|happier) (?:because of|thanks to) (?:you|u|this (?:show|stream))|"
    # "You explain curling better than the tv commentators": praise by comparison, no praise word; "do you like
    # skiing better than…" asks her taste.
    rf"(?<!do )(?<!did )(?<!can )(?<!could )(?<!would )(?<!will )\b(?:you|u) "
    rf"(?!(?:like|prefer|love|enjoy|think|rate|want|find)\b)\w+ (?:\w+ ){{0,3}}better than\b|"
    rf"\byou(?:'ve| have)? (?:always |really |just )?(?:brighten|brightens|brightened) my|"
    # Chat's slang praise of her or what she does ("ur fun facts go crazy fr", "this stream goes hard", "your
    # explanations hit different", "the show is fire"): no praise word, the slang is the praise.
    rf"\b(?:you|your (?:\w+ ){{0,2}}?\w+|(?:this|the) (?:show|stream)) (?:(?:really|honestly|lowkey|literally|"
    rf"always|just) )?(?:go(?:es)? (?:crazy|hard|off)|hit(?:s)? different|slaps?|(?:is|are) (?:fire|goated|elite|"
    rf"bussin|lit|so fire))(?=\s*(?:$|[^\w\s]|(?:fr|frfr|no cap|ngl|tbh|tho|lol|lmao|omg|istg|honestly|"
    rf"every time|tonight|today)\b)))", re.IGNORECASE)
#: "You're a legend", "ur the goat" (chat spelling makes it "your the goat"): the fan calls her something grand, no
#: praise word needed.
_GRAND = re.compile(rf"\b{_YOU_ARE}"
                    r"(?:such\s+|so\s+|a\s+|an\s+|the\s+|my\s+|total\s+|"
                    r"absolute\s+|real\s+)*(?:legend|star|gem|queen|icon|goat|sweetheart|angel|treasure|sunshine)s?\b",
                    re.IGNORECASE)
#: Happy news of the fan's own ("I just landed my first 360", "we won the final!", "passed my exam 🎉").
_NEWS = re.compile(r"\b(?:i|we|i've|we've|i have|we have)\s+(?:just\s+|finally\s+)?(?:landed|won|passed|nailed|"
                   r"made it|finished|completed|beat|got engaged|got married|got (?:the|my) (?:job|place|spot))\b|"
                   # One's family's or team's win is news too ("my daughter just won her first race!!!"); not
                   # "passed" ("my nan passed last night" is grief).
                   r"\b(?:my|our) \w+ (?:just |finally )?(?:won|landed|nailed|beat|got engaged|got married)\b|"
                   r"\bmy (?:very )?first\b.*!|🎉|🥳|🏆|"
                   # A first done alone ("my little girl skated all on her own for the first time today!!", "my son
                   # rode his bike by himself"): a child's or the fan's own milestone, told with joy.
                   r"\b(?:my|our) (?:\w+ )?(?:girl|boy|son|daughter|kid|kids|child|baby|little one|grandson|"
                   r"granddaughter|grandkids?)\b[^?]*\b(?:for the (?:very )?first time|"
                   r"(?:all )?on (?:her|his|their) own|(?:all )?by (?:herself|himself|themselves)|"
                   # "my son just said his first word", "our girl took her first steps": a child's first, told.
                   r"(?:said|says|took|takes|did|scored|made|lost|walked|skated|skied|rode|read|wrote) "
                   r"(?:his|her|their) (?:very )?first)\b|"
                   r"\b(?:for the (?:very )?first time|(?:all )?on my own|(?:all )?by myself)\b[^?]*!|"
                   # A skill at last ("my kids finally learned to skate backwards", "I can finally do a kickflip"):
                   # "finally" makes it news ("I learned to ski in Austria" only tells where).
                   r"\b(?:i|we|(?:my|our) (?:\w+ ){0,2}?\w+)\s+(?:(?:just|finally) )*finally\s+(?:(?:learned|learnt|"
                   r"managed|figured out how) to|(?:can|could) (?:now )?\w+)\b|"
                   r"\b(?:i|we|(?:my|our) (?:\w+ ){0,2}?\w+)\s+(?:can|could) finally\b|"
                   # "just got engaged", "it's my birthday today 🎂": the news without the "I".
                   r"^\W*(?:just|finally) (?:got engaged|got married|passed|won|landed)\b|"
                   r"\b(?:it'?s|today is|today'?s) my (?:birthday|bday)\b|\bmy (?:birthday|bday) (?:is )?today\b|🎂|💍|"
                   # "my daughter was born this morning!", "we had a baby", "I got promoted": a life's happy news.
                   r"\b(?:was|were) born\b|\b(?:had|having|expecting) (?:a|our|my) (?:baby|son|daughter|first)\b|"
                   r"\bgot promoted\b|\b(?:i|we) (?:just )?graduated\b|"
                   # A best of the fan's own ("hit 4 of 5 targets today, personal best!", "new PB on the 5k"; an
                   # athlete's is "her personal best").
                   r"(?<!the )(?<!his )(?<!her )(?<!their )(?<!its )\b(?:personal (?:best|record)|"
                   r"new (?:pb|pr|best|record)s?|set (?:a|my) (?:new )?(?:pb|pr|record))\b|"
                   # "I'm so happy!", "we're over the moon": the fan's own joy ("happy to see you", "happy with my
                   # hoodie" and "happy for you" say something else).
                   r"\b(?:i'?m|i am|we'?re|we are)\s+(?:so\s+|really\s+|very\s+|just\s+)*(?:happy|thrilled|overjoyed|"
                   r"over the moon)\b(?!\s+(?:to|with|for|about)\b)",
                   re.IGNORECASE)
#: A thing that came and is loved ("the plush arrived and my daughter LOVES it", "the mittens came today and my niece
#: won't take them off"): joy at one's own's delight, no achievement to congratulate ("my dad loves it", of a sport,
#: is no delight; "my mum loves it when you talk about curling" praises her).
_DELIGHT = re.compile(r"\b(?:arrived|came|got here|delivered|unwrapped|opened)\b[^?]*\b(?:my|our) (?:\w+ ){1,2}"
                      r"(?:(?:just |really |absolutely )?(?:loves|loved|adores|adored) (?:it|them)\W*$|"
                      r"(?:won'?t|will not|wouldn'?t|can'?t|refuses to|hasn'?t|has not) (?:let go of|put|take) "
                      r"(?:it|them)(?: down| off)?\b|(?:is|was) (?:obsessed with|in love with) (?:it|them)\b)",
                      re.IGNORECASE)
#: Tears that may be of joy ("crying rn, she LOVES it 😭❤️"): with happy news or love in the message, no sadness.
_TEARS = re.compile(r"\b(?:crying|cried|tears)\b|😭|(?<![笑动])哭(?!死)")
_JOY = re.compile(r"\b(?:loves? it|loved it|so happy|happy tears|tears of joy|over the moon)\b|❤|🥰|😍",
                  re.IGNORECASE)
_ZH_NEWS = re.compile(r"我(?:终于|刚刚|刚)?(?:赢了|考上了|通过了|成功了|拿到了)|出生了|🎉|🥳|🏆")
#: A fan leaving: "bye!", "good night aurora", "gotta go", "see you next time", "later Aurora!" (her name or any one
#: word after "later" or "night", the whole message: "later in the show" is no goodbye; "how long till goodbye?" and
#: "when's your goodbye?" ask when hers is).
_GOODBYE = re.compile(r"(?<!til )(?<!till )(?<!before )(?<!the )(?<!your )"
                      r"\b(?:bye+|byee+|goodbye(?! to (?:my|our|his|her|their)\b)|good ?night|g'?night|nite|"
                      r"night night|gotta go|got to go|have to go|"
                      r"see (?:you|u|ya) (?:later|tomorrow|next time|soon)|cya|signing off|off to bed|"
                      r"go(?:ing)? to bed|going to sleep)\b|^\W*(?:night|later)(?:\W+\w+)?\W*$", re.IGNORECASE)
_ZH_GOODBYE = re.compile(r"拜拜|再见|晚安|下次见|先走了|去睡了")
#: Thanks, also in the words a fan's own language has for it ("danke schön", "merci", "arigato") and as praise of the
#: help ("very helpful", "that helped"): chat is international, and these thank as "thanks" does.
_THANKS = re.compile(r"\b(?:thank(?:s|x| you| u| ya)?|thanx|thnx|thnks|thx|ty|tysm|tyvm|tyty|cheers|"
                     r"appreciate (?:it|that|you|u)|much appreciated|many thanks|"
                     r"danke|dankesch(?:ö|oe?)n|gracias|merci|arigato|arigatou|obrigad[oa]|grazie|"
                     r"(?:very|so|really|super|most) helpful|(?:that|this|it|you) helped)\b", re.IGNORECASE)
_GREETING = re.compile(r"^\W*(?:hi+|hello+|hey+|heya|hiya|howdy|yo|sup|hai|helo|good (?:morning|afternoon|evening)|"
                       # chat's "good morning": "gm aurora!!", "gmorning", "mornin"
                       r"greetings|morning|evening|gm|gmorning|g'?mornin'?|mornin'?|"
                       r"(?:so |really )?(?:good|nice|great|glad|happy|lovely) to (?:see|meet) (?:you|u)|"
                       r"long time no see|(?:i'?m |just )?back from)\b|"
                       # A fan back in the chat says so anywhere ("back from my meeting, hi again everyone").
                       r"\b(?:welcome back|i'?m back|back again|(?:hey|hi|hello) again)\b|"
                       # A hello at the end ("watching from Dubai with my cousins, good evening!") and a newcomer's
                       # "first time here": "have a good evening" says goodbye.
                       r"(?<!\ba )(?<!\bthe )(?<!\bnice )\bgood (?:morning|afternoon|evening)(?:\W+\w+)?\W*$|"
                       r"\b(?:(?:my )?first time (?:here|watching|in (?:the )?chat|"
                       r"on (?:the|this|your) (?:stream|show|channel))|(?:i'?m |im )?new here)\b", re.IGNORECASE)
#: Chat spelling read as the words it stands for before a question is looked up ("wat r the shiping times").
_CHAT_SPELLING = {"rn": "right now", "wat": "what", "wot": "what", "wut": "what", "whats": "what's", "wats": "what's",
                  "r": "are", "u": "you", "ur": "your",
                  "hw": "how", "wen": "when", "whn": "when", "wher": "where", "plz": "please", "pls": "please",
                  "cn": "can", "abt": "about", "bc": "because", "cuz": "because", "wanna": "want to",
                  "gonna": "going to", "gimme": "give me", "dunno": "don't know", "thru": "through",
                  "teh": "the", "da": "the", "duz": "does", "sho": "show", "hav": "have", "iz": "is",
                  "fav": "favourite", "fave": "favourite", "hru": "how are you", "thicc": "thick",
                  "smth": "something", "sth": "something", "mch": "much", "mutch": "much",
                  # "n what colours?", "does it cum in red", "b4 the show": a word by its sound, where nothing else
                  # is meant in chat
                  "n": "and", "cum": "come", "b4": "before", "gud": "good", "gr8": "great", "ppl": "people",
                  "bout": "about", "thnx": "thanks",
                  # Scots and northern English: "what are we on the noo?" is "right now"
                  "the noo": "right now",
                  # the "g" of "-ing" dropped ("tell me somethin about luge", "anythin fun?")
                  "somethin": "something", "sumthin": "something", "anythin": "anything", "nothin": "nothing",
                  # "can i by the merch": after a subject "by" is the verb it sounds like, never the preposition
                  "i by": "i buy", "we by": "we buy", "u by": "you buy", "you by": "you buy"}
#: The common chat words of a fan's first language (German, Spanish, French, Italian, Portuguese, Dutch, Swedish), as
#: chat mixes them into English ("cuanto cuesta the beanie??", "bonne nuit aurora", "ist der hoodie noch da?", "quanto
#: costa la borraccia? the thermal bottle", "tack så mycket Aurora"), read as their English: a greeting greets, thanks
#: thank, a goodbye says goodbye and the question is answered as the English one would be.
_FOREIGN = {
    # the price
    "cuanto cuesta": "how much is", "cuánto cuesta": "how much is", "wie viel kostet": "how much is",
    "wieviel kostet": "how much is", "combien coûte": "how much is", "combien coute": "how much is",
    "quanto costa": "how much is", "quanto custa": "how much is",
    "hur mycket kostar": "how much is", "vad kostar": "how much is", "hoeveel kost": "how much is",
    "hoeveel kosten": "how much are", "wat kost": "how much is", "hur mycket": "how much", "hoeveel": "how much",
    "c'est combien": "how much is it", "combien": "how much",
    "pris": "price", "prijs": "price",
    "precio": "price", "preis": "price", "prix": "price", "prezzo": "price", "preço": "price", "preco": "price",
    # greetings and goodbyes ("buenas noches" opens a message as often as it ends one: at the start it greets)
    "hola": "hello", "olá": "hello", "oi": "hi", "hallo": "hello", "bonjour": "hello", "salut": "hi",
    "servus": "hello", "moin": "hello", "hej": "hi", "hejsan": "hi", "hallå": "hello", "hoi": "hi",
    # Japanese as chat writes it (romaji), and the honorific after her name ("konnichiwa aurora-chan")
    "konnichiwa": "hello", "konnichi wa": "hello", "konichiwa": "hello", "ohayo": "good morning",
    "ohayou": "good morning", "ohayō": "good morning", "konbanwa": "good evening", "sumimasen": "excuse me",
    "nedan": "price", "ikura": "how much",
    # praise as chat writes it from Japanese, Indonesian, Portuguese and Spanish ("sugoi, you're so kawaii")
    "kawaii": "cute", "kawaī": "cute", "sugoi": "amazing", "sugoii": "amazing", "kakkoii": "cool", "cantik": "pretty",
    "imut": "cute", "lucu": "cute", "keren": "cool", "fofa": "cute", "fofo": "cute", "linda demais": "so pretty",
    "bonita": "pretty", "hermosa": "beautiful", "preciosa": "beautiful", "maravilhosa": "wonderful",
    "god morgon": "good morning", "god kväll": "good evening", "goedemorgen": "good morning",
    "goedemiddag": "good afternoon", "goedenavond": "good evening", "god natt": "good night", "godnatt": "good night",
    "welterusten": "good night", "hej då": "bye", "hejdå": "bye", "doei": "bye", "tot ziens": "goodbye",
    "vi ses": "see you later", "tot later": "see you later",
    "buenos días": "good morning", "buenos dias": "good morning", "buenas tardes": "good afternoon",
    "buenas noches": "good evening", "buenas": "hello", "guten morgen": "good morning", "guten tag": "hello",
    "guten abend": "good evening", "bonsoir": "good evening", "saludos": "greetings",
    # two-word hellos of the languages chat writes from (Finnish, Czech, Slovak, Polish, Portuguese, Italian, Danish)
    "hyvää iltaa": "good evening", "hyvää huomenta": "good morning", "hyvää päivää": "hello",
    "dobrý večer": "good evening", "dobrý den": "hello", "dobré ráno": "good morning",
    "dobrý deň": "hello", "dzień dobry": "hello", "dobry wieczór": "good evening", "dobry wieczor": "good evening",
    "bom dia": "good morning", "boa tarde": "good afternoon", "boa noite": "good evening", "buona sera": "good evening",
    "buonasera": "good evening", "buongiorno": "good morning", "god aften": "good evening",
    "bonne nuit": "good night", "gute nacht": "good night", "adiós": "bye", "adios": "bye", "tschüss": "bye",
    "tschüs": "bye", "tschau": "bye", "ciao": "bye", "au revoir": "goodbye", "auf wiedersehen": "goodbye",
    "hasta luego": "see you later", "hasta mañana": "see you tomorrow", "à bientôt": "see you soon",
    "a bientot": "see you soon", "bis später": "see you later", "bis morgen": "see you tomorrow",
    # thanks
    "tack så mycket": "thanks so much", "tusen tack": "thanks so much", "tack": "thanks",
    "dank je wel": "thank you so much", "dank u wel": "thank you so much", "dank je": "thank you",
    "dank u": "thank you", "bedankt": "thanks",
    # asking to be told
    "erzähl mir": "tell me", "erzähl mal": "tell me", "erzähle mir": "tell me", "sag mir": "tell me",
    "was über": "something about", "algo sobre": "something about", "quelque chose sur": "something about",
    "kann ich": "can I", "puedo": "can I", "je peux": "can I",
    "berätta om": "tell me about", "berätta": "tell me", "vertel me": "tell me", "vertel": "tell me",
    "geef me": "give me", "iets over": "something about", "något om": "something about", "något kul": "something fun",
    "leuk weetje": "fun fact", "een leuk weetje": "a fun fact", "weetje": "fact", "kul": "fun",
    "cuéntame": "tell me", "cuentame": "tell me", "dime": "tell me",
    "dame": "give me", "dammi": "give me", "gib mir": "give me", "donne-moi": "give me", "un dato": "a fact",
    "dato": "fact",
    "raconte-moi": "tell me", "dis-moi": "tell me", "dato curioso": "fun fact", "datos curiosos": "fun facts",
    "fait amusant": "fun fact", "anécdota": "fun fact", "curiosità": "fun fact", "curiosita": "fun fact",
    "curiosidade": "fun fact", "curiosidades": "fun facts",
    # an anecdote and "about" in the languages chat writes them in ("une anecdote sur le curling", "uma anedota sobre
    # hóquei", "Anekdote über Curling", "fakta menarik tentang luge")
    "une anecdote": "a fun fact", "anecdote sur": "fun fact about", "anedota": "fun fact", "aneddoto": "fun fact",
    "anekdote": "fun fact", "ciekawostka": "fun fact", "ciekawostki": "fun facts", "fakta menarik": "fun fact",
    "sobre": "about", "sur": "about", "über": "about", "tentang": "about",
    "bitte": "please", "por favor": "please", "s'il vous plaît": "please", "s'il te plaît": "please",
    "svp": "please",
    # about her
    "wie alt bist du": "how old are you", "cuántos años tienes": "how old are you",
    "cuantos años tienes": "how old are you", "quel âge as-tu": "how old are you", "quel age as tu": "how old are you",
    "quanti anni hai": "how old are you", "quantos anos você tem": "how old are you", "tudo bem": "how are you",
    "come stai": "how are you", "hoe gaat het": "how are you", "hur mår du": "how are you",
    "hoe oud ben je": "how old are you", "hur gammal är du": "how old are you",
    # paying, stock and time
    "bezahlen mit": "pay with", "zahlen mit": "pay with", "pay mit": "pay with", "pagar con": "pay with",
    "payer avec": "pay with", "payer par": "pay with", "kreditkarte": "credit card",
    "tarjeta de crédito": "credit card", "tarjeta": "card", "carte bancaire": "card", "carte de crédit": "credit card",
    "ist der": "is the", "ist die": "is the", "ist das": "is the", "noch da": "still in stock",
    "noch verfügbar": "still available", "todavía hay": "is there still", "aún hay": "is there still",
    "encore dispo": "still available", "encore disponible": "still available", "è disponibile": "is it available",
    "disponibile": "available", "está disponível": "is it available", "disponível": "available",
    "disponivel": "available", "spedite": "do you ship", "spedisci": "do you ship", "enviam": "do you ship",
    "vocês enviam": "do you ship", "quanto manca": "how long till", "quanto falta": "how long till",
    "quando finisce": "when does it end", "quando termina": "when does it end", "cuándo termina": "when does it end",
    "cuando termina": "when does it end", "cuándo acaba": "when does it end", "cuando acaba": "when does it end",
    "quand finit": "when does it end", "wann endet": "when does it end",
    # "når does the show finish?": the question word alone, the rest in English
    "når": "when", "när": "when", "hvornår": "when", "wanneer": "when",
    "cuánto tiempo queda": "how much time is left", "cuanto tiempo queda": "how much time is left",
    "cuánto tiempo falta": "how much time is left", "cuanto tiempo falta": "how much time is left",
    "quanto tempo falta": "how much time is left", "quanto tempo resta": "how much time is left",
    "quanto tempo manca": "how much time is left",
    "cuánto tiempo": "how much time", "cuanto tiempo": "how much time", "quanto tempo": "how much time",
    "combien de temps reste": "how much time is left", "ile czasu": "how much time", "hoeveel tijd": "how much time",
    "berapa lama": "how long", "berapa lama lagi": "how much longer",
    "cuánto tarda": "how long does it take", "cuanto tarda": "how long does it take",
    "cuántos días": "how many days", "cuantos dias": "how many days", "combien de jours": "how many days",
    "combien de temps": "how long", "wie lange": "how long", "hur länge": "how long", "hoe lang duurt": "how long is",
    "hoe lang": "how long", "är": "is", "showen": "the show", "de show": "the show", "streamen": "the stream",
    "op voorraad": "in stock", "på lager": "in stock", "skickar ni": "do you ship", "verzenden jullie": "do you ship",
    "versand": "shipping", "lieferung": "delivery", "nach deutschland": "to germany", "jetzt": "now",
    "gerade": "right now"}
_CHAT_SPELLING |= _FOREIGN
# Longest first: "cuánto tarda" is read whole before any shorter word inside it.
_CHAT_WORD = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_CHAT_SPELLING, key=len, reverse=True))) + r")\b",
                        re.IGNORECASE)
_FOREIGN_WORD = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(_FOREIGN, key=len, reverse=True))) + r")\b",
                           re.IGNORECASE)
_QUESTION = re.compile(
    # "What a fun stream!" exclaims, without a question mark it asks nothing.
    # A discourse word or an exclamation may lead ("ok thx. now whats the cheapest kids thing", "ok so how much",
    # "OMG 😍 IS THE PLUSH STILL IN STOCK"): it does not hide the question word.
    r"\?|^\W*(?:(?:now|so|ok(?:ay)?|and|also|well|then|but|btw|oh|alright|right|omg|wow|whoa|woah|lol|ooh)\W+){0,3}"
    r"(?:what(?!\s+an?\s)|how|who|when|where|why|which|is|are|do|does|did|can(?!['\u2019]t)|could|will|would|"
    r"should|tell (?:me|us)|explain)\b|\b(?:tell (?:me|us)|wondering|wants? to know|curious)\b|"
    # "like are you animated live or pre recorded": "like" before a yes-or-no question of her asks it ("like what
    # age are you" after a question in another language only says that question again).
    r"^\W*like\W+(?:are|is|do|does|did|can|could|will|would)\s+(?:you|it|this|she)\b|"
    # "skiing or curling, if you could only keep one": which one, asked without a question's words.
    r"\bif (?:you|u) (?:could|can|had to|have to|were to) (?:only )?(?:keep|pick|choose|have|save|watch|do) "
    r"(?:one|1)\b",
    re.IGNORECASE)
#: Chat's asides, which end a clause in a message written without punctuation ("the hoodie looks fire fr how much").
#: Where a yes-or-no question to her opens in a run of chat ("im 8 do you like snow"): "do you", "are you".
_ASKS_HER = re.compile(r"\s+(?=(?:do|does|did|can|could|would|will|are|have)\s+you\s+\w)", re.IGNORECASE)
_ASIDE = re.compile(r"\b(?:ngl|fr|frfr|tbh|tho|lowkey|highkey|imo|imho|istg|lol|lmao|omg)\b", re.IGNORECASE)
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

Mood = Literal["sad", "grief", "news", "joy", "nerves", "compliment", "thanks", "goodbye", "greeting"]


def detect_moods(text: str) -> list[Mood]:
    """What the fan expresses besides any question, strongest first (chat spelling read: "love ur hair")."""
    text = spelled_out(folded(text))
    moods: list[Mood] = []
    delight = bool(_DELIGHT.search(text))
    news = bool(_NEWS.search(text) or _ZH_NEWS.search(text))
    if _sad(_TEARS.sub(" ", text) if delight or news or _JOY.search(text) else text):
        moods.append("grief" if _GRIEF.search(text) or _ZH_GRIEF.search(text) else "sad")
    elif delight:
        moods.append("joy")
    elif news:
        moods.append("news")
    elif _NERVES.search(text) or _ZH_NERVES.search(text) or _NERVOUS_FACE.search(text) and not is_question(text):
        moods.append("nerves")
    if _COMPLIMENT.search(text) or _GRAND.search(text) or _ZH_COMPLIMENT.search(text):
        moods.append("compliment")
    if _THANKS.search(text) or _ZH_THANKS.search(text):
        moods.append("thanks")
    if _GOODBYE.search(text) or _ZH_GOODBYE.search(text):
        moods.append("goodbye")
    if _GREETING.search(text) or _ZH_GREETING.search(text):
        moods.append("greeting")
    return moods


def _sad(text: str) -> bool:
    return bool(_SAD.search(text) or _SAD.search(_INTENSIFIER.sub("", text)) or _ZH_SAD.search(text))


_RUN_ON = re.compile(r"\s+(?=(?:so|and|but)\s)", re.IGNORECASE)
#: An emoji ends a clause as a comma does; a flag too (two regional indicators: "grüezi from zürich 🇨🇭 how old r u").
_CLAUSE_END = re.compile("[,;:\u2600-\u27bf\U0001F1E6-\U0001F1FF\U0001F300-\U0001FAFF]+")
#: After a hello, the filler before a question's opening: a garbled name, "from <place>", "uh" (up to four words).
#: Only openers that do not start a relative clause ("hi from a dad who is watching", "hi, love how you talk" ask
#: nothing).
_AFTER_HELLO = re.compile(r"^\W*(?:[^\W\d_]+\W+){1,4}?(?=(?:how|what(?!\s+an?\s)|why)(?:['\u2019]?s)?\s+"
                          r"(?!(?:i|you|we|they|she|he|it)\b)|"
                          r"(?:are|is|do|does|did|can|could|will|would)\s+(?:you|it|this|they|she)\b)", re.IGNORECASE)


def is_question(text: str) -> bool:
    """The message asks something: a question mark, or a sentence that opens as a question, after a hello too
    ("thx!! how much r the gloves", "hi how r u"), chat spelling read as words."""
    text = spelled_out(folded(text))
    # "hiii how r u", "hello Aurora, what do you sell": a question after the hello or its comma.
    # An emoji ends a clause as a comma does ("she only wears pink 💗 what can she have").
    parts = [text, _without(_GREETING, text), *sentences_of(text)[1:], *_CLAUSE_END.split(text)[1:]]
    if _GREETING.search(text):
        parts.append(re.sub(r"^\W*\w+", "", parts[1]))  # "yo aurora wats the price": the hello and her name
        # "yo aurora ngl the hoodie looks fire fr how much is it tho": after a hello, chat's asides ("ngl", "fr")
        # stand where punctuation would, and the question after one is no less a question.
        parts += _ASIDE.split(parts[1])[1:]
        # "hey a roar uh how old are you" (voice to text's garbling of her name), "hello from zurich how old r u": a
        # few words of filler after the hello, then a question's opening with no punctuation between.
        parts.append(_AFTER_HELLO.sub("", parts[1], count=1))
        # "hi aurora this is my dads account im 8 do u like snow": a yes-or-no question to her opens mid-message,
        # no punctuation before it.
        parts += _ASKS_HER.split(parts[1])[1:]
    # "hi aurora so im watching with my brother and ... so how much is it": a run-on message's "so", "and" or "but"
    # starts a clause where punctuation would, and a question there is no less a question.
    parts += _RUN_ON.split(text)[1:]
    return any(_QUESTION.search(part) or _ZH_QUESTION.search(part) for part in parts)


def is_product_question(text: str) -> bool:
    """The message asks about buying or a price ("how much", "in stock", "多少钱")."""
    return bool(_PRODUCT.search(folded(text)))


#: A hello of a fan's own language that is some other word elsewhere greets at the start of a message only:
#: "ciao" says goodbye too ("ciao Aurora! quanti anni hai?"), French "moi" is "me", Dutch "dag" a day; and "hei hei
#: from Trondheim 🇳🇴", "moi moi", "ahoj z Prahy" greet as "hello" does.
_HELLO_FIRST = re.compile(r"^(\W*)(?:ciao|hei|moi|terve|moikka|ahoj|dag|tere|szia|cze[śs][ćc]|merhaba|salve)\b",
                          re.IGNORECASE)


def spelled_out(text: str) -> str:
    """Chat spelling read as the words it stands for ("wat r the shiping times" → "what are the shiping times")."""
    text = in_english(_HELLO_FIRST.sub(r"\1hello", text))
    return _CHAT_WORD.sub(lambda m: _CHAT_SPELLING[m.group(0).lower()], text)


def has_foreign(text: str) -> bool:
    """The message has a chat word of a fan's first language ("quanto costa", "curiosidade", "olá", "terima
    kasih")."""
    text = folded(text)
    return bool(_FOREIGN_WORD.search(text) or has_phrase(text))


def without_greetings(text: str) -> str:
    """A folded message less its English and Chinese hellos: what is left may still ask something."""
    return _without(_ZH_GREETING, _without(_GREETING, text))


def without_product_words(text: str) -> str:
    """A message less the words that ask about buying or a price: what is left says which product, or what else."""
    return _without(_PRODUCT, text)


def _without(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(" ", text)
