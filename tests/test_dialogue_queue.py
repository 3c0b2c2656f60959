"""The live chat queue on a virtual clock: dedupe, rate limits, priority, approval, nothing lost."""

from __future__ import annotations

import pytest

from models.dialogue.chat_queue import ChatQueue, QueueError, RateLimit, similarity
from models.dialogue.moderation import ChatTextError


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(**kwargs: object) -> tuple[ChatQueue, Clock]:
    clock = Clock()
    return ChatQueue(clock=clock, blocklist=("idiot",), **kwargs), clock  # type: ignore[arg-type]


def test_many_fans_near_identical_questions_merge() -> None:
    queue, clock = make()
    first = queue.submit("ana", "How much is the beanie?")
    assert first.status == "queued"
    for i, text in enumerate(["how much is the beanie", "How much is the beanie??", "HOW MUCH IS THE BEANIE!!!"]):
        clock.t += 1
        merged = queue.submit(f"fan{i}", text)
        assert merged.status == "merged" and merged.message is first.message
    assert queue.submit("bo", "How heavy is a curling stone?").status == "queued"
    assert [m.text for m in queue.waiting()] == ["How much is the beanie?", "How heavy is a curling stone?"]
    assert first.message is not None and first.message.also_asked_by == ["fan0", "fan1", "fan2"]
    assert similarity("how much is the beanie", "how much is the hoodie") == 0.0
    assert similarity("how much is the beanei?", "How much is the beanie") == 1.0


def test_rate_limit_per_user_on_the_virtual_clock() -> None:
    queue, clock = make(rate_limit=RateLimit(messages=2, per_s=10.0))
    assert queue.submit("ana", "first question about curling").status == "queued"
    clock.t += 1
    assert queue.submit("ana", "second question about skiing").status == "queued"
    clock.t += 1
    limited = queue.submit("ana", "third question about luge")
    assert limited.status == "rate_limited" and limited.retry_after == pytest.approx(8.0)
    assert queue.submit("bo", "a question from someone else").status == "queued"  # per user
    assert queue.submit("ana", "pinned by the operator", priority="pinned").status == "queued"  # exempt
    clock.t += 8.0
    assert queue.submit("ana", "third question about luge").status == "queued"


def test_priority_then_arrival_order() -> None:
    queue, clock = make()
    for user, priority in [("a", "normal"), ("b", "paid"), ("c", "normal"), ("d", "pinned"), ("e", "paid")]:
        clock.t += 1
        queue.submit(user, f"question number {user} about winter", priority=priority)
    assert [m.user for m in queue.take(5)] == ["d", "b", "e", "a", "c"]
    assert queue.next() is None


def test_paid_duplicate_lifts_the_question() -> None:
    queue, clock = make()
    queue.submit("a", "first normal question here")
    clock.t += 1
    queue.submit("b", "when were the first winter games?")
    clock.t += 1
    queue.submit("c", "When were the first Winter Games", priority="paid")
    assert queue.next().user == "b"  # type: ignore[union-attr]


def test_operator_approval_and_skip() -> None:
    queue, _ = make(require_approval=True)
    one = queue.submit("a", "question one about curling").message
    two = queue.submit("b", "question two about hockey").message
    assert one is not None and two is not None
    assert queue.next() is None  # nothing approved yet
    queue.approve(two.id)
    queue.skip(one.id)
    taken = queue.next()
    assert taken is two and taken.status == "answering"
    with pytest.raises(QueueError, match="is skipped"):
        queue.approve(one.id)
    with pytest.raises(QueueError, match="no message 'q99'"):
        queue.skip("q99")


def test_nothing_is_lost_on_interruption_or_error() -> None:
    queue, clock = make(max_attempts=2)
    a = queue.submit("a", "the first question about biathlon").message
    clock.t += 1
    queue.submit("b", "the second question about luge")
    taken = queue.next()
    assert taken is a
    queue.interrupted(taken.id, "Biathlon combines")  # cut off: reported, not repeated on its own
    assert a.status == "interrupted" and queue.reported() == [a] and "Biathlon combines" in (a.error or "")
    assert [m.user for m in queue.waiting()] == ["b"]  # the waiting message stays queued
    queue.requeue(a.id)  # the operator wants it answered after all: back at the head
    assert queue.next() is a
    queue.failed(a.id, "voice crashed")  # attempt 1 of 2 -> retried
    assert queue.next() is a
    queue.failed(a.id, "voice crashed again")  # attempt 2 of 2 -> reported
    assert a.status == "failed" and queue.reported() == [a]
    b = queue.next()
    assert b is not None and b.user == "b"
    queue.failed(b.id, "transient")  # attempt 1 of 2 -> retried
    assert queue.next() is b
    queue.done(b.id)
    assert b.status == "answered" and queue.waiting() == []


def test_blocked_and_bad_input() -> None:
    queue, _ = make()
    blocked = queue.submit("troll", "you idiot")
    assert blocked.status == "blocked" and queue.waiting() == [] and queue.reported() == [blocked.message]
    with pytest.raises(ChatTextError):
        queue.submit("a", "")
    with pytest.raises(QueueError) as info:
        queue.submit("a", "hello", priority="vip")
    assert info.value.field == "priority"
    with pytest.raises(QueueError):
        queue.submit(" ", "hello")


def test_queue_full_is_reported() -> None:
    queue, _ = make(max_waiting=2)
    queue.submit("a", "alpha question about snow")
    queue.submit("b", "bravo question about ice")
    assert queue.submit("c", "charlie question about hockey").status == "full"
