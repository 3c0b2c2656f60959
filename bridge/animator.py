"""The animator stage: a synthesized segment becomes a speech clip with its face curves computed ahead.

Runs in the voice worker thread, off the performer's tick: the tick only samples the curves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from models.face.lipsync import CurveTrack, lipsync_track
from models.tts import SpeechSegment, Voice, VoiceStyle


@dataclass(frozen=True)
class SpeechClip:
    """One segment of speech and the mouth curves that go with it."""

    segment: SpeechSegment
    mouth: CurveTrack


def animate(segment: SpeechSegment) -> SpeechClip:
    return SpeechClip(segment, lipsync_track(segment.phonemes, segment.duration))


def speak(voice: Voice, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechClip]:
    """Voice then animator, one clip per clause or sentence, computed only as the iterator is consumed."""
    for segment in voice.synthesize(text, style):
        yield animate(segment)
