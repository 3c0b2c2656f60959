"""Rehearsal: render a whole show offline on a virtual clock, with a timing report.

The same host, director and performer as `serve`, driven frame by frame: cues fire as soon as the show waits
for them, and each Q&A window asks its `rehearsal_questions` in place of live fans. A producer learns the
show's length (and each segment's) before air.

    DIR/show.wav     the show's audio on the show's timeline
    DIR/show.json    segments (start, end, duration, lateness, how they ended, what was said) and all events
    DIR/timing.txt   the timing report as printed
    DIR/show.bvh     the body over the whole show (idle, gestures, speech beats, dances) for Blender
    DIR/dance_SEGMENT.png  each dance segment with music: its dancers' joint speed under the beat grid, a row each

A dance segment with `music:` is danced for real: the music is beat-tracked, played into show.wav and danced in
show.bvh, and the segment lasts as long as the music, as on air. Its entry in show.json gets `dance: {tempo, beats,
downbeats, bas}` (beat counts; bas the lead dancer's Beat Alignment Score against the tracked beats, and
`bas_by_host` when several hosts dance it).

A rundown that declares hosts is performed by all of them on one performer, each with its persona, the one voice
given and the gaze targets the rundown gives it; show.wav mixes them, and each host also gets its own take:

    DIR/HOST.wav     that host's audio alone, on the show's timeline
    DIR/HOST.bvh     that host's body (in place of show.bvh)

Cues that a segment's `then_cue` hands over fire when that segment ends, as on air; the others (the operator's)
are ready when their segment comes up.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from bridge.config import AvatarConfig
from bridge.dialogue import Dialogue
from bridge.performer import VirtualClock
from bridge.pipeline import build_pipeline
from bridge.protocol import AudioChunk, Event, PoseFrame, Words
from bridge.render import dance_numbers, write_dance_picture, write_whole
from bridge.sinks import Hub, Recorder
from models.body.bvh import write_bvh
from models.body.dance import Dance
from models.body.metrics import DanceMeasure, measure_dance
from models.dialogue.engine import RetrievalEngine
from models.dialogue.persona import Persona, load_persona
from models.dialogue.show import Rundown
from models.tts import Voice

#: A rehearsal stops after this much show time even if the show has not finished (a segment waiting forever).
MAX_REHEARSAL_S = 4 * 3600.0


@dataclass(frozen=True)
class SegmentTiming:
    id: str
    type: str
    start: float  # show time, seconds
    end: float
    late_s: float
    ended: str  # done | skipped | jumped | max_s | stopped
    said: str
    host: str | None = None  # the declared host who performed it

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SegmentDance:
    """A dance segment with music as it was danced: each dancer (its name, empty in a show of one avatar; its
    dance; how that dance moves against the beat), the lead first."""

    segment: str
    dancers: tuple[tuple[str, Dance, DanceMeasure], ...]

    def numbers(self) -> dict[str, Any]:
        """show.json's `dance`: the lead's tempo, beat counts and BAS, and every dancer's BAS when several dance."""
        _, lead, measure = self.dancers[0]
        numbers = dance_numbers(lead, measure)
        if len(self.dancers) > 1:
            numbers["bas_by_host"] = {name: dance_numbers(dance, m)["bas"] for name, dance, m in self.dancers}
        return numbers


@dataclass(frozen=True)
class ShowReport:
    title: str
    duration: float
    segments: list[SegmentTiming]
    audio: np.ndarray  # int16, the show's timeline
    sample_rate: int
    events: list[dict[str, Any]]
    finished: bool
    frame_rate: float
    root: np.ndarray  # [F, 3] Hips, metres, one row per performer frame from show time 0 (the first host's)
    rotations: np.ndarray  # [F, J, 4] local joint rotations, skeleton order
    hosts: dict[str, HostTake] = field(default_factory=dict)  # each declared host's own take; {} for one host
    dances: dict[str, SegmentDance] = field(default_factory=dict)  # by segment id: the dance segments with music

    def table(self) -> str:
        width = max((len(s.host) + 1 for s in self.segments if s.host), default=0)  # a host column with hosts
        lines = [f"{self.title}: {self.duration:.1f} s ({_clock(self.duration)})"
                 + ("" if self.finished else f" — stopped at the {MAX_REHEARSAL_S:g} s limit"),
                 f"{'segment':20s} {'type':9s} {'host' if width else '':{width}s}{'start':>8s} {'length':>8s} "
                 f"{'late':>6s}  said"]
        for s in self.segments:
            said = s.said if len(s.said) <= 60 else s.said[:57] + "..."
            lines.append(f"{s.id:20s} {s.type:9s} {s.host or '':{width}s}{_clock(s.start):>8s} {s.duration:7.1f}s "
                         f"{s.late_s:5.1f}s  {said}")
        return "\n".join(lines)


@dataclass(frozen=True)
class HostTake:
    """One host's part of a show with several: its audio alone and its body, on the show's timeline."""

    audio: np.ndarray  # int16
    root: np.ndarray  # [F, 3]
    rotations: np.ndarray  # [F, J, 4]


def _clock(seconds: float) -> str:
    minutes, secs = divmod(seconds, 60.0)
    return f"{int(minutes)}:{secs:04.1f}"


def rehearse(voice: Voice, rundown: Rundown, persona: Persona | None = None, frame_rate: float = 30.0,
             avatar: str = "host") -> ShowReport:
    """Perform the rundown offline and measure it: by its declared hosts (each with its own persona), else by
    `avatar` with `persona` (default: the rundown's)."""
    recorder = Recorder()
    clock = VirtualClock()
    if rundown.hosts:
        configs = [AvatarConfig(h.name, gaze_targets=dict(h.gaze_targets)) for h in rundown.hosts]
        files = {h.name: h.persona for h in rundown.hosts}
    else:
        configs, files = [AvatarConfig(avatar)], {avatar: rundown.persona}
    read = {file: load_persona(file) for file in dict.fromkeys(files.values())}
    personas = {name: read[file] for name, file in files.items()}
    if persona is not None and not rundown.hosts:
        personas[avatar] = persona
    engines = {id(p): RetrievalEngine(p) for p in personas.values()}  # one knowledge index per persona
    configs = [replace(c, voice_style=personas[c.name].voice.style()) for c in configs]  # as serve speaks them
    pipeline = build_pipeline(configs, lambda config: voice, Hub([recorder]), clock, frame_rate=frame_rate,
                              lookahead=0.0)
    performer = pipeline.performer  # music is decoded and tracked inline, at the cue
    dialogue = Dialogue.of(pipeline.avatars, personas, {name: engines[id(p)] for name, p in personas.items()}, clock)
    dialogue.show.load(rundown, avatar)
    runner = dialogue.show.runner
    assert runner is not None
    for cue in rundown.operator_cues():
        runner.cue(cue, clock.t)  # in rehearsal every operator cue is ready when its segment comes up
    dialogue.show.op("start", clock.t)
    asked: set[int] = set()
    danced: dict[str, tuple[str, Dance]] = {}  # by take id: its avatar and its dance (a body forgets old dances)
    while runner.state != "finished" and clock.t < MAX_REHEARSAL_S:
        current = runner.current
        if current is not None and current not in asked and rundown.segments[current].type == "qa":
            asked.add(current)
            segment = rundown.segments[current]
            _ask(dialogue, segment.host or avatar, segment.rehearsal_questions)
        performer.tick(clock.t)
        for name, pipe in pipeline.avatars.items():
            for take, dance in pipe.body.dances.items():
                danced.setdefault(take, (name, dance))
        dialogue.step(clock.t)
        clock.t += performer.period
    return _report(rundown, recorder, voice.sample_rate, frame_rate, clock.t, runner.state == "finished", danced)


def _ask(dialogue: Dialogue, avatar: str, questions: tuple[str, ...]) -> None:
    desk = dialogue.desks[avatar]
    for i, question in enumerate(questions):
        dialogue.chat_op(avatar, f"rehearsal-{i + 1}", question)
    # A window with fewer rehearsal questions than it takes ends when they are answered.
    desk.qa_left = min(desk.qa_left, len(desk.queue.waiting()))


def _report(rundown: Rundown, recorder: Recorder, rate: int, frame_rate: float, end: float,
            finished: bool, danced: dict[str, tuple[str, Dance]]) -> ShowReport:
    events = [m for m in recorder.messages if isinstance(m, Event)]
    show = [e for e in events if e.type == "show"]
    starts = {e.data["segment"]: e for e in show if e.data.get("action") == "segment_started"}
    ends = {e.data["segment"]: e for e in show if e.data.get("action") == "segment_ended"}
    finish = next((e.data["show_time"] for e in show if e.data.get("action") == "finished"), end)
    started_at = {e.take: e.pts for e in events if e.type == "take_started" and e.take}
    words: dict[str, list[str]] = {}
    for m in recorder.messages:
        if isinstance(m, Words):
            words.setdefault(m.take, []).extend(str(w[0]) for w in m.items)
    segments = []
    dances: dict[str, SegmentDance] = {}
    for segment in rundown.segments:
        if segment.id not in starts:
            continue
        start = starts[segment.id].data["show_time"]
        stop = ends[segment.id].data["show_time"] if segment.id in ends else finish
        said = " ".join(" ".join(words.get(take, [])) for take, pts in sorted(started_at.items(), key=lambda x: x[1])
                        if start - 2e-3 <= pts < stop - 2e-3)  # event times are rounded to 1 ms
        segments.append(SegmentTiming(segment.id, segment.type, start, stop, starts[segment.id].data["late_s"],
                                      ends[segment.id].data["reason"] if segment.id in ends else "stopped", said,
                                      segment.host))
        dancers = tuple((danced[e.take][0] if rundown.hosts else "", danced[e.take][1],
                         measure_dance(danced[e.take][1])) for e in events
                        if e.type == "dance" and e.take in danced and start - 2e-3 <= e.pts < stop - 2e-3)
        if dancers:
            dances[segment.id] = SegmentDance(segment.id, dancers)
    hosts = {host.name: _host_take(recorder, host.name, rate, finish) for host in rundown.hosts}
    take = _host_take(recorder, None, rate, finish)
    mixed = np.sum([h.audio.astype(np.int32) for h in hosts.values()], axis=0) if hosts else take.audio
    audio = np.clip(mixed, -32768, 32767).astype(np.int16)
    body = next(iter(hosts.values()), take)
    return ShowReport(rundown.title, float(finish), segments, audio, rate,
                      [{"type": e.type, "pts": round(e.pts, 4), "take": e.take,
                        **({"avatar": e.avatar} if hosts else {}), **e.data} for e in events], finished,
                      frame_rate, body.root, body.rotations, hosts, dances)


def _host_take(recorder: Recorder, avatar: str | None, rate: int, finish: float) -> HostTake:
    """One avatar's audio and body up to the show's end (None: every avatar's, of a show with one)."""
    audio = np.zeros(int(round(finish * rate)) + 1, dtype=np.int16)
    for chunk in (m for m in recorder.messages if isinstance(m, AudioChunk) and avatar in (None, m.avatar)):
        at = int(round(chunk.pts * rate))
        pcm = np.frombuffer(chunk.pcm, dtype="<i2")[: max(len(audio) - at, 0)]
        audio[at:at + len(pcm)] = pcm
    poses = [m for m in recorder.messages
             if isinstance(m, PoseFrame) and m.pts <= finish + 1e-9 and avatar in (None, m.avatar)]
    return HostTake(audio, np.array([p.root for p in poses], dtype=np.float32).reshape(-1, 3),
                    np.frombuffer(b"".join(p.q for p in poses), dtype="<f4").reshape(len(poses), -1, 4))


def write_report(report: ShowReport, out_dir: Path) -> list[Path]:
    """Write the rehearsal's files into `out_dir`, each whole or not at all (`write_whole`). Raises OSError naming
    the file it could not write."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = json.dumps({
        "title": report.title, "duration": round(report.duration, 3), "finished": report.finished,
        "segments": [{**asdict(s), "duration": round(s.duration, 3),
                      **({"dance": report.dances[s.id].numbers()} if s.id in report.dances else {})}
                     for s in report.segments],
        "events": report.events,
    }, indent=1, default=str)
    paths = [
        write_whole(out_dir / "show.wav",
                    lambda p: soundfile.write(p, report.audio, report.sample_rate, subtype="PCM_16")),
        write_whole(out_dir / "show.json", lambda p: p.write_text(document)),
        write_whole(out_dir / "timing.txt", lambda p: p.write_text(report.table() + "\n")),
    ]
    for name, take in report.hosts.items():
        stem = re.sub(r"[^\w.-]", "_", name).lstrip(".") or "host"  # an avatar name as a file name in out_dir
        paths += _write_take(out_dir, stem, take, report.sample_rate, report.frame_rate)
    if len(report.root) and not report.hosts:
        paths.append(write_whole(out_dir / "show.bvh",
                                 lambda p: write_bvh(p, report.root, report.rotations, report.frame_rate)))
    for segment, dance in report.dances.items():
        stem = re.sub(r"[^\w.-]", "_", segment)  # a segment id as a file name in out_dir
        picture = write_dance_picture(out_dir / f"dance_{stem}.png", dance.dancers, f"{report.title}: {segment}")
        paths += [picture] if picture is not None else []
    return paths


def _write_take(out_dir: Path, stem: str, take: HostTake, rate: int, frame_rate: float) -> list[Path]:
    """One host's STEM.wav and STEM.bvh."""
    paths = [write_whole(out_dir / f"{stem}.wav", lambda p: soundfile.write(p, take.audio, rate, subtype="PCM_16"))]
    if len(take.root):
        paths.append(write_whole(out_dir / f"{stem}.bvh",
                                 lambda p: write_bvh(p, take.root, take.rotations, frame_rate)))
    return paths
