"""Offline render: the same performer and director on a virtual clock, written to files an artist can open.

DIR/take.wav      the take's audio
DIR/take.json     text, phoneme and word timelines, every face frame, events (times from the take's start)
DIR/take.livelink.csv  Live Link Face CSV: Timecode, BlendshapeCount, the 61 Live Link channels
DIR/take.bvh      the body (idle, gestures, speech beats) as BVH for Blender or MotionBuilder (docs/body.md)
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from bridge.performer import VirtualClock
from bridge.pipeline import one_avatar
from bridge.protocol import AudioChunk, Event, FaceFrame, Phonemes, PoseFrame, StreamMessage, Words
from bridge.sinks import Hub, Recorder
from bridge.sinks.livelink import livelink_values
from models.body.bvh import write_bvh
from models.face.arkit import LIVELINK_NAMES
from models.tts import Voice

#: Frames rendered after the take ends, so the face settles.
TAIL_S = 0.25


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
    recorder = Recorder()
    clock = VirtualClock()
    pipeline = one_avatar(voice, Hub([recorder]), clock, avatar, frame_rate=frame_rate, lookahead=0.0, seed=seed)
    performer = pipeline.performer
    take = pipeline.avatars[avatar].director.say(text, emotion, literal=literal)
    max_ticks = int((60.0 + len(text) * 0.2) * frame_rate)  # a safety net far above any real take length
    for _ in range(max_ticks):
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


def livelink_timecode(t: float, frame_rate: float) -> str:
    """Live Link Face's CSV timecode HH:MM:SS:FF.mmm (frames at the recording rate, then the sub-frame)."""
    frames_total = t * frame_rate
    whole = math.floor(frames_total + 1e-9)
    sub = frames_total - whole
    seconds, frame = divmod(whole, int(round(frame_rate)))
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}:{int(frame):02d}.{int(round(sub * 1000)):03d}"


def livelink_rows(take: RenderedTake) -> list[list[Any]]:
    """One CSV row per frame: the 52 weights, then head and eye rotations normalised to degrees / 180, exactly
    the values a Live Link Face packet of that frame carries."""
    rows = []
    for t, w, head, eyes in zip(take.frame_times, take.weights, take.head, take.eyes, strict=True):
        values = livelink_values(w.tolist(), head.tolist(), eyes.tolist())
        rows.append([livelink_timecode(float(t), take.frame_rate), len(values), *(f"{v:.6f}" for v in values)])
    return rows


def write_take(take: RenderedTake, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    wav, doc, csv_path = out_dir / "take.wav", out_dir / "take.json", out_dir / "take.livelink.csv"
    soundfile.write(wav, take.audio, take.sample_rate, subtype="PCM_16")
    doc.write_text(json.dumps({
        "text": take.text, "duration": take.duration, "sample_rate": take.sample_rate,
        "frame_rate": take.frame_rate, "phonemes": take.phonemes, "words": take.words, "events": take.events,
        "blendshapes_order": "ARKit (describe.blendshapes)",
        "frames": [{"t": round(float(t), 6), "w": [round(float(x), 5) for x in w],
                    "head": [round(float(x), 5) for x in h], "eyes": [round(float(x), 5) for x in e]}
                   for t, w, h, e in zip(take.frame_times, take.weights, take.head, take.eyes, strict=True)],
    }, indent=1))
    with csv_path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Timecode", "BlendshapeCount", *LIVELINK_NAMES])
        writer.writerows(livelink_rows(take))
    if not len(take.root):
        return [wav, doc, csv_path]
    bvh = out_dir / "take.bvh"
    write_bvh(bvh, take.root, take.rotations, take.frame_rate)
    return [wav, doc, csv_path, bvh]
