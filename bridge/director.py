"""The director: turns one avatar's requests into takes on its timeline and runs the avatar's voice and face
driver for them off the event loop.

Synthesis runs on the sidecar's voice workers (bridge.synthesis: each piece of a take is due when its audio is
needed, and the soonest due goes first, whichever avatar it is for), or inline offline; each clip goes back to the
event loop as soon as it is ready and in its take's order, so the first clause plays while later sentences are
synthesized. Inline tags (`[happy]`, `[sad:0.6]`, `<wave>`) are
parsed here: the voice gets the words only, each sentence in the voice style of the emotion in effect at its
first word (models.face.tags.voice_runs), and the take keeps the tags as marks for the layers that act on them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import replace

from bridge.performer import Clock
from bridge.synthesis import Piece, Synthesis, speak
from bridge.timeline import AvatarTimeline
from models.errors import RequestError
from models.face.drivers import FaceDriver, SpeechClip
from models.face.emotion import check_emotion, voice_style
from models.face.tags import Script, VoiceRun, parse_tags, voice_runs
from models.take import Take
from models.tts import Voice, VoiceStyle, split_for_streaming, words_of

log = logging.getLogger(__name__)

#: Runs a callable on the event loop thread (loop.call_soon_threadsafe), or at once offline.
Post = Callable[..., object]


def run_now(fn: Callable[..., object], *args: object) -> object:
    return fn(*args)


def script_of(text: str, literal: bool = False, gestures: Collection[str] | None = None) -> Script:
    """What a `say` text speaks and marks: its tags parsed (none when `literal`). Raises TagError for a bad tag
    and RequestError `empty` naming `text` when no word is left to speak ("...", "?!", "[happy] <wave>"): such a
    take would end without ever starting."""
    script = Script(text.strip(), ()) if literal else parse_tags(text, gestures)
    if not words_of(script.text):
        raise RequestError("empty", f"text has nothing to speak: no words in {text.strip()[:40]!r}", "text")
    return script


class Director:
    """Creates one avatar's takes and feeds them speech clips."""

    def __init__(self, timeline: AvatarTimeline, voice: Voice, driver: FaceDriver, clock: Clock,
                 synthesis: Synthesis | None = None, post: Post = run_now,
                 gestures: Collection[str] | None = None, style: VoiceStyle = VoiceStyle()) -> None:
        self.timeline = timeline
        self.voice = voice
        self.style = style  # the avatar's own voice settings, which every emotion's style moves from
        self.driver = driver
        self.clock = clock
        self.synthesis = synthesis  # None: synthesize inline (offline render)
        self.post = post
        self.gestures = gestures  # the gesture names `<tags>` may use; None: any
        self.stopped = False  # the sidecar is shutting down: the workers stop between pieces

    def stop(self) -> None:
        """Shutting down: synthesis stops after the clip in progress and nothing more is posted to the loop."""
        self.stopped = True

    def say(self, text: str, emotion: str | None = None, literal: bool = False) -> Take:
        """Queue a line; returns its take at once, audio follows.

        Raises TagError for a malformed or unknown inline tag (unless `literal`: then the text is spoken as
        written, brackets and all), RequestError `empty` for a text with no word to speak and ValueError for an
        unknown emotion.
        """
        if emotion is not None:
            check_emotion(emotion)
        script = script_of(text, literal, self.gestures)
        take = self.timeline.new_take(script.text, emotion, script.marks)
        self.timeline.piece_queued(take)
        self._queue(take, voice_runs(script, take.emotion or "neutral"), True)
        log.info("take queued", extra={"avatar": take.avatar, "take": take.id, "chars": len(text)})
        return take

    def recite(self, transcript: str = "", emotion: str | None = None) -> Take:
        """Queue a take of a voice that says what it has whatever it is asked (a recording): the voice is asked once,
        with the transcript as it is ("" when there is none: no word need be known). Raises ValueError for an
        unknown emotion."""
        if emotion is not None:
            check_emotion(emotion)
        take = self.timeline.new_take(transcript, emotion)
        self.timeline.piece_queued(take)
        self._queue(take, [VoiceRun(transcript, take.emotion or "neutral", 1.0, 0)], True, split=False)
        return take

    def open_take(self, emotion: str | None = None) -> Take:
        """Queue a take whose text arrives in pieces (a streamed answer): `extend` it with each piece in order,
        then `close` it. It starts playing as soon as its first piece is synthesized."""
        if emotion is not None:
            check_emotion(emotion)
        return self.timeline.new_take("", emotion)

    def extend(self, take: Take, text: str) -> None:
        """Append a piece (inline tags parsed, as for `say`) to an open take; it is synthesized after the pieces
        given before, in the emotion in effect where the take so far ends. Raises TagError."""
        script = parse_tags(text, self.gestures)
        runs = voice_runs(Script(take.text, take.marks), take.emotion or "neutral")
        emotion, intensity = (runs[-1].emotion, runs[-1].intensity) if runs else (take.emotion or "neutral", 1.0)
        offset = len(words_of(take.text))
        self.timeline.extend(take, script.text, (replace(m, word=m.word + offset) for m in script.marks))
        self.timeline.piece_queued(take)
        self._queue(take, voice_runs(script, emotion, intensity), False)

    def close(self, take: Take, error: str | None = None) -> None:
        """No more pieces: the take ends after the audio of the pieces already given."""
        if self.synthesis is None:
            self.post(self._finish, take, error)
        else:
            self.synthesis.close(self, take, error)

    def interrupt(self) -> float:
        cut = self.timeline.interrupt(self.clock.now())
        if self.synthesis is not None:
            self.synthesis.drop_cut()
        log.info("interrupted", extra={"avatar": self.timeline.avatar, "pts": round(cut, 4)})
        return cut

    def _queue(self, take: Take, runs: list[VoiceRun], finish: bool, split: bool = True) -> None:
        """Synthesize runs of a take: inline, or on the workers as the pieces the voice says one at a time (a
        recording's one run unsplit: it says what it has whatever it is asked)."""
        if self.synthesis is None:
            self._synthesize(take, runs, finish)
            return
        pieces = [Piece(text, voice_style(run.emotion, run.intensity, self.style))
                  for run in runs for text in (split_for_streaming(run.text) if split else [run.text])]
        self.synthesis.queue(self, take, pieces, finish)

    def _synthesize(self, take: Take, runs: list[VoiceRun], finish: bool) -> None:
        error = None
        try:
            clips = (clip for run in runs
                     for clip in speak(self.voice, self.driver, run.text,
                                       voice_style(run.emotion, run.intensity, self.style)))
            for clip in clips:
                if take.cut_pts is not None or self.stopped:
                    break
                self.post(self._deliver, take, clip)
        except Exception as exc:  # a voice failure ends this take only; the sidecar keeps serving
            log.exception("synthesis failed", extra={"take": take.id})
            error = f"{type(exc).__name__}: {exc}"
        if not self.stopped:
            self.post(self.timeline.piece_synthesized, take)
        if (finish or error is not None) and not self.stopped:
            self.post(self._finish, take, error)

    def _deliver(self, take: Take, clip: SpeechClip) -> None:
        self.timeline.add_clip(take, clip, self.clock.now())

    def _finish(self, take: Take, error: str | None) -> None:
        self.timeline.finish_synthesis(take, error, self.clock.now())
