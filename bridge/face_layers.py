"""The face around the mouth: expression, gaze, blinks and head motion of one avatar, as one performer layer.

It reads the avatar's takes (through the stage's speech layer) and turns them into an expression timeline:
the take's emotion from its start, each inline emotion tag from its word (a little ahead of it, as faces lead
speech), and a relaxed face again after the take. Around that it keeps the avatar alive: blinks, saccades, gaze
on a target (`look_at`), breathing, idle sway and the head motion the speech carries (nods, question tilts).

Composited before the speech layer, which keeps this expression on the mouth except where the lips must touch.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence

import numpy as np

from bridge.performer import FacePose, Performer, SpeechLayer
from bridge.takes import Take
from models.face import emotion
from models.face.arkit import INDEX
from models.face.emotion import HOLD_S, LEAD_S, RELAX_S, EmotionKey, EmotionTrack
from models.face.life import DEFAULT_TARGETS, Blinks, Gaze, Point, Sway, eye_look_weights, eyes_in_head, resolve_target

#: How long speech head motion takes to settle after a cut (s).
CUT_SETTLE_S = 0.3
_BLINKS = np.array([INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]])
_WIDE = np.array([INDEX["eyeWideLeft"], INDEX["eyeWideRight"]])


def take_emotion_keys(take: Take) -> list[EmotionKey]:
    """The expression a take asks for, as keys in pts, as far as its words are placed so far."""
    assert take.start_pts is not None
    keys = [EmotionKey(take.start_pts - LEAD_S, take.emotion or "neutral")]
    words = take.word_times()
    for mark in take.marks:
        if mark.kind != "emotion":
            continue
        if mark.word < len(words):
            at = take.start_pts + words[mark.word][0] - LEAD_S
        elif take.synthesis_done and words:  # a tag after the last word: when the speech ends
            at = take.start_pts + words[-1][1]
        else:
            continue  # its word is not synthesized yet
        keys.append(EmotionKey(max(at, keys[0].time), mark.name, mark.intensity))
    if take.cut_pts is not None:
        keys = [k for k in keys if k.time < take.cut_pts] + [EmotionKey(take.cut_pts, "neutral", ease=RELAX_S)]
    elif take.end_pts is not None:
        keys.append(EmotionKey(take.end_pts + HOLD_S, "neutral", ease=RELAX_S))
    return keys


class AvatarFace:
    """Expression, gaze, blinks and head of one avatar: a layer (`apply(t, pose)`) before the speech layer."""

    def __init__(self, speech: SpeechLayer, seed: int = 0, targets: Mapping[str, Point] | None = None) -> None:
        self.speech = speech
        self.targets = dict(DEFAULT_TARGETS if targets is None else targets)
        self.expression = EmotionTrack()
        self.blinks = Blinks(seed, rate=lambda t: emotion.blink_rate(self.expression.point(t)))
        self.gaze = Gaze(seed, self.blinks)
        self.sway = Sway(seed)
        self._takes: deque[Take] = deque(maxlen=2)  # the current take and the one before (its head motion tail)
        self._earlier: list[EmotionKey] = []  # keys of takes before the current one
        self._synced: tuple[object, ...] | None = None

    def look_at(self, t: float, target: str | Sequence[float]) -> Point:
        """Look at a named target or an [x, y, z] point from t on. Raises ValueError for an unknown target."""
        point = resolve_target(target, self.targets)
        self.gaze.look_at(t, point)
        return point

    def _sync(self) -> None:
        """Rebuild the expression timeline when the take or what is known of it changed."""
        take = self.speech.take
        if take is None or take.start_pts is None:
            return
        state = (take.id, len(take.clips), take.synthesis_done, take.cut_pts)
        if state == self._synced:
            return
        if not self._takes or self._takes[-1] is not take:
            # A new take: what earlier takes asked for stands until its own first key.
            start = take.start_pts - LEAD_S
            self._earlier = [k for k in self.expression.keys if k.time < start]
            self._takes.append(take)
        self._synced = state
        self.expression = EmotionTrack(self._earlier + take_emotion_keys(take))

    def _speech_head(self, t: float) -> np.ndarray:
        """Head motion the speech adds at t: every recent clip whose head track covers t (tracks outlast audio)."""
        head = np.zeros(3)
        for take in self._takes:
            if take.start_pts is None:
                continue
            settle = 1.0
            if take.cut_pts is not None:
                settle = float(np.clip(1.0 - (t - take.cut_pts) / CUT_SETTLE_S, 0.0, 1.0))
                if settle == 0.0:
                    continue
            local = t - take.start_pts
            for placed in take.clips:
                into = local - placed.start
                if 0.0 <= into <= placed.clip.head.duration:
                    head += settle * placed.clip.head.sample(into)
        return head

    def apply(self, t: float, pose: FacePose) -> None:
        self._sync()
        point = self.expression.point(t)
        pose.weights += emotion.pose(point)
        head = self.sway.head(t) + self._speech_head(t) + emotion.head_bias(point)
        head[:2] += self.gaze.head(t)
        pose.head += head.astype(np.float32)
        eyes = eyes_in_head(self.gaze.eyes_in_world(t) + np.tile(emotion.gaze_bias(point), 2), pose.head)
        pose.eyes[:] = eyes
        eye_look_weights(eyes, pose.weights)
        closure = self.blinks.closure(t)
        pose.weights[_BLINKS] = np.maximum(pose.weights[_BLINKS], closure)
        pose.weights[_WIDE] *= 1.0 - closure


def add_faces(performer: Performer, targets: Mapping[str, Point] | None = None, seed: int = 0,
              seeds: Mapping[str, int] | None = None,
              avatar_targets: Mapping[str, Mapping[str, Point]] | None = None) -> dict[str, AvatarFace]:
    """Give every avatar of a performer its face layer (seeded per avatar, so two hosts never blink in step).

    Avatar i gets `seeds[name]`, else seed + 7919 * i, and `targets` (default: DEFAULT_TARGETS) with its own
    `avatar_targets[name]` on top.
    """
    faces = {}
    for i, (name, stage) in enumerate(performer.stages.items()):
        own = {**(DEFAULT_TARGETS if targets is None else targets), **(avatar_targets or {}).get(name, {})}
        faces[name] = AvatarFace(stage.speech, (seeds or {}).get(name, seed + 7919 * i), own)
        stage.layers.append(faces[name])
    return faces
