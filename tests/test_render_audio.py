"""A recording rendered as a take with the shipped audio-to-face model (`render --audio FILE [--text ...]`): the
mouth from the audio alone, and from a transcript aligned to it, checked against speech whose timings are known
(espeak-ng's phoneme and word events, in voice variants the model never trained on; the shipped example's own
Piper alignment)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from benchmarks.bench_align import boundary_errors, word_starts
from bridge.render import render_recording, write_take
from models.face.align import align_recording
from models.face.arkit import INDEX
from models.face.audio_face import shared_model
from models.tts import SpeechSegment
from models.tts.espeak_voice import EspeakSettings, espeak_segment
from models.tts.recording import RECORDING_RATE, RecordingVoice

ROOT = Path(__file__).resolve().parents[1]
WELCOME = ROOT / "examples" / "recordings" / "welcome.flac"
WELCOME_TEXT = "Hi everyone, welcome to the winter showcase! The snowy owl plush is back in stock."
#: Where each word of WELCOME starts (s): the bundled Piper voice's own alignment when it spoke the file.
WELCOME_WORD_STARTS = (0.567, 0.799, 1.542, 1.891, 2.007, 2.123, 2.436, 3.168, 3.319, 3.737, 3.957, 4.259, 4.41,
                       4.712, 4.851)
#: espeak-ng voices the model did not train on.
HELD_OUT = EspeakSettings("en-us+f4"), EspeakSettings("en-us+m5", rate=150)
PAD_S = 1.0


def padded(segment: SpeechSegment, tmp_path: Path, channels: int = 1) -> Path:
    """The segment with PAD_S of silence before and after, written as a 44.1 kHz WAV (the recording's rate is
    never the voice's)."""
    import soxr

    audio = soxr.resample(segment.audio, segment.sample_rate, 44100).astype(np.float32)
    pad = np.zeros(int(PAD_S * 44100), np.float32)
    audio = np.concatenate([pad, audio, pad])
    path = tmp_path / "recording.wav"
    soundfile.write(path, np.stack([audio] * channels, axis=1) if channels > 1 else audio, 44100)
    return path


@pytest.fixture(scope="module")
def bob() -> SpeechSegment:
    return espeak_segment("Bob, maybe a bumpy path. My mom made a muffin.", HELD_OUT[0])


def frames_between(take, start: float, end: float) -> np.ndarray:  # noqa: ANN001 - a RenderedTake
    return take.weights[(take.frame_times >= start) & (take.frame_times <= end)]


def test_the_jaw_opens_where_the_recording_is_loud_and_rests_where_it_is_silent(bob: SpeechSegment,
                                                                               tmp_path: Path) -> None:
    voice = RecordingVoice.load(padded(bob, tmp_path, channels=2))
    assert not voice.timings
    take = render_recording(voice, seed=1)
    assert take.sample_rate == RECORDING_RATE
    assert take.duration == pytest.approx(bob.duration + 2 * PAD_S, abs=0.01)
    assert take.phonemes == [] and take.words == [] and take.text == ""
    jaw = INDEX["jawOpen"]
    speech = frames_between(take, PAD_S + 0.1, PAD_S + bob.duration - 0.1)[:, jaw]
    assert np.percentile(speech, 90) > 0.2
    for silence in (frames_between(take, 0.0, PAD_S - 0.15), frames_between(take, PAD_S + bob.duration + 0.15,
                                                                              take.duration)):
        assert silence[:, jaw].max() < 0.05
    assert [e["type"] for e in take.events] == ["take_started", "take_ended"]


@pytest.mark.parametrize("settings", HELD_OUT, ids=lambda s: s.voice)
def test_an_aligned_transcript_times_words_and_phonemes_like_the_voice_that_spoke(settings: EspeakSettings,
                                                                                  tmp_path: Path) -> None:
    text = "Please pass me the purple paper plates. Bob bought a maple pie by the bay."
    segment = espeak_segment(text, settings)
    voice, alignment = align_recording(RecordingVoice.load(padded(segment, tmp_path)), text, shared_model())
    assert not alignment.poor and voice.timings
    assert [w.word for w in alignment.words] == [w.word for w in segment.words]
    truth = word_starts(segment)  # where espeak-ng's phoneme events put each word's first phoneme
    assert truth is not None
    word_errors = [abs(a.start - PAD_S - b) for a, b in zip(alignment.words, truth, strict=True)]
    assert np.median(word_errors) < 0.03 and max(word_errors) < 0.1
    shifted = tuple(type(p)(p.phoneme, p.viseme, p.start + PAD_S, p.end + PAD_S) for p in segment.phonemes)
    errors = boundary_errors(shifted, alignment.phonemes)
    assert len(errors) >= 0.9 * len([p for p in segment.phonemes if p.phoneme != "_"])
    assert np.median(errors) < 0.03


def test_the_aligned_take_closes_the_lips_on_p_b_m_and_carries_the_words(bob: SpeechSegment, tmp_path: Path) -> None:
    voice, alignment = align_recording(RecordingVoice.load(padded(bob, tmp_path)), bob.text, shared_model())
    assert not alignment.poor
    take = render_recording(voice, emotion="happy")
    assert take.text == bob.text
    assert [w[0] for w in take.words] == ["Bob", "maybe", "a", "bumpy", "path", "My", "mom", "made", "a", "muffin"]
    bilabials = [(s, e) for _, v, s, e in take.phonemes if v == "PP"]
    assert len(bilabials) >= 8
    for s, e in bilabials:
        i = int(np.argmin(np.abs(take.frame_times - 0.5 * (s + e))))
        assert take.weights[i, INDEX["mouthRollLower"]] > 0.6
    document = json.loads((write_take(take, tmp_path / "out")[1]).read_text())
    assert [w[0] for w in document["words"]] == [w[0] for w in take.words]
    assert document["phonemes"][0][0] == "_" and document["phonemes"][-1][3] == pytest.approx(take.duration, abs=0.02)
    # The emotion plays on top: a smile all through the take.
    assert take.weights[:, INDEX["mouthSmileLeft"]].mean() > 0.2


def test_a_transcript_that_does_not_fit_falls_back_to_the_audio_alone(bob: SpeechSegment, tmp_path: Path) -> None:
    voice, alignment = align_recording(RecordingVoice.load(padded(bob, tmp_path)),
                                       "Five very fine movies, please, before lunch.", shared_model())
    assert alignment.poor and not voice.timings
    assert voice.transcript == "Five very fine movies, please, before lunch."


def test_render_audio_with_text_writes_the_files_with_the_words_where_they_were_said(tmp_path: Path) -> None:
    out = tmp_path / "take"
    result = subprocess.run([sys.executable, "-m", "bridge.cli", "--log-level", "error", "render", "--audio",
                             str(WELCOME), "--text", WELCOME_TEXT, "-o", str(out)], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[:4] == ["loading recording...", "loading the audio-to-face model...",
                                              "aligning the transcript...", result.stderr.splitlines()[3]]
    assert result.stderr.splitlines()[3].startswith("aligned 15 words")
    document = json.loads((out / "take.json").read_text())
    starts = [w[1] for w in document["words"]]
    assert [w[0] for w in document["words"]] == WELCOME_TEXT.replace(",", "").replace("!", "").replace(
        ".", "").split()
    errors = np.abs(np.array(starts) - WELCOME_WORD_STARTS)
    assert np.median(errors) < 0.04 and errors.max() < 0.1
    audio, rate = soundfile.read(out / "take.wav", dtype="int16")
    recording, _ = soundfile.read(WELCOME, dtype="int16")
    assert rate == RECORDING_RATE and len(audio) == len(recording)  # the recording as it was
    assert {p.name for p in out.iterdir()} >= {"take.wav", "take.json", "take.livelink.csv", "take.bvh"}
