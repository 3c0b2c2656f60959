"""The audio-to-face model: its features, the shipped ONNX on voices it never heard, the streaming mode, bad audio,
the driver inside the pipeline, and the training script end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from avatar_tools.audio_face_data import HELD_OUT_ACCENT, HELD_OUT_VARIANTS
from avatar_tools.audio_face_eval import CONTACT, JAW
from models.face.arkit import INDEX
from models.face.audio_face import DEFAULT_MODEL, LOOKAHEAD_S, NUM_OUTPUTS, AudioFaceModel
from models.face.audio_features import SAMPLE_RATE, MelStream, features_of, to_model_audio
from models.face.drivers import AudioDriver, driver_for
from models.tts import SpeechSegment, VoiceStyle
from models.tts.espeak_voice import EspeakSettings, espeak_segment

#: A voice no training utterance used: a held-out variant in the held-out accent.
UNSEEN = EspeakSettings(f"{HELD_OUT_ACCENT}+{HELD_OUT_VARIANTS[0]}", rate=160, pitch=60)


@pytest.fixture(scope="module")
def model() -> AudioFaceModel:
    return AudioFaceModel()


def heard(model: AudioFaceModel, segment: SpeechSegment) -> np.ndarray:
    return model.frames_of(to_model_audio(segment.audio, segment.sample_rate))


def test_the_model_ships_with_its_card_and_looks_at_most_100_ms_ahead(model: AudioFaceModel) -> None:
    assert DEFAULT_MODEL.is_file() and DEFAULT_MODEL.with_suffix(".md").is_file()
    card = DEFAULT_MODEL.with_suffix(".md").read_text()
    for section in ("Training data", "Evaluation", "Limits"):
        assert section in card
    assert model.lookahead_s == pytest.approx(LOOKAHEAD_S) and model.lookahead_s <= 0.1


def test_features_are_the_same_in_any_chunking() -> None:
    audio = (0.2 * np.random.default_rng(1).standard_normal(SAMPLE_RATE)).astype(np.float32)
    whole = features_of(audio)
    stream = MelStream()
    parts = [stream.push(audio[i:i + 333]) for i in range(0, len(audio), 333)] + [stream.flush()]
    assert np.concatenate(parts) == pytest.approx(whole, abs=1e-4)
    assert len(whole) == len(audio) // 160 + 1


def test_any_audio_becomes_16_khz_float_mono() -> None:
    t = np.arange(48000) / 48000
    tone = 0.5 * np.sin(2 * np.pi * 440 * t)
    stereo = np.stack([tone, tone], axis=1)
    pcm16 = (stereo * 32767).astype(np.int16)
    out = to_model_audio(pcm16, 48000)
    assert out.dtype == np.float32 and out.ndim == 1 and len(out) == 16000
    assert np.max(np.abs(out)) == pytest.approx(0.5, abs=0.02)


def test_lips_close_on_p_b_m_in_a_voice_it_never_heard(model: AudioFaceModel) -> None:
    segment = espeak_segment("Bob bought a map. Mom made apple pie, maybe.", UNSEEN)
    outputs = heard(model, segment)
    closures = [p for p in segment.phonemes if p.viseme == "PP"]
    assert len(closures) >= 8
    hit = 0
    for p in closures:
        a, b = max(int(p.start * 100) - 3, 0), int(p.end * 100) + 3
        hit += bool(np.max(outputs[a:b, CONTACT]) >= 0.5)
    assert hit / len(closures) >= 0.8, f"{hit} of {len(closures)} closures"


def test_the_jaw_opens_on_a_sustained_ah_and_rests_in_silence(model: AudioFaceModel) -> None:
    segment = espeak_segment("Ah.", EspeakSettings(UNSEEN.voice, rate=80))
    vowel = next(p for p in segment.phonemes if p.viseme == "aa")
    audio = np.concatenate([np.zeros(8000, np.float32), to_model_audio(segment.audio, segment.sample_rate),
                            np.zeros(8000, np.float32)])
    outputs = model.frames_of(audio)
    middle = int((0.5 + 0.5 * (vowel.start + vowel.end)) * 100)
    assert outputs[middle, JAW] > 0.25
    assert np.max(outputs[:40, JAW]) < 0.05 and np.max(outputs[-40:, JAW]) < 0.05


def test_streaming_gives_the_offline_frames(model: AudioFaceModel) -> None:
    segment = espeak_segment("Streaming should not change a thing.", UNSEEN)
    audio = to_model_audio(segment.audio, segment.sample_rate)
    stream = model.stream()
    parts = [stream.push(audio[i:i + 320]) for i in range(0, len(audio), 320)] + [stream.flush()]
    assert np.concatenate(parts) == pytest.approx(model.frames_of(audio), abs=1e-4)


@pytest.mark.parametrize("kind", ["silence", "dc", "clipped", "noise"])
def test_bad_audio_keeps_a_sane_face(model: AudioFaceModel, kind: str) -> None:
    rng = np.random.default_rng(2)
    speech = to_model_audio(*(lambda s: (s.audio, s.sample_rate))(espeak_segment("Hello there.", UNSEEN)))
    audio = {"silence": np.zeros(32000, np.float32),
             "dc": np.full(32000, 0.4, np.float32),
             "clipped": np.clip(speech * 30.0, -1.0, 1.0),
             "noise": (0.01 * rng.standard_normal(32000)).astype(np.float32)}[kind]
    outputs = model.frames_of(audio)
    assert outputs.shape[1] == NUM_OUTPUTS and np.all(np.isfinite(outputs))
    assert np.all((outputs >= 0.0) & (outputs <= 1.0))
    if kind in ("silence", "dc"):  # nothing to say: the mouth rests (after the DC blocker settles, 50 ms)
        assert np.max(outputs[5:, JAW]) < 0.05
    if kind == "clipped":  # still speech: the jaw moves
        assert np.max(outputs[:, JAW]) > 0.2


class _AudioOnly:
    """A voice that gives audio and no timings (as a TTS server does): espeak-ng's audio, its timings dropped."""

    timings = False
    provider = "CPUExecutionProvider"
    name = "audio-only"

    def __init__(self) -> None:
        self.sample_rate = espeak_segment("a", UNSEEN).sample_rate

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        segment = espeak_segment(text, UNSEEN)
        yield SpeechSegment(text, segment.audio, segment.sample_rate, (), ())


def test_a_voice_without_timings_is_animated_from_its_audio() -> None:
    from bridge.render import render_take

    assert isinstance(driver_for(False), AudioDriver) and driver_for(True).name == "phonemes"
    take = render_take(_AudioOnly(), "Papa made a big map of Maine.", seed=3)
    jaw = take.weights[:, INDEX["jawOpen"]]
    assert np.max(jaw) > 0.2  # she speaks
    assert jaw[-1] < 0.05  # and ends at rest, never frozen open
    assert take.frame_times[-1] - take.frame_times[0] >= 1.5


def test_the_driver_eases_its_clip_in_and_out(model: AudioFaceModel) -> None:
    segment = espeak_segment("Open wide, aah.", UNSEEN)
    clip = AudioDriver(model).animate(SpeechSegment(segment.text, segment.audio, segment.sample_rate, (), ()))
    assert np.max(np.abs(clip.mouth.values[0])) < 1e-6 and np.max(np.abs(clip.mouth.values[-1])) < 1e-6
    assert clip.head.values.shape[1] == 3


def test_a_live_stream_is_cut_into_clips_that_add_up_to_it(model: AudioFaceModel) -> None:
    segment = espeak_segment("Live from the studio, here she is.", UNSEEN)
    live = AudioDriver(model).live(segment.sample_rate)
    clips = [c for i in range(0, segment.num_samples, 441) if (c := live.feed(segment.audio[i:i + 441]))]
    clips.append(live.finish())
    audio = np.concatenate([c.segment.audio for c in clips if c is not None])
    assert audio == pytest.approx(segment.audio)
    # no clip waits for more than the lookahead and a chunk of 20 ms
    assert all(c.segment.duration <= LOOKAHEAD_S + 0.041 for c in clips[1:-1] if c is not None)
    last = clips[-1]
    assert last is not None and np.max(np.abs(last.mouth.values[-1])) < 1e-6
    with pytest.raises(ValueError, match="sample_rate"):
        AudioDriver(model).live(22051)


def test_training_runs_one_tiny_epoch_end_to_end(tmp_path: Path) -> None:
    from avatar_tools import audio_face_data, train_audio_face

    assert audio_face_data.main(["--out", str(tmp_path / "data"), "--train", "6", "--eval", "2",
                                 "--workers", "1"]) == 0
    out = tmp_path / "tiny.onnx"
    assert train_audio_face.main(["--data", str(tmp_path / "data"), "--out", str(out), "--epochs", "0.5",
                                  "--batch", "2", "--frames", "64", "--channels", "8", "--threads", "1"]) == 0
    tiny = AudioFaceModel(out)
    assert tiny.receptive_field == train_audio_face.RECEPTIVE_FIELD
    assert tiny.frames_of(np.zeros(16000, np.float32)).shape == (101, NUM_OUTPUTS)
