"""Offline render: the same performer and director on a virtual clock, written to files an artist can open.
A take is a line the voice says, a recording (`render --audio`) or a performer's video (`render --video`).

DIR/take.wav      the take's audio
DIR/take.json     text, phoneme and word timelines, every face frame, events (times from the take's start)
DIR/take.livelink.csv  Live Link Face CSV, the app's own layout: Timecode, BlendShapeCount, the 61 channels
DIR/take.bvh      the body (idle, gestures, speech beats) as BVH for Blender or MotionBuilder (docs/body.md)

A dance alone (`render --music`) is written as dance.wav (the music), dance.bvh (the dance), dance.json (tempo,
beats, downbeats, phrases, Beat Alignment Score, what the tracker chose) and dance.png (the joint speed under the
beat grid).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from bridge.performer import VirtualClock
from bridge.pipeline import AvatarPipeline, one_avatar
from bridge.protocol import AudioChunk, Event, FaceFrame, Phonemes, PoseFrame, StreamMessage, Words
from bridge.sinks import Hub, Recorder
from bridge.sinks.livelink import livelink_values
from models.body.bvh import write_bvh
from models.body.dance import Dance, dance_to
from models.body.metrics import DanceMeasure, measure_dance
from models.face.arkit import LIVELINK_CSV_NAMES, LIVELINK_NAMES
from models.take import Take
from models.tts import Voice
from models.tts.recording import MAX_RECORDING_S, RECORDING_RATE, RecordingVoice
from models.vision.puppet import FADE_S
from models.vision.tracking import Seen

log = logging.getLogger(__name__)

#: Frames rendered after the take ends, so the face settles.
TAIL_S = 0.25

#: The Live Link Face app's CSV header, exactly as the app writes it (docs/face.md).
LIVELINK_CSV_HEADER: tuple[str, ...] = ("Timecode", "BlendShapeCount", *LIVELINK_CSV_NAMES)
#: Count column spellings a reader accepts: the app's, and the one our renders wrote before matching it.
LIVELINK_COUNT_COLUMNS = ("BlendShapeCount", "BlendshapeCount")
#: The app's timecode counts frames of 60 per second, whatever rate the rows come at.
LIVELINK_TIMECODE_RATE = 60
#: For each CSV channel column, the index of its value in a Live Link Face packet.
_CSV_FROM_PACKET = [LIVELINK_NAMES.index(name) for name in LIVELINK_CSV_NAMES]


@dataclass(frozen=True)
class RenderedTake:
    """Everything one take produced, with times relative to its first sample."""

    text: str
    sample_rate: int
    frame_rate: float
    audio: np.ndarray  # int16
    phonemes: list[list[Any]]
    words: list[list[Any]]
    frame_times: np.ndarray  # [F] seconds
    weights: np.ndarray  # [F, 52]
    head: np.ndarray  # [F, 3] radians
    eyes: np.ndarray  # [F, 4] radians
    events: list[dict[str, Any]]
    root: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), dtype=np.float32))  # [F, 3] Hips, metres
    rotations: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 4), dtype=np.float32))  # [F, J, 4]

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


def render_take(voice: Voice, text: str, emotion: str | None = None, frame_rate: float = 60.0,
                avatar: str = "host", literal: bool = False, seed: int = 0) -> RenderedTake:
    """Render one line with a virtual clock: no sockets, no real time, the same code as `serve` (face life
    seeded with `seed`). Raises TagError for a bad inline tag, ValueError for an unknown emotion."""
    return _render(voice, lambda avatar: avatar.director.say(text, emotion, literal=literal), text,
                   60.0 + len(text) * 0.2, frame_rate, avatar, seed)


def render_recording(voice: RecordingVoice, emotion: str | None = None, frame_rate: float = 60.0,
                     avatar: str = "host", seed: int = 0) -> RenderedTake:
    """Render a recording as a take (`render --audio`): its audio as recorded, its face from its aligned transcript
    when it has one, else from its audio alone, and everything else (emotion, blinks, gaze, head, body) on top.
    Raises ValueError for an unknown emotion."""
    return _render(voice, lambda avatar: avatar.director.recite(voice.transcript, emotion), voice.transcript,
                   60.0 + voice.duration, frame_rate, avatar, seed)


#: A still image renders this long (s).
STILL_S = 3.0
#: Longest video `render --video` takes (s), as for a recording.
MAX_VIDEO_S = MAX_RECORDING_S


@dataclass(frozen=True)
class TrackedVideo:
    """A performer's video through the trackers: what each frame showed, and its sound as a recording."""

    seen: list[Seen]
    voice: RecordingVoice  # the video's sound, silence where it has none, as long as the video
    faces: int  # frames with a face
    error: str | None  # why the video broke off, if it did (its frames up to there are kept)


def track_video(path: Path, body: bool = True, progress: Callable[[int, float, float], None] | None = None,
                mirror: bool = False) -> TrackedVideo:
    """Every frame of a video file, an image (STILL_S of it) or an image folder through the trackers (the body too
    with `body`; `mirror`: a mirrored video), `progress(frames, seconds, frames_per_s)` every 30 frames. Raises
    SourceError: not a video, no frame read, longer than MAX_VIDEO_S."""
    from models.vision.sources import SourceError, VideoFileSource, open_source, read_audio
    from models.vision.tracking import Wants, mediapipe_tracking

    if not path.exists():  # a name of digits would open a camera: render takes files
        raise SourceError(f"{path}: no such file or folder")
    source = open_source(path, seconds=STILL_S)
    tracking = mediapipe_tracking(video=True)
    tracking.wants = Wants(body=body, mirror=mirror)
    seen: list[Seen] = []
    started = time.monotonic()
    try:
        for frame in source.frames():
            if frame.t > MAX_VIDEO_S:
                raise SourceError(f"{path} is longer than {MAX_VIDEO_S / 60:g} minutes: cut it")
            seen.append(tracking.track(frame.image, frame.t, frame.t))
            if progress is not None and len(seen) % 30 == 0:
                progress(len(seen), frame.t, len(seen) / (time.monotonic() - started))
    finally:
        source.close()
    if not seen:
        raise SourceError(f"{path}: no frame could be read" + (f" ({source.error})" if source.error else ""))
    duration = seen[-1].t + 1.0 / (source.fps or 30.0)
    audio = np.zeros(round(duration * RECORDING_RATE), np.float32)
    sound = read_audio(path) if isinstance(source, VideoFileSource) else None
    if sound is not None:
        import soxr

        heard = soxr.resample(sound[0], sound[1], RECORDING_RATE).astype(np.float32)[: len(audio)]
        audio[: len(heard)] = heard
    faces = sum(frame.sample.face is not None for frame in seen)
    return TrackedVideo(seen, RecordingVoice(audio, name=f"video:{path.name}"), faces, source.error)


def render_performance(voice: RecordingVoice, seen: Sequence[Seen], body: bool = True, emotion: str | None = None,
                       frame_rate: float = 60.0, avatar: str = "host", seed: int = 0) -> RenderedTake:
    """Render a performer's video (`render --video`): the frames' tracked face and body (`seen`, times from the
    video's start) drive the avatar as the puppet does live, at full blend from the first frame, and `voice` (the
    video's sound, or silence as long as the video) is the take's audio. Her own layers carry on where the camera
    lost the performer. Raises ValueError for an unknown emotion."""
    def perform(pipeline: AvatarPipeline) -> Take:
        puppet = pipeline.puppet
        puppet.delay = 0.0  # offline: every frame is tracked before the first tick
        start = pipeline.now_pts()  # the take is the first queued: it starts at the next frame
        puppet.switch(start - FADE_S, True, body)  # full blend at the take's start
        for frame in seen:
            puppet.add(replace(frame.sample, t=start + frame.t), settled=True)
        return pipeline.director.recite("", emotion)

    return _render(voice, perform, "", 60.0 + voice.duration, frame_rate, avatar, seed)


def _render(voice: Voice, start: Callable[[AvatarPipeline], Take], text: str, max_seconds: float,
            frame_rate: float, avatar: str, seed: int) -> RenderedTake:
    """Run a pipeline of one avatar on a virtual clock until the take `start` queues has played, and a tail."""
    recorder = Recorder()
    clock = VirtualClock()
    pipeline = one_avatar(voice, Hub([recorder]), clock, avatar, frame_rate=frame_rate, lookahead=0.0, seed=seed)
    performer = pipeline.performer
    take = start(pipeline.avatars[avatar])
    for _ in range(int(max_seconds * frame_rate)):  # a safety net far above any real take length
        performer.tick(clock.t)
        if take.done:
            break
        clock.t += performer.period
    end = take.end_pts or clock.t
    for _ in range(int(TAIL_S * frame_rate)):
        clock.t += performer.period
        performer.tick(clock.t)
    return collect(recorder.messages, take.id, take.start_pts or 0.0, end, text, frame_rate)


def collect(messages: list[StreamMessage], take_id: str, start: float, end: float, text: str,
            frame_rate: float) -> RenderedTake:
    """Assemble a take from recorded stream messages (the same messages a client receives)."""
    audio = [m for m in messages if isinstance(m, AudioChunk) and m.take == take_id]
    frames = [m for m in messages if isinstance(m, FaceFrame) and start - 1e-9 <= m.pts <= end + TAIL_S]
    poses = [m for m in messages if isinstance(m, PoseFrame) and start - 1e-9 <= m.pts <= end + TAIL_S]
    rate = audio[0].rate if audio else 22050
    pcm = np.zeros(int(round((end - start) * rate)), dtype=np.int16)
    for chunk in audio:
        at = int(round((chunk.pts - start) * rate))
        samples = np.frombuffer(chunk.pcm, dtype="<i2")[: max(len(pcm) - at, 0)]
        pcm[at:at + len(samples)] = samples
    return RenderedTake(
        text=text, sample_rate=rate, frame_rate=frame_rate, audio=pcm,
        phonemes=[i for m in messages if isinstance(m, Phonemes) and m.take == take_id for i in m.items],
        words=[i for m in messages if isinstance(m, Words) and m.take == take_id for i in m.items],
        frame_times=np.array([f.pts - start for f in frames]),
        weights=np.array([f.weights for f in frames], dtype=np.float32).reshape(-1, 52),
        head=np.array([f.head for f in frames], dtype=np.float32).reshape(-1, 3),
        eyes=np.array([f.eyes for f in frames], dtype=np.float32).reshape(-1, 4),
        events=[{"type": m.type, "pts": m.pts - start, "take": m.take, **m.data}
                for m in messages if isinstance(m, Event)],
        root=np.array([p.root for p in poses], dtype=np.float32).reshape(-1, 3),
        rotations=np.array([p.rotations for p in poses], dtype=np.float32).reshape(len(poses), -1, 4),
    )


def livelink_timecode(t: float) -> str:
    """The Live Link Face app's CSV timecode HH:MM:SS:FF.fff: FF counts frames of 60 per second (00-59) at every
    recording rate, the fraction after the dot is thousandths of such a frame. Carries instead of writing .1000,
    so later times never read earlier."""
    milli_frames = round(t * LIVELINK_TIMECODE_RATE * 1000)
    frames, milli = divmod(milli_frames, 1000)
    seconds, frame = divmod(frames, LIVELINK_TIMECODE_RATE)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}:{frame:02d}.{milli:03d}"


def livelink_seconds(timecode: str) -> float:
    """Seconds of a Live Link Face CSV timecode (the inverse of `livelink_timecode`). Raises ValueError."""
    parts = timecode.split(":")
    if len(parts) != 4:
        raise ValueError(f"a Live Link Face timecode is HH:MM:SS:FF.fff, got {timecode!r}")
    hours, minutes, seconds = (int(p) for p in parts[:3])
    return hours * 3600 + minutes * 60 + seconds + float(parts[3]) / LIVELINK_TIMECODE_RATE


def livelink_rows(take: RenderedTake) -> list[list[Any]]:
    """One CSV row per frame in the app's column order: the 52 weights, then head and eye rotations normalised to
    degrees / 180, exactly the values a Live Link Face packet of that frame carries."""
    rows = []
    for t, w, head, eyes in zip(take.frame_times, take.weights, take.head, take.eyes, strict=True):
        values = livelink_values(w.tolist(), head.tolist(), eyes.tolist())
        rows.append([livelink_timecode(float(t)), len(values), *(f"{values[i]:.6f}" for i in _CSV_FROM_PACKET)])
    return rows


def read_livelink_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """A Live Link Face CSV (the app's recordings or ours): seconds of each row's timecode [F] and the 61 values
    [F, 61] in the packet's order (LIVELINK_NAMES). Columns are found by name, so either order of the jaw and mouth
    pairs and either spelling of the count column reads. Raises ValueError naming a missing column."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty")
    column = {name: i for i, name in enumerate(rows[0])}
    if not any(name in column for name in LIVELINK_COUNT_COLUMNS):
        raise ValueError(f"{path} has no {LIVELINK_COUNT_COLUMNS[0]} column")
    missing = [name for name in ("Timecode", *LIVELINK_NAMES) if name not in column]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {', '.join(missing)}")
    picks = [column[name] for name in LIVELINK_NAMES]
    times = np.array([livelink_seconds(row[column["Timecode"]]) for row in rows[1:]], dtype=np.float64)
    values = np.array([[float(row[i]) for i in picks] for row in rows[1:]], dtype=np.float64)
    return times, values.reshape(len(times), len(LIVELINK_NAMES))


def write_whole(path: Path, write: Callable[[Path], object]) -> Path:
    """Call `write` with a temporary name beside `path` (same suffix, so writers that go by it still do) and rename
    the file into place once it is complete: a full disk or a crash never leaves a truncated `path`. On OSError the
    temporary file is removed and the error re-raised naming `path`."""
    partial = path.with_name(f".{path.stem}.{os.getpid()}.partial{path.suffix}")
    try:
        write(partial)
        os.replace(partial, path)
    except BaseException as exc:
        partial.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    return path


def _write_livelink_csv(take: RenderedTake, path: Path) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LIVELINK_CSV_HEADER)
        writer.writerows(livelink_rows(take))


def write_take(take: RenderedTake, out_dir: Path) -> list[Path]:
    """Write the take's files into `out_dir`, each whole or not at all (`write_whole`). Raises OSError naming the
    file it could not write."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = json.dumps({
        "text": take.text, "duration": take.duration, "sample_rate": take.sample_rate,
        "frame_rate": take.frame_rate, "phonemes": take.phonemes, "words": take.words, "events": take.events,
        "blendshapes_order": "ARKit (describe.blendshapes)",
        "frames": [{"t": round(float(t), 6), "w": [round(float(x), 5) for x in w],
                    "head": [round(float(x), 5) for x in h], "eyes": [round(float(x), 5) for x in e]}
                   for t, w, h, e in zip(take.frame_times, take.weights, take.head, take.eyes, strict=True)],
    }, indent=1)
    paths = [
        write_whole(out_dir / "take.wav",
                    lambda p: soundfile.write(p, take.audio, take.sample_rate, subtype="PCM_16")),
        write_whole(out_dir / "take.json", lambda p: p.write_text(document)),
        write_whole(out_dir / "take.livelink.csv", lambda p: _write_livelink_csv(take, p)),
    ]
    if len(take.root):
        paths.append(write_whole(out_dir / "take.bvh",
                                 lambda p: write_bvh(p, take.root, take.rotations, take.frame_rate)))
    return paths


@dataclass(frozen=True)
class RenderedDance:
    """A dance alone (`render --music`): the music, the dance planned to it, sampled, and its measure."""

    music: Path
    style: str
    seed: int
    dance: Dance
    audio: np.ndarray  # float32 mono: the music as it was tracked
    sample_rate: int
    frame_rate: float
    root: np.ndarray  # [F, 3] Hips, metres, frame k at k / frame_rate from the music's start
    rotations: np.ndarray  # [F, J, 4]
    measure: DanceMeasure


def render_dance(music: Path, style: str | None = None, seed: int = 0, frame_rate: float = 60.0) -> RenderedDance:
    """Track a music file, plan its dance (moves chosen with `seed`) and sample it at `frame_rate`: the dance by
    itself, without the idle under it. Raises MusicError for a file that cannot be danced to, ValueError for an
    unknown style."""
    dance, audio, rate = dance_to(music, seed, style)
    poses = [dance.sample(float(t)) for t in np.arange(0.0, dance.duration, 1.0 / frame_rate)]
    return RenderedDance(music, style or "pop", seed, dance, audio, rate, frame_rate,
                         np.array([p.root for p in poses], dtype=np.float32).reshape(-1, 3),
                         np.array([p.rotations for p in poses], dtype=np.float32).reshape(len(poses), -1, 4),
                         measure_dance(dance))


def dance_numbers(dance: Dance, measure: DanceMeasure) -> dict[str, Any]:
    """A dance in numbers for a report: tempo (BPM), beat and downbeat counts, BAS (None: too short to score)."""
    return {"tempo": round(float(dance.grid.tempo), 2), "beats": len(dance.grid.beats),
            "downbeats": len(dance.grid.downbeats), "bas": None if measure.bas is None else round(measure.bas, 4)}


def write_dance(rendered: RenderedDance, out_dir: Path) -> list[Path]:
    """Write dance.wav, dance.bvh, dance.json and (with matplotlib) dance.png into `out_dir`, each whole or not at
    all (`write_whole`). Raises OSError naming the file it could not write."""
    out_dir.mkdir(parents=True, exist_ok=True)
    dance, beats = rendered.dance, np.asarray(rendered.dance.beat_times, dtype=np.float64)
    document = json.dumps({
        "music": str(rendered.music), "style": rendered.style, "seed": rendered.seed,
        "duration": round(float(dance.duration), 3), "clear": bool(dance.grid.clear),
        "tempo": round(float(dance.grid.tempo), 2), "bas": rendered.measure.bas,
        "scored_beats": len(rendered.measure.scored), "tracking": dance.grid.summary(),
        "beats": [round(float(t), 4) for t in dance.grid.beats],
        "downbeats": [round(float(t), 4) for t in dance.grid.downbeats],
        "kinematic_beats": [round(float(t), 4) for t in rendered.measure.kinematic],
        "phrases": [{"start": p.start, "length": p.length, "move": p.move, "energy": round(float(p.energy), 3),
                     "t": round(float(beats[p.start]), 4) if p.start < len(beats) else None}
                    for p in dance.phrases],
    }, indent=1)
    pcm = np.clip(rendered.audio * 32767.0, -32767, 32767).astype(np.int16)
    paths = [
        write_whole(out_dir / "dance.wav", lambda p: soundfile.write(p, pcm, rendered.sample_rate, subtype="PCM_16")),
        write_whole(out_dir / "dance.json", lambda p: p.write_text(document)),
    ]
    if len(rendered.root):
        paths.append(write_whole(out_dir / "dance.bvh",
                                 lambda p: write_bvh(p, rendered.root, rendered.rotations, rendered.frame_rate)))
    picture = write_dance_picture(out_dir / "dance.png", [("", dance, rendered.measure)], rendered.music.name)
    return paths + ([picture] if picture is not None else [])


def write_dance_picture(path: Path, dancers: Sequence[tuple[str, Dance, DanceMeasure]], title: str) -> Path | None:
    """Draw dancers (name, dance, measure), a row each, into `path` (avatar_tools.dance_plot), whole or not at
    all. Without matplotlib: None, and a warning logged saying how to install it."""
    try:
        from avatar_tools.dance_plot import write_dance_plot
    except ImportError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "matplotlib":
            raise
        log.warning("%s not written (matplotlib is missing): pip install 'avatar-bridge[tools]'", path.name)
        return None
    return write_whole(path, lambda p: write_dance_plot(dancers, p, title))
