"""A performer's body and hands from a camera frame: MediaPipe 0.10.14's pose and hand models (shipped in its wheel,
the legacy `mp.solutions` graphs), as world landmarks in metres that models/vision/retarget.py turns into joint
rotations."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

#: Pose and hand confidence thresholds: a person found, kept from frame to frame.
DETECTION_CONFIDENCE = 0.5
TRACKING_CONFIDENCE = 0.5
#: The pose model's size: 0 lite, 1 full (the wheel ships both; full is steadier on hands and feet), 2 heavy (not
#: shipped: it would be downloaded).
POSE_COMPLEXITY = 1
#: MediaPipe names hands as if the image were mirrored (a selfie): on a camera's own image its "Left" is the
#: performer's right hand.
_PERFORMER_SIDE = {"Left": "Right", "Right": "Left"}


@dataclass(frozen=True)
class BodyObservation:
    """One performer's body in one frame."""

    t: float
    world: np.ndarray  # [33, 3] pose world landmarks: metres from the hips' midpoint, x image-right, y down, z away
    visibility: np.ndarray  # [33] 0..1
    box: tuple[float, float, float, float]  # the visible landmarks' bounds: x0, y0, x1, y1 in 0..1 of the image
    hands: dict[str, np.ndarray] = field(default_factory=dict)  # the performer's "Left"/"Right" -> [21, 3] metres
    shoulder_width: float = 0.0  # the shoulders' distance as a share of the image's width (0 when unseen)


class BodyTracker:
    """MediaPipe's pose (33 landmarks) and, with `hands`, hand (21 each) models on the frames of one stream."""

    def __init__(self, hands: bool = True, video: bool = True) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        from mediapipe.python.solutions import hands as mp_hands
        from mediapipe.python.solutions import pose as mp_pose

        self._pose = mp_pose.Pose(static_image_mode=not video, model_complexity=POSE_COMPLEXITY,
                                  min_detection_confidence=DETECTION_CONFIDENCE,
                                  min_tracking_confidence=TRACKING_CONFIDENCE)
        self._hands = mp_hands.Hands(static_image_mode=not video, max_num_hands=2, model_complexity=1,
                                     min_detection_confidence=DETECTION_CONFIDENCE,
                                     min_tracking_confidence=TRACKING_CONFIDENCE) if hands else None

    def close(self) -> None:
        self._pose.close()
        if self._hands is not None:
            self._hands.close()

    def track(self, image: np.ndarray, t: float = 0.0) -> BodyObservation | None:
        """The performer's body (and hands) in an RGB image ([H, W, 3] uint8) at time t; None when no one is seen."""
        image = np.ascontiguousarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be [H, W, 3] uint8 RGB, got {image.shape} {image.dtype}")
        pose = self._pose.process(image)
        if pose.pose_world_landmarks is None:
            return None
        found = self._hands.process(image) if self._hands is not None else None
        world = np.array([[p.x, p.y, p.z] for p in pose.pose_world_landmarks.landmark], np.float32)
        visibility = np.array([p.visibility for p in pose.pose_landmarks.landmark], np.float32)
        xy = np.array([[p.x, p.y] for p in pose.pose_landmarks.landmark], np.float32)
        seen = xy[visibility >= 0.5] if (visibility >= 0.5).any() else xy
        box = (float(seen[:, 0].min()), float(seen[:, 1].min()), float(seen[:, 0].max()), float(seen[:, 1].max()))
        hands: dict[str, np.ndarray] = {}
        if found is not None and found.multi_hand_world_landmarks:
            for landmarks, handedness in zip(found.multi_hand_world_landmarks, found.multi_handedness, strict=True):
                side = _PERFORMER_SIDE[handedness.classification[0].label]
                hands.setdefault(side, np.array([[p.x, p.y, p.z] for p in landmarks.landmark], np.float32))
        shoulders = float(np.linalg.norm(xy[11] - xy[12])) if min(visibility[11], visibility[12]) >= 0.5 else 0.0
        return BodyObservation(t, world, visibility, box, hands, shoulders)
