"""One frame through the trackers: the performer's face (calibrated, smoothed), their body retargeted, and the people
a kiosk sees. The camera's tracker thread (bridge/camera_in.py) and `render --video` both run frames through it."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from models.vision.audience import Person
from models.vision.face import FaceObservation, PerformerFace, mirrored
from models.vision.puppet import PuppetSample
from models.vision.retarget import retarget

#: Frames of a resting face that calibration takes the median of (about a second at camera rates).
CALIBRATION_FRAMES = 24
#: Most faces the kiosk looks for (visitors); the performer is the largest face.
MAX_FACES = 4


class FaceSource(Protocol):
    def track(self, image: np.ndarray, t: float = 0.0) -> list[FaceObservation]: ...


class BodySource(Protocol):
    def track(self, image: np.ndarray, t: float = 0.0) -> Any: ...  # a BodyObservation or None


@dataclass(frozen=True)
class Seen:
    """What one frame showed."""

    t: float  # when the frame was taken, on the clock its owner gave
    sample: PuppetSample
    people: tuple[Person, ...]
    track_ms: float
    calibrated: bool = False  # this frame completed a calibration


@dataclass(frozen=True)
class Wants:
    """What to look for in the next frames: the body too (the puppet's), how many faces (the kiosk's visitors), and
    whether the image is mirrored (a "selfie view": sides and turns are undone so the performer's left stays hers)."""

    body: bool = False
    faces: int = 1
    mirror: bool = False


class Tracking:
    """Frames through the face and body trackers, for one performer (and the visitors around them). Not
    thread-safe: one thread owns it."""

    def __init__(self, faces: FaceSource, body: BodySource) -> None:
        self.faces = faces
        self.body = body
        self.performer = PerformerFace()
        self.wants = Wants()
        self._calibration: list[FaceObservation] | None = None  # while calibrating: the frames so far

    def calibrate(self) -> None:
        """Take the next CALIBRATION_FRAMES frames with a face as the performer's neutral."""
        self._calibration = []

    def track(self, image: np.ndarray, frame_t: float, t: float) -> Seen:
        """One frame: `frame_t` its time on its source (the trackers' own clock), `t` on the owner's clock."""
        started = time.perf_counter()
        wants = self.wants
        faces = self.faces.track(image, frame_t)[: wants.faces]
        # The body is looked for when the puppet wants it, and when no face is seen (a visitor turned away).
        body = self.body.track(image, frame_t) if wants.body or not faces else None
        face, calibrated = None, False
        if wants.mirror:
            faces = [mirrored(f) for f in faces]
        if faces:
            raw = dataclasses.replace(faces[0], t=t)
            if self._calibration is not None:
                self._calibration.append(raw)
                if len(self._calibration) >= CALIBRATION_FRAMES:
                    self.performer.calibrate(self._calibration)
                    self._calibration, calibrated = None, True
            face = self.performer.apply(raw)
        else:
            self.performer.reset()
        people = tuple(Person(f.box, "face", f.width) for f in faces)
        if not faces and body is not None and body.shoulder_width > 0.0:
            people = (Person(body.box, "pose", body.shoulder_width),)
        moved = retarget(body.world, body.visibility, body.hands, mirror=wants.mirror) \
            if body is not None and wants.body else None
        return Seen(t, PuppetSample(t, face, moved), people, (time.perf_counter() - started) * 1000.0, calibrated)


def mediapipe_tracking(video: bool = True) -> Tracking:
    """Tracking with MediaPipe's models (the vision extra): `video` for the frames of one stream."""
    from models.vision.body import BodyTracker
    from models.vision.face import FaceTracker

    return Tracking(FaceTracker(max_faces=MAX_FACES, video=video), BodyTracker(video=video))
