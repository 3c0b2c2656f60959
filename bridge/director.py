"""The director: turns requests into takes and runs the voice and animator for them off the event loop.

Synthesis runs in a worker (one at a time per voice: the model is shared by all avatars); each clip goes back
to the event loop as soon as it is ready, so the first clause plays while later sentences are synthesized.
Inline tags (`[happy]`, `[sad:0.6]`, `<wave>`) are parsed here: the voice gets the words only, each sentence in
the voice style of the emotion in effect at its first word (models.face.tags.voice_runs), and the take keeps
the tags as marks for the layers that act on them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from concurrent.futures import Executor
from dataclasses import replace

from bridge.animator import SpeechClip, speak
from bridge.performer import Clock, Performer
from bridge.takes import Take, new_take_id
from models.face.emotion import check_emotion, voice_style
from models.face.tags import Script, parse_tags, voice_runs
from models.tts import Voice, words_of

log = logging.getLogger(__name__)

#: Runs a callable on the event loop thread (loop.call_soon_threadsafe), or at once offline.
Post = Callable[..., object]


def _run_now(fn: Callable[..., object], *args: object) -> object:
    return fn(*args)


class Director:
    """Creates takes on the performer's stages and feeds them speech clips."""

    def __init__(self, performer: Performer, voice: Voice, clock: Clock, executor: Executor | None = None,
                 post: Post = _run_now, gestures: Collection[str] | None = None) -> None:
        self.performer = performer
        self.voice = voice
        self.clock = clock
        self.executor = executor  # None: synthesize inline (offline render)
        self.post = post
        self.gestures = gestures  # the gesture names `<tags>` may use; None: any
        self.stopped = False  # the sidecar is shutting down: the worker stops between clips

    def stop(self) -> None:
        """Shutting down: synthesis stops after the clip in progress and nothing more is posted to the loop."""
        self.stopped = True

    def say(self, avatar: str, text: str, emotion: str | None = None, literal: bool = False) -> Take:
        """Queue a line for an avatar; returns its take at once, audio follows.

        Raises TagError for a malformed or unknown inline tag (unless `literal`: then the text is spoken as
        written, brackets and all) and ValueError for an unknown emotion.
        """
        if emotion is not None:
            check_emotion(emotion)
        script = Script(text.strip(), ()) if literal else parse_tags(text, self.gestures)
        stage = self.performer.stages[avatar]
        take = Take(new_take_id(), avatar, script.text, emotion, self.voice.sample_rate, marks=script.marks)
        stage.enqueue(take)
        self._run(self._synthesize, take, script, take.emotion or "neutral", 1.0, True)
        log.info("take queued", extra={"avatar": avatar, "take": take.id, "chars": len(text)})
        return take

    def open_take(self, avatar: str, emotion: str | None = None) -> Take:
        """Queue a take whose text arrives in pieces (a streamed answer): `extend` it with each piece in order,
        then `close` it. It starts playing as soon as its first piece is synthesized."""
        if emotion is not None:
            check_emotion(emotion)
        take = Take(new_take_id(), avatar, "", emotion, self.voice.sample_rate)
        self.performer.stages[avatar].enqueue(take)
        return take

    def extend(self, take: Take, text: str) -> None:
        """Append a piece (inline tags parsed, as for `say`) to an open take; it is synthesized after the pieces
        given before, in the emotion in effect where the take so far ends. Raises TagError."""
        script = parse_tags(text, self.gestures)
        runs = voice_runs(Script(take.text, take.marks), take.emotion or "neutral")
        emotion, intensity = (runs[-1].emotion, runs[-1].intensity) if runs else (take.emotion or "neutral", 1.0)
        offset = len(words_of(take.text))
        take.marks = take.marks + tuple(replace(m, word=m.word + offset) for m in script.marks)
        take.text = f"{take.text} {script.text}".strip()
        self._run(self._synthesize, take, script, emotion, intensity, False)

    def close(self, take: Take, error: str | None = None) -> None:
        """No more pieces: the take ends after the audio of the pieces already given."""
        self._run(self.post, self._finish, take, error)

    def _run(self, fn: Callable[..., object], *args: object) -> None:
        # One worker: takes, and the pieces of a take, are synthesized in the order they were given.
        if self.executor is None:
            fn(*args)
        else:
            self.executor.submit(fn, *args)

    def interrupt(self, avatar: str) -> float:
        cut = self.performer.stages[avatar].interrupt(self.clock.now())
        log.info("interrupted", extra={"avatar": avatar, "pts": round(cut, 4)})
        return cut

    def _synthesize(self, take: Take, script: Script, emotion: str, intensity: float, finish: bool) -> None:
        error = None
        try:
            runs = voice_runs(script, emotion, intensity)
            clips = (clip for run in runs for clip in speak(self.voice, run.text, voice_style(run.emotion,
                                                                                            run.intensity)))
            for clip in clips:
                if take.cut_pts is not None or self.stopped:
                    break
                self.post(self._deliver, take, clip)
        except Exception as exc:  # a voice failure ends this take only; the sidecar keeps serving
            log.exception("synthesis failed", extra={"take": take.id})
            error = f"{type(exc).__name__}: {exc}"
        if (finish or error is not None) and not self.stopped:
            self.post(self._finish, take, error)

    def _deliver(self, take: Take, clip: SpeechClip) -> None:
        self.performer.stages[take.avatar].add_clip(take, clip, self.clock.now())

    def _finish(self, take: Take, error: str | None) -> None:
        self.performer.stages[take.avatar].finish_synthesis(take, error, self.clock.now())
