"""The performer: the one place that knows "now".

It ticks at a fixed rate; each tick advances every avatar's timeline (the audio that falls due goes out), then
samples each avatar's layers at t = now + lookahead (pure functions of t, composited in order into one
`AvatarPose`) and publishes the frame with pts = t: every avatar's face first, then the bodies' poses (and the
skeleton now and then).
Wire messages of frames are built here and nowhere else. The same `tick(now)` runs under the real clock (`run`)
and under a virtual clock (offline render, tests).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from bridge.protocol import FaceFrame, PoseFrame, Skeleton, face_weights_to_bytes, new_run_id
from bridge.timeline import AvatarTimeline, Publish
from models.body.pose import BodyPose
from models.body.skeleton import skeleton_description
from models.layers import AvatarPose, Layer

log = logging.getLogger(__name__)

#: How often the skeleton is repeated on the stream (s), for subscribers that join late.
SKELETON_EVERY_S = 1.0


class Clock(Protocol):
    def now(self) -> float: ...


class MonotonicClock:
    """The sidecar's clock: seconds on the system's monotonic clock (shared by processes on one machine)."""

    def now(self) -> float:
        return time.monotonic()


@dataclass
class VirtualClock:
    """A clock that moves only when told: offline render and tests."""

    t: float = 0.0

    def now(self) -> float:
        return self.t


@dataclass
class _Avatar:
    timeline: AvatarTimeline
    face: list[Layer] = field(default_factory=list)
    body: list[Layer] = field(default_factory=list)
    skeleton_at: float = field(default=-math.inf)


class Performer:
    """Ticks every avatar at a fixed rate and hands each message to the publish function. `run_id`: the sidecar run's
    id (None: a new one, e.g. an offline render's)."""

    def __init__(self, publish: Publish, rate: float = 60.0, lookahead: float = 0.1, chunk_samples: int = 512,
                 run_id: str | None = None) -> None:
        if not 1.0 <= rate <= 240.0:
            raise ValueError(f"frame rate must be between 1 and 240 Hz, got {rate}")
        if not 0.0 <= lookahead <= 2.0:
            raise ValueError(f"lookahead must be between 0 and 2 s, got {lookahead}")
        self.publish = publish
        self.rate = rate
        self.period = 1.0 / rate
        self.lookahead = lookahead
        self.chunk_samples = chunk_samples
        self.run_id = run_id or new_run_id()
        self._avatars: dict[str, _Avatar] = {}
        self.last_pts = -math.inf  # of the last frame published
        self.ticks = 0
        self.overruns = 0

    def add_avatar(self, name: str, sample_rate: int) -> AvatarTimeline:
        """A new avatar's timeline on this performer; give it its layers with `set_layers`."""
        if name in self._avatars:
            raise ValueError(f"avatar {name!r} is already on the performer")
        timeline = AvatarTimeline(name, self.publish, self.lookahead, self.period, self.chunk_samples, sample_rate,
                                  self.run_id)
        self._avatars[name] = _Avatar(timeline)
        return timeline

    def set_layers(self, name: str, face: Sequence[Layer], body: Sequence[Layer] = ()) -> None:
        """The avatar's layers, composited in this order each tick: the face's first (its frame goes out as soon as
        they are done, so the body's cost never delays it), then the body's."""
        self._avatars[name].face, self._avatars[name].body = list(face), list(body)

    @property
    def timelines(self) -> dict[str, AvatarTimeline]:
        return {name: avatar.timeline for name, avatar in self._avatars.items()}

    def next_pts(self, now: float) -> float:
        """The pts of the first frame not yet published: where something placed now can first be seen."""
        return max(now + self.lookahead, self.last_pts + self.period)

    def tick(self, now: float) -> None:
        t = now + self.lookahead
        self.last_pts = t
        # Every timeline advances before any layer samples: a face or a body is posed together with the others'
        # (FaceChoir, BodyChoir), so all that any of them knows of the frame must be known to the first one asked.
        for avatar in self._avatars.values():
            avatar.timeline.advance(now)
        poses = []
        for name, avatar in self._avatars.items():
            timeline = avatar.timeline
            pose = AvatarPose()
            for layer in avatar.face:
                layer.apply(t, pose)
            face = pose.face
            np.clip(face.weights, 0.0, 1.0, out=face.weights)
            self.publish(FaceFrame(name, timeline.next_seq("face"), t, face_weights_to_bytes(face.weights),
                                   face.head.tolist(), face.eyes.tolist()))
            poses.append(pose)
        for (name, avatar), pose in zip(self._avatars.items(), poses, strict=True):
            for layer in avatar.body:
                layer.apply(t, pose)
            if pose.body is not None:
                self._publish_body(name, avatar, t, pose.body)
        self.ticks += 1

    def _publish_body(self, name: str, avatar: _Avatar, t: float, body: BodyPose) -> None:
        timeline = avatar.timeline
        if t - avatar.skeleton_at >= SKELETON_EVERY_S:
            avatar.skeleton_at = t
            description = skeleton_description()
            self.publish(Skeleton(name, description["joints"], description["parents"], description["offsets"]))
        self.publish(PoseFrame(name, timeline.next_seq("pose"), t, [float(v) for v in body.root],
                               body.rotations.astype("<f4").tobytes()))

    async def run(self, clock: Clock) -> None:
        """Tick on the clock's schedule until cancelled. Tick times stay on one grid of periods: a tick that runs
        more than a period late skips the missed slots instead of shifting the grid, so every pts gap is a whole
        number of periods."""
        next_t = clock.now()
        failures = 0
        while True:
            try:
                self.tick(next_t)
            except Exception:  # a bug in one layer must not stop the show: log it and keep the clock going
                failures += 1
                if failures & (failures - 1) == 0:
                    log.exception("tick failed", extra={"failures": failures})
            next_t += self.period
            delay = next_t - clock.now()
            if delay < -self.period:
                self.overruns += 1
                log.warning("performer overrun", extra={"late_s": round(-delay, 4)})
                missed = math.floor(-delay / self.period)
                next_t += missed * self.period
                delay = next_t - clock.now()
            await asyncio.sleep(max(delay, 0.0))
