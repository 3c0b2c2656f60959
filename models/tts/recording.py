"""A recording as a voice: speech someone already recorded, played as a take (`render --audio`).

The file is read once (WAV, FLAC, OGG, MP3: whatever libsndfile reads), downmixed, its DC offset removed and
resampled to RECORDING_RATE, then cut at its pauses into segments, one per stretch of speech. Without a transcript
the voice gives no timings, so the pipeline animates it with the audio-to-face model; with the phoneme and word
spans of an aligned transcript (models.face.align) it gives them as a TTS voice does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile

from models.errors import RequestError
from models.tts import PhonemeSpan, SpeechSegment, VoiceStyle, WordSpan

#: Every recording is resampled to this rate: the bundled voice's, so a take's files look alike whatever spoke.
RECORDING_RATE = 22050
#: The longest recording read (s): ten minutes animate in well under a minute on 2 CPU cores.
MAX_RECORDING_S = 600.0
#: A recording shorter than this (s) is too short to hear a mouth in.
MIN_RECORDING_S = 0.1
#: Rates below this carry too little of speech for the audio-to-face model (it hears up to 7.6 kHz).
MIN_RATE = 8000
#: A recording whose peak is below this (dBFS) is silence: nothing to animate.
SILENT_DBFS = -60.0
#: A stretch this long and this far below the loudest 10 ms is a pause: segments are cut at its middle.
PAUSE_MIN_S, PAUSE_BELOW_DB = 0.3, 40.0


class RecordingError(RequestError):
    """A recording we cannot play: missing, unreadable, empty, too short, silent or too long; the message says
    which."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_recording", message, "audio")


def load_recording(path: str | Path, max_seconds: float = MAX_RECORDING_S) -> np.ndarray:
    """The recording at `path` as float32 mono at RECORDING_RATE with its DC offset removed. The length is checked
    from the header before anything is decoded. Raises RecordingError."""
    p = Path(path)
    if not p.is_file():
        raise RecordingError(f"recording not found: {p}")
    try:
        info = soundfile.info(str(p))
    except (RuntimeError, soundfile.LibsndfileError):
        raise RecordingError(f"{p.name} is not an audio file we can read (WAV, FLAC, OGG or MP3)") from None
    if info.frames == 0 or info.duration <= 0:
        raise RecordingError(f"{p.name} holds no audio")
    if info.duration < MIN_RECORDING_S:
        raise RecordingError(f"{p.name} holds {info.duration * 1e3:.0f} ms of audio; a recording needs at least "
                             f"{MIN_RECORDING_S * 1e3:.0f} ms")
    if info.duration > max_seconds:
        raise RecordingError(f"{p.name} is {info.duration:.0f} s long; the limit is {max_seconds:.0f} s "
                             f"({max_seconds / 60:g} minutes): cut it into parts")
    if info.samplerate < MIN_RATE:
        raise RecordingError(f"{p.name} is sampled at {info.samplerate} Hz; speech needs at least {MIN_RATE} Hz")
    try:
        audio, rate = soundfile.read(str(p), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError) as exc:
        raise RecordingError(f"cannot decode {p.name}: {exc}") from None
    return prepare(audio, rate, p.name)


def prepare(audio: np.ndarray, rate: int, name: str = "the recording") -> np.ndarray:
    """Audio [samples] or [samples, channels] at `rate` as a recording voice plays it: mono, DC removed, at
    RECORDING_RATE, within [-1, 1]. Raises RecordingError for no samples, non-finite samples or silence."""
    mono = np.asarray(audio, np.float32)
    mono = mono.mean(axis=1) if mono.ndim == 2 else mono
    if len(mono) == 0:
        raise RecordingError(f"{name} holds no audio")
    if not np.all(np.isfinite(mono)):
        raise RecordingError(f"{name} has samples that are not numbers (NaN or infinity)")
    mono = mono - np.float32(mono.mean())  # a DC offset would read as loud and hold the mouth open
    if rate != RECORDING_RATE:
        import soxr

        mono = soxr.resample(mono, rate, RECORDING_RATE).astype(np.float32)
    peak = float(np.max(np.abs(mono))) if len(mono) else 0.0
    if peak == 0.0 or 20.0 * np.log10(peak) < SILENT_DBFS:
        level = "-inf" if peak == 0.0 else f"{20.0 * np.log10(peak):.0f}"
        raise RecordingError(f"{name} is silent (peak {level} dBFS, below {SILENT_DBFS:.0f}): nothing to animate")
    return np.clip(mono, -1.0, 1.0)


def pause_cuts(audio: np.ndarray, rate: int) -> list[int]:
    """Sample positions to cut a recording at, with its ends: the middle of every pause (PAUSE_MIN_S of audio
    PAUSE_BELOW_DB below its loudest 10 ms) between stretches of speech."""
    hop = rate // 100
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    if len(frames) == 0:
        return [0, len(audio)]
    db = 10.0 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-12)
    quiet = np.concatenate([[False], db < db.max() - PAUSE_BELOW_DB, [False]])
    starts = np.flatnonzero(~quiet[:-1] & quiet[1:])
    ends = np.flatnonzero(quiet[:-1] & ~quiet[1:])
    cuts = [0]
    for start, end in zip(starts, ends, strict=True):
        inside = start > 0 and end < len(frames)
        if inside and (end - start) / 100 >= PAUSE_MIN_S:
            cuts.append(int((start + end) // 2 * hop))
    return [*cuts, len(audio)]


def _within(spans: Sequence[PhonemeSpan] | Sequence[WordSpan], start: float, end: float, whole: bool) -> list:
    """The spans in [start, end), clipped to it and timed from `start`: each that overlaps it, or (`whole`: words,
    never cut in two) each whose middle lies in it."""
    def inside(s: PhonemeSpan | WordSpan) -> bool:
        return start <= 0.5 * (s.start + s.end) < end if whole else s.end > start and s.start < end

    return [replace(s, start=max(s.start, start) - start, end=min(s.end, end) - start) for s in spans if inside(s)]


@dataclass
class RecordingVoice:
    """A recording as an avatar's voice: whatever it is asked to say, it plays the recording, one segment per
    stretch of speech. With `phonemes` and `words` (an aligned transcript, times in the recording) it has timings;
    without, the pipeline animates it from its audio alone."""

    audio: np.ndarray  # float32 mono at sample_rate
    name: str = "recording"
    transcript: str = ""
    phonemes: tuple[PhonemeSpan, ...] = ()
    words: tuple[WordSpan, ...] = ()
    sample_rate: int = RECORDING_RATE
    provider: str = "CPUExecutionProvider"  # no model: the audio is played as recorded
    timings: bool = False  # whether `phonemes` and `words` are known (`aligned`)

    @classmethod
    def load(cls, path: str | Path, max_seconds: float = MAX_RECORDING_S) -> RecordingVoice:
        """The recording at `path` (`load_recording`). Raises RecordingError."""
        return cls(load_recording(path, max_seconds), name=f"recording:{Path(path).name}")

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate

    def aligned(self, transcript: str, phonemes: tuple[PhonemeSpan, ...], words: tuple[WordSpan, ...]
                ) -> RecordingVoice:
        """The same recording with an aligned transcript's timings (seconds in the recording)."""
        return replace(self, transcript=transcript, phonemes=phonemes, words=words, timings=True)

    def synthesize(self, text: str = "", style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        """The recording's segments in order, back to back (text and style do not change a recording)."""
        cuts = pause_cuts(self.audio, self.sample_rate)
        for a, b in zip(cuts[:-1], cuts[1:], strict=False):
            start, end = a / self.sample_rate, b / self.sample_rate
            phonemes = tuple(_within(self.phonemes, start, end, False)) if self.timings else ()
            words = tuple(_within(self.words, start, end, True))
            yield SpeechSegment(" ".join(w.word for w in words), self.audio[a:b], self.sample_rate, phonemes, words)
