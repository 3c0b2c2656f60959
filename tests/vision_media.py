"""Real test media for camera in: a performer video made from scikit-image's portrait with PyAV (the head rolls by
known angles; speech from the bundled voice as its sound), shared by the vision tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
from skimage import data

FPS = 30
SIDE = 384
#: The astronaut's face centre in the square portrait (a share of its side): the roll turns about it.
FACE_CENTRE = (0.44, 0.24)


def portrait(side: int = SIDE) -> np.ndarray:
    return cv2.resize(data.astronaut(), (side, side), interpolation=cv2.INTER_AREA)


def rolled(image: np.ndarray, degrees: float) -> np.ndarray:
    """The portrait turned `degrees` about her face (+: her head tilts towards her right shoulder, the picture's
    left: counter-clockwise on screen)."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((FACE_CENTRE[0] * w, FACE_CENTRE[1] * h), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)


def performer_video(path: Path, seconds: float, roll: Callable[[float], float] = lambda t: 0.0,
                    blank: Callable[[float], bool] = lambda t: False, audio: np.ndarray | None = None,
                    audio_rate: int = 22050) -> Path:
    """An h264 mp4 at FPS of the portrait whose head rolls `roll(t)` degrees; a grey frame where `blank(t)` (the
    performer out of view); with `audio` (float32 mono) as AAC."""
    still = portrait()
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.height = video.width = SIDE
        video.pix_fmt = "yuv420p"
        video.options = {"crf": "20", "preset": "ultrafast"}
        sound = None
        if audio is not None:
            sound = container.add_stream("aac", rate=audio_rate)
            assert isinstance(sound, av.AudioStream)
            sound.layout = "mono"
        for i in range(round(seconds * FPS)):
            t = i / FPS
            image = np.full_like(still, 128) if blank(t) else rolled(still, roll(t))
            for packet in video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None and audio is not None:
            size = sound.codec_context.frame_size or 1024
            for start in range(0, len(audio), size):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(audio[None, start:start + size]),
                                                   format="fltp", layout="mono")
                frame.sample_rate = audio_rate
                frame.pts = start
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path
