"""A take has one owner, its avatar's timeline: what changes is told to the listeners as it happens, in order, and
callers hold the take as a handle (done callbacks, `wait_for_playout`) instead of polling it."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bridge.config import AvatarConfig
from bridge.performer import VirtualClock
from bridge.pipeline import Pipeline, build_pipeline
from bridge.sinks import Hub, Recorder
from models.take import Take, TakeEvent
from tests.fake_voice import FakeVoice


def setup() -> tuple[Pipeline, VirtualClock, list[tuple[str, str]]]:
    """Two avatars on a virtual clock, and a log of every take event of the host: (event, take id)."""
    clock = VirtualClock(10.0)
    pipeline = build_pipeline([AvatarConfig("host"), AvatarConfig("guest")], lambda config: FakeVoice(),
                              Hub([Recorder()]), clock, lookahead=0.1)
    seen: list[tuple[str, str]] = []

    def listen(event: TakeEvent) -> None:
        seen.append((type(event).__name__, event.take.id))

    pipeline.avatars["host"].timeline.subscribe(listen)
    return pipeline, clock, seen


def run(pipeline: Pipeline, clock: VirtualClock, seconds: float) -> None:
    for _ in range(round(seconds * pipeline.performer.rate)):
        pipeline.performer.tick(clock.t)
        clock.t += pipeline.performer.period


def test_listeners_hear_every_change_in_order_as_it_happens() -> None:
    pipeline, clock, seen = setup()
    host = pipeline.avatars["host"]
    take = host.director.say("One. Two.")
    # Synthesis runs inline here: both clips are placed, the take started at the first, before any tick.
    assert seen == [("ClipPlaced", take.id), ("TakeStarted", take.id), ("ClipPlaced", take.id),
                    ("SynthesisDone", take.id)]
    assert take.start_pts == pytest.approx(10.1)
    run(pipeline, clock, 0.9)
    assert not take.done  # one second of audio from 10.1: it is still sounding
    run(pipeline, clock, 0.3)
    assert take.done and seen[-1] == ("TakeEnded", take.id)
    assert len(seen) == 5  # nothing is told twice, and the guest's take is not the host's listeners' business
    pipeline.avatars["guest"].director.say("Hi.")
    assert len(seen) == 5


def test_a_gesture_on_a_word_is_a_mark_the_body_hears_and_places() -> None:
    pipeline, clock, seen = setup()
    host = pipeline.avatars["host"]
    take = host.director.say("One two three four.")
    placed = host.gesture("wave", at_word=2)
    assert seen[-1] == ("MarkAdded", take.id) and take.marks[-1].name == "wave"
    assert placed["take"] == take.id
    assert placed["stroke_pts"] == pytest.approx(take.start_pts + take.words()[2].start)


def test_interrupt_cuts_and_ends_the_current_and_queued_takes_and_calls_back_at_once() -> None:
    pipeline, clock, seen = setup()
    host = pipeline.avatars["host"]
    first, second = host.director.say("One. Two. Three."), host.director.say("Four.")
    ended: list[tuple[str, bool]] = []
    for take in (first, second):
        take.add_done_callback(lambda t: ended.append((t.id, t.interrupted)))
    run(pipeline, clock, 0.5)
    cut = host.director.interrupt()
    assert ended == [(first.id, True), (second.id, True)]  # at the interrupt, not on a later poll
    assert first.cut_pts == cut == second.cut_pts
    after = seen[seen.index(("TakeCut", first.id)):]
    assert after == [("TakeCut", first.id), ("TakeCut", second.id), ("TakeEnded", first.id),
                     ("TakeEnded", second.id)]
    assert not pipeline.performer.timelines["host"].takes


def test_a_done_take_calls_a_late_callback_at_once_and_a_failing_one_stops_nothing(
        caplog: pytest.LogCaptureFixture) -> None:
    pipeline, clock, _ = setup()
    host = pipeline.avatars["host"]
    take = host.director.say("One.")
    calls: list[str] = []

    def broken(t: Take) -> None:
        raise RuntimeError("a subscriber's bug")

    take.add_done_callback(broken)
    take.add_done_callback(lambda t: calls.append("second"))
    with caplog.at_level(logging.ERROR, logger="models.take"):
        run(pipeline, clock, 1.0)
    assert calls == ["second"] and "take callback failed" in caplog.text
    take.add_done_callback(lambda t: calls.append("late"))
    assert calls == ["second", "late"]


def test_a_failing_listener_does_not_stop_the_take_or_the_other_listeners(caplog: pytest.LogCaptureFixture) -> None:
    pipeline, clock, seen = setup()
    host = pipeline.avatars["host"]

    def broken(event: TakeEvent) -> None:
        raise RuntimeError("a layer's bug")

    host.timeline.listeners.insert(0, broken)
    with caplog.at_level(logging.ERROR, logger="models.take"):
        take = host.director.say("One.")
        run(pipeline, clock, 1.0)
    assert take.done and [name for name, _ in seen] == ["ClipPlaced", "TakeStarted", "SynthesisDone", "TakeEnded"]
    assert "take listener failed" in caplog.text


def test_wait_for_playout_returns_when_the_take_has_played() -> None:
    async def scenario() -> tuple[bool, float]:
        pipeline, clock, _ = setup()
        take = pipeline.avatars["host"].director.say("One.")
        waiter = asyncio.create_task(take.wait_for_playout())
        await asyncio.sleep(0)
        assert not waiter.done()
        run(pipeline, clock, 1.0)
        await asyncio.wait_for(waiter, 1.0)
        return take.done, clock.t

    done, t = asyncio.run(scenario())
    assert done and t >= 10.6  # 0.5 s of audio from 10.1

