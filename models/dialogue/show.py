"""The show runner: a rundown of segments and a pure state machine that steps through it.

A rundown (YAML) lists segments: scripted lines with tags, product spotlights, fun facts, dance cues with
music, and Q&A windows that take N questions from the chat queue. Each segment starts when the previous one
ends (the default), at a show time (`at: 90`), or on an operator cue (`cue: guest-ready`), and may be capped
(`max_s`). `load_rundown` validates the file against the persona (products and facts must exist) and raises
SpecError naming file, line and field.

`ShowRunner` knows no clock and no model: the bridge drives it with calls (start, pause, resume, next, jump,
cue, segment_done, poll) that each take `now` and return what happened as events, and performs the segments
itself. The same runner drives a live show and an offline rehearsal on a virtual clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from models.dialogue.persona import Persona, default_persona_path, load_persona
from models.dialogue.spec import Fields, Node, SpecError, compose, load_root
from models.dialogue.tags import check_tags
from models.errors import RequestError

SegmentType = Literal["line", "product", "fun_fact", "dance", "qa"]
SEGMENT_TYPES: tuple[str, ...] = ("line", "product", "fun_fact", "dance", "qa")
MAX_SEGMENTS = 500
#: Longest show, in seconds of show time (a `at` or `max_s` beyond it is a typo).
MAX_SHOW_S = 24 * 3600.0


@dataclass(frozen=True)
class Segment:
    """One rundown entry. Which fields are set depends on `type`; `line` is the rundown line it came from."""

    id: str
    type: SegmentType
    line: int
    at: float | None = None  # start at this show time (after the previous segment ends)
    cue: str | None = None  # start on this operator cue
    max_s: float | None = None  # end the segment after this long
    text: str | None = None  # line
    product: str | None = None  # product id
    fact: str | None = None  # fun fact id
    music: Path | None = None  # dance
    style: str | None = None  # dance
    duration: float | None = None  # dance without music
    questions: int | None = None  # qa
    rehearsal_questions: tuple[str, ...] = ()  # qa: what a rehearsal asks in place of live fans


@dataclass(frozen=True)
class Rundown:
    title: str
    segments: tuple[Segment, ...]
    persona: Path  # the persona file the references were checked against
    source: str = "<memory>"

    def index_of(self, segment_id: str) -> int:
        for i, segment in enumerate(self.segments):
            if segment.id == segment_id:
                return i
        raise KeyError(segment_id)


# -- loading --------------------------------------------------------------------------------------------------

_FIELDS: dict[str, tuple[str, ...]] = {
    "line": ("text",),
    "product": ("product",),
    "fun_fact": ("fact",),
    "dance": ("music", "style", "duration"),
    "qa": ("questions", "rehearsal_questions"),
}
_COMMON = ("id", "type", "at", "cue", "max_s", "notes")


class RundownFiles:
    """Where a rundown's own files come from: its persona and its dances' music, named relative to the rundown.
    This one reads the local disk as named (the operator's files); the sidecar passes its media policy
    (bridge/media.py) for a rundown a request names."""

    def persona(self, node: Node, path: Path) -> tuple[Persona, Path]:
        """The persona the rundown names and the file it came from; SpecError at `node` when it cannot be read."""
        if not path.is_file():
            raise node.error(f"persona file {path} not found")
        return load_persona(path), path

    def music(self, node: Node, path: Path) -> Path:
        """The music file a dance names, as the performer will open it; SpecError at `node` when it is missing."""
        if not path.is_file():
            raise node.error(f"music file {path} not found (paths are relative to the rundown)")
        return path


def load_rundown(path: str | Path, persona: Persona | None = None) -> Rundown:
    """Read and validate a rundown. The persona is the one the file names (relative to it), else `persona`,
    else the default persona. Raises SpecError naming file, line and field."""
    return _rundown(load_root(path, "rundown"), Path(path).parent, persona, RundownFiles())


def parse_rundown(text: str, name: str = "<rundown>", base: Path = Path("."),
                  persona: Persona | None = None, files: RundownFiles | None = None) -> Rundown:
    """Validate rundown YAML given as text; relative paths resolve against `base` and are read by `files`
    (default: the local disk as named)."""
    return _rundown(compose(text, name, "rundown"), base, persona, files or RundownFiles())


def _rundown(root: Node, base: Path, persona: Persona | None, files: RundownFiles) -> Rundown:
    top = Fields(root, ("title", "persona", "segments"))
    persona_node = top.optional("persona")
    if persona_node is not None:
        persona, persona_path = files.persona(persona_node, base / persona_node.text(max_len=1000))
    elif persona is None:
        persona_path = default_persona_path()
        persona = load_persona(persona_path)
    else:
        persona_path = Path(persona.source)
    segments_node = top.required("segments")
    items = segments_node.items(MAX_SEGMENTS)
    if not items:
        raise segments_node.error("needs at least one segment")
    seen: dict[str, int] = {}
    told = _explicit_facts(items)
    segments = []
    last_at: tuple[float, int] | None = None
    for item in items:
        segment = _segment(item, base, persona, seen, told, files)
        if segment.at is not None:
            if last_at is not None and segment.at < last_at[0]:
                raise item.mapping()["at"].error(f"starts at {segment.at:g} s, before the segment on line "
                                                 f"{last_at[1]} ({last_at[0]:g} s)")
            last_at = (segment.at, segment.line)
        segments.append(segment)
    return Rundown(top.required("title").text(max_len=200), tuple(segments), persona_path, root.file)


def _explicit_facts(items: list[Node]) -> set[str]:
    """Fact ids that segments name outright ("next" picks among the others)."""
    told = set()
    for item in items:
        try:
            fact = item.mapping().get("fact")
            if fact is not None and not fact.is_null() and fact.text(max_len=80) != "next":
                told.add(fact.text(max_len=80))
        except SpecError:
            continue  # reported with its line when the segment itself is read
    return told


def _segment(item: Node, base: Path, persona: Persona, seen: dict[str, int], told: set[str],
             files: RundownFiles) -> Segment:
    raw = item.mapping()
    if "type" not in raw or raw["type"].is_null():
        raise SpecError(item.file, item.line, f"{item.path}.type", f"is required: one of {', '.join(SEGMENT_TYPES)}")
    kind = raw["type"].choice(SEGMENT_TYPES)
    fields = Fields(item, _COMMON + _FIELDS[kind])
    id_node = fields.required("id")
    segment_id = id_node.text(max_len=80)
    if segment_id in seen:
        raise id_node.error(f"duplicate segment id {segment_id!r} (first on line {seen[segment_id]})")
    seen[segment_id] = id_node.line
    at, cue, max_s = fields.optional("at"), fields.optional("cue"), fields.optional("max_s")
    if at is not None and cue is not None:
        raise cue.error("a segment starts either at a time (at) or on a cue (cue), not both")
    common = Segment(id=segment_id, type=kind, line=item.line,  # type: ignore[arg-type]
                     at=at.number(0.0, MAX_SHOW_S) if at else None,
                     cue=cue.text(max_len=80) if cue else None,
                     max_s=max_s.number(0.0, MAX_SHOW_S, low_open=True) if max_s else None)
    if kind == "line":
        text_node = fields.required("text")
        text = text_node.text(max_len=2000)
        try:
            check_tags(text)
        except ValueError as exc:
            raise text_node.error(f"bad tag: {exc}") from None
        return replace(common, text=text)
    if kind == "product":
        node = fields.required("product")
        product_id = node.text(max_len=80)
        if persona.knowledge.product(product_id) is None:
            known = ", ".join(p.id for p in persona.knowledge.products) or "none"
            raise node.error(f"no product {product_id!r} in persona {persona.source}; known: {known}")
        return replace(common, product=product_id)
    if kind == "fun_fact":
        node = fields.required("fact")
        fact_id = node.text(max_len=80)
        if fact_id == "next":
            # "next": the first fact of the knowledge base no other segment tells, fixed at load time so a
            # rehearsal and the live show tell the same one.
            fresh = [f.id for f in persona.knowledge.fun_facts if f.id not in told]
            if not fresh:
                raise node.error("fact: next, but every fun fact of the persona is already told in this rundown")
            fact_id = fresh[0]
            told.add(fact_id)
        elif persona.knowledge.fact(fact_id) is None:
            raise node.error(f"no fun fact {fact_id!r} in persona {persona.source}")
        return replace(common, fact=fact_id)
    if kind == "dance":
        music_node, duration_node, style_node = fields.optional("music"), fields.optional("duration"), \
            fields.optional("style")
        music = None
        if music_node is not None:
            music = files.music(music_node, base / music_node.text(max_len=1000))
        elif duration_node is None:
            raise SpecError(item.file, item.line, f"{item.path}.music", "a dance needs music or a duration")
        return replace(common, music=music, style=style_node.text(max_len=40) if style_node else None,
                       duration=duration_node.number(0.0, 3600.0, low_open=True) if duration_node else None)
    questions = fields.required("questions").integer(1, 100)
    rehearsal = fields.optional("rehearsal_questions")
    return replace(common, questions=questions,
                   rehearsal_questions=tuple(rehearsal.texts(100, 500)) if rehearsal else ())


# -- running --------------------------------------------------------------------------------------------------

ShowState = Literal["ready", "running", "paused", "finished"]
EndReason = Literal["done", "skipped", "jumped", "max_s", "stopped"]


@dataclass(frozen=True)
class SegmentStarted:
    """Perform this segment now. `late_s` > 0 when a timed segment starts after its `at`."""

    segment: Segment
    index: int
    show_time: float
    late_s: float = 0.0


@dataclass(frozen=True)
class SegmentEnded:
    """The segment is over; for any reason but "done" the bridge stops what it still performs."""

    segment: Segment
    index: int
    show_time: float
    reason: EndReason


@dataclass(frozen=True)
class WaitingForCue:
    segment: Segment
    index: int
    show_time: float
    cue: str


@dataclass(frozen=True)
class ShowFinished:
    show_time: float


ShowEvent = SegmentStarted | SegmentEnded | WaitingForCue | ShowFinished


class ShowError(RequestError):
    """An operator action the show cannot take in its state; `field` names the request field (the show
    request's `action` unless told)."""

    def __init__(self, code: str, message: str, field: str = "action") -> None:
        super().__init__(code, message, field)


class ShowRunner:
    """Steps through a rundown. Pure: every call takes `now` (seconds) and returns events; nothing else moves.

    Show time runs from `start` and stops while paused. A segment is *current* from SegmentStarted until it
    ends; between segments the runner waits for the next one's trigger (its previous segment's end, its `at`,
    or its cue).
    """

    def __init__(self, rundown: Rundown) -> None:
        self.rundown = rundown
        self.state: ShowState = "ready"
        self.current: int | None = None  # index of the segment being performed
        self.upcoming = 0  # index of the next segment to start
        self._started_at: float | None = None
        self._paused_at: float | None = None
        self._paused_total = 0.0
        self._segment_started = 0.0  # show time the current segment began
        self._cued: set[str] = set()

    def show_time(self, now: float) -> float:
        if self._started_at is None:
            return 0.0
        end = self._paused_at if self._paused_at is not None else now
        return end - self._started_at - self._paused_total

    # -- operator calls ----------------------------------------------------------------------------------------

    def start(self, now: float) -> list[ShowEvent]:
        self._need("ready", "start")
        self._started_at = now
        self.state = "running"
        return self._advance(now)

    def pause(self, now: float) -> list[ShowEvent]:
        """Freeze show time; the segment being performed carries on (the bridge may interrupt it)."""
        self._need("running", "pause")
        self._paused_at = now
        self.state = "paused"
        return []

    def resume(self, now: float) -> list[ShowEvent]:
        self._need("paused", "resume")
        assert self._paused_at is not None
        self._paused_total += now - self._paused_at
        self._paused_at = None
        self.state = "running"
        return self._advance(now)

    def next(self, now: float) -> list[ShowEvent]:
        """End the current segment (skipped) or, between segments, start the waiting one whatever its trigger."""
        self._need(("running", "paused"), "next")
        if self.current is not None:
            events: list[ShowEvent] = [self._end(now, "skipped")]
            return events + self._advance(now)
        if self.upcoming >= len(self.rundown.segments):
            return []
        return self._begin(self.upcoming, now)

    def jump(self, segment_id: str, now: float) -> list[ShowEvent]:
        """Go to a segment now (back or forth), ending the current one."""
        self._need(("running", "paused", "finished"), "jump")
        try:
            index = self.rundown.index_of(segment_id)
        except KeyError:
            raise ShowError("unknown_segment", f"no segment {segment_id!r} in the rundown; segments: "
                                               f"{', '.join(s.id for s in self.rundown.segments)}", "segment") from None
        events: list[ShowEvent] = [self._end(now, "jumped")] if self.current is not None else []
        if self.state == "finished":
            self.state = "running"
        return events + self._begin(index, now)

    def cue(self, name: str, now: float) -> list[ShowEvent]:
        """An operator cue: starts the segment waiting for it (or arms it if the show has not got there yet)."""
        self._need(("running", "paused", "ready"), "cue")
        self._cued.add(name)
        return self._advance(now) if self.state == "running" else []

    def segment_done(self, segment_id: str, now: float) -> list[ShowEvent]:
        """The bridge finished performing a segment. A stale id (already skipped) is ignored."""
        if self.current is None or self.rundown.segments[self.current].id != segment_id:
            return []
        events: list[ShowEvent] = [self._end(now, "done")]
        return events + (self._advance(now) if self.state == "running" else [])

    def stop(self, now: float) -> list[ShowEvent]:
        """End the show now (the current segment ends "stopped")."""
        self._need(("ready", "running", "paused"), "stop")
        events: list[ShowEvent] = [self._end(now, "stopped")] if self.current is not None else []
        if self._paused_at is not None:
            self._paused_total += now - self._paused_at
            self._paused_at = None
        self.state = "finished"
        return events + [ShowFinished(self.show_time(now))]

    def segment_elapsed(self, now: float) -> float:
        """Show time since the current segment started (0 between segments)."""
        return self.show_time(now) - self._segment_started if self.current is not None else 0.0

    def poll(self, now: float) -> list[ShowEvent]:
        """Time passes: caps (`max_s`) and timed starts (`at`) fire."""
        if self.state != "running":
            return []
        events: list[ShowEvent] = []
        if self.current is not None:
            segment = self.rundown.segments[self.current]
            if segment.max_s is not None and self.show_time(now) - self._segment_started >= segment.max_s:
                events.append(self._end(now, "max_s"))
        return events + self._advance(now)

    def status(self, now: float) -> dict[str, object]:
        """A summary for the operator console."""
        segments = self.rundown.segments
        return {"state": self.state, "show_time": round(self.show_time(now), 3),
                "current": segments[self.current].id if self.current is not None else None,
                "next": segments[self.upcoming].id if self.upcoming < len(segments) else None,
                "title": self.rundown.title,
                # The rundown itself, so a console can list it with the current segment marked.
                "segments": [{"id": s.id, "type": s.type, "at": s.at, "cue": s.cue} for s in segments]}

    # -- internals ---------------------------------------------------------------------------------------------

    def _need(self, states: str | tuple[str, ...], action: str) -> None:
        allowed = (states,) if isinstance(states, str) else states
        if self.state not in allowed:
            raise ShowError("bad_state", f"cannot {action} a show that is {self.state}; {action} needs it "
                                         f"{' or '.join(allowed)}")

    def _end(self, now: float, reason: EndReason) -> SegmentEnded:
        assert self.current is not None
        index, self.current = self.current, None
        return SegmentEnded(self.rundown.segments[index], index, self.show_time(now), reason)

    def _begin(self, index: int, now: float, late_s: float = 0.0) -> list[ShowEvent]:
        segment = self.rundown.segments[index]
        self.current, self.upcoming = index, index + 1
        self._segment_started = self.show_time(now)
        if segment.cue is not None:
            self._cued.discard(segment.cue)  # a cue is used once
        return [SegmentStarted(segment, index, self._segment_started, late_s)]

    def _advance(self, now: float) -> list[ShowEvent]:
        """Start the upcoming segment if its trigger has fired; finish the show after the last."""
        if self.state != "running" or self.current is not None:
            return []
        segments = self.rundown.segments
        if self.upcoming >= len(segments):
            self.state = "finished"
            return [ShowFinished(self.show_time(now))]
        segment = segments[self.upcoming]
        t = self.show_time(now)
        if segment.cue is not None:
            if segment.cue in self._cued:
                return self._begin(self.upcoming, now)
            return [WaitingForCue(segment, self.upcoming, t, segment.cue)]
        if segment.at is not None:
            if t < segment.at:
                return []
            return self._begin(self.upcoming, now, late_s=t - segment.at)
        return self._begin(self.upcoming, now)

    def next_wake(self, now: float) -> float | None:
        """The `now` at which `poll` next has something to do (a timed start or a cap), or None."""
        if self.state != "running":
            return None
        base = now - self.show_time(now)
        if self.current is not None:
            segment = self.rundown.segments[self.current]
            return base + self._segment_started + segment.max_s if segment.max_s is not None else None
        if self.upcoming < len(self.rundown.segments) and self.rundown.segments[self.upcoming].at is not None:
            return base + self.rundown.segments[self.upcoming].at  # type: ignore[operator]
        return None
