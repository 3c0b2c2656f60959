"""A take: one performance unit on one timeline whose master clock is its audio sample position.

Speech clips are placed one after another as the voice delivers them; a clip that arrives after the playhead
passed the end of the audio so far starts at the playhead instead (a short pause, never a jump back).
Everything a take says about time is a pure function of its placed clips, its start pts and its cut pts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np

from bridge.animator import SpeechClip
from models.face.tags import Mark

_take_ids = itertools.count(1)


def new_take_id() -> str:
    return f"t{next(_take_ids)}"


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


@dataclass
class Take:
    """A spoken line on its way through the pipeline. Mutated only on the event loop."""

    id: str
    avatar: str
    text: str
    emotion: str | None
    sample_rate: int
    start_pts: float | None = None  # pts of the take's first sample, set when it starts playing
    clips: list[PlacedClip] = field(default_factory=list)
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int16))
    synthesis_done: bool = False
    cut_pts: float | None = None  # set by an interrupt
    error: str | None = None
    marks: tuple[Mark, ...] = ()  # inline tags, at indices of the words of `text`

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
        return placed

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

    def word_times(self) -> list[tuple[float, float]]:
        """(start, end) of every word placed so far, in order, seconds from the take's first sample."""
        return [(placed.start + w.start, placed.start + w.end)
                for placed in self.clips for w in placed.clip.segment.words]

    def clip_at(self, t: float) -> tuple[PlacedClip, float] | None:
        """The clip sounding at pts t and the time into it, if any."""
        if self.start_pts is None:
            return None
        local = t - self.start_pts
        for placed in self.clips:
            if placed.start <= local < placed.end:
                return placed, local - placed.start
        return None
