"""Fans' chat: the chat queue and the answers, for every avatar of a sidecar (or of an offline rehearsal).

Each avatar has its own desk: its persona and dialogue engine, chat queue, dialogue history and the answer it is
speaking (one at a time: answers queue in the chat queue, not on the timeline, so the operator can still approve,
skip or reorder them).

An answer is one take, opened at once. The embedded retrieval engine composes the whole answer at once (about 15 ms
with embeddings, several times that on a CPU waking from idle), so the `chat` reply carries its text: in the sidecar
on its compose thread (`composer`), so that the performer's tick never waits for an answer, in an offline rehearsal
inline on its simulated clock. An LLM answer streams into the open take sentence by sentence and its text comes with
the `chat` event at the end. When the take ends (played out, cut or failed) its handle
calls back and the answer is recorded in the history and the queue at once; the next message is answered on the
next `step`, which the take's end asks for (`wake`), off the performer's tick.

Stream events (type, data): `chat` {queue_id, user, text, engine, also_asked_by, products} when an answer's text
is complete; `fallback` {reason, detail, engine, partial, after_s} when the LLM hands over.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from bridge.pipeline import AvatarPipeline
from models.dialogue.chat_queue import ChatQueue, QueuedMessage
from models.dialogue.engine import Answer as Composed
from models.dialogue.engine import ChatTurn, DialogueEngine, Fallback, RetrievalEngine, Sentence, retrieval_of
from models.dialogue.history import DialogueHistory
from models.dialogue.persona import Persona, Product
from models.dialogue.show import Segment
from models.dialogue.words import joined
from models.errors import RequestError
from models.take import Take

log = logging.getLogger(__name__)

QUEUE_ACTIONS = ("list", "approve", "skip", "pin", "requeue", "hold", "release")
#: Queue actions after which a free avatar answers at once.
ANSWER_NOW = ("approve", "release", "requeue")
_BRACKETS = re.compile(r"[\[\]<>]")


@dataclass
class Answer:
    """What an avatar is saying for the dialogue: its take, the message it answers (None for a show segment)
    and its sentences so far."""

    take: Take
    message: QueuedMessage | None
    segment: Segment | None = None
    sentences: list[Sentence] = field(default_factory=list)
    streaming: asyncio.Task[None] | None = None  # an LLM's text coming (cancelled by a cut)
    composing: asyncio.Task[None] | None = None  # the embedded engine's text being composed off the loop
    closed: bool = False  # no more text will come (the take is closed on the director)


@dataclass
class ChatDesk:
    """One avatar's dialogue: its pipeline, persona and engine, and its chat state."""

    avatar: AvatarPipeline
    persona: Persona
    engine: DialogueEngine
    queue: ChatQueue
    history: DialogueHistory = field(default_factory=DialogueHistory)
    current: Answer | None = None
    held: bool = False  # the operator holds the queue: nothing is answered on its own
    qa_left: int = 0  # questions a running Q&A window still takes
    gated: bool = False  # a show owns this avatar: fans are answered in its Q&A windows only

    @property
    def retrieval(self) -> RetrievalEngine:
        """The knowledge base's own engine: show segments (spotlights, fun facts) are composed from it, word for
        word, whatever engine answers fans."""
        return retrieval_of(self.engine) or RetrievalEngine(self.persona)

    @property
    def free(self) -> bool:
        if self.current is not None or self.held:
            return False
        return self.qa_left > 0 if self.gated else True

    def event(self, type_: str, take: Take | None, **data: Any) -> None:
        self.avatar.timeline.event(type_, self.avatar.now_pts(), take, **data)


class Chat:
    """Chat and queue for every avatar. `wake` asks for a `step` soon (on the event loop, off the tick); `composer`
    composes the embedded engine's answers off the event loop (one thread: a fan's state is never composed twice at
    once), None: inline."""

    def __init__(self, desks: Mapping[str, ChatDesk], wake: Callable[[], None] = lambda: None,
                 composer: Executor | None = None) -> None:
        self.desks = dict(desks)
        self.wake = wake
        self.composer = composer
        self.ended_segments: list[Segment] = []  # segments whose answer ended, for the show's next step

    # -- requests ------------------------------------------------------------------------------------------------

    def chat(self, avatar: str, user: str, text: str,
             priority: str | None = None) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """A fan's message: queued (deduplicated, rate-limited, screened) and answered at once when the avatar
        is free. The reply, or with a `composer` an awaitable of it while its answer is composed. Raises
        RequestError naming the field."""
        desk = self.desks[avatar]
        submission = desk.queue.submit(user, text, priority or "normal")
        reply: dict[str, Any] = {"avatar": avatar, "status": submission.status}
        if submission.message is not None:
            reply["queue_id"] = submission.message.id
        if submission.reason:
            reply["reason"] = submission.reason
        if submission.status == "rate_limited":
            reply["retry_after"] = round(submission.retry_after, 3)
        if submission.status == "queued" and desk.free and desk.qa_left == 0:
            message = desk.queue.next()
            if message is not None and message.id == reply["queue_id"]:
                reply["status"] = "answering"
                answered = self.answer(desk, message)
                if isinstance(answered, asyncio.Future):
                    return _merged(reply, answered)
                reply.update(answered)
            elif message is not None:  # an older approved message went first
                self.answer(desk, message)
        if reply["status"] == "queued":
            reply["position"] = next((i for i, m in enumerate(desk.queue.waiting()) if m.id == reply["queue_id"]), 0)
        return reply

    def queue_action(self, avatar: str, action: str, message_id: str | None) -> None:
        """An operator's action on the queue (list changes nothing). Raises RequestError naming the field."""
        if action not in QUEUE_ACTIONS:
            raise RequestError("unknown_action", f"unknown queue action {action!r}; known: "
                                                 f"{', '.join(QUEUE_ACTIONS)}", "action")
        desk = self.desks[avatar]
        if action in ("approve", "skip", "pin", "requeue"):
            if message_id is None:
                raise RequestError("missing_field", f"message is required for queue action {action!r}", "message")
            getattr(desk.queue, action)(message_id)
        elif action in ("hold", "release"):
            desk.held = action == "hold"

    def queue_status(self, avatar: str) -> dict[str, Any]:
        desk = self.desks[avatar]
        return {"avatar": avatar, "held": desk.held, **desk.queue.snapshot(),
                "answering": desk.current.message.id if desk.current and desk.current.message else None}

    def answer_waiting(self) -> None:
        """Answer the next message of every free avatar."""
        for desk in self.desks.values():
            if desk.free and desk.qa_left == 0 and (message := desk.queue.next()) is not None:
                self.answer(desk, message)

    # -- answers -------------------------------------------------------------------------------------------------

    def answer(self, desk: ChatDesk, message: QueuedMessage) -> dict[str, Any] | asyncio.Future[dict[str, Any]]:
        """Start answering a message (it leaves the queue as "answering"): the reply's fields (take, text, engine,
        products), or with a `composer` a future of them, done when the embedded engine has composed the answer.
        A failed answer has status "failed" and the reason."""
        answer = self._open(desk, message)
        turn = ChatTurn(message.user, message.text, desk.avatar.name, tuple(message.also_asked_by))
        reply: dict[str, Any] = {"take": answer.take.id, "text": None, "engine": desk.engine.name}
        engine = desk.engine
        if not isinstance(engine, RetrievalEngine):
            answer.streaming = asyncio.get_running_loop().create_task(self._stream(desk, answer, turn))
            return reply
        if self.composer is None:
            try:
                return self._composed(desk, answer, engine.compose(turn), reply)
            except Exception as exc:
                return self._failed(desk, answer, exc, reply)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[dict[str, Any]] = loop.create_future()
        answer.composing = loop.create_task(self._compose(desk, answer, loop.run_in_executor(
            self.composer, engine.compose, turn), reply, done))
        return done

    async def _compose(self, desk: ChatDesk, answer: Answer, composing: Awaitable[Composed], reply: dict[str, Any],
                       done: asyncio.Future[dict[str, Any]]) -> None:
        """Speak an answer composed off the event loop, unless it was cut meanwhile (settled as cut already)."""
        composed: Composed | Exception
        try:
            composed = await composing
        except Exception as exc:
            composed = exc
        if answer.take.interrupted:
            done.set_result({**reply, "status": "interrupted"})
        elif isinstance(composed, Exception):
            done.set_result(self._failed(desk, answer, composed, reply))
        else:
            done.set_result(self._composed(desk, answer, composed, reply))

    def _composed(self, desk: ChatDesk, answer: Answer, composed: Composed, reply: dict[str, Any]) -> dict[str, Any]:
        self.speak(desk, answer, composed.sentences)
        return {**reply, "text": composed.text, "products": _products(composed.sentences)}

    def _failed(self, desk: ChatDesk, answer: Answer, exc: Exception, reply: dict[str, Any]) -> dict[str, Any]:
        """A dialogue failure ends this answer only: its message is marked failed and its (empty) take closed."""
        log.error("answer failed", exc_info=exc, extra={"avatar": desk.avatar.name, "take": answer.take.id})
        reason = f"{type(exc).__name__}: {exc}"
        if answer.message is not None and answer.message.status == "answering":
            desk.queue.failed(answer.message.id, reason)
            answer.message = None
        self._close(desk, answer)
        return {**reply, "status": "failed", "reason": reason}

    def perform(self, desk: ChatDesk, segment: Segment, sentences: Iterable[Sentence]) -> None:
        """Speak a show segment's sentences, taking the floor from whatever was being said (cut, and recorded as
        cut)."""
        self.stop_talking(desk)
        self.speak(desk, self._open(desk, None, segment), sentences)

    def stop_talking(self, desk: ChatDesk) -> None:
        if desk.current is not None:
            desk.avatar.director.interrupt()  # the take's end settles the answer at once

    def hold_floor(self, desk: ChatDesk, take: Take, segment: Segment | None) -> None:
        """A take the show started itself (a dance) is the avatar's current answer until it ends; its end ends
        `segment` (None: a dancer beside the lead, whose take ends the segment)."""
        self._follow(desk, Answer(take, None, segment, closed=True))

    def _open(self, desk: ChatDesk, message: QueuedMessage | None, segment: Segment | None = None) -> Answer:
        answer = Answer(desk.avatar.director.open_take(), message, segment)
        self._follow(desk, answer)
        return answer

    def _follow(self, desk: ChatDesk, answer: Answer) -> None:
        desk.current = answer
        answer.take.add_done_callback(lambda take: self._ended(desk, answer))

    def speak(self, desk: ChatDesk, answer: Answer, sentences: Iterable[Sentence]) -> None:
        for sentence in sentences:
            self._say(desk, answer, sentence)
        self._close(desk, answer)

    async def _stream(self, desk: ChatDesk, answer: Answer, turn: ChatTurn) -> None:
        engine = desk.engine.name
        try:
            async for event in desk.engine.reply(turn, desk.history):
                if answer.take.interrupted:
                    break  # interrupted: stop asking the model for more
                if isinstance(event, Fallback):
                    engine = event.engine
                    desk.event("fallback", answer.take, reason=event.reason, detail=event.detail,
                               engine=event.engine, partial=event.partial, after_s=round(event.after_s, 3))
                else:
                    self._say(desk, answer, event)
        except Exception as exc:
            self._failed(desk, answer, exc, {})
            return
        self._close(desk, answer, engine)

    def _say(self, desk: ChatDesk, answer: Answer, sentence: Sentence) -> None:
        answer.sentences.append(sentence)
        try:
            desk.avatar.director.extend(answer.take, sentence.text)
        except ValueError:  # a tag the director refuses (LLM text): speak the words alone
            desk.avatar.director.extend(answer.take, _BRACKETS.sub("", sentence.spoken))

    def _close(self, desk: ChatDesk, answer: Answer, engine: str | None = None) -> None:
        desk.avatar.director.close(answer.take)
        answer.closed = True
        if answer.message is not None:
            message = answer.message
            desk.event("chat", answer.take, queue_id=message.id, user=message.user,
                       text=joined(s.text for s in answer.sentences), engine=engine or desk.engine.name,
                       also_asked_by=list(message.also_asked_by), products=_products(answer.sentences))
        if answer.take.done:  # it failed before it was closed
            self._ended(desk, answer)

    def _ended(self, desk: ChatDesk, answer: Answer) -> None:
        """The answer's take left its timeline (or, cut, before it was closed): record it."""
        take = answer.take
        if desk.current is not answer or not (answer.closed or take.interrupted):
            return  # already settled, or a failed take whose text is still coming: settled when closed
        desk.current = None
        # The fan's turn goes in with the answer, so the history an LLM sees while answering ends before it.
        message = answer.message
        # The exchange is this fan's, about the knowledge its answer stated: a later answer to another fan, or on
        # another topic, is not prompted with it (DialogueHistory.messages).
        user = message.user if message is not None else None
        topics = tuple(dict.fromkeys(s for sentence in answer.sentences for s in sentence.sources))
        if message is not None:
            desk.history.add_fan(message.user, message.text, topics)
        if take.cut_pts is not None:
            cut = take.cut_pts - take.start_pts if take.start_pts is not None else 0.0
            turn = desk.history.add_host_interrupted(take.words(), cut, take.text, user, topics)
            if answer.streaming is not None:
                answer.streaming.cancel()
            if message is not None and message.status == "answering":
                desk.queue.interrupted(message.id, turn.text)
        elif take.error is not None and message is not None and message.status == "answering":
            desk.queue.failed(message.id, take.error)
        elif message is not None and message.status == "answering":
            desk.history.add_host(take.text, user, topics)
            desk.queue.done(message.id)
        if answer.segment is not None:
            self.ended_segments.append(answer.segment)
        self.wake()


async def _merged(reply: dict[str, Any], answered: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return {**reply, **await answered}


def _products(sentences: Iterable[Sentence]) -> list[dict[str, Any]]:
    seen: dict[str, Product] = {}
    for sentence in sentences:
        if sentence.product is not None:
            seen.setdefault(sentence.product.id, sentence.product)
    return [{"id": p.id, "name": p.name, "price": p.price, "currency": p.currency, "stock_link": p.stock_link}
            for p in seen.values()]
