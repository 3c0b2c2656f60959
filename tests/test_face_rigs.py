"""Rig profiles: the bundled data files load, `rig check` names every morph a rig lacks and fails loudly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.face.arkit import ARKIT_BLENDSHAPES, LIVELINK_NAMES
from models.face.rigs import check, load_profile, profile_names, read_names

ROOT = Path(__file__).resolve().parents[1]


def rig(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge.cli", "rig", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_bundled_profiles_cover_what_they_claim() -> None:
    assert {"arkit", "arkit_raw", "livelink", "readyplayerme", "vrm0", "vrm1"} <= set(profile_names())
    assert load_profile("arkit").sections["arkit"] == {n: n for n in ARKIT_BLENDSHAPES}
    assert list(load_profile("livelink").sections["arkit"].values()) == list(LIVELINK_NAMES[:52])
    assert load_profile("arkit_raw").sections["arkit"]["eyeBlinkLeft"] == "eyeBlink_L"
    assert load_profile("readyplayerme").sections["visemes"]["ih"] == "viseme_I"
    assert load_profile("vrm0").sections["visemes"]["aa"] == "A"


def test_check_lists_what_the_rig_lacks(tmp_path: Path) -> None:
    names = [n for n in ARKIT_BLENDSHAPES if n not in ("tongueOut", "cheekPuff")] + ["extraMorph"]
    result = check(load_profile("arkit"), names)
    assert [m[2] for m in result.missing] == ["cheekPuff", "tongueOut"] and not result.ok
    assert result.unused == ["extraMorph"]
    names_file = tmp_path / "rig.txt"
    names_file.write_text("# morphs exported from the rig\n" + "\n".join(names) + "\n")
    done = rig("check", "arkit", "--names", str(names_file), "-v")
    assert done.returncode == 1
    assert "missing  cheekPuff" in done.stdout and "missing  tongueOut" in done.stdout
    assert "unused   extraMorph" in done.stdout and "2 morphs missing" in done.stderr


def test_check_passes_a_complete_rig_and_reads_json_lists(tmp_path: Path) -> None:
    names_file = tmp_path / "rig.json"
    names_file.write_text(json.dumps(list(LIVELINK_NAMES)))
    assert read_names(names_file) == list(LIVELINK_NAMES)
    done = rig("check", "livelink", "--names", str(names_file))
    assert done.returncode == 0 and "ok: the rig has every morph" in done.stdout


@pytest.mark.parametrize(("profile", "message"), [
    ({"arkit": {"jawOpenn": "JawOpen"}}, "arkit has no 'jawOpenn'"),
    ({"mouth": {}}, "unknown section 'mouth'"),
    ({"visemes": {"aa": ""}}, "visemes.aa must be a morph name"),
    ({"name": "empty"}, "maps nothing"),
])
def test_bad_profiles_are_refused_with_the_reason(tmp_path: Path, profile: dict, message: str) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(profile))
    with pytest.raises(ValueError, match=message):
        load_profile(path)
    done = rig("check", str(path), "--names", str(path))
    assert done.returncode == 2 and message in done.stderr


def test_unknown_profile_names_the_bundled_ones() -> None:
    done = rig("check", "metahuman5", "--names", "/dev/null")
    assert done.returncode == 2 and "bundled: arkit" in done.stderr
