"""The trained readers (models/dialogue/readers.py): a store-policy question is answered by the store's policy for
it, whatever product or colour it names; a feeling the words miss is answered as that feeling; other questions and
the words' own feelings are left to the words."""

from __future__ import annotations

import numpy as np
import pytest

from avatar_tools.train_readers import POLICY_ASKS, SHOW_ASKS, mood_label, policy_label, show_label
from benchmarks.eval_dialogue import Item, Turn
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.persona import load_default_persona
from models.dialogue.readers import HEADS, OTHER, Reader
from models.dialogue.retrieval import KnowledgeIndex
from tests.test_dialogue_show_talk import sample_at_curling

AURORA = load_default_persona()


@pytest.fixture(scope="module")
def minilm() -> RetrievalEngine:
    pytest.importorskip("sentence_transformers")
    return RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="embeddings"))


@pytest.fixture(scope="module")
def on_air(minilm: RetrievalEngine) -> RetrievalEngine:
    """The MiniLM engine with the sample rundown at 200 s: the curling fact now, questions next, about 7 minutes
    left."""
    engine = RetrievalEngine(AURORA, minilm.index)
    runner = sample_at_curling()
    engine.show_source = lambda: runner.snapshot(200.0)
    return engine


def test_the_weights_ship_for_minilm_only_and_name_their_labels() -> None:
    policy, mood, show = (Reader.load(head, "minilm") for head in ("policy", "mood", "show"))
    assert policy is not None and mood is not None and show is not None
    assert set(policy.classes) == {OTHER, *POLICY_ASKS.values()}
    assert set(mood.classes) == {OTHER, "sad", "compliment", "news"}
    assert set(show.classes) == {OTHER, *(ask for _, ask in SHOW_ASKS)}
    for reader in (policy, mood, show):
        assert reader.coef.shape == (len(reader.classes), 384) and reader.intercept.shape == (len(reader.classes),)
    assert Reader.load("policy", "e5") is None and Reader.load("mood", "") is None
    assert set(HEADS) == {"policy", "mood", "show"}


def test_a_reading_below_the_bar_or_of_other_is_none() -> None:
    reader = Reader(["other", "How can I pay?"], np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), 0.6)
    assert reader.read(np.array([0.0, 3.0])).label == "How can I pay?"  # type: ignore[union-attr]
    assert reader.read(np.array([3.0, 0.0])) is None
    assert reader.read(np.array([0.0, 0.3])) is None  # the likelier label, but below 0.6
    assert np.isclose(reader.probabilities(np.array([0.0, 0.0])).sum(), 1.0)


@pytest.mark.parametrize(("question", "said"), [
    # A colour or a product named, and the question is the exchange policy, not the product.
    ("bought the white owl but my son wants a different one, can we trade it?", "another size or colour"),
    ("the mittens are too small for her, can I get the bigger size instead?", "another size or colour"),
    # Paying in a way the store does not list: its list is the answer.
    ("do you guys take google pay or only cards", "PayPal"),
    # An order to mend.
    ("I made a mistake in my order, can I still change it?", "until it ships"),
    # Abroad.
    ("does the shop deliver to Poland?", "40 countries"),
])
def test_policy_questions_in_other_words_get_the_policy(minilm: RetrievalEngine, question: str, said: str) -> None:
    answer = minilm.compose(ChatTurn(question, question))
    assert answer.intent == "faq" and said in answer.text, answer.text


def test_a_follow_up_on_a_policy_keeps_the_policy_told(minilm: RetrievalEngine) -> None:
    minilm.compose(ChatTurn("abroad", "do you ship to Japan?"))
    assert "5 to 10 business days" in minilm.compose(ChatTurn("abroad", "how long does it take?")).text


@pytest.mark.parametrize(("question", "said"), [
    ("how much is the team hoodie?", "$65"),
    ("does the beanie come in red?", "red"),
    ("is the thermal bottle still in stock?", "in stock"),
])
def test_product_questions_stay_with_the_words(minilm: RetrievalEngine, question: str, said: str) -> None:
    answer = minilm.compose(ChatTurn(question, question))
    assert answer.intent != "faq" and said in answer.text, answer.text


@pytest.mark.parametrize(("message", "tag", "said"), [
    ("lost my job today and I don't know what to do", "[sad", ""),  # no word of grief
    ("our old horse died this weekend", "[sad", ""),
    ("my son scored his first ever goal tonight!!", "<clap>", "Congratulations"),
    ("honestly the way you explain things is adorable", "<heart_hands>", ""),
])
def test_feelings_in_words_no_pattern_has_are_answered_as_felt(minilm: RetrievalEngine, message: str, tag: str,
                                                               said: str) -> None:
    answer = minilm.compose(ChatTurn(message, message))
    assert tag in answer.text and said in answer.text, answer.text
    assert "Bye for now" not in answer.text


@pytest.mark.parametrize(("message", "not_said"), [
    ("thank you so much Aurora!", "<heart_hands>"),  # thanks, found by its words, is no compliment
    ("ok bye, see you next week", "[sad"),
])
def test_the_words_feelings_stand(minilm: RetrievalEngine, message: str, not_said: str) -> None:
    assert not_said not in minilm.compose(ChatTurn(message, message)).text


@pytest.mark.parametrize(("question", "said"), [
    ("how many minutes till you go offline?", "ends in about 7 minutes"),
    ("what's this programme called again?", "Winter Sports Live"),
    ("what's happening on stream rn", "Right now it's a fun fact about curling"),
])
def test_questions_about_the_show_in_other_words_get_the_show(on_air: RetrievalEngine, question: str,
                                                              said: str) -> None:
    answer = on_air.compose(ChatTurn(question, question))
    assert answer.intent == "show" and said in answer.text, answer.text


@pytest.mark.parametrize(("question", "said"), [
    ("how much is the owl plush?", "$29.99"),
    ("tell me a curling fact", "curling"),
])
def test_questions_of_the_catalogue_and_facts_stay_with_the_words_on_air(on_air: RetrievalEngine, question: str,
                                                                         said: str) -> None:
    answer = on_air.compose(ChatTurn(question, question))
    assert answer.intent != "show" and said in answer.text, answer.text


def test_off_air_a_show_question_is_told_no_show_runs(minilm: RetrievalEngine) -> None:
    answer = minilm.compose(ChatTurn("off air", "how many minutes till you go offline?"))
    assert "No show is running" in answer.text and "minutes" not in answer.text, answer.text


def test_bm25_reads_by_words_alone() -> None:
    engine = RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="bm25"))
    assert engine.policy_reader is None and engine.mood_reader is None and engine.show_reader is None


def _item(category: str, q: str, **checks: object) -> Item:
    return Item("x", category, (Turn(q, checks),))


def test_policy_labels_come_from_the_policy_an_answer_states() -> None:
    assert policy_label(_item("policies", "can i pay cash", sources=["payment"])) == "How can I pay?"
    assert policy_label(_item("bad_input", "shiping to peru??", sources=["international-shipping|shipping"])) == \
        "Do you ship internationally?"
    assert policy_label(_item("lookup", "how heavy is a curling stone", sources=["curling-stone-weight"])) == OTHER
    assert policy_label(_item("policies", "price and shipping?", sources=["shipping", "team-hoodie"])) is None
    dialogue = (Turn("the hoodie"), Turn("can I return it", {"sources": ["returns"]}))
    assert policy_label(Item("x", "follow_ups", dialogue)) is None
    assert policy_label(_item("bad_input", "", error="empty")) is None


def test_show_labels_come_from_what_only_a_show_answer_says() -> None:
    assert show_label(_item("show_timing", "when r u done", must_any=["7 min", "seven min"])) == \
        "When does the show end?"
    assert show_label(_item("bad_input", "WHEN DOES IT END", must_any=["7 min"])) == "When does the show end?"
    assert show_label(_item("show_timing", "when's the owl", must_any=["owl", "plush"])) == "What's the next product?"
    assert show_label(_item("lookup", "what is curling made of", must_any=["granite"])) == OTHER
    assert show_label(_item("show_timing", "what year was the first games", must=["1924"])) is None


def test_mood_labels_come_from_what_the_right_answer_shows() -> None:
    assert mood_label(_item("sentiment", "my cat died", tags=["[sad"])) == "sad"
    assert mood_label(_item("sentiment", "you're lovely", tags=["<heart_hands>"])) == "compliment"
    assert mood_label(_item("sentiment", "I got the job!", must_any=["Congrat", "amazing"])) == "news"
    assert mood_label(_item("sentiment", "thanks!!", tags=["<bow>"])) is None
    assert mood_label(_item("lookup", "how heavy is a curling stone", sources=["curling-stone-weight"])) == OTHER
