"""Where camera frames come from: a webcam, a video file, a folder of images, a single image, or a client's frames.

    CameraSource (a webcam, OpenCV) ──┐
    VideoFileSource (PyAV) ───────────┤
    ImageFolderSource ────────────────┼─► frames() ─► VideoFrame (RGB, t, index) ─► LatestFrame ─► trackers
    ImageSource (a still) ────────────┘
    a client's jpeg, png or rgb24 bytes ─► decode_image ─► RGB array ─► trackers

A source is a generator of frames: it does work only when iterated, so a slow consumer slows a file down instead
of piling frames up. A camera cannot be slowed (`live`): `LatestFrame` reads it on its own thread and keeps only
the newest frame, counting what it overwrote. The same pump plays a file at its own rate for a live show
(`realtime=True`) or hands every frame over for an offline render (`realtime=False`).

Files are named by the operator (`serve --camera`, `render --video`) and trusted as named; a frame a client sends
is not, so `decode_image` checks its format and size (from the header, before decoding) and fails with a
RequestError naming the field and the limit. Damage is never an FFmpeg traceback: a file that is not a video is a
SourceError at open, and a file damaged or cut off part way plays up to the damage and records why it stopped
(`error`). A camera unplugged mid-show ends its frames with `lost` set.
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import sys
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

import av
import av.error
import cv2
import numpy as np
from av.container import InputContainer
from av.video.stream import VideoStream
from PIL import Image

from models.errors import RequestError

log = logging.getLogger(__name__)

#: Files an image folder or `open_source` treats as images (any case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
#: Frame rate (frames/s) of an image folder or a still image when none is given.
DEFAULT_FPS = 30.0
#: Most pixels a client's frame may have (1080p): the trackers downscale anyway, and a header is checked against it
#: before decoding, so a small file claiming a huge image costs nothing.
MAX_FRAME_PIXELS = 1920 * 1080
#: Longest side (px) of a client's frame: a 1 x 2,000,000 strip is within the pixel limit but no camera's frame.
MAX_FRAME_SIDE = 4096
#: Most bytes a client's frame may have: the wire's message cap (bridge.protocol.MAX_MESSAGE_BYTES), so a raw rgb24
#: frame is at most about 640 x 480 + a little; larger frames come as jpeg.
MAX_FRAME_BYTES = 1 << 20
#: The formats a client may send frames in: jpeg and png decoded here, rgb24 raw (with width and height).
FRAME_FORMATS = ("jpeg", "png", "rgb24")
#: A camera whose reads have failed for this long (s) is lost (unplugged, or taken by another program).
CAMERA_LOST_S = 2.0
#: Pause (s) between reads of a camera that failed, so a failing camera does not spin a core.
CAMERA_RETRY_S = 0.05
#: A file that ends more than this (s) short of the frame count or duration its header gives was cut off or damaged
#: (a frame or two fewer is an edit list trimming the start).
TRUNCATED_SLACK_S = 0.1


class SourceError(Exception):
    """A frame source that cannot be opened or read: the message names it and says what to do."""


@dataclass(frozen=True, eq=False)  # eq=False: comparing (and hashing) frames by their pixels is never meant
class VideoFrame:
    """One frame: `image` [H, W, 3] uint8 RGB (C-contiguous); `t` in seconds (a file's frame pts from its start, a
    camera frame's capture time on time.monotonic()); `index` the frame's number on its source, 0-based (a jump
    means frames were dropped or skipped)."""

    image: np.ndarray
    t: float
    index: int

    def __post_init__(self) -> None:
        image = self.image
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or not image.flags.c_contiguous:
            raise ValueError(f"a VideoFrame's image must be a C-contiguous [H, W, 3] uint8 array, got "
                             f"{image.dtype} {image.shape}")


class FrameSource(Protocol):
    """Where frames come from. `frames()` is a generator (work happens as it is iterated); `fps` is None where
    unknown (some cameras); `size` is (width, height); `live` means frames come in real time and must be dropped,
    not queued, when the consumer is slower (a camera); `error` says why `frames()` ended early (damage, a lost
    camera), None after a clean end; `close()` frees the device or file (not while another thread iterates)."""

    @property
    def fps(self) -> float | None: ...

    @property
    def size(self) -> tuple[int, int]: ...

    @property
    def live(self) -> bool: ...

    @property
    def error(self) -> str | None: ...

    def frames(self) -> Iterator[VideoFrame]: ...

    def close(self) -> None: ...


class CameraSource:
    """A webcam through OpenCV (V4L2 on Linux); one that does not open is a SourceError saying what to check. A
    camera whose reads fail for `CAMERA_LOST_S` is lost: `frames()` ends, `lost` is set and `error` says why."""

    live = True

    def __init__(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise SourceError(f"a camera is a number from 0 (the first camera), got {index!r}")
        self.index = index
        self.lost = False
        self.error: str | None = None
        self.frames_read = 0
        # V4L2 on Linux: left to choose, OpenCV also tries GStreamer, FFmpeg and Orbbec cameras, each printing its
        # own failure for an index that is not there.
        api = cv2.CAP_V4L2 if sys.platform.startswith("linux") else cv2.CAP_ANY
        level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our SourceError says it better
        try:
            self._capture = cv2.VideoCapture(index, api)
        finally:
            cv2.utils.logging.setLogLevel(level)
        if not self._capture.isOpened():
            self._capture.release()
            raise SourceError(_no_camera(index))
        fps = float(self._capture.get(cv2.CAP_PROP_FPS))
        self.fps: float | None = fps if math.isfinite(fps) and fps > 0 else None  # 0: the driver does not say
        self.size = (int(self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                     int(self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))

    def frames(self) -> Iterator[VideoFrame]:
        """The camera's frames as they come, until it is lost or closed. `index` counts frames delivered (frames the
        driver dropped are not seen)."""
        failing_since: float | None = None
        while self._capture.isOpened():
            ok = self._capture.grab()
            # Stamped between grab (the frame is in) and retrieve (its conversion), the nearest to capture we see.
            t = time.monotonic()
            image = self._capture.retrieve()[1] if ok else None
            if image is not None:
                failing_since = None
                yield VideoFrame(_rgb(image), t, self.frames_read)
                self.frames_read += 1
                continue
            failing_since = t if failing_since is None else failing_since
            if t - failing_since >= CAMERA_LOST_S:
                self.lost = True
                self.error = (f"camera {self.index} stopped delivering frames (none for {CAMERA_LOST_S:g} s after "
                              f"{self.frames_read}): check that it is still plugged in and that no other program "
                              "took it" if self.frames_read else
                              f"camera {self.index} opened but delivered no frame in {CAMERA_LOST_S:g} s: another "
                              "program may be using it (close it), or the driver may not stream")
                log.warning("%s", self.error)
                return
            time.sleep(CAMERA_RETRY_S)

    def close(self) -> None:
        """Release the camera (frames() then ends)."""
        self._capture.release()


class VideoFileSource:
    """A video file through PyAV (any container and codec FFmpeg reads), its frames turned upright by the rotation
    a phone records in it. `t` is each frame's pts from the video stream's start. Opening decodes the first frame,
    so a file without a playable video is a SourceError at once; a file damaged or cut off later plays up to the
    damage, then `frames()` ends and `error` says why."""

    live = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.error: str | None = None
        self.frames_read = 0
        self._container: InputContainer | None = None
        with _open_media(self.path) as container:
            if not container.streams.video:
                raise SourceError(f"{self.path}: has no video stream (audio only?): give a video file, an image or a "
                                  "folder of images")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate
            self.fps: float | None = float(rate) if rate else None
            first = self._first_frame(container, stream)
        self.size = (first.shape[1], first.shape[0])  # upright: a phone's portrait video is stored sideways

    def _first_frame(self, container: InputContainer, stream: VideoStream) -> np.ndarray:
        try:
            for frame in container.decode(stream):
                return _upright(frame)
        except av.error.FFmpegError as exc:
            raise SourceError(f"{self.path}: its video does not decode ({_ffmpeg_reason(exc)}): the file is damaged, "
                              "or its codec is one this FFmpeg lacks") from None
        raise SourceError(f"{self.path}: its video stream has no frames")

    def frames(self) -> Iterator[VideoFrame]:
        """The file's frames in order, from the start (each call opens the file again)."""
        self.close()
        self._container = container = _open_media(self.path)
        self.error = None
        self.frames_read = 0
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"  # frame and slice threads: decoding keeps up with 1080p on a laptop
        base = stream.time_base or Fraction(1, 90000)  # a stream always has one once opened; 90 kHz is MPEG's
        start = stream.start_time
        last_t: float | None = None
        try:
            for frame in container.decode(stream):
                if frame.pts is None:  # no timestamps (raw streams): frames are evenly spaced
                    t = self.frames_read / (self.fps or DEFAULT_FPS)
                else:
                    start = frame.pts if start is None else start
                    t = float((frame.pts - start) * base)
                yield VideoFrame(_upright(frame), t, self.frames_read)
                self.frames_read += 1
                last_t = t
        except av.error.FFmpegError as exc:
            self.error = (f"{self.path}: damaged after {self.frames_read} frames ({_ffmpeg_reason(exc)}); the frames "
                          "before the damage came through")
        else:
            self.error = self._cut_short(stream, container, last_t)
        if self.error:
            log.warning("%s", self.error)

    def _cut_short(self, stream: VideoStream, container: InputContainer, last_t: float | None) -> str | None:
        """Why a file that decoded without error still ended early, by its header's frame count or duration."""
        if self.frames_read == 0:
            return f"{self.path}: no frame could be decoded (the file is empty or damaged)"
        expected = int(stream.frames or 0)  # 0: the container does not say (Matroska, WebM)
        if expected and expected - self.frames_read > TRUNCATED_SLACK_S * (self.fps or DEFAULT_FPS):
            return (f"{self.path}: ended after {self.frames_read} of the {expected} frames its header lists "
                    "(cut off or damaged); the frames before came through")
        duration = _duration_s(stream, container)
        end = (last_t or 0.0) + 1.0 / (self.fps or DEFAULT_FPS)
        if not expected and duration is not None and end < duration - TRUNCATED_SLACK_S:
            return (f"{self.path}: ended at {end:.2f} s of the {duration:.2f} s its header gives (cut off or "
                    "damaged); the frames before came through")
        return None

    def close(self) -> None:
        """Close the file (not while another thread iterates frames())."""
        if self._container is not None:
            self._container.close()
            self._container = None


class ImageFolderSource:
    """The png, jpg, jpeg, bmp and webp files of a folder in name order (numbers in names by value: frame_2 before
    frame_10), as a video at `fps`. The file at position i is frame i at t = i / fps; a file that cannot be read or
    is not the first image's size is skipped and counted (`skipped`), leaving a jump in `index`."""

    live = False
    error: str | None = None  # a folder plays to its end: skips are counted, not errors

    def __init__(self, path: str | Path, fps: float = DEFAULT_FPS) -> None:
        self.path = Path(path)
        self.fps: float | None = _check_fps(fps)
        if not self.path.is_dir():
            raise SourceError(f"{self.path}: not a folder")
        self.files = sorted((p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
                            key=_natural_key)
        if not self.files:
            raise SourceError(f"{self.path}: no image files ({', '.join(IMAGE_SUFFIXES)}) in the folder")
        self.skipped = 0
        self.size = self._first_size()

    def _first_size(self) -> tuple[int, int]:
        for file in self.files:
            try:
                image = _read_image(file)
            except SourceError:
                continue
            return image.shape[1], image.shape[0]
        raise SourceError(f"{self.path}: none of its {len(self.files)} image files could be read")

    def frames(self) -> Iterator[VideoFrame]:
        """The folder's images in order (each call starts again and recounts `skipped`)."""
        self.skipped = 0
        fps = self.fps or DEFAULT_FPS
        for i, file in enumerate(self.files):
            try:
                image = _read_image(file)
            except SourceError as exc:
                self._skip(f"{exc}")
                continue
            if (image.shape[1], image.shape[0]) != self.size:
                self._skip(f"{file}: {image.shape[1]} x {image.shape[0]}, not the folder's {self.size[0]} x "
                           f"{self.size[1]}")
                continue
            yield VideoFrame(image, i / fps, i)

    def _skip(self, why: str) -> None:
        self.skipped += 1
        log.warning("skipped %s", why)

    def close(self) -> None:
        """Nothing to free: each file is closed once read."""


class ImageSource:
    """A single image as a still video: the same frame at `fps` for `seconds` (None: until closed, a still camera).
    The image is read once and shared by every frame, read-only."""

    live = False
    error: str | None = None

    def __init__(self, path: str | Path, seconds: float | None = None, fps: float = DEFAULT_FPS) -> None:
        self.path = Path(path)
        self.fps: float | None = _check_fps(fps)
        if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
            raise SourceError(f"seconds must be a positive number of seconds (or None: until closed), got {seconds}")
        self.seconds = seconds
        self._image = _read_image(self.path)
        self._image.flags.writeable = False  # one array serves every frame: drawing on one would draw on all
        self.size = (self._image.shape[1], self._image.shape[0])
        self._closed = False

    def frames(self) -> Iterator[VideoFrame]:
        """The image, again and again, at t = i / fps."""
        fps = self.fps or DEFAULT_FPS
        count = max(1, round(self.seconds * fps)) if self.seconds is not None else None
        i = 0
        while not self._closed and (count is None or i < count):
            yield VideoFrame(self._image, i / fps, i)
            i += 1

    def close(self) -> None:
        """End frames() (an endless still stops)."""
        self._closed = True


def open_source(spec: str | int | Path, *, fps: float | None = None, seconds: float | None = None) -> FrameSource:
    """The source `spec` names: an int or a string of digits is a camera; a folder, its images (at `fps`); a file
    with an image suffix, a still (`seconds` long at `fps`); any other file, a video (`fps` and `seconds` unused:
    a file has its own). Raises SourceError."""
    if isinstance(spec, int):  # a bool too, which CameraSource refuses
        return CameraSource(spec)
    if isinstance(spec, str) and spec.strip().isdigit():
        return CameraSource(int(spec.strip()))
    path = Path(spec).expanduser()
    if path.is_dir():
        return ImageFolderSource(path, fps=fps or DEFAULT_FPS)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder (a camera is given by its number: 0 for the first)")
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path, seconds=seconds, fps=fps or DEFAULT_FPS)
    return VideoFileSource(path)


def read_audio(path: str | Path) -> tuple[np.ndarray, int] | None:
    """A media file's sound as float32 mono (channels averaged) at its own sample rate, or None when it has no
    audio stream. In a video, sample 0 is at the frames' t = 0: audio that starts later is preceded by silence,
    audio that starts earlier is cut. Audio damaged part way is kept up to the damage (logged). Raises SourceError
    for a file FFmpeg cannot read."""
    path = Path(path)
    with _open_media(path) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        rate = int(stream.codec_context.sample_rate or stream.rate)
        video_start = _start_s(container.streams.video[0]) if container.streams.video else None
        # Planar float at the stream's own layout and rate: we average the channels ourselves, as decode_pcm does
        # (libswresample's stereo-to-mono mix scales each channel by 1/sqrt(2): a full-scale tone would clip).
        resampler = av.AudioResampler(format="fltp")
        chunks: list[np.ndarray] = []
        first_time: float | None = None  # the first decoded frame's time: after the codec's priming, unlike start_time
        try:
            for frame in container.decode(stream):
                first_time = frame.time if first_time is None else first_time
                chunks.extend(planar.to_ndarray().mean(axis=0, dtype=np.float32)
                              for planar in resampler.resample(frame))
        except av.error.FFmpegError as exc:
            log.warning("%s: audio damaged after %.2f s (%s); kept the audio before", path,
                        sum(map(len, chunks)) / rate, _ffmpeg_reason(exc))
    audio = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if video_start is not None and first_time is not None:
        lead = round((first_time - video_start) * rate)
        audio = np.concatenate([np.zeros(lead, np.float32), audio]) if lead > 0 else audio[-lead:]
    return audio, rate


def decode_image(data: bytes, fmt: str, width: int | None = None, height: int | None = None) -> np.ndarray:
    """A client's frame as [H, W, 3] uint8 RGB: `fmt` "jpeg" or "png" (size from the image; `width` and `height`,
    when given, must match it) or "rgb24" (raw rows, top first; `width` and `height` required). Raises RequestError
    naming the field at fault ("format", "image", "width", "height") and the limit."""
    real_width, real_height = check_image(data, fmt, width, height)
    if fmt == "rgb24":
        # A copy: the caller's bytes are read-only, and the frame must not keep the whole request alive.
        return np.frombuffer(data, np.uint8).reshape(real_height, real_width, 3).copy()
    # Decoded by OpenCV: 4-5x faster than Pillow at 720p. Orientation ignored, so the size checked is the size
    # returned (a client's camera frames carry no EXIF).
    image = _decode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    if image is None:
        raise RequestError("bad_image", f"image is damaged: its {fmt} header reads but the image does not decode "
                                        "(cut off?)", "image")
    return image


def check_image(data: bytes, fmt: str, width: int | None = None, height: int | None = None) -> tuple[int, int]:
    """`decode_image`'s checks without decoding a pixel (a fraction of a millisecond: fit for the event loop); the
    frame's width and height. Raises RequestError as `decode_image` does."""
    if fmt not in FRAME_FORMATS:
        raise RequestError("out_of_range", f"format must be one of {', '.join(FRAME_FORMATS)}, got {str(fmt)[:40]!r}",
                           "format")
    if not data:
        raise RequestError("empty", "image is empty (0 bytes)", "image")
    if len(data) > MAX_FRAME_BYTES:
        raise RequestError("too_large", f"image has {len(data)} bytes; the limit is {MAX_FRAME_BYTES} bytes "
                                        f"({MAX_FRAME_BYTES >> 20} MiB): send a smaller frame, or jpeg", "image")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= MAX_FRAME_SIDE):
            raise RequestError("out_of_range", f"{name} must be a whole number of pixels from 1 to {MAX_FRAME_SIDE}, "
                                               f"got {str(value)[:40]}", name)
    if fmt == "rgb24":
        if width is None or height is None:
            missing = "width" if width is None else "height"
            raise RequestError("missing_field", f"{missing} is required for rgb24 frames", missing)
        _check_pixels(width, height, "width")
        if len(data) != width * height * 3:
            raise RequestError("bad_length", f"image has {len(data)} bytes; an rgb24 frame of {width} x {height} has "
                                             f"{width * height * 3} (width * height * 3)", "image")
        return width, height
    try:
        # Pillow reads only the header on open: format and size are checked before a pixel is decoded.
        with Image.open(io.BytesIO(data), formats=[fmt.upper()]) as header:
            real_width, real_height = header.size
    except (OSError, ValueError, SyntaxError):  # UnidentifiedImageError is an OSError
        raise RequestError("bad_image", f"image is not {fmt} data (format says {fmt}; check the encoder, or the "
                                        "format the bytes are in)", "image") from None
    _check_pixels(real_width, real_height, "image")
    for name, given, real in (("width", width, real_width), ("height", height, real_height)):
        if given is not None and given != real:
            raise RequestError("bad_size", f"{name} is {given} but the {fmt} image's is {real}", name)
    return real_width, real_height


class PushSource:
    """Frames someone else hands in encoded (a client's `video_in`), as a live FrameSource: the newest waits here
    (an older one not yet read is dropped, counted in `dropped`) and is decoded by the thread that iterates
    `frames()`, so a large frame never holds up the one that pushed it. A frame that does not decode is skipped and
    counted in `bad`. It has no end of its own: `frames()` runs until `close()`."""

    live = True
    fps: float | None = None
    error: str | None = None

    def __init__(self) -> None:
        self._slot: tuple[bytes, str, int | None, int | None, float, int] | None = None
        self._ready = threading.Condition()
        self._closed = False
        self.size = (0, 0)
        self.dropped = 0
        self.bad = 0

    def put(self, data: bytes, fmt: str, width: int | None, height: int | None, t: float, index: int) -> None:
        """A frame taken at t (its time on the caller's clock), `decode_image`'s arguments."""
        with self._ready:
            if self._slot is not None:
                self.dropped += 1
            self._slot = (data, fmt, width, height, t, index)
            self._ready.notify()

    def frames(self) -> Iterator[VideoFrame]:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: self._slot is not None or self._closed, timeout=0.5)
                if self._closed:
                    return
                if self._slot is None:
                    continue
                data, fmt, width, height, t, index = self._slot
                self._slot = None
            try:
                image = decode_image(data, fmt, width, height)
            except RequestError as exc:
                self.bad += 1
                log.warning("pushed frame not decoded: %s", exc)
                continue
            self.size = (image.shape[1], image.shape[0])
            yield VideoFrame(image, t, index)

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()


class LatestFrame:
    """Reads a FrameSource on its own daemon thread and hands frames to one consumer (`get`).

    A live source (a camera), or a file with `realtime=True` (paced at its own timestamps, as a live show plays a
    file): only the newest frame is kept, and one the consumer did not take before the next came is dropped
    (counted in `dropped`). A file with `realtime=False` (an offline render): each frame waits for the consumer,
    so none is dropped. `read` counts frames read from the source. The pump ends with the source (`done`; `error`
    says why when it ended early) or on `close()`; it owns the source and closes it on its own thread.
    """

    def __init__(self, source: FrameSource, *, realtime: bool = True) -> None:
        self.source = source
        self.realtime = realtime
        self.read = 0
        self.dropped = 0
        self.done = False
        self.error: str | None = None
        self._keep_latest = source.live or realtime
        self._slot: VideoFrame | None = None
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name="frames", daemon=True)
        self._thread.start()

    def get(self, timeout: float | None = None) -> VideoFrame | None:
        """The newest frame not yet taken, waiting up to `timeout` s (None: until one comes or the pump ends);
        None on timeout, after close(), or once the pump is done and every frame kept was taken."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._slot is None and not self.done and not self._stop.is_set():
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            frame, self._slot = self._slot, None
            self._cond.notify_all()  # a blocking hand-off waits for the slot to empty
            return frame

    @property
    def running(self) -> bool:
        """Whether the pump's thread is still alive."""
        return self._thread.is_alive()

    def close(self, timeout: float = 2.0) -> None:
        """Stop the pump and wait up to `timeout` s for its thread (a camera read in progress finishes first)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("frame pump still in a read %.1f s after close; left to end on its own", timeout)

    def __enter__(self) -> LatestFrame:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _pump(self) -> None:
        frames = self.source.frames()
        start: float | None = None  # monotonic time of the first frame, for pacing a file
        try:
            for frame in frames:
                if self._stop.is_set():
                    break
                if self.realtime and not self.source.live:
                    start = time.monotonic() - frame.t if start is None else start
                    if self._stop.wait(max(0.0, start + frame.t - time.monotonic())):
                        break
                if not self._hand_over(frame):
                    break
            self.error = self.source.error
        except Exception as exc:  # a source's bug must end the pump visibly, not kill a thread nobody watches
            log.exception("frame source failed")
            self.error = f"frame source failed: {type(exc).__name__}: {exc}"
        finally:
            if isinstance(frames, Generator):
                frames.close()  # its finally blocks run here, on the thread that iterated it
            self.source.close()
            with self._cond:
                self.done = True
                self._cond.notify_all()

    def _hand_over(self, frame: VideoFrame) -> bool:
        """Put the frame in the slot (waiting for it to empty unless keeping the latest); False when stopped."""
        with self._cond:
            self.read += 1
            if not self._keep_latest:
                while self._slot is not None and not self._stop.is_set():
                    self._cond.wait()
                if self._stop.is_set():
                    return False
            if self._slot is not None:
                self.dropped += 1
            self._slot = frame
            self._cond.notify_all()
            return True


def _rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV's BGR (or gray, or BGRA) as a new C-contiguous RGB array."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def _read_image(path: Path) -> np.ndarray:
    """An image file as RGB, turned upright by its EXIF orientation (a phone's portrait is stored sideways)."""
    if not path.is_file():  # a FIFO or device would block the read or never end
        raise SourceError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
    try:
        raw = np.fromfile(path, np.uint8)  # then imdecode: cv2.imread cannot open non-ASCII paths on Windows
    except OSError as exc:
        raise SourceError(f"{path}: cannot read it ({exc.strerror})") from None
    image = _decode(raw, cv2.IMREAD_COLOR)
    if image is None:
        raise SourceError(f"{path}: not an image OpenCV can read (damaged, or not the format its name says)")
    return image


def _decode(data: np.ndarray, flags: int) -> np.ndarray | None:
    """Encoded image bytes as RGB, or None when OpenCV cannot decode them."""
    try:
        bgr = cv2.imdecode(data, flags)
    except cv2.error:  # most failures return None; a few decoders raise
        return None
    return None if bgr is None else _rgb(bgr)


def _check_pixels(width: int, height: int, field: str) -> None:
    if width * height > MAX_FRAME_PIXELS or max(width, height) > MAX_FRAME_SIDE:
        raise RequestError("too_large", f"the frame is {width} x {height} = {width * height} pixels; the limit is "
                                        f"{MAX_FRAME_PIXELS} pixels (1920 x 1080) and {MAX_FRAME_SIDE} per side: "
                                        "scale it down before sending", field)


def _check_fps(fps: float) -> float:
    if not (math.isfinite(fps) and fps > 0):
        raise SourceError(f"fps must be a positive number of frames per second, got {fps}")
    return float(fps)


def _natural_key(path: Path) -> list[int | str]:
    """Name order with runs of digits compared as numbers: frame_2 before frame_10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _open_media(path: Path) -> InputContainer:
    """The file opened by PyAV for reading. Raises SourceError, never an FFmpeg error: a missing file, a folder, a
    device or FIFO (reading one could block forever), or a file FFmpeg cannot read."""
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if not path.is_file():
        raise SourceError(f"{path}: not a regular file (a folder, device or pipe): give a video file")
    try:
        container = av.open(str(path), mode="r")
    except av.error.FFmpegError as exc:
        raise SourceError(f"{path}: not a video or audio file FFmpeg can read ({_ffmpeg_reason(exc)}): give one "
                          "(mp4, mkv, webm, mov, ...); an mp4 or mov recording cut off before it was finished has no "
                          "index and cannot be read, so record to mkv, which survives a crash") from None
    return container


def _ffmpeg_reason(exc: av.error.FFmpegError) -> str:
    """FFmpeg's reason without the file name and error number PyAV adds."""
    return str(getattr(exc, "strerror", None) or exc).strip() or type(exc).__name__


def _upright(frame: av.VideoFrame) -> np.ndarray:
    """The frame as RGB, turned by the rotation its file gives (counterclockwise, in quarter turns; flips ignored)."""
    rgb = frame.to_ndarray(format="rgb24")
    quarter_turns = round((frame.rotation or 0) / 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, quarter_turns) if quarter_turns else rgb)


def _start_s(stream: VideoStream) -> float:
    """Where a stream starts on its file's clock (s)."""
    if stream.start_time is None or stream.time_base is None:
        return 0.0
    return float(stream.start_time * stream.time_base)


def _duration_s(stream: VideoStream, container: InputContainer) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * Fraction(stream.time_base))
    if container.duration is not None:
        return container.duration / av.time_base
    return None


def _no_camera(index: int) -> str:
    """What to check when camera `index` does not open."""
    where = ""
    if sys.platform.startswith("linux"):
        device = f"/dev/video{index}"
        found = sorted(str(p) for p in Path("/dev").glob("video*"))
        if not os.path.exists(device):
            where = f": there is no {device} (cameras here: {', '.join(found) or 'none'})"
        elif not os.access(device, os.R_OK | os.W_OK):
            where = f": {device} is there but this user may not open it (add the user to the video group)"
        else:
            where = f": {device} is there but did not open (another program may hold it)"
    return (f"camera {index} did not open{where}. Check that a camera is plugged in and listed by `ls /dev/video*` "
            "(or your system's camera settings), that this user may use it (permissions, the video group), and that "
            "no other program holds it; give its number (0 for the first), or a video file instead")
