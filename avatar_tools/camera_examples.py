"""Performer media for camera in, made from scikit-image's portrait (NASA's astronaut, public domain) with PyAV: a
video whose head rolls by known angles, out of view where asked, with speech as its sound. The tests and benchmarks
make theirs with it; run as a program it writes the examples docs/camera.md uses:

    python -m avatar_tools.camera_examples [--out examples/camera]

(needs the vision extra and scikit-image, which the dev extra brings)."""

from __future__ import annotations

import argparse
import math
import sys
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
                    audio_rate: int = 22050, crf: int = 20, side: int = SIDE) -> Path:
    """An h264 mp4 at FPS (x264 at `crf`) of the portrait, `side` pixels square, whose head rolls `roll(t)` degrees; a
    grey frame where `blank(t)` (the performer out of view); with `audio` (float32 mono) as AAC."""
    still = portrait(side)
    # faststart: the index first, so a player (or a test cutting the file) reads it before the frames.
    options = {"movflags": "faststart"} if path.suffix == ".mp4" else {}
    with av.open(str(path), "w", options=options) as container:
        video = container.add_stream("libx264", rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.height = video.width = side
        video.pix_fmt = "yuv420p"
        video.options = {"crf": str(crf), "preset": "medium"}
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


#: The example's line, and how far (degrees) and how fast (s a swing) its head rolls.
EXAMPLE_LINE = "Hi everyone! Let me show you around the winter expo."
EXAMPLE_ROLL_DEG, EXAMPLE_ROLL_PERIOD_S = 12.0, 2.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("examples/camera"), help="folder (default %(default)s)")
    args = parser.parse_args(argv)
    from PIL import Image

    from models.tts.piper_voice import PiperTTS

    args.out.mkdir(parents=True, exist_ok=True)
    voice = PiperTTS()
    audio = np.concatenate([segment.audio for segment in voice.synthesize(EXAMPLE_LINE)])
    video = performer_video(args.out / "performer.mp4", len(audio) / voice.sample_rate + 0.5,
                            roll=lambda t: EXAMPLE_ROLL_DEG * math.sin(2 * math.pi * t / EXAMPLE_ROLL_PERIOD_S),
                            audio=audio, audio_rate=voice.sample_rate, crf=30, side=320)
    still = args.out / "portrait.jpg"
    Image.fromarray(portrait(320)).save(still, quality=85)
    print(f"wrote {video} and {still}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
