"""Synthesis for every avatar of a sidecar, soonest due first.

Each take's text goes to the voice in the pieces the voice speaks one at a time (`split_for_streaming`), and each
piece is a job due when its audio is needed: a take's first piece when the take was asked for, a later piece when
the audio before it runs out (from when the take's first piece was ready, plus the seconds of the pieces before it:
measured once synthesized, else estimated from their characters (`text_length`) at the rate the take has spoken so
far). Workers always take the job due soonest, so every avatar's first clause is synthesized before anyone's later
sentences.
A take's pieces are synthesized one at a time (its next is not needed before this one is heard, and a second beside
it would take cores from it); takes go side by side, on as many workers as there are. A take gets its clips in its
own order.

Two lanes, each with its own queue. Worker processes run a voice that a process can load again: one whose `source`
is a `VoiceRecipe` (`bridge.server.load_voice` gives its voices one); there synthesis and the face driver use every
core and never hold the event loop's GIL. Threads run any other voice (a test's fake; a fleet's remote voice, with
a thread an avatar: it waits on the network, not on a core).
"""

from __future__ import annotations

import contextlib
import functools
import heapq
import itertools
import logging
import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Collection, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.face.drivers import FaceDriver, SpeechClip, driver_for
from models.take import Take
from models.tts import Voice, VoiceStyle, text_length
from models.tts.espeak_voice import EspeakSettings
from models.tts.http_voice import HttpVoiceConfig

if TYPE_CHECKING:
    from bridge.director import Director

log = logging.getLogger(__name__)

#: Seconds of speech a character (`text_length`: a Chinese one counts 4), until a take's first piece says how fast
#: its voice speaks (English: ~15 a second).
SECONDS_PER_CHAR = 0.065
#: The longest the worker processes may take to start and load their voices (a busy machine, a probe on a GPU).
STARTUP_S = 300.0
#: The voice workers' nice value: on a busy machine the performer's tick comes first. A piece has the lookahead and
#: the audio before it to be ready in; a frame has its 16.7 ms.
VOICE_NICE = 5


def speak(voice: Voice, driver: FaceDriver, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechClip]:
    """Voice then face driver, one clip per clause or sentence, computed only as the iterator is consumed."""
    for segment in voice.synthesize(text, style):
        yield driver.animate(segment)


@dataclass(frozen=True)
class VoiceRecipe:
    """How a worker process loads a voice again: `bridge.server.load_voice`'s arguments (a Piper .onnx or None for
    the bundled voice, an HTTP server's settings, or an espeak-ng voice's; the .onnx.json or None)."""

    model: Path | HttpVoiceConfig | EspeakSettings | None
    config: Path | None = None


def recipe_of(voice: object) -> VoiceRecipe | None:
    """The voice's `source` attribute when it is a VoiceRecipe: it runs in the worker processes. None (no such
    attribute: a remote voice, a test's fake): it runs on the thread."""
    source = getattr(voice, "source", None)
    return source if isinstance(source, VoiceRecipe) else None


@dataclass(frozen=True)
class Piece:
    """A text the voice says in one go, and how."""

    text: str
    style: VoiceStyle = VoiceStyle()


# -- in a worker process ----------------------------------------------------------------------------------------

_loaded: dict[VoiceRecipe, tuple[Voice, FaceDriver]] = {}
_all_started: Any = None  # the pool's barrier: every worker waits at it once, so each says it is up (`started`)
_threads: int | None = None  # onnxruntime threads of this worker's voices: its share of the cores


def _voice_and_driver(recipe: VoiceRecipe) -> tuple[Voice, FaceDriver]:
    """This process's copy of a voice and its face driver, loaded on first use."""
    if recipe not in _loaded:
        from bridge.server import load_voice  # the sidecar's own loader; imported here, in the worker only

        voice = load_voice(recipe.model, recipe.config, _threads)
        _loaded[recipe] = voice, driver_for(voice.timings)
    return _loaded[recipe]


def start_worker(parent: int, recipes: tuple[VoiceRecipe, ...], all_started: Any, threads: int | None) -> None:
    """Worker-process initializer: end with the sidecar, step back behind it (VOICE_NICE), and load its voices now
    (each with `threads` onnxruntime threads), not on the first `say`."""
    from bridge.music import exit_with_parent

    global _all_started, _threads
    exit_with_parent(parent)
    with contextlib.suppress(OSError):  # before onnxruntime starts its threads: they inherit it
        os.nice(VOICE_NICE)
    _all_started, _threads = all_started, threads
    for recipe in recipes:
        _voice_and_driver(recipe)


def started() -> int:
    """This worker's pid, once every worker of the pool has loaded its voices (each runs this once)."""
    _all_started.wait(timeout=STARTUP_S)
    return os.getpid()


def speak_in_worker(recipe: VoiceRecipe, piece: Piece) -> list[SpeechClip]:
    """A piece's clips, synthesized and animated in a worker process."""
    voice, driver = _voice_and_driver(recipe)
    return list(speak(voice, driver, piece.text, piece.style))


def _speak_here(voice: Voice, driver: FaceDriver, piece: Piece) -> list[SpeechClip]:
    return list(speak(voice, driver, piece.text, piece.style))


# -- in the sidecar -------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Work:
    """A take's pieces: given, synthesized, delivered (in order)."""

    director: Director
    take: Take
    asked: float  # monotonic seconds when its first piece was given
    pieces: list[Piece] = field(default_factory=list)
    seconds: list[float | None] = field(default_factory=list)  # each piece's audio, once synthesized
    ready: dict[int, list[SpeechClip]] = field(default_factory=dict)  # synthesized, waiting for an earlier piece
    delivered: int = 0
    started: float | None = None  # when its first piece was ready: its audio plays from about then
    calls: deque[int] = field(default_factory=deque)  # per say/extend not yet reported done: its last piece + 1
    # A piece of it is being synthesized. One at a time: its next is not needed before this one is heard, and a
    # second beside it would take cores from it (a lone `say`'s first clause must have the machine to itself).
    out: bool = False
    closing: bool = False  # no more pieces: finish once all are delivered
    error: str | None = None  # what it finishes with
    ended: bool = False

    def due(self, index: int) -> float:
        """When the audio of piece `index` is needed (monotonic seconds)."""
        done = [(text_length(p.text), s) for p, s in zip(self.pieces, self.seconds, strict=True) if s is not None]
        chars = sum(c for c, _ in done)
        rate = sum(s for _, s in done) / chars if chars else SECONDS_PER_CHAR
        before = sum(s if s is not None else text_length(p.text) * rate
                     for p, s in zip(self.pieces[:index], self.seconds[:index], strict=True))
        return (self.started if self.started is not None else self.asked) + before

    @property
    def dropped(self) -> bool:
        return self.ended or self.take.cut_pts is not None or self.director.stopped


@dataclass(order=True)
class _Job:
    due: float
    seq: int  # first given, first taken among jobs due at once
    work: _Work = field(compare=False)
    index: int = field(compare=False)


@dataclass(eq=False)
class _Lane:
    """Workers and their queue: at most `width` jobs out at once, so the next one taken is always the soonest due."""

    executor: Executor
    width: int
    queue: list[_Job] = field(default_factory=list)
    running: int = 0


class Synthesis:
    """The sidecar's voice workers: `processes` worker processes that load `recipes` as they start (0: none), and
    a thread lane `threads` wide (`thread`: its executor; default: threads of its own; more than one only for
    voices that take several lines at once, e.g. remote ones). Its methods are called by the directors (on the event
    loop); results go back through each director's `post`."""

    def __init__(self, processes: int = 0, recipes: Collection[VoiceRecipe] = (), thread: Executor | None = None,
                 threads: int = 1) -> None:
        self.lock = threading.RLock()  # a future done at once runs its callback in the caller, lock held
        self.seq = itertools.count()
        self.works: dict[str, _Work] = {}  # by take id
        self.thread = _Lane(thread or ThreadPoolExecutor(threads, thread_name_prefix="voice"), threads)
        self.processes: _Lane | None = None
        if processes > 0:
            spawn = multiprocessing.get_context("spawn")
            # The cores shared out: N workers on N cores run one onnxruntime thread each (two apiece would fight
            # for the cores: 16 against 20 s of speech a second on 2 cores), one worker keeps them all.
            share = max(1, (os.cpu_count() or 1) // processes)
            pool = ProcessPoolExecutor(processes, mp_context=spawn, initializer=start_worker,
                                       initargs=(os.getpid(), tuple(recipes), spawn.Barrier(processes), share))
            self.processes = _Lane(pool, processes)
        self.closed = False

    def start(self) -> list[Future[int]]:
        """Start every worker process now: futures of their pids, done once all have loaded their voices."""
        lane = self.processes
        return [lane.executor.submit(started) for _ in range(lane.width)] if lane is not None else []

    def queue(self, director: Director, take: Take, pieces: list[Piece], finish: bool) -> None:
        """Give pieces of a take (in order, after those given before); `finish`: the take ends after them."""
        with self.lock:
            work = self.works.get(take.id)
            if work is None:
                work = self.works[take.id] = _Work(director, take, time.monotonic())
            first = len(work.pieces)
            work.pieces += pieces
            work.seconds += [None] * len(pieces)
            work.calls.append(len(work.pieces))
            work.closing = work.closing or finish
            lane = self._lane(work)
            for index in range(first, len(work.pieces)):
                heapq.heappush(lane.queue, _Job(work.due(index), next(self.seq), work, index))
            self._deliver(work)  # a call with no piece is done at once
            self._pump(lane)

    def close(self, director: Director, take: Take, error: str | None) -> None:
        """No more pieces: the take finishes (with `error`, if given) once those given are delivered."""
        with self.lock:
            work = self.works.get(take.id)
            if work is None:  # none given, or all delivered and finished already
                if not director.stopped:
                    director.post(director._finish, take, error)
                return
            work.closing, work.error = True, error
            self._deliver(work)

    def drop_cut(self) -> None:
        """Drop the jobs of cut takes (an interrupt): they are reported done and never synthesized."""
        with self.lock:
            for work in [w for w in self.works.values() if w.dropped]:
                self._drop(work)

    def shutdown(self) -> None:
        """Stop: queued jobs are dropped, the pieces in progress finish (a fraction of a second) and are not posted."""
        with self.lock:
            self.closed = True
            lanes = [self.thread, *([self.processes] if self.processes is not None else [])]
            for lane in lanes:
                lane.queue.clear()
        for lane in lanes:
            lane.executor.shutdown(wait=True, cancel_futures=True)

    # -- scheduling, under the lock ----------------------------------------------------------------------------

    def _lane(self, work: _Work) -> _Lane:
        return self.processes if self.processes is not None and recipe_of(work.director.voice) else self.thread

    def _pump(self, lane: _Lane) -> None:
        waiting = []  # pieces of takes with a piece out: a take's pieces go one at a time
        while not self.closed and lane.running < lane.width and lane.queue:
            job = heapq.heappop(lane.queue)
            work = job.work
            if work.dropped:  # cut or stopped
                self._drop(work)
                continue
            if job.index >= len(work.pieces):  # after a piece that failed
                continue
            if work.out:
                waiting.append(job)
                continue
            piece, director = work.pieces[job.index], work.director
            recipe = recipe_of(director.voice)
            if lane is self.processes and recipe is not None:
                future = lane.executor.submit(speak_in_worker, recipe, piece)
            else:
                future = lane.executor.submit(_speak_here, director.voice, director.driver, piece)
            lane.running += 1
            work.out = True
            future.add_done_callback(functools.partial(self._done, lane, job))
        for job in waiting:
            heapq.heappush(lane.queue, job)

    def _done(self, lane: _Lane, job: _Job, future: Future[list[SpeechClip]]) -> None:
        with self.lock:
            lane.running -= 1
            work = job.work
            work.out = False
            if not work.ended and job.index < len(work.pieces):
                try:
                    clips = future.result()
                except Exception as exc:  # a voice failure ends this take only; the sidecar keeps serving
                    log.error("synthesis failed", extra={"take": work.take.id}, exc_info=exc)
                    self._fail(work, job.index, f"{type(exc).__name__}: {exc}")
                else:
                    work.ready[job.index] = clips
                    work.seconds[job.index] = sum(clip.segment.duration for clip in clips)
                    if work.started is None:
                        work.started = time.monotonic()
                    self._deliver(work)
                    self._redue(work)
            self._pump(lane)

    def _deliver(self, work: _Work) -> None:
        """Post the clips now in order, report the calls they complete, and finish the take when it is done."""
        if work.dropped:
            self._drop(work)
            return
        director, take = work.director, work.take
        while work.delivered in work.ready:
            for clip in work.ready.pop(work.delivered):
                director.post(director._deliver, take, clip)
            work.delivered += 1
        while work.calls and work.calls[0] <= work.delivered:
            work.calls.popleft()
            director.post(director.timeline.piece_synthesized, take)
        if work.closing and work.delivered == len(work.pieces):
            director.post(director._finish, take, work.error)
            self._end(work)

    def _fail(self, work: _Work, index: int, error: str) -> None:
        """Piece `index` failed: the take ends with the error after the pieces before it."""
        del work.pieces[index:], work.seconds[index:]
        work.calls = deque(min(end, index) for end in work.calls)
        work.closing, work.error = True, error
        self._deliver(work)

    def _drop(self, work: _Work) -> None:
        """A cut take's pending pieces are dropped: its calls are reported done (and the take finished, when it was
        given all its pieces) unless its director stopped."""
        if work.ended:
            return
        director = work.director
        if not director.stopped:
            for _ in work.calls:
                director.post(director.timeline.piece_synthesized, work.take)
            if work.closing:
                director.post(director._finish, work.take, work.error)
        self._end(work)

    def _end(self, work: _Work) -> None:
        work.ended = True
        if self.works.get(work.take.id) is work:
            del self.works[work.take.id]

    def _redue(self, work: _Work) -> None:
        """A piece of the take is synthesized: its later pieces' due times, now better known."""
        lane = self._lane(work)
        for job in lane.queue:
            if job.work is work:
                job.due = work.due(job.index)
        heapq.heapify(lane.queue)
