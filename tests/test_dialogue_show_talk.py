"""Fans' questions about the show (models/dialogue/show_talk.py): where the show stands (ShowRunner.snapshot), the
answers from it alone, the engine's show intent, and what is not a show question."""

from __future__ import annotations

import pytest

from models.dialogue.engine import Answer, ChatTurn, RetrievalEngine
from models.dialogue.persona import load_default_persona, load_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex
from models.dialogue.show import Rundown, ShowRunner, ShowSnapshot, load_rundown, parse_rundown
from models.dialogue.show_talk import answer_show, is_show_question, show_thread
from models.dialogue.spec import SpecError
from tests.conftest import ROOT

AURORA = load_default_persona()
XIAOXUE = load_persona(sample_persona_path("zh"))
SAMPLE = ROOT / "examples" / "shows" / "sample_show.yaml"


def sample_at_curling(rundown: Rundown | None = None) -> ShowRunner:
    """The sample show (or `rundown`, a version of it) started at 0 with its first four segments done:
    `curling-fact` is on at show time 200 s."""
    runner = ShowRunner(rundown or load_rundown(SAMPLE))
    runner.start(0.0)
    for i, segment in enumerate(("opening", "first-fact", "beanie", "curling-intro")):
        runner.segment_done(segment, 40.0 * (i + 1))
    assert runner.rundown.segments[runner.current or 0].id == "curling-fact"
    return runner


#: Where the sample show stands at 200 s, `curling-fact` on (a snapshot is frozen: every test may read it).
AT_CURLING = sample_at_curling().snapshot(200.0)
#: At 200 s the last Q&A (`at: 480`, behind the dance break's cue) waits for its time at least: both are said.
LAST_QA_WHEN = "in about 5 minutes at the earliest, 8 minutes into the show."
LAST_QA = f"Questions are coming up: they open {LAST_QA_WHEN}"


def chinese_sample() -> Rundown:
    """The sample show for Xiaoxue: her facts' and products' ids in place of Aurora's."""
    return parse_rundown(SAMPLE.read_text().replace("fact: curling-granite", "fact: curling-stone-weight")
                         .replace("mascot-plush", "owl-plush"), persona=XIAOXUE)


def said(text: str, snapshot: ShowSnapshot | None, persona=AURORA) -> str:  # noqa: ANN001
    sentences = answer_show(text, snapshot, persona)
    assert sentences is not None, f"{text!r} was not taken as a show question"
    return " ".join(s.spoken for s in sentences)


def composed_at_curling(text: str) -> Answer:
    """The embedded engine's whole answer to `text`, the sample show at 200 s (`curling-fact` on)."""
    engine = RetrievalEngine(AURORA)
    runner = sample_at_curling()
    engine.show_source = lambda: runner.snapshot(200.0)
    return engine.compose(ChatTurn("fan", text))


def test_the_snapshot_splits_the_rundown_around_the_current_segment() -> None:
    snapshot = AT_CURLING
    assert (snapshot.title, snapshot.state, snapshot.show_time) == ("Winter Sports Live, episode 1", "running", 200.0)
    assert snapshot.current is not None and snapshot.current.id == "curling-fact"
    assert [s.id for s in snapshot.done] == ["opening", "first-fact", "beanie", "curling-intro"]
    assert snapshot.next is not None and (snapshot.next.id, snapshot.next.trigger) == ("first-questions", "after")
    assert [s.trigger for s in snapshot.to_come[1:3]] == ["cue", "after"]
    assert snapshot.end == 600.0 and snapshot.time_left == 400.0
    assert snapshot.first_to_come("dance").id == "dance-break" and snapshot.first_to_come("line").id == "goodbye"
    # How the host names segments comes from the host's persona, fixed at load time.
    assert snapshot.current.about == "curling" and snapshot.to_come[2].about == "Snowy Owl Mascot Plush"


def test_the_planned_end_is_the_duration_else_the_last_timed_segment_capped() -> None:
    capped = "title: t\nsegments:\n  - {id: a, type: line, text: Hi}\n  - {id: b, type: qa, questions: 1, at: 300, " \
             "max_s: 60}\n"
    assert parse_rundown(capped, persona=AURORA).planned_end() == 360.0
    assert parse_rundown(capped.replace(", max_s: 60", ""), persona=AURORA).planned_end() is None
    assert parse_rundown("duration: 900\n" + capped, persona=AURORA).planned_end() == 900.0


@pytest.mark.parametrize(("head", "field", "message"), [
    ("duration: 200\n", "duration", "planned to last 200 s, but the segment on line 5 starts at 300 s"),
    ("duration: 0\n", "duration", "must be > 0.0 and <= 86400.0, got 0"),
    ("duration: long\n", "duration", "number"),
])
def test_a_bad_duration_names_the_field(head: str, field: str, message: str) -> None:
    text = head + "title: t\nsegments:\n  - {id: a, type: line, text: Hi}\n  - {id: b, type: qa, questions: 1, " \
                  "at: 300}\n"
    with pytest.raises(SpecError) as caught:
        parse_rundown(text, "show.yaml", persona=AURORA)
    assert caught.value.field == field and message in caught.value.message, caught.value


@pytest.mark.parametrize(("question", "contains"), [
    ("What's on now?", "Right now it's a fun fact about curling."),
    ("what are we doing now?", "a fun fact about curling"),
    ("What's next?", "Next up: your questions, right after this."),
    ("what comes after this?", "your questions, right after this"),
    ("When does the show end?", "The show ends in about 7 minutes."),
    ("How long is the show?", "planned to run about 10 minutes"),
    ("how much longer?", "in about 7 minutes"),
    ("Is there a dance later?", "Yes, a dance break is still to come, after your questions, once we're ready."),
    ("When can I ask questions?", "Questions are coming up: they open right after this."),
    ("Will you show the plush?", "Yes, the Snowy Owl Mascot Plush is still to come"),
    ("will you show the beanie?", "I showed the Snowflake Knit Beanie earlier in the show."),
    ("Will you show the hoodie?", "The Glacier Blue Team Hoodie isn't part of tonight's show."),
    ("WHATS NEXT???", "Next up: your questions"),
    ("wats next 😀", "Next up: your questions"),
    ("wen does the show end", "The show ends in about 7 minutes."),
    ("what's after this?", "Next up: your questions"),
    ("are you going to dance?", "a dance break is still to come"),
    ("any more products coming up?", "Still to come: the Snowy Owl Mascot Plush."),
    ("What show is this?", "This is Winter Sports Live, episode 1."),
    ("hey aurora!! Q&A soon?", "Questions are coming up: they open right after this."),
    ("Hi Aurora! will you show the PLUSH", "Yes, the Snowy Owl Mascot Plush is still to come"),
])
def test_show_questions_are_answered_from_the_snapshot(question: str, contains: str) -> None:
    assert contains in said(question, AT_CURLING)


@pytest.mark.parametrize(("question", "answer"), [
    ("What happens after the Q&A?", "After your questions comes a dance break."),
    ("what comes after the dance?", "After a dance break comes the Snowy Owl Mascot Plush."),
    ("what's next after the questions?", "After your questions comes a dance break."),
    # Two Q&A windows to come: the words of the fan pick the one ("last-questions"), then the goodbye line.
    ("what happens after the last questions?", "After your questions, I'll say a few words."),
    ("what happens after the beanie?", "That part of the show is already over. Next up: your questions, right after "
                                       "this."),
])
def test_what_follows_a_named_part_of_the_show(question: str, answer: str) -> None:
    assert said(question, AT_CURLING) == answer


@pytest.mark.parametrize(("question", "contains"), [
    # in German, as a fan writes it (round 35)
    ("und was passiert nach dem Tanz-Pause?", "After a dance break comes"),
    ("Was kommt nach der Tanzeinlage", "After a dance break comes"),
    ("was kommt als nächstes?", "Next up: your questions")])
def test_what_follows_a_part_of_the_show_asked_in_german(question: str, contains: str) -> None:
    assert contains in composed_at_curling(question).text


def test_several_show_questions_in_one_message_are_each_answered() -> None:
    answer = said("What's next? And when does it end?", AT_CURLING)
    assert "Next up: your questions" in answer and "in about 7 minutes" in answer
    # Two wordings of the same question are answered once.
    assert said("how much longer, when does the show end?", AT_CURLING) == \
        "The show ends in about 7 minutes."
    assert said("还有多久结束？", AT_CURLING, XIAOXUE) == "节目大约7分钟后结束。"


def test_sources_name_the_product_and_fact_a_segment_states() -> None:
    snapshot = AT_CURLING
    now = answer_show("what's on now?", snapshot, AURORA)
    plush = answer_show("will you show the plush?", snapshot, AURORA)
    assert now is not None and now[0].sources == ("curling-granite",)
    assert plush is not None and plush[0].sources == ("mascot-plush",) and plush[0].product is not None
    assert now[0].text.startswith("[happy] <nod> ")


def test_times_come_from_the_rundown_only() -> None:
    """A segment on a cue, or after one of unknown length, gets no time; a timed one gets its own."""
    runner = sample_at_curling()
    runner.segment_done("curling-fact", 210.0)
    runner.jump("plush", 230.0)  # next: the random fact, then the Q&A at 480 s
    snapshot = runner.snapshot(240.0)
    assert said("what's next?", snapshot) == "Next up: a fun fact about figure skating, right after this."
    assert said("when can I ask questions?", snapshot) == "Questions are coming up: they open in about 4 minutes."
    assert said("is there a dance later?", snapshot) == "There's no more dancing in tonight's show."
    runner.jump("first-questions", 250.0)
    assert said("is there a dance later?", runner.snapshot(250.0)).endswith("as soon as we're ready.")


def test_between_segments_paused_and_past_the_end() -> None:
    runner = sample_at_curling()
    runner.segment_done("curling-fact", 210.0)
    runner.segment_done("first-questions", 300.0)  # the dance waits for its cue
    assert said("what's on now?", runner.snapshot(301.0)) == \
        "We're between segments right now. Next up: a dance break, as soon as we're ready."
    runner.pause(302.0)
    assert said("what's next?", runner.snapshot(900.0)).startswith("We're taking a short break in the show")
    assert said("what's on now?", runner.snapshot(900.0)) == "We're taking a short break in the show right now."
    runner.resume(903.0)
    assert said("how much longer?", runner.snapshot(903.0 + 400.0)) == "We're right at the end of the show."


def test_a_show_without_a_planned_end_says_so_and_counts_segments() -> None:
    runner = ShowRunner(parse_rundown("title: t\nsegments:\n  - {id: a, type: line, text: Hi}\n"
                                      "  - {id: b, type: line, text: Bye}\n  - {id: c, type: line, text: Bye}\n",
                                      persona=AURORA))
    runner.start(0.0)
    assert said("when does the show end?", runner.snapshot(5.0)) == \
        "There's no fixed end time: there are 2 more segments after this one."
    assert said("what's on now?", runner.snapshot(5.0)) == "Right now I'm just chatting with you all."
    runner.segment_done("a", 6.0)
    runner.segment_done("b", 7.0)
    assert said("how long is left?", runner.snapshot(8.0)) == "This is the last part of the show."


def test_a_segment_title_is_how_the_host_names_it() -> None:
    rundown = parse_rundown("title: t\nsegments:\n  - {id: a, type: line, text: Hi, title: our curling corner}\n"
                            "  - {id: b, type: product, product: team-hoodie}\n", persona=AURORA)
    runner = ShowRunner(rundown)
    runner.start(0.0)
    assert said("what's on now?", runner.snapshot(1.0)) == "Right now it's our curling corner."
    assert said("what's next?", runner.snapshot(1.0)) == "Next up: the Glacier Blue Team Hoodie, right after this."


def test_no_show_not_started_and_finished_are_said_plainly() -> None:
    assert said("what's next?", None) == "No show is running right now, but I'm happy to chat!"
    runner = ShowRunner(load_rundown(SAMPLE))
    assert "hasn't started yet" in said("when does the show end?", runner.snapshot(0.0))
    runner.start(0.0)
    runner.stop(10.0)
    assert said("what's next?", runner.snapshot(11.0)) == "Tonight's show is over. Thanks for watching!"


@pytest.mark.parametrize(("question", "answer"), [
    # The time the show has left, asked in minutes to come.
    ("how many more minutes of stream do we get?", "The show ends in about 7 minutes."),
    ("how many more minutes?", "The show ends in about 7 minutes."),
    ("how much more time do we have?", "The show ends in about 7 minutes."),
    # "At what point do you <do a part of the show>?": that part's time in the rundown, never the show's end.
    ("at what point do you dance tonight?", "Yes, a dance break is still to come, after your questions, once we're "
                                            "ready."),
    ("what time do you dance?", "Yes, a dance break is still to come, after your questions, once we're ready."),
    ("at what point do you take questions?", f"Questions are coming up: they open right after this. And again "
                                             f"{LAST_QA_WHEN}"),
    ("at what point do you show the plush?", "Yes, the Snowy Owl Mascot Plush is still to come, right after a "
                                             "dance break."),
])
def test_the_time_left_and_when_a_part_of_the_show_comes(question: str, answer: str) -> None:
    assert said(question, AT_CURLING) == answer


@pytest.mark.parametrize("text", [
    "What time is it in Tokyo?", "How long is a curling match?", "What's next for the Olympics?",
    "How much is the hoodie?", "What's going on with you?", "Dance break, everyone!", "Can you show me the way?",
    "The plush is coming up, yay", "I loved the dance break!", "I'll stay till the end of the show", "接下来是问答环节",
    "Who won the most medals?", "我们输了，好难过", "What's on sale?", "how much longer does the sale run?",
    "When does the sale end?", "when will my order arrive?", "how long is a hockey game?", "Can you dance?",
    "show me the hoodie", "what are you doing later?", "will you dance with me?",
    "What happens after the Olympics?", "how much is left of the beanie?", "how many more minutes of the sale?",
    "at what point do you take a knee in curling?",
])
def test_other_messages_are_not_show_questions(text: str) -> None:
    assert not is_show_question(text, AURORA)
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("question", "contains"), [
    ("现在是什么环节？", "现在是关于"),
    ("下一个是什么？", "接下来是问答环节"),
    ("节目几点结束？", "节目大约7分钟后结束。"),
    ("还有多久？", "大约7分钟"),
    ("待会还有跳舞吗？", "有的！后面还有跳舞环节"),
    ("什么时候可以提问？", "提问环节在后面，这个环节结束后就开始。"),
    ("直播是不是快结束了？", "节目大约7分钟后结束。"),
    ("现在在讲什么？", "现在是关于"),
    ("刚才讲了什么？", "节目到现在已经有："),
    ("下一个商品是什么？", "下一个商品是"),
    ("后面还有哪些环节？", "后面还有：问答环节、跳舞环节"),
    ("我是不是错过跳舞了？", "还没有呢：跳舞环节还在后面"),
    # families of wordings, as in English
    ("直播开始多久了？", "节目已经播了大约3分钟。"),
    ("问答环节几点开始？", "提问环节在后面"),
    ("节目是一个小时吗？", "节目计划播大约10分钟。"),
])
def test_chinese_show_questions(question: str, contains: str) -> None:
    assert contains in said(question, sample_at_curling(chinese_sample()).snapshot(200.0), XIAOXUE)
    assert "没有节目在进行" in said(question, None, XIAOXUE)


def test_the_engine_answers_show_questions_from_its_show_source() -> None:
    engine = RetrievalEngine(AURORA)
    no_show = engine.compose(ChatTurn("fan", "Hi Aurora! What's next?"))
    assert no_show.intent == "show" and "No show is running right now" in no_show.text
    assert "<wave>" in no_show.sentences[0].text  # the greeting first
    runner = sample_at_curling()
    engine.show_source = lambda: runner.snapshot(200.0)
    answer = engine.compose(ChatTurn("fan", "when does the show end?"))
    assert answer.intent == "show" and answer.text.endswith("The show ends in about 7 minutes.")
    # Not a show question: the knowledge base answers as before.
    assert engine.compose(ChatTurn("fan", "How heavy is a curling stone?")).intent == "fact"


@pytest.mark.parametrize("question", ["Hur länge är showen? like how long is the whole stream",
                                      "hoe lang duurt de show?", "hur länge är streamen?"])
def test_the_show_length_asked_in_dutch_or_swedish_chat_words(question: str) -> None:
    """The foreign chat words read as their English ("hur länge är showen" as "how long is the show")."""
    answer = composed_at_curling(question)
    assert answer.intent == "show" and "planned to run about 10 minutes" in answer.text, answer.text
    assert not any(u in answer.text for u in AURORA.phrases["unknown"])


@pytest.mark.parametrize("question", ["whens teh shwo end", "when does the shwo end?"])
def test_a_typo_of_show_is_still_the_show(question: str) -> None:
    answer = composed_at_curling(question)
    assert answer.intent == "show" and answer.text.endswith("The show ends in about 7 minutes.")


@pytest.mark.parametrize(("question", "answer"), [
    ("wait which bit of the show are we in rn?", "Right now it's a fun fact about curling."),
    ("what section of tonight's stream is this?", "Right now it's a fun fact about curling."),
    ("where are we at in the show?", "Right now it's a fun fact about curling."),
    ("can you run me through the rest of tonight's schedule?", "Still to come: your questions, a dance break, the "
                                                               "Snowy Owl Mascot Plush and a fun fact about figure"),
    ("walk me through the rest of the show", "Still to come: your questions, a dance break"),
    ("what's left on tonight's lineup?", "Still to come: your questions, a dance break"),
    ("tell me the rest of the rundown pls", "Still to come: your questions, a dance break"),
])
def test_the_part_on_now_and_the_rest_of_the_schedule_in_other_words(question: str, answer: str) -> None:
    """Which bit of the show is on, and what the rest of its schedule holds in order, however it is put."""
    engine = RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="bm25"))
    engine.show_source = lambda: AT_CURLING
    reply = engine.compose(ChatTurn("fan", question))
    assert reply.intent == "show" and answer in reply.text, (question, reply.text)
    assert not any(u in reply.text for u in AURORA.phrases["unknown"])


@pytest.mark.parametrize(("question", "when", "price"), [
    ("did I miss the beanie?? what did it cost", "That was earlier in the show: the Snowflake Knit Beanie.", "$24"),
    ("did i miss the plush? how much is it", "Not yet: the Snowy Owl Mascot Plush is still to come", "$29.99")])
def test_it_after_a_show_answer_is_the_product_that_answer_named(question: str, when: str, price: str) -> None:
    """ "Did I miss the beanie? what did it cost": "it" is the product the show answer named, never "which one?"."""
    engine = RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="bm25"))
    engine.show_source = lambda: AT_CURLING
    reply = engine.compose(ChatTurn("fan", question))
    assert when in reply.text and price in reply.text, reply.text
    assert "Which one do you mean" not in reply.text


@pytest.mark.parametrize(("question", "answer"), [
    # Near the end, and the time to it: the minutes left from the planned end.
    ("is the stream nearly finished?", "The show ends in about 7 minutes."),
    ("are we almost at the end?", "The show ends in about 7 minutes."),
    ("Aurora are u nearly done??", "The show ends in about 7 minutes."),
    ("how long until it ends?", "The show ends in about 7 minutes."),
    ("how many minutes left till the show is over", "The show ends in about 7 minutes."),
    # What is on: the topic of the current segment.
    ("what are we chatting about?", "Right now it's a fun fact about curling."),
    ("What's the topic right now?", "Right now it's a fun fact about curling."),
    ("what's happening right now on the show?", "Right now it's a fun fact about curling."),
    ("which part is this?", "Right now it's a fun fact about curling."),
    # What was missed: the segments done, as the host names them (her own lines list nothing), then what is on.
    ("I just got here, what have I missed?", "So far in the show: a fun fact about olympics and the Snowflake Knit "
                                             "Beanie. Right now it's a fun fact about curling."),
    ("what's the next item?", "The next product is the Snowy Owl Mascot Plush, right after a dance break."),
])
def test_more_ways_to_ask_about_the_show(question: str, answer: str) -> None:
    assert said(question, AT_CURLING) == answer


def test_what_happened_at_the_start_of_something_else_is_not_the_shows() -> None:
    assert answer_show("what happened at the start of the first olympics?", AT_CURLING, AURORA) is None


def test_after_that_one_follows_the_part_just_told() -> None:
    thread = show_thread("", "what's on at the moment?")
    answer = answer_show("right, and after that bit", AT_CURLING, AURORA, thread)
    assert answer is not None and "After a fun fact about curling comes your questions." in answer[0].spoken


def test_missed_and_next_product_at_the_edges_of_the_show() -> None:
    runner = ShowRunner(load_rundown(SAMPLE))
    runner.start(0.0)
    assert said("what did I miss?", runner.snapshot(1.0)) == \
        "So far I've just been chatting with you all. Right now I'm just chatting with you all."
    runner.jump("beanie", 2.0)
    # The product on now is not "the next" one.
    assert said("when's the next product?", runner.snapshot(3.0)) == \
        "The next product is the Snowy Owl Mascot Plush, right after a dance break."
    runner.jump("last-questions", 4.0)
    assert said("when's the next product?", runner.snapshot(500.0)) == \
        "There are no more products in tonight's show."
    assert "mascot-plush" in answer_show("what did i miss", runner.snapshot(500.0), AURORA)[0].sources


@pytest.mark.parametrize("text", [
    "is the hoodie almost sold out?", "is the sale nearly over?", "I'm almost done with my homework",
    # Said after a fact, this is a fan puzzled by what she said, not a question about the rundown.
    "what are you talking about?", "What did you say?", "when is my next order shipping?",
    "Hi Aurora, I watch every week and my sister loves the curling facts, and before the dance break starts, "
    "since the chat is busy tonight, do the mittens come in red?",
    "这件卫衣快卖完了吗？", "活动快结束了吗？", "你在说什么？",
])
def test_near_misses_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


def test_the_operator_status_carries_the_planned_end_and_time_left() -> None:
    status = sample_at_curling().status(250.0)
    assert (status["end"], status["time_left"], status["current"]) == (600.0, 350.0, "curling-fact")
    endless = ShowRunner(parse_rundown("title: t\nsegments:\n  - {id: a, type: line, text: Hi}\n", persona=AURORA))
    endless.start(0.0)
    assert (endless.status(30.0)["end"], endless.status(30.0)["time_left"]) == (None, None)


@pytest.mark.parametrize(("question", "answer"), [
    ("So what else is coming up tonight?", "Still to come: your questions, a dance break, the Snowy Owl Mascot Plush "
                                           "and a fun fact about figure skating."),
    ("what's on the agenda?", "Still to come: your questions, a dance break"),
    ("has the stream ended?", "The show ends in about 7 minutes."),
    ("are you logging off soon?", "The show ends in about 7 minutes."),
    # The fact on now is not "the next" one.
    ("when is the next fun fact??",
     "Another one is still to come: a fun fact about figure skating, right after the Snowy Owl Mascot Plush."),
    # "Did I miss …?": on now, still to come or over, the part the fan's words name best.
    ("did i miss the dancing", "Not yet: a dance break is still to come, after your questions, once we're ready."),
    ("have I missed the fact about the olympics?", "That was earlier in the show: a fun fact about olympics."),
    ("Did I miss the skating fact?", "Not yet: a fun fact about figure skating is still to come"),
    ("did I just miss the fun fact on curling?", "You're just in time: a fun fact about curling is on right now!"),
    ("did I miss the hoodie?", "That isn't part of tonight's show. Next up: your questions"),
    ("did I miss much?", "So far in the show: a fun fact about olympics"),
    # whether a part is over: on now, done or to come, the part named
    ("Is the curling bit already finished?", "You're just in time: a fun fact about curling is on right now!"),
    ("is the beanie done?", "That was earlier in the show: the Snowflake Knit Beanie."),
    ("is the dance break over yet?", "Not yet: a dance break is still to come"),
    # what follows a part once it is over
    ("Once the dancing is done, what are you doing next?", "After a dance break comes the Snowy Owl Mascot Plush."),
    # the rundown's question count, whoever's questions they are called
    ("how many fan questions will you answer in the upcoming Q&A?", "I'm taking 3 questions in that one."),
    ("how many viewer questions do you take in the next Q&A?", "I'm taking 3 questions in that one."),
])
def test_what_is_left_and_what_was_missed(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


@pytest.mark.parametrize("text", [
    "what's the next fact?", "what is the shipping schedule?", "what's left in stock?", "did I miss your message?",
    "did I miss the sale?", "is it over between us?", "what's the plan for the hoodie?",
])
def test_look_alikes_of_the_new_questions_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("question", "contains"), [
    ("whens the stream over", "The show ends in about 7 minutes."),
    ("how many minutes have we got left?", "The show ends in about 7 minutes."),
    ("when will the broadcast be done?", "The show ends in about 7 minutes."),
    ("are you going to be live much longer?", "The show ends in about 7 minutes."),
    ("will u be streaming much longer", "The show ends in about 7 minutes."),
    ("which part are we at?", "Right now it's a fun fact about curling."),
    ("where are we in the stream?", "Right now it's a fun fact about curling."),
    ("what time did the stream begin?", "We went live about 3 minutes ago."),
    ("will there be other merch?", "The next product is the Snowy Owl Mascot Plush"),
    ("what are we gonna cover next?", "Next up: your questions, right after this."),
    ("what happens next on the stream?", "Next up: your questions"),
    ("how long till you dance?", "a dance break is still to come"),
    ("could we send you questions soon?", "Questions are coming up: they open right after this."),
])
def test_other_wordings_of_the_show_questions(question: str, contains: str) -> None:
    assert contains in said(question, AT_CURLING)


@pytest.mark.parametrize("text", [
    "what will you do next week?", "will you be on tv?", "can I ask a question?", "are there more hoodies in stock?",
    "when is the hoodie back in stock?", "how long are the gloves?",
])
def test_look_alikes_of_other_wordings_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


def test_a_long_message_that_mentions_a_part_of_the_show_on_the_way_is_not_a_show_question() -> None:
    answer = composed_at_curling("Aurora my whole family watches every week, and my dad keeps asking about "
                                 "the Q&A, but before the dance break starts, how much is the beanie?")
    assert answer.intent != "show" and "still to come" not in answer.text and "$" in answer.text


# -- round 3: families of wordings (question word + show noun + time relation), not the eval's phrasings ----------

@pytest.mark.parametrize(("question", "answer"), [
    # The planned length, asked as a guess at it.
    ("is the stream an hour long?", "The show is planned to run about 10 minutes."),
    ("will the show last for half an hour?", "The show is planned to run about 10 minutes."),
    ("is tonight a two hour stream??", "The show is planned to run about 10 minutes."),
    ("how many minutes is the broadcast?", "The show is planned to run about 10 minutes."),
    ("how long do you stream for?", "The show is planned to run about 10 minutes."),
    # Which part is on, by a part noun and "is this" / "are we in".
    ("which section are we in?", "Right now it's a fun fact about curling."),
    ("what part of the show is this?", "Right now it's a fun fact about curling."),
    ("what bit is on now", "Right now it's a fun fact about curling."),
    # The show time so far, then what is on.
    ("how far in are we?", "We're about 3 minutes into the show. Right now it's a fun fact about curling."),
    ("how long has the stream been going?", "We're about 3 minutes into the show."),
    ("how long have you been live?", "We're about 3 minutes into the show."),
    # The end, asked as the host leaving.
    ("what time do you sign off?", "The show ends in about 7 minutes."),
    ("when will you wrap things up tonight?", "The show ends in about 7 minutes."),
    ("how long until you say bye?", "The show ends in about 7 minutes."),
    ("when does the stream wrap up?", "The show ends in about 7 minutes."),
    # "When is <part>?" and "is there more <part> later?" name the part by its kind.
    ("what time does the question round start?", "Questions are coming up: they open right after this."),
    ("how soon until the Q&A?", "Questions are coming up: they open right after this."),
    ("any more questions in the show?", "Questions are coming up: they open right after this."),
    ("are there any more dances later?",
     "Yes, a dance break is still to come, after your questions, once we're ready."),
    ("any more facts tonight?",
     "Another one is still to come: a fun fact about figure skating, right after the Snowy Owl Mascot Plush."),
    ("is there more merch coming?", "The next product is the Snowy Owl Mascot Plush, right after a dance break."),
    # "After <part>": the part named wins over its mere mention.
    ("anything on the stream after the Q&A?", "After your questions comes a dance break."),
    ("what follows the dancing?", "After a dance break comes the Snowy Owl Mascot Plush."),
    ("what comes once the dance is over?", "After a dance break comes the Snowy Owl Mascot Plush."),
    ("and what do we get on the show after the owl plush?", "After the Snowy Owl Mascot Plush comes a fun fact"),
    ("after the Q&A, is there anything else?", "After your questions comes a dance break."),
    ("how long's the stream?", "The show is planned to run about 10 minutes."),
    ("is it a short show tonight?", "The show is planned to run about 10 minutes."),
    ("what's happening in this segment?", "Right now it's a fun fact about curling."),
    ("are we halfway through?", "The show ends in about 7 minutes."),
    ("when's the goodbye?", "The show ends in about 7 minutes."),
    ("when do we get to ask you things?", "Questions are coming up"),
    ("when did we start?", "We went live about 3 minutes ago."),
])
def test_families_of_show_questions(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


@pytest.mark.parametrize("text", [
    "when do you stop selling the hoodie?", "when will it stop snowing?", "when do you finish work?",
    "when will my items arrive?", "are any items coming back in stock soon?", "what should I buy after the hoodie?",
    "how far is Beijing from Tokyo?", "is this hoodie one size?", "is it a 30 minute drive to the rink?",
    "when was the first dance at the Olympics?", "how long is the scarf?", "how long have you been a host?",
    "when can I wear the beanie?", "what do you do after the show?", "are there more hoodies coming soon?",
    "is a curling match an hour long?", "are you halfway done with the hoodie design?", "when did you start skiing?",
    "after the hoodie, what should I buy?", "is it a long drive?", "how long's the scarf?", "are we still friends?",
    "will we see snow tonight?", "are we going to see the northern lights?",
])
def test_look_alikes_of_the_families_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("question", "answer"), [
    # an adverb before the participle, and "how much (more) of the show is left" asks the time to the end
    ("what's tonight's show even called? 📺", "This is Winter Sports Live, episode 1."),
    ("what is the stream actually called?", "This is Winter Sports Live, episode 1."),
    ("how much more of the stream is left?", "The show ends in about 7 minutes."),
    ("how much of tonight's show is left?", "The show ends in about 7 minutes."),
    # the fans seeing a product is her showing it
    ("will we get to see the owl plush tonight?", "Yes, the Snowy Owl Mascot Plush is still to come"),
    ("are we going to see the beanie?", "I showed the Snowflake Knit Beanie earlier in the show."),
    # The show's name, with a courtesy or a reason after it.
    ("title of the stream please", "This is Winter Sports Live, episode 1."),
    ("name of the show, my sister wants to watch too", "This is Winter Sports Live, episode 1."),
    # What the show did at its start: the segments done.
    ("what did you do at the beginning of the stream? just joined", "So far in the show: a fun fact about olympics"),
    ("what was on at the start? I was late", "So far in the show: a fun fact about olympics"),
])
def test_more_wordings_of_show_questions(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


def test_a_scandinavian_question_word_asks_the_show_question() -> None:
    """"når does the show finish?": Norwegian "når" is "when" (moods.py's foreign words)."""
    engine = RetrievalEngine(AURORA, KnowledgeIndex(AURORA.knowledge, backend="bm25"))
    engine.show_source = lambda: AT_CURLING  # type: ignore[assignment]
    for question in ("når does the show finish?", "när does the stream end?"):
        assert "The show ends in about 7 minutes." in engine.compose(ChatTurn("fan", question)).text, question


@pytest.mark.parametrize(("question", "answer"), [
    # what fans watch is what is on now; the show's name is its title
    ("what am I watching?", "Right now it's a fun fact about curling."),
    ("What are you all watching at the moment?", "Right now it's a fun fact about curling."),
    ("what's this stream called?", "This is Winter Sports Live, episode 1."),
    ("what do you call this show?", "This is Winter Sports Live, episode 1."),
    # a segment done, on now or to come, named by its fact's topic or words (not only by its kind)
    ("have you told us about the Olympics yet?", "That was earlier in the show: a fun fact about"),
    ("did you cover the Chamonix games already?", "That was earlier in the show"),
    ("did you already talk about curling stones?", "You're just in time: a fun fact about curling is on right now!"),
    ("have you shown the owl plush yet?", "Not yet: the Snowy Owl Mascot Plush is still to come"),
    # a Q&A still to come, in fans' words
    ("will there be more questions at the end?", "Questions are coming up"),
    ("could I ask a few more things later?", "Questions are coming up"),
    ("can we still send you questions after this?", "Questions are coming up"),
])
def test_round_four_wordings_of_show_questions(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


@pytest.mark.parametrize("text", [
    "did you talk about the hoodie's price?", "did you ever go to the Olympics?", "what are we watching on TV tonight?",
    "can I ask you something?", "what's your dog called?", "have you been to Chamonix?", "did you do your homework?",
])
def test_look_alikes_of_round_four_wordings_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("question", "answer"), [
    # what is on, with the show named before (or after) the time word, and adverbs between the words
    ("What's happening on the show right now?", "Right now it's a fun fact about curling."),
    ("what's going on in the stream at the moment?", "Right now it's a fun fact about curling."),
    ("What's actually happening on today's show right now?", "Right now it's a fun fact about curling."),
    # the planned length of the whole show: any determiner, "whole" / "entire" / "full", an adverb after "how long"
    ("How long is the whole show?", "The show is planned to run about 10 minutes."),
    ("how long exactly is the entire stream?", "The show is planned to run about 10 minutes."),
    ("How long's the full show?", "The show is planned to run about 10 minutes."),
    ("how long does this entire show last?", "The show is planned to run about 10 minutes."),
])
def test_round_five_wordings_of_show_questions(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


@pytest.mark.parametrize("text", [
    "what's happening on the show tomorrow?", "How long is the whole curling match?", "how long is the whole hoodie?",
    "what's happening in the Olympics right now?", "what's happening on the ice right now?",
])
def test_look_alikes_of_round_five_wordings_are_not_show_questions(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("text", "answer"), [
    # at 200 s: the first Q&A is next, the last one is timed at 480 s, a floor: not before 8 minutes
    ("when's the last q&a?", LAST_QA),
    ("when is the final questions segment", LAST_QA),
    ("when's the second q&a?", LAST_QA),
    ("when's the first q&a?", "Questions are coming up: they open right after this."),
    ("when's the first fact?", "That part of the show is already over."),
    ("when's the third q&a?", "There's no Q&A left in tonight's show."),
])
def test_a_part_by_its_ordinal_is_that_one_of_the_rundown(text: str, answer: str) -> None:
    assert said(text, AT_CURLING) == answer


@pytest.mark.parametrize(("question", "fact"), [
    ("wait what did u just say about curling stones", "curling-granite"),
    ("what was that about curling?", "curling-granite"),
    ("sorry what did you say about the olympics?", "first-winter-games"),
])
def test_what_she_just_said_about_a_topic_is_the_fact_the_show_told(question: str, fact: str) -> None:
    """The fan missed a fact the show told (on now or done): that fact again, not her line about the sport."""
    sentences = answer_show(question, AT_CURLING, AURORA)
    assert sentences is not None and sentences[0].sources == (fact,)
    told = AURORA.knowledge.fact(fact)
    assert told is not None and told.text in sentences[0].text
    assert answer_show("what did you just say about the hoodie", AT_CURLING, AURORA) is None  # never told


@pytest.mark.parametrize("question", ["is the hoodie worth it over the beanie?",
                                      "Do you have goggles that'll fit over my helmet?"])
def test_over_inside_a_question_asks_nothing_of_the_show(question: str) -> None:
    assert not is_show_question(question, AURORA)


@pytest.mark.parametrize("question", ["will you dance for us tonight??", "are you gonna dance later?",
                                      "will u dance today?"])
def test_will_you_do_a_part_of_the_show_says_whether_it_is_to_come(question: str) -> None:
    answer = said(question, AT_CURLING)
    assert "dance break" in answer and "Yes" in answer


@pytest.mark.parametrize("question", ["is the show ending in 2 minutes??", "will the stream be over in 10 minutes?",
                                      "how long till the show's over?", "how long until the stream's done?"])
def test_an_end_asked_against_a_time_or_as_the_shows_over_says_the_time_left(question: str) -> None:
    answer = said(question, AT_CURLING)
    assert "7 minutes" in answer and "2 minutes" not in answer and "10 minutes" not in answer


@pytest.mark.parametrize("question", ["What's the fact you're on right now about?", "what's the current fact about?",
                                      "what is the fun fact we're on about"])
def test_what_the_current_fact_is_about_is_the_fact_itself(question: str) -> None:
    answer = said(question, AT_CURLING)
    assert "Ailsa Craig" in answer and "Chamonix" not in answer


# -- round 19: the show as a whole, what is left of it, and a message's halves that ask one thing -----------------

@pytest.fixture(scope="module", params=["embeddings", "bm25"])
def index(request: pytest.FixtureRequest) -> KnowledgeIndex:
    if request.param == "embeddings":
        pytest.importorskip("sentence_transformers")
    return KnowledgeIndex(AURORA.knowledge, backend=request.param)


def at_curling(index: KnowledgeIndex, text: str) -> str:
    """What a fresh engine over `index` says to `text` with the sample show at curling (200 s)."""
    engine = RetrievalEngine(AURORA, index)
    engine.show_source = lambda: AT_CURLING
    return engine.compose(ChatTurn("fan", text)).text


@pytest.mark.parametrize("question", ["what's tonight's show about", "what is today's stream about?",
                                      "what's your show about", "what's the whole episode about?"])
def test_what_the_show_is_about_is_its_title(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert "This is Winter Sports Live, episode 1." in answer
    assert not any(u in answer for u in AURORA.phrases["unknown"])


@pytest.mark.parametrize("question", ["what's the plan for the rest of the show", "what else is coming up",
                                      "what else is on tonight?", "what's still to come?"])
def test_what_is_left_of_the_show_is_the_segments_to_come_in_order(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert ("Still to come: your questions, a dance break, the Snowy Owl Mascot Plush and a fun fact about "
            "figure skating.") in answer
    assert "curling" not in answer and "Beanie" not in answer  # the current one and those done are not to come


@pytest.mark.parametrize("question", ["what's the plan for the weekend", "what are your plans for the holidays"])
def test_plans_outside_the_show_are_not_what_is_left_of_it(index: KnowledgeIndex, question: str) -> None:
    assert "Still to come" not in at_curling(index, question)


@pytest.mark.parametrize("question", ["how many more minutes is the stream going for",
                                      "how many more mins are you live?", "how many minutes are remaining",
                                      "how much time is remaining", "how many minutes does the show have left",
                                      "how many more minutes will it last?"])
def test_more_left_and_remaining_ask_the_time_to_the_end_not_since_the_start(question: str) -> None:
    answer = said(question, AT_CURLING)
    assert "The show ends in about 7 minutes." in answer
    assert "3 minutes into" not in answer and "planned to run" not in answer


@pytest.mark.parametrize("question", ["is there a Q&A today? when", "any questions round later? when?",
                                      "will you dance later? when", "when? is there a dance break"])
def test_a_bare_when_belongs_to_the_show_question_beside_it(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert "Questions are coming up" in answer or "dance break is still to come" in answer, answer
    assert not any(u in answer for u in AURORA.phrases["unknown"])


@pytest.mark.parametrize("question", ["what are we on at this moment, i just joined", "what's happening atm?",
                                      "what are you talking about at this moment"])
def test_at_this_moment_and_atm_ask_what_is_on_now(question: str) -> None:
    assert said(question, AT_CURLING) == "Right now it's a fun fact about curling."


# -- what the show ends with, and an order's "leave" ------------------------------------------------------

GOODBYE = 'That\'s me saying "That\'s all for tonight! Thank you for watching, and see you on the slopes!"'


@pytest.mark.parametrize("question", ["how are you closing tonight's show, what comes at the very end?",
                                      "what comes at the very end?", "how does the show end?",
                                      "what's the grand finale tonight?", "how are you wrapping up the stream?"])
def test_what_the_show_ends_with_is_its_last_segment_said_once(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert answer.count(GOODBYE) == 1, answer
    assert not any(p in answer for p in (*AURORA.phrases["how_are_you"], *AURORA.phrases["unknown"]))


@pytest.mark.parametrize("question", ["when does the show end?", "what time do you wrap up tonight?"])
def test_when_the_show_ends_is_still_a_time(question: str) -> None:
    answer = said(question, AT_CURLING)
    assert "The show ends in about 7 minutes." in answer and GOODBYE not in answer


@pytest.mark.parametrize("question", ["how do you finish a curling match?",
                                      "what happens at the end of a curling match?"])
def test_the_end_of_something_else_is_not_the_shows(question: str) -> None:
    sentences = answer_show(question, AT_CURLING, AURORA)
    assert sentences is None or GOODBYE not in " ".join(s.spoken for s in sentences)


@pytest.mark.parametrize("question", ["If I order tonight, when does it leave?",
                                      "If I order tonight, when will it be sent?"])
def test_an_order_that_leaves_is_the_shipping_not_the_show(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert "ship within two business days" in answer, answer
    assert "The show ends" not in answer


def test_leaving_is_still_the_show_when_no_order_is_named() -> None:
    assert "The show ends in about 7 minutes." in said("when do you leave?", AT_CURLING)
    assert "The show ends in about 7 minutes." in said("when does the show end? I want to order the hoodie",
                                                       AT_CURLING)


@pytest.mark.parametrize("question", ["what number episode are we watching tonight?", "what episode number is this?",
                                      "which episode is on tonight?"])
def test_the_episode_asked_is_the_rundowns_title(question: str) -> None:
    assert "This is Winter Sports Live, episode 1." in said(question, AT_CURLING)


@pytest.mark.parametrize(("question", "answer"), [
    ("oh no, did the beanie part already happen? just joined",
     "That was earlier in the show: the Snowflake Knit Beanie"),
    ("has the dance break happened yet?", "Not yet: a dance break is still to come"),
])
def test_whether_a_part_already_happened_is_whether_it_is_done(index: KnowledgeIndex, question: str,
                                                              answer: str) -> None:
    assert answer in at_curling(index, question)


def test_whether_a_thing_of_the_world_happened_is_not_the_shows() -> None:
    assert answer_show("did the olympics already happen this year?", AT_CURLING, AURORA) is None


@pytest.mark.parametrize(("question", "answer"), [
    ("was the beanie already on? just tuned in", "That was earlier in the show: the Snowflake Knit Beanie."),
    ("was the beanie shown already?", "That was earlier in the show: the Snowflake Knit Beanie."),
    ("is the plush on yet?", "Not yet: the Snowy Owl Mascot Plush is still to come"),
    ("was the curling fact already on?", "You're just in time: a fun fact about curling is on right now!"),
])
def test_whether_a_part_was_already_on(question: str, answer: str) -> None:
    assert said(question, AT_CURLING).startswith(answer)


@pytest.mark.parametrize("text", ["is the hoodie on sale?", "was the beanie on sale last week?",
                                  "is the sale on already?"])
def test_on_sale_is_no_part_of_the_show_on_the_air(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize("question", ["what fact are you on right now? missed the start", "which fact is this?",
                                      "what fact is on now?", "which fun fact are you telling?"])
def test_which_fact_is_on_is_answered_by_the_fact_itself(question: str) -> None:
    """"What fact are you on?" asks the fact, not only its topic: the rundown's fact on now, told."""
    sentences = answer_show(question, AT_CURLING, AURORA)
    assert sentences is not None and sentences[0].sources == ("curling-granite",)
    assert "Ailsa Craig" in sentences[0].text and "granite" in sentences[0].text


@pytest.mark.parametrize("text", ["Which island is the granite for curling stones quarried on?",
                                  "is snowboarding still your thing or did u move on"])
def test_on_at_the_end_without_a_time_word_is_no_show_question(text: str) -> None:
    assert answer_show(text, AT_CURLING, AURORA) is None


@pytest.mark.parametrize("question", ["will there be more questions near the end",
                                      "are there any more questions later?",
                                      "will there be some more questions towards the end?"])
def test_more_questions_later_is_the_rundowns_later_qa(question: str) -> None:
    answer = f"Questions are coming up: they open right after this. And again {LAST_QA_WHEN}"
    assert said(question, AT_CURLING) == answer


@pytest.mark.parametrize("question", ["quando finisce lo show? when does it end",
                                      "cuándo termina el show? when does the stream end"])
def test_when_it_ends_asked_twice_in_two_languages_is_answered_once_with_no_decline(question: str) -> None:
    answer = composed_at_curling(question)
    assert answer.text.endswith("The show ends in about 7 minutes.") and answer.text.count("7 minutes") == 1
    assert not any(p in answer.text for p in (*AURORA.phrases["unknown"], *AURORA.phrases["partial"]))


# -- round 25: the show's name asked again, its products still to come, the time left asked in a fan's language -----

@pytest.mark.parametrize("question", ["hold on, what was this program called?", "remind me the title of the stream?",
                                      "what's the stream's name again"])
def test_the_shows_name_asked_again_is_its_title(question: str) -> None:
    assert "This is Winter Sports Live, episode 1." in said(question, AT_CURLING)


def test_the_name_of_a_thing_of_the_show_is_not_its_title() -> None:
    assert not is_show_question("what's the name of the show's mascot?", AURORA)


@pytest.mark.parametrize("question", ["are there other items still to come, or was the hoodie the last?",
                                      "more merch coming later on? or was that beanie all"])
def test_more_products_to_come_after_one_named_are_the_shows(index: KnowledgeIndex, question: str) -> None:
    answer = at_curling(index, question)
    assert "Snowy Owl Mascot Plush" in answer and "$" not in answer, answer


@pytest.mark.parametrize("question", ["what time tonight do you show the plush?",
                                      "at what point later do you present the plush"])
def test_when_a_product_is_shown_with_a_time_word_between(question: str) -> None:
    assert "Snowy Owl Mascot Plush is still to come, right after a dance break" in said(question, AT_CURLING)


@pytest.mark.parametrize("question", ["quanto tempo falta?", "oi! cuanto tiempo queda en el stream",
                                      "cuánto tiempo left of the show??"])
def test_the_time_left_asked_in_a_fans_language(index: KnowledgeIndex, question: str) -> None:
    assert "The show ends in about 7 minutes." in at_curling(index, question)


# -- round 26: the fact on now asked for itself; "and after that?" after an acknowledgement ----------------------

@pytest.mark.parametrize("question", ["what's the fun fact at the moment? i joined late",
                                      "whats the current fact rn, something about stones?"])
def test_the_fact_on_now_asked_for_is_said(index: KnowledgeIndex, question: str) -> None:
    assert "Ailsa Craig" in at_curling(index, question)


@pytest.mark.parametrize("then", ["cool, and after that?", "oh ok and then what?", "right, so after that?"])
def test_and_after_that_after_an_acknowledgement_walks_on(index: KnowledgeIndex, then: str) -> None:
    engine = RetrievalEngine(AURORA, index)
    engine.show_source = lambda: AT_CURLING
    engine.compose(ChatTurn("fan", "what's on right now?"))
    assert "your questions" in engine.compose(ChatTurn("fan", then)).text


# -- round 27: how much longer the show runs, in the words of a fan's own language ------------------------------

@pytest.mark.parametrize("question", ["wie lange dauert es noch?", "cuánto queda? need to start dinner soon",
                                      "quanto manca? devo uscire", "hoe lang duurt het nog?", "ile jeszcze?",
                                      "gaano katagal pa po?", "ne kadar kaldı?", "あと何分ですか?", "얼마나 남았어요?"])
def test_how_much_longer_in_a_fans_language_is_the_time_left(index: KnowledgeIndex, question: str) -> None:
    """German, Spanish (with an English aside), Italian, Dutch, Polish, Tagalog, Turkish, Japanese, Korean: the time
    left, never the show's whole length or "I don't know" (languages.py's table reads them as "how much longer is the
    show")."""
    answer = at_curling(index, question)
    assert "The show ends in about 7 minutes." in answer and "10 minutes" not in answer, answer


@pytest.mark.parametrize("question", [
    "just one session of questions tonight, or will there be another towards the end?",
    "only one round of questions or is there a second one?",
    "is there a round of fan questions later?",
])
def test_a_second_round_of_questions_is_said_with_when(question: str) -> None:
    # "A round of questions" names the Q&A, and "near / towards the end" asks whether one comes later: both are said.
    assert said(question, AT_CURLING) == f"Questions are coming up: they open right after this. And again " \
                                         f"{LAST_QA_WHEN}"


@pytest.mark.parametrize(("question", "answer"), [
    ("how long till we're all done?", "The show ends in about 7 minutes."),
    ("did we already miss the dance?", "Not yet: a dance break is still to come, after your questions, once we're "
                                       "ready."),
    ("what's next aurora", "Next up: your questions, right after this."),
])
def test_show_questions_with_already_all_or_her_name_said(question: str, answer: str) -> None:
    assert said(question, AT_CURLING) == answer


# -- round 28: the fact just told asked again; a show after this one --------------------------------------------

@pytest.mark.parametrize("question", ["what fact did u just tell us? wasn't looking", "can you repeat that fact again",
                                      "sorry, what was that fact again?"])
def test_the_fact_just_told_asked_again_is_the_shows(index: KnowledgeIndex, question: str) -> None:
    assert "Ailsa Craig" in at_curling(index, question)


@pytest.mark.parametrize("question", ["when is your next stream?", "are you streaming again tomorrow",
                                      "what day is the next episode"])
def test_a_show_after_this_one_is_not_known(index: KnowledgeIndex, question: str) -> None:
    """The rundown is tonight's show alone: the honest "I don't know", no time of this show in its place."""
    answer = at_curling(index, question)
    assert "I don't know yet when the next show is" in answer and "minutes" not in answer, answer


# -- round 29: what she just said, by the thing it named; which episode; one answer for a show after this one -----

@pytest.mark.parametrize("question", ["hold on, what was the scottish island you just mentioned?",
                                      "which was that granite place you just talked about"])
def test_the_thing_she_just_said_is_the_fact_that_named_it(question: str) -> None:
    """"What was the X you just said": the fact told (on now) that names it, not her line about the sport."""
    sentences = answer_show(question, AT_CURLING, AURORA)
    assert sentences is not None and sentences[0].sources == ("curling-granite",)
    assert answer_show("what was the hoodie you just said", AT_CURLING, AURORA) is None  # no fact of the show


@pytest.mark.parametrize("question", ["what episode number is tonight?", "is this the 1st episode?",
                                      "is today the first one?", "how many episodes have there been?"])
def test_which_episode_this_is_comes_from_the_shows_title(question: str) -> None:
    assert said(question, AT_CURLING) == "This is Winter Sports Live, episode 1."


def test_which_episode_says_only_the_title_when_it_names_none() -> None:
    untitled = sample_at_curling(parse_rundown(SAMPLE.read_text().replace("Winter Sports Live, episode 1",
                                                                          "Winter Sports Live"))).snapshot(200.0)
    assert said("ep number?", untitled) == "This is Winter Sports Live."


@pytest.mark.parametrize("text", ["is this the first one you showed?", "the mittens, is it the 2nd one?"])
def test_a_first_one_that_points_at_a_product_is_no_episode_question(text: str) -> None:
    assert "episode 1" not in " ".join(s.text for s in answer_show(text, AT_CURLING, AURORA) or [])


@pytest.mark.parametrize("question", ["upcoming streams? same time next friday?", "u live again next week??",
                                      "tomorrow same time?"])
def test_a_show_after_this_one_is_one_honest_answer(index: KnowledgeIndex, question: str) -> None:
    """Every clause asking after a later show is the one show question: its "not known", said once."""
    answer = at_curling(index, question)
    assert answer.count("don't know") == 1 and "next show" in answer, answer
    assert not any(p in answer for p in AURORA.phrases["unknown"]), answer


@pytest.mark.parametrize(("snapshot", "persona", "question"), [
    (None, AURORA, "when is the next stream?"),
    (AT_CURLING, XIAOXUE, "下一期节目什么时候？"),
])
def test_a_show_after_this_one_is_not_known_with_or_without_this_one(snapshot: ShowSnapshot | None,
                                                                      persona: object, question: str) -> None:
    text = said(question, snapshot, persona)
    assert "don't know" in text or "不知道" in text, text


@pytest.mark.parametrize("question", ["is it too late to ask you stuff?",
                                      "could i still ask something towards the end of the show?"])
def test_whether_there_is_still_time_for_questions_is_the_qa_to_come(question: str) -> None:
    assert "Questions are coming up" in said(question, AT_CURLING)


@pytest.mark.parametrize("text", ["after the fan questions, then? what comes next", "after the Q&A, hm? what's next"])
def test_a_time_named_before_its_question_asks_what_comes_after_that_part(text: str) -> None:
    """"after the Q&A, nani? what comes next": the part after the one named, not what is next now."""
    answer = composed_at_curling(text)
    assert "After your questions comes a dance break." in answer.text and "Next up" not in answer.text, answer.text


@pytest.mark.parametrize(("question", "answer"), [
    # Chat's "q's" are the questions (the last round of them: its time).
    ("when do the final q's start", LAST_QA),
    # More facts later: another is still to come (not only which one is next).
    ("will there be more facts later or was that it", "Another one is still to come: a fun fact about figure "
                                                      "skating, right after the Snowy Owl Mascot Plush."),
    # The time to her goodbye, the time left, where the show stands: the time to the end.
    ("how many minutes until you say goodbye?", "The show ends in about 7 minutes."),
    ("how long do we have left", "The show ends in about 7 minutes."),
    ("are we close to the end?", "The show ends in about 7 minutes."),
])
def test_round_36_ways_to_ask_about_the_show(question: str, answer: str) -> None:
    assert said(question, AT_CURLING) == answer


def test_the_shows_length_with_on_for_and_a_goodbye_asked_of_not_said() -> None:
    """"How long is the stream on for?" asks its length ("is the show on YouTube?" is no show question); "how long
    till goodbye?" asks the time to hers, with no goodbye of her own in the answer."""
    assert "planned to run about 10 minutes" in said("how long is the stream on for today?", AT_CURLING)
    answer = composed_at_curling("how many more minutes till goodbye? last orders at the bar soon")
    assert "ends in about 7 minutes" in answer.text and "Bye" not in answer.text, answer.text
    assert not is_show_question("is the show on youtube", AURORA)
    # Scots "the noo" is now (chat spelling, read by the engine before the show talk).
    assert "Right now it's a fun fact about curling." in composed_at_curling("so what are you on the noo?").text
