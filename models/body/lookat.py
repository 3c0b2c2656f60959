"""Look-at: turn the head, and for wide angles the neck and chest, towards a target direction.

People turn the eyes first, then the head, and the chest only for wide angles; the share of each joint
here follows that. Directions are in the avatar's root frame (Unity axes: +Z ahead, +X to the avatar's
right, +Y up). The turn is computed on top of whatever pose is below (idle, a gesture, a dance), so the
head ends up facing the target wherever the body is.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from models.body import quat
from models.body.authoring import PoseBuilder, Vec
from models.body.pose import BodyPose, compose, smoothstep
from models.body.skeleton import mask

#: Share of the yaw (turn) and pitch (nod) each joint takes, from the hips up (each row sums to 1).
YAW_SHARE = {"Spine": 0.08, "Chest": 0.1, "UpperChest": 0.12, "Neck": 0.3, "Head": 0.4}
PITCH_SHARE = {"UpperChest": 0.1, "Neck": 0.35, "Head": 0.55}
#: How far the head turns at most (degrees) relative to the hips; beyond that the eyes do the rest.
MAX_YAW_DEG = 70.0
MAX_PITCH_UP_DEG = 30.0
MAX_PITCH_DOWN_DEG = 40.0
_CHAIN = ("Spine", "Chest", "UpperChest", "Neck", "Head")
LOOK_MASK = mask(*_CHAIN)


def yaw_pitch(direction: Vec) -> tuple[float, float]:
    """(yaw, pitch) in radians of a direction: yaw positive to the avatar's right, pitch positive up."""
    d = np.asarray(direction, dtype=np.float64)
    n = float(np.linalg.norm(d))
    if n < 1e-9:
        raise ValueError("look-at direction must not be zero")
    d = d / n
    return float(np.arctan2(d[0], d[2])), float(np.arcsin(np.clip(d[1], -1.0, 1.0)))


def look_at(base: BodyPose, direction: Vec, weight: float = 1.0) -> BodyPose:
    """The base pose turned so the head faces `direction` (root frame), within the neck's range; weight in
    [0, 1] blends from the base."""
    b = PoseBuilder(base)
    hips = quat.rotate(b.global_rotation("Hips"), np.array([0.0, 0.0, 1.0]))
    facing = float(np.arctan2(hips[0], hips[2]))
    yaw, pitch = yaw_pitch(direction)
    yaw = facing + float(np.clip(_wrap(yaw - facing), -np.radians(MAX_YAW_DEG), np.radians(MAX_YAW_DEG)))
    pitch = float(np.clip(pitch, -np.radians(MAX_PITCH_DOWN_DEG), np.radians(MAX_PITCH_UP_DEG)))
    head_yaw, head_pitch = yaw_pitch(quat.rotate(b.global_rotation("Head"), np.array([0.0, 0.0, 1.0])))
    d_yaw, d_pitch = _wrap(yaw - head_yaw), pitch - head_pitch
    for joint in _CHAIN:
        g = b.global_rotation(joint)
        turn = quat.from_axis_angle("Y", YAW_SHARE.get(joint, 0.0) * d_yaw)
        # Pitch about the horizontal axis across the current facing (world space), negative X pitches up.
        across = np.array([np.cos(head_yaw), 0.0, -np.sin(head_yaw)])
        nod = quat.from_axis_angle(across, -PITCH_SHARE.get(joint, 0.0) * d_pitch)
        b.set_global(joint, quat.mul(quat.mul(turn, nod), g))
    # The shares leave a small error where yaw and pitch interact; the head takes it up exactly.
    target = np.array([np.cos(pitch) * np.sin(yaw), np.sin(pitch), np.cos(pitch) * np.cos(yaw)])
    g = b.global_rotation("Head")
    forward = quat.rotate(g, np.array([0.0, 0.0, 1.0]))
    b.set_global("Head", quat.mul(quat.between(forward, target), g))
    return compose(base, b.pose, LOOK_MASK, weight)


def _wrap(angle: float) -> float:
    return float((angle + np.pi) % (2 * np.pi) - np.pi)


@dataclass(frozen=True)
class LookAtTrack:
    """Where to look over time: keys of (time, direction); the gaze turns from one to the next over `turn_s`
    with an eased rotation, so it never snaps. Before the first key it holds the first."""

    keys: Sequence[tuple[float, Vec]]
    turn_s: float = 0.45

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a look-at track needs at least one key")
        if any(b[0] < a[0] for a, b in zip(self.keys, self.keys[1:], strict=False)):
            raise ValueError("look-at keys must be in time order")

    def direction(self, t: float) -> np.ndarray:
        current = _unit(self.keys[0][1])
        for time, target in self.keys[1:]:
            if t <= time:
                break
            if t - time >= self.turn_s:  # the turn is done: wherever it started, it ends on its target
                current = _unit(target)
                continue
            u = float(smoothstep((t - time) / self.turn_s))
            current = quat.rotate(quat.scale(quat.between(current, _unit(target)), u), current)
        return current

    def played_out(self, t: float) -> LookAtTrack:
        """The same track for every pts from t on, without the keys whose turn has ended by t (the last of them
        stays as the first key: where the gaze rests until the next turn), so it stays short however many
        look-ats a show sends."""
        ended = bisect.bisect_right([time + self.turn_s for time, _ in self.keys], t) - 1
        return self if ended <= 0 else LookAtTrack(self.keys[ended:], self.turn_s)


def _unit(v: Vec) -> np.ndarray:
    d = np.asarray(v, dtype=np.float64)
    return d / np.linalg.norm(d)
