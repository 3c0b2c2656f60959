"""The music desk: runs `dance` requests beside the director.

It checks the file at once and queues a dance take on the avatar's timeline; a worker thread decodes the music
and waits for the beat tracker, then the take gets the music as its audio and the body its moves, and it plays.

The tracker should be a worker *process* in a live sidecar: librosa's numba code holds the GIL for seconds
(its first call compiles), which would stall the performer's ticks if it ran in a thread of this process.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from concurrent.futures import Executor

import numpy as np
import soxr

from bridge.director import Post, run_now
from bridge.performer import Clock
from bridge.timeline import AvatarTimeline
from models.body.avatar import AvatarBody
from models.body.dance import STYLES, Dance, MusicError, check_music, dance_to, load_music, plan_for_file
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


class MusicDesk:
    """Dance takes for every avatar of a sidecar (or of an offline render)."""

    def __init__(self, clock: Clock, executor: Executor | None = None, post: Post = run_now,
                 tracker: Executor | None = None) -> None:
        self.clock = clock
        self.executor = executor  # None: decode and track inline (offline render, tests)
        self.tracker = tracker  # None: track in the executor's thread
        self.post = post
        self.dances = 0

    def dance(self, timeline: AvatarTimeline, body: AvatarBody, music: str, style: str | None = None) -> Take:
        """Queue a dance take. Raises MusicError for a file that cannot be danced to, ValueError for a bad style."""
        if style is not None and style not in STYLES:
            raise ValueError(f"unknown dance style {style!r}; known: {', '.join(STYLES)}")
        check_music(music)
        take = timeline.new_take()
        self.dances += 1
        if self.executor is None:
            self._track(timeline, body, take, music, style, self.dances)
        else:
            self.executor.submit(self._track, timeline, body, take, music, style, self.dances)
        return take

    def _track(self, timeline: AvatarTimeline, body: AvatarBody, take: Take, music: str, style: str | None,
               seed: int) -> None:
        try:
            if self.tracker is not None:
                dance = self.tracker.submit(plan_for_file, music, seed, style).result()
                audio, rate = load_music(music)
            else:
                dance, audio, rate = dance_to(music, seed=seed, style=style)
            # Takes carry audio at the avatar's voice rate, so clients see one rate per avatar.
            if rate != timeline.sample_rate:
                audio = soxr.resample(audio, rate, timeline.sample_rate)
            pcm = np.clip(audio * 32767.0, -32767, 32767).astype(np.int16)
        except (MusicError, ValueError) as exc:
            self.post(self._failed, timeline, take, str(exc))
            return
        except Exception as exc:  # a bad file must cost one take, never the sidecar
            log.exception("dance failed", extra={"take": take.id})
            self.post(self._failed, timeline, take, f"{type(exc).__name__}: {exc}")
            return
        self.post(self._ready, timeline, body, take, music, style, dance, pcm)

    def _ready(self, timeline: AvatarTimeline, body: AvatarBody, take: Take, music: str, style: str | None,
               dance: Dance, pcm: np.ndarray) -> None:
        if take.cut_pts is not None:
            return
        body.dance(take, dance)
        timeline.set_audio(take, pcm)
        pts = self.clock.now() + timeline.lookahead
        grid = dance.grid
        timeline.event("dance", pts, take, music=music, tempo=round(grid.tempo, 2), beats=len(grid.beats),
                       downbeats=len(grid.downbeats), clear=grid.clear, style=style or "pop",
                       moves=sorted({p.move for p in dance.phrases}), duration=round(grid.duration, 3))
        if dance.warning is not None:
            timeline.event("warning", pts, take, code="no_clear_beat", message=dance.warning)

    def _failed(self, timeline: AvatarTimeline, take: Take, error: str) -> None:
        timeline.fail(take, error)  # with no audio: the performer ends it
        timeline.event("error", self.clock.now() + timeline.lookahead, take, code="bad_music", message=error)
