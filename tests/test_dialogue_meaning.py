"""Questions read by their meaning (models/dialogue/meaning.py): what the engine's words miss, the nearest labelled
example reads right; what means nothing the host answers stays unanswered."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.meaning import MEANING_BARS, Meanings, bank
from models.dialogue.persona import load_default_persona, parse_persona
from models.dialogue.retrieval import KnowledgeIndex
from models.dialogue.spec import SpecError
from tests.conftest import ROOT
from tests.test_dialogue_show_talk import sample_at_curling

AURORA = load_default_persona()


@pytest.fixture(scope="module", params=["embeddings", "bm25"])
def engine(request: pytest.FixtureRequest) -> RetrievalEngine:
    if request.param == "embeddings":
        pytest.importorskip("sentence_transformers")
    engine = RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend=request.param))
    runner = sample_at_curling()
    engine.show_source = lambda: runner.snapshot(200.0)
    return engine


@pytest.fixture(scope="module")
def minilm() -> RetrievalEngine:
    pytest.importorskip("sentence_transformers")
    return RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="embeddings"))


def test_every_question_of_the_bank_is_one_the_engine_answers(engine: RetrievalEngine) -> None:
    """An `ask` the engine could not answer by its words would read paraphrases into nothing: each one answers,
    without a hedge, from a fan who has been told about the Thermal Bottle (so "How much is it?" has a subject)."""
    asks = [meaning.ask for meaning, _ in bank("en") if meaning.ask]
    assert len(asks) >= 20
    for n, ask in enumerate(asks):
        engine.compose(ChatTurn(f"bank-{n}", "Tell me about the thermal bottle"))
        answer = engine.compose(ChatTurn(f"bank-{n}", ask))
        assert answer.intent not in ("unknown", "partial", "clarify", "refusal"), (ask, answer.text)


@pytest.mark.parametrize(("question", "said"), [
    ("Doing okay today, Aurora?", "lovely time"),
    ("Which part of hosting makes you happiest?", "best part of my day"),
    ("What is this stream all about?", "winter sports shows"),
    ("When does tonight's stream finish up?", "ends in about 7 minutes"),
    ("Anything my toddler nephew would like?", "Kids' Squeeze Bottle"),
    ("do you take debit cards?", "PayPal"),
    ("which product are you showing next?", "Snowy Owl Mascot Plush"),
    ("yo wat is ur return polcy", "within 30 days"),  # "polcy" read as "policy", then by meaning
])
def test_paraphrases_read_as_the_question_they_mean(minilm: RetrievalEngine, question: str, said: str) -> None:
    runner = sample_at_curling()
    minilm.show_source = lambda: runner.snapshot(200.0)
    answer = minilm.compose(ChatTurn("paraphrase", question))
    assert said in answer.text and "don't know" not in answer.text


def test_a_follow_up_in_other_words_resolves_against_the_fans_subject(minilm: RetrievalEngine) -> None:
    minilm.compose(ChatTurn("follower", "Tell me about the thermal bottle"))
    assert "$22.50" in minilm.compose(ChatTurn("follower", "what would that set me back?")).text
    # From a fan with no subject, the same words get her question back: nothing is guessed.
    first = minilm.compose(ChatTurn("newcomer", "what would that set me back?"))
    assert first.intent == "clarify" and "$" not in first.text


@pytest.mark.parametrize(("question", "topic"), [
    ("Is God real?", "religion"),
    ("What's your opinion on abortion?", "politics"),
    ("What dose of antibiotics should I take for a cold?", "medical advice"),
    ("this stream is garbage and so are you", "insults"),
])
def test_forbidden_topics_and_insults_are_declined_by_meaning(minilm: RetrievalEngine, question: str,
                                                               topic: str) -> None:
    reading = minilm.meanings.read(question)
    if reading is not None:  # keywords may decline it before its meaning is read
        assert reading.topic == topic
    answer = minilm.compose(ChatTurn("moderated", question))
    assert answer.intent == "refusal" and answer.sources == ()
    assert answer.text.split("> ", 1)[1] in AURORA.phrases["refusal"]


@pytest.mark.parametrize("question", ["What's the weather like on Mars?", "How many people watch this stream?",
                                      "Who won the Super Bowl last year?", "Can you help with my math homework?",
                                      "How much does a real curling stone cost?"])
def test_what_means_nothing_she_answers_stays_unanswered(minilm: RetrievalEngine, question: str) -> None:
    assert minilm.meanings.read(question) is None
    answer = minilm.compose(ChatTurn("world", question))
    assert answer.sources == () and "$" not in answer.text


@pytest.mark.parametrize("question", ["could you wrap it up nicely? it's a present for my brother",
                                      "is engraving something you do? want my sister's name on the pins"])
def test_a_store_service_no_policy_states_is_not_known(minilm: RetrievalEngine, question: str) -> None:
    # The products for a gift do not say whether she wraps or engraves it: an honest "I don't know".
    answer = minilm.compose(ChatTurn("service", question))
    assert answer.text.split("> ", 1)[1] in AURORA.phrases["unknown"], answer.text
    assert "wrap" not in answer.text and "engrav" not in answer.text


def test_a_question_her_words_answer_is_never_read_again(minilm: RetrievalEngine,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def read(question: str) -> None:
        raise AssertionError(f"{question!r} was read by meaning")

    monkeypatch.setattr(minilm.meanings, "read", read)
    assert "$24" in minilm.compose(ChatTurn("direct", "How much is the snowflake beanie?")).text
    assert "Chamonix" in minilm.compose(ChatTurn("direct", "Where were the first Winter Olympics held?")).text


class _Index:
    """Vectors chosen by hand: the test is of the margin, not of a model."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.model = dataclasses.make_dataclass("Model", [("name", str)])("minilm")

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.array([self.vectors.get(t, [0.0, 0.0, 1.0]) for t in texts], dtype=np.float32)


def test_a_question_between_two_meanings_is_not_guessed_at(monkeypatch: pytest.MonkeyPatch) -> None:
    from models.dialogue import meaning

    monkeypatch.setattr(meaning, "bank", lambda language: [
        (meaning.Meaning("How are you?", None, "", 0.0), ["how are you"]),
        (meaning.Meaning("What's next?", None, "", 0.0), ["what's next"])])
    persona = dataclasses.replace(AURORA, forbidden_topics=())
    index = _Index({"how are you": [1.0, 0.0, 0.0], "what's next": [0.0, 1.0, 0.0],
                    "clear": [0.9, 0.2, 0.0], "between": [0.7, 0.69, 0.0], "far": [0.3, 0.0, 0.95]})
    meanings = Meanings(persona, index)  # type: ignore[arg-type]
    clear = meanings.read("clear")
    assert clear is not None and clear.ask == "How are you?" and clear.example == "how are you"
    assert meanings.read("between") is None  # 0.70 against 0.69: within MEANING_MARGIN
    assert meanings.read("far") is None and 0.3 < MEANING_BARS["minilm"]


def test_the_sidecar_embeds_the_bank_at_load_not_on_the_first_question_that_needs_it() -> None:
    """Embedded on the first unanswered question, the bank held that answer back 660 ms (bench_chat's "What's the
    capital of Peru?"): `build_engine` embeds it, and a question then embeds only itself."""
    from bridge.dialogue import build_engine

    pytest.importorskip("sentence_transformers")
    engine = build_engine(AURORA)
    assert isinstance(engine, RetrievalEngine)
    embedded: list[int] = []
    embed = engine.index.embed
    engine.index.embed = lambda texts: embedded.append(len(texts)) or embed(texts)  # type: ignore[method-assign]
    answer = engine.compose(ChatTurn("fan", "What's the capital of Peru?"))
    assert answer.intent == "unknown" and embedded and set(embedded) == {1}


def test_forbidden_topic_examples_are_checked_where_they_are_written() -> None:
    text = (ROOT / "examples/personas/default.yaml").read_text(encoding="utf-8")
    topic = next(t for t in AURORA.forbidden_topics if t.name == "religion")
    assert "do you believe in god" in topic.examples
    long_one = text.replace('"do you believe in god"', '"' + "x" * 201 + '"')
    with pytest.raises(SpecError, match=r"forbidden_topics\[1\]\.examples\[0\].*200"):
        parse_persona(long_one)


@pytest.mark.parametrize("text", ["how many calories are in a mug of hot cocoa?", "is hot cocoa fattening?",
                                  "which ski shop in Denver has the best deals?"])
def test_nutrition_and_other_shops_are_declined_though_a_product_shares_a_word(minilm: RetrievalEngine,
                                                                               text: str) -> None:
    """Calories, or another shop's deals, are a kind of answer no product holds ("cocoa", "ski"): no pitch."""
    answer = minilm.compose(ChatTurn("fan", text))
    assert answer.intent == "unknown" and answer.sources == () and "$" not in answer.text, answer.text


@pytest.mark.parametrize("text, product", [("does the thermal bottle keep cocoa hot?", "thermal-bottle"),
                                           ("what's the cheapest thing you sell?", "kids-bottle"),
                                           ("got anything for snowboarders?", "ski-goggles")])
def test_questions_about_our_products_stay_answered(engine: RetrievalEngine, text: str, product: str) -> None:
    answer = engine.compose(ChatTurn(f"fan-{product}", text))
    assert product in answer.sources and "$" in answer.text, answer.text


def test_a_cheaper_one_after_a_product_asks_of_the_catalogue(engine: RetrievalEngine) -> None:
    engine.compose(ChatTurn("fan-cheaper", "how much are the ski goggles?"))
    answer = engine.compose(ChatTurn("fan-cheaper", "anything cheaper for skiing?"))
    assert "ski-gloves" in answer.sources and "$34" in answer.text, answer.text


@pytest.mark.parametrize("text", ["who's ahead in the hockey final right now?",
                                  "what's the score in the snowboard final right now"])
def test_a_live_score_is_declined_though_a_sport_she_likes_is_named(minilm: RetrievalEngine, text: str) -> None:
    """No line of hers about the sport ("I never miss a final") answers a score she cannot know."""
    answer = minilm.compose(ChatTurn("fan", text))
    assert answer.intent == "unknown" and answer.sources == (), answer.text


@pytest.mark.parametrize("text", ["did norway win the biathlon relay this morning?",
                                  "when does the ice rink on 5th avenue close tonight",
                                  "what snacks go with watching luge"])
def test_todays_results_local_hours_and_snacks_are_declined_though_a_sport_is_named(minilm: RetrievalEngine,
                                                                                    text: str) -> None:
    """A sport she likes or has facts on is only mentioned: no fact or line of hers about it, the honest answer."""
    answer = minilm.compose(ChatTurn("fan", text))
    assert answer.intent == "unknown" and answer.sources == (), answer.text


@pytest.mark.parametrize("text", ["know any bar in Calgary that puts the hockey on?",
                                  "which shares should I invest in before christmas, need cash for gifts",
                                  "is bitcoin worth buying this month"])
def test_a_local_place_or_money_advice_stays_unanswered(minilm: RetrievalEngine, text: str) -> None:
    """A pub in the fan's town, a stock to buy: no line of hers, no fact and no gift of the store answers it."""
    answer = minilm.compose(ChatTurn("world", text))
    assert answer.sources == () and "$" not in answer.text, (text, answer.text)
