"""Looking at a dance (docs/body.md#looking-at-a-dance): `render --music` writes a dance alone with its picture and
numbers, rehearsal writes dance_SEGMENT.png and show.json's `dance` for each dance segment with music, and the
picture draws the very speed curve whose minima the Beat Alignment Score counts."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image
from scipy.signal import argrelextrema

from bridge.cli import main
from bridge.rehearsal import rehearse, write_report
from bridge.render import RenderedDance, render_dance, write_dance
from models.body.bvh import read_bvh
from models.body.metrics import MEASURE_FPS, click_track, joint_positions, joint_speed, kinematic_beats
from models.dialogue.show import load_rundown
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice

BPM, SECONDS, RATE = 120.0, 10.0, 22050
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def clicks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, np.ndarray]:
    """A 10 s click track at 120 BPM as a WAV: its path, its audio and its true beats."""
    audio, beats = click_track(BPM, SECONDS, RATE)
    path = tmp_path_factory.mktemp("music") / "clicks.wav"
    soundfile.write(path, audio, RATE)
    return path, audio, beats


@pytest.fixture(scope="module")
def rendered(clicks: tuple[Path, np.ndarray, np.ndarray]) -> RenderedDance:
    return render_dance(clicks[0])


def assert_png(path: Path) -> tuple[int, int]:
    """A real, non-trivial PNG: its signature, its size on disk, and PIL reads it whole. Returns (width, height)."""
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 10_000, path.stat().st_size
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        return image.size


def test_joint_speed_is_metres_per_second_and_the_curve_kinematic_beats_reads(rendered: RenderedDance) -> None:
    # Every joint gliding at 1.5 m/s: the speed is 1.5 m/s at any frame rate, after smoothing too.
    for fps in (30.0, 60.0):
        t = np.arange(120) / fps
        positions = np.zeros((len(t), 60, 3))
        positions[:, :, 0] = 1.5 * t[:, None]
        assert joint_speed(positions, fps) == pytest.approx(np.full(len(t) - 1, 1.5))
    # On the dance: the kinematic beats are exactly the minima of joint_speed, and the measure holds both.
    times = np.arange(0.0, rendered.dance.duration, 1.0 / MEASURE_FPS)
    positions = joint_positions([rendered.dance.sample(float(s)) for s in times])
    speed = joint_speed(positions, MEASURE_FPS)
    minima = (argrelextrema(speed, np.less)[0] + 0.5) / MEASURE_FPS
    assert len(minima) > 10
    np.testing.assert_array_equal(kinematic_beats(positions, MEASURE_FPS), minima)
    np.testing.assert_array_equal(rendered.measure.speed, speed)
    np.testing.assert_array_equal(rendered.measure.kinematic, minima)
    assert rendered.measure.speed_times[np.argmin(speed)] == pytest.approx((np.argmin(speed) + 0.5) / MEASURE_FPS)


def test_render_music_writes_the_dance_its_picture_and_its_numbers(clicks: tuple[Path, np.ndarray, np.ndarray],
                                                                  tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path, audio, truth = clicks
    out = tmp_path / "out"
    assert main(["render", "--music", str(path), "-o", str(out), "--style", "hype", "--seed", "3"]) == 0
    printed = capsys.readouterr()
    assert printed.out.split() == [str(out / name) for name in ("dance.wav", "dance.json", "dance.bvh", "dance.png")]
    assert "120" in printed.err and "Beat Alignment Score" in printed.err
    width, height = assert_png(out / "dance.png")
    assert width > height
    document = json.loads((out / "dance.json").read_text())
    assert document["tempo"] == pytest.approx(BPM, rel=0.02)
    assert document["style"] == "hype" and document["seed"] == 3 and document["clear"]
    assert document["bas"] > 0.8
    beats = np.array(document["beats"])
    assert abs(len(beats) - len(truth)) <= 1  # a beat per click, give or take one at an end
    assert np.abs(beats[:, None] - truth[None, :]).min(axis=1).max() < 0.05
    assert set(document["downbeats"]) <= set(document["beats"]) and 2 <= len(document["downbeats"]) <= 6
    # Phrases tile the beats in order, each with the time of its first beat.
    phrases = document["phrases"]
    assert phrases[0]["start"] == 0 and sum(p["length"] for p in phrases) == len(beats)
    assert all(a["start"] + a["length"] == b["start"] for a, b in zip(phrases, phrases[1:], strict=False))
    assert [p["t"] for p in phrases] == [document["beats"][p["start"]] for p in phrases]
    # The music as tracked, and the dance sampled at the render's frame rate over it.
    music, rate = soundfile.read(out / "dance.wav")
    assert rate == RATE and len(music) == len(audio)
    assert np.corrcoef(music, audio)[0, 1] > 0.99
    motion = read_bvh(out / "dance.bvh")
    assert motion.num_frames == pytest.approx(SECONDS * 60.0, abs=1)
    assert np.ptp(motion.rotations, axis=0).max() > 0.2  # it dances


@pytest.mark.parametrize("args, message", [
    (["hello", "--music", "m.wav"], "render takes one of TEXT, --show, --audio, --video or --music, got TEXT and "
                                    "--music"),
    (["hello", "--style", "hype"], "--style is the style of a --music dance"),
    (["--music", "m.wav", "--emotion", "happy"], "--emotion choose how a line is said; --music dances without a word"),
    (["--music", "{clicks}", "--style", "tango"], "unknown dance style 'tango'"),
    (["--music", "{missing}"], "missing.wav"),
])
def test_render_music_refuses_clearly(clicks: tuple[Path, np.ndarray, np.ndarray], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    args = [a.format(clicks=clicks[0], missing=tmp_path / "missing.wav") for a in args]
    assert main(["render", *args, "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("error: ") and message in err, err
    assert not (tmp_path / "out").exists()


def test_without_matplotlib_the_picture_is_skipped_with_a_warning(rendered: RenderedDance, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ModuleNotFoundError
    monkeypatch.delitem(sys.modules, "avatar_tools.dance_plot", raising=False)
    with caplog.at_level(logging.WARNING):
        paths = write_dance(rendered, tmp_path)
    assert [p.name for p in paths] == ["dance.wav", "dance.json", "dance.bvh"]
    assert not (tmp_path / "dance.png").exists()
    assert ["dance.png not written (matplotlib is missing): pip install 'avatar-bridge[tools]'"] == \
        [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_rehearsal_pictures_a_dance_for_two_hosts_a_row_each(clicks: tuple[Path, np.ndarray, np.ndarray],
                                                            tmp_path: Path) -> None:
    personas = ROOT / "examples" / "personas"
    (tmp_path / "duet.yaml").write_text(
        f"title: Duet\nhosts:\n  - {{name: host, persona: {personas / 'default.yaml'}}}\n"
        f"  - {{name: guide, persona: {personas / 'guide.yaml'}}}\n"
        f"segments:\n  - {{id: hi, type: line, text: Hello everyone!, host: host}}\n"
        f"  - {{id: the duet, type: dance, music: {clicks[0]}, host: all}}\n")
    report = rehearse(FakeVoice(), load_rundown(tmp_path / "duet.yaml"), frame_rate=30.0)
    assert report.finished and list(report.dances) == ["the duet"]
    assert [name for name, _, _ in report.dances["the duet"].dancers] == ["host", "guide"]
    paths = write_report(report, tmp_path / "out")
    assert paths[-1] == tmp_path / "out" / "dance_the_duet.png"
    _, two_rows = assert_png(paths[-1])
    assert not list((tmp_path / "out").glob("dance_hi*"))  # a line is no dance
    segments = {s["id"]: s for s in json.loads((tmp_path / "out" / "show.json").read_text())["segments"]}
    assert "dance" not in segments["hi"]
    dance = segments["the duet"]["dance"]
    assert dance["tempo"] == pytest.approx(BPM, rel=0.02) and abs(dance["beats"] - 19) <= 1
    assert 2 <= dance["downbeats"] <= 6
    assert set(dance["bas_by_host"]) == {"host", "guide"} and min(dance["bas_by_host"].values()) > 0.8
    assert dance["bas"] == dance["bas_by_host"]["host"]  # the lead's
    # One row per host: a picture of the lead alone is half as tall.
    from avatar_tools.dance_plot import write_dance_plot

    _, one_row = assert_png(write_dance_plot(report.dances["the duet"].dancers[:1], tmp_path / "one.png", "one"))
    assert two_rows == pytest.approx(2 * one_row, rel=0.1)
