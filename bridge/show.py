"""The show: a rundown performed by its hosts (one avatar, or those the rundown declares), segment by segment
(docs/dialogue.md).

Line, product and fun-fact segments are spoken as answers of their own (composed from the avatar's knowledge
base, word for word); a Q&A window answers fans' questions from the chat queue one by one; a dance segment dances
to its music as a take, or is only timed without music. A segment that is spoken or danced ends when its take
ends; `step(now)` lets time pass for caps, timed starts, Q&A windows and timed dances.

Stream events: `show` {action: segment_started | segment_ended | waiting_for_cue | finished | segment_error,
segment, segment_type, show_time, ...}, on the first host's stream; with declared hosts each segment's events
also carry its `host`. While a host performs a segment it looks at the segment's `look_at` (default: the camera)
and the other hosts look at it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bridge.chat import Chat, ChatDesk
from bridge.pipeline import dance_together
from models.dialogue.engine import Sentence
from models.dialogue.show import (
    Rundown,
    Segment,
    SegmentEnded,
    SegmentStarted,
    ShowEvent,
    ShowRunner,
    WaitingForCue,
)
from models.errors import RequestError

log = logging.getLogger(__name__)

SHOW_ACTIONS = ("load", "start", "pause", "resume", "next", "jump", "cue", "stop", "status")


class Show:
    """The show runner of a sidecar, performed through the chat's desks. `clock`: the sidecar's (seconds), for
    the hosts to tell fans where the show stands ("what's next?") between the calls that drive it."""

    def __init__(self, chat: Chat, clock: Callable[[], float]) -> None:
        self.chat = chat
        self.clock = clock
        self.runner: ShowRunner | None = None
        self.desk: ChatDesk | None = None  # the first host: its stream carries the show's events
        self.hosts: dict[str, ChatDesk] = {}  # every host performing it, by avatar name

    @property
    def on_air(self) -> bool:
        return self.runner is not None and self.runner.state in ("running", "paused")

    def load(self, rundown: Rundown, avatar: str) -> None:
        """Load a rundown for its declared hosts, or for `avatar` when it declares none."""
        if self.on_air:
            raise RequestError("bad_state", "a show is running: stop it before loading another", "action")
        names = [host.name for host in rundown.hosts] or [avatar]
        if missing := [name for name in names if name not in self.chat.desks]:
            raise RequestError("unknown_host", f"the rundown's host {missing[0]!r} is not an avatar of this "
                                               f"sidecar; avatars: {', '.join(self.chat.desks)}", "file")
        for desk in self.hosts.values():
            desk.gated = False
            desk.retrieval.show_source = lambda: None
        runner = self.runner = ShowRunner(rundown)
        self.hosts = {name: self.chat.desks[name] for name in names}
        self.desk = self.hosts[names[0]]
        for desk in self.hosts.values():
            # Fans' questions about the show are answered from this runner as it stands when they are answered
            # (after a stop: "the show is over", until another rundown is loaded).
            desk.retrieval.show_source = lambda: runner.snapshot(self.clock())

    def _host(self, segment: Segment) -> ChatDesk:
        assert self.desk is not None
        return self.hosts[segment.host] if segment.host is not None else self.desk

    def op(self, action: str, now: float, segment: str | None = None, cue: str | None = None) -> dict[str, Any]:
        if action not in SHOW_ACTIONS or action == "load":
            raise RequestError("unknown_action", f"unknown show action {action!r}; known: "
                                                 f"{', '.join(SHOW_ACTIONS)}", "action")
        if self.runner is None:
            raise RequestError("no_show", "no show loaded: send show action 'load' with a rundown file", "action")
        if action == "jump":
            if segment is None:
                raise RequestError("missing_field", "segment is required for show action 'jump'", "segment")
            events = self.runner.jump(segment, now)
        elif action == "cue":
            if cue is None:
                raise RequestError("missing_field", "cue is required for show action 'cue'", "cue")
            events = self.runner.cue(cue, now)
        elif action == "stop":
            events = self.runner.stop(now)
        elif action == "status":
            events = []
        else:
            events = getattr(self.runner, action)(now)
        self._handle(events)
        return self.runner.status(now)

    def step(self, now: float) -> None:
        """Segments whose take ended are done; time passes (caps, timed starts); the Q&A window or the timed dance
        goes on."""
        ended, self.chat.ended_segments = self.chat.ended_segments, []
        if self.runner is None:
            return
        for segment in ended:
            self._handle(self.runner.segment_done(segment.id, now))
        self._handle(self.runner.poll(now))
        self._qa_step(now)

    def _event(self, **data: Any) -> None:
        assert self.desk is not None
        self.desk.event("show", None, **data)

    def _handle(self, events: list[ShowEvent]) -> None:
        self._gate()
        for event in events:
            if isinstance(event, SegmentStarted):
                self._event(action="segment_started", segment=event.segment.id, segment_type=event.segment.type,
                            show_time=round(event.show_time, 3), late_s=round(event.late_s, 3),
                            **_segment_data(event.segment))
                self._look(event.segment)
                self._perform(event.segment)
            elif isinstance(event, SegmentEnded):
                self._event(action="segment_ended", segment=event.segment.id, segment_type=event.segment.type,
                            show_time=round(event.show_time, 3), reason=event.reason,
                            **_host_data(event.segment))
                desk = self._host(event.segment)
                if event.segment.type == "qa":
                    desk.qa_left = 0
                if event.reason != "done":
                    self.chat.stop_talking(desk)  # skipped, jumped, capped or stopped: stop talking now
            elif isinstance(event, WaitingForCue):
                self._event(action="waiting_for_cue", segment=event.segment.id, cue=event.cue,
                            show_time=round(event.show_time, 3), **_host_data(event.segment))
            else:
                self._event(action="finished", show_time=round(event.show_time, 3))
        self._gate()

    def _gate(self) -> None:
        """While the show is on air its hosts answer fans in its Q&A windows only."""
        for desk in self.hosts.values():
            desk.gated = self.on_air

    def _look(self, segment: Segment) -> None:
        """With declared hosts: the segment's host looks at its `look_at` (default: the camera), the others at it.
        A target a host does not know costs the look, not the segment."""
        assert self.runner is not None
        if segment.host is None:
            return  # one host as before: the gaze stays the operator's
        rundown = self.runner.rundown
        for name, desk in self.hosts.items():
            target = (segment.look_at or "camera") if name == segment.host else segment.host
            host = rundown.host(name)
            point = host.sees(target) if host is not None else None
            try:
                desk.avatar.look_at(point if point is not None else target)
            except ValueError as exc:
                log.warning("look_at failed", extra={"segment": segment.id, "host": name, "error": str(exc)})
                self._event(action="segment_error", segment=segment.id, host=name, message=str(exc))

    def _perform(self, segment: Segment) -> None:
        desk = self._host(segment)
        if segment.type == "qa":
            desk.qa_left = segment.questions or 0
            return
        if segment.type == "dance":
            self._dance(desk, segment)
            return
        if segment.type == "line":
            sentences = [Sentence(segment.text or "")]
        elif segment.type == "product":
            product = desk.persona.knowledge.product(segment.product or "")
            assert product is not None  # checked when the rundown was loaded
            sentences = desk.retrieval.product_pitch(product)
        else:
            fact = desk.persona.knowledge.fact(segment.fact or "")
            assert fact is not None
            sentences = desk.retrieval.fun_fact(fact)
        self.chat.perform(desk, segment, sentences)

    def _dance(self, desk: ChatDesk, segment: Segment) -> None:
        """Start the segment's dance as a take (one per host for hosts dancing together: the first host's take
        ends the segment); without music, `_qa_step` just times it."""
        if segment.music is None:
            return
        desks = [self.hosts[name] for name in segment.dancers] or [desk]
        for dancer in desks:
            self.chat.stop_talking(dancer)
        try:
            takes = dance_together([dancer.avatar for dancer in desks], str(segment.music), segment.style)
        except Exception as exc:  # a bad file or style costs the dance, not the show: it is timed instead
            log.warning("dance failed", extra={"segment": segment.id, "error": str(exc)})
            self._event(action="segment_error", segment=segment.id, message=str(exc))
            return
        for k, (dancer, take) in enumerate(zip(desks, takes, strict=True)):
            self.chat.hold_floor(dancer, take, segment if k == 0 else None)

    def _qa_step(self, now: float) -> None:
        """Run the current Q&A window (answer its questions one by one) or time the current dance."""
        runner = self.runner
        assert runner is not None
        if runner.current is None or runner.state != "running":
            return
        segment = runner.rundown.segments[runner.current]
        desk = self._host(segment)
        if segment.type == "dance":
            if desk.current is not None and desk.current.segment is segment:
                return  # a dance take: it ends the segment when it ends
            if runner.segment_elapsed(now) >= dance_length(segment):
                self._handle(runner.segment_done(segment.id, now))
            return
        if segment.type != "qa" or desk.current is not None:
            return
        if desk.qa_left <= 0:
            self._handle(runner.segment_done(segment.id, now))
            return
        message = desk.queue.next()
        if message is not None:
            desk.qa_left -= 1
            self.chat.answer(desk, message)


def _host_data(segment: Segment) -> dict[str, Any]:
    """A declared host's name on its segment's events (a show with one host sends them as before)."""
    return {"host": segment.host} if segment.host is not None else {}


def _segment_data(segment: Segment) -> dict[str, Any]:
    data: dict[str, Any] = _host_data(segment)
    if segment.then_cue is not None:
        data["then_cue"] = segment.then_cue
    if segment.type == "dance":
        data.update(music=str(segment.music) if segment.music else None, style=segment.style,
                    duration=segment.duration)
        if segment.dancers:
            data["dancers"] = list(segment.dancers)
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
