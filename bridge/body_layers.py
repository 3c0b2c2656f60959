"""The body of each avatar on the performer: idle, gestures, speech beats, the chest turning with `look_at`, and
dance takes, composited into one pose per frame and published as `pose` (and every second as `skeleton`).

Layers, bottom to top (docs/body.md): idle (the base) → the dance of a dance take (whole body) → gestures
(their own joints: the op, and `<gesture>` tags with the stroke on the tagged word) → beat gestures and hand
motion while speaking (additive, yielding to a gesture that owns the arms) → the chest's share of the gaze.
Everything is sampled at the frame's pts from timelines set up ahead; a cut take releases its gestures, beats and
dance over 0.3 s.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from bridge.performer import Clock, Performer, SpeechLayer, Stage
from bridge.protocol import PoseFrame, Skeleton, StreamMessage
from bridge.takes import Take, new_take_id
from models.body.cospeech import CoSpeech, co_speech
from models.body.dance import Dance, MusicError, check_music, dance_to, load_music, plan_for_file
from models.body.gestures import get_gesture, load_library
from models.body.idle import Idle
from models.body.lookat import LookAtTrack, look_at
from models.body.pose import BodyPose, ClipInstance, MotionClip, compose, smoothstep
from models.body.skeleton import HUMANOID, mask
from models.face.tags import Mark
from models.tts import words_of

log = logging.getLogger(__name__)

#: How often the skeleton is repeated on the stream (s), for subscribers that join late.
SKELETON_EVERY_S = 1.0
#: How long gestures, beats and a dance take to let go after their take is cut (s).
CUT_RELEASE_S = 0.3
#: A gesture scheduled after its own start (its stroke is near) eases in over at most this long (s).
LATE_EASE_S = 0.25
_ALL = mask("all")
_ARMS = mask("arms")
_SPEECH = mask("arms", "head")
_CHEST = mask("spine")

#: Runs a callable on the event loop thread (loop.call_soon_threadsafe), or at once offline.
Post = Callable[..., object]


def skeleton_description() -> dict[str, list]:
    """The skeleton as `describe` and the `skeleton` message give it."""
    return {"joints": list(HUMANOID.names), "parents": list(HUMANOID.parents),
            "offsets": [[round(float(v), 6) for v in o] for o in HUMANOID.offsets]}


def _release(take: Take | None, t: float) -> float:
    """1 until the take is cut, then easing to 0 over CUT_RELEASE_S."""
    if take is None or take.cut_pts is None:
        return 1.0
    return float(smoothstep(1.0 - (t - take.cut_pts) / CUT_RELEASE_S))


@dataclass
class _Gesture:
    placed: ClipInstance
    take: Take | None
    visible_from: float  # the first pts it may touch: scheduled late, it eases in from here

    def weight(self, t: float) -> float:
        w = self.placed.clip.weight(t - self.placed.start) * self.placed.intensity * _release(self.take, t)
        if self.visible_from > self.placed.start:
            ease = float(np.clip(self.placed.stroke_time - self.visible_from, 0.05, LATE_EASE_S))
            w *= float(smoothstep((t - self.visible_from) / ease))
        return w


@dataclass
class _Speech:
    motion: CoSpeech
    offset: float  # pts of the clip's first sample
    take: Take
    end: float  # pts after which it no longer moves anything


class AvatarBody:
    """One avatar's body on its stage: `messages(t)` gives the frame's `pose` (and the `skeleton` when due)."""

    def __init__(self, stage: Stage, library: dict[str, MotionClip], seed: int = 0) -> None:
        self.stage = stage
        self.speech: SpeechLayer = stage.speech
        self.library = library
        self.seed = seed
        self.idle = Idle(seed)
        self.gestures: list[_Gesture] = []
        self.speaking: list[_Speech] = []
        self.dances: dict[str, Dance] = {}  # by take id
        self.gaze: LookAtTrack | None = None
        self._marks_done: set[tuple[str, int]] = set()
        self._by_mark: dict[tuple[str, int], _Gesture] = {}
        self._clips_done: set[tuple[str, int]] = set()
        self._takes: list[Take] = []  # takes seen playing, newest last (for their marks, clips and dances)
        self._skeleton_at = -np.inf

    # -- requests -------------------------------------------------------------------------------------------------

    def gesture(self, name: str, now_pts: float, at_word: int | None = None) -> dict[str, object]:
        """Play a gesture: its stroke on word `at_word` of the current take, or as soon as it can land.
        Raises KeyError (UnknownGesture) for an unknown name, ValueError for a word that cannot be had."""
        clip = get_gesture(name, self.library)
        take = self.stage.current
        if at_word is None:
            placed = ClipInstance(clip, now_pts)
            self._schedule(placed, None, now_pts, name)
            return {"take": None, "start_pts": placed.start, "stroke_pts": placed.stroke_time}
        if take is None:
            raise ValueError("at_word needs a take playing or queued, and the avatar has none")
        words = len(words_of(take.text))
        if at_word >= words:
            raise ValueError(f"at_word {at_word} is past the take's last word (it has {words})")
        times = take.word_times()
        if take.start_pts is not None and at_word < len(times) and take.start_pts + times[at_word][0] < now_pts:
            raise ValueError(f"word {at_word} of take {take.id} has already been spoken")
        take.marks = take.marks + (Mark("gesture", name, at_word, -1),)
        self._sync(now_pts)
        scheduled = self._by_mark.get((take.id, len(take.marks) - 1))
        if scheduled is None:  # its word is not synthesized yet: the stroke is placed when it is
            return {"take": take.id, "start_pts": None, "stroke_pts": None}
        return {"take": take.id, "start_pts": scheduled.placed.start, "stroke_pts": scheduled.placed.stroke_time}

    def look_at(self, pts: float, direction: tuple[float, float, float]) -> None:
        """Turn the chest (its share of a gaze shift) towards a direction in the avatar's frame from pts on."""
        keys = list(self.gaze.keys) if self.gaze is not None else [(pts, (0.0, 0.0, 1.0))]
        self.gaze = LookAtTrack([k for k in keys if k[0] <= pts] + [(pts, direction)])

    # -- timelines -----------------------------------------------------------------------------------------------

    def _schedule(self, placed: ClipInstance, take: Take | None, now_pts: float, name: str) -> _Gesture:
        gesture = _Gesture(placed, take, max(now_pts, placed.start))
        self.gestures.append(gesture)
        self.stage.event("gesture", placed.stroke_time, take, name=name, start_pts=round(placed.start, 6),
                         end_pts=round(placed.end, 6))
        return gesture

    def _sync(self, t: float) -> None:
        """Pick up what the current take has made known since the last frame: placed words (for gesture tags)
        and clips (for beat gestures)."""
        take = self.speech.take
        if take is not None and take.start_pts is not None and (not self._takes or self._takes[-1] is not take):
            self._takes = [*self._takes[-1:], take]
        for take in self._takes:
            if take.start_pts is None:
                continue
            for i, placed in enumerate(take.clips):
                if (take.id, i) in self._clips_done:
                    continue
                self._clips_done.add((take.id, i))
                segment = placed.clip.segment
                offset = take.start_pts + placed.start
                motion = co_speech(segment.words, segment.phonemes, seed=self.seed + len(self._clips_done))
                self.speaking.append(_Speech(motion, offset, take, offset + segment.duration + 1.0))
            words = take.word_times()
            for i, mark in enumerate(take.marks):
                if mark.kind != "gesture" or (take.id, i) in self._marks_done:
                    continue
                if mark.word < len(words):
                    stroke = take.start_pts + words[mark.word][0]
                elif take.synthesis_done and words:
                    stroke = take.start_pts + words[-1][1]  # a tag after the last word: when the speech ends
                else:
                    continue
                self._marks_done.add((take.id, i))
                if mark.name in self.library:
                    instance = ClipInstance.at_stroke(self.library[mark.name], stroke)
                    self._by_mark[(take.id, i)] = self._schedule(instance, take, t, mark.name)

    # -- the frame ----------------------------------------------------------------------------------------------

    def pose(self, t: float) -> BodyPose:
        """The composited body at pts t."""
        self._sync(t)
        pose = self.idle.sample(t)
        for take in self._takes:
            dance = self.dances.get(take.id)
            if dance is not None and take.start_pts is not None:
                w = dance.weight(t - take.start_pts) * _release(take, t)
                if w > 0.0:
                    pose = compose(pose, dance.sample(t - take.start_pts), _ALL, w)
        arms_taken = 0.0
        for g in self.gestures:
            w = g.weight(t)
            if w > 0.0:
                pose = compose(pose, g.placed.clip.sample(t - g.placed.start), g.placed.clip.mask, w)
                if (g.placed.clip.mask * _ARMS).any():
                    arms_taken = max(arms_taken, w)
        for s in self.speaking:
            w = (1.0 - arms_taken) * _release(s.take, t)
            if s.offset - 1.0 < t < s.end and w > 0.0:
                pose = compose(pose, s.motion.sample(t - s.offset), _SPEECH, w, additive=True)
        if self.gaze is not None:
            pose = compose(pose, look_at(pose, self.gaze.direction(t)), _CHEST, 1.0)
        # Forget what has played out.
        self.gestures = [g for g in self.gestures if g.placed.end > t]
        self.speaking = [s for s in self.speaking if s.end > t]
        return pose

    def messages(self, avatar: str, t: float, seq: Callable[[str], int]) -> list[StreamMessage]:
        """The stream messages of the frame at pts t."""
        out: list[StreamMessage] = []
        if t - self._skeleton_at >= SKELETON_EVERY_S:
            self._skeleton_at = t
            description = skeleton_description()
            out.append(Skeleton(avatar, description["joints"], description["parents"], description["offsets"]))
        pose = self.pose(t)
        out.append(PoseFrame(avatar, seq("pose"), t, [float(v) for v in pose.root],
                             pose.rotations.astype("<f4").tobytes()))
        return out


def add_bodies(performer: Performer, seed: int = 0, gesture_folders: tuple[Path, ...] = (),
               seeds: Mapping[str, int] | None = None) -> dict[str, AvatarBody]:
    """Give every avatar of a performer its body (seeded per avatar, so two hosts never breathe in step): avatar i
    gets `seeds[name]`, else seed + 7919 * i."""
    library = load_library(*gesture_folders)
    bodies = {}
    for i, (name, stage) in enumerate(performer.stages.items()):
        bodies[name] = AvatarBody(stage, library, (seeds or {}).get(name, seed + 7919 * i))
        stage.body = bodies[name]
    return bodies


def exit_with_parent(parent: int) -> None:
    """Worker-process initializer: end this process when the sidecar that started it is gone (a killed sidecar
    never gets to shut its pool down, and the worker would linger)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class MusicDesk:
    """Runs `dance` requests: checks the file at once; a worker thread decodes the music and waits for the beat
    tracker, then the take plays.

    The tracker should be a worker *process* in a live sidecar: librosa's numba code holds the GIL for seconds
    (its first call compiles), which would stall the performer's ticks if it ran in a thread of this process.
    """

    def __init__(self, performer: Performer, bodies: dict[str, AvatarBody], sample_rate: int, clock: Clock,
                 executor: Executor | None = None, post: Post | None = None, tracker: Executor | None = None) -> None:
        self.performer = performer
        self.bodies = bodies
        self.sample_rate = sample_rate  # takes carry audio at the voice's rate, so clients see one rate
        self.clock = clock
        self.executor = executor  # None: decode and track inline (offline render, tests)
        self.tracker = tracker  # None: track in the executor's thread
        self.post = post or (lambda fn, *args: fn(*args))
        self.dances = 0

    def dance(self, avatar: str, music: str, style: str | None = None) -> Take:
        """Queue a dance take. Raises MusicError for a file that cannot be danced to, ValueError for a bad style."""
        from models.body.dance import STYLES

        if style is not None and style not in STYLES:
            raise ValueError(f"unknown dance style {style!r}; known: {', '.join(STYLES)}")
        check_music(music)
        stage = self.performer.stages[avatar]
        take = Take(new_take_id(), avatar, "", None, self.sample_rate)
        stage.enqueue(take)
        self.dances += 1
        if self.executor is None:
            self._track(stage, take, music, style, self.dances)
        else:
            self.executor.submit(self._track, stage, take, music, style, self.dances)
        return take

    def _track(self, stage: Stage, take: Take, music: str, style: str | None, seed: int) -> None:
        try:
            if self.tracker is not None:
                dance = self.tracker.submit(plan_for_file, music, seed, style).result()
                audio, rate = load_music(music)
            else:
                dance, audio, rate = dance_to(music, seed=seed, style=style)
            if rate != self.sample_rate:
                audio = soxr.resample(audio, rate, self.sample_rate)
            pcm = np.clip(audio * 32767.0, -32767, 32767).astype(np.int16)
        except (MusicError, ValueError) as exc:
            self.post(self._failed, stage, take, str(exc))
            return
        except Exception as exc:  # a bad file must cost one take, never the sidecar
            log.exception("dance failed", extra={"take": take.id})
            self.post(self._failed, stage, take, f"{type(exc).__name__}: {exc}")
            return
        self.post(self._ready, stage, take, music, style, dance, pcm)

    def _ready(self, stage: Stage, take: Take, music: str, style: str | None, dance: Dance, pcm: np.ndarray) -> None:
        if take.cut_pts is not None:
            return
        self.bodies[stage.avatar].dances[take.id] = dance
        take.audio = pcm
        take.synthesis_done = True
        pts = self.clock.now() + stage.lookahead
        grid = dance.grid
        stage.event("dance", pts, take, music=music, tempo=round(grid.tempo, 2), beats=len(grid.beats),
                    downbeats=len(grid.downbeats), clear=grid.clear, style=style or "pop",
                    moves=sorted({p.move for p in dance.phrases}), duration=round(grid.duration, 3))
        if dance.warning is not None:
            stage.event("warning", pts, take, code="no_clear_beat", message=dance.warning)

    def _failed(self, stage: Stage, take: Take, error: str) -> None:
        take.synthesis_done = True  # with no audio: the performer ends it
        take.error = error
        stage.event("error", self.clock.now() + stage.lookahead, take, code="bad_music", message=error)
