"""A take: one performance unit on one timeline whose master clock is its audio sample position.

A take has one owner, its avatar's timeline (bridge/timeline.py), which alone changes it: places speech clips,
adds marks, starts it, records the end of synthesis, cuts it and ends it. Everyone else reads it and subscribes:
every change is a `TakeEvent` delivered at once to the timeline's listeners (the face, mouth and body layers),
and a take is a handle (like livekit's SpeechHandle) that callers await (`wait_for_playout`) or get called back
on (`add_done_callback`) instead of polling.

Speech clips are placed one after another as the voice delivers them; a clip that arrives after the playhead
passed the end of the audio so far starts at the playhead instead (a short pause, never a jump back).
Everything a take says about time is a pure function of its placed clips, its start pts and its cut pts.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Union

import numpy as np

from models.face.drivers import SpeechClip
from models.face.tags import Mark
from models.tts import WordSpan

log = logging.getLogger(__name__)

_take_ids = itertools.count(1)


def new_take_id(run: str) -> str:
    """A take id unique across the sidecar's restarts: its run id, then a count within the run."""
    return f"{run}-t{next(_take_ids)}"


@dataclass(frozen=True)
class PlacedClip:
    clip: SpeechClip
    offset: int  # first sample of the clip on the take's timeline

    @property
    def start(self) -> float:
        return self.offset / self.clip.segment.sample_rate

    @property
    def end(self) -> float:
        return (self.offset + self.clip.segment.num_samples) / self.clip.segment.sample_rate


# -- events: what the owner changed, delivered to the timeline's listeners -----------------------------------


@dataclass(frozen=True)
class TakeStarted:
    take: Take  # its start_pts is set


@dataclass(frozen=True)
class ClipPlaced:
    take: Take
    placed: PlacedClip


@dataclass(frozen=True)
class MarkAdded:
    take: Take
    index: int  # in take.marks


@dataclass(frozen=True)
class SynthesisDone:
    take: Take  # its error, if synthesis failed


@dataclass(frozen=True)
class TakeCut:
    take: Take  # its cut_pts is set


@dataclass(frozen=True)
class TakeEnded:
    take: Take  # it left its timeline: played out, cut, or failed before any audio


TakeEvent = Union[TakeStarted, ClipPlaced, MarkAdded, SynthesisDone, TakeCut, TakeEnded]
Listener = Callable[[TakeEvent], None]


@dataclass(eq=False)
class Take:
    """A performance unit on its way through the pipeline. Changed only by its timeline, on the event loop."""

    id: str
    avatar: str
    text: str
    emotion: str | None
    sample_rate: int
    marks: tuple[Mark, ...] = ()  # inline tags, at indices of the words of `text`
    listeners: list[Listener] = field(default_factory=list, repr=False)  # the timeline's
    start_pts: float | None = None  # pts of the take's first sample, set when it starts playing
    not_before: float | None = None  # the earliest pts it may start at (a group's dance starts at one pts)
    clips: list[PlacedClip] = field(default_factory=list)
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    synthesis_done: bool = False
    cut_pts: float | None = None  # set by an interrupt
    error: str | None = None
    done: bool = False  # it left its timeline
    _callbacks: list[Callable[[Take], None]] = field(default_factory=list, init=False, repr=False)
    _playout: asyncio.Future[None] | None = field(default=None, init=False, repr=False)

    # -- the handle: for everyone ------------------------------------------------------------------------------

    @property
    def interrupted(self) -> bool:
        return self.cut_pts is not None

    def add_done_callback(self, callback: Callable[[Take], None]) -> None:
        """Call `callback(take)` when the take leaves its timeline (at once if it has)."""
        if self.done:
            callback(self)
        else:
            self._callbacks.append(callback)

    async def wait_for_playout(self) -> None:
        """Return when the take has played out, been cut or failed."""
        if self.done:
            return
        if self._playout is None:
            self._playout = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._playout)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def end_pts(self) -> float | None:
        """When the take stops sounding: its cut, or its last sample once synthesis is done."""
        if self.start_pts is None:
            return None
        natural = self.start_pts + self.duration if self.synthesis_done else None
        if self.cut_pts is not None:
            return self.cut_pts if natural is None else min(self.cut_pts, natural)
        return natural

    def words(self) -> list[WordSpan]:
        """Every word placed so far, in order, with times in seconds from the take's first sample (the times the
        `words` messages carry)."""
        return [WordSpan(w.word, placed.start + w.start, placed.start + w.end)
                for placed in self.clips for w in placed.clip.segment.words]

    def mark_pts(self, mark: Mark, lead: float = 0.0) -> float | None:
        """When a mark takes effect: `lead` seconds before its word starts, or when the speech ends for a mark
        after the last word; None while its word is not synthesized yet (or the take has not started)."""
        if self.start_pts is None:
            return None
        words = self.words()
        if mark.word < len(words):
            return self.start_pts + words[mark.word].start - lead
        if self.synthesis_done and words:
            return self.start_pts + words[-1].end
        return None

    def clip_at(self, t: float) -> tuple[PlacedClip, float] | None:
        """The clip sounding at pts t and the time into it, if any."""
        if self.start_pts is None:
            return None
        local = t - self.start_pts
        for placed in self.clips:
            if placed.start <= local < placed.end:
                return placed, local - placed.start
        return None

    # -- changes: only the owning timeline calls these ---------------------------------------------------------

    def _emit(self, event: TakeEvent) -> None:
        for listener in self.listeners:
            try:
                listener(event)
            except Exception:  # a bug in one layer must not stop the take or the other layers
                log.exception("take listener failed", extra={"take": self.id, "event": type(event).__name__})

    def place(self, clip: SpeechClip, playhead_pts: float | None = None) -> PlacedClip:
        """Append a clip after the audio so far, or at the playhead if playback already passed the end."""
        offset = len(self.audio)
        if self.start_pts is not None and playhead_pts is not None:
            offset = max(offset, int(np.ceil((playhead_pts - self.start_pts) * self.sample_rate)))
        pcm = np.clip(clip.segment.audio * 32767.0, -32767, 32767).astype(np.int16)
        gap = offset - len(self.audio)
        self.audio = np.concatenate([self.audio, np.zeros(gap, dtype=np.int16), pcm])
        placed = PlacedClip(clip, offset)
        self.clips.append(placed)
        self._emit(ClipPlaced(self, placed))
        return placed

    def set_audio(self, pcm: np.ndarray) -> None:
        """Audio of its own (a dance's music): the whole take, known at once."""
        self.audio = pcm
        self.finish_synthesis()

    def add_mark(self, mark: Mark) -> int:
        self.marks = self.marks + (mark,)
        self._emit(MarkAdded(self, len(self.marks) - 1))
        return len(self.marks) - 1

    def extend_text(self, text: str, marks: tuple[Mark, ...]) -> None:
        """More words (and their marks, at indices of the whole text) for an open take."""
        self.text = f"{self.text} {text}".strip()
        for mark in marks:
            self.add_mark(mark)

    def start(self, pts: float) -> None:
        self.start_pts = pts
        self._emit(TakeStarted(self))

    def finish_synthesis(self, error: str | None = None) -> None:
        self.synthesis_done = True
        self.error = error
        self._emit(SynthesisDone(self))

    def cut(self, pts: float) -> None:
        self.cut_pts = pts
        self._emit(TakeCut(self))

    def end(self) -> None:
        if self.done:
            return
        self.done = True
        self._emit(TakeEnded(self))
        if self._playout is not None and not self._playout.done():
            self._playout.set_result(None)
        for callback in self._callbacks:
            try:
                callback(self)
            except Exception:  # one subscriber's bug must not stop the take's others, nor the performer
                log.exception("take callback failed", extra={"take": self.id})
        self._callbacks.clear()
