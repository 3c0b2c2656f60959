"""A recording as a voice (models/tts/recording.py): reading any file into the take's audio, the clear errors for
files it cannot play, the cuts at pauses, and the forced alignment's path (models/face/align.py) on probabilities
whose answer is known. Nothing here needs the audio-to-face model: tests/test_render_audio.py renders with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from bridge.cli import main
from bridge.render import render_recording
from models.face.align import align, viterbi
from models.face.arkit import INDEX
from models.face.visemes import VISEME_INDEX, VISEMES
from models.tts import PhonemeSpan, WordSpan
from models.tts.espeak_voice import espeak_segment, phonemize
from models.tts.recording import (
    MAX_RECORDING_S,
    RECORDING_RATE,
    RecordingError,
    RecordingVoice,
    load_recording,
    pause_cuts,
    prepare,
)


def tone(seconds: float, rate: int, level: float = 0.5, hz: float = 220.0) -> np.ndarray:
    """A steady vowel-like tone: something loud to play."""
    t = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def write(path: Path, audio: np.ndarray, rate: int, subtype: str | None = None) -> Path:
    soundfile.write(path, audio, rate, subtype=subtype)
    return path


def test_a_mono_wav_at_the_recording_rate_reads_as_it_is(tmp_path: Path) -> None:
    audio = tone(1.0, RECORDING_RATE)
    read = load_recording(write(tmp_path / "a.wav", audio, RECORDING_RATE, "FLOAT"))
    assert read.dtype == np.float32 and read.shape == audio.shape
    assert np.allclose(read, audio, atol=1e-4)


@pytest.mark.parametrize("rate", [8000, 11025, 44100, 48000])
def test_any_rate_is_resampled_to_the_recording_rate(tmp_path: Path, rate: int) -> None:
    read = load_recording(write(tmp_path / "a.flac", tone(2.0, rate), rate))
    assert len(read) == pytest.approx(2.0 * RECORDING_RATE, abs=2)
    # The tone keeps its pitch: its spectrum peaks at 220 Hz whatever rate it came at.
    spectrum = np.abs(np.fft.rfft(read))
    assert np.fft.rfftfreq(len(read), 1 / RECORDING_RATE)[spectrum.argmax()] == pytest.approx(220.0, abs=1.0)


def test_stereo_is_downmixed(tmp_path: Path) -> None:
    left = tone(1.0, RECORDING_RATE)
    read = load_recording(write(tmp_path / "s.wav", np.stack([left, np.zeros_like(left)], axis=1), RECORDING_RATE,
                                "FLOAT"))
    assert read.ndim == 1 and np.allclose(read, left / 2, atol=1e-4)


def test_a_dc_offset_is_removed_and_clipping_stays_in_range(tmp_path: Path) -> None:
    offset = tone(1.0, RECORDING_RATE, level=0.2) + 0.3
    assert abs(float(load_recording(write(tmp_path / "dc.wav", offset, RECORDING_RATE, "FLOAT")).mean())) < 1e-3
    clipped = np.clip(tone(1.0, RECORDING_RATE, level=3.0), -1.0, 1.0)  # a square wave, as a hot mic records it
    read = load_recording(write(tmp_path / "clip.wav", clipped, RECORDING_RATE))
    assert np.abs(read).max() <= 1.0 and np.abs(read).max() > 0.9


def test_an_mp3_reads(tmp_path: Path) -> None:
    read = load_recording(write(tmp_path / "a.mp3", tone(1.0, 44100), 44100))
    assert len(read) == pytest.approx(RECORDING_RATE, rel=0.05) and np.abs(read).max() > 0.3


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing.wav", "recording not found"),
    (lambda p: (p / "notes.wav").write_text("not audio at all") and p / "notes.wav", "not an audio file"),
    (lambda p: write(p / "empty.wav", np.zeros(0, np.float32), RECORDING_RATE), "holds no audio"),
    (lambda p: write(p / "click.wav", np.array([0.5, -0.5], np.float32), RECORDING_RATE), "at least 100 ms"),
    (lambda p: write(p / "silent.wav", np.zeros(RECORDING_RATE, np.float32), RECORDING_RATE), "is silent"),
    (lambda p: write(p / "hiss.wav", tone(1.0, RECORDING_RATE, level=1e-4), RECORDING_RATE, "FLOAT"), "is silent"),
    (lambda p: write(p / "low.wav", tone(1.0, 4000, hz=100.0), 4000), "at least 8000 Hz"),
    (lambda p: write(p / "nan.wav", np.full(8000, np.nan, np.float32), 8000, "FLOAT"), "not numbers"),
])
def test_files_it_cannot_play_get_a_clear_error(tmp_path: Path, make, message: str) -> None:  # noqa: ANN001
    with pytest.raises(RecordingError, match=message) as error:
        load_recording(make(tmp_path))
    assert error.value.code == "bad_recording" and error.value.field == "audio"


def test_a_recording_over_the_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    path = write(tmp_path / "long.wav", tone(3.0, 8000), 8000)
    with pytest.raises(RecordingError, match=r"long.wav is 3 s long; the limit is 2 s"):
        load_recording(path, max_seconds=2.0)
    assert MAX_RECORDING_S == 600.0  # ten minutes: the limit the CLI's --help states


def test_segments_are_cut_in_the_middle_of_pauses_and_play_the_whole_recording() -> None:
    rate = RECORDING_RATE
    gap = np.zeros(int(0.6 * rate), np.float32)
    short = np.zeros(int(0.1 * rate), np.float32)  # a gap between words: no cut
    audio = np.concatenate([gap, tone(1.0, rate), short, tone(0.5, rate), gap, tone(1.0, rate), gap])
    cuts = pause_cuts(audio, rate)
    assert len(cuts) == 3 and cuts[0] == 0 and cuts[-1] == len(audio)
    assert cuts[1] / rate == pytest.approx(0.6 + 1.6 + 0.3, abs=0.02)  # the middle of the pause between
    segments = list(RecordingVoice(audio).synthesize("anything"))
    assert np.array_equal(np.concatenate([s.audio for s in segments]), audio)
    assert all(s.phonemes == () and s.words == () for s in segments)
    assert not RecordingVoice(audio).timings


def test_a_recording_with_timings_plays_them_across_its_cuts() -> None:
    # espeak-ng's own timings stand in for an aligned transcript: no model is needed to render them.
    first, second = espeak_segment("Bob, maybe a bumpy path."), espeak_segment("My mom made a muffin.")
    assert first.sample_rate == RECORDING_RATE
    gap = np.zeros(int(0.8 * RECORDING_RATE), np.float32)
    audio = prepare(np.concatenate([gap, first.audio, gap, second.audio, gap]), RECORDING_RATE)
    offsets = (len(gap) / RECORDING_RATE, (2 * len(gap) + first.num_samples) / RECORDING_RATE)
    phonemes = tuple(PhonemeSpan(p.phoneme, p.viseme, p.start + at, p.end + at)
                     for segment, at in zip((first, second), offsets, strict=True) for p in segment.phonemes)
    words = tuple(WordSpan(w.word, w.start + at, w.end + at)
                  for segment, at in zip((first, second), offsets, strict=True) for w in segment.words)
    voice = RecordingVoice(audio).aligned("Bob, maybe a bumpy path. My mom made a muffin.", phonemes, words)
    assert voice.timings and len(list(voice.synthesize())) >= 2  # cut in the pause between the sentences
    take = render_recording(voice)
    assert take.text == voice.transcript and take.duration == pytest.approx(len(audio) / RECORDING_RATE)
    assert [(w, round(s, 3)) for w, s, _ in take.words] == [(w.word, round(w.start, 3)) for w in words]
    bilabials = [(s, e) for _, v, s, e in take.phonemes if v == "PP"]
    assert len(bilabials) == 13  # b b, m b, b m p, p; m, m m, m, m
    for s, e in bilabials:
        i = int(np.argmin(np.abs(take.frame_times - 0.5 * (s + e))))
        assert take.weights[i, INDEX["mouthRollLower"]] > 0.6
    silent = take.frame_times < offsets[0] - 0.15
    assert take.weights[silent, INDEX["jawOpen"]].max() < 0.02


def test_phonemize_gives_each_word_its_phonemes() -> None:
    words = phonemize("Bob's 25 maps.")
    assert [w for w, _ in words] == ["Bob's", "25", "maps"]
    assert words[0][1] == ["b", "ˈɑː", "b", "z"]
    assert len(words[1][1]) > 5  # spoken as "twenty five"
    assert words[2][1][0] == "m"


def one_hot(visemes: list[tuple[str, int]], sure: float = 0.9) -> np.ndarray:
    """Probabilities [T, 15] that say each viseme for its number of frames."""
    rows = []
    for viseme, frames in visemes:
        row = np.full(len(VISEMES), (1 - sure) / (len(VISEMES) - 1))
        row[VISEME_INDEX[viseme]] = sure
        rows += [row] * frames
    return np.array(rows)


def test_the_alignment_finds_the_frames_of_each_phoneme_and_the_pause_between_words() -> None:
    # "map, it": m æ p, a pause, ɪ t.
    probabilities = one_hot([("sil", 5), ("PP", 4), ("aa", 10), ("PP", 3), ("sil", 20), ("ih", 6), ("DD", 4),
                             ("sil", 8)])
    words = [("map", ["m", "ˈæ", "p"]), ("it", ["ɪ", "t"])]
    result = align(probabilities, words, len(probabilities) / 100)
    spoken = [(p.phoneme, round(p.start, 2), round(p.end, 2)) for p in result.phonemes]
    assert spoken == [("_", 0.0, 0.05), ("m", 0.05, 0.09), ("ˈæ", 0.09, 0.19), ("p", 0.19, 0.22),
                      ("_", 0.22, 0.42), ("ɪ", 0.42, 0.48), ("t", 0.48, 0.52), ("_", 0.52, 0.6)]
    assert [(w.word, round(w.start, 2), round(w.end, 2)) for w in result.words] == [("map", 0.05, 0.22),
                                                                                   ("it", 0.42, 0.52)]
    assert result.gap == pytest.approx(0.0, abs=1e-9) and result.scrambled_gap > 1.0 and not result.poor


def test_a_diphthong_is_two_targets_and_a_mismatch_is_poor() -> None:
    probabilities = one_hot([("PP", 3), ("aa", 6), ("ih", 5), ("sil", 4)])
    result = align(probabilities, [("buy", ["b", "ˈaɪ"])], 0.18)
    assert [(p.phoneme, round(p.start, 2), round(p.end, 2)) for p in result.phonemes] == [
        ("b", 0.0, 0.03), ("ˈaɪ", 0.03, 0.14), ("_", 0.14, 0.18)]
    hi = align(one_hot([("sil", 30), ("aa", 6), ("ih", 5)]), [("hi", ["h", "ˈaɪ"])], 0.41)
    # The silence before goes to the pause, h keeps its 30 ms, shaped as the sound after it.
    assert [(p.phoneme, p.viseme, round(p.start, 2)) for p in hi.phonemes] == [("_", "sil", 0.0), ("h", "aa", 0.27),
                                                                                ("ˈaɪ", "aa", 0.3)]
    assert hi.words[0].start == pytest.approx(0.27)
    wrong = align(probabilities, [("fish", ["f", "ˈɪ", "ʃ"])], 0.18)
    assert wrong.poor and wrong.fit > 0.8


def test_the_path_is_monotonic_gives_each_state_a_frame_and_needs_enough_frames() -> None:
    rng = np.random.default_rng(0)
    log_probs = np.log(rng.dirichlet(np.ones(len(VISEMES)), size=40))
    viseme = np.array([0, 1, 10, 0, 7, 0])
    optional = np.array([True, False, False, True, False, True])
    path = viterbi(log_probs, viseme, optional)
    assert path is not None and np.all(np.diff(path) >= 0)
    assert {1, 2, 4} <= set(path.tolist())  # no required state skipped
    assert path[0] <= 1 and path[-1] >= 4
    assert viterbi(log_probs[:2], viseme, optional) is None  # three phonemes cannot fit in two frames
    too_short = align(np.exp(log_probs[:2]), [("map", ["m", "æ", "p"])], 0.02)
    assert too_short.poor and too_short.words == ()


@pytest.mark.parametrize(("args", "message"), [
    (["Hello.", "--audio", "x.wav"], "one of TEXT, --show, --audio, --video or --music, got TEXT and --audio"),
    (["--show", "s.yaml", "--audio", "x.wav"], "got --show and --audio"),
    (["Hello.", "--text", "Hello."], "--text is the transcript of an --audio recording"),
    (["--audio", "missing.wav"], "recording not found: missing.wav"),
    (["--audio", "x.wav", "--voice", "v.onnx", "--literal"], "--voice, --literal choose how a line is said"),
])
def test_render_audio_arguments_are_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
                                            message: str) -> None:
    assert main(["--log-level", "error", "render", *args, "-o", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
