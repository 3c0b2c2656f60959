"""The performer: the one place that knows "now".

It ticks at a fixed rate; each tick samples every layer at t = now + lookahead (a pure function of t),
composites the face, and publishes the frame with pts = t together with the audio that falls due. The same
`tick(now)` runs under the real clock (`run`) and under a virtual clock (offline render, tests).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from bridge.animator import SpeechClip
from bridge.protocol import AudioChunk, Event, FaceFrame, Phonemes, StreamMessage, Words, face_weights_to_bytes
from bridge.takes import Take
from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.emotion import layer_on_speech

log = logging.getLogger(__name__)

#: Face channels the speech layer owns: jaw, mouth and tongue.
MOUTH_CHANNELS = np.array([i for name, i in INDEX.items() if name.startswith(("jaw", "mouth", "tongue"))])
#: How long the mouth takes to relax after an interrupt (seconds).
CUT_RELEASE_S = 0.08


class Clock(Protocol):
    def now(self) -> float: ...


class MonotonicClock:
    """The sidecar's clock: seconds on the system's monotonic clock (shared by processes on one machine)."""

    def now(self) -> float:
        return time.monotonic()


@dataclass
class VirtualClock:
    """A clock that moves only when told: offline render and tests."""

    t: float = 0.0

    def now(self) -> float:
        return self.t


@dataclass
class FacePose:
    """The face being composited for one frame."""

    weights: np.ndarray = field(default_factory=lambda: np.zeros(NUM_BLENDSHAPES, dtype=np.float32))
    head: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float32))  # yaw, pitch, roll (rad)
    eyes: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.float32))  # l yaw, l pitch, r yaw, r pitch


class Layer(Protocol):
    """A contribution to the pose: a pure function of pts t, composited in layer order."""

    def apply(self, t: float, pose: FacePose) -> None: ...


class Publish(Protocol):
    def __call__(self, message: StreamMessage) -> None: ...


class BodyLayer(Protocol):
    """An avatar's body (bridge.body_layers): the stream messages of the frame at pts t (`pose`, `skeleton`)."""

    def messages(self, avatar: str, t: float, seq: Callable[[str], int]) -> list[StreamMessage]: ...


@dataclass
class SpeechLayer:
    """Mouth curves of the take sounding at t, with the expression below kept on top of them except where the
    lips must touch (models.face.emotion.layer_on_speech); relaxes after a cut."""

    take: Take | None = None

    def apply(self, t: float, pose: FacePose) -> None:
        take = self.take
        if take is None:
            return
        found = take.clip_at(t)
        if found is None:
            return
        placed, local = found
        envelope = 1.0
        if take.cut_pts is not None:
            envelope = float(np.clip(1.0 - (t - take.cut_pts) / CUT_RELEASE_S, 0.0, 1.0))
        if envelope > 0.0:
            spoken = layer_on_speech(pose.weights, placed.clip.mouth.sample(local),
                                     float(placed.clip.contact.sample(local)[0]))
            pose.weights[MOUTH_CHANNELS] += envelope * (spoken[MOUTH_CHANNELS] - pose.weights[MOUTH_CHANNELS])


@dataclass
class Stage:
    """One avatar's state on the performer: its takes, layers and stream counters."""

    avatar: str
    publish: Publish
    lookahead: float
    period: float
    chunk_samples: int
    layers: list[Layer] = field(default_factory=list)
    takes: deque[Take] = field(default_factory=deque)
    speech: SpeechLayer = field(default_factory=SpeechLayer)
    body: BodyLayer | None = None
    audio_cursor: int = 0
    free_pts: float = 0.0  # when the previous take stopped sounding
    seq: dict[str, int] = field(default_factory=dict)

    def next_seq(self, kind: str) -> int:
        n = self.seq.get(kind, 0)
        self.seq[kind] = n + 1
        return n

    def event(self, type_: str, pts: float, take: Take | None, **data: Any) -> None:
        self.publish(Event(self.avatar, self.next_seq("event"), pts, type_, take.id if take else None, data))

    @property
    def current(self) -> Take | None:
        return self.takes[0] if self.takes else None

    # -- called by the director on the event loop ------------------------------------------------------------

    def enqueue(self, take: Take) -> None:
        self.takes.append(take)

    def add_clip(self, take: Take, clip: SpeechClip, now: float) -> None:
        """A clip is ready: place it on its take's timeline and send its phonemes and words ahead."""
        if take.cut_pts is not None:
            return
        before = len(take.audio)
        playhead = now + self.lookahead if take.start_pts is not None else None
        placed = take.place(clip, playhead)
        if take is self.current and self.audio_cursor == before:
            self.audio_cursor = placed.offset  # skip a pause the playhead already passed
        shift = placed.start
        self.publish(Phonemes(self.avatar, take.id, [
            [p.phoneme, p.viseme, round(p.start + shift, 6), round(p.end + shift, 6)] for p in clip.segment.phonemes
        ]))
        self.publish(Words(self.avatar, take.id, [
            [w.word, round(w.start + shift, 6), round(w.end + shift, 6)] for w in clip.segment.words
        ]))
        if take is self.current and take.start_pts is None:
            self._start(take, now)

    def finish_synthesis(self, take: Take, error: str | None, now: float) -> None:
        take.synthesis_done = True
        if error is not None:
            take.error = error
            self.event("error", now + self.lookahead, take, code="synthesis_failed", message=error)

    def interrupt(self, now: float) -> float:
        """Cut the current take at now (the pts being heard) and drop the queued ones. Returns the cut pts."""
        for take in self.takes:
            take.cut_pts = now
            self.event("interrupted", now, take)
        self.takes.clear()
        self.audio_cursor = 0
        self.free_pts = now
        return now

    # -- the tick ----------------------------------------------------------------------------------------------

    def _start(self, take: Take, now: float) -> None:
        take.start_pts = max(now + self.lookahead, self.free_pts)
        self.audio_cursor = 0
        self.speech.take = take
        self.event("take_started", take.start_pts, take, text=take.text, emotion=take.emotion)

    def tick(self, now: float) -> None:
        t = now + self.lookahead
        until = t + self.period  # everything due before the next tick goes out now
        while (take := self.current) is not None:
            if take.start_pts is None:
                if take.clips or len(take.audio):  # speech, or audio of its own (a dance's music)
                    self._start(take, now)
                elif take.synthesis_done:  # failed before any audio
                    self.takes.popleft()
                    self.event("take_ended", t, take)
                    continue
                else:
                    break  # still synthesizing its first clause
            self._send_audio(take, until)
            end = take.end_pts
            if end is None or end > until:
                break
            # Ends within this tick: the next take starts right at its last sample, without a gap.
            self.takes.popleft()
            self.free_pts = end
            self.event("take_ended", end, take)
        pose = FacePose()
        for layer in self.layers:
            layer.apply(t, pose)
        self.speech.apply(t, pose)
        np.clip(pose.weights, 0.0, 1.0, out=pose.weights)
        self.publish(FaceFrame(self.avatar, self.next_seq("face"), t, face_weights_to_bytes(pose.weights),
                               pose.head.tolist(), pose.eyes.tolist()))
        if self.body is not None:
            for message in self.body.messages(self.avatar, t, self.next_seq):
                self.publish(message)

    def _send_audio(self, take: Take, until_pts: float) -> None:
        assert take.start_pts is not None
        rate = take.sample_rate
        while self.audio_cursor < len(take.audio):
            pts = take.start_pts + self.audio_cursor / rate
            if pts >= until_pts:
                break
            n = min(self.chunk_samples, len(take.audio) - self.audio_cursor)
            pcm = take.audio[self.audio_cursor:self.audio_cursor + n]
            self.publish(AudioChunk(self.avatar, take.id, self.next_seq("audio"), pts, rate, pcm.tobytes()))
            self.audio_cursor += n


class Performer:
    """Ticks every avatar's stage at a fixed rate and hands each message to the publish function."""

    def __init__(self, avatars: list[str], publish: Publish, rate: float = 60.0, lookahead: float = 0.1,
                 chunk_samples: int = 512, layers: Callable[[str], list[Layer]] | None = None) -> None:
        if not 1.0 <= rate <= 240.0:
            raise ValueError(f"frame rate must be between 1 and 240 Hz, got {rate}")
        if not 0.0 <= lookahead <= 2.0:
            raise ValueError(f"lookahead must be between 0 and 2 s, got {lookahead}")
        self.rate = rate
        self.period = 1.0 / rate
        self.lookahead = lookahead
        self.stages = {
            name: Stage(name, publish, lookahead, self.period, chunk_samples, layers(name) if layers else [])
            for name in avatars
        }
        self.ticks = 0
        self.overruns = 0

    def tick(self, now: float) -> None:
        for stage in self.stages.values():
            stage.tick(now)
        self.ticks += 1

    async def run(self, clock: Clock) -> None:
        """Tick on the clock's schedule until cancelled. Tick times stay on one grid of periods: a tick that runs
        more than a period late skips the missed slots instead of shifting the grid, so every pts gap is a whole
        number of periods."""
        next_t = clock.now()
        failures = 0
        while True:
            try:
                self.tick(next_t)
            except Exception:  # a bug in one layer must not stop the show: log it and keep the clock going
                failures += 1
                if failures & (failures - 1) == 0:
                    log.exception("tick failed", extra={"failures": failures})
            next_t += self.period
            delay = next_t - clock.now()
            if delay < -self.period:
                self.overruns += 1
                log.warning("performer overrun", extra={"late_s": round(-delay, 4)})
                missed = math.floor(-delay / self.period)
                next_t += missed * self.period
                delay = next_t - clock.now()
            await asyncio.sleep(max(delay, 0.0))
