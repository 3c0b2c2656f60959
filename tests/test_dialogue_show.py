"""Rundown files (errors with file, line and field) and the pure ShowRunner state machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from models.dialogue.persona import load_default_persona
from models.dialogue.show import (
    SegmentEnded,
    SegmentStarted,
    ShowError,
    ShowFinished,
    ShowRunner,
    WaitingForCue,
    load_rundown,
    parse_rundown,
)
from models.dialogue.spec import SpecError

ROOT = Path(__file__).resolve().parents[1]
PERSONA = load_default_persona()
#: At 200 s the last Q&A (`at: 480`, behind the dance break's cue) waits for its time at least: both are said.
LAST_QA_WHEN = "in about 5 minutes at the earliest, 8 minutes into the show."
LAST_QA = f"Questions are coming up: they open {LAST_QA_WHEN}"

SHOW = """\
title: Test show
segments:
  - id: hello
    type: line
    text: "[happy] <wave> Hello!"
  - id: fact
    type: fun_fact
    fact: next
  - id: spot
    type: product
    product: team-hoodie
    max_s: 20
  - id: dance
    type: dance
    cue: music-ready
    duration: 8
  - id: qa
    type: qa
    questions: 2
    at: 100
  - id: bye
    type: line
    text: "Bye!"
"""


def started(events: list) -> list[str]:  # noqa: ANN001
    return [e.segment.id for e in events if isinstance(e, SegmentStarted)]


def test_sample_show_loads() -> None:
    rundown = load_rundown(ROOT / "examples/shows/sample_show.yaml")
    assert rundown.segments[0].id == "opening" and len(rundown.segments) >= 8
    assert {s.type for s in rundown.segments} == {"line", "product", "fun_fact", "dance", "qa"}
    told = [s.fact for s in rundown.segments if s.type == "fun_fact"]
    assert len(told) == len(set(told))  # "next" picks a fact no other segment tells


def test_runner_walks_the_rundown_on_a_virtual_clock() -> None:
    runner = ShowRunner(parse_rundown(SHOW, persona=PERSONA))
    assert started(runner.start(10.0)) == ["hello"]
    assert runner.segment_done("hello", 12.0)[-1].segment.id == "fact"
    assert runner.rundown.segments[1].fact == PERSONA.knowledge.fun_facts[0].id
    assert started(runner.segment_done("fact", 15.0)) == ["spot"]
    # The product spotlight is capped at 20 s of show time.
    assert runner.poll(30.0) == [] and runner.next_wake(30.0) == 35.0
    events = runner.poll(35.0)
    assert isinstance(events[0], SegmentEnded) and events[0].reason == "max_s"
    assert isinstance(events[1], WaitingForCue) and events[1].cue == "music-ready"
    assert started(runner.cue("music-ready", 40.0)) == ["dance"]
    # qa waits for show time 100 (now - start = show time while never paused).
    assert [type(e) for e in runner.segment_done("dance", 50.0)] == [SegmentEnded]
    assert runner.next_wake(50.0) == 110.0
    assert started(runner.poll(110.0)) == ["qa"]
    assert started(runner.segment_done("qa", 150.0)) == ["bye"]
    finished = runner.segment_done("bye", 152.0)
    assert isinstance(finished[-1], ShowFinished) and finished[-1].show_time == 142.0
    assert runner.state == "finished"


def test_pause_stops_show_time_and_next_and_jump() -> None:
    runner = ShowRunner(parse_rundown(SHOW, persona=PERSONA))
    runner.start(0.0)
    runner.pause(5.0)
    assert runner.show_time(50.0) == 5.0
    assert [type(e) for e in runner.segment_done("hello", 6.0)] == [SegmentEnded]  # paused: the next waits
    runner.resume(20.0)
    assert runner.show_time(21.0) == 6.0
    assert runner.current == 1  # resume started the fact segment
    skipped = runner.next(22.0)
    assert skipped[0].reason == "skipped" and started(skipped) == ["spot"]
    jumped = runner.jump("qa", 23.0)
    assert jumped[0].reason == "jumped" and started(jumped) == ["qa"]
    assert runner.segment_done("spot", 24.0) == []  # stale: already ended
    assert started(runner.jump("hello", 25.0)) == ["hello"]  # back to the top
    with pytest.raises(ShowError, match="no segment 'nope'"):
        runner.jump("nope", 26.0)
    with pytest.raises(ShowError, match="cannot start a show that is running"):
        runner.start(27.0)


def test_late_timed_segment_reports_lateness() -> None:
    runner = ShowRunner(parse_rundown(SHOW, persona=PERSONA))
    runner.start(0.0)
    runner.jump("dance", 1.0)
    events = runner.segment_done("dance", 130.0)
    assert events[1].segment.id == "qa" and events[1].late_s == pytest.approx(30.0)


def test_armed_cue_fires_when_reached() -> None:
    runner = ShowRunner(parse_rundown(SHOW, persona=PERSONA))
    runner.start(0.0)
    runner.cue("music-ready", 1.0)  # the music desk is ready early
    runner.jump("spot", 2.0)
    assert started(runner.segment_done("spot", 3.0)) == ["dance"]


def _error(text: str, base: Path = Path(".")) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_rundown(text, "show.yaml", base=base, persona=PERSONA)
    return info.value


@pytest.mark.parametrize("old,new,line,field,message", [
    ("product: team-hoodie", "product: team-hoody", 11, "segments[2].product", "no product 'team-hoody'"),
    ("fact: next", "fact: invented-fact", 8, "segments[1].fact", "no fun fact 'invented-fact'"),
    ('text: "Bye!"', 'text: "Bye! <moonwalk>"', 23, "segments[5].text", "unknown gesture 'moonwalk'"),
    ("questions: 2", "questions: 0", 19, "segments[4].questions", "between 1 and 100"),
    ("    type: qa", "    type: quiz", 18, "segments[4].type", "unknown value 'quiz'"),
    ("    at: 100", "    at: 100\n    cue: x", 21, "segments[4].cue", "not both"),
    ("  - id: bye", "  - id: hello", 21, "segments[5].id", "duplicate segment id 'hello' (first on line 3)"),
    ("    duration: 8", "    duration: 8\n    tempo: 120", 17, "segments[3].tempo", "unknown field"),
    ("    duration: 8", "", 13, "segments[3].music", "needs music or a duration"),
    ("    max_s: 20", "    max_s: 20\n    at: 200", 21, "segments[4].at",
     "starts at 100 s, before the segment on line 9 (200 s)"),
])
def test_rundown_errors_name_line_and_field(old: str, new: str, line: int, field: str, message: str) -> None:
    assert old in SHOW
    error = _error(SHOW.replace(old, new, 1))
    assert (error.line, error.field) == (line, field) and message in error.message, str(error)
    assert str(error).startswith(f"show.yaml:{line}: {field}: ")


def test_music_paths_are_checked(tmp_path: Path) -> None:
    text = SHOW.replace("    duration: 8", "    music: theme.wav")
    assert "music file" in _error(text, tmp_path).message
    soundfile.write(tmp_path / "theme.wav", np.zeros(2205, dtype=np.float32), 22050)
    rundown = parse_rundown(text, "show.yaml", base=tmp_path, persona=PERSONA)
    assert rundown.segments[3].music == tmp_path / "theme.wav"


def test_empty_and_malformed_rundowns() -> None:
    assert _error("title: x\nsegments: []\n").message == "needs at least one segment"
    assert _error("title: x\n").field == "segments"
    assert "invalid YAML" in _error("title: x\nsegments:\n  - id: a\n   type: line\n").message


def _sample_show_at_200s() -> ShowRunner:
    """The sample rundown as the evaluation runs it: its first segments done, the curling fact on at 200 s."""
    runner = ShowRunner(load_rundown(ROOT / "examples/shows/sample_show.yaml", PERSONA))
    runner.start(0.0)
    for segment_id, at in (("opening", 20.0), ("first-fact", 60.0), ("beanie", 110.0), ("curling-intro", 140.0)):
        runner.segment_done(segment_id, at)
    return runner


@pytest.mark.parametrize(("question", "says", "not_says"), [
    # A product after a segment that waits for its cue: the segment it follows is when.
    ("when r u showing the owl plush", "right after a dance break", "later in the show"),
    ("will there be a chance to ask questions?", "Questions are coming up", "don't know"),
    ("what's the fun fact right now about", "curling", "Next"),
    ("how many minutes has the show been going", "about 3 minutes into the show", "planned to run"),
    # "After X", "once X is done", "then what": the segment after the one named (a fact by its topic too).
    ("what have you got lined up once the curling bit is done", "After a fun fact about curling comes your questions",
     "on right now"),
    ("what's after the curling part?", "After a fun fact about curling comes your questions", "on right now"),
    ("after the fan questions, then what?", "After your questions comes a dance break.", "Right now"),
    ("after the Q&A, so what comes?", "After your questions comes a dance break.", "Right now"),
    # "Are you doing X today?": whether the rundown has one, and when.
    ("are you taking fan questions today?", "Questions are coming up: they open right after this.", "don't know"),
    ("r u doing a dance tonight?", "a dance break is still to come, after your questions", "don't know"),
    # "When is <product> shown?": the segment that shows it, not the product's pitch.
    ("at what point tonight does the owl plushie get shown", "Mascot Plush is still to come, right after a dance break",
     "$"),
    ("when will the plush be featured?", "Mascot Plush is still to come, right after a dance break", "$"),
    # "This" is the show being watched.
    ("watching from sydney, when does this finish?", "The show ends in about 7 minutes.", "don't know"),
])
def test_show_questions_in_fans_words(question: str, says: str, not_says: str) -> None:
    from models.dialogue.show_talk import answer_show

    snapshot = _sample_show_at_200s().snapshot(200.0)
    answer = answer_show(question, snapshot, PERSONA)
    assert answer is not None
    text = " ".join(s.text for s in answer)
    assert says in text and not_says not in text


@pytest.mark.parametrize(("question", "says", "sources"), [
    # One segment picked out (by kind and ordinal, "upcoming", a product, the rundown's last, so many ahead, a
    # show time) and what is asked of it (what, how long, how many questions, before or after another).
    ("how long is the dance break gonna be?", "That's 16 seconds of a dance break.", ()),
    ("how long will the first Q&A run?", "That's up to about 2 minutes of your questions. I'm taking 3 questions",
     ()),
    ("how many questions are you taking in the upcoming Q&A?", "I'm taking 3 questions in that one.", ()),
    ("what was the first fun fact tonight?", "Chamonix, France, in 1924", ("first-winter-games",)),
    ("what's the very last segment?", "Thank you for watching, and see you on the slopes!", ()),
    ("what happens at the 8 minute mark?", "That's your questions, " + LAST_QA_WHEN, ()),
    ("what's on two segments from now?", "That's a dance break", ()),
    ("is the last q&a before or after the plush?", "That one comes after the Snowy Owl Mascot Plush.",
     ("mascot-plush",)),
    ("is the first q&a before or after the plush?", "That one comes before the Snowy Owl Mascot Plush.",
     ("mascot-plush",)),
    ("when do you show the owl plush?", "still to come, right after a dance break", ("mascot-plush",)),
    # A segment on a cue of its own still comes after the one before it; a product by what its "bit" shows.
    ("what time is the dance bit happening?", "still to come, after your questions, once we're ready", ()),
    ("when's the bit with the owl?", "Snowy Owl Mascot Plush is still to come, right after a dance break",
     ("mascot-plush",)),
    ("and what happens once you're done with the owl plush?", "After the Snowy Owl Mascot Plush comes a fun fact",
     ("figure-skating-1908",)),
    # The last Q&A's time is a floor (`at: 480`) with a cue and a Q&A before it: the show time it waits for is said.
    ("when do you do the last round of fan questions?",
     LAST_QA, ()),
    ("will you take questions again later on?",
     "And again " + LAST_QA_WHEN, ()),
    ("Will there be another chance to ask questions later on?",
     "And again " + LAST_QA_WHEN, ()),
    ("can we still ask stuff later in the show?", "And again " + LAST_QA_WHEN, ()),
    ("which episode are we on", "This is Winter Sports Live, episode 1.", ()),
    ("is this a new show?", "This is Winter Sports Live, episode 1.", ()),
])
def test_one_segment_picked_out_of_the_rundown(question: str, says: str, sources: tuple[str, ...]) -> None:
    from models.dialogue.show_talk import answer_show

    answer = answer_show(question, _sample_show_at_200s().snapshot(200.0), PERSONA)
    assert answer is not None
    assert says in " ".join(s.text for s in answer)
    assert tuple(s for sentence in answer for s in sentence.sources) == sources


@pytest.mark.parametrize("question", ["how long is the scarf?", "how long is a curling match?",
                                      "what was the first winter olympics?", "is the hoodie warm after washing?",
                                      "when does this sale finish?", "are you taking returns today?",
                                      "what happens after the Olympics?", "when does the hoodie get shipped?"])
def test_questions_that_pick_no_segment_are_not_the_shows(question: str) -> None:
    from models.dialogue.show_talk import answer_show

    assert answer_show(question, _sample_show_at_200s().snapshot(200.0), PERSONA) is None


def test_a_chain_of_and_after_that_walks_the_rundown() -> None:
    from models.dialogue.show_talk import answer_show, show_thread

    snapshot = _sample_show_at_200s().snapshot(200.0)
    thread, said = "", []
    for question in ("What's on right now?", "and after that?", "and after THAT?", "then what?"):
        answer = answer_show(question, snapshot, PERSONA, thread)
        assert answer is not None
        said.append(" ".join(s.text for s in answer))
        thread = show_thread(thread, question)
    assert "After a fun fact about curling comes your questions." in said[1]
    assert "After your questions comes a dance break." in said[2]
    assert "After a dance break comes the Snowy Owl Mascot Plush." in said[3]


def test_the_products_already_shown_are_those_of_the_segments_done() -> None:
    from models.dialogue.show_talk import answer_show
    runner = _sample_show_at_200s()
    answer = answer_show("just joined, which product did you already show?", runner.snapshot(200.0), PERSONA)
    assert answer is not None
    text = " ".join(s.text for s in answer)
    assert "Snowflake Knit Beanie" in text and "Owl" not in text
    assert any("snowflake-beanie" in s.sources for s in answer)
    fresh = ShowRunner(load_rundown(ROOT / "examples/shows/sample_show.yaml", PERSONA))
    fresh.start(0.0)
    before = answer_show("which products have you shown so far?", fresh.snapshot(1.0), PERSONA)
    assert before is not None and "haven't shown any products yet" in " ".join(s.text for s in before)
