"""The one test double of the trackers (models.vision.tracking's FaceSource and BodySource): what they report is
read off the frame itself, so a test knows exactly what each frame shows without running MediaPipe.

A frame's mean brightness b (0..255) says it all: b < 16 is an empty frame (no one); otherwise one face whose
mouthSmileLeft is b / 255 and whose head yaw is (b - 128) / 255 radians, its box a third of the frame wide on
the frame's right.
"""

from __future__ import annotations

import time

import numpy as np

from models.face.arkit import INDEX
from models.vision.face import FaceObservation
from models.vision.tracking import Tracking

SMILE = INDEX["mouthSmileLeft"]


def frame_of(brightness: int, side: int = 32) -> np.ndarray:
    """A frame the fake trackers read as `brightness` (see the module's docstring)."""
    return np.full((side, side, 3), brightness, np.uint8)


class FakeFaces:
    """Faces read off the frame's brightness; `delay_s` per frame (a slow tracker)."""

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s
        self.frames = 0

    def track(self, image: np.ndarray, t: float = 0.0) -> list[FaceObservation]:
        self.frames += 1
        if self.delay_s:
            time.sleep(self.delay_s)
        b = float(image.mean())
        if b < 16:
            return []
        weights = np.zeros(52, np.float32)
        weights[SMILE] = b / 255.0
        return [FaceObservation(t, weights, np.array([(b - 128) / 255, 0.0, 0.0], np.float32),
                                np.zeros(4, np.float32), 0.8, (0.6, 0.2, 0.9, 0.5))]


class NoBody:
    """A body tracker that never finds anyone."""

    def track(self, image: np.ndarray, t: float = 0.0) -> None:
        return None


def fake_tracking(delay_s: float = 0.0) -> Tracking:
    return Tracking(FakeFaces(delay_s), NoBody())
