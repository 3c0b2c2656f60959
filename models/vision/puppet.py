"""Puppeteering as layers: a performer's tracked face and body over the avatar's own layers, faded in and out.

    camera thread: PuppetSample (face, body; the time the camera saw it) ─► Puppet.add
    performer tick: PuppetFace.apply(t) after the mouth, PuppetBody.apply(t) after the body

Both layers sample the performer as seen `delay` seconds before the frame's pts: late enough that the camera's
frame has been tracked by then, so the tick only samples (the default matches live audio in's latency, so a
performer's voice and face arrive together). The blend of each part eases towards its target over `FADE_S` when
the `puppet` op switches it; when the camera loses the performer, the last pose holds for `HOLD_S` and then hands
back to her own layers over `LOST_FADE_S`; when it finds them again, they ease back in.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass

import numpy as np

from models.body import quat
from models.body.pose import compose, smoothstep
from models.layers import AvatarPose
from models.vision.face import FaceObservation
from models.vision.retarget import Retargeted

#: How long a switch of the puppet (on, off, a new blend) takes to ease in (s).
FADE_S = 0.5
#: The performer unseen for this long (s) is lost: the last pose holds until then.
HOLD_S = 0.25
#: A lost performer hands back to the avatar's own layers over this long (s); a found one eases back in as long.
LOST_FADE_S = 0.6
#: How far before a frame's pts the performer is sampled (s): the live audio path's latency (the performer lookahead,
#: the audio-to-face model's 72.5 ms and its 60 ms jitter margin), and more than a camera frame takes to track.
DEFAULT_DELAY_S = 0.1 + 0.0725 + 0.06
#: The delay when the body is tracked too: face, pose and hands take 80-100 ms a frame on 2 cores, and a frame
#: reaches the loop 105-135 ms after it was taken (bench_camera), more than DEFAULT_DELAY_S leaves after the lookahead.
BODY_DELAY_S = DEFAULT_DELAY_S + 0.05
#: Samples kept per part: seconds of history at camera rates, more than the delay needs.
MAX_SAMPLES = 256


@dataclass(frozen=True)
class PuppetSample:
    """What the camera saw of the performer at time t (the sidecar's clock): a part is None when it was not seen."""

    t: float
    face: FaceObservation | None = None
    body: Retargeted | None = None


@dataclass
class _Ramp:
    """A gain easing from one value to another from a pts on: a pure function of t."""

    start: float = 0.0
    before: float = 0.0
    after: float = 0.0
    duration: float = FADE_S

    def at(self, t: float) -> float:
        if t <= self.start or self.before == self.after:  # the second: most ticks of a puppet never switched on
            return self.before if t <= self.start else self.after
        return self.before + (self.after - self.before) * float(smoothstep((t - self.start) / self.duration))

    def to(self, pts: float, value: float) -> None:
        self.before, self.after, self.start = self.at(pts), value, pts


@dataclass(frozen=True)
class _Seen:
    t: float
    since: float  # when the run of sightings it belongs to began (after the last loss)
    value: FaceObservation | Retargeted


class _Track:
    """One part's sightings in time order, sampled with interpolation, holds and fades."""

    def __init__(self) -> None:
        self.seen: deque[_Seen] = deque(maxlen=MAX_SAMPLES)

    def add(self, t: float, value: FaceObservation | Retargeted, settled: bool = False) -> None:
        if self.seen and t <= self.seen[-1].t:
            return  # out of order: the past is not rewritten
        since = self.seen[-1].since if self.seen and t - self.seen[-1].t <= HOLD_S else \
            t - LOST_FADE_S if settled else t
        self.seen.append(_Seen(t, since, value))

    def at(self, s: float) -> tuple[_Seen, _Seen | None, float, float] | None:
        """The sightings around s (the one before, the one after if close enough), the fraction between them and
        how present the performer is at s (0..1); None before the first."""
        i = bisect.bisect_right(self.seen, s, key=lambda seen: seen.t)
        if i == 0:
            return None
        before = self.seen[i - 1]
        after = self.seen[i] if i < len(self.seen) and self.seen[i].t - before.t <= HOLD_S else None
        fraction = 0.0 if after is None else (s - before.t) / (after.t - before.t)
        found = float(smoothstep((s - before.since) / LOST_FADE_S))
        lost = float(smoothstep((s - before.t - HOLD_S) / LOST_FADE_S)) if after is None else 0.0
        return before, after, fraction, found * (1.0 - lost)


def _mix_face(a: FaceObservation, b: FaceObservation | None, f: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if b is None:
        return a.weights, a.head, a.eyes
    return (a.weights + f * (b.weights - a.weights), a.head + f * (b.head - a.head), a.eyes + f * (b.eyes - a.eyes))


def _mix_body(a: Retargeted, b: Retargeted | None, f: float) -> tuple[np.ndarray, np.ndarray]:
    if b is None:
        return a.pose.rotations, a.weights
    return quat.slerp(a.pose.rotations, b.pose.rotations, f), a.weights + f * (b.weights - a.weights)


class Puppet:
    """One avatar's puppeteering: the performer's sightings and the blend of the face and of the body. Written on
    the event loop (`add`, `switch`), sampled by the layers at the tick."""

    def __init__(self, delay: float = DEFAULT_DELAY_S) -> None:
        self.delay = delay
        self.faces = _Track()
        self.bodies = _Track()
        self.face_gain = _Ramp()
        self.body_gain = _Ramp()

    def add(self, sample: PuppetSample, settled: bool = False) -> None:
        """A sighting of the performer; `settled`: one that begins a run shows at once, without easing in (offline, from
        a video's first frame)."""
        if sample.face is not None:
            self.faces.add(sample.t, sample.face, settled)
        if sample.body is not None:
            self.bodies.add(sample.t, sample.body, settled)

    def switch(self, pts: float, face: bool, body: bool, blend: float = 1.0) -> None:
        """From pts on, ease the face and the body towards `blend` (on) or 0 (off)."""
        if not 0.0 <= blend <= 1.0:
            raise ValueError(f"blend must be between 0 and 1, got {blend}")
        self.face_gain.to(pts, blend if face else 0.0)
        self.body_gain.to(pts, blend if body else 0.0)

    def presence(self, t: float) -> tuple[float, float]:
        """How present the performer's face and body are in the frame at pts t (0..1 each)."""
        return tuple(found[3] if (found := track.at(t - self.delay)) is not None else 0.0  # type: ignore[return-value]
                     for track in (self.faces, self.bodies))


class PuppetFace:
    """The performer's face over the avatar's: every channel, the head and the eyes, at the puppet's blend. After the
    mouth layer, so the performer's mouth drives hers while they talk."""

    def __init__(self, puppet: Puppet) -> None:
        self.puppet = puppet

    def apply(self, t: float, pose: AvatarPose) -> None:
        gain = self.puppet.face_gain.at(t)
        if gain <= 0.0 or (found := self.puppet.faces.at(t - self.puppet.delay)) is None:
            return
        before, after, fraction, present = found
        g = np.float32(gain * present)
        if g <= 0.0:
            return
        weights, head, eyes = _mix_face(before.value, after.value if after else None, fraction)  # type: ignore[arg-type]
        face = pose.face
        face.weights += g * (weights - face.weights)
        face.head += g * (head - face.head)
        face.eyes += g * (eyes - face.eyes)


class PuppetBody:
    """The performer's upper body and fingers (and legs when the camera sees them) over the avatar's body, joint by
    joint at the retargeter's confidence times the puppet's blend."""

    def __init__(self, puppet: Puppet) -> None:
        self.puppet = puppet

    def apply(self, t: float, pose: AvatarPose) -> None:
        gain = self.puppet.body_gain.at(t)
        if gain <= 0.0 or pose.body is None or (found := self.puppet.bodies.at(t - self.puppet.delay)) is None:
            return
        before, after, fraction, present = found
        if gain * present <= 0.0:
            return
        rotations, weights = _mix_body(before.value, after.value if after else None, fraction)  # type: ignore[arg-type]
        seen = pose.body.copy()
        seen.rotations = np.asarray(rotations, np.float32)
        pose.body = compose(pose.body, seen, weights, gain * present)
