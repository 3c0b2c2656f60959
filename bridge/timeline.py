"""One avatar's timeline: the one owner of its takes.

It queues takes, places their clips as the voice delivers them, starts each when its first audio is ready,
cuts them on an interrupt and ends them when their audio has gone out. Every change goes to the takes'
listeners (the avatar's layers) as a `TakeEvent` the moment it happens, and to the stream as the messages the
protocol defines (phonemes, words, audio, events). Everything here runs on the event loop.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bridge.protocol import AudioChunk, Event, Phonemes, StreamMessage, Words
from models.face.drivers import SpeechClip
from models.face.tags import Mark
from models.take import Listener, Take, new_take_id

log = logging.getLogger(__name__)

#: How much of a voice's latest error `ping` repeats (the `error` event has all of it).
LAST_ERROR_CHARS = 400
#: A take that has had words waiting this long for their audio (its first clause, or the next one once its audio
#: ran out) makes the voice visibly busy: a `voice_busy` event, then `voice_ready` when audio comes again.
VOICE_BUSY_S = 1.0


@dataclass(frozen=True)
class VoiceStatus:
    """Whether an avatar's voice keeps up, for `ping` and `describe`: `waiting_s` is how long the current take
    has waited for audio (0 when it has some to play); `pieces` are texts given to the voice, not yet synthesized;
    `errors` counts the takes its voice failed since the sidecar started, `last_error` says the latest failure."""

    busy: bool
    waiting_s: float
    pieces: int
    errors: int = 0
    last_error: str | None = None


class Publish(Protocol):
    def __call__(self, message: StreamMessage) -> None: ...


class AvatarTimeline:
    """One avatar's takes on the performer's clock, and its stream counters; `run_id` is the sidecar run's id, in every
    event and take id."""

    def __init__(self, avatar: str, publish: Publish, lookahead: float, period: float, chunk_samples: int,
                 sample_rate: int, run_id: str) -> None:
        self.avatar = avatar
        self.run_id = run_id
        self.publish = publish
        self.lookahead = lookahead
        self.period = period
        self.chunk_samples = chunk_samples
        self.sample_rate = sample_rate  # of the avatar's voice: every take of the avatar carries audio at it
        self.listeners: list[Listener] = []
        self.takes: deque[Take] = deque()
        self.audio_cursor = 0
        self.free_pts = 0.0  # when the previous take stopped sounding
        self.seq: dict[str, int] = {}
        self.pieces: Counter[str] = Counter()  # per take id: texts given to the voice, not synthesized yet
        self.starved_since: float | None = None  # pts from which the current take has waited for audio
        self.busy = False
        self.voice_errors = 0
        self.last_voice_error: str | None = None

    def subscribe(self, listener: Listener) -> None:
        """Be told of every change to this avatar's takes, as it happens."""
        self.listeners.append(listener)

    def next_seq(self, kind: str) -> int:
        n = self.seq.get(kind, 0)
        self.seq[kind] = n + 1
        return n

    def event(self, type_: str, pts: float, take: Take | None, **data: Any) -> None:
        self.publish(Event(self.avatar, self.next_seq("event"), pts, type_, take.id if take else None, data,
                           self.run_id))

    @property
    def current(self) -> Take | None:
        return self.takes[0] if self.takes else None

    # -- changes to takes: from the director, the music desk and the request handlers, on the event loop ------

    def new_take(self, text: str = "", emotion: str | None = None, marks: tuple[Mark, ...] = (),
                 after: Take | None = None) -> Take:
        """Queue a take after the ones already queued, or right after `after` (a live stream running on in a new
        take) when that is still queued."""
        take = Take(new_take_id(self.run_id), self.avatar, text, emotion, self.sample_rate, marks, self.listeners)
        if after is not None and after in self.takes:
            self.takes.insert(self.takes.index(after) + 1, take)
        else:
            self.takes.append(take)
        return take

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
        segment = clip.segment
        if segment.text or segment.phonemes or segment.words:  # a live stream's clips (50 a second) have none
            self.publish(Phonemes(self.avatar, take.id, [
                [p.phoneme, p.viseme, round(p.start + shift, 6), round(p.end + shift, 6)] for p in segment.phonemes
            ]))
            self.publish(Words(self.avatar, take.id, [
                [w.word, round(w.start + shift, 6), round(w.end + shift, 6)] for w in segment.words
            ]))
        if take is self.current and take.start_pts is None:
            self._start(take, now)

    def extend(self, take: Take, text: str, marks: Iterable[Mark]) -> None:
        """More words for an open take (a streamed answer); marks at indices of the whole text."""
        take.extend_text(text, tuple(marks))

    def mark(self, take: Take, mark: Mark) -> int:
        """Add a mark (a gesture on a word) to a take; returns its index in `take.marks`."""
        return take.add_mark(mark)

    def piece_queued(self, take: Take) -> None:
        """A text of the take went to the voice (the director, as it queues the work)."""
        self.pieces[take.id] += 1

    def piece_synthesized(self, take: Take) -> None:
        """The voice is done with one of the take's texts (all its clips delivered, or it stopped)."""
        self.pieces[take.id] -= 1
        if self.pieces[take.id] <= 0:
            del self.pieces[take.id]

    def voice_status(self, now: float) -> VoiceStatus:
        t = now + self.lookahead
        waiting = 0.0 if self.starved_since is None else max(0.0, t - self.starved_since)
        return VoiceStatus(self.busy, round(waiting, 3), sum(self.pieces.values()), self.voice_errors,
                           self.last_voice_error)

    def finish_synthesis(self, take: Take, error: str | None, now: float) -> None:
        take.finish_synthesis(error)
        if error is not None:
            self.voice_errors += 1
            self.last_voice_error = error[:LAST_ERROR_CHARS]
            self.event("error", now + self.lookahead, take, code="synthesis_failed", message=error)

    def set_audio(self, take: Take, pcm: np.ndarray, start_pts: float | None = None) -> None:
        """A take with audio of its own (a dance's music), all of it at once: it starts at the next tick, or at
        `start_pts` when later (a group of avatars dancing together starts at one pts)."""
        if take.cut_pts is None:
            take.not_before = start_pts
            take.set_audio(pcm)

    def fail(self, take: Take, error: str) -> None:
        """A take that will have no audio (bad music): the next tick ends it."""
        take.finish_synthesis(error)

    def interrupt(self, now: float) -> float:
        """Cut the current take at now (the pts being heard) and drop the queued ones. Returns the cut pts."""
        cut = list(self.takes)
        for take in cut:
            take.cut(now)
            self.event("interrupted", now, take)
        self.takes.clear()
        self.audio_cursor = 0
        self.free_pts = now
        for take in cut:
            take.end()
        return now

    # -- the tick ----------------------------------------------------------------------------------------------

    def _start(self, take: Take, now: float) -> None:
        self.audio_cursor = 0
        pts = max(now + self.lookahead, self.free_pts, now if take.not_before is None else take.not_before)
        self.event("take_started", pts, take, text=take.text, emotion=take.emotion)
        take.start(pts)

    def advance(self, now: float) -> None:
        """Start, play and end takes up to the next tick: everything due before it goes out now."""
        t = now + self.lookahead
        until = t + self.period
        while (take := self.current) is not None:
            if take.start_pts is None:
                if take.clips or len(take.audio):  # speech, or audio of its own (a dance's music)
                    self._start(take, now)
                elif take.synthesis_done:  # failed before any audio
                    self.takes.popleft()
                    self._end(take, t)
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
            self._end(take, end)
        self._check_voice(t)

    def _end(self, take: Take, pts: float) -> None:
        """`take_ended`, with the error that ended it early, if any (its voice failed)."""
        self.event("take_ended", pts, take, **({"error": take.error} if take.error is not None else {}))
        take.end()

    def _check_voice(self, t: float) -> None:
        """Announce a voice that keeps the current take waiting for audio, and the end of the wait."""
        take = self.current
        starving = take is not None and self.pieces[take.id] > 0 and (
            take.start_pts is None or take.start_pts + len(take.audio) / take.sample_rate < t)
        if not starving:
            if self.busy:
                waited = t - self.starved_since if self.starved_since is not None else 0.0
                self.event("voice_ready", t, take, waited_s=round(waited, 3))
            self.starved_since, self.busy = None, False
            return
        assert take is not None
        if self.starved_since is None:
            self.starved_since = t if take.start_pts is None else take.start_pts + len(take.audio) / take.sample_rate
        if not self.busy and t - self.starved_since >= VOICE_BUSY_S:
            self.busy = True
            busy = {"waiting_s": round(t - self.starved_since, 3), "pieces": sum(self.pieces.values()),
                    "reason": "first_audio" if take.start_pts is None else "underrun"}
            self.event("voice_busy", t, take, **busy)
            log.warning("voice busy", extra={"avatar": self.avatar, "take": take.id, **busy})

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
