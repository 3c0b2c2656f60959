"""Live audio in: a client's PCM stream (`audio_in`) or a local input device, spoken by one avatar as a live take.

    chunk (any rate, mono or stereo) ─► LiveAudioIn.chunk (event loop: checks, seq, backlog bound)
        ─► worker: DC blocked, resampled to the avatar's voice rate, LiveFace (models.face.drivers)
        ─► post ─► timeline.add_clip (the take plays as its clips arrive, ≤ ~72 ms behind the audio)

One stream at a time per avatar. Its first chunk queues a take like any other (after the takes already queued);
its chunks' audio is the take's audio. No chunk for `GAP_S`: the audio pending in the face model is flushed so the
mouth eases to rest (`audio_in_gap`); audio resuming continues the take after a pause. No chunk for `TIMEOUT_S`:
the take ends (`audio_in_timeout`). Audio more than `MAX_BACKLOG_S` ahead of the playhead is dropped
(`audio_in_dropped`), so a burst costs bounded memory and the stream stays live. A stream runs on in a new take
every `TAKE_MAX_S`, back to back, so no take grows without end.

The local device (`serve --mic`) and a WAV file standing in for it in tests are `BlockSource`s feeding the same
path in-process (`LocalAudioIn`).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bridge.director import Post, run_now
from bridge.performer import Clock
from bridge.protocol import AUDIO_IN_MAX_CHUNK_S
from bridge.timeline import AvatarTimeline
from models.errors import RequestError
from models.face.arkit import NUM_BLENDSHAPES
from models.face.audio_face import LOOKAHEAD_S
from models.face.audio_features import FRAME_RATE
from models.face.curves import CurveTrack, smoothstep
from models.face.drivers import AudioDriver, LiveFace, SpeechClip
from models.take import Take
from models.tts import SpeechSegment

log = logging.getLogger(__name__)

#: No chunk for this long (s): the stream has a gap; the mouth eases to rest.
GAP_S = 0.3
#: No chunk for this long (s): the stream is over although it never said `end`; its take ends.
TIMEOUT_S = 5.0
#: Most audio (s) a stream may have waiting to be heard (ahead of the playhead, or queued before its take starts).
MAX_BACKLOG_S = 2.0
#: A stream's take is ended and continued in a new one at this length (s): takes keep all their audio.
TAKE_MAX_S = 30.0
#: Below this loudness (dBFS, over 20 ms) the mouth is at rest whatever the model hears; fully its own at
#: `SILENT_DB + GATE_DB`.
SILENT_DB = -55.0
GATE_DB = 15.0
#: A take with less audio than this ahead of the playhead (s) and audio in the face model is about to run dry; if no
#: chunk came for `DRY_IDLE_S` either, the stream has stalled and the face model gives up the audio it holds.
DRY_S = 0.02
DRY_IDLE_S = 0.1
#: Silence a live take starts with, and puts in again where its audio ran out before the next clip came (s): the
#: margin by which the next clips may come late (chunks arrive with jitter) without a pause.
JITTER_S = 0.06
#: Cut-off (Hz) of the DC blocker on the input: a constant offset is no sound, and would click at the take's edges.
DC_CUTOFF_HZ = 20.0

FORMATS: dict[str, np.dtype] = {"s16le": np.dtype("<i2"), "f32le": np.dtype("<f4")}


def decode_pcm(pcm: bytes, format: str, channels: int, sample_rate: int) -> np.ndarray:  # noqa: A002
    """PCM bytes as float32 mono in [-1, 1] (stereo downmixed; NaN and infinities as silence and full scale).
    Raises RequestError naming the field: an unknown format, a partial frame, a chunk over the limit."""
    if format not in FORMATS:
        raise RequestError("out_of_range", f"format must be one of {', '.join(FORMATS)}, got {format[:40]!r}",
                           "format")
    frame = FORMATS[format].itemsize * channels
    if len(pcm) % frame:
        raise RequestError("bad_length", f"pcm has {len(pcm)} bytes: not a whole number of {frame}-byte frames "
                                         f"({channels} channel{'s' if channels > 1 else ''} of {format})", "pcm")
    limit = int(AUDIO_IN_MAX_CHUNK_S * sample_rate) * frame
    if len(pcm) > limit:
        raise RequestError("too_long", f"pcm has {len(pcm)} bytes ({len(pcm) / frame / sample_rate:.3f} s); the "
                                       f"limit is {AUDIO_IN_MAX_CHUNK_S:g} s ({limit} bytes at {sample_rate} Hz, "
                                       f"{channels} ch, {format})", "pcm")
    samples = np.frombuffer(pcm, FORMATS[format]).reshape(-1, channels)
    audio = samples.mean(axis=1, dtype=np.float32)
    if format == "s16le":
        audio /= 32768.0
    return np.clip(np.nan_to_num(audio, nan=0.0), -1.0, 1.0).astype(np.float32)


@dataclass
class AudioInStats:
    """One avatar's live audio in, for `ping`: chunks and seconds accepted, gaps and timeouts, audio dropped
    (backlog over its bound), late clips (the face came after the playhead: a short pause), seq faults."""

    streams: int = 0
    chunks: int = 0
    seconds: float = 0.0
    gaps: int = 0
    timeouts: int = 0
    dropped_s: float = 0.0
    late: int = 0
    seq_missing: int = 0  # chunks a seq jump says were never received
    seq_repeated: int = 0  # chunks whose seq was not past the last one: duplicates, out of order (ignored)

    def to_wire(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in dataclasses.asdict(self).items()}


def silence_gated(clip: SpeechClip) -> SpeechClip:
    """The clip with its mouth and lip contact faded to rest where its audio is (near) silent: silence is rest,
    whatever the model makes of it."""
    audio, rate = clip.segment.audio, clip.segment.sample_rate
    frames = len(clip.mouth.values)
    hop = rate / FRAME_RATE
    centres = (np.arange(frames) * hop).astype(int)
    power = np.array([np.mean(np.square(audio[max(0, c - int(hop)):c + int(hop)]), dtype=np.float64)
                      if len(audio) else 0.0 for c in centres])
    db = 10.0 * np.log10(np.maximum(power, 1e-12))
    gate = smoothstep((db - SILENT_DB) / GATE_DB).astype(np.float32)[:, None]
    return replace(clip, mouth=CurveTrack(clip.mouth.rate, clip.mouth.values * gate),
                   contact=CurveTrack(clip.contact.rate, clip.contact.values * gate))


def silent_clip(seconds: float, sample_rate: int) -> SpeechClip:
    """A clip of silence with the mouth at rest."""
    rest = CurveTrack(FRAME_RATE, np.zeros((2, NUM_BLENDSHAPES), np.float32))
    return SpeechClip(SpeechSegment("", np.zeros(round(seconds * sample_rate), np.float32), sample_rate, (), ()),
                      rest, CurveTrack(FRAME_RATE, np.zeros((2, 1), np.float32)),
                      CurveTrack(FRAME_RATE, np.zeros((1, 3), np.float32)))


class _Ear:
    """A stream's audio on its way to the face, worker side: DC blocked, resampled to the voice's rate, through
    LiveFace. A gap ends it (`finish`) and resuming audio gets a new one."""

    def __init__(self, driver: AudioDriver, input_rate: int, voice_rate: int) -> None:
        import soxr

        self.face: LiveFace = driver.live(voice_rate)
        self.resampler = soxr.ResampleStream(input_rate, voice_rate, 1, dtype="float32") \
            if input_rate != voice_rate else None
        self.pole = float(np.exp(-2.0 * np.pi * DC_CUTOFF_HZ / input_rate))
        self.dc_state = np.zeros(1)  # lfilter's: the blocker runs on across chunks exactly

    def _dc_blocked(self, audio: np.ndarray) -> np.ndarray:
        from scipy.signal import lfilter

        # y[n] = x[n] - x[n-1] + pole * y[n-1]: a one-pole high-pass with a zero at DC.
        out, self.dc_state = lfilter([1.0, -1.0], [1.0, -self.pole], audio.astype(np.float64), zi=self.dc_state)
        return out.astype(np.float32)

    def hear(self, audio: np.ndarray) -> SpeechClip | None:
        audio = self._dc_blocked(audio)
        return self.face.feed(self.resampler.resample_chunk(audio) if self.resampler else audio)

    def finish(self) -> list[SpeechClip]:
        """The rest: what the resampler still holds, then the face completed with silence, easing to rest."""
        tail = self.resampler.resample_chunk(np.zeros(0, np.float32), last=True) if self.resampler else None
        clips = [self.face.feed(tail) if tail is not None and len(tail) else None, self.face.finish()]
        return [clip for clip in clips if clip is not None]


class _Stream:
    """One stream's state on the event loop (`ear` is the worker's)."""

    def __init__(self, stream_id: str, shape: tuple[int, int, str], take: Take, seq: int, now: float) -> None:
        self.id = stream_id
        self.shape = shape  # sample_rate, channels, format of its first chunk
        self.take = take
        self.ear: _Ear | None = None  # made by the worker for the first audio, and again after a gap
        self.next_seq = seq
        self.last_chunk = now
        self.flowing = False  # a clip of its audio was placed since the face model was last flushed
        self.flushes = 0  # flushes asked for: a clip heard before the last one does not make it flowing
        self.dry = False  # its take ran out of audio and the face model was flushed: no audio has come since
        self.gap = False  # a gap was declared and no audio has come since
        self.resumed = False  # the next clip follows a flush: the margin before it is no lateness again
        self.given_s = 0.0  # audio handed to the worker (s)
        self.placed_s = 0.0  # of it, placed on the take (s)
        self.dropping = False  # the backlog is over its bound: its dropped event has gone out


class LiveAudioIn:
    """One avatar's live audio in. Its methods run on the event loop; the face model runs on `executor` (None:
    inline) and hands clips back through `post`."""

    def __init__(self, timeline: AvatarTimeline, driver: Callable[[], AudioDriver], clock: Clock,
                 executor: Executor | None = None, post: Post = run_now) -> None:
        self.timeline = timeline
        self._driver = driver  # loads the audio-to-face model (shared: once) on the worker, at warm-up
        self.clock = clock
        self.executor = executor
        self.post = post
        self.stats = AudioInStats()
        self.stream: _Stream | None = None
        self.unavailable: str | None = None  # why the face model cannot run (its warm-up failed), if it cannot

    @property
    def voice_rate(self) -> int:
        return self.timeline.sample_rate

    def chunk(self, stream_id: str, seq: int, audio: np.ndarray, sample_rate: int, end: bool = False,
              shape: tuple[int, int, str] | None = None) -> dict[str, Any]:
        """One chunk of float32 mono audio at `sample_rate`; returns the reply's fields: `take`, `pts` (where its
        first sample plays; None while the take waits to start), `dropped_s` (of this chunk, over the backlog
        bound), `duplicate` (its seq was not past the last: ignored). Raises RequestError `busy` when another
        stream holds the avatar, `bad_stream` when the rate, channels or format change mid-stream."""
        if self.unavailable is not None:
            raise RequestError("not_ready", f"live audio is unavailable: {self.unavailable}")
        now = self.clock.now()
        shape = shape or (sample_rate, 1, "f32le")
        if self.stream is not None and self.stream.take.cut_pts is not None:
            self.stream = None  # interrupted: audio that keeps coming is a new take
        stream = self.stream
        if stream is not None and stream.id != stream_id:
            raise RequestError("busy", f"avatar {self.timeline.avatar!r} is speaking live stream {stream.id!r}; "
                                       f"send end on it, or wait {TIMEOUT_S:g} s after its last chunk", "stream")
        if stream is None:
            stream = self.stream = self._open(stream_id, shape, seq, now)
        elif shape != stream.shape:
            names = ("sample_rate", "channels", "format")
            changed = next(i for i in range(3) if shape[i] != stream.shape[i])
            raise RequestError("bad_stream", f"{names[changed]} changed mid-stream from {stream.shape[changed]} to "
                                             f"{shape[changed]}; end the stream and start another", names[changed])
        reply: dict[str, Any] = {"avatar": self.timeline.avatar, "take": stream.take.id, "stream": stream_id}
        if seq < stream.next_seq:
            self.stats.seq_repeated += 1
            reply.update(pts=None, dropped_s=0.0, duplicate=True)
        else:
            self.stats.seq_missing += seq - stream.next_seq
            stream.next_seq = seq + 1
            reply.update(self._accept(stream, audio, sample_rate, now), duplicate=False)
        stream.last_chunk = now
        if end:
            self._close(stream)
        return reply

    def _open(self, stream_id: str, shape: tuple[int, int, str], seq: int, now: float) -> _Stream:
        take = self.timeline.new_take()
        self.stats.streams += 1
        log.info("live stream opened", extra={"avatar": self.timeline.avatar, "stream": stream_id, "take": take.id,
                                              "sample_rate": shape[0], "channels": shape[1], "format": shape[2]})
        return _Stream(stream_id, shape, take, seq, now)

    def backlog_s(self, stream: _Stream, now: float) -> float:
        """Audio of the stream not yet heard: its take's audio ahead of the playhead (all of it before the take
        starts) and what the worker has not placed yet."""
        take = stream.take
        ahead = take.duration
        if take.start_pts is not None:
            ahead = max(0.0, take.start_pts + take.duration - (now + self.timeline.lookahead))
        return ahead + max(0.0, stream.given_s - stream.placed_s)

    def _accept(self, stream: _Stream, audio: np.ndarray, sample_rate: int, now: float) -> dict[str, Any]:
        backlog = self.backlog_s(stream, now)
        room = max(0.0, MAX_BACKLOG_S - backlog)
        keep = min(len(audio), int(room * sample_rate))
        dropped = (len(audio) - keep) / sample_rate
        if dropped > 0:
            self.stats.dropped_s += dropped
            if not stream.dropping:
                stream.dropping = True
                self.timeline.event("audio_in_dropped", now + self.timeline.lookahead, stream.take,
                                    stream=stream.id, dropped_s=round(dropped, 4), backlog_s=round(backlog, 3))
                log.warning("live audio dropped", extra={"avatar": self.timeline.avatar, "stream": stream.id,
                                                         "backlog_s": round(backlog, 3)})
        elif len(audio):
            stream.dropping = False
        audio = audio[:keep]
        take = stream.take
        pts = None
        if take.start_pts is not None:
            queued = take.start_pts + take.duration + stream.given_s - stream.placed_s
            # Audio after a pause waits for the face model's lookahead, then plays after the margin.
            pts = max(queued, now + self.timeline.lookahead + (LOOKAHEAD_S + JITTER_S if stream.dry else 0.0))
        if len(audio):
            self.stats.chunks += 1
            self.stats.seconds += len(audio) / sample_rate
            stream.given_s += len(audio) / sample_rate
            if stream.dry:
                if not stream.gap:
                    self.stats.late += 1  # it came after its take ran out of audio: she paused
                stream.dry, stream.gap, stream.resumed = False, False, True
            self._run(self._hear, stream, audio, stream.flushes)
        return {"pts": pts, "dropped_s": round(dropped, 4)}

    def _close(self, stream: _Stream) -> None:
        """The stream's end: its pending audio is flushed, the mouth eases to rest and the take ends after it."""
        self._run(self._flush, stream, True)
        if self.stream is stream:
            self.stream = None

    def check(self, now: float) -> None:
        """Running dry, gaps and timeouts: called every few ms (the sidecar) or by a test at the times it wants."""
        stream = self.stream
        if stream is None:
            return
        idle = now - stream.last_chunk
        pts = now + self.timeline.lookahead
        take = stream.take
        if stream.flowing and not stream.dry and idle >= DRY_IDLE_S and take.start_pts is not None and \
                take.start_pts + take.duration - pts < DRY_S and stream.given_s - stream.placed_s > 1e-3:
            # Its audio is about to run out and no chunk came for a while: the audio the face model holds for its
            # lookahead goes out now, the mouth easing to rest, rather than after the gap. (Not sooner: a chunk that
            # is merely late then plays on with the same model, without the restart's lookahead.)
            self._flush_soon(stream)
        if idle >= TIMEOUT_S:
            self.stats.timeouts += 1
            self.timeline.event("audio_in_timeout", pts, stream.take, stream=stream.id, after_s=round(idle, 3))
            log.warning("live stream timed out", extra={"avatar": self.timeline.avatar, "stream": stream.id})
            self._close(stream)
        elif idle >= GAP_S and not stream.gap:
            stream.gap = True
            self.stats.gaps += 1
            self.timeline.event("audio_in_gap", pts, stream.take, stream=stream.id, after_s=round(idle, 3))
            if not stream.dry:
                self._flush_soon(stream)

    def _flush_soon(self, stream: _Stream) -> None:
        stream.dry, stream.flowing = True, False
        stream.flushes += 1
        self._run(self._flush, stream, False)

    def warm_up(self) -> None:
        """Load the audio-to-face model and run it once (its first run costs a second): on the worker, at start."""
        def run() -> None:
            try:
                _Ear(self._driver(), self.voice_rate, self.voice_rate).hear(np.zeros(self.voice_rate // 2, np.float32))
            except Exception as exc:  # no model: audio_in answers not_ready, saying why
                self.unavailable = f"{type(exc).__name__}: {exc}"
                log.error("live audio unavailable", extra={"avatar": self.timeline.avatar, "reason": self.unavailable})

        self._run(run)

    def close(self) -> None:
        """Shutting down or the source stopped: end the open stream."""
        if self.stream is not None:
            self._close(self.stream)

    def _run(self, fn: Callable[..., object], *args: object) -> None:
        # One worker: a stream's chunks reach its LiveFace in order.
        if self.executor is None:
            fn(*args)
        else:
            self.executor.submit(fn, *args)

    # -- the worker ----------------------------------------------------------------------------------------------

    def _hear(self, stream: _Stream, audio: np.ndarray, flushes: int) -> None:
        try:
            if stream.ear is None:  # the stream's first audio, or the first after a gap
                stream.ear = _Ear(self._driver(), stream.shape[0], self.voice_rate)
            clip = stream.ear.hear(audio)
            if clip is not None:
                self.post(self._place, stream, silence_gated(clip), flushes)
        except Exception:  # a bug here costs this chunk's face, not the sidecar
            log.exception("live audio failed", extra={"avatar": self.timeline.avatar, "stream": stream.id})

    def _flush(self, stream: _Stream, end: bool) -> None:
        clips: list[SpeechClip] = []
        try:
            if stream.ear is not None:
                clips, stream.ear = stream.ear.finish(), None
        except Exception:
            log.exception("live audio failed", extra={"avatar": self.timeline.avatar, "stream": stream.id})
        for clip in clips:
            self.post(self._place, stream, silence_gated(clip), -1)
        if end:
            self.post(self._end, stream)

    # -- back on the event loop ----------------------------------------------------------------------------------

    def _place(self, stream: _Stream, clip: SpeechClip, flushes: int) -> None:
        """A clip on the stream's take; `flushes`: the stream's flush count when its audio came (-1: a flush's)."""
        now = self.clock.now()
        stream.placed_s += clip.segment.duration
        take = stream.take
        if take.cut_pts is not None:
            return
        rolled = take.duration >= TAKE_MAX_S
        if rolled:  # the stream runs on in a new take, right after this one
            self.timeline.finish_synthesis(take, None, now)
            take = stream.take = self.timeline.new_take(after=take)
        playhead = now + self.timeline.lookahead
        tail = flushes < 0  # the last of the audio before a pause: no jitter to wait for after it
        if not tail and (take.start_pts is None and not take.clips and not rolled or
                         take.start_pts is not None and take.start_pts + take.duration <= playhead):
            # Nothing left to play before this clip: a margin of silence first, for the next clips' jitter.
            if take.start_pts is not None and not stream.resumed:
                self.stats.late += 1
            self.timeline.add_clip(take, silent_clip(JITTER_S, self.voice_rate), now)
        self.timeline.add_clip(take, clip, now)
        stream.resumed = False
        stream.flowing = stream.flowing or flushes == stream.flushes

    def _end(self, stream: _Stream) -> None:
        if stream.take.cut_pts is None:
            self.timeline.finish_synthesis(stream.take, None, self.clock.now())


# -- local sources: an input device, or a WAV file standing in for one ---------------------------------------------

#: Gets one block of float32 audio [frames, channels] from a source's thread.
OnBlock = Callable[[np.ndarray], object]


class BlockSource(Protocol):
    """Audio blocks from somewhere local, on a thread of its own, to `on_block` until `stop`."""

    sample_rate: int

    def start(self, on_block: OnBlock) -> None: ...

    def stop(self) -> None: ...


MIC_MISSING = ("serve --mic needs the sounddevice package and the PortAudio library: pip install "
               "'avatar-bridge[mic]' and apt-get install libportaudio2")


class MicSource:
    """A local input device through sounddevice (the `mic` extra): `device` is a name or index (None: the
    default input). Raises RuntimeError naming the extra and the library when either is missing."""

    def __init__(self, device: str | int | None = None, block_s: float = 0.02) -> None:
        try:
            import sounddevice
        except (ImportError, OSError) as exc:  # OSError: sounddevice is there but libportaudio2 is not
            raise RuntimeError(f"{MIC_MISSING} ({exc})") from None
        self._sd = sounddevice
        try:
            info = sounddevice.query_devices(device, "input")
        except (ValueError, sounddevice.PortAudioError) as exc:
            raise RuntimeError(f"input device {device!r}: {exc}; list them with python -m sounddevice") from None
        self.device = device
        self.sample_rate = int(info["default_samplerate"])
        self.channels = min(2, int(info["max_input_channels"]))
        self.block = round(block_s * self.sample_rate)
        self._stream: Any = None

    def start(self, on_block: OnBlock) -> None:
        def callback(indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
            on_block(indata.copy())

        self._stream = self._sd.InputStream(device=self.device, channels=self.channels, samplerate=self.sample_rate,
                                            blocksize=self.block, dtype="float32", callback=callback)
        self._stream.start()

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()


class WavSource:
    """A WAV (or any file soundfile reads) played as if it were an input device: blocks of `block_s` at real-time
    pace (`speed` times faster for tests that need not wait), then nothing. `done` is set after the last block."""

    def __init__(self, path: str | Path, block_s: float = 0.02, speed: float = 1.0) -> None:
        import soundfile

        self.audio, self.sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
        self.block = max(1, round(block_s * self.sample_rate))
        self.speed = speed
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_block: OnBlock) -> None:
        def play() -> None:
            start = time.monotonic()
            for i, first in enumerate(range(0, len(self.audio), self.block)):
                if self._stop.wait(max(0.0, start + i * self.block / self.sample_rate / self.speed
                                       - time.monotonic())):
                    break
                on_block(self.audio[first:first + self.block])
            self.done.set()

        self._thread = threading.Thread(target=play, name="wav-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


class LocalAudioIn:
    """A local source feeding one avatar's live audio in, in-process: its blocks go to the event loop through
    `post` as the chunks of one stream (`stream_id`), numbered in order."""

    def __init__(self, source: BlockSource, live: LiveAudioIn, post: Post, stream_id: str = "local") -> None:
        self.source = source
        self.live = live
        self.post = post
        self.stream_id = stream_id
        self._seq = 0

    def start(self) -> None:
        self.source.start(lambda block: self.post(self._chunk, block))

    def stop(self) -> None:
        self.source.stop()
        self.post(self.live.close)

    def _chunk(self, block: np.ndarray) -> None:
        seq, self._seq = self._seq, self._seq + 1
        channels = block.shape[1] if block.ndim == 2 else 1
        audio = block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block.astype(np.float32)
        try:
            self.live.chunk(self.stream_id, seq, audio, self.source.sample_rate,
                            shape=(self.source.sample_rate, channels, "f32le"))
        except RequestError as exc:  # another client's stream holds the avatar: this block is not heard
            log.warning("local audio refused", extra={"avatar": self.live.timeline.avatar, "reason": exc.message})
