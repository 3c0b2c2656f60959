"""Render's files are whole or absent: a full disk leaves no truncated take, and the command says what to do."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

import bridge.cli
import bridge.render
from bridge.cli import main
from bridge.rehearsal import ShowReport, write_report
from bridge.render import RenderedTake, write_take, write_whole


def _disk_full(*_: object, **__: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _take() -> RenderedTake:
    frames = 3
    return RenderedTake(text="Hello.", sample_rate=22050, frame_rate=60.0, audio=np.zeros(2205, dtype=np.int16),
                        phonemes=[], words=[], frame_times=np.arange(frames) / 60.0,
                        weights=np.zeros((frames, 52), dtype=np.float32), head=np.zeros((frames, 3), dtype=np.float32),
                        eyes=np.zeros((frames, 4), dtype=np.float32), events=[])


def test_a_failed_write_leaves_neither_a_partial_file_nor_a_changed_old_one(tmp_path: Path) -> None:
    target = tmp_path / "take.livelink.csv"
    target.write_text("the previous take\n")

    def half_then_full(path: Path) -> None:
        path.write_text("Timecode,BlendShapeCount,")  # a partial file is on disk when the disk fills
        _disk_full()

    with pytest.raises(OSError) as failed:
        write_whole(target, half_then_full)
    assert failed.value.errno == errno.ENOSPC and failed.value.filename == str(target)
    assert [p.name for p in tmp_path.iterdir()] == ["take.livelink.csv"]
    assert target.read_text() == "the previous take\n"
    assert write_whole(target, lambda p: p.write_text("new\n")) == target
    assert target.read_text() == "new\n" and [p.name for p in tmp_path.iterdir()] == ["take.livelink.csv"]


def test_write_take_on_a_full_disk_leaves_no_truncated_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge.render, "livelink_rows", lambda take: _disk_full())  # the CSV is open when it fails
    with pytest.raises(OSError, match="No space left"):
        write_take(_take(), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.json", "take.wav"]  # whole files only


def test_write_report_on_a_full_disk_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bridge.render.soundfile, "write", _disk_full)
    report = ShowReport("Show", 0.1, [], np.zeros(2205, dtype=np.int16), 22050, [], True, 30.0,
                        np.zeros((0, 3), dtype=np.float32), np.zeros((0, 0, 4), dtype=np.float32))
    with pytest.raises(OSError) as failed:
        write_report(report, tmp_path)
    assert failed.value.filename == str(tmp_path / "show.wav")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("error", "message"), [
    (OSError(errno.ENOSPC, "No space left on device"), "disk full writing {}: free some space or choose another -o"),
    (PermissionError(errno.EACCES, "Permission denied"), "cannot write {}: Permission denied"),
])
def test_render_on_a_full_disk_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str], error: OSError,
                                               message: str) -> None:
    def fail(*_: object, **__: object) -> None:
        raise error

    monkeypatch.setattr(bridge.cli, "_render_voice", lambda args: object())  # no voice to load: the take is given
    monkeypatch.setattr(bridge.render, "render_take", lambda *args, **kwargs: _take())
    monkeypatch.setattr(bridge.render.soundfile, "write", fail)
    out = tmp_path / "out"
    assert main(["--log-level", "error", "render", "Hello.", "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert f"error: {message.format(out / 'take.wav')}" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    assert list(out.iterdir()) == []
