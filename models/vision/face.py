"""A performer's face from a camera frame: MediaPipe's Face Landmarker gives the 52 ARKit-named blendshape weights
and the face's transformation matrix; here they become the avatar's face channels, head and eye angles.

    image ─► FaceTracker.track ─► FaceObservation (raw: weights, head, eyes, distance, box)
          ─► PerformerFace.apply ─► the same, relative to the performer's neutral face and smoothed (One Euro)

Angles follow the face frame of models/face/life.py: yaw + turns to the performer's own left, pitch + looks down,
roll + tilts towards the right shoulder. Channels keep their anatomical sides (eyeBlinkLeft is the performer's
left eye): the avatar does what the performer does, as Live Link Face does with an iPhone.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from models.face.arkit import ARKIT_BLENDSHAPES, INDEX, NUM_BLENDSHAPES
from models.face.life import eye_angles_from_weights
from models.vision.assets import face_model_path
from models.vision.filters import OneEuro

#: The face landmarker's confidence thresholds: a face found, kept from frame to frame, its landmarks trusted.
DETECTION_CONFIDENCE = 0.5
TRACKING_CONFIDENCE = 0.5
#: Blinks: the eyelids' channels, smoothed less so a blink stays crisp (a blink lasts 100-150 ms: 3-5 frames).
BLINK_CHANNELS = np.array([INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]])
#: One Euro settings (min cut-off Hz, beta per unit/s) for the weights, the blinks, the head and the eyes (rad).
WEIGHT_FILTER = (1.0, 1.5)
BLINK_FILTER = (8.0, 40.0)
HEAD_FILTER = (1.5, 2.0)
EYE_FILTER = (3.0, 2.0)
#: A neutral weight at or above this is a channel the performer's resting face saturates: it is left as read.
NEUTRAL_CEILING = 0.9


@dataclass(frozen=True)
class FaceObservation:
    """One face in one frame."""

    t: float  # seconds on the frame's clock
    weights: np.ndarray  # [52] float32, ARKit order (models.face.arkit)
    head: np.ndarray  # [3] yaw, pitch, roll (rad)
    eyes: np.ndarray  # [4] left yaw, left pitch, right yaw, right pitch (rad), in the head
    distance_m: float  # from the camera, along its axis
    box: tuple[float, float, float, float]  # the landmarks' bounds: x0, y0, x1, y1 in 0..1 of the image

    @property
    def width(self) -> float:
        """The face's width as a share of the image's width."""
        return self.box[2] - self.box[0]


#: Each channel's mirror image: Left and Right swapped (the others map to themselves).
MIRROR = np.array([INDEX[name.replace("Left", "\0").replace("Right", "Left").replace("\0", "Right")]
                   for name in ARKIT_BLENDSHAPES])


def mirrored(face: FaceObservation) -> FaceObservation:
    """The face as it would read unmirrored, from a mirrored image ("selfie view"): sides swapped, the head's yaw and
    roll and the eyes' yaw negated, the box flipped."""
    x0, y0, x1, y1 = face.box
    eyes = face.eyes[[2, 3, 0, 1]] * np.array([-1.0, 1.0, -1.0, 1.0], np.float32)
    return replace(face, weights=face.weights[MIRROR], head=face.head * np.array([-1.0, 1.0, -1.0], np.float32),
                   eyes=eyes, box=(1.0 - x1, y0, 1.0 - x0, y1))


def head_angles(matrix: np.ndarray) -> np.ndarray:
    """Yaw, pitch, roll (rad) of a face's transformation matrix (the canonical face → the camera: x to the image's
    right, y up, z towards the camera), decomposed as the preview applies them: R = Ry(yaw)·Rx(pitch)·Rz(roll)."""
    r = np.asarray(matrix, np.float64)[:3, :3]
    pitch = math.asin(float(np.clip(-r[1, 2], -1.0, 1.0)))
    yaw = math.atan2(r[0, 2], r[2, 2])
    roll = math.atan2(r[1, 0], r[1, 1])
    return np.array([yaw, pitch, roll], np.float32)


class FaceTracker:
    """MediaPipe's Face Landmarker on RGB frames. `video`: frames of one stream with increasing times (the landmarker
    tracks from frame to frame instead of searching each one: faster); else each image on its own. `max_faces`: how
    many faces to report (a kiosk's visitors), largest first."""

    def __init__(self, model: str | os.PathLike[str] | None = None, max_faces: int = 1, video: bool = True) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")  # MediaPipe's native logs: warnings and errors only
        from mediapipe.tasks.python import BaseOptions, vision

        if not 1 <= max_faces <= 8:
            raise ValueError(f"max_faces must be between 1 and 8, got {max_faces}")
        self.path = face_model_path(model)
        self.video = video
        options = vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_faces=max_faces, min_face_detection_confidence=DETECTION_CONFIDENCE,
            min_face_presence_confidence=DETECTION_CONFIDENCE, min_tracking_confidence=TRACKING_CONFIDENCE,
            output_face_blendshapes=True, output_facial_transformation_matrixes=True)
        self._landmarker = vision.FaceLandmarker.create_from_options(options)
        self._last_ms = -1

    def close(self) -> None:
        self._landmarker.close()

    def track(self, image: np.ndarray, t: float = 0.0) -> list[FaceObservation]:
        """The faces in an RGB image ([H, W, 3] uint8) at time t (s), largest first; [] when there is none."""
        import mediapipe as mp

        image = np.ascontiguousarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be [H, W, 3] uint8 RGB, got {image.shape} {image.dtype}")
        frame = mp.Image(image_format=mp.ImageFormat.SRGB, data=image)
        if self.video:
            # The landmarker wants strictly increasing milliseconds; frames closer than 1 ms still get their own.
            self._last_ms = max(int(round(t * 1000.0)), self._last_ms + 1)
            result = self._landmarker.detect_for_video(frame, self._last_ms)
        else:
            result = self._landmarker.detect(frame)
        faces = []
        for landmarks, shapes, matrix in zip(result.face_landmarks, result.face_blendshapes,
                                             result.facial_transformation_matrixes, strict=True):
            weights = np.zeros(NUM_BLENDSHAPES, np.float32)
            for category in shapes:
                if category.category_name in INDEX:  # the first is "_neutral": no channel of ours
                    weights[INDEX[category.category_name]] = category.score
            xs = np.array([p.x for p in landmarks])
            ys = np.array([p.y for p in landmarks])
            box = (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
            matrix = np.asarray(matrix, np.float64)
            # The canonical face is in centimetres, a metre in front of the camera is z = -100.
            faces.append(FaceObservation(t, weights, head_angles(matrix), eye_angles_from_weights(weights),
                                         float(-matrix[2, 3] / 100.0), box))
        return sorted(faces, key=lambda face: -face.width)


@dataclass(frozen=True)
class Neutral:
    """A performer's resting face: what their face reads when they make no expression and face the camera."""

    weights: np.ndarray  # [52]
    head: np.ndarray  # [3]

    @classmethod
    def of(cls, faces: Sequence[FaceObservation]) -> Neutral:
        """The neutral of a few seconds of a resting face (the median: a blink in them does not count)."""
        if not faces:
            raise ValueError("calibration needs at least one frame with a face")
        return cls(np.median([f.weights for f in faces], axis=0).astype(np.float32),
                   np.median([f.head for f in faces], axis=0).astype(np.float32))


class PerformerFace:
    """One performer's face over time: each observation made relative to their neutral face (`calibrate`) and
    smoothed. Not thread-safe: one tracker thread feeds it."""

    def __init__(self, neutral: Neutral | None = None) -> None:
        self.neutral = neutral
        cutoff = np.full(NUM_BLENDSHAPES, WEIGHT_FILTER[0])
        beta = np.full(NUM_BLENDSHAPES, WEIGHT_FILTER[1])
        cutoff[BLINK_CHANNELS], beta[BLINK_CHANNELS] = BLINK_FILTER
        self._weights = OneEuro(cutoff, beta)
        self._head = OneEuro(*HEAD_FILTER)
        self._eyes = OneEuro(*EYE_FILTER)

    def calibrate(self, faces: Sequence[FaceObservation]) -> Neutral:
        """Take these frames of the performer's resting face as their neutral from now on."""
        self.neutral = Neutral.of(faces)
        return self.neutral

    def reset(self) -> None:
        """The face was lost: the next observation starts the filters afresh (no glide from where it was)."""
        for f in (self._weights, self._head, self._eyes):
            f.reset()

    def apply(self, face: FaceObservation) -> FaceObservation:
        """The observation relative to the neutral (a channel at its resting value reads 0; at 1, 1) and smoothed."""
        weights, head = face.weights, face.head
        if self.neutral is not None:
            rest = np.where(self.neutral.weights < NEUTRAL_CEILING, self.neutral.weights, 0.0)
            weights = np.clip((weights - rest) / (1.0 - rest), 0.0, 1.0)
            head = head - self.neutral.head
        weights = np.clip(self._weights(face.t, weights), 0.0, 1.0).astype(np.float32)
        return replace(face, weights=weights, head=self._head(face.t, head).astype(np.float32),
                       eyes=self._eyes(face.t, eye_angles_from_weights(weights)).astype(np.float32))

