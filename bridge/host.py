"""The host: fans' chat, the chat queue and the show runner, on top of the director.

One `Host` per sidecar: the persona and the dialogue engine load once and serve every avatar; each avatar has
its own chat queue, dialogue history and answer in flight (one at a time: answers queue in the chat queue, not
on the stage, so the operator can still approve, skip or reorder them).

An answer is one take. The embedded retrieval engine composes the whole answer at once (about 15 ms with
embeddings), so the `chat` reply carries its text; an LLM answer streams into an open take sentence by
sentence and its text comes with the `chat` event at the end. `step(now)` does the bookkeeping (answer ended or
interrupted, next message, show triggers); the live sidecar calls it every few milliseconds, the offline
rehearsal once per frame on its virtual clock.

Stream events (type, data): `chat` {queue_id, user, text, engine, also_asked_by, products} when an answer's
text is complete; `fallback` {reason, detail, engine, partial, after_s} when the LLM hands over; `show`
{action: segment_started | segment_ended | waiting_for_cue | finished, segment, segment_type, show_time, ...}.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridge.director import Director
from bridge.takes import Take
from models.dialogue.chat_queue import ChatQueue, QueuedMessage
from models.dialogue.engine import ChatTurn, DialogueEngine, Fallback, RetrievalEngine, Sentence
from models.dialogue.history import DialogueHistory
from models.dialogue.persona import Persona, Product, load_default_persona, load_persona
from models.dialogue.show import (
    Rundown,
    Segment,
    SegmentEnded,
    SegmentStarted,
    ShowEvent,
    ShowRunner,
    WaitingForCue,
    load_rundown,
)
from models.dialogue.spec import SpecError
from models.errors import RequestError
from models.tts import WordSpan

log = logging.getLogger(__name__)

QUEUE_ACTIONS = ("list", "approve", "skip", "pin", "requeue", "hold", "release")
SHOW_ACTIONS = ("load", "start", "pause", "resume", "next", "jump", "cue", "stop", "status")
_BRACKETS = re.compile(r"[\[\]<>]")


#: Starts a dance take: (avatar, music file, style) → the take (the sidecar's music desk).
Dance = Callable[[str, str, str | None], Take]


@dataclass
class InFlight:
    """An answer being spoken: its take, the message it answers (None for a show segment), its sentences."""

    take: Take
    message: QueuedMessage | None
    segment: Segment | None = None
    sentences: list[Sentence] = field(default_factory=list)
    streaming: asyncio.Task[None] | None = None
    closed: bool = False  # no more text will come (the take is closed on the director)


@dataclass
class Desk:
    """One avatar's chat state."""

    queue: ChatQueue
    history: DialogueHistory = field(default_factory=DialogueHistory)
    current: InFlight | None = None
    held: bool = False  # the operator holds the queue: nothing is answered on its own
    qa_left: int = 0  # questions a running Q&A window still takes


def take_words(take: Take) -> list[WordSpan]:
    """The take's words on its own timeline (seconds from its first sample), as the `words` messages said."""
    return [WordSpan(w.word, placed.start + w.start, placed.start + w.end)
            for placed in take.clips for w in placed.clip.segment.words]


class Host:
    """Chat, queue and show for every avatar of a sidecar (or of an offline rehearsal)."""

    def __init__(self, persona: Persona, engine: DialogueEngine, director: Director, avatars: list[str],
                 queue_factory: Callable[[], ChatQueue] | None = None, dance: Dance | None = None) -> None:
        self.persona = persona
        self.dance = dance  # starts a dance take (the body's music desk); None: dance segments are only timed
        self.engine = engine
        # Show segments (spotlights, fun facts) are always composed from the knowledge base, word for word.
        self.retrieval = engine if isinstance(engine, RetrievalEngine) else getattr(engine, "fallback", None)
        if not isinstance(self.retrieval, RetrievalEngine):
            self.retrieval = RetrievalEngine(persona)
        self.director = director
        self.clock = director.clock
        make_queue = queue_factory or (lambda: ChatQueue(clock=self.clock.now, blocklist=persona.blocklist))
        self.desks = {avatar: Desk(make_queue()) for avatar in avatars}
        self.show: ShowRunner | None = None
        self.show_avatar = avatars[0]
        self.voice_style = persona.voice.style()

    # -- chat --------------------------------------------------------------------------------------------------

    def chat(self, avatar: str, user: str, text: str, priority: str | None = None) -> dict[str, Any]:
        """A fan's message: queued (deduplicated, rate-limited, screened) and answered at once when the avatar
        is free. Raises RequestError naming the field."""
        desk = self.desks[avatar]
        self.step(self.clock.now())  # an answer that just ended frees the avatar for this message
        submission = desk.queue.submit(user, text, priority or "normal")
        reply: dict[str, Any] = {"avatar": avatar, "status": submission.status}
        if submission.message is not None:
            reply["queue_id"] = submission.message.id
        if submission.reason:
            reply["reason"] = submission.reason
        if submission.status == "rate_limited":
            reply["retry_after"] = round(submission.retry_after, 3)
        if submission.status == "queued" and self._free(avatar) and desk.qa_left == 0:
            message = desk.queue.next()
            if message is not None and message.id == reply["queue_id"]:
                reply.update(self._answer(avatar, message))
                reply["status"] = "answering"
            elif message is not None:  # an older approved message went first
                self._answer(avatar, message)
        if reply["status"] == "queued":
            reply["position"] = next((i for i, m in enumerate(desk.queue.waiting()) if m.id == reply["queue_id"]), 0)
        return reply

    def _free(self, avatar: str) -> bool:
        desk = self.desks[avatar]
        if desk.current is not None or desk.held:
            return False
        if self.show is not None and self.show.state in ("running", "paused") and avatar == self.show_avatar:
            return desk.qa_left > 0  # during a show, fans are answered in its Q&A windows only
        return True

    def _answer(self, avatar: str, message: QueuedMessage) -> dict[str, Any]:
        desk = self.desks[avatar]
        take = self.director.open_take(avatar)
        flight = InFlight(take, message)
        desk.current = flight
        turn = ChatTurn(message.user, message.text, avatar, tuple(message.also_asked_by))
        if isinstance(self.engine, RetrievalEngine):
            answer = self.engine.compose(turn)
            for sentence in answer.sentences:
                self._speak(flight, sentence)
            self._close(avatar, flight)
            return {"take": take.id, "text": answer.text, "engine": self.engine.name,
                    "products": _products(answer.sentences)}
        flight.streaming = asyncio.get_running_loop().create_task(self._stream(avatar, flight, turn))
        return {"take": take.id, "text": None, "engine": self.engine.name}

    async def _stream(self, avatar: str, flight: InFlight, turn: ChatTurn) -> None:
        engine = self.engine.name
        try:
            async for event in self.engine.reply(turn, self.desks[avatar].history):
                if flight.take.cut_pts is not None:
                    break  # interrupted: stop asking the model for more
                if isinstance(event, Fallback):
                    engine = event.engine if event.engine != "none" else engine
                    self._event(avatar, "fallback", flight.take, reason=event.reason, detail=event.detail,
                                engine=event.engine, partial=event.partial, after_s=round(event.after_s, 3))
                else:
                    self._speak(flight, event)
        except Exception as exc:  # a dialogue failure ends this answer only
            log.exception("answer failed", extra={"avatar": avatar, "take": flight.take.id})
            if flight.message is not None and flight.message.status == "answering":
                self.desks[avatar].queue.failed(flight.message.id, f"{type(exc).__name__}: {exc}")
                flight.message = None
        self._close(avatar, flight, engine)

    def _speak(self, flight: InFlight, sentence: Sentence) -> None:
        flight.sentences.append(sentence)
        try:
            self.director.extend(flight.take, sentence.text)
        except ValueError:  # a tag the director refuses (LLM text): speak the words alone
            self.director.extend(flight.take, _BRACKETS.sub("", sentence.spoken))

    def _close(self, avatar: str, flight: InFlight, engine: str | None = None) -> None:
        self.director.close(flight.take)
        flight.closed = True
        if flight.message is not None:
            message = flight.message
            self._event(avatar, "chat", flight.take, queue_id=message.id, user=message.user,
                        text=" ".join(s.text for s in flight.sentences), engine=engine or self.engine.name,
                        also_asked_by=list(message.also_asked_by), products=_products(flight.sentences))

    def _event(self, avatar: str, type_: str, take: Take | None, **data: Any) -> None:
        stage = self.director.performer.stages[avatar]
        stage.event(type_, self.clock.now() + stage.lookahead, take, **data)

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def step(self, now: float) -> None:
        """Finish answers that ended or were cut, start the next ones, fire show triggers."""
        for avatar, desk in self.desks.items():
            flight = desk.current
            if flight is not None and self._settle(avatar, desk, flight, now):
                desk.current = None
                if flight.segment is not None and self.show is not None:
                    self._show_events(self.show.segment_done(flight.segment.id, now))
        if self.show is not None:
            self._show_events(self.show.poll(now))
            self._qa_step(now)
        for avatar, desk in self.desks.items():
            if self._free(avatar) and desk.qa_left == 0 and (message := desk.queue.next()) is not None:
                self._answer(avatar, message)

    def _settle(self, avatar: str, desk: Desk, flight: InFlight, now: float) -> bool:
        """True when the answer is over; records it in the history and the queue."""
        take = flight.take
        if take.cut_pts is None and (not flight.closed or take in self.director.performer.stages[avatar].takes):
            return False
        # The fan's turn goes in with the answer, so the history an LLM sees while answering ends before it.
        if flight.message is not None:
            desk.history.add_fan(flight.message.user, flight.message.text)
        if take.cut_pts is not None:
            cut = take.cut_pts - take.start_pts if take.start_pts is not None else 0.0
            turn = desk.history.add_host_interrupted(take_words(take), cut, take.text)
            if flight.streaming is not None:
                flight.streaming.cancel()
            if flight.message is not None and flight.message.status == "answering":
                desk.queue.interrupted(flight.message.id, turn.text)
            return True
        if take.error is not None and flight.message is not None and flight.message.status == "answering":
            desk.queue.failed(flight.message.id, take.error)
        elif flight.message is not None and flight.message.status == "answering":
            desk.history.add_host(take.text)
            desk.queue.done(flight.message.id)
        return True

    # -- queue ops ---------------------------------------------------------------------------------------------

    def queue_op(self, avatar: str, action: str, message_id: str | None) -> dict[str, Any]:
        if action not in QUEUE_ACTIONS:
            raise RequestError("unknown_action", f"unknown queue action {action!r}; known: "
                                                  f"{', '.join(QUEUE_ACTIONS)}", "action")
        desk = self.desks[avatar]
        if action in ("approve", "skip", "pin", "requeue"):
            if message_id is None:
                raise RequestError("missing_field", f"message is required for queue action {action!r}",
                                    "message")
            getattr(desk.queue, action)(message_id)
        elif action in ("hold", "release"):
            desk.held = action == "hold"
        if action in ("approve", "release", "requeue"):
            self.step(self.clock.now())  # answer now if the avatar is free
        return {"avatar": avatar, "held": desk.held, **desk.queue.snapshot(),
                "answering": desk.current.message.id if desk.current and desk.current.message else None}

    # -- show ops ----------------------------------------------------------------------------------------------

    def load_show(self, rundown: Rundown, avatar: str) -> None:
        if self.show is not None and self.show.state in ("running", "paused"):
            raise RequestError("bad_state", "a show is running: stop it before loading another", "action")
        self.show = ShowRunner(rundown)
        self.show_avatar = avatar

    def show_op(self, action: str, segment: str | None = None, cue: str | None = None) -> dict[str, Any]:
        if action not in SHOW_ACTIONS or action == "load":
            raise RequestError("unknown_action", f"unknown show action {action!r}; known: "
                                                  f"{', '.join(SHOW_ACTIONS)}", "action")
        if self.show is None:
            raise RequestError("no_show", "no show loaded: send show action 'load' with a rundown file", "action")
        now = self.clock.now()
        if action == "jump":
            if segment is None:
                raise RequestError("missing_field", "segment is required for show action 'jump'", "segment")
            events = self.show.jump(segment, now)
        elif action == "cue":
            if cue is None:
                raise RequestError("missing_field", "cue is required for show action 'cue'", "cue")
            events = self.show.cue(cue, now)
        elif action == "stop":
            events = self.show.stop(now)
        elif action == "status":
            events = []
        else:
            events = getattr(self.show, action)(now)
        self._show_events(events)
        return self.show.status(now)

    def _show_events(self, events: list[ShowEvent]) -> None:
        avatar = self.show_avatar
        for event in events:
            if isinstance(event, SegmentStarted):
                self._event(avatar, "show", None, action="segment_started", segment=event.segment.id,
                            segment_type=event.segment.type, show_time=round(event.show_time, 3),
                            late_s=round(event.late_s, 3), **_segment_data(event.segment))
                self._perform(event.segment)
            elif isinstance(event, SegmentEnded):
                self._event(avatar, "show", None, action="segment_ended", segment=event.segment.id,
                            segment_type=event.segment.type, show_time=round(event.show_time, 3),
                            reason=event.reason)
                desk = self.desks[avatar]
                if event.segment.type == "qa":
                    desk.qa_left = 0
                if event.reason != "done" and desk.current is not None:
                    self.director.interrupt(avatar)  # skipped, jumped, capped or stopped: stop talking now
            elif isinstance(event, WaitingForCue):
                self._event(avatar, "show", None, action="waiting_for_cue", segment=event.segment.id,
                            cue=event.cue, show_time=round(event.show_time, 3))
            else:
                self._event(avatar, "show", None, action="finished", show_time=round(event.show_time, 3))

    def _perform(self, segment: Segment) -> None:
        avatar, desk = self.show_avatar, self.desks[self.show_avatar]
        assert isinstance(self.retrieval, RetrievalEngine)
        if segment.type == "qa":
            desk.qa_left = segment.questions or 0
            return
        if segment.type == "dance":
            self._dance(segment)
            return
        if segment.type == "line":
            sentences = [Sentence(segment.text or "")]
        elif segment.type == "product":
            product = self.persona.knowledge.product(segment.product or "")
            assert product is not None  # checked when the rundown was loaded
            sentences = self.retrieval.product_pitch(product)
        else:
            fact = self.persona.knowledge.fact(segment.fact or "")
            assert fact is not None
            sentences = self.retrieval.fun_fact(fact)
        if desk.current is not None:
            # A segment takes the stage from whatever was being said (cut, and recorded as cut).
            self.director.interrupt(avatar)
            self._settle(avatar, desk, desk.current, self.clock.now())
        take = self.director.open_take(avatar)
        flight = InFlight(take, None, segment)
        desk.current = flight
        for sentence in sentences:
            self._speak(flight, sentence)
        self._close(avatar, flight)

    def _dance(self, segment: Segment) -> None:
        """Start the segment's dance as a take; without music or a dance desk, `_qa_step` just times it."""
        avatar, desk = self.show_avatar, self.desks[self.show_avatar]
        if segment.music is None or self.dance is None:
            return
        if desk.current is not None:
            self.director.interrupt(avatar)
            self._settle(avatar, desk, desk.current, self.clock.now())
        try:
            take = self.dance(avatar, str(segment.music), segment.style)
        except Exception as exc:  # a bad file or style costs the dance, not the show: it is timed instead
            log.warning("dance failed", extra={"segment": segment.id, "error": str(exc)})
            self._event(avatar, "show", None, action="segment_error", segment=segment.id, message=str(exc))
            return
        desk.current = InFlight(take, None, segment, closed=True)

    def _qa_step(self, now: float) -> None:
        """Run the current Q&A window (answer its questions one by one) or time the current dance."""
        assert self.show is not None
        if self.show.current is None or self.show.state != "running":
            return
        segment = self.show.rundown.segments[self.show.current]
        desk = self.desks[self.show_avatar]
        if segment.type == "dance":
            if desk.current is not None and desk.current.segment is segment:
                return  # a dance take: it ends the segment when it ends
            if self.show.segment_elapsed(now) >= dance_length(segment):
                self._show_events(self.show.segment_done(segment.id, now))
            return
        if segment.type != "qa" or desk.current is not None:
            return
        if desk.qa_left <= 0:
            self._show_events(self.show.segment_done(segment.id, now))
            return
        message = desk.queue.next()
        if message is not None:
            desk.qa_left -= 1
            self._answer(self.show_avatar, message)


def _products(sentences: list[Sentence] | tuple[Sentence, ...]) -> list[dict[str, Any]]:
    seen: dict[str, Product] = {}
    for sentence in sentences:
        if sentence.product is not None:
            seen.setdefault(sentence.product.id, sentence.product)
    return [{"id": p.id, "name": p.name, "price": p.price, "currency": p.currency, "stock_link": p.stock_link}
            for p in seen.values()]


def _segment_data(segment: Segment) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if segment.type == "dance":
        data.update(music=str(segment.music) if segment.music else None, style=segment.style,
                    duration=segment.duration)
    if segment.type == "qa":
        data["questions"] = segment.questions
    if segment.product:
        data["product"] = segment.product
    return data


def dance_length(segment: Segment) -> float:
    """A dance segment lasts its `duration`, else its music's length."""
    if segment.duration is not None:
        return segment.duration
    if segment.music is None:
        return 0.0
    import soundfile

    return float(soundfile.info(str(segment.music)).duration)


def build_engine(persona: Persona, llm_url: str | None = None, llm_model: str = "default",
                 llm_key: str | None = None, local_llm: bool = False) -> DialogueEngine:
    """The dialogue engine `serve` runs: the embedded retrieval engine (embeddings, BM25 without torch), or an
    LLM (an OpenAI-compatible server, or the local SmolLM2) that falls back to it."""
    from models.dialogue.llm import LlamaCppSource, LLMConfig, LLMEngine, OpenAIChatSource, TokenSource

    retrieval = RetrievalEngine(persona)
    log.info("dialogue loaded", extra={"persona": persona.name, "retrieval": retrieval.index.backend,
                                       "fallback_reason": retrieval.index.fallback_reason})
    source: TokenSource
    if llm_url:
        try:
            import aiohttp  # noqa: F401  (the streaming client; say so at start, not on the first answer)
        except ImportError:
            raise ImportError("--llm-url needs aiohttp: pip install aiohttp") from None
        source = OpenAIChatSource()
        config = LLMConfig(url=llm_url, model=llm_model, api_key=llm_key)
    elif local_llm:
        source = LlamaCppSource()
        config = LLMConfig(first_sentence_s=10.0, stall_s=10.0, total_s=60.0)  # a 135M model on CPU is slow
    else:
        return retrieval
    return LLMEngine(persona, source, retrieval, config)


class DialogueService:
    """The sidecar's dialogue: the persona is read at once (a bad file stops `serve`), the engine loads before
    the sidecar serves (loading torch beside a running performer would make its ticks late), and `run` steps
    the host on the event loop. If the engine fails to load, `say` still works and `chat` says why."""

    #: How often the host checks for answers that ended and messages to answer, in seconds.
    STEP_S = 0.01

    def __init__(self, persona_path: Path | None = None, llm_url: str | None = None, llm_model: str = "default",
                 llm_key: str | None = None) -> None:
        self.persona = load_persona(persona_path) if persona_path is not None else load_default_persona()
        self.llm = (llm_url, llm_model, llm_key)
        self.host: Host | None = None
        self.load_error: str | None = None

    def load(self, director: Director, avatars: list[str], dance: Dance | None = None) -> None:
        """Load the engine (seconds with embeddings); call it on a worker thread before serving."""
        try:
            engine = build_engine(self.persona, *self.llm)
        except Exception as exc:  # the sidecar keeps serving `say`; chat reports why it cannot answer
            log.exception("dialogue failed to load")
            self.load_error = f"{type(exc).__name__}: {exc}"
            return
        self.host = Host(self.persona, engine, director, avatars, dance=dance)

    def ready_host(self) -> Host:
        if self.host is None:
            if self.load_error is not None:
                raise RequestError("dialogue_failed", f"the dialogue engine failed to load: {self.load_error}")
            raise RequestError("not_ready", "the dialogue engine is still loading; retry in a moment")
        return self.host

    def describe(self) -> dict[str, Any]:
        engine = self.host.engine.name if self.host is not None else None
        return {"persona": self.persona.name, "engine": engine, "ready": self.host is not None}

    async def run(self, clock: Any) -> None:
        while True:
            if self.host is not None:
                try:
                    self.host.step(clock.now())
                except Exception:  # a dialogue bug must not stop the sidecar
                    log.exception("dialogue step failed")
            await asyncio.sleep(self.STEP_S)

    # -- ops -----------------------------------------------------------------------------------------------------

    def chat(self, avatar: str, user: str, text: str, priority: str | None) -> dict[str, Any]:
        return self.ready_host().chat(avatar, user, text, priority)

    def queue(self, avatar: str, action: str, message: str | None) -> dict[str, Any]:
        return self.ready_host().queue_op(avatar, action, message)

    def show(self, avatar: str, action: str, file: str | None, segment: str | None,
             cue: str | None) -> dict[str, Any]:
        host = self.ready_host()
        if action != "load":
            return host.show_op(action, segment, cue)
        if file is None:
            raise RequestError("missing_field", "file is required for show action 'load'", "file")
        try:
            rundown = load_rundown(Path(file), self.persona)
        except SpecError as exc:
            raise RequestError("bad_rundown", str(exc), "file") from None
        host.load_show(rundown, avatar)
        return host.show_op("status")
