"""Body poses, clips sampled as pure functions of time, and layering with masks and eased weights.

A `BodyPose` is what the performer composites each tick. A `MotionClip` is keyframed data (a gesture, an
imported BVH) that `sample(t)` interpolates; a `ClipInstance` places a clip on a timeline (usually so its
stroke lands on a word) and fades it in and out. `compose` blends one layer over a base through a per-joint
mask: override layers (a gesture owns the arms) slerp towards the layer, additive layers (breathing, look-at,
co-speech beats) rotate the base by a delta in the parent's frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from models.body import quat
from models.body.skeleton import HUMANOID, MIRROR, NUM_JOINTS

#: Default fade in/out of a clip (seconds): long enough that nothing pops, short enough to land a stroke.
FADE_S = 0.3


def one_hemisphere(rotations: np.ndarray) -> np.ndarray:
    """Rotations with w >= 0: q and -q are the same rotation, and poses sampled independently at any t then agree
    in sign frame to frame, so a receiver interpolating components never swings the long way."""
    return np.where(rotations[..., 3:] < 0.0, -rotations, rotations)


@dataclass
class BodyPose:
    """The Hips position (metres, Unity frame) and local joint rotations [J, 4] (x, y, z, w) in skeleton order.

    In an additive layer the same fields hold deltas: `root` is a displacement, rotations are applied on top.
    """

    root: np.ndarray = field(default_factory=lambda: HUMANOID.rest_root.copy())
    rotations: np.ndarray = field(default_factory=lambda: quat.identity(NUM_JOINTS))

    def __post_init__(self) -> None:
        self.root = np.asarray(self.root, dtype=np.float32).reshape(3)
        self.rotations = np.asarray(self.rotations, dtype=np.float32)
        if self.rotations.shape != (NUM_JOINTS, 4):
            raise ValueError(f"pose rotations must have shape ({NUM_JOINTS}, 4), got {self.rotations.shape}")
        self.rotations = one_hemisphere(self.rotations)

    @classmethod
    def rest(cls) -> BodyPose:
        """The T-pose."""
        return cls()

    @classmethod
    def zero_delta(cls) -> BodyPose:
        """An additive layer that changes nothing."""
        return cls(np.zeros(3, dtype=np.float32))

    def copy(self) -> BodyPose:
        return BodyPose(self.root.copy(), self.rotations.copy())

    def mirrored(self) -> BodyPose:
        """The pose seen in a mirror: left and right swap, X flips (rotation (x, y, z, w) -> (x, -y, -z, w))."""
        rotations = self.rotations[MIRROR] * np.array([1.0, -1.0, -1.0, 1.0], dtype=np.float32)
        return BodyPose(self.root * np.array([-1.0, 1.0, 1.0], dtype=np.float32), rotations)


@dataclass
class PoseBatch:
    """Many poses on a leading axis: root [N, 3] and rotations [N, J, 4]. Samplers that do the same math for
    many avatars (the idle) build one of these in one numpy pass instead of N passes of small arrays."""

    root: np.ndarray
    rotations: np.ndarray

    @classmethod
    def repeat(cls, pose: BodyPose, n: int) -> PoseBatch:
        return cls(np.repeat(pose.root[None], n, axis=0), np.repeat(pose.rotations[None], n, axis=0))

    def copy(self) -> PoseBatch:
        return PoseBatch(self.root.copy(), self.rotations.copy())

    def __len__(self) -> int:
        return len(self.root)

    def __getitem__(self, i: int) -> BodyPose:
        return BodyPose(self.root[i].copy(), self.rotations[i])


def smoothstep(x: np.ndarray | float) -> np.ndarray:
    """Quintic ease in/out on [0, 1] (clamped): zero velocity and acceleration at both ends, so a weight
    or key interpolation that uses it never jerks."""
    x = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def envelope(t: float, start: float, end: float, fade_in: float, fade_out: float) -> float:
    """Weight of something active on [start, end]: eases 0→1 over fade_in, holds 1, eases 1→0 over fade_out."""
    if t <= start or t >= end:
        return 0.0
    rise = 1.0 if fade_in <= 0.0 else float(smoothstep((t - start) / fade_in))
    fall = 1.0 if fade_out <= 0.0 else float(smoothstep((end - t) / fade_out))
    return min(rise, fall)


def compose(base: BodyPose, layer: BodyPose, mask: np.ndarray, weight: float, additive: bool = False) -> BodyPose:
    """Blend `layer` over `base` with per-joint weight mask·weight (both in [0, 1]).

    Override (default): each joint slerps from the base towards the layer's rotation; the root follows the
    Hips weight. Additive: each joint's base rotation is pre-multiplied by the layer's delta scaled by the
    weight (a rotation in the parent's frame); the root moves by the weighted displacement.
    """
    one = compose_batch(PoseBatch(base.root[None], base.rotations[None]),
                        PoseBatch(layer.root[None], layer.rotations[None]), mask, np.array([weight]), additive)
    return BodyPose(one.root[0], one.rotations[0])


def compose_batch(base: PoseBatch, layer: PoseBatch, mask: np.ndarray, weights: np.ndarray,
                  additive: bool = False) -> PoseBatch:
    """`compose` of many (base, layer, weight) at once, one mask for all: row i is compose(base[i], layer[i],
    mask, weights[i])."""
    mask = np.asarray(mask, dtype=np.float32)
    if mask.shape != (NUM_JOINTS,):
        raise ValueError(f"mask must have shape ({NUM_JOINTS},), got {mask.shape}")
    w = np.clip(mask * np.asarray(weights, dtype=np.float32)[:, None], 0.0, 1.0)  # [N, J]
    # Every joint is blended and the untouched ones (weight 0) put back: one pass over the batch, and each
    # joint's value is what blending it alone gives.
    if additive:
        blended = quat.mul(quat.scale(layer.rotations, w), base.rotations)
        root = base.root + w[:, :1] * layer.root
    else:
        blended = quat.slerp(base.rotations, layer.rotations, w)
        root = base.root + w[:, :1] * (layer.root - base.root)
    rotations = np.where((w > 0.0)[..., None], blended, base.rotations)
    return PoseBatch(root.astype(np.float32), one_hemisphere(rotations))


@dataclass
class MotionClip:
    """Keyframed body motion at a fixed rate, sampled as a pure function of time.

    `stroke` is the moment that carries the meaning (thumb up, hands meet in the heart, the clap's contact),
    in seconds from the clip's start; the player lines it up with a word. `mask` says which joints the clip
    owns when layered; other joints keep what is below.
    """

    name: str
    rate: float
    rotations: np.ndarray  # [F, J, 4]
    root: np.ndarray  # [F, 3]
    stroke: float
    mask: np.ndarray  # [J] in [0, 1]
    fade_in: float = FADE_S
    fade_out: float = FADE_S

    def __post_init__(self) -> None:
        self.rotations = quat.make_continuous(quat.normalize(self.rotations))
        self.root = np.asarray(self.root, dtype=np.float32)
        self.mask = np.asarray(self.mask, dtype=np.float32)
        frames = len(self.rotations)
        if not self.rate > 0.0:
            raise ValueError(f"clip {self.name!r}: rate must be positive, got {self.rate}")
        if frames < 1 or self.rotations.shape[1:] != (NUM_JOINTS, 4):
            raise ValueError(f"clip {self.name!r}: rotations must have shape (frames>=1, {NUM_JOINTS}, 4), "
                             f"got {self.rotations.shape}")
        if self.root.shape != (frames, 3):
            raise ValueError(f"clip {self.name!r}: root must have shape ({frames}, 3), got {self.root.shape}")
        if self.mask.shape != (NUM_JOINTS,):
            raise ValueError(f"clip {self.name!r}: mask must have shape ({NUM_JOINTS},), got {self.mask.shape}")
        if not 0.0 <= self.stroke <= self.duration:
            raise ValueError(f"clip {self.name!r}: stroke {self.stroke} s is outside the clip (0..{self.duration} s)")

    @property
    def num_frames(self) -> int:
        return len(self.rotations)

    @property
    def duration(self) -> float:
        return (self.num_frames - 1) / self.rate

    def sample(self, t: float) -> BodyPose:
        """The pose at t seconds from the clip's start (held before 0 and after the end)."""
        x = min(max(t * self.rate, 0.0), self.num_frames - 1.0)
        i = int(x)
        j = min(i + 1, self.num_frames - 1)
        u = x - i
        rotations = quat.slerp(self.rotations[i], self.rotations[j], u)
        root = self.root[i] * np.float32(1.0 - u) + self.root[j] * np.float32(u)
        return BodyPose(root, rotations)

    def weight(self, t: float) -> float:
        """The layer weight at t from the clip's start: fades in and out, 0 outside the clip."""
        return envelope(t, 0.0, self.duration, self.fade_in, self.fade_out)

    def mirrored(self, name: str | None = None) -> MotionClip:
        """The clip performed with the other hand."""
        poses = [BodyPose(r, q).mirrored() for r, q in zip(self.root, self.rotations, strict=True)]
        return MotionClip(name or self.name, self.rate, np.stack([p.rotations for p in poses]),
                          np.stack([p.root for p in poses]), self.stroke, self.mask[MIRROR], self.fade_in,
                          self.fade_out)


@dataclass(frozen=True)
class ClipInstance:
    """A clip placed on a timeline: starts at `start` seconds (take or performer time)."""

    clip: MotionClip
    start: float
    intensity: float = 1.0

    @classmethod
    def at_stroke(cls, clip: MotionClip, stroke_time: float, intensity: float = 1.0) -> ClipInstance:
        """Place the clip so its stroke lands at `stroke_time`."""
        return cls(clip, stroke_time - clip.stroke, intensity)

    @property
    def stroke_time(self) -> float:
        return self.start + self.clip.stroke

    @property
    def end(self) -> float:
        return self.start + self.clip.duration

    def active(self, t: float) -> bool:
        return self.start < t < self.end

    def apply(self, base: BodyPose, t: float) -> BodyPose:
        """The base with this clip layered over it at time t (unchanged outside the clip)."""
        local = t - self.start
        w = self.clip.weight(local) * self.intensity
        if w <= 0.0:
            return base
        return compose(base, self.clip.sample(local), self.clip.mask, w)


def interpolate_keys(times: Sequence[float], poses: Sequence[BodyPose], rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample key poses at `rate` with eased slerp between neighbours (each key is reached at rest, which is
    how a gesture's holds and strokes read). Returns (rotations [F, J, 4], root [F, 3])."""
    if len(times) != len(poses) or len(times) < 2:
        raise ValueError("need at least two key times and as many poses")
    if any(b <= a for a, b in zip(times, times[1:], strict=False)):
        raise ValueError(f"key times must increase, got {list(times)}")
    frames = int(round((times[-1] - times[0]) * rate)) + 1
    t = times[0] + np.arange(frames) / rate
    k = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    span = np.asarray(times)[k + 1] - np.asarray(times)[k]
    u = smoothstep((t - np.asarray(times)[k]) / span)
    rot = np.stack([p.rotations for p in poses])
    root = np.stack([p.root for p in poses])
    rotations = quat.slerp(rot[k], rot[k + 1], np.broadcast_to(u[:, None], (frames, NUM_JOINTS)))
    roots = root[k] * (1.0 - u[:, None]) + root[k + 1] * u[:, None]
    return quat.make_continuous(rotations), roots.astype(np.float32)
