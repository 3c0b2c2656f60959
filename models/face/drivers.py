"""Face drivers: where the mouth shape of a clip of speech comes from.

A driver turns one `SpeechSegment` (audio with what the voice knows of its timing) into a `SpeechClip`: the
segment with its mouth, lip-contact and speech-head curves computed ahead, so the performer's tick only samples
them. The director and the performer never know which driver ran: a new one (from audio alone, from a camera)
is a class with `animate`, given to the avatar's pipeline (bridge/pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from models.face.arkit import INDEX, NUM_BLENDSHAPES
from models.face.audio_face import MOUTH_INDEX, NUM_OUTPUTS, NUM_VISEMES, AudioFaceModel, AudioFaceStream, shared_model
from models.face.audio_features import FRAME_RATE, to_model_audio
from models.face.curves import CurveTrack, smoothstep
from models.face.head import speech_head_track
from models.face.lipsync import CONTACT_CHANNELS, EDGE_S, JAW_CLOSURE, contact_track, lipsync_track, loudness_db
from models.face.visemes import VISEME_INDEX, VISEME_TARGETS, VISEMES, VOWEL_VISEMES
from models.tts import PhonemeSpan, SpeechSegment


@dataclass(frozen=True)
class SpeechClip:
    """One segment of speech and the face curves that go with it."""

    segment: SpeechSegment
    mouth: CurveTrack  # 52 ARKit weights: jaw, lips, tongue
    contact: CurveTrack  # 1 channel: how firmly the lips must touch (expressions yield to it)
    head: CurveTrack  # yaw, pitch, roll (radians) the speech adds; runs past the audio and ends at rest


class FaceDriver(Protocol):
    """A source of mouth curves for a clip of speech. Runs in the voice worker, off the performer's tick."""

    name: str

    def animate(self, segment: SpeechSegment) -> SpeechClip: ...


class PhonemeDriver:
    """Mouth curves from the voice's phoneme timings (exact: the voice says when each phoneme sounds), shaped
    by the audio's loudness (models.face.lipsync)."""

    name = "phonemes"

    def animate(self, segment: SpeechSegment) -> SpeechClip:
        return SpeechClip(
            segment,
            mouth=lipsync_track(segment.phonemes, segment.duration, segment.audio, segment.sample_rate),
            contact=contact_track(segment.phonemes, segment.duration),
            head=speech_head_track(segment),
        )


_PP, _FF = VISEME_INDEX["PP"], VISEME_INDEX["FF"]
_JAW_OPEN, _MOUTH_CLOSE = INDEX["jawOpen"], INDEX["mouthClose"]
#: A vowel this much louder than the clip's median vowel counts as stressed: the head nods on it.
STRESS_DB = 3.0


def viseme_runs(probabilities: np.ndarray, rate: float = FRAME_RATE) -> tuple[PhonemeSpan, ...]:
    """The most likely viseme of each frame as spans (one per run of the same viseme); the phoneme is the viseme's
    name, since audio alone does not say which phoneme it was."""
    best = probabilities.argmax(axis=1)
    edges = [0, *(np.flatnonzero(np.diff(best)) + 1).tolist(), len(best)]
    return tuple(PhonemeSpan(VISEMES[best[a]], VISEMES[best[a]], a / rate, b / rate)
                 for a, b in zip(edges[:-1], edges[1:], strict=False) if b > a)


def _stressed(runs: tuple[PhonemeSpan, ...], segment: SpeechSegment) -> tuple[PhonemeSpan, ...]:
    """The runs with the louder vowels marked stressed (ˈ), as a voice's phonemes are: the speech head nods on them."""
    vowels = [r for r in runs if r.viseme in VOWEL_VISEMES]
    if not vowels:
        return runs
    level = {r: loudness_db(segment.audio, segment.sample_rate, r.start, r.end) for r in vowels}
    median = float(np.median(list(level.values())))
    return tuple(replace(r, phoneme="ˈ" + r.phoneme) if r in level and level[r] >= median + STRESS_DB else r
                 for r in runs)


#: Contact probabilities between these two make the lips meet partly (a smoothstep between them); above, fully.
CONTACT_FROM, CONTACT_FULL = 0.3, 0.6


def _clip_curves(outputs: np.ndarray) -> tuple[CurveTrack, CurveTrack]:
    """Mouth (52 ARKit channels) and contact tracks of model outputs at the model's frame rate. Where the model
    hears a lip contact, the lips meet as the phoneme driver makes them: rolled in (p b m) or the lower lip on the
    teeth (f v, whichever viseme it finds likelier), the jaw closing with them and mouthClose sealing the rest."""
    mouth = np.zeros((len(outputs), NUM_BLENDSHAPES), np.float32)
    mouth[:, MOUTH_INDEX] = outputs[:, NUM_VISEMES:-1]
    held = smoothstep((outputs[:, -1] - CONTACT_FROM) / (CONTACT_FULL - CONTACT_FROM)).astype(np.float32)
    bilabial = outputs[:, _PP] >= outputs[:, _FF]
    for viseme, where in (("PP", bilabial), ("FF", ~bilabial)):
        strength = held * where
        shape, channels = VISEME_TARGETS[VISEME_INDEX[viseme]], CONTACT_CHANNELS[viseme]
        mouth[:, channels] = np.maximum(mouth[:, channels], strength[:, None] * shape[channels])
        mouth[:, _JAW_OPEN] *= 1.0 - JAW_CLOSURE[viseme] * strength
        if viseme == "PP":
            mouth[:, _MOUTH_CLOSE] = np.maximum(mouth[:, _MOUTH_CLOSE], strength * mouth[:, _JAW_OPEN])
    return CurveTrack(FRAME_RATE, mouth), CurveTrack(FRAME_RATE, held[:, None])


def driver_for(timings: bool) -> FaceDriver:
    """The face driver for a voice: its phoneme timings when it gives them, else what the audio-to-face model hears."""
    return PhonemeDriver() if timings else AudioDriver(shared_model())


class AudioDriver:
    """Mouth curves from the audio alone (models.face.audio_face): for voices that give no timings, a TTS server or
    a recording. The clip eases in from rest and back to it at its edges, as the phoneme driver's do; the head nods
    on the louder vowels it hears."""

    name = "audio"

    def __init__(self, model: AudioFaceModel) -> None:
        self.model = model

    def animate(self, segment: SpeechSegment) -> SpeechClip:
        outputs = self.model.frames_of(to_model_audio(segment.audio, segment.sample_rate))
        times = np.arange(len(outputs)) / FRAME_RATE
        edges = smoothstep(np.minimum(times, times[-1] - times) / EDGE_S)
        outputs = outputs.copy()
        outputs[:, NUM_VISEMES:] *= edges[:, None].astype(np.float32)
        mouth, contact = _clip_curves(outputs)
        heard = replace(segment, phonemes=_stressed(viseme_runs(outputs[:, :NUM_VISEMES]), segment))
        return SpeechClip(segment, mouth, contact, speech_head_track(heard))

    def live(self, sample_rate: int) -> LiveFace:
        """A live stream's face: audio at `sample_rate` in, clips out as their faces complete."""
        return LiveFace(self.model, sample_rate)


#: Live clips are cut on this grid (s): a whole number of samples at every rate that is a multiple of 50 Hz, and
#: of the model's 10 ms frames.
LIVE_GRID_S = 0.02


class LiveFace:
    """Clips of a live audio stream (a microphone, a client's audio_in) as soon as the model has heard past them:
    `feed` audio in any chunks, get a clip of the audio whose face is complete (or None yet); `finish` at the end of
    the stream gives the rest, easing back to rest. The clips play back to back: their audio is the stream's."""

    def __init__(self, model: AudioFaceModel, sample_rate: int) -> None:
        import soxr

        if sample_rate <= 0 or round(sample_rate * LIVE_GRID_S) != sample_rate * LIVE_GRID_S:
            raise ValueError(f"sample_rate: {sample_rate} Hz is not a multiple of {round(1 / LIVE_GRID_S)} Hz")
        self.sample_rate = sample_rate
        self.stream: AudioFaceStream = model.stream()
        self._resampler = soxr.ResampleStream(sample_rate, 16000, 1, dtype="float32") if sample_rate != 16000 else None
        self._audio = np.zeros(0, np.float32)  # received, not yet in a clip
        self._frames = np.zeros((0, NUM_OUTPUTS), np.float32)  # model outputs from the pending audio's first sample on
        self.clip_s = 0.0  # stream time the pending audio starts at

    def feed(self, audio: np.ndarray) -> SpeechClip | None:
        """Audio (float32 mono at the stream's rate) in; a clip of the audio whose face is now known, if any."""
        audio = np.asarray(audio, np.float32)
        self._audio = np.concatenate([self._audio, audio])
        model_audio = self._resampler.resample_chunk(audio) if self._resampler else audio
        self._frames = np.concatenate([self._frames, self.stream.push(model_audio)])
        # Frames 0..n-1 of the pending audio are known: a clip may run to frame n-1, on the grid.
        known_s = (len(self._frames) - 1) / FRAME_RATE
        return self._cut(int(known_s / LIVE_GRID_S) * LIVE_GRID_S, ease_out=False)

    def finish(self) -> SpeechClip | None:
        """The end of the stream: the audio still pending, its face completed with silence and easing to rest."""
        tail = self._resampler.resample_chunk(np.zeros(0, np.float32), last=True) if self._resampler else None
        if tail is not None and len(tail):
            self._frames = np.concatenate([self._frames, self.stream.push(tail)])
        self._frames = np.concatenate([self._frames, self.stream.flush()])
        return self._cut(len(self._audio) / self.sample_rate, ease_out=True)

    def _cut(self, seconds: float, ease_out: bool) -> SpeechClip | None:
        samples = min(int(round(seconds * self.sample_rate)), len(self._audio))
        if samples <= 0:
            return None
        frames = int(round(samples / self.sample_rate * FRAME_RATE))
        outputs = self._frames[: frames + 1].copy()
        if ease_out:
            times = np.arange(len(outputs)) / FRAME_RATE
            outputs[:, NUM_VISEMES:] *= smoothstep((times[-1] - times) / EDGE_S)[:, None].astype(np.float32)
        audio, self._audio = self._audio[:samples], self._audio[samples:]
        self._frames = self._frames[frames:]
        self.clip_s += samples / self.sample_rate
        segment = SpeechSegment("", audio, self.sample_rate, (), ())
        mouth, contact = _clip_curves(outputs)
        head = CurveTrack(FRAME_RATE, np.zeros((1, 3), np.float32))  # a live voice nods with the idle head only
        return SpeechClip(segment, mouth, contact, head)
