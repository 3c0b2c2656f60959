"""The music desk: runs `dance` requests beside the director.

It checks the file at once and queues a dance take on each dancing avatar's timeline; a worker thread decodes the
music and waits for the beat tracker (once, however many avatars dance), then the takes get their audio (the
music for the lead, silence for the others) and the bodies their moves, and they play from one pts.

The tracker should be a worker *process* in a live sidecar: librosa's numba code holds the GIL for seconds
(its first call compiles), which would stall the performer's ticks if it ran in a thread of this process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import soxr

from bridge.director import Post, run_now
from bridge.performer import Clock
from bridge.timeline import AvatarTimeline
from models.body.avatar import AvatarBody
from models.body.beats import MusicError, Tracker, check_music, load_music
from models.body.dance import STYLES, Dance, plan_dance, plan_for_file
from models.take import Take

log = logging.getLogger(__name__)


def exit_with_parent(parent: int) -> None:
    """Worker-process initializer: end this process when the sidecar that started it is gone (a killed sidecar
    never gets to shut its pool down, and the worker would linger)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class Dancer(NamedTuple):
    """An avatar that dances: the timeline its take goes on and the body that dances it."""

    name: str
    timeline: AvatarTimeline
    body: AvatarBody


class MusicDesk:
    """Dance takes for every avatar of a sidecar (or of an offline render), one avatar or a group in sync."""

    def __init__(self, clock: Clock, executor: Executor | None = None, post: Post = run_now,
                 tracker: Executor | None = None, beat_tracker: Tracker = "auto") -> None:
        self.clock = clock
        self.executor = executor  # None: decode and track inline (offline render, tests)
        self.tracker = tracker  # None: track in the executor's thread
        self.post = post
        self.beat_tracker = beat_tracker  # which tracker: auto, madmom or librosa (models/body/beats.py)
        self.dances = 0

    def dance(self, dancers: Sequence[Dancer], music: str, style: str | None = None) -> list[Take]:
        """Queue a dance take on each dancer's timeline: the music is tracked once, every dancer dances its own
        moves (its own seed) on the one beat grid, and every take starts at one pts. The first dancer leads: its
        take carries the music, the others' carry silence of the same length (the engine plays the music once).
        Raises MusicError for a file that cannot be danced to, ValueError for a bad style or no dancer."""
        if not dancers:
            raise ValueError("a dance needs at least one avatar")
        if style is not None and style not in STYLES:
            raise ValueError(f"unknown dance style {style!r}; known: {', '.join(STYLES)}")
        check_music(music)
        group = _Group(tuple(dancers), tuple(d.timeline.new_take() for d in dancers), music, style)
        self.dances += 1
        if self.executor is None:
            self._track(group, self.dances)
        else:
            self.executor.submit(self._track, group, self.dances)
        return list(group.takes)

    def _track(self, group: _Group, seed: int) -> None:
        try:
            if self.tracker is not None:
                lead = self.tracker.submit(plan_for_file, group.music, seed, group.style, self.beat_tracker).result()
            else:
                lead = plan_for_file(group.music, seed, group.style, self.beat_tracker)
            # The others dance the lead's grid: every move change lands on the same beat.
            dances = [lead] + [plan_dance(lead.grid, seed=seed + k, style=group.style)
                               for k in range(1, len(group.dancers))]
            audio, rate = load_music(group.music)
            pcms = []
            for k, dancer in enumerate(group.dancers):
                # Takes carry audio at the avatar's voice rate, so clients see one rate per avatar.
                samples = soxr.resample(audio, rate, dancer.timeline.sample_rate) \
                    if rate != dancer.timeline.sample_rate else audio
                pcm = np.clip(samples * 32767.0, -32767, 32767).astype(np.int16)
                pcms.append(pcm if k == 0 else np.zeros_like(pcm))
        except (MusicError, ValueError) as exc:
            self.post(self._failed, group, str(exc))
            return
        except Exception as exc:  # a bad file must cost one dance, never the sidecar
            log.exception("dance failed", extra={"take": group.takes[0].id})
            self.post(self._failed, group, f"{type(exc).__name__}: {exc}")
            return
        self.post(self._ready, group, dances, pcms)

    def _ready(self, group: _Group, dances: list[Dance], pcms: list[np.ndarray]) -> None:
        """Every take of the group gets its audio and its start pts at once. A dancer still busy with an earlier
        take holds the group until it is free, so that all start together."""
        playing = [(d, t, dance, pcm) for d, t, dance, pcm in zip(group.dancers, group.takes, dances, pcms,
                                                                   strict=True) if t.cut_pts is None]
        if not playing:
            return
        ahead = next((d.timeline.current for d, take, _, _ in playing if d.timeline.current is not take), None)
        if ahead is not None:
            def retry(_: Take) -> None:
                self.post(self._ready, group, dances, pcms)

            ahead.add_done_callback(retry)
            return
        now = self.clock.now()
        # One frame of margin: a dancer whose timeline has already advanced this tick starts on the next one.
        pts = max(max(d.timeline.free_pts for d, *_ in playing),
                  now + max(d.timeline.lookahead + d.timeline.period for d, *_ in playing))
        names = [d.name for d in group.dancers]
        takes = {d.name: t.id for d, t in zip(group.dancers, group.takes, strict=True)}
        for dancer, take, dance, pcm in playing:
            dancer.body.dance(take, dance)
            dancer.timeline.set_audio(take, pcm, start_pts=pts)
            grid = dance.grid
            dancer.timeline.event("dance", pts, take, music=group.music, **grid.summary(), style=group.style or "pop",
                                  moves=sorted({p.move for p in dance.phrases}), duration=round(grid.duration, 3),
                                  group=names, lead=names[0], takes=takes)
            if dance.warning is not None:
                dancer.timeline.event("warning", pts, take, code="no_clear_beat", message=dance.warning)

    def _failed(self, group: _Group, error: str) -> None:
        for dancer, take in zip(group.dancers, group.takes, strict=True):
            dancer.timeline.fail(take, error)  # with no audio: the performer ends it
            dancer.timeline.event("error", self.clock.now() + dancer.timeline.lookahead, take, code="bad_music",
                                  message=error)


@dataclass(frozen=True)
class _Group:
    """A dance on its way: its dancers (the first leads), their takes, the music and the style."""

    dancers: tuple[Dancer, ...]
    takes: tuple[Take, ...]
    music: str
    style: str | None
