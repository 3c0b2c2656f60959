"""The layer contract: one avatar's pose at a pts, composited from layers that are pure functions of time.

Every layer, face or body, answers `apply(t, pose)`: it adds its contribution at pts t to the pose being
composited, in layer order (face life, then the mouth, then the body; the performer sends the face frame as soon
as the face's layers are done, before the body's run). Layers that follow takes also listen to
their avatar's timeline (`on_take(event)`, models/take.py) to set up their timelines ahead; the tick only
samples. Wire messages are built from the finished pose by the performer alone (bridge/performer.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from models.body.pose import BodyPose
from models.face.arkit import NUM_BLENDSHAPES
from models.take import TakeEvent


@dataclass
class FacePose:
    """The face being composited for one frame."""

    weights: np.ndarray = field(default_factory=lambda: np.zeros(NUM_BLENDSHAPES, dtype=np.float32))
    head: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.float32))  # yaw, pitch, roll (rad)
    eyes: np.ndarray = field(default_factory=lambda: np.zeros(4, dtype=np.float32))  # l yaw, l pitch, r yaw, r pitch


@dataclass
class AvatarPose:
    """Everything one frame of one avatar shows: the face, and the body once a body layer has set it."""

    face: FacePose = field(default_factory=FacePose)
    body: BodyPose | None = None


class Layer(Protocol):
    """A contribution to the pose: a pure function of pts t, composited in layer order."""

    def apply(self, t: float, pose: AvatarPose) -> None: ...


class TakeListener(Protocol):
    """A layer that follows its avatar's takes."""

    def on_take(self, event: TakeEvent) -> None: ...
