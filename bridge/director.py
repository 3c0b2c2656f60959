"""The director: turns requests into takes and runs the voice and animator for them off the event loop.

Synthesis runs in a worker (one at a time per voice: the model is shared by all avatars); each clip goes back
to the event loop as soon as it is ready, so the first clause plays while later sentences are synthesized.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor

from bridge.animator import SpeechClip, speak
from bridge.performer import Clock, Performer
from bridge.takes import Take, new_take_id
from models.tts import Voice, VoiceStyle

log = logging.getLogger(__name__)

#: Runs a callable on the event loop thread (loop.call_soon_threadsafe), or at once offline.
Post = Callable[..., object]


def _run_now(fn: Callable[..., object], *args: object) -> object:
    return fn(*args)


class Director:
    """Creates takes on the performer's stages and feeds them speech clips."""

    def __init__(self, performer: Performer, voice: Voice, clock: Clock, executor: Executor | None = None,
                 post: Post = _run_now) -> None:
        self.performer = performer
        self.voice = voice
        self.clock = clock
        self.executor = executor  # None: synthesize inline (offline render)
        self.post = post

    def say(self, avatar: str, text: str, emotion: str | None = None, style: VoiceStyle = VoiceStyle()) -> Take:
        """Queue a line for an avatar; returns its take at once, audio follows."""
        stage = self.performer.stages[avatar]
        take = Take(new_take_id(), avatar, text, emotion, self.voice.sample_rate)
        stage.enqueue(take)
        if self.executor is None:
            self._synthesize(take, style)
        else:
            self.executor.submit(self._synthesize, take, style)
        log.info("take queued", extra={"avatar": avatar, "take": take.id, "chars": len(text)})
        return take

    def interrupt(self, avatar: str) -> float:
        cut = self.performer.stages[avatar].interrupt(self.clock.now())
        log.info("interrupted", extra={"avatar": avatar, "pts": round(cut, 4)})
        return cut

    def _synthesize(self, take: Take, style: VoiceStyle) -> None:
        error = None
        try:
            for clip in speak(self.voice, take.text, style):
                if take.cut_pts is not None:
                    break
                self.post(self._deliver, take, clip)
        except Exception as exc:  # a voice failure ends this take only; the sidecar keeps serving
            log.exception("synthesis failed", extra={"take": take.id})
            error = f"{type(exc).__name__}: {exc}"
        self.post(self._finish, take, error)

    def _deliver(self, take: Take, clip: SpeechClip) -> None:
        self.performer.stages[take.avatar].add_clip(take, clip, self.clock.now())

    def _finish(self, take: Take, error: str | None) -> None:
        self.performer.stages[take.avatar].finish_synthesis(take, error, self.clock.now())
