"""Life: what a face does on its own, as functions of time from a seed.

- Blinks at random intervals (lognormal around BLINK_MEAN_S, clipped to BLINK_INTERVAL_S at rest), more often
  when the emotion says so, and on large gaze shifts.
- Gaze: fixations on a target (the camera, a named target, a point), small saccades around it; on a big shift the
  head turns a share of the way, and the eyes counter-rotate so they stay on target whatever the head does.
- Breathing and a slow idle sway of the head.

Each is deterministic for its seed and its inputs: sampled at increasing times (the performer's tick, an offline
render) it gives the same result every run. Random events are drawn in time order and kept as they are drawn.

Axes are ARKit's face frame, in metres from the point between the eyes: +x towards the viewer's right (the
avatar's left), +y up, +z out of the face towards the viewer. Rotations are radians: yaw about +y (+ looks to the
avatar's left), pitch about +x (+ looks down), roll about +z (+ tilts towards the avatar's right shoulder).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from models.dialogue.spec import Node
from models.face.arkit import INDEX
from models.face.curves import smoothstep

Point = tuple[float, float, float]

#: Where the camera is by default: a metre in front of the face.
CAMERA: Point = (0.0, 0.0, 1.0)
#: Targets every avatar knows; `serve --gaze-target NAME=X,Y,Z` adds or moves some.
DEFAULT_TARGETS: dict[str, Point] = {
    "camera": CAMERA,
    "audience": (0.0, -0.1, 3.0),  # the room beyond the camera
    "product": (-0.3, -0.45, 0.5),  # low, at the avatar's right hand: where a product is shown
}
#: Half the distance between the pupils (m): the eyes converge on near points.
EYE_HALF_SPAN = 0.032

#: Mean interval between blinks at rest (s), the clipped range at rest, and the blink's shape (s).
BLINK_MEAN_S, BLINK_INTERVAL_S = 3.6, (1.2, 8.0)
BLINK_CLOSE_S, BLINK_HOLD_S, BLINK_OPEN_S = 0.07, 0.03, 0.15
#: A blink is never forced within this long of the previous one.
BLINK_MIN_GAP_S = 0.6
#: Gaze shifts larger than this come with a blink.
BLINK_SHIFT_RAD = math.radians(12.0)

#: Saccades around a fixation: how far (radians, yaw and pitch sigma) and how often (mean interval, s).
SACCADE_RAD = (math.radians(1.4), math.radians(0.9))
SACCADE_MEAN_S, SACCADE_INTERVAL_S = 1.1, (0.3, 3.0)
#: A saccade's duration: a constant plus a slope per radian (about 2.2 ms per degree, the main sequence).
SACCADE_BASE_S, SACCADE_PER_RAD = 0.03, 0.126
#: Share of a gaze shift the head takes (yaw, pitch), when it starts after the eyes and how long it takes.
HEAD_SHARE = (0.45, 0.3)
HEAD_DELAY_S, HEAD_TURN_S = 0.04, 0.5
#: Eye rotation limits in the head (radians): sideways, up, down.
EYE_YAW_LIMIT, EYE_UP_LIMIT, EYE_DOWN_LIMIT = math.radians(30.0), math.radians(25.0), math.radians(30.0)

#: Breathing: period (s) and the chin's lift on an in-breath (radians); idle sway amplitudes (yaw, pitch, roll).
BREATH_PERIOD_S, BREATH_RAD = 4.2, math.radians(0.5)
SWAY_RAD = (math.radians(1.5), math.radians(0.8), math.radians(0.8))


def _interval(rng: np.random.Generator, mean: float, limits: tuple[float, float]) -> float:
    return float(np.clip(rng.lognormal(math.log(mean), 0.4), *limits))


def read_targets(node: Node) -> dict[str, Point]:
    """Named gaze targets from a YAML mapping `NAME: [x, y, z]` (a sidecar config's or a rundown's host's); raises
    SpecError at the bad entry."""
    targets: dict[str, Point] = {}
    for name, child in node.mapping().items():
        point = [value.number() for value in child.items(3)]
        try:
            targets[name] = resolve_target(point, {})
        except ValueError as exc:
            raise child.error(f"{exc}, got {point}") from None
    return targets


def resolve_target(target: str | Sequence[float], targets: Mapping[str, Point]) -> Point:
    """A named target or an [x, y, z] point (metres, face frame). Raises ValueError naming what is wrong."""
    if isinstance(target, str):
        if target not in targets:
            raise ValueError(f"unknown gaze target {target!r}; known: {', '.join(sorted(targets))}, or a point "
                             "[x, y, z] in metres")
        return targets[target]
    values = list(target)
    if len(values) != 3 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                                   for v in values):
        raise ValueError("a gaze point must be 3 finite numbers [x, y, z] in metres")
    if values[2] <= 0.05:
        raise ValueError(f"a gaze point must be in front of the face (z > 0.05 m), got z = {values[2]}")
    if math.dist(values, (0.0, 0.0, 0.0)) > 1000.0:
        raise ValueError("a gaze point must be within 1000 m")
    return (float(values[0]), float(values[1]), float(values[2]))


def eye_angles(point: Point) -> np.ndarray:
    """[left yaw, left pitch, right yaw, right pitch] of both eyes looking at a point (the eyes converge)."""
    x, y, z = point
    angles = []
    for eye_x in (EYE_HALF_SPAN, -EYE_HALF_SPAN):  # the left eye sits at the avatar's left: +x
        dx = x - eye_x
        angles += [math.atan2(dx, z), math.atan2(-y, math.hypot(dx, z))]
    return np.array(angles)


class Blinks:
    """Blink times drawn from a seed as time goes on; `closure(t)` is how shut the eyelids are (0..1)."""

    def __init__(self, seed: int, rate: Callable[[float], float] | None = None) -> None:
        self._rng = np.random.default_rng(seed)
        self._rate = rate or (lambda t: 1.0)
        self.times: list[float] = []  # blink starts, kept while they may still show
        self._next: float | None = None

    def _draw(self, after: float) -> float:
        return after + _interval(self._rng, BLINK_MEAN_S, BLINK_INTERVAL_S) / max(self._rate(after), 0.1)

    def _advance(self, t: float) -> None:
        if self._next is None:
            self._next = self._draw(t)
        while self._next <= t:
            self.times.append(self._next)
            self._next = self._draw(self._next)
        if len(self.times) > 64:
            del self.times[:-8]

    def force(self, t: float) -> None:
        """Blink at t (a gaze shift), unless one is that close already; the random timer restarts from it."""
        self._advance(t)
        if self.times and t - self.times[-1] < BLINK_MIN_GAP_S:
            return
        self.times.append(t)
        self._next = self._draw(t)

    def closure(self, t: float) -> float:
        self._advance(t)
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0:
            return 0.0
        x = t - self.times[i]
        if x < BLINK_CLOSE_S:
            return float(smoothstep(x / BLINK_CLOSE_S))
        if x < BLINK_CLOSE_S + BLINK_HOLD_S:
            return 1.0
        return 1.0 - float(smoothstep((x - BLINK_CLOSE_S - BLINK_HOLD_S) / BLINK_OPEN_S))


@dataclass(frozen=True)
class GazeKey:
    """From `time` on, look at `point`."""

    time: float
    point: Point
    #: The eyes' angles at the point and the head's share of them: fixed per key, so worked out once.
    eyes: np.ndarray = field(init=False, repr=False, compare=False)
    head: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "eyes", eye_angles(self.point))
        object.__setattr__(self, "head", _head_for(_direction(self.eyes)))


class Gaze:
    """Where the eyes and the head point: fixations on targets with saccades around them."""

    def __init__(self, seed: int, blinks: Blinks | None = None, point: Point = CAMERA) -> None:
        self._rng = np.random.default_rng(seed + 1)
        self.blinks = blinks
        self.keys: list[GazeKey] = [GazeKey(-math.inf, point)]
        self._saccades: list[tuple[float, np.ndarray]] = [(-math.inf, np.zeros(2))] * 2
        self._next_saccade: float | None = None

    def look_at(self, t: float, point: Point) -> None:
        """Shift the gaze to a point at t (never before the last shift); a big shift comes with a blink."""
        t = max(t, self.keys[-1].time)
        before = eye_angles(self._point_at(t))
        self.keys.append(GazeKey(t, point))
        del self.keys[:-4]  # only the last shifts can still be moving
        shift = float(np.abs(eye_angles(point) - before).max())
        if self.blinks is not None and shift > BLINK_SHIFT_RAD:
            self.blinks.force(t)

    def _point_at(self, t: float) -> Point:
        i = bisect.bisect_right([k.time for k in self.keys], t) - 1
        return self.keys[max(i, 0)].point

    def _shift(self, t: float) -> tuple[GazeKey, GazeKey, float]:
        """The keys before and after the last shift at or before t, and the time since it."""
        i = max(bisect.bisect_right([k.time for k in self.keys], t) - 1, 0)
        return self.keys[i - 1] if i > 0 else self.keys[i], self.keys[i], t - self.keys[i].time

    def _saccade(self, t: float) -> tuple[np.ndarray, float, np.ndarray]:
        """The fixation offsets (yaw, pitch) around the target before and after the last saccade at or before t,
        and its start: saccades are drawn up to t."""
        if self._next_saccade is None:
            self._next_saccade = t + _interval(self._rng, SACCADE_MEAN_S, SACCADE_INTERVAL_S)
        while self._next_saccade <= t:
            offset = self._rng.normal(0.0, SACCADE_RAD)
            self._saccades.append((self._next_saccade, offset))
            self._next_saccade += _interval(self._rng, SACCADE_MEAN_S, SACCADE_INTERVAL_S)
        del self._saccades[:-2]
        (_, previous), (start, offset) = self._saccades[-2], self._saccades[-1]
        return previous, start, offset

    def eyes_in_world(self, t: float) -> np.ndarray:
        """[left yaw, left pitch, right yaw, right pitch] the eyes point at relative to the body, at t."""
        return gazes_eyes([self], t)[0]

    def head(self, t: float) -> np.ndarray:
        """[yaw, pitch] the head takes of the gaze at t: a share of the target's direction, turning slower."""
        return gazes_heads([self], t)[0]


def _moving(before: np.ndarray, after: np.ndarray, since: np.ndarray) -> np.ndarray:
    """Rows of eye angles moving from `before` to `after` over a saccade's duration (the larger its angle, the
    longer), `since` seconds into it."""
    duration = SACCADE_BASE_S + SACCADE_PER_RAD * np.abs(after - before).max(axis=-1)
    return before + smoothstep(since / duration)[:, None] * (after - before)


def gazes_eyes(gazes: Sequence[Gaze], t: float) -> np.ndarray:
    """[N, 4] `Gaze.eyes_in_world` of every gaze at t, in one numpy pass (each draws its saccades up to t)."""
    shifts = [gaze._shift(t) for gaze in gazes]
    saccades = [gaze._saccade(t) for gaze in gazes]
    angles = _moving(np.array([before.eyes for before, _, _ in shifts]),
                     np.array([after.eyes for _, after, _ in shifts]), np.array([since for _, _, since in shifts]))
    offset = _moving(np.array([previous for previous, _, _ in saccades]),
                     np.array([offset for _, _, offset in saccades]),
                     np.array([t - start for _, start, _ in saccades]))
    return angles + np.concatenate((offset, offset), axis=1)


def gazes_heads(gazes: Sequence[Gaze], t: float) -> np.ndarray:
    """[N, 2] `Gaze.head` of every gaze at t, in one numpy pass."""
    shifts = [gaze._shift(t) for gaze in gazes]
    before = np.array([before.head for before, _, _ in shifts])
    amount = smoothstep((np.array([since for _, _, since in shifts]) - HEAD_DELAY_S) / HEAD_TURN_S)
    return before + amount[:, None] * (np.array([after.head for _, after, _ in shifts]) - before)


def _head_for(direction: np.ndarray) -> np.ndarray:
    """The head's part of a gaze direction: its share, and whatever lies beyond 80 % of the eyes' reach."""
    head = direction * np.array(HEAD_SHARE)
    reach = 0.8 * np.array([EYE_YAW_LIMIT, EYE_DOWN_LIMIT if direction[1] > 0 else EYE_UP_LIMIT])
    excess = direction - head
    return head + np.sign(excess) * np.maximum(np.abs(excess) - reach, 0.0)


def _direction(eyes: np.ndarray) -> np.ndarray:
    """[yaw, pitch] of the gaze of both eyes: their mean."""
    return np.array([eyes[0::2].mean(), eyes[1::2].mean()])


def eyes_in_head(eyes_in_world: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Eye rotations relative to the head (the eyes stay on target as the head moves), within the eyes' reach;
    rows of eyes and heads alike."""
    eyes = eyes_in_world - np.concatenate((head[..., :2], head[..., :2]), axis=-1)
    return np.clip(eyes, _EYE_LOW, _EYE_HIGH)


#: The eyes' reach per angle of [left yaw, left pitch, right yaw, right pitch].
_EYE_LOW = np.array([-EYE_YAW_LIMIT, -EYE_UP_LIMIT] * 2)
_EYE_HIGH = np.array([EYE_YAW_LIMIT, EYE_DOWN_LIMIT] * 2)
_LOOK = {name: INDEX[name] for name in INDEX if name.startswith("eyeLook")}
#: The eyeLook* channels `eye_look_weights` sets, in the order of its values.
_LOOK_CHANNELS = np.array([_LOOK[f"eyeLook{way}{side}"] for side in ("Left", "Right")
                           for way in ("Out", "In", "Down", "Up")])


def eye_look_weights(eyes: np.ndarray, weights: np.ndarray) -> None:
    """Set the eyeLook* blendshapes from eye rotations in the head (for rigs that move the lids with them); rows of
    eyes and weights alike."""
    eyes = np.asarray(eyes, dtype=np.float64)
    left, right = eyes[..., 0] / EYE_YAW_LIMIT, -1.0 * eyes[..., 2] / EYE_YAW_LIMIT  # + is away from the nose
    looks = np.stack([left, -left, eyes[..., 1] / EYE_DOWN_LIMIT, -eyes[..., 1] / EYE_UP_LIMIT,
                      right, -right, eyes[..., 3] / EYE_DOWN_LIMIT, -eyes[..., 3] / EYE_UP_LIMIT], axis=-1)
    weights[..., _LOOK_CHANNELS] = np.clip(looks, 0.0, 1.0)


def eye_angles_from_weights(weights: np.ndarray) -> np.ndarray:
    """Eye rotations in the head from the eyeLook* blendshapes (a face tracker's): `eye_look_weights` undone."""
    w = {name: float(weights[i]) for name, i in _LOOK.items()}
    angles = []
    for side, outward in (("Left", 1.0), ("Right", -1.0)):
        angles += [outward * (w[f"eyeLookOut{side}"] - w[f"eyeLookIn{side}"]) * EYE_YAW_LIMIT,
                   w[f"eyeLookDown{side}"] * EYE_DOWN_LIMIT - w[f"eyeLookUp{side}"] * EYE_UP_LIMIT]
    return np.array(angles, np.float32)


class Sway:
    """Breathing and a slow idle sway: head [yaw, pitch, roll] offsets as a pure function of t."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed + 2)
        self._breath_phase = float(rng.uniform(0.0, 2 * math.pi))
        # Three incommensurate slow sines per axis: motion that never visibly repeats.
        self._freqs = rng.uniform(0.05, 0.25, size=(3, 3))
        self._phases = rng.uniform(0.0, 2 * math.pi, size=(3, 3))
        self._alone = Sways((self,))

    def breath(self, t: float) -> float:
        """0..1: how far into an in-breath (the chest rises, the chin lifts a little)."""
        return 0.5 + 0.5 * math.sin(2 * math.pi * t / BREATH_PERIOD_S + self._breath_phase)

    def head(self, t: float) -> np.ndarray:
        return self._alone.head(t)[0]


class Sways:
    """Sways stacked on an avatars axis: `head` sways them all in one numpy pass (what one sway alone costs)."""

    def __init__(self, sways: Sequence[Sway]) -> None:
        self._sways = tuple(sways)
        self._omega = np.array([2 * math.pi * sway._freqs for sway in sways]).reshape(-1, 3, 3)  # [N, 3, 3]
        self._phases = np.array([sway._phases for sway in sways]).reshape(-1, 3, 3)

    def head(self, t: float) -> np.ndarray:
        """[N, 3] each sway's head offsets at t."""
        sway = np.sin(self._omega * t + self._phases).sum(axis=2) / 3.0 * _SWAY_RAD
        sway[:, 1] -= BREATH_RAD * np.array([one.breath(t) for one in self._sways])
        return sway


_SWAY_RAD = np.array(SWAY_RAD)
