"""One avatar's body as one layer: idle, gestures, speech beats, the chest turning with `look_at`, and dance
takes, composited into one `BodyPose` per frame.

Bottom to top (docs/body.md): idle (the base) → the dance of a dance take (whole body) → gestures (their own
joints: the op, and `<gesture>` tags with the stroke on the tagged word) → beat gestures and hand motion while
speaking (additive, yielding to a gesture that owns the arms) → the chest's share of the gaze. Everything is
sampled at the frame's pts from timelines set up ahead, when the avatar's timeline says what changed
(`on_take`); a cut take releases its gestures, beats and dance over BODY_RELEASE_S.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.body.cospeech import CoSpeech, co_speech, sample_many
from models.body.dance import Dance
from models.body.gestures import get_gesture
from models.body.idle import Idle, IdleChoir
from models.body.lookat import LookAtTrack, look_at
from models.body.pose import BodyPose, ClipInstance, MotionClip, PoseBatch, compose, compose_batch, smoothstep
from models.body.skeleton import mask
from models.layers import AvatarPose
from models.take import ClipPlaced, MarkAdded, SynthesisDone, Take, TakeEnded, TakeEvent, TakeStarted
from models.tts import SpeechSegment, words_of

#: How long gestures and beats take to let go after their take is cut (s).
BODY_RELEASE_S = 0.3
#: How long a dance takes to let go (s): from arms overhead to idle is a larger move than a gesture's.
DANCE_RELEASE_S = 0.6
#: A gesture scheduled after its own start (its stroke is near) eases in over at most this long (s).
LATE_EASE_S = 0.25
_ALL = mask("all")
_ARMS = mask("arms")
_SPEECH = mask("arms", "head")
_CHEST = mask("spine")


def _release(take: Take | None, t: float, seconds: float = BODY_RELEASE_S) -> float:
    """1 until the take is cut, then easing to 0 over `seconds`."""
    if take is None or take.cut_pts is None:
        return 1.0
    return float(smoothstep(1.0 - (t - take.cut_pts) / seconds))


@dataclass(frozen=True)
class GestureScheduled:
    """A gesture placed on the body's timeline (announced as a `gesture` event at its stroke)."""

    name: str
    take: Take | None  # the take whose word it strikes on; None for a gesture played on its own
    start: float
    stroke: float
    end: float


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


def check_gesture_word(take: Take | None, at_word: int, now_pts: float) -> Take:
    """The take a gesture may strike on word `at_word` of; ValueError saying why not."""
    if take is None:
        raise ValueError("at_word needs a take playing or queued, and the avatar has none")
    words = len(words_of(take.text))
    if at_word >= words:
        raise ValueError(f"at_word {at_word} is past the take's last word (it has {words})")
    placed = take.words()
    if take.start_pts is not None and at_word < len(placed) and take.start_pts + placed[at_word].start < now_pts:
        raise ValueError(f"word {at_word} of take {take.id} has already been spoken")
    return take


class AvatarBody:
    """One avatar's body: a layer (`apply(t, pose)` sets `pose.body`) that follows its timeline's takes.

    `now` gives the first pts not yet published (a gesture placed for a word already near eases in from there);
    `announce` is told of every gesture placed; `choir` poses it together with other avatars' bodies (None: alone,
    with its idle on `idles` if given).
    """

    def __init__(self, library: dict[str, MotionClip], now: Callable[[], float], seed: int = 0,
                 announce: Callable[[GestureScheduled], None] = lambda gesture: None,
                 idles: IdleChoir | None = None, choir: BodyChoir | None = None) -> None:
        self.library = library
        self.now = now
        self.seed = seed
        self.announce = announce
        self.idle = Idle(seed)
        choir = choir if choir is not None else BodyChoir(idles)
        self._idle = choir.idles.join(self.idle)
        self.gestures: list[_Gesture] = []
        self.speaking: list[_Speech] = []
        self.dances: dict[str, Dance] = {}  # by take id
        self.gaze: LookAtTrack | None = None
        self._marks_done: set[tuple[str, int]] = set()
        self._by_mark: dict[tuple[str, int], GestureScheduled] = {}
        self._clips_seen = 0
        self._takes: list[Take] = []  # the last two takes that started, newest last (marks, clips and dances)
        self._pose = choir.join(self)

    # -- requests -------------------------------------------------------------------------------------------------

    def gesture(self, name: str, now_pts: float) -> GestureScheduled:
        """Play a gesture as soon as it can land. Raises UnknownGesture for an unknown name."""
        return self._schedule(ClipInstance(get_gesture(name, self.library), now_pts), None, now_pts, name)

    def scheduled(self, take: Take, mark: int) -> GestureScheduled | None:
        """The gesture a take's gesture mark placed; None while its word is not synthesized yet."""
        return self._by_mark.get((take.id, mark))

    def look_at(self, pts: float, direction: tuple[float, float, float]) -> None:
        """Turn the chest (its share of a gaze shift) towards a direction in the avatar's frame from pts on."""
        keys = list(self.gaze.keys) if self.gaze is not None else [(pts, (0.0, 0.0, 1.0))]
        self.gaze = LookAtTrack([k for k in keys if k[0] <= pts] + [(pts, direction)])

    def dance(self, take: Take, dance: Dance) -> None:
        """Dance a dance take's moves while it plays."""
        self.dances[take.id] = dance

    # -- timelines -----------------------------------------------------------------------------------------------

    def _schedule(self, placed: ClipInstance, take: Take | None, now_pts: float, name: str) -> GestureScheduled:
        self.gestures.append(_Gesture(placed, take, max(now_pts, placed.start)))
        scheduled = GestureScheduled(name, take, placed.start, placed.stroke_time, placed.end)
        self.announce(scheduled)
        return scheduled

    def on_take(self, event: TakeEvent) -> None:
        """Set up what a started take has made known: its clips (beat gestures) and gesture marks whose words
        are placed (or after its last word, once synthesis is done)."""
        take = event.take
        if isinstance(event, TakeEnded):
            self._forget_marks(take)
            if take not in self._takes:  # failed before it started: its dance never plays
                self.dances.pop(take.id, None)
            return
        if isinstance(event, TakeStarted):
            for gone in self._takes[:-1]:  # it leaves the last two: its dance is never sampled again
                self.dances.pop(gone.id, None)
            self._takes = [*self._takes[-1:], take]
            for placed in take.clips:
                self._speak(take, placed.start, placed.clip.segment)
        elif take not in self._takes:
            return
        elif isinstance(event, ClipPlaced):
            self._speak(take, event.placed.start, event.placed.clip.segment)
        elif not isinstance(event, (MarkAdded, SynthesisDone)):
            return
        self._place_marks(take)

    def _forget_marks(self, take: Take) -> None:
        """A take left its timeline: no mark of it is placed or asked for again. Its gestures still playing hold it
        until they end (`pose` drops them), then nothing here does."""
        for key in [key for key in self._marks_done if key[0] == take.id]:
            self._marks_done.discard(key)
            self._by_mark.pop(key, None)

    def _speak(self, take: Take, start: float, segment: SpeechSegment) -> None:
        assert take.start_pts is not None
        self._clips_seen += 1
        if not segment.words:
            return  # no words, no beats nor talk: nothing to add (a live stream's clips come 50 a second)
        offset = take.start_pts + start
        motion = co_speech(segment.words, segment.phonemes, seed=self.seed + self._clips_seen)
        self.speaking.append(_Speech(motion, offset, take, offset + segment.duration + 1.0))

    def _place_marks(self, take: Take) -> None:
        now_pts = self.now()
        for i, mark in enumerate(take.marks):
            if mark.kind != "gesture" or (take.id, i) in self._marks_done:
                continue
            stroke = take.mark_pts(mark)
            if stroke is None:
                continue
            self._marks_done.add((take.id, i))
            if mark.name in self.library:
                instance = ClipInstance.at_stroke(self.library[mark.name], stroke)
                self._by_mark[(take.id, i)] = self._schedule(instance, take, now_pts, mark.name)

    # -- the frame ----------------------------------------------------------------------------------------------

    def pose(self, t: float) -> BodyPose:
        """The composited body at pts t."""
        return self._pose(t)

    def _below_speech(self, t: float) -> tuple[BodyPose, list[tuple[_Speech, float]]]:
        """The pose under the co-speech layers at t (idle, dance, gestures) and those layers with their weights."""
        pose = self._idle(t)
        for take in self._takes:
            dance = self.dances.get(take.id)
            if dance is not None and take.start_pts is not None:
                w = dance.weight(t - take.start_pts) * _release(take, t, DANCE_RELEASE_S)
                if w > 0.0:
                    pose = compose(pose, dance.sample(t - take.start_pts), _ALL, w)
        arms_taken = 0.0
        for g in self.gestures:
            w = g.weight(t)
            if w > 0.0:
                pose = compose(pose, g.placed.clip.sample(t - g.placed.start), g.placed.clip.mask, w)
                if (g.placed.clip.mask * _ARMS).any():
                    arms_taken = max(arms_taken, w)
        speech = []
        for s in self.speaking:
            w = (1.0 - arms_taken) * _release(s.take, t)
            if s.offset - 1.0 < t < s.end and w > 0.0:
                speech.append((s, w))
        return pose, speech

    def _above_speech(self, t: float, pose: BodyPose) -> BodyPose:
        """The chest's share of the gaze over the pose at t; then what has played out by t is forgotten."""
        if self.gaze is not None:
            pose = compose(pose, look_at(pose, self.gaze.direction(t)), _CHEST, 1.0)
        # Forget what has played out (frames are sampled in time order: nothing before t is asked again).
        if self.gaze is not None:
            self.gaze = self.gaze.played_out(t)
        self.gestures = [g for g in self.gestures if g.placed.end > t]
        self.speaking = [s for s in self.speaking if s.end > t]
        return pose

    def apply(self, t: float, pose: AvatarPose) -> None:
        pose.body = self.pose(t)


class BodyChoir:
    """The bodies of many avatars, posed together: the first body asked for a pts poses them all, the idles in one
    numpy pass and the co-speech layers of every body in one sampling pass and one blend per layer depth; the
    others get theirs. Only the last pts and its poses are kept (a memo of pure functions of t: a body gets what it
    would alone). The performer samples bodies after every avatar's timeline has advanced to the tick, so what
    any body knows of the frame is known when the first one is asked."""

    def __init__(self, idles: IdleChoir | None = None) -> None:
        self.idles = idles if idles is not None else IdleChoir()
        self._bodies: list[AvatarBody] = []
        self._t = math.nan
        self._poses: list[BodyPose] = []

    def join(self, body: AvatarBody) -> Callable[[float], BodyPose]:
        """Add a body; returns its sampler (pts -> that body's pose)."""
        i = len(self._bodies)
        self._bodies.append(body)
        self._t = math.nan
        return lambda t: self._sample(t)[i]

    def _sample(self, t: float) -> list[BodyPose]:
        if t != self._t:
            below = [body._below_speech(t) for body in self._bodies]
            poses = _with_speech([pose for pose, _ in below], [speech for _, speech in below], t)
            self._poses = [body._above_speech(t, pose) for body, pose in zip(self._bodies, poses, strict=True)]
            self._t = t
        return self._poses


def _with_speech(poses: list[BodyPose], speech: list[list[tuple[_Speech, float]]], t: float) -> list[BodyPose]:
    """Each pose with its co-speech layers added in order: every layer sampled in one pass, then the first layer of
    every pose blended in one batch, the second layer of the poses that have two in another, and so on."""
    layers = [(s, w) for mine in speech for s, w in mine]
    if not layers:
        return poses
    deltas = sample_many([s.motion for s, _ in layers], np.array([t - s.offset for s, _ in layers]))
    first = np.cumsum([0] + [len(mine) for mine in speech])  # each pose's first row of `deltas`
    poses = list(poses)
    for depth in range(max(len(mine) for mine in speech)):
        which = [i for i, mine in enumerate(speech) if len(mine) > depth]
        rows = [first[i] + depth for i in which]
        blended = compose_batch(PoseBatch(np.stack([poses[i].root for i in which]),
                                          np.stack([poses[i].rotations for i in which])),
                                PoseBatch(np.zeros((len(which), 3), dtype=np.float32), deltas[rows]), _SPEECH,
                                np.array([layers[r][1] for r in rows]), additive=True)
        for k, i in enumerate(which):
            poses[i] = blended[k]
    return poses
