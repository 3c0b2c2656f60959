"""Dance: beat tracking on synthetic click tracks of known tempo, beat-locked moves, no-beat sway, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from models.body import metrics, quat
from models.body.beats import MAX_MUSIC_S, SAMPLE_RATE, MusicError, load_music, track_beats, warm_up
from models.body.dance import CALM, ENERGETIC, MOVES, dance_to, plan_dance
from models.body.metrics import beat_alignment_score, joint_positions, kinematic_beats, nearest_distances
from models.body.skeleton import hinge_flexion

SR = SAMPLE_RATE
FPS = 60.0


def click_track(bpm: float, seconds: float, sr: int = SR,
                loud_from: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    return metrics.click_track(bpm, seconds, sr, loud_from)


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()  # numba compiles librosa's tracker once per process


def sample_dance(dance, seconds: float) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    times = np.arange(0.0, seconds, 1.0 / FPS)
    poses = [dance.sample(t) for t in times]
    return joint_positions(poses), np.stack([p.rotations for p in poses])


def test_dance_on_a_120_bpm_click_track_hits_every_beat_within_50_ms() -> None:
    y, truth = click_track(120.0, 16.0)
    grid = track_beats(y, SR)
    assert grid.clear and grid.warning is None
    assert grid.tempo == pytest.approx(120.0, rel=0.02)
    inner = truth[(truth > 1.0) & (truth < 15.0)]
    assert nearest_distances(inner, grid.beats).max() < 0.02  # the tracker itself
    dance = plan_dance(grid, seed=3)
    positions, rotations = sample_dance(dance, 16.0)
    kinematic = kinematic_beats(positions, FPS)
    assert nearest_distances(inner, kinematic).max() < 0.05
    assert beat_alignment_score(inner, kinematic) > 0.9
    # Quaternions stay unit and continuous; elbows and knees never bend backwards.
    np.testing.assert_allclose(np.linalg.norm(rotations, axis=-1), 1.0, atol=1e-5)
    assert (np.sum(rotations[1:] * rotations[:-1], axis=-1) > 0.0).all()
    # No pops: the fastest joint (the pointing hand sweeping 160 degrees in half a beat) peaks near 18 degrees
    # a frame; a twist wrapping round would jump by 90 or more.
    assert np.degrees(quat.angle_between(rotations[1:], rotations[:-1])).max() < 30.0
    assert np.degrees(hinge_flexion(rotations)).min() > -0.5


@pytest.mark.parametrize("bpm", [60.0, 90.0, 150.0, 180.0])
def test_tempo_and_beats_across_the_range(bpm: float) -> None:
    y, truth = click_track(bpm, 14.0)
    grid = track_beats(y, SR)
    assert grid.clear
    assert grid.tempo == pytest.approx(bpm, rel=0.03)
    inner = truth[(truth > 1.0) & (truth < 13.0)]
    assert nearest_distances(inner, grid.beats).max() < 0.03
    # Downbeats: the accented clicks.
    assert nearest_distances(truth[::4][1:-1], grid.downbeats).max() < 0.03


@pytest.mark.parametrize("bpm", [60.0, 180.0])
def test_dance_stays_locked_at_the_ends_of_the_range(bpm: float) -> None:
    y, truth = click_track(bpm, 12.0)
    dance = plan_dance(track_beats(y, SR), seed=1)
    positions, _ = sample_dance(dance, 12.0)
    inner = truth[(truth > 1.0) & (truth < 11.0)]
    kinematic = kinematic_beats(positions, FPS)
    # Within 3.5 frames of every beat; at 180 BPM a hand-over between two moves (three of its 333 ms beats) blurs
    # the smoothed speed's minimum most: 58 ms, once.
    assert nearest_distances(inner, kinematic).max() < 0.06
    assert beat_alignment_score(inner, kinematic) > 0.9


def test_moves_come_in_phrases_of_4_or_8_beats_from_bar_starts_with_every_move_used_and_end_in_a_pose() -> None:
    y, _ = click_track(128.0, 95.0)
    grid = track_beats(y, SR)
    dance = plan_dance(grid, seed=0)
    assert len(MOVES) >= 8
    bar_starts = set(np.searchsorted(grid.beats, grid.downbeats).tolist())
    *body, rest, end = dance.phrases
    assert all(p.start in bar_starts for p in body[1:] + [rest])
    assert all(p.length in (4, 8) for p in body[1:])
    assert all(a.move != b.move for a, b in zip(dance.phrases, dance.phrases[1:], strict=False))
    assert {p.move for p in dance.phrases} == set(MOVES) | {"finale"}
    assert sum(p.length for p in dance.phrases) == len(grid.beats)
    # The ending pose lands on the last beat and holds.
    assert end.move == "finale" and end.start == len(grid.beats) - 1 and end.length == 1
    last = grid.beats[-1]
    np.testing.assert_allclose(dance.sample(last).rotations, dance.sample(last + 0.4).rotations, atol=1e-6)
    assert np.abs(dance.sample(last - 0.2).rotations - dance.sample(last).rotations).max() > 0.01


def test_energy_drives_intensity_and_move_choice() -> None:
    y, _ = click_track(120.0, 40.0, loud_from=20.0)
    grid = track_beats(y, SR)
    dance = plan_dance(grid, seed=2)
    quiet = dance.intensity[grid.beats < 18.0].mean()
    loud = dance.intensity[grid.beats > 22.0].mean()
    assert loud > quiet + 0.2
    late = [p.move for p in dance.phrases if grid.beats[p.start] > 22.0 and p.move != "finale"]
    early = [p.move for p in dance.phrases[1:] if grid.beats[p.start + p.length - 1] < 18.0]
    assert all(m in ENERGETIC for m in late) and all(m in CALM for m in early)


def test_a_style_restricts_the_moves_and_an_unknown_one_is_an_error() -> None:
    y, _ = click_track(120.0, 40.0)
    grid = track_beats(y, SR)
    assert {p.move for p in plan_dance(grid, style="calm").phrases} <= set(CALM) | {"finale"}
    with pytest.raises(ValueError, match="unknown dance style 'tango'; known: pop, calm, hype"):
        plan_dance(grid, style="tango")


def test_no_clear_beat_gets_a_gentle_sway_and_a_warning() -> None:
    rng = np.random.default_rng(0)
    noise = (rng.normal(size=SR * 12) * 0.1).astype(np.float32)
    grid = track_beats(noise, SR)
    assert not grid.clear
    assert "no clear beat" in grid.warning
    dance = plan_dance(grid)
    assert [p.move for p in dance.phrases] == ["sway"]
    assert dance.warning == grid.warning
    positions, rotations = sample_dance(dance, 6.0)
    # Gentle: the hands move slowly.
    speed = np.linalg.norm(np.diff(positions, axis=0), axis=-1).max() * FPS
    assert speed < 0.5
    assert np.degrees(hinge_flexion(rotations)).min() > -0.5


def test_dance_is_a_pure_function_of_time() -> None:
    y, _ = click_track(100.0, 10.0)
    dance = plan_dance(track_beats(y, SR), seed=5)
    a = dance.sample(4.321)
    dance.sample(1.0)
    b = dance.sample(4.321)
    np.testing.assert_array_equal(a.rotations, b.rotations)
    assert dance.weight(-5.0) == 0.0 and dance.weight(5.0) == 1.0 and dance.weight(30.0) == 0.0


@pytest.mark.parametrize("fmt, subtype", [("wav", "PCM_16"), ("ogg", "VORBIS"), ("mp3", "MPEG_LAYER_III"),
                                          ("flac", "PCM_16")])
def test_every_supported_format_loads_and_tracks(tmp_path: Path, fmt: str, subtype: str) -> None:
    y, _ = click_track(120.0, 8.0, sr=44100)
    path = tmp_path / f"clicks.{fmt}"
    soundfile.write(path, np.stack([y, y], axis=1), 44100, subtype=subtype)
    dance, audio, sr = dance_to(path)
    assert sr == SR and audio.ndim == 1 and abs(len(audio) / sr - 8.0) < 0.1
    assert dance.grid.tempo == pytest.approx(120.0, rel=0.03)


def test_bad_music_files_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(MusicError, match="music file not found"):
        load_music(tmp_path / "missing.wav")
    (tmp_path / "song.txt").write_text("la la la")
    with pytest.raises(MusicError, match="unsupported music format '.txt'.*supported: .wav, .ogg, .mp3"):
        load_music(tmp_path / "song.txt")
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(MusicError, match="cannot read music file"):
        load_music(tmp_path / "broken.wav")
    y, _ = click_track(120.0, 6.0, sr=8000)
    soundfile.write(tmp_path / "long.wav", y, 8000)
    with pytest.raises(MusicError, match="is 6 s long; the limit is 5 s"):
        load_music(tmp_path / "long.wav", max_seconds=5.0)
    assert MAX_MUSIC_S == 600.0
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, dtype=np.float32), 8000)
    with pytest.raises(MusicError, match="holds no audio"):
        load_music(tmp_path / "empty.wav")
