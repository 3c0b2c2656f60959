"""Emotions: a facial pose and a voice style for each, and a timeline that eases between them.

An emotion at an intensity (0..1) is a point in a small space: one intensity per emotion name. The face is that
point times the pose table (so halfway between happy and sad is half of each pose), the voice is the neutral
style moved towards each emotion's style, and transitions move the point smoothly. Poses are layered on speech
by `layer_on_speech`, which never lets an expression pull a lip contact open.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.curves import smoothstep
from models.tts import VoiceStyle

#: Emotion names accepted by `say` and inline tags.
EMOTIONS: tuple[str, ...] = ("neutral", "happy", "excited", "sad", "surprised", "angry", "thinking")


def check_emotion(name: str, intensity: float = 1.0) -> None:
    """Raise ValueError naming the problem when an emotion or its intensity is not accepted."""
    if name not in EMOTIONS:
        raise ValueError(f"unknown emotion {name!r}; known: {', '.join(EMOTIONS)}")
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"emotion intensity must be between 0 and 1, got {intensity}")


#: Shapes only speech makes (lip contact, tongue): no pose uses them, so an expression cannot fight a closure.
SPEECH_ONLY: frozenset[str] = frozenset({"mouthRollLower", "mouthRollUpper", "mouthClose", "mouthShrugUpper",
                                         "tongueOut"})

def _both(name: str, value: float) -> dict[str, float]:
    return {f"{name}Left": value, f"{name}Right": value}


#: Each emotion's face at full intensity (ARKit weights). Eye-look channels are the gaze's, never a pose's.
POSES: dict[str, dict[str, float]] = {
    "neutral": {},
    "happy": {**_both("mouthSmile", 0.55), **_both("cheekSquint", 0.35), **_both("eyeSquint", 0.25),
              **_both("mouthDimple", 0.15), "browInnerUp": 0.1},
    "excited": {**_both("mouthSmile", 0.7), **_both("cheekSquint", 0.4), **_both("eyeWide", 0.35),
                **_both("browOuterUp", 0.45), "browInnerUp": 0.35, "jawOpen": 0.08, **_both("mouthUpperUp", 0.1)},
    "sad": {"browInnerUp": 0.65, **_both("browDown", 0.15), **_both("mouthFrown", 0.5), **_both("eyeSquint", 0.1),
            "mouthShrugLower": 0.25, **_both("mouthPress", 0.1)},
    "surprised": {"browInnerUp": 0.7, **_both("browOuterUp", 0.75), **_both("eyeWide", 0.6), "jawOpen": 0.2,
                  "mouthFunnel": 0.1},
    "angry": {**_both("browDown", 0.75), **_both("noseSneer", 0.35), **_both("eyeSquint", 0.4),
              **_both("mouthPress", 0.35), **_both("mouthFrown", 0.2), **_both("cheekSquint", 0.2),
              "jawForward": 0.1},
    "thinking": {"browDownLeft": 0.35, "browOuterUpRight": 0.35, "browInnerUp": 0.2, **_both("eyeSquint", 0.2),
                 **_both("mouthPress", 0.3), "mouthLeft": 0.15},
}

#: Each emotion's voice at full intensity: Piper's length scale (> 1 slower), noise scale (livelier
#: intonation), noise_w scale (freer timing) and volume. Neutral is Piper's own defaults at 80 % volume, which
#: leaves headroom for excitement and anger to be louder.
VOICE_STYLES: dict[str, VoiceStyle] = {
    "neutral": VoiceStyle(length_scale=1.0, noise_scale=0.667, noise_w_scale=0.8, volume=0.8),
    "happy": VoiceStyle(length_scale=0.95, noise_scale=0.75, noise_w_scale=0.85, volume=0.9),
    "excited": VoiceStyle(length_scale=0.85, noise_scale=0.85, noise_w_scale=0.9, volume=1.0),
    "sad": VoiceStyle(length_scale=1.2, noise_scale=0.5, noise_w_scale=0.6, volume=0.55),
    "surprised": VoiceStyle(length_scale=0.95, noise_scale=0.85, noise_w_scale=0.9, volume=0.95),
    "angry": VoiceStyle(length_scale=0.92, noise_scale=0.8, noise_w_scale=0.7, volume=1.0),
    "thinking": VoiceStyle(length_scale=1.12, noise_scale=0.6, noise_w_scale=0.9, volume=0.7),
}

#: How much faster than at rest each emotion blinks (excitement and surprise blink more; thought stares).
BLINK_RATE: dict[str, float] = {"neutral": 1.0, "happy": 1.15, "excited": 1.7, "sad": 0.85, "surprised": 1.4,
                                "angry": 1.2, "thinking": 0.7}

#: Where each emotion turns the eyes (yaw, pitch; radians, docs/face.md axes): thought looks up and aside,
#: sadness down. Added to the gaze target.
GAZE_BIAS: dict[str, tuple[float, float]] = {"thinking": (math.radians(12.0), math.radians(-10.0)),
                                             "sad": (0.0, math.radians(8.0))}
#: How each emotion holds the head (yaw, pitch, roll; radians): sad and angry drop the chin, excitement and
#: surprise lift it, thought tilts it.
HEAD_BIAS: dict[str, tuple[float, float, float]] = {
    "happy": (0.0, math.radians(-1.0), math.radians(2.0)), "excited": (0.0, math.radians(-2.5), 0.0),
    "sad": (0.0, math.radians(5.0), 0.0), "surprised": (0.0, math.radians(-3.0), 0.0),
    "angry": (0.0, math.radians(3.0), 0.0), "thinking": (math.radians(3.0), math.radians(-2.0), math.radians(4.0)),
}

#: Time an expression takes to ease in or change (s), how far it leads its word (faces lead speech), how long it
#: holds after the last word, and how long it takes to relax afterwards.
EASE_S = 0.35
LEAD_S = 0.1
HOLD_S = 0.5
RELAX_S = 0.8


def _pose_matrix() -> np.ndarray:
    matrix = np.zeros((len(EMOTIONS), NUM_BLENDSHAPES), dtype=np.float64)
    for row, name in enumerate(EMOTIONS):
        for channel, weight in POSES[name].items():
            if channel in SPEECH_ONLY or channel.startswith("eyeLook"):
                raise ValueError(f"pose {name!r} uses {channel}, which belongs to speech or gaze")
            matrix[row, INDEX[channel]] = weight
    return matrix


POSE_MATRIX = _pose_matrix()
_BLINK_RATES = np.array([BLINK_RATE[name] for name in EMOTIONS])
_GAZE_BIAS = np.array([GAZE_BIAS.get(name, (0.0, 0.0)) for name in EMOTIONS])
_HEAD_BIAS = np.array([HEAD_BIAS.get(name, (0.0, 0.0, 0.0)) for name in EMOTIONS])
_EMOTION_INDEX = {name: i for i, name in enumerate(EMOTIONS)}


def mix(name: str, intensity: float = 1.0) -> np.ndarray:
    """The point of one emotion at an intensity (one value per name in EMOTIONS)."""
    check_emotion(name, intensity)
    point = np.zeros(len(EMOTIONS))
    point[_EMOTION_INDEX[name]] = intensity
    return point


def pose(point: np.ndarray) -> np.ndarray:
    """ARKit weights of an emotion point."""
    return (point @ POSE_MATRIX).astype(np.float32)


def blink_rate(point: np.ndarray) -> float:
    """Blink rate relative to rest for an emotion point (intensity 0 of anything blinks at rest)."""
    return float(1.0 + point @ (_BLINK_RATES - 1.0))


def gaze_bias(point: np.ndarray) -> np.ndarray:
    """[yaw, pitch] an emotion point adds to the gaze."""
    return point @ _GAZE_BIAS


def head_bias(point: np.ndarray) -> np.ndarray:
    """[yaw, pitch, roll] an emotion point adds to the head."""
    return point @ _HEAD_BIAS


def voice_style(name: str, intensity: float = 1.0, own: VoiceStyle = VoiceStyle()) -> VoiceStyle:
    """The voice of an emotion at an intensity: neutral's style moved that far towards the emotion's. `own` is the
    avatar's own voice (its persona's or config's settings): its scales take the place of neutral's, every emotion
    moving from them in the same proportion, and its volume is a gain on top."""
    check_emotion(name, intensity)
    base, full = VOICE_STYLES["neutral"], VOICE_STYLES[name]

    def lerp(a: float | None, b: float | None, mine: float | None) -> float | None:
        if a is None or b is None:
            return mine
        return round((a + intensity * (b - a)) * (1.0 if mine is None else mine / a), 4)

    return VoiceStyle(length_scale=lerp(base.length_scale, full.length_scale, own.length_scale),
                      noise_scale=lerp(base.noise_scale, full.noise_scale, own.noise_scale),
                      noise_w_scale=lerp(base.noise_w_scale, full.noise_w_scale, own.noise_w_scale),
                      volume=round(float(lerp(base.volume, full.volume, None) or 0.0) * own.volume, 4),
                      emotion=name if name != "neutral" and intensity > 0 else None)


@dataclass(frozen=True)
class EmotionKey:
    """At `time` (s) the face starts moving to `name` at `intensity`, arriving `ease` seconds later."""

    time: float
    name: str
    intensity: float = 1.0
    ease: float = EASE_S

    def __post_init__(self) -> None:
        check_emotion(self.name, self.intensity)
        if self.ease <= 0.0:
            raise ValueError(f"ease must be positive, got {self.ease}")


class EmotionTrack:
    """The emotion point over time: neutral before the first key; each key eases from wherever the face was
    at its time (so a change in the middle of a transition never jumps). A pure function of t."""

    def __init__(self, keys: Sequence[EmotionKey] = ()) -> None:
        self.keys = sorted(keys, key=lambda k: k.time)
        self._times = [k.time for k in self.keys]
        self._targets = [mix(k.name, k.intensity) for k in self.keys]
        self._starts: list[np.ndarray] = []
        point = np.zeros(len(EMOTIONS))
        for i, key in enumerate(self.keys):
            if i:
                point = self._eased(i - 1, key.time)
            self._starts.append(point)

    def _eased(self, i: int, t: float) -> np.ndarray:
        key = self.keys[i]
        amount = float(smoothstep((t - key.time) / key.ease))
        return self._starts[i] + amount * (self._targets[i] - self._starts[i])

    def point(self, t: float) -> np.ndarray:
        """The emotion point at t."""
        i = bisect.bisect_right(self._times, t) - 1
        return np.zeros(len(EMOTIONS)) if i < 0 else self._eased(i, t)

    def sample(self, t: float) -> np.ndarray:
        """ARKit weights of the expression at t."""
        return pose(self.point(t))


#: Expression shapes that part the lips: they yield entirely to a lip contact.
_OPENS_LIPS = np.zeros(NUM_BLENDSHAPES, dtype=np.float32)
for _name in ("jawOpen", "mouthFunnel", "mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft",
              "mouthUpperUpRight", "mouthStretchLeft", "mouthStretchRight"):
    _OPENS_LIPS[INDEX[_name]] = 1.0


def layer_on_speech(expression: np.ndarray, speech: np.ndarray, contact: float) -> np.ndarray:
    """Speech mouth shapes with an expression added on top (a smile stays a smile while talking), except that
    whatever would part the lips fades out while they must touch (`contact` 0..1), so closures hold."""
    return np.clip(speech + expression * (1.0 - contact * _OPENS_LIPS), 0.0, 1.0)
