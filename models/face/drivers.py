"""Face drivers: where the mouth shape of a clip of speech comes from.

A driver turns one `SpeechSegment` (audio with what the voice knows of its timing) into a `SpeechClip`: the
segment with its mouth, lip-contact and speech-head curves computed ahead, so the performer's tick only samples
them. The director and the performer never know which driver ran: a new one (from audio alone, from a camera)
is a class with `animate`, given to the avatar's pipeline (bridge/pipeline.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from models.face.curves import CurveTrack
from models.face.head import speech_head_track
from models.face.lipsync import contact_track, lipsync_track
from models.tts import SpeechSegment


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
