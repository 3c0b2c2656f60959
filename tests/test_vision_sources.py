"""Frame sources on real media made here with PyAV: files, folders, stills, a client's frames, and the pump."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from models.errors import RequestError
from models.vision import sources
from models.vision.sources import (
    MAX_FRAME_BYTES,
    MAX_FRAME_PIXELS,
    CameraSource,
    ImageFolderSource,
    ImageSource,
    LatestFrame,
    SourceError,
    VideoFileSource,
    VideoFrame,
    decode_image,
    open_source,
    read_audio,
)

FPS = 30
FRAMES = 60  # 2 s
SIDE = 256
SHIFT_PX = 4  # each frame the portrait moves this far right: neighbouring frames differ clearly
TONE_HZ = 440.0
TONE_AMPLITUDE = 0.5
PORTRAIT = cv2.resize(data.astronaut(), (SIDE, SIDE), interpolation=cv2.INTER_AREA)


def portrait_frame(i: int) -> np.ndarray:
    """Frame i of the test clip: the astronaut portrait shifted i * SHIFT_PX to the right (wrapping)."""
    return np.ascontiguousarray(np.roll(PORTRAIT, SHIFT_PX * i, axis=1))


def mean_abs_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def has_encoder(name: str) -> bool:
    try:
        av.codec.Codec(name, "w")
    except Exception:  # PyAV raises its own not-found error, whose class moved between versions
        return False
    return True


def write_clip(path: Path, codec: str, options: dict[str, str], audio: tuple[str, int] | None = None,
               container_options: dict[str, str] | None = None, frame_of: Callable[[int], np.ndarray] = portrait_frame,
               rotation: int = 0, audio_delay_s: float = 0.0) -> Path:
    """Encode FRAMES frames (`frame_of(i)`: the shifting portrait) at FPS, marked to be shown turned `rotation`
    degrees counterclockwise; with a stereo TONE_HZ sine (both channels) from `audio_delay_s` on if `audio` names
    (codec, rate)."""
    with av.open(str(path), "w", options=container_options or {}) as container:
        video = container.add_stream(codec, rate=FPS)
        assert isinstance(video, av.VideoStream)
        video.height, video.width = frame_of(0).shape[:2]
        if rotation:
            video.set_display_rotation(rotation)
        video.pix_fmt = "yuv420p"
        video.options = dict(options)
        sound: av.AudioStream | None = None
        if audio is not None:  # every stream is added before the first packet is written
            codec_name, rate = audio
            added = container.add_stream(codec_name, rate=rate)
            assert isinstance(added, av.AudioStream)
            added.layout = "stereo"
            sound = added
        for i in range(FRAMES):
            for packet in video.encode(av.VideoFrame.from_ndarray(frame_of(i), format="rgb24")):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        if sound is not None:
            rate = sound.codec_context.sample_rate
            t = np.arange(FRAMES * rate // FPS) / rate
            tone = (TONE_AMPLITUDE * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
            stereo = np.stack([tone, tone])
            size = sound.codec_context.frame_size or 1024
            for start in range(0, stereo.shape[1], size):
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(stereo[:, start:start + size]), format="fltp",
                                                   layout="stereo")
                frame.sample_rate = rate
                frame.pts = start + round(audio_delay_s * rate)
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return path


@dataclass(frozen=True)
class Clip:
    path: Path
    audio_rate: int | None
    max_error: float  # the codec's mean abs error on this content (0-255)
    ts_tolerance: float  # the container's timestamp resolution (s)


H264_OPTIONS = {"crf": "18", "preset": "ultrafast"}


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def h264_with_tone(media: Path) -> Clip:
    """mp4/h264 with an AAC tone at 24 kHz; the index written first (faststart), as a file cut off keeps it."""
    path = write_clip(media / "tone.mp4", "libx264", H264_OPTIONS, ("aac", 24000), {"movflags": "+faststart"})
    return Clip(path, 24000, 4.0, 1e-6)


@pytest.fixture(scope="module")
def mpeg4_silent(media: Path) -> Clip:
    return Clip(write_clip(media / "silent.mp4", "mpeg4", {"b": "8M"}), None, 8.0, 1e-6)


@pytest.fixture(scope="module")
def vp8_with_tone(media: Path) -> Clip:
    if not (has_encoder("libvpx") and has_encoder("libopus")):
        pytest.skip("this FFmpeg has no libvpx or libopus encoder")
    options = {"b": "4M", "crf": "10", "deadline": "realtime", "cpu-used": "8"}
    return Clip(write_clip(media / "tone.webm", "libvpx", options, ("libopus", 48000)), 48000, 6.0, 1e-3)


@pytest.fixture(params=["h264_with_tone", "mpeg4_silent", "vp8_with_tone"])
def clip(request: pytest.FixtureRequest) -> Clip:
    return request.getfixturevalue(request.param)


def cut(path: Path, fraction: float, out: Path) -> Path:
    """A copy of the file's first `fraction` of bytes: a recording cut off."""
    data_bytes = path.read_bytes()
    out.write_bytes(data_bytes[: int(len(data_bytes) * fraction)])
    return out


# --- video files ---------------------------------------------------------------------------------------------------


def test_video_file_frames_timestamps_and_content(clip: Clip) -> None:
    source = VideoFileSource(clip.path)
    assert (source.fps, source.size, source.live) == (FPS, (SIDE, SIDE), False)
    frames = list(source.frames())
    source.close()
    assert [f.index for f in frames] == list(range(FRAMES))
    assert np.allclose([f.t for f in frames], np.arange(FRAMES) / FPS, atol=clip.ts_tolerance)
    assert source.error is None
    for frame in frames:
        assert frame.image.shape == (SIDE, SIDE, 3) and frame.image.dtype == np.uint8
        assert frame.image.flags.c_contiguous
        own = mean_abs_error(frame.image, portrait_frame(frame.index))
        assert own < clip.max_error
        # The right frame, not a neighbour: one shift away is far worse than the codec's error.
        assert own * 3 < mean_abs_error(frame.image, portrait_frame(frame.index + 1))


def test_video_file_frames_again_rewinds(mpeg4_silent: Clip) -> None:
    source = VideoFileSource(mpeg4_silent.path)
    first = [f.index for f in source.frames()]
    again = list(source.frames())
    source.close()
    assert first == [f.index for f in again] == list(range(FRAMES))
    assert again[0].t == 0.0 and mean_abs_error(again[0].image, portrait_frame(0)) < mpeg4_silent.max_error


def test_phone_video_is_turned_upright(tmp_path: Path) -> None:
    """A phone records portrait video sideways with a rotation in the file; frames come out as it is shown."""
    def stored(i: int) -> np.ndarray:
        return np.ascontiguousarray(portrait_frame(i)[: SIDE // 2])  # 256 wide, 128 high as stored

    path = write_clip(tmp_path / "phone.mp4", "libx264", H264_OPTIONS, frame_of=stored, rotation=-90)
    source = VideoFileSource(path)
    assert source.size == (SIDE // 2, SIDE)
    frames = list(source.frames())
    source.close()
    assert len(frames) == FRAMES
    shown = np.rot90(stored(7), k=-1)  # -90: a quarter turn clockwise
    assert mean_abs_error(frames[7].image, shown) < 4.0
    assert mean_abs_error(frames[7].image, np.rot90(stored(7), k=1)) > 20.0


def test_audio_starting_late_is_aligned_to_the_frames(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "late.mp4", "libx264", H264_OPTIONS, ("aac", 24000), audio_delay_s=0.5)
    result = read_audio(path)
    assert result is not None
    audio, rate = result
    onset = int(np.argmax(np.abs(audio) > 0.1)) / rate
    assert abs(onset - 0.5) < 0.01
    assert abs(len(audio) - (FRAMES / FPS + 0.5) * rate) <= 1024


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fixture", ["h264_with_tone", "vp8_with_tone"])
def test_cut_off_file_plays_to_the_cut_and_records_why(fixture: str, request: pytest.FixtureRequest,
                                                      tmp_path: Path) -> None:
    whole: Clip = request.getfixturevalue(fixture)
    path = cut(whole.path, 0.6, tmp_path / f"cut{whole.path.suffix}")
    source = VideoFileSource(path)
    frames = list(source.frames())
    source.close()
    assert FRAMES // 4 < len(frames) < FRAMES
    assert [f.index for f in frames] == list(range(len(frames)))
    for frame in frames:
        assert mean_abs_error(frame.image, portrait_frame(frame.index)) < whole.max_error
    assert source.error is not None and str(path) in source.error
    assert "cut off or damaged" in source.error
    assert "Traceback" not in source.error


@pytest.mark.timeout(30)
def test_damaged_middle_plays_to_the_damage(h264_with_tone: Clip, tmp_path: Path) -> None:
    """Bytes overwritten part way: frames up to there, then an error, never an exception out of frames()."""
    raw = bytearray(h264_with_tone.path.read_bytes())
    middle = len(raw) // 2
    raw[middle:] = np.random.default_rng(1).bytes(len(raw) - middle)
    path = tmp_path / "damaged.mp4"
    path.write_bytes(bytes(raw))
    source = VideoFileSource(path)
    frames = list(source.frames())
    source.close()
    assert 0 < len(frames) <= FRAMES
    assert all(mean_abs_error(f.image, portrait_frame(f.index)) < h264_with_tone.max_error
               for f in frames[: len(frames) // 2])
    assert source.error is not None


def test_mp4_cut_before_its_index_is_a_source_error(mpeg4_silent: Clip, tmp_path: Path) -> None:
    """Written without faststart, an mp4's index comes last: cut off, nothing can be read, and the error says so."""
    path = cut(mpeg4_silent.path, 0.6, tmp_path / "cut.mp4")
    with pytest.raises(SourceError, match="record to mkv"):
        VideoFileSource(path)


def test_garbage_named_mp4_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(np.random.default_rng(0).bytes(20_000))
    for opener in (VideoFileSource, open_source, read_audio):
        with pytest.raises(SourceError, match="not a video or audio file FFmpeg can read") as caught:
            opener(path)
        assert str(path) in str(caught.value)


def test_audio_only_file_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as container:
        sound = container.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = 16000, 0
        for packet in [*sound.encode(frame), *sound.encode()]:
            container.mux(packet)
    with pytest.raises(SourceError, match="no video stream"):
        VideoFileSource(path)


def test_missing_file_and_folder_as_video(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file"):
        VideoFileSource(tmp_path / "nope.mp4")
    with pytest.raises(SourceError, match="not a regular file"):
        VideoFileSource(tmp_path)


# --- audio ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["h264_with_tone", "vp8_with_tone"])
def test_read_audio_rate_length_tone_and_downmix(fixture: str, request: pytest.FixtureRequest) -> None:
    clip_: Clip = request.getfixturevalue(fixture)
    result = read_audio(clip_.path)
    assert result is not None
    audio, rate = result
    assert rate == clip_.audio_rate
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - FRAMES * rate // FPS) <= 1024  # an AAC frame of padding at most
    spectrum = np.abs(np.fft.rfft(audio))
    assert abs(np.fft.rfftfreq(len(audio), 1 / rate)[spectrum.argmax()] - TONE_HZ) < 2.0
    # Mono is the channels' mean: the tone keeps its amplitude (a 1/sqrt(2) downmix would give 0.35 or 0.71).
    middle = audio[rate // 2: rate * 3 // 2]
    assert abs(np.abs(middle).max() - TONE_AMPLITUDE) < 0.05


def test_read_audio_none_without_audio_stream(mpeg4_silent: Clip) -> None:
    assert read_audio(mpeg4_silent.path) is None


@pytest.mark.timeout(30)
def test_read_audio_of_cut_file_keeps_the_audio_before(h264_with_tone: Clip, tmp_path: Path) -> None:
    result = read_audio(cut(h264_with_tone.path, 0.6, tmp_path / "cut.mp4"))
    assert result is not None
    audio, rate = result
    assert 0.3 * rate < len(audio) < FRAMES * rate // FPS


# --- image folders and stills --------------------------------------------------------------------------------------


def test_image_folder_in_natural_order_skipping_bad_files(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(12):  # frame_0 ... frame_11: plain name order would put frame_10 before frame_2
        Image.fromarray(portrait_frame(i)).save(folder / f"frame_{i}.png")
    (folder / "frame_5.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")  # corrupt
    Image.fromarray(PORTRAIT[:64, :64]).save(folder / "frame_7.png")  # not the folder's size
    (folder / "notes.txt").write_text("not an image")
    source = ImageFolderSource(folder, fps=10.0)
    assert (source.size, source.fps, source.live) == ((SIDE, SIDE), 10.0, False)
    frames = list(source.frames())
    expected = [i for i in range(12) if i not in (5, 7)]
    assert [f.index for f in frames] == expected
    assert [f.t for f in frames] == pytest.approx([i / 10.0 for i in expected])
    assert all(np.array_equal(f.image, portrait_frame(f.index)) for f in frames)  # png is lossless
    assert source.skipped == 2 and source.error is None
    assert list(source.frames()) and source.skipped == 2  # a second pass recounts, not adds


def test_image_folder_without_images(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hi")
    with pytest.raises(SourceError, match="no image files"):
        ImageFolderSource(tmp_path)
    (tmp_path / "a.jpg").write_bytes(b"nope")
    with pytest.raises(SourceError, match="none of its 1 image files could be read"):
        ImageFolderSource(tmp_path)


def test_still_image_repeats(tmp_path: Path) -> None:
    path = tmp_path / "portrait.jpg"
    Image.fromarray(PORTRAIT).save(path, quality=95)
    source = open_source(path, seconds=0.5, fps=20.0)
    assert isinstance(source, ImageSource)
    assert (source.size, source.fps, source.live) == ((SIDE, SIDE), 20.0, False)
    frames = list(source.frames())
    assert [f.index for f in frames] == list(range(10))
    assert [f.t for f in frames] == pytest.approx([i / 20 for i in range(10)])
    assert mean_abs_error(frames[0].image, PORTRAIT) < 3.0
    assert all(f.image is frames[0].image for f in frames)
    with pytest.raises(ValueError):  # shared by every frame, so read-only
        frames[3].image[0, 0, 0] = 1


def test_still_image_upright_by_exif(tmp_path: Path) -> None:
    """A phone stores a portrait sideways with an orientation tag; the source turns it upright."""
    wide = PORTRAIT[:128]  # 256 wide, 128 high as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to view
    path = tmp_path / "phone.jpg"
    Image.fromarray(wide).save(path, quality=95, exif=exif)
    source = ImageSource(path, seconds=0.1)
    assert source.size == (128, 256)
    assert mean_abs_error(next(source.frames()).image, np.rot90(wide, k=-1)) < 3.0


def test_endless_still_ends_on_close(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    Image.fromarray(PORTRAIT).save(path)
    source = ImageSource(path)
    frames = source.frames()
    assert [next(frames).index for _ in range(100)] == list(range(100))
    source.close()
    assert list(frames) == []


def test_open_source_picks_the_kind(h264_with_tone: Clip, tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    Image.fromarray(PORTRAIT).save(folder / "0001.webp")
    assert isinstance(open_source(folder), ImageFolderSource)
    assert isinstance(open_source(str(folder / "0001.webp")), ImageSource)
    video = open_source(str(h264_with_tone.path))
    assert isinstance(video, VideoFileSource)
    video.close()
    with pytest.raises(SourceError, match="camera 99"):
        open_source("99")
    with pytest.raises(SourceError, match="no such file or folder"):
        open_source(tmp_path / "missing.mov")


# --- cameras -------------------------------------------------------------------------------------------------------


def test_no_camera_says_what_to_check() -> None:
    with pytest.raises(SourceError) as caught:
        CameraSource(99)
    message = str(caught.value)
    assert "camera 99 did not open" in message
    assert "/dev/video" in message and "permissions" in message


def test_camera_index_must_be_a_number() -> None:
    with pytest.raises(SourceError, match="a camera is a number"):
        CameraSource(-1)


class FakeCapture:
    """cv2.VideoCapture for a camera that delivers `good` blue BGR frames and then is unplugged."""

    good = 5

    def __init__(self, index: int, api: int) -> None:
        self.grabs = 0
        self.opened = True

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return self.opened

    def get(self, prop: int) -> float:
        return {cv2.CAP_PROP_FPS: 30.0, cv2.CAP_PROP_FRAME_WIDTH: 64.0, cv2.CAP_PROP_FRAME_HEIGHT: 48.0}[prop]

    def grab(self) -> bool:
        self.grabs += 1
        return self.grabs <= self.good

    def retrieve(self) -> tuple[bool, np.ndarray]:
        image = np.zeros((48, 64, 3), np.uint8)
        image[..., 0] = 255  # blue in OpenCV's BGR
        return True, image

    def release(self) -> None:
        self.opened = False


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("good", "words"), [(5, "camera 0 stopped delivering frames"),
                                             (0, "camera 0 opened but delivered no frame")])
def test_camera_unplugged_ends_frames_and_says_lost(good: int, words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FakeCapture, "good", good)
    monkeypatch.setattr(sources.cv2, "VideoCapture", FakeCapture)
    monkeypatch.setattr(sources, "CAMERA_LOST_S", 0.2)
    camera = CameraSource(0)
    assert (camera.fps, camera.size, camera.live) == (30.0, (64, 48), True)
    start = time.monotonic()
    frames = list(camera.frames())
    assert [f.index for f in frames] == list(range(good))
    assert all(start <= f.t <= time.monotonic() for f in frames)
    assert all(f.image[0, 0].tolist() == [0, 0, 255] for f in frames)  # OpenCV's blue, as RGB
    assert camera.lost and camera.error is not None and words in camera.error
    assert 0.2 <= time.monotonic() - start < 2.0


# --- a client's frames ---------------------------------------------------------------------------------------------


def encoded(image: np.ndarray, ext: str) -> bytes:
    ok, buffer = cv2.imencode(ext, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert ok
    return buffer.tobytes()


def test_decode_image_formats() -> None:
    red = np.zeros((48, 64, 3), np.uint8)
    red[..., 0] = 255
    assert decode_image(encoded(red, ".png"), "png").tolist() == red.tolist()  # RGB order, lossless
    jpeg = decode_image(encoded(PORTRAIT, ".jpg"), "jpeg", width=SIDE, height=SIDE)
    assert jpeg.shape == (SIDE, SIDE, 3) and mean_abs_error(jpeg, PORTRAIT) < 4.0
    raw = decode_image(PORTRAIT.tobytes(), "rgb24", width=SIDE, height=SIDE)
    assert np.array_equal(raw, PORTRAIT) and raw.flags.writeable


@pytest.mark.parametrize(("args", "field", "words"), [
    ((b"x", "gif"), "format", "one of jpeg, png, rgb24"),
    ((b"", "png"), "image", "empty"),
    ((b"\0" * (MAX_FRAME_BYTES + 1), "rgb24", 1, 1), "image", f"limit is {MAX_FRAME_BYTES} bytes"),
    ((b"\0" * 12, "rgb24", None, 2), "width", "width is required"),
    ((b"\0" * 12, "rgb24", 2, None), "height", "height is required"),
    ((b"\0" * 12, "rgb24", 2, 3), "image", "an rgb24 frame of 2 x 3 has 18"),
    ((b"\0" * 12, "rgb24", 0, 2), "width", "from 1 to 4096"),
    ((b"\0" * 12, "rgb24", 2, 5000), "height", "from 1 to 4096"),
    ((b"\0" * 12, "rgb24", 4000, 4000), "width", f"limit is {MAX_FRAME_PIXELS} pixels"),
    ((b"\xff\xd8 not a jpeg at all", "jpeg"), "image", "not jpeg data"),
])
def test_decode_image_errors_name_the_field(args: tuple, field: str, words: str) -> None:
    with pytest.raises(RequestError) as caught:
        decode_image(*args)
    assert caught.value.field == field
    assert words in caught.value.message


def test_decode_image_checks_encoded_images() -> None:
    png = encoded(PORTRAIT, ".png")
    with pytest.raises(RequestError, match="not jpeg data") as caught:
        decode_image(png, "jpeg")  # bytes of another format than declared
    assert caught.value.field == "image"
    huge = encoded(np.zeros((1200, 2000, 3), np.uint8), ".png")  # small file, 2.4 M pixels
    assert len(huge) < MAX_FRAME_BYTES
    with pytest.raises(RequestError, match=f"limit is {MAX_FRAME_PIXELS} pixels") as caught:
        decode_image(huge, "png")
    assert caught.value.field == "image"
    with pytest.raises(RequestError, match="height is 100 but the png image's is 256") as caught:
        decode_image(png, "png", height=100)
    assert caught.value.field == "height"
    jpeg = encoded(PORTRAIT, ".jpg")
    with pytest.raises(RequestError, match="damaged") as caught:
        decode_image(jpeg[: len(jpeg) // 2], "jpeg")  # the header reads, the image does not
    assert caught.value.field == "image"


# --- the pump ------------------------------------------------------------------------------------------------------


class FakeSource:
    """A FrameSource of `count` distinct tiny frames at `fps`, yielded as fast as asked; `fail_at` raises there."""

    def __init__(self, count: int, fps: float = 100.0, live: bool = False, fail_at: int | None = None) -> None:
        self.count, self.fps, self.live, self.fail_at = count, fps, live, fail_at
        self.size = (4, 4)
        self.error: str | None = None
        self.closed = threading.Event()

    def frames(self) -> Iterator[VideoFrame]:
        for i in range(self.count):
            if i == self.fail_at:
                raise RuntimeError("sensor fell off")
            yield VideoFrame(np.full((4, 4, 3), i % 256, np.uint8), i / self.fps, i)

    def close(self) -> None:
        self.closed.set()


def take_all(pump: LatestFrame, every_s: float) -> list[VideoFrame]:
    """Everything a consumer taking one frame each `every_s` gets before the pump ends."""
    taken = []
    while (frame := pump.get(timeout=5.0)) is not None:
        taken.append(frame)
        time.sleep(every_s)
    return taken


@pytest.mark.timeout(20)
@pytest.mark.parametrize("live", [False, True])
def test_latest_frame_drops_for_a_slow_consumer(live: bool) -> None:
    source = FakeSource(40, fps=100.0, live=live)
    start = time.monotonic()
    # A file paced in real time; a live source keeps only the newest frame whatever `realtime` says.
    with LatestFrame(source, realtime=not live) as pump:
        taken = take_all(pump, every_s=0.05)
    indices = [f.index for f in taken]
    assert indices == sorted(set(indices)) and indices[-1] == 39  # newest kept, in order
    assert pump.read == 40 and pump.dropped > 20
    assert len(taken) + pump.dropped == pump.read
    assert pump.done and pump.error is None and source.closed.is_set()
    if not live:  # a file is paced at its own rate: 40 frames at 100 fps take 0.39 s; a live one is not held back
        assert time.monotonic() - start >= 0.35


@pytest.mark.timeout(30)
def test_latest_frame_not_realtime_hands_over_every_frame(h264_with_tone: Clip) -> None:
    with LatestFrame(VideoFileSource(h264_with_tone.path), realtime=False) as pump:
        taken = take_all(pump, every_s=0.005)
    assert [f.index for f in taken] == list(range(FRAMES))
    assert (pump.read, pump.dropped, pump.error) == (FRAMES, 0, None)


@pytest.mark.timeout(30)
def test_latest_frame_reports_the_source_error(h264_with_tone: Clip, tmp_path: Path) -> None:
    with LatestFrame(VideoFileSource(cut(h264_with_tone.path, 0.6, tmp_path / "cut.mp4")), realtime=False) as pump:
        taken = take_all(pump, every_s=0.0)
    assert 0 < len(taken) < FRAMES
    assert pump.done and pump.error is not None and "cut off or damaged" in pump.error

    failing = FakeSource(10, fail_at=3)
    with LatestFrame(failing, realtime=False) as pump:
        assert [f.index for f in take_all(pump, every_s=0.0)] == [0, 1, 2]
    assert pump.error == "frame source failed: RuntimeError: sensor fell off" and failing.closed.is_set()


@pytest.mark.timeout(10)
@pytest.mark.parametrize("realtime", [True, False])
def test_latest_frame_close_stops_the_thread(realtime: bool, tmp_path: Path) -> None:
    """An endless still: paced (realtime) or blocked on a consumer that stopped taking (not realtime)."""
    path = tmp_path / "p.png"
    Image.fromarray(PORTRAIT).save(path)
    source = ImageSource(path)
    pump = LatestFrame(source, realtime=realtime)
    assert pump.get(timeout=2.0) is not None
    time.sleep(0.1)
    pump.close(timeout=2.0)
    assert not pump.running and pump.done
    assert list(source.frames()) == []  # the pump closed its source
    pump.get(timeout=0.0)  # the frame left in the slot, if any
    assert pump.get(timeout=None) is None  # then nothing: no wait forever after close


def test_latest_frame_get_times_out_and_close_frees_a_waiting_consumer() -> None:
    """A source stuck in a read (a camera that hangs): get returns None after its timeout, not before; a consumer
    waiting without a timeout is let go by close(), which does not wait on the stuck read past its own timeout."""
    gate = threading.Event()

    class Stuck(FakeSource):
        def frames(self) -> Iterator[VideoFrame]:
            gate.wait(10.0)
            yield from super().frames()

    pump = LatestFrame(Stuck(1), realtime=False)
    start = time.monotonic()
    assert pump.get(timeout=0.2) is None
    assert 0.19 <= time.monotonic() - start < 1.0
    got: list[VideoFrame | None] = []
    consumer = threading.Thread(target=lambda: got.append(pump.get(timeout=None)))
    consumer.start()
    time.sleep(0.05)
    pump.close(timeout=0.1)
    consumer.join(1.0)
    assert not consumer.is_alive() and got == [None]
    assert pump.running  # still in the read; it ends when the read returns
    gate.set()
    for _ in range(100):
        if not pump.running:
            break
        time.sleep(0.01)
    assert not pump.running and pump.done and pump.read == 0
