"""The show runner: a rundown of segments and a pure state machine that steps through it.

A rundown (YAML) lists segments: scripted lines with tags, product spotlights, fun facts, dance cues with
music, and Q&A windows that take N questions from the chat queue. Each segment starts when the previous one
ends (the default), at a show time (`at: 90`), or on an operator cue (`cue: guest-ready`), and may be capped
(`max_s`). `load_rundown` validates the file against the persona (products and facts must exist) and raises
SpecError naming file, line and field.

A rundown may declare its `hosts` (avatars, each with the persona its segments are checked against and where it
sees the others); each segment names its `host` (default: the first). Hosts hand over by cue: a segment that ends
with `then_cue: NAME` fires the cue a later segment waits for (`cue: NAME`), as an operator's cue would.

`ShowRunner` knows no clock and no model: the bridge drives it with calls (start, pause, resume, next, jump,
cue, segment_done, poll) that each take `now` and return what happened as events, and performs the segments
itself. The same runner drives a live show and an offline rehearsal on a virtual clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import yaml

from models.dialogue.persona import Persona, default_persona_path, load_persona
from models.dialogue.spec import Fields, Node, SpecError, compose, load_root
from models.dialogue.tags import check_tags
from models.errors import RequestError
from models.face.life import Point, read_targets

SegmentType = Literal["line", "product", "fun_fact", "dance", "qa"]
#: What starts a segment: the previous one's end, a show time (`at`, once the previous one has ended), or a cue.
Trigger = Literal["after", "at", "cue"]
SEGMENT_TYPES: tuple[str, ...] = ("line", "product", "fun_fact", "dance", "qa")
MAX_SEGMENTS = 500
#: Longest show, in seconds of show time (a `at` or `max_s` beyond it is a typo).
MAX_SHOW_S = 24 * 3600.0
#: Most hosts a rundown declares (a sidecar serves at most 16 avatars).
MAX_HOSTS = 16


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
    host: str | None = None  # the host who performs it; None: the show's avatar (a rundown without hosts)
    dancers: tuple[str, ...] = ()  # a dance by several hosts together (`host: all` or a list), `host` first
    then_cue: str | None = None  # fire this cue when the segment ends (done, skipped or capped): a handover
    look_at: str | None = None  # where its host looks meanwhile: another host or a gaze target; None: the camera
    title: str | None = None  # what it is, as the host says it ("our curling corner"); None: named from its content
    about: str | None = None  # product: its name; fun_fact: its first tag (from the host's persona, at load time)


    @property
    def trigger(self) -> Trigger:
        return "cue" if self.cue is not None else "at" if self.at is not None else "after"


@dataclass(frozen=True)
class Host:
    """A host a rundown declares: the avatar's name, the persona file its segments are checked against, and where
    it sees the other hosts (gaze targets by host name, face frame) so it looks at whoever speaks."""

    name: str
    persona: Path
    gaze_targets: tuple[tuple[str, Point], ...] = ()

    def sees(self, target: str) -> Point | None:
        """Where this host sees a named target (another host), if the rundown says."""
        return dict(self.gaze_targets).get(target)


@dataclass(frozen=True)
class Rundown:
    title: str
    segments: tuple[Segment, ...]
    persona: Path  # the persona file the references were checked against (the first host's)
    source: str = "<memory>"
    hosts: tuple[Host, ...] = ()  # () : one host, the avatar the show is loaded for
    duration: float | None = None  # planned length in seconds of show time (what fans are told); None: not fixed

    def planned_end(self) -> float | None:
        """When the show is planned to end (show time): its `duration`, else the end of its last timed segment
        when that one is capped (`at` + `max_s`), else None: no fixed end."""
        if self.duration is not None:
            return self.duration
        timed = [s for s in self.segments if s.at is not None]
        if timed and timed[-1].max_s is not None:
            return timed[-1].at + timed[-1].max_s  # type: ignore[operator]
        return None

    def host(self, name: str) -> Host | None:
        return next((h for h in self.hosts if h.name == name), None)

    def operator_cues(self) -> list[str]:
        """The cues only an operator fires: those no segment's `then_cue` hands over."""
        handed = {s.then_cue for s in self.segments}
        return list(dict.fromkeys(s.cue for s in self.segments if s.cue is not None and s.cue not in handed))

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
_COMMON = ("id", "type", "at", "cue", "max_s", "notes", "host", "then_cue", "look_at", "title")
_HOST_FIELDS = ("name", "persona", "gaze_targets")


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
    else the default persona; a host's own persona file comes first. Raises SpecError naming file, line and
    field."""
    return _rundown(load_root(path, "rundown"), Path(path).parent, persona, RundownFiles(), {})


def parse_rundown(text: str, name: str = "<rundown>", base: Path = Path("."),
                  persona: Persona | None = None, files: RundownFiles | None = None,
                  personas: Mapping[str, Persona] | None = None) -> Rundown:
    """Validate rundown YAML given as text; relative paths resolve against `base` and are read by `files`
    (default: the local disk as named). `personas`: a sidecar's avatars' personas by name, for hosts that name
    no persona file."""
    return _rundown(compose(text, name, "rundown"), base, persona, files or RundownFiles(), personas or {})


def _rundown(root: Node, base: Path, persona: Persona | None, files: RundownFiles,
             served: Mapping[str, Persona]) -> Rundown:
    top = Fields(root, ("title", "persona", "hosts", "duration", "segments"))
    persona_node = top.optional("persona")
    if persona_node is not None:
        persona, persona_path = files.persona(persona_node, base / persona_node.text(max_len=1000))
    elif persona is None:
        persona_path = default_persona_path()
        persona = load_persona(persona_path)
    else:
        persona_path = Path(persona.source)
    hosts_node = top.optional("hosts")
    hosts, personas = _hosts(hosts_node, base, (persona, persona_path), files, served) if hosts_node else ((), {})
    if hosts:
        persona_path = hosts[0].persona
    segments_node = top.required("segments")
    items = segments_node.items(MAX_SEGMENTS)
    if not items:
        raise segments_node.error("needs at least one segment")
    seen: dict[str, int] = {}
    told = _explicit_facts(items)
    segments = []
    last_at: tuple[float, int] | None = None
    for item in items:
        segment = _segment(item, base, persona, seen, told, files, personas)
        if segment.at is not None:
            if last_at is not None and segment.at < last_at[0]:
                raise item.mapping()["at"].error(f"starts at {segment.at:g} s, before the segment on line "
                                                 f"{last_at[1]} ({last_at[0]:g} s)")
            last_at = (segment.at, segment.line)
        segments.append(segment)
    _check_handovers(items, segments)
    duration, duration_node = None, top.optional("duration")
    if duration_node is not None:
        duration = duration_node.number(0.0, MAX_SHOW_S, low_open=True)
        if last_at is not None and last_at[0] >= duration:
            # Fans are told the show ends at `duration`: a segment planned to start after that is a typo in one.
            raise duration_node.error(f"the show is planned to last {duration:g} s, but the segment on line "
                                      f"{last_at[1]} starts at {last_at[0]:g} s")
    return Rundown(top.required("title").text(max_len=200), tuple(segments), persona_path, root.file, hosts,
                   duration)


def _host_names(node: Node, segment_id: str, kind: str, personas: Mapping[str, Persona]) -> tuple[str, ...]:
    """A segment's `host`: one declared host, or for a dance `all` or a list of hosts (they dance together, the
    first one's take carrying the music). SpecError at `node` for an unknown host."""
    listed = isinstance(node.node, yaml.SequenceNode)
    if listed and kind != "dance":
        raise node.error(f"segment {segment_id!r}: only a dance has several hosts (a list, or all)")
    names = node.texts(max_items=MAX_HOSTS, max_len=128) if listed else [node.text(max_len=128)]
    if names == ["all"] and kind == "dance" and personas:
        names = list(personas)
    if not names:
        raise node.error(f"segment {segment_id!r}: lists no host")
    for name in names:
        if name not in personas:
            raise node.error(f"segment {segment_id!r}: unknown host {name!r}; " + (
                f"the rundown's hosts: {', '.join(personas)}" if personas else
                "declare the show's hosts under hosts: (name, persona) to name one"))
    if len(set(names)) < len(names):
        raise node.error(f"segment {segment_id!r}: names a host twice")
    return tuple(names)


def _hosts(node: Node, base: Path, default: tuple[Persona, Path], files: RundownFiles,
           served: Mapping[str, Persona]) -> tuple[tuple[Host, ...], dict[str, Persona]]:
    """The declared hosts and each one's persona: its own file, else the sidecar's for that avatar, else the
    rundown's."""
    items = node.items(MAX_HOSTS)
    if not items:
        raise node.error("lists no host: leave it out for a show with one host")
    hosts: list[Host] = []
    personas: dict[str, Persona] = {}
    for item in items:
        fields = Fields(item, _HOST_FIELDS)
        name_node = fields.required("name")
        name = name_node.text(max_len=128)
        if name in personas:
            raise name_node.error(f"duplicate host {name!r}")
        persona_node, targets = fields.optional("persona"), fields.optional("gaze_targets")
        if persona_node is not None:
            persona, path = files.persona(persona_node, base / persona_node.text(max_len=1000))
        elif name in served:
            persona = served[name]
            path = Path(persona.source)
        else:
            persona, path = default
        personas[name] = persona
        hosts.append(Host(name, path, tuple(read_targets(targets).items()) if targets else ()))
    return tuple(hosts), personas


def _check_handovers(items: list[Node], segments: list[Segment]) -> None:
    """Every `then_cue` hands over to a later segment waiting for it: a typo would stall the show."""
    for i, (item, segment) in enumerate(zip(items, segments, strict=True)):
        if segment.then_cue is not None and not any(s.cue == segment.then_cue for s in segments[i + 1:]):
            waiting = [s.cue for s in segments[i + 1:] if s.cue is not None]
            raise item.mapping()["then_cue"].error(
                f"segment {segment.id!r} hands over to cue {segment.then_cue!r}, but no later segment waits for it "
                f"(cue: {segment.then_cue}); later cues: {', '.join(waiting) or 'none'}")


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
             files: RundownFiles, personas: Mapping[str, Persona]) -> Segment:
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
    host, then_cue, look_at = fields.optional("host"), fields.optional("then_cue"), fields.optional("look_at")
    host_name = next(iter(personas), None)  # the first declared host, if any
    dancers: tuple[str, ...] = ()
    if host is not None:
        names = _host_names(host, segment_id, kind, personas)
        host_name = names[0]
        dancers = names if len(names) > 1 else ()
    if host_name is not None:
        persona = personas[host_name]
    common = Segment(id=segment_id, type=kind, line=item.line,  # type: ignore[arg-type]
                     at=at.number(0.0, MAX_SHOW_S) if at else None,
                     cue=cue.text(max_len=80) if cue else None,
                     max_s=max_s.number(0.0, MAX_SHOW_S, low_open=True) if max_s else None,
                     host=host_name, dancers=dancers, then_cue=then_cue.text(max_len=80) if then_cue else None,
                     look_at=look_at.text(max_len=128) if look_at else None,
                     title=title.text(max_len=200) if (title := fields.optional("title")) else None)
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
        product = persona.knowledge.product(product_id)
        if product is None:
            known = ", ".join(p.id for p in persona.knowledge.products) or "none"
            raise node.error(f"no product {product_id!r} in persona {persona.source}; known: {known}")
        return replace(common, product=product_id, about=product.name)
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
        fact = persona.knowledge.fact(fact_id)
        return replace(common, fact=fact_id, about=fact.tags[0] if fact is not None and fact.tags else None)
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


@dataclass(frozen=True)
class ShowSnapshot:
    """Where a show stands at a moment, for answering fans ("what's next?", "when does it end?"): the rundown's
    segments split around the current one, and the planned end. Only what the rundown and the runner know: no
    segment's length is guessed. How the host names a segment, in her language, is show_talk's
    (`ShowWording.segment`: its `title`, else from its content)."""

    title: str
    state: ShowState
    show_time: float
    current: Segment | None  # being performed; None between segments (waiting for a time or a cue) or off air
    done: tuple[Segment, ...]  # the rundown's segments before the current (or the waiting) one
    to_come: tuple[Segment, ...]  # after the current one, in rundown order (the first is next); () once finished
    end: float | None  # the planned end in show time (Rundown.planned_end); None: no fixed end

    @property
    def next(self) -> Segment | None:
        return self.to_come[0] if self.to_come else None

    @property
    def time_left(self) -> float | None:
        """Seconds of show time until the planned end (0 once past it); None without a fixed end."""
        return None if self.end is None else max(0.0, self.end - self.show_time)

    def first_to_come(self, kind: SegmentType) -> Segment | None:
        """The first segment of a kind still to come ("is there a dance later?"), or None."""
        return next((s for s in self.to_come if s.type == kind), None)

    def starts_in(self, segment: Segment) -> float | None:
        """Seconds until a timed segment to come may start (0: its time has come); None for any other."""
        return None if segment.at is None else max(0.0, segment.at - self.show_time)


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
        segments, snapshot = self.rundown.segments, self.snapshot(now)
        time_left = snapshot.time_left
        return {"state": self.state, "show_time": round(snapshot.show_time, 3),
                # The planned end in show time (Rundown.planned_end) and the show time left to it; None: no fixed end.
                "end": snapshot.end, "time_left": None if time_left is None else round(time_left, 3),
                "current": segments[self.current].id if self.current is not None else None,
                "next": segments[self.upcoming].id if self.upcoming < len(segments) else None,
                "title": self.rundown.title,
                # The rundown itself, so a console can list it with the current segment marked.
                "segments": [{"id": s.id, "type": s.type, "at": s.at, "cue": s.cue,
                              **({"host": s.host, "then_cue": s.then_cue} if self.rundown.hosts else {})}
                             for s in segments]}

    def snapshot(self, now: float) -> ShowSnapshot:
        """Where the show stands at `now`, for the host to answer fans' questions about it (show_talk.py)."""
        segments = self.rundown.segments
        current = segments[self.current] if self.current is not None else None
        waiting = self.upcoming - (current is not None)
        return ShowSnapshot(self.rundown.title, self.state, self.show_time(now), current, segments[:waiting],
                            () if self.state == "finished" else segments[self.upcoming:], self.rundown.planned_end())

    # -- internals ---------------------------------------------------------------------------------------------

    def _need(self, states: str | tuple[str, ...], action: str) -> None:
        allowed = (states,) if isinstance(states, str) else states
        if self.state not in allowed:
            raise ShowError("bad_state", f"cannot {action} a show that is {self.state}; {action} needs it "
                                         f"{' or '.join(allowed)}")

    def _end(self, now: float, reason: EndReason) -> SegmentEnded:
        assert self.current is not None
        index, self.current = self.current, None
        segment = self.rundown.segments[index]
        if segment.then_cue is not None and reason in ("done", "skipped", "max_s"):
            self._cued.add(segment.then_cue)  # the handover: a jump or a stop hands over to no one
        return SegmentEnded(segment, index, self.show_time(now), reason)

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
