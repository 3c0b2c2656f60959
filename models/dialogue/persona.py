"""The persona: who the host is, how she talks, what she must not discuss, and what she knows.

A persona is a YAML file (see models/dialogue/data/default_persona.yaml, the embedded default of `serve`).
`load_persona` validates it and raises SpecError naming file, line and field for anything off.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from models.dialogue.spec import Fields, Node, SpecError, compose, load_root
from models.dialogue.tags import check_tags
from models.face.emotion import EMOTIONS
from models.tts import VoiceStyle
from models.tts.espeak_voice import EspeakSettings, espeak_source

#: Phrase kinds every persona writes in its own voice; the value is the placeholders each may use.
PHRASE_KINDS: dict[str, tuple[str, ...]] = {
    "greeting": ("name",),          # a fan says hello
    "fact_intro": ("name",),        # before a fun fact
    "product_intro": ("name", "product"),  # before a product's price
    "call_to_action": ("name", "product", "price"),  # after the price
    "faq_intro": ("name",),         # before an FAQ answer
    "partial": ("name",),           # before a related fact that may not be exactly what was asked
    "catalogue": ("name",),         # before the list of products in the store
    "sympathy": ("name",),          # a fan shares sad news
    "compliment_thanks": ("name",),  # a fan pays a compliment
    "thanks_reply": ("name",),      # a fan says thank you
    "unknown": ("name",),           # nothing relevant in the knowledge base
    "refusal": ("name", "topic"),   # a forbidden topic or a blocked word
    "injection": ("name",),         # "ignore your instructions..."
}
#: Phrase kinds a persona may write; left out, the language's default below is used (personas written before
#: these existed keep loading). The value is the placeholders each may use.
OPTIONAL_PHRASE_KINDS: dict[str, tuple[str, ...]] = {
    "how_are_you": ("name",),       # "How are you today?"
    "clarify": ("name", "options"),  # a name that fits several products: which one?
    "no_subject": ("name",),        # "how much is it?" from a fan with nothing discussed yet
    "nothing_more": ("name",),      # "tell me more" when she has told all she knows on the subject
    "not_sold": ("name",),          # "do you sell ski boots?": a product the store does not have
    "my_name": ("name",),           # "what's your name?"
    "goodbye": ("name",),           # a fan says good night or bye
    "congratulations": ("name",),   # a fan shares happy news of their own ("I just landed my first 360!")
    "joy": ("name",),               # a thing that came is loved ("the plush arrived and my niece won't let go of it")
    "encouragement": ("name",),     # a fan is nervous about something to come ("big exam tomorrow, so nervous")
}
DEFAULT_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "how_are_you": ("I'm doing great, thanks for asking!", "I'm having a lovely time, thank you!"),
        "clarify": ("Do you mean the {options}?",),
        "no_subject": ("Which one do you mean? Tell me the product or the topic and I'll help.",),
        "nothing_more": ("That's everything I know about that one, but ask me anything else!",),
        "not_sold": ("Sorry, that's not something the official store sells. Ask me what it does have!",),
        "my_name": ("I'm {name}, your host tonight!",),
        "goodbye": ("Bye for now, thanks for hanging out! Take care and see you next time!",),
        "congratulations": ("Congratulations, that's amazing! I'm so proud of you!",),
        "joy": ("Aww, that's so sweet! I'm so glad it's loved!",),
        "encouragement": ("Aww, nerves just mean it matters to you. You've got this, good luck!",),
    },
    "zh": {
        "how_are_you": ("我很好，谢谢关心！", "今天状态超好，谢谢你！"),
        "clarify": ("你是说{options}吗？",),
        "no_subject": ("你说的是哪一个呀？告诉我商品或者话题的名字吧。",),
        "nothing_more": ("关于这个我知道的就这些啦，还想问点别的吗？",),
        "not_sold": ("抱歉，官方小店没有卖这个哦，想知道店里有什么可以问我！",),
        "my_name": ("我是{name}，今天的主持人！",),
        "goodbye": ("拜拜，谢谢你来陪我！下次见，照顾好自己！",),
        "congratulations": ("恭喜你，太厉害了！真为你骄傲！",),
        "joy": ("哇，太暖心了！真高兴大家这么喜欢！",),
        "encouragement": ("紧张说明你很在乎，你一定可以的，加油！",),
    },
}
#: A product's stock as the store reports it (`stock:`); left out, the host does not say.
STOCK_STATES = ("in_stock", "low_stock", "sold_out", "preorder")

MAX_ITEMS = 500
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CNY": "¥"}
#: The languages a persona may speak in (its phrases, knowledge and answers): English and Mandarin Chinese.
LANGUAGES = ("en", "zh")


#: A voice's scales (0 excluded) and gain, as a persona or an avatar config sets them.
VOICE_SCALES = (0.0, 10.0)
VOICE_VOLUME = (0.0, 4.0)
VOICE_STYLE_FIELDS = ("length_scale", "noise_scale", "noise_w_scale", "volume")


@dataclass(frozen=True)
class VoiceSettings:
    """Which voice and how it speaks: `model` a Piper .onnx, an espeak-ng voice (`espeak-ng:cmn`, the Mandarin one)
    or None, the bundled voice."""

    model: Path | EspeakSettings | None = None
    length_scale: float | None = None
    noise_scale: float | None = None
    noise_w_scale: float | None = None
    volume: float = 1.0

    def style(self) -> VoiceStyle:
        return VoiceStyle(self.length_scale, self.noise_scale, self.noise_w_scale, self.volume)


@dataclass(frozen=True)
class ForbiddenTopic:
    """A topic the host politely declines: any keyword (whole word or phrase, any case) triggers it, and so does a
    question that means what one of its `examples` does (models/dialogue/meaning.py) when the engine has no answer."""

    name: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class FunFact:
    id: str
    text: str
    tags: tuple[str, ...] = ()
    source: str | None = None  # where the fact was checked, for the producer's audit


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    price: float
    currency: str
    description: str
    tags: tuple[str, ...]
    stock_link: str
    colors: tuple[str, ...] = ()  # the colours it comes in, as the store names them
    sizes: tuple[str, ...] = ()  # the sizes it comes in, smallest first
    stock: str | None = None  # one of STOCK_STATES; None: not known, so not stated

    @property
    def price_text(self) -> str:
        """The price as the host says it: "$24.99", "€30", "45 CHF"."""
        return money(self.price, self.currency)


def money(amount: float, currency: str) -> str:
    """An amount as the host says it: "$24.99", "€30", "45 CHF" (a price, or a fan's budget restated)."""
    digits = f"{amount:.0f}" if amount == int(amount) else f"{amount:.2f}"
    symbol = _CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{digits}" if symbol else f"{digits} {currency}"


@dataclass(frozen=True)
class AboutLine:
    """Something the host says about herself, in the first person (small talk: where she grew up, what she
    loves); `tags` name what it is about."""

    id: str
    text: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class FAQ:
    id: str
    question: str
    answer: str


@dataclass(frozen=True)
class Knowledge:
    fun_facts: tuple[FunFact, ...]
    products: tuple[Product, ...]
    faqs: tuple[FAQ, ...]
    about: tuple[AboutLine, ...] = ()  # the host about herself (small talk)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def fact(self, fact_id: str) -> FunFact | None:
        return next((f for f in self.fun_facts if f.id == fact_id), None)


@dataclass(frozen=True)
class Persona:
    name: str
    age: int | None
    bio: str
    speaking_style: str
    default_emotion: str
    voice: VoiceSettings
    phrases: dict[str, tuple[str, ...]]
    forbidden_topics: tuple[ForbiddenTopic, ...]
    blocklist: tuple[str, ...]
    knowledge: Knowledge
    language: str = "en"  # one of LANGUAGES: what her phrases and knowledge are written in, what she answers in
    source: str = "<memory>"

    def phrase(self, kind: str, turn: int = 0, **values: str) -> str:
        """The persona's phrase of a kind, rotating through its variants by `turn`, placeholders filled."""
        variants = self.phrases[kind]
        return variants[turn % len(variants)].format(name=self.name, **values)


def default_persona_path() -> Path:
    """The sample persona shipped inside the package (examples/personas/default.yaml is the same file)."""
    return sample_persona_path("en")


def sample_persona_path(language: str) -> Path:
    """The sample persona of a language shipped inside the package: "en" Aurora (the default), "zh" Xiaoxue, the
    Mandarin host (examples/personas/default.yaml and zh.yaml are the same files)."""
    if language not in LANGUAGES:
        raise ValueError(f"no sample persona {language!r}: the samples are "
                         f"{', '.join(SAMPLE_SOURCE + lang for lang in LANGUAGES)}")
    name = "default_persona.yaml" if language == "en" else f"{language}_persona.yaml"
    return Path(str(resources.files("models.dialogue") / "data" / name))


#: A persona source that names a sample persona shipped in the package: "sample:zh" is Xiaoxue, the Mandarin host.
SAMPLE_SOURCE = "sample:"


def persona_source(text: str) -> Path:
    """Where a persona given as `--persona` or `persona:` is: `sample:LANGUAGE` (`sample:en`, `sample:zh`) the
    sample persona shipped in the package (so a `pip install` has the Mandarin host too), else the path as given.
    Raises ValueError naming the samples for an unknown one."""
    if text.startswith(SAMPLE_SOURCE):
        return sample_persona_path(text.removeprefix(SAMPLE_SOURCE))
    return Path(text)


def load_default_persona() -> Persona:
    return load_persona(default_persona_path())


def load_persona(path: str | Path) -> Persona:
    """Read and validate a persona file. Raises SpecError naming file, line and field."""
    return _persona(load_root(path, "persona"))


def parse_persona(text: str, name: str = "<persona>") -> Persona:
    """Validate persona YAML given as text (`name` stands for the file in errors)."""
    return _persona(compose(text, name, "persona"))


def _persona(root: Node) -> Persona:
    top = Fields(root, ("name", "age", "bio", "speaking_style", "default_emotion", "voice", "phrases",
                        "forbidden_topics", "blocklist", "knowledge", "language"))
    age_node = top.optional("age")
    forbidden = top.optional("forbidden_topics")
    blocklist = top.optional("blocklist")
    language = top.optional("language")
    lang = language.choice(LANGUAGES) if language else "en"
    return Persona(
        name=top.required("name").text(max_len=80),
        age=age_node.integer(1, 200) if age_node else None,
        bio=top.required("bio").text(max_len=4000),
        speaking_style=top.required("speaking_style").text(max_len=2000),
        default_emotion=top.required("default_emotion").choice(EMOTIONS),
        voice=_voice(top.optional("voice"), root.file),
        phrases=_phrases(top.required("phrases"), lang),
        forbidden_topics=tuple(_topic(item) for item in forbidden.items(MAX_ITEMS)) if forbidden else (),
        blocklist=tuple(w.lower() for w in blocklist.texts(MAX_ITEMS, 80)) if blocklist else (),
        knowledge=_knowledge(top.required("knowledge")),
        language=lang,
        source=root.file,
    )


def _voice(node: Node | None, file: str) -> VoiceSettings:
    if node is None:
        return VoiceSettings()
    fields = Fields(node, ("model", *VOICE_STYLE_FIELDS))
    model = fields.optional("model")
    model_path: Path | EspeakSettings | None = None
    if model is not None:
        try:
            model_path = espeak_source(model.text(max_len=1000))
        except ValueError as exc:
            raise model.error(str(exc)) from None
        if model_path is None:
            # A relative voice path is relative to the persona file, so a persona folder can be moved whole.
            model_path = Path(file).parent / model.text(max_len=1000)
            if not model_path.is_file():
                raise model.error(f"voice model {model_path} not found: give a Piper .onnx file or an espeak-ng "
                                  "voice (espeak-ng:cmn)")

    style = voice_style_of(fields)
    return VoiceSettings(model_path, style.length_scale, style.noise_scale, style.noise_w_scale, style.volume)


def voice_style_of(fields: Fields) -> VoiceStyle:
    """A voice's own settings (a persona's `voice:`, an avatar's `voice_style:`): Piper's scales and a gain."""

    def scale(key: str) -> float | None:
        child = fields.optional(key)
        return child.number(*VOICE_SCALES, low_open=True) if child else None

    volume = fields.optional("volume")
    return VoiceStyle(scale("length_scale"), scale("noise_scale"), scale("noise_w_scale"),
                      volume.number(*VOICE_VOLUME) if volume else 1.0)


def _phrases(node: Node, language: str) -> dict[str, tuple[str, ...]]:
    fields = Fields(node, (*PHRASE_KINDS, *OPTIONAL_PHRASE_KINDS))
    phrases: dict[str, tuple[str, ...]] = {}
    for kind, allowed in (PHRASE_KINDS | OPTIONAL_PHRASE_KINDS).items():
        variants_node = fields.required(kind) if kind in PHRASE_KINDS else fields.optional(kind)
        if variants_node is None:
            phrases[kind] = DEFAULT_PHRASES[language][kind]
            continue
        variants = variants_node.items(50)
        if not variants:
            raise variants_node.error("needs at least one phrase")
        for variant in variants:
            _check_placeholders(variant, allowed)
        phrases[kind] = tuple(v.text(max_len=400) for v in variants)
    return phrases


def _check_placeholders(node: Node, allowed: tuple[str, ...]) -> None:
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(node.text(max_len=400)) if f is not None]
    except ValueError as exc:
        raise node.error(f"bad placeholder: {exc}") from None
    try:
        check_tags(node.text(max_len=400))
    except ValueError as exc:
        raise node.error(f"bad tag: {exc}") from None
    for name in names:
        if name not in allowed:
            raise node.error(f"unknown placeholder {{{name}}}; this phrase may use: "
                             f"{', '.join('{' + a + '}' for a in allowed)}")


def _topic(node: Node) -> ForbiddenTopic:
    fields = Fields(node, ("name", "keywords", "examples"))
    keywords = fields.required("keywords")
    words = keywords.texts(200, 80)
    if not words:
        raise keywords.error("needs at least one keyword")
    examples = fields.optional("examples")
    return ForbiddenTopic(fields.required("name").text(max_len=80), tuple(w.lower() for w in words),
                          tuple(examples.texts(50, 200)) if examples is not None else ())


def _identifier(node: Node, seen: dict[str, int]) -> str:
    value = node.text(max_len=80)
    if not _ID.match(value):
        raise node.error(f"{value!r} is not a valid id: use lowercase letters, digits, '-' and '_'")
    if value in seen:
        raise node.error(f"duplicate id {value!r} (first on line {seen[value]})")
    seen[value] = node.line
    return value


def _knowledge(node: Node) -> Knowledge:
    fields = Fields(node, ("fun_facts", "products", "faqs", "about"))
    seen: dict[str, int] = {}  # ids are unique across the whole knowledge base: answers cite them

    def listed(key: str) -> list[Node]:
        child = fields.optional(key)
        return child.items(MAX_ITEMS) if child else []

    facts = []
    for item in listed("fun_facts"):
        f = Fields(item, ("id", "text", "tags", "source"))
        tags, source = f.optional("tags"), f.optional("source")
        facts.append(FunFact(_identifier(f.required("id"), seen), f.required("text").text(max_len=600),
                             tuple(tags.texts(50, 40)) if tags else (),
                             source.text(max_len=400) if source else None))
    products = []
    for item in listed("products"):
        f = Fields(item, ("id", "name", "price", "currency", "description", "tags", "stock_link", "colors", "sizes",
                          "stock"))
        currency = f.required("currency")
        if not _CURRENCY.match(currency.text(max_len=3)):
            raise currency.error(f"must be a 3-letter ISO 4217 code like USD, got {currency.text()!r}")
        link = f.required("stock_link")
        if not _URL.match(link.text(max_len=1000)):
            raise link.error(f"must be an http(s) URL, got {link.text()!r}")
        tags, colors, sizes, stock = (f.optional(key) for key in ("tags", "colors", "sizes", "stock"))
        products.append(Product(_identifier(f.required("id"), seen), f.required("name").text(max_len=120),
                                f.required("price").number(0.0, 1_000_000.0, low_open=True), currency.text(),
                                f.required("description").text(max_len=600),
                                tuple(tags.texts(50, 40)) if tags else (), link.text(),
                                tuple(colors.texts(50, 40)) if colors else (),
                                tuple(sizes.texts(50, 20)) if sizes else (),
                                stock.choice(STOCK_STATES) if stock else None))
    faqs = []
    for item in listed("faqs"):
        f = Fields(item, ("id", "question", "answer"))
        faqs.append(FAQ(_identifier(f.required("id"), seen), f.required("question").text(max_len=400),
                        f.required("answer").text(max_len=1000)))
    about = []
    for item in listed("about"):
        f = Fields(item, ("id", "text", "tags"))
        tags = f.optional("tags")
        about.append(AboutLine(_identifier(f.required("id"), seen), f.required("text").text(max_len=400),
                               tuple(tags.texts(50, 40)) if tags else ()))
    if not facts and not products and not faqs:
        raise SpecError(node.file, node.line, node.path, "needs at least one fun fact, product or FAQ")
    return Knowledge(tuple(facts), tuple(products), tuple(faqs), tuple(about))
