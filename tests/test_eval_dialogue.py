"""The dialogue evaluation (benchmarks/eval_dialogue.py): its question files are valid, and its judge and checks
judge hand-made answers right. Fast: no model is loaded (BM25 where an engine answers)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from benchmarks.eval_dialogue import (
    BLIND,
    CATEGORIES,
    PARTS,
    ROOT,
    SETS,
    SHOW_NOW,
    ZH_QUESTIONS,
    EvalSetError,
    Item,
    Judge,
    Reading,
    Turn,
    argument_parser,
    failed_checks,
    legacy_items,
    load_set,
    parse_items,
    run_engine,
    show_fixture,
    summarize,
)
from models.dialogue.engine import ChatTurn, DialogueEngine, RetrievalEngine, Sentence
from models.dialogue.history import DialogueHistory
from models.dialogue.moderation import check_chat_text
from models.dialogue.persona import Persona, load_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex


@pytest.fixture(scope="module")
def aurora() -> Persona:
    return load_persona(sample_persona_path("en"))


@pytest.fixture(scope="module")
def judge(aurora: Persona) -> Judge:
    return Judge(aurora, show_fixture(aurora)[0])


def _reading(stated: tuple[str, ...] = (), hedged: bool = False, invented: tuple[str, ...] = ()) -> Reading:
    return Reading(stated, (), invented, hedged)


# -- the question files -------------------------------------------------------------------------------------------

def test_the_sets_load_with_unique_ids_and_enough_items_per_category() -> None:
    parts = {name: load_set(name) for name in PARTS}
    everything = load_set("all")  # raises on an id used twice across the files
    assert set(SETS) == {*parts, "all"}
    assert len(everything) == sum(len(part) for part in parts.values()) >= 190 + 4 * 130
    assert len({item.id for item in everything}) == len(everything)
    held = Counter(item.category for item in parts["heldout"])
    assert {c: held[c] for c in CATEGORIES if held[c] < 8} == {}
    assert set(Counter(item.category for item in parts["dev"])) == set(CATEGORIES)


def _asked(items: list[Item]) -> set[str]:
    """The scored questions of one-message items, and each dialogue whole (a short follow-up such as "another one!"
    is a new question in a new dialogue); an empty message asks nothing."""
    return {" / ".join(turn.q.casefold().strip() for turn in item.turns) for item in items
            if any(turn.q.strip() for turn in item.turns)}


@pytest.mark.parametrize(("part", "prefix", "least", "bad_dialogues"), [
    ("heldout2", "h2-", 10, 2), ("heldout3", "h3-", 10, 2), ("heldout4", "h4-", 10, 2), ("heldout5", "h5-", 10, 2),
    # The sixth was written with 12 a category and no bad-input dialogue; its repeats of earlier sets were taken out.
    ("heldout6", "h6-", 9, 0), ("heldout7", "h7-", 12, 2),
    # The eighth: 15 a category, its bad input all one-message.
    ("heldout8", "h8-", 15, 0), ("heldout9", "h9-", 15, 0), ("heldout10", "h10-", 15, 0),
    ("heldout11", "h11-", 15, 0), ("heldout12", "h12-", 15, 0),
    ("heldout13", "h13-", 15, 0), ("heldout14", "h14-", 15, 0),
    ("heldout15", "h15-", 15, 0), ("heldout16", "h16-", 15, 0),
    ("heldout17", "h17-", 15, 0), ("heldout18", "h18-", 15, 0),
    ("heldout19", "h19-", 15, 0), ("heldout20", "h20-", 15, 0), ("heldout21", "h21-", 15, 0),
    ("heldout22", "h22-", 15, 0),
    # The twenty-third: 20 a category, so that 90 % is a whole number of items (18 of 20).
    ("heldout23", "h23-", 20, 0), ("heldout24", "h24-", 20, 0),
    ("heldout25", "h25-", 20, 0), ("heldout26", "h26-", 20, 0),
    ("heldout27", "h27-", 20, 0), ("heldout28", "h28-", 20, 0), ("heldout29", "h29-", 20, 0),
    ("heldout30", "h30-", 20, 0), ("heldout31", "h31-", 20, 0),
    ("heldout32", "h32-", 20, 0), ("heldout33", "h33-", 20, 0),
    ("heldout34", "h34-", 20, 0), ("heldout35", "h35-", 20, 0)])
def test_the_later_held_out_sets_have_ten_items_per_category_and_multi_turn_dialogues(part: str, prefix: str,
                                                                                        least: int,
                                                                                        bad_dialogues: int) -> None:
    items = load_set(part)
    per_category = Counter(item.category for item in items)
    assert {c: per_category[c] for c in CATEGORIES if per_category[c] < least} == {}
    assert set(per_category) == set(CATEGORIES)
    assert all(item.id.startswith(prefix) for item in items)
    dialogues = Counter(item.category for item in items if len(item.turns) >= 2)
    assert dialogues["follow_ups"] == per_category["follow_ups"] and dialogues["bad_input"] >= bad_dialogues
    assert any(len(item.turns) == 3 for item in items if item.category == "follow_ups")


def test_each_blind_set_asks_new_questions_and_the_newest_is_the_default() -> None:
    """No scored question of a held-out set after the first is asked word for word in an earlier set."""
    dev, first, *later = PARTS
    earlier = _asked(load_set(dev)) | _asked(load_set(first))
    for part in later:
        asked = _asked(load_set(part))
        assert (part, asked & earlier) == (part, set())
        earlier |= asked
    assert argument_parser().parse_args([]).part == BLIND == [part for part in PARTS if "heldout" in part][-1]


def test_every_source_names_a_knowledge_item(aurora: Persona) -> None:
    k = aurora.knowledge
    known = {f.id for f in k.fun_facts} | {q.id for q in k.faqs} | {p.id for p in k.products} | {a.id for a in k.about}
    named = {alternative for item in load_set("all") for turn in item.turns
             for source in turn.checks.get("sources", ()) for alternative in source.split("|")}
    assert named and named - known == set()


def test_follow_ups_are_dialogues_and_the_old_questions_are_kept() -> None:
    items = load_set("all")
    follow_ups = [item for item in items if item.category == "follow_ups"]
    assert follow_ups and all(len(item.turns) >= 2 and not item.turns[0].scored for item in follow_ups)
    assert any(len(item.turns) == 3 for item in follow_ups)
    assert sum(1 for item in items if "-old-" in item.id) == 52


#: Items of a blind set that expected an answer to a message the engine refuses by design, kept as written and
#: counted wrong (none since round 27: emoji with a question mark, "🤔❓", are a question without words, answered).
REFUSED_BY_DESIGN: tuple[str, ...] = ()


def test_error_items_are_really_refused_and_the_others_are_chat_messages() -> None:
    """On the blind set a message the engine refuses though an answer is expected is not mended in the set: the
    eval counts it wrong."""
    blind = str(SETS[BLIND][0].relative_to(ROOT))
    for item in load_set("all"):
        for turn in item.turns:
            if "error" in turn.checks:
                with pytest.raises(ValueError) as refused:
                    check_chat_text(turn.q)
                assert getattr(refused.value, "code", None) == turn.checks["error"], item.id
            elif item.source != blind and item.id not in REFUSED_BY_DESIGN:
                check_chat_text(turn.q)


@pytest.mark.parametrize(("node", "message"), [
    ({"id": "a", "category": "small_talk", "q": "hi", "must": ["x"], "shoud": ["y"]}, "unknown field"),
    ({"id": "a", "category": "chit_chat", "q": "hi", "must": ["x"]}, "category"),
    ({"id": "a", "category": "small_talk", "q": "hi"}, "no turn has a check"),
    ({"id": "a", "category": "small_talk", "q": "hi", "dialogue": ["x", {"q": "y", "must": ["z"]}]}, "either"),
    ({"id": "a", "category": "follow_ups", "dialogue": ["x", {"q": "y", "mustt": ["z"]}]}, "unknown check"),
    ({"id": "a", "category": "small_talk", "q": "hi", "must": "x"}, "non-empty list"),
    ({"id": "a", "category": "small_talk", "q": "hi", "no_facts": False}, "only be true"),
])
def test_malformed_items_are_refused_naming_the_item_and_field(node: dict[str, object], message: str) -> None:
    with pytest.raises(EvalSetError, match=message) as refused:
        parse_items([node], "test.yaml")
    assert "item a" in str(refused.value)


def test_the_old_mandarin_file_reads_as_checks() -> None:
    xiaoxue = load_persona(sample_persona_path("zh"))
    items = legacy_items(ZH_QUESTIONS, xiaoxue)
    kinds = Counter(item.category for item in items)
    assert kinds["fact"] >= 10 and kinds["none"] >= 5
    product = next(item for item in items if item.category == "product")
    assert any(p.price_text in product.turns[0].checks["must"] for p in xiaoxue.knowledge.products)


# -- the checks ---------------------------------------------------------------------------------------------------

def test_must_must_any_and_must_not() -> None:
    answer = "[happy] You can get the Glacier Blue Team Hoodie for $65."
    assert failed_checks({"must": ["$65", "hoodie"]}, answer, _reading()) == []
    assert failed_checks({"must": ["$65", "$24"]}, answer, _reading()) == ["must: '$24' missing"]
    assert failed_checks({"must_any": ["$34", "$65"]}, answer, _reading()) == []
    assert failed_checks({"must_any": ["$34", "$48"]}, answer, _reading()) != []
    assert failed_checks({"must_not": ["$24"]}, answer, _reading()) == []
    assert failed_checks({"must_not": ["$65"]}, answer, _reading()) == ["must_not: '$65' said"]


def test_checks_read_the_spoken_text_case_and_apostrophes_aside() -> None:
    answer = "<point> KIDS’ SQUEEZE BOTTLE, [happy] yes"
    assert failed_checks({"must": ["Kids' Squeeze Bottle"]}, answer, _reading()) == []
    assert failed_checks({"must_not": ["point"]}, answer, _reading()) == []  # a tag is not spoken


def test_sources_no_facts_exact_tags_clarify() -> None:
    assert failed_checks({"sources": ["curling-granite|curling-sweeping"]}, "x", _reading(("curling-sweeping",))) == []
    assert failed_checks({"sources": ["curling-granite"]}, "x", _reading(("curling-sweeping",))) != []
    assert failed_checks({"no_facts": True}, "x", _reading()) == []
    assert failed_checks({"no_facts": True}, "x", _reading(("biathlon",))) != []
    assert failed_checks({"exact": True}, "x", _reading(hedged=True)) == ["exact: hedged or declined"]
    assert failed_checks({"tags": ["[sad"]}, "[sad 0.6] Oh no.", _reading()) == []
    assert failed_checks({"tags": ["<heart_hands>"]}, "[happy] Thanks!", _reading()) != []
    assert failed_checks({"clarify": True}, "Do you mean the Thermal Bottle?", _reading()) == []
    assert failed_checks({"clarify": True}, "It is $12.", _reading()) == ["clarify: no question back"]


def test_invented_numbers_fail_any_item_and_errors_must_match() -> None:
    assert failed_checks({"must": ["$65"]}, "It is $65.", _reading(invented=("$99",))) != []
    assert failed_checks({"error": "too_long"}, "", _reading(), error="too_long") == []
    assert failed_checks({"error": "too_long"}, "An answer.", _reading()) != []
    assert failed_checks({"must": ["x"]}, "", _reading(), error="empty") != []


# -- the judge ----------------------------------------------------------------------------------------------------

def test_the_judge_finds_what_an_answer_states(judge: Judge) -> None:
    fact = "[excited] Fun fact time! Curlers sweep the ice in front of the stone to warm and smooth it. <thumbs_up>"
    reading = judge.read(fact, "why do curlers sweep?")
    assert reading.stated == ("curling-sweeping",) and reading.unsupported == () and not reading.hedged
    price = judge.read("You can get the Kids' Squeeze Bottle for $12. It comes in blue and green.", "cheapest?")
    assert price.stated[0] == "kids-bottle" and price.unsupported == () and price.invented_numbers == ()


@pytest.mark.parametrize(("answer", "question", "product"), [
    ("[happy] <nod> The Glacier Blue Team Hoodie is in stock, with only a few left.", "hoodie in stock?",
     "team-hoodie"),
    ("[happy] <nod> The Snowflake Knit Beanie comes in white, navy and red, not in green.", "beanie in green?",
     "snowflake-beanie"),
])
def test_a_sentence_about_a_named_product_states_that_product(judge: Judge, answer: str, question: str,
                                                              product: str) -> None:
    """Not the FAQ ("hoodie-sizes") or the catalogue that share the name's words: found on heldout26's blind run,
    where right stock and colour answers counted wrong."""
    assert judge.read(answer, question).stated == (product,)


def test_the_judge_catches_invented_facts_and_prices(judge: Judge) -> None:
    made_up = judge.read("Curling was invented on the Moon in 1066.", "who invented curling?")
    assert made_up.unsupported and "1066" in made_up.invented_numbers
    wrong_price = judge.read("You can get the Glacier Blue Team Hoodie for $59.", "hoodie?")
    assert "$59" in wrong_price.invented_numbers


def test_the_judge_allows_derived_numbers_the_catalogue_and_the_show(judge: Judge) -> None:
    assert judge.read("The hoodie is $41 more than the beanie.", "how much more?").invented_numbers == ()
    catalogue = judge.read("We have 9 products, among them the Snowflake Knit Beanie.", "what do you sell?")
    assert catalogue.unsupported == () and catalogue.invented_numbers == ()
    show = judge.read("The show ends in about 7 minutes.", "when does it end?")
    assert show.unsupported == () and show.invented_numbers == () and "show" in show.stated
    # A limit the fan named, said back before a list of products within it, is no invented fact.
    within = judge.read("Below $25: the Collector Pin Set for $18 and the Thermal Bottle for $22.50.",
                        "got something below 25 dollars?")
    assert within.unsupported == () and within.invented_numbers == ()
    assert {"pin-set", "thermal-bottle"} <= set(within.stated)
    # A limit nobody named is still judged: no product list makes "$25" a fact.
    assert judge.read("Below $25: the Collector Pin Set for $18.", "what's cheap?").unsupported != ()
    # The engine's wording around the fan's own number states no fact (a decline or a verdict is the checks' to
    # judge); the same wording around a number the fan did not say does.
    assert judge.read("I don't have anything under $7 right now.", "anything under $7?").unsupported == ()
    unasked = judge.read("I don't have anything under $7 right now.", "anything cheap?")
    assert unasked.unsupported or unasked.invented_numbers


def test_persona_phrases_count_as_phrases_with_their_placeholders_filled_right(judge: Judge) -> None:
    unknown = judge.read("[thinking] Hmm, I honestly don't know that one, and I'd rather not guess.", "?")
    assert unknown.hedged and unknown.stated == () and unknown.unsupported == ()
    assert judge.phrase_kind("Do you mean the Thermal Bottle or the Kids' Squeeze Bottle?") == "clarify"
    assert judge.phrase_kind("Do you mean the Golden Sled or the Thermal Bottle?") is None
    assert judge.phrase_kind("I'm still Aurora, your winter sports host.") == "injection"
    assert judge.phrase_kind("I'm still Bob, your winter sports host.") is None


def test_the_show_fixture_is_at_the_curling_fact(aurora: Persona) -> None:
    rundown, runner = show_fixture(aurora)
    assert runner.current is not None and rundown.segments[runner.current].id == "curling-fact"
    assert rundown.segments[runner.upcoming].id == "first-questions"
    assert runner.show_time(SHOW_NOW) == SHOW_NOW


# -- the run ------------------------------------------------------------------------------------------------------

class EchoEngine(DialogueEngine):
    """Answers every message with its own text and records who asked (the harness is the point, not the engine)."""

    name = "echo"

    def __init__(self) -> None:
        self.turns: list[ChatTurn] = []

    async def reply(self, turn: ChatTurn, history: DialogueHistory | None = None) -> AsyncIterator[Sentence]:
        check_chat_text(turn.text)
        self.turns.append(turn)
        yield Sentence(f"You said {turn.text}.")


def test_a_dialogue_is_one_fan_and_each_item_a_new_one(judge: Judge) -> None:
    items = [Item("a", "follow_ups", (Turn("How much is the hoodie?"), Turn("and the beanie?", {"must": ["beanie"]}))),
             Item("b", "bad_input", (Turn("???", {"error": "empty"}),)),
             Item("c", "lookup", (Turn("price of the pins?", {"must": ["$18"]}),))]
    engine = EchoEngine()
    run = asyncio.run(run_engine("echo", engine, items, judge))
    users = [t.user for t in engine.turns if t.user != "warm-up"]
    assert users[0] == users[1] != users[2]
    summary = summarize(run, CATEGORIES)
    assert summary["categories"]["follow_ups"] == {"right": 1, "total": 1, "pct": 100.0}
    assert summary["categories"]["bad_input"]["right"] == 1
    assert summary["categories"]["lookup"]["right"] == 0
    assert summary["right"] == {"right": 2, "total": 3, "pct": 66.7}


def test_each_item_is_answered_as_if_it_came_first(aurora: Persona, judge: Judge) -> None:
    """The persona's phrase variants rotate from answer to answer; the evaluation restarts them for each item, so
    which thanks an item gets (and whether its check passes) never depends on the items before it."""
    engine = RetrievalEngine(aurora, KnowledgeIndex(aurora.knowledge, backend="bm25"))
    thanks = Item("t", "sentiment", (Turn("thank you so much!", {"must_any": ["welcome"]}),))
    question = Item("q", "lookup", (Turn("How thick is a hockey puck?", {"must": ["inch"]}),))
    alone = asyncio.run(run_engine("bm25", engine, [thanks], judge)).scored
    after = asyncio.run(run_engine("bm25", engine, [question, thanks], judge)).scored
    assert after[0].failures == [] and alone[0].answer == after[1].answer


def test_how_far_a_price_is_from_the_fans_number_is_no_invention(judge: Judge) -> None:
    question = "I've got 50 bucks, is that enough for the hoodie?"
    over = judge.read("No, the Glacier Blue Team Hoodie is $65. That's $15 more than your $50.", question)
    assert over.invented_numbers == () and over.unsupported == ()
    # Only the distance from the fan's own number: any other amount is still invented.
    assert "$13" in judge.read("That's $13 more than your $50.", question).invented_numbers
