"""Beat tracking on grooves with known beats: the phase a listener taps, downbeats, drums that rest, tempo changes,
and the choices reported for awkward input (silence, clipping, stereo, sample rates)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import soxr

from models.body.beats import SAMPLE_RATE, available_trackers, load_music, track_beats, track_file, warm_up
from models.body.dance import plan_dance
from models.body.grooves import make_groove, ramp_beats, render, steady_beats
from models.body.metrics import (
    beat_alignment_score,
    beat_f_measure,
    beat_phase_and_octave,
    joint_positions,
    kinematic_beats,
)

SR = SAMPLE_RATE
FPS = 60.0


@pytest.fixture(scope="module", autouse=True)
def compiled() -> None:
    warm_up()


def inner(times: np.ndarray, seconds: float) -> np.ndarray:
    return times[(times > 1.0) & (times < seconds - 1.0)]


def dance_bas(grid, truth: np.ndarray, seconds: float) -> float:  # noqa: ANN001
    dance = plan_dance(grid, seed=1)
    poses = [dance.sample(t) for t in np.arange(0.0, seconds, 1.0 / FPS)]
    return beat_alignment_score(truth, kinematic_beats(joint_positions(poses), FPS))


def test_the_madmom_tracker_ships_in_the_install() -> None:
    assert available_trackers() == ("madmom", "librosa")


@pytest.mark.parametrize("pattern, bpm", [("kick_offbeat_hats", 120.0), ("syncopated", 112.0), ("swing", 132.0)])
def test_off_beat_hats_syncopation_and_swing_are_tracked_and_danced_on_the_beat(pattern: str, bpm: float) -> None:
    groove = make_groove(pattern, bpm, seconds=14.0, melody=True)
    grid = track_beats(groove.audio, SR)
    truth = inner(groove.beats, 14.0)
    found = grid.beats[(grid.beats > 0.93) & (grid.beats < 13.07)]
    assert grid.tracker == "madmom"
    assert beat_phase_and_octave(truth, found) == (True, True)
    assert beat_f_measure(truth, found) > 0.9
    assert beat_f_measure(inner(groove.downbeats, 14.0), grid.downbeats[grid.downbeats < 13.07]) > 0.8
    assert dance_bas(grid, truth, 14.0) > 0.9


def test_an_eighth_note_grid_with_nothing_between_its_beats_is_halved_to_the_kick() -> None:
    groove = make_groove("kick_offbeat_hats", 80.0, seconds=16.0)
    grid = track_beats(groove.audio, SR)
    assert grid.tempo == pytest.approx(80.0, rel=0.03)
    assert any("tempo halved" in note for note in grid.notes)
    assert beat_f_measure(inner(groove.beats, 16.0), grid.beats) > 0.9


def test_a_drumless_intro_is_swayed_and_the_first_drum_beat_is_hit() -> None:
    beats = steady_beats(118.0, 24.0)
    groove = render("intro", beats, 24.0, "four_on_the_floor", melody=True, drums_from=float(beats[16]))
    grid = track_beats(groove.audio, SR)
    first = grid.beats[np.argmax(grid.drummed)]
    assert abs(first - beats[16]) < 0.07
    assert grid.summary()["first_drum_beat"] == pytest.approx(first, abs=1e-3)
    dance = plan_dance(grid, seed=0)
    assert dance.phrases[0].move == "sway"
    assert grid.beats[dance.phrases[1].start] == pytest.approx(first)
    assert dance.phrases[1].move not in ("sway", "finale")
    # Swaying is gentle; the dance after the drums come in is not.
    times = np.arange(0.0, 24.0, 1.0 / FPS)
    speed = np.linalg.norm(np.diff(joint_positions([dance.sample(t) for t in times]), axis=0), axis=-1).mean(axis=1)
    swaying, dancing = speed[(times[1:] > 2.0) & (times[1:] < 7.0)], speed[(times[1:] > 10.0) & (times[1:] < 20.0)]
    assert swaying.mean() * 3 < dancing.mean()


def test_a_break_without_drums_is_swayed_through_and_the_beat_goes_on() -> None:
    beats = steady_beats(122.0, 30.0)
    groove = render("break", beats, 30.0, "backbeat", melody=True, break_at=(float(beats[24]), float(beats[40])))
    grid = track_beats(groove.audio, SR)
    dance = plan_dance(grid, seed=0)
    sways = [p for p in dance.phrases if p.move == "sway"]
    assert len(sways) == 1
    start, end = grid.beats[sways[0].start], grid.beats[sways[0].start + sways[0].length]
    assert abs(start - beats[24]) <= 0.6 and abs(end - beats[40]) <= 2.5
    drummed = inner(groove.beats[groove.drums], 30.0)
    assert beat_f_measure(drummed, grid.beats[grid.drummed]) > 0.85


def test_a_tempo_ramp_is_followed() -> None:
    beats = ramp_beats(100.0, 130.0, 24.0)
    groove = render("ramp", beats, 24.0, "backbeat", melody=True)
    grid = track_beats(groove.audio, SR)
    truth = inner(groove.beats, 24.0)
    assert beat_f_measure(truth, grid.beats) > 0.9
    assert dance_bas(grid, truth, 24.0) > 0.9


def test_awkward_input_is_tracked_and_reported(tmp_path: Path) -> None:
    groove = make_groove("backbeat", 104.0, seconds=12.0, melody=True)
    truth = groove.beats
    # Four seconds of silence first, clipped hard, as anti-phase stereo at 48 kHz.
    audio = np.concatenate([np.zeros(4 * SR, dtype=np.float32), np.clip(groove.audio * 4.0, -1.0, 1.0)])
    wide = soxr.resample(audio, SR, 48000)
    soundfile.write(tmp_path / "odd.wav", np.stack([wide, -wide], axis=1), 48000, subtype="FLOAT")
    mono, rate = load_music(tmp_path / "odd.wav")
    assert rate == SR and np.sqrt(np.mean(mono**2)) > 0.1  # the loudest channel, not a silent mean
    grid = track_beats(mono, rate)
    assert grid.beats[0] > 3.9
    assert beat_f_measure(inner(truth + 4.0, 16.0), grid.beats) > 0.9
    notes = " ".join(grid.notes)
    assert "clipped audio" in notes and "of silence at the start" in notes
    # 8 kHz mono: still on the beat.
    soundfile.write(tmp_path / "phone.wav", soxr.resample(groove.audio, SR, 8000), 8000)
    mono, rate = load_music(tmp_path / "phone.wav")
    assert beat_f_measure(inner(truth, 12.0), track_beats(mono, rate).beats) > 0.9


def test_very_short_music_is_danced_to_the_end() -> None:
    groove = make_groove("four_on_the_floor", 120.0, seconds=2.5)
    grid = track_beats(groove.audio, SR)
    dance = plan_dance(grid)
    assert dance.phrases[-1].move == "finale" if grid.clear else dance.phrases[0].move == "sway"
    dance.sample(1.0)


def test_a_file_is_tracked_once_per_version(tmp_path: Path) -> None:
    """A show dancing to its theme song again does not wait for the tracker again; a changed file is tracked anew."""
    path = tmp_path / "theme.wav"
    soundfile.write(path, make_groove("backbeat", 100.0, seconds=6.0).audio, SR)
    first = track_file(path)
    assert track_file(path) is first
    soundfile.write(path, make_groove("backbeat", 140.0, seconds=6.0).audio, SR)
    again = track_file(path)
    assert again is not first and again.tempo == pytest.approx(140.0, rel=0.03)
    assert track_file(path, "librosa").tracker == "librosa"


def test_an_unknown_tracker_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown beat tracker 'aubio'; known: auto, madmom, librosa"):
        track_beats(np.zeros(SR * 3, dtype=np.float32), SR, "aubio")  # type: ignore[arg-type]
