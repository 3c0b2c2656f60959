"""One avatar's body as one layer: idle, gestures, speech beats, the chest turning with `look_at`, and dance
takes, composited into one `BodyPose` per frame.

Bottom to top (docs/body.md): idle (the base) → the dance of a dance take (whole body) → gestures (their own
joints: the op, and `<gesture>` tags with the stroke on the tagged word) → beat gestures and hand motion while
speaking (additive, yielding to a gesture that owns the arms) → the chest's share of the gaze. Everything is
sampled at the frame's pts from timelines set up ahead, when the avatar's timeline says what changed
(`on_take`); a cut take releases its gestures, beats and dance over BODY_RELEASE_S.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from models.body.cospeech import CoSpeech, co_speech
from models.body.dance import Dance
from models.body.gestures import get_gesture
from models.body.idle import Idle, IdleChoir
from models.body.lookat import LookAtTrack, look_at
from models.body.pose import BodyPose, ClipInstance, MotionClip, compose, smoothstep
from models.body.skeleton import mask
from models.layers import AvatarPose
from models.take import ClipPlaced, MarkAdded, SynthesisDone, Take, TakeEnded, TakeEvent, TakeStarted
from models.tts import SpeechSegment, words_of

#: How long gestures, beats and a dance take to let go after their take is cut (s).
BODY_RELEASE_S = 0.3
#: A gesture scheduled after its own start (its stroke is near) eases in over at most this long (s).
LATE_EASE_S = 0.25
_ALL = mask("all")
_ARMS = mask("arms")
_SPEECH = mask("arms", "head")
_CHEST = mask("spine")


def _release(take: Take | None, t: float) -> float:
    """1 until the take is cut, then easing to 0 over BODY_RELEASE_S."""
    if take is None or take.cut_pts is None:
        return 1.0
    return float(smoothstep(1.0 - (t - take.cut_pts) / BODY_RELEASE_S))


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
    `announce` is told of every gesture placed; `idles` samples its idle together with other avatars' (None: alone).
    """

    def __init__(self, library: dict[str, MotionClip], now: Callable[[], float], seed: int = 0,
                 announce: Callable[[GestureScheduled], None] = lambda gesture: None,
                 idles: IdleChoir | None = None) -> None:
        self.library = library
        self.now = now
        self.seed = seed
        self.announce = announce
        self.idle = Idle(seed)
        self._idle = idles.join(self.idle) if idles is not None else self.idle.sample
        self.gestures: list[_Gesture] = []
        self.speaking: list[_Speech] = []
        self.dances: dict[str, Dance] = {}  # by take id
        self.gaze: LookAtTrack | None = None
        self._marks_done: set[tuple[str, int]] = set()
        self._by_mark: dict[tuple[str, int], GestureScheduled] = {}
        self._clips_seen = 0
        self._takes: list[Take] = []  # the last two takes that started, newest last (marks, clips and dances)

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
        pose = self._idle(t)
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
        # Forget what has played out (frames are sampled in time order: nothing before t is asked again).
        if self.gaze is not None:
            self.gaze = self.gaze.played_out(t)
        self.gestures = [g for g in self.gestures if g.placed.end > t]
        self.speaking = [s for s in self.speaking if s.end > t]
        return pose

    def apply(self, t: float, pose: AvatarPose) -> None:
        pose.body = self.pose(t)
