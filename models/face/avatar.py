"""One avatar's face as two layers: the face around the mouth (`AvatarFace`) and the mouth (`MouthLayer`).

`AvatarFace` turns the avatar's takes into an expression timeline: the take's emotion from its start, each inline
emotion tag from its word (a little ahead of it, as faces lead speech), and a relaxed face again after the take.
Around that it keeps the avatar alive: blinks, saccades, gaze on a target (`look_at`), breathing, idle sway and
the head motion the speech carries (nods, question tilts).

`MouthLayer` plays the mouth curves of the take sounding (its face driver's, models/face/drivers.py), keeping
the expression below on top of them except where the lips must touch, and relaxes after a cut. It is
composited after `AvatarFace`.

Both learn about takes from their timeline's events (`on_take`) and are pure functions of t at the tick.
The faces of a performer's avatars are sampled together (`FaceChoir`): one numpy pass over an avatars axis composes
them all, the first time any is asked for a pts.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from models.face import emotion
from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.emotion import HOLD_S, LEAD_S, RELAX_S, EmotionKey, EmotionTrack, layer_on_speech
from models.face.life import (
    DEFAULT_TARGETS,
    Blinks,
    Gaze,
    Point,
    Sway,
    Sways,
    eye_look_weights,
    eyes_in_head,
    gazes_eyes,
    gazes_heads,
    resolve_target,
)
from models.layers import AvatarPose
from models.take import ClipPlaced, SynthesisDone, Take, TakeCut, TakeEvent, TakeStarted

#: Face channels the mouth layer owns: jaw, mouth and tongue.
MOUTH_CHANNELS = np.array([i for name, i in INDEX.items() if name.startswith(("jaw", "mouth", "tongue"))])
#: How long the mouth takes to relax after its take is cut (s).
MOUTH_RELEASE_S = 0.08
#: How long speech head motion takes to settle after its take is cut (s).
HEAD_SETTLE_S = 0.3
_BLINKS = np.array([INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]])
_WIDE = np.array([INDEX["eyeWideLeft"], INDEX["eyeWideRight"]])


def take_emotion_keys(take: Take) -> list[EmotionKey]:
    """The expression a take asks for, as keys in pts, as far as its words are placed so far."""
    assert take.start_pts is not None
    keys = [EmotionKey(take.start_pts - LEAD_S, take.emotion or "neutral")]
    for mark in take.marks:
        if mark.kind != "emotion":
            continue
        at = take.mark_pts(mark, lead=LEAD_S)
        if at is not None:  # else its word is not synthesized yet
            keys.append(EmotionKey(max(at, keys[0].time), mark.name, mark.intensity))
    if take.cut_pts is not None:
        keys = [k for k in keys if k.time < take.cut_pts] + [EmotionKey(take.cut_pts, "neutral", ease=RELAX_S)]
    elif take.end_pts is not None:
        keys.append(EmotionKey(take.end_pts + HOLD_S, "neutral", ease=RELAX_S))
    return keys


def _first_needed(keys: Sequence[EmotionKey], t: float) -> int:
    """Index of the first of time-ordered `keys` the expression at t and after depends on: the last key in
    effect by t whose ease is over before anything samples it (by t, and by the next key, which eases from where
    it left the face). From it on, every earlier key is played out: a track of the keys from it on gives the same
    point at every pts from t on (to the last bit of rounding: the eased-out start is neutral instead)."""
    for i in range(len(keys) - 1, -1, -1):
        key = keys[i]
        if key.time > t:
            continue
        settled = key.time + key.ease
        if settled <= t and (i + 1 == len(keys) or settled <= keys[i + 1].time):
            return i
    return 0


class MouthLayer:
    """Mouth curves of the take sounding at t over the expression below (models.face.emotion.layer_on_speech)."""

    def __init__(self) -> None:
        self.take: Take | None = None  # the take started last
        self.before: Take | None = None  # the one before: it sounds until the last one's first sample

    def on_take(self, event: TakeEvent) -> None:
        if isinstance(event, TakeStarted):
            self.take, self.before = event.take, self.take

    def apply(self, t: float, pose: AvatarPose) -> None:
        # A take starts at the end of the one before within a tick: for the frames before that, the one before.
        found, take = None, None
        for take in (self.take, self.before):
            if take is not None and (found := take.clip_at(t)) is not None:
                break
        if found is None or take is None:
            return
        placed, local = found
        envelope = 1.0
        if take.cut_pts is not None:
            envelope = float(np.clip(1.0 - (t - take.cut_pts) / MOUTH_RELEASE_S, 0.0, 1.0))
        if envelope > 0.0:
            face = pose.face
            spoken = layer_on_speech(face.weights, placed.clip.mouth.sample(local),
                                     float(placed.clip.contact.sample(local)[0]))
            face.weights[MOUTH_CHANNELS] += envelope * (spoken[MOUTH_CHANNELS] - face.weights[MOUTH_CHANNELS])


class AvatarFace:
    """Expression, gaze, blinks and head of one avatar: the face's first layer (it sets the face; the mouth and the
    rest go on top). `choir`: the faces it is sampled with (None: a choir of its own)."""

    def __init__(self, seed: int = 0, targets: Mapping[str, Point] | None = None,
                 choir: FaceChoir | None = None) -> None:
        self.targets = dict(DEFAULT_TARGETS if targets is None else targets)
        self.expression = EmotionTrack()
        self.blinks = Blinks(seed, rate=lambda t: emotion.blink_rate(self.expression.point(t)))
        self.gaze = Gaze(seed, self.blinks)
        self.sway = Sway(seed)
        self._takes: deque[Take] = deque(maxlen=2)  # the current take and the one before (its head motion tail)
        self._earlier: list[EmotionKey] = []  # keys of takes before the current one that still shape the face
        self._sampled = -math.inf  # the last pts applied: frames go in time order, none before it comes again
        self._sample = (choir if choir is not None else FaceChoir()).join(self)

    def look_at(self, t: float, target: str | Sequence[float]) -> Point:
        """Look at a named target or an [x, y, z] point from t on. Raises ValueError for an unknown target."""
        point = resolve_target(target, self.targets)
        self.gaze.look_at(t, point)
        return point

    def on_take(self, event: TakeEvent) -> None:
        """Rebuild the expression timeline when a take starts or what is known of the current one changes."""
        take = event.take
        if isinstance(event, TakeStarted):
            # A new take: what earlier takes asked for stands until its own first key.
            assert take.start_pts is not None
            start = take.start_pts - LEAD_S
            earlier = [k for k in self.expression.keys if k.time < start]
            self._earlier = earlier[_first_needed(earlier + take_emotion_keys(take), self._sampled):]
            self._takes.append(take)
        elif not (self._takes and take is self._takes[-1] and isinstance(event, (ClipPlaced, SynthesisDone,
                                                                                  TakeCut))):
            return
        self.expression = EmotionTrack(self._earlier + take_emotion_keys(take))

    def _speech_head(self, t: float) -> np.ndarray:
        """Head motion the speech adds at t: every recent clip whose head track covers t (tracks outlast audio)."""
        head = np.zeros(3)
        for take in self._takes:
            assert take.start_pts is not None
            settle = 1.0
            if take.cut_pts is not None:
                settle = float(np.clip(1.0 - (t - take.cut_pts) / HEAD_SETTLE_S, 0.0, 1.0))
                if settle == 0.0:
                    continue
            local = t - take.start_pts
            for placed in take.clips:
                into = local - placed.start
                if 0.0 <= into <= placed.clip.head.duration:
                    head += settle * placed.clip.head.sample(into)
        return head

    def apply(self, t: float, pose: AvatarPose) -> None:
        weights, head, eyes = self._sample(t)
        face = pose.face
        face.weights[:], face.head[:], face.eyes[:] = weights, head, eyes


class FaceChoir:
    """The faces of many avatars, sampled together: the first face asked for a pts samples every face's expression,
    blinks and gaze and composes them all in one numpy pass; each face gets its row. Only the last pts and its faces
    are kept (a memo of pure functions of t: a face gets what it would alone). The performer samples faces after
    every avatar's timeline has advanced to the tick, so what any face knows of the frame is known when the first
    one is asked."""

    def __init__(self) -> None:
        self._faces: list[AvatarFace] = []
        self._sways: Sways | None = None
        self._t = math.nan
        self._rows: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def join(self, face: AvatarFace) -> Callable[[float], tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Add a face; returns its sampler (pts -> that face's blendshape weights, head and eyes)."""
        i = len(self._faces)
        self._faces.append(face)
        self._sways, self._t = None, math.nan
        return lambda t: tuple(rows[i] for rows in self._sample(t))  # type: ignore[return-value]

    def _sample(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if t != self._t or self._rows is None:
            if self._sways is None:
                self._sways = Sways([face.sway for face in self._faces])
            self._rows, self._t = _compose(self._faces, self._sways, t), t
        return self._rows


def _compose(faces: Sequence[AvatarFace], sways: Sways, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[N, 52] weights, [N, 3] head and [N, 4] eyes (float32) of the faces at t. The emotion points go through
    their tables one face at a time: a matrix product of a stack rounds differently than one of a row."""
    for face in faces:
        face._sampled = t
    points = [face.expression.point(t) for face in faces]
    weights = np.zeros((len(faces), NUM_BLENDSHAPES), dtype=np.float32)
    weights += np.array([emotion.pose(point) for point in points])
    head = sways.head(t) + np.array([face._speech_head(t) for face in faces])
    head += np.array([emotion.head_bias(point) for point in points])
    gazes = [face.gaze for face in faces]
    head[:, :2] += gazes_heads(gazes, t)
    head32 = np.zeros((len(faces), 3), dtype=np.float32)
    head32 += head.astype(np.float32)
    bias = np.array([emotion.gaze_bias(point) for point in points])
    eyes = eyes_in_head(gazes_eyes(gazes, t) + np.concatenate((bias, bias), axis=1), head32)
    eye_look_weights(eyes, weights)
    closure = np.array([face.blinks.closure(t) for face in faces])
    weights[:, _BLINKS] = np.maximum(weights[:, _BLINKS], closure.astype(np.float32)[:, None])
    weights[:, _WIDE] *= (1.0 - closure).astype(np.float32)[:, None]
    return weights, head32, eyes.astype(np.float32)
