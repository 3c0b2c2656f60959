"""The animator stage: a synthesized segment becomes a speech clip with its face curves computed ahead.

Runs in the voice worker thread, off the performer's tick: the tick only samples the curves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from models.face.curves import CurveTrack
from models.face.head import speech_head_track
from models.face.lipsync import contact_track, lipsync_track
from models.tts import SpeechSegment, Voice, VoiceStyle


@dataclass(frozen=True)
class SpeechClip:
    """One segment of speech and the face curves that go with it."""

    segment: SpeechSegment
    mouth: CurveTrack  # 52 ARKit weights: jaw, lips, tongue
    contact: CurveTrack  # 1 channel: how firmly the lips must touch (expressions yield to it)
    head: CurveTrack  # yaw, pitch, roll (radians) the speech adds; runs past the audio and ends at rest


def animate(segment: SpeechSegment) -> SpeechClip:
    return SpeechClip(
        segment,
        mouth=lipsync_track(segment.phonemes, segment.duration, segment.audio, segment.sample_rate),
        contact=contact_track(segment.phonemes, segment.duration),
        head=speech_head_track(segment),
    )


def speak(voice: Voice, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechClip]:
    """Voice then animator, one clip per clause or sentence, computed only as the iterator is consumed."""
    for segment in voice.synthesize(text, style):
        yield animate(segment)
