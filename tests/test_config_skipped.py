"""One bad avatar in a sidecar config (docs/config.md): it is skipped with its file, line and field, the others
start, describe lists it, and a request to it says why; mistakes of the sidecar's own still stop it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgpack
import pytest

from bridge.config import AvatarConfig, ConfigError, SidecarConfig, SkippedAvatar, load_config
from bridge.protocol import decode_reply
from bridge.server import Sidecar, load_voice
from models.dialogue.spec import SpecError
from models.tts import Voice
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice
from tests.test_config import PERSONAS, write


def fake_bundled_voice(model: object, config: Path | None) -> Voice:
    """The bundled voice as the fake (fast); any file an avatar names goes through the real loader and its checks."""
    return FakeVoice() if model is None else load_voice(model, config)  # type: ignore[arg-type]


THREE = f"""avatars:
  - name: host
    persona: {PERSONAS / 'default.yaml'}
  - name: guide
    persona: personas/gone.yaml
  - name: kai
    voice: voices/kai.onnx
"""


def test_load_config_skips_an_avatar_with_a_missing_file_and_keeps_the_others(tmp_path: Path) -> None:
    path = write(tmp_path, THREE)
    config = load_config(path)
    assert config.names == ["host"]
    assert config.skipped == [
        SkippedAvatar("guide", f"{path}:5: avatars[1].persona: file not found: {tmp_path / 'personas' / 'gone.yaml'}"),
        SkippedAvatar("kai", f"{path}:7: avatars[2].voice: file not found: {tmp_path / 'voices' / 'kai.onnx'}")]


def junk_voice(folder: Path) -> Path:
    """A file named like a Piper voice, with a real voice's .onnx.json beside it, that is not one."""
    from models.tts.piper_voice import default_voice_paths

    voice = write(folder, "not a model", "voices/kai.onnx")
    shutil.copy(default_voice_paths()[1], folder / "voices" / "kai.onnx.json")
    return voice


@pytest.fixture
def sidecar_with_skipped(tmp_path: Path) -> Iterator[tuple[Sidecar, Path]]:
    """host loads; guide's persona file is not a persona; kai's voice is not a Piper voice; bob's rig is unknown."""
    junk_voice(tmp_path)
    write(tmp_path, "name: Gone\nbio: y\nspeaking_style: z\ndefault_emotion: grumpy\n", "personas/bad.yaml")
    path = write(tmp_path, f"""avatars:
  - name: host
    persona: {PERSONAS / 'default.yaml'}
  - name: guide
    persona: personas/bad.yaml
  - name: kai
    voice: voices/kai.onnx
  - name: bob
    rig: nope
""")
    sidecar = Sidecar(load_config(path), fake_bundled_voice, workers=False)
    yield sidecar, path
    sidecar.context.term()


def ask(sidecar: Sidecar, **request: object) -> dict:
    return decode_reply(asyncio.run(sidecar.handle(msgpack.packb({"id": 1, **request}), "test")))


def test_the_sidecar_starts_with_the_good_avatars_and_describe_lists_the_skipped(
        sidecar_with_skipped: tuple[Sidecar, Path], tmp_path: Path) -> None:
    sidecar, path = sidecar_with_skipped
    assert list(sidecar.pipeline.avatars) == ["host"] and list(sidecar.voices) == ["host"]
    described = ask(sidecar, op="describe")
    assert described["ok"] and described["avatars"] == ["host"]
    skipped = {s["name"]: s["error"] for s in described["skipped_avatars"]}
    assert list(skipped) == ["bob", "guide", "kai"]  # the config's own mistakes first, then those found loading
    assert skipped["bob"].startswith(f"{path}:9: avatars[3].rig: unknown rig profile 'nope'")
    assert skipped["guide"].startswith(f"{path}:5: avatars[1].persona: not a persona: "
                                       f"{tmp_path / 'personas' / 'bad.yaml'}:4: default_emotion: unknown value")
    assert skipped["kai"].startswith(f"{path}:7: avatars[2].voice: voice {tmp_path / 'voices' / 'kai.onnx'}: "
                                     "not a Piper voice: ")
    assert described["dialogue"]["personas"] == {"host": "Aurora"}


def test_a_request_to_a_skipped_avatar_says_it_was_skipped_and_why(sidecar_with_skipped: tuple[Sidecar, Path]
                                                                   ) -> None:
    sidecar, path = sidecar_with_skipped
    reply = ask(sidecar, op="say", text="Hi there.", avatar="kai")
    assert not reply["ok"] and reply["error"]["code"] == "skipped_avatar" and reply["error"]["field"] == "avatar"
    assert reply["error"]["message"].startswith(f"avatar 'kai' was skipped at start: {path}:7: avatars[2].voice: ")
    reply = ask(sidecar, op="look_at", target="camera", avatar="ghost")
    assert reply["error"]["code"] == "unknown_avatar" and "this sidecar serves host" in reply["error"]["message"]
    said = ask(sidecar, op="say", text="Hi there.", avatar="host")  # everyone else is still served
    assert said["ok"] and said["avatar"] == "host"
    assert ask(sidecar, op="say", text="And you.")["avatar"] == "host"


def test_an_avatar_the_mic_names_that_was_skipped_is_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--mic-avatar 'kai' is not served here; avatar 'kai' was skipped at "
                                          r"start: .*avatars\[2\]\.voice"):
        Sidecar(load_config(write(tmp_path, THREE)), fake_bundled_voice, workers=False, mic=object(),  # type: ignore[arg-type]
                mic_avatar="kai")


def test_mistakes_of_the_sidecar_still_stop_it(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r":4: avatars\[1\]\.name: duplicate avatar name 'host'"):
        load_config(write(tmp_path, "avatars:\n  - name: host\n    rig: nope\n  - name: host\n"))
    with pytest.raises(SpecError, match=r":1: control: endpoint"):
        load_config(write(tmp_path, THREE.replace("avatars:", "control: nowhere\navatars:")))
    path = write(tmp_path, "avatars:\n  - name: a\n    rig: nope\n  - name: b\n    voice: gone.onnx\n")
    with pytest.raises(SpecError) as caught:
        load_config(path)
    assert (caught.value.line, caught.value.field) == (3, "avatars[0].rig")
    assert "no avatar is left to serve (the others: " in str(caught.value) and "avatars[1].voice" in str(caught.value)
    write(tmp_path, "not: [a persona", "bad.yaml")
    alone = load_config(write(tmp_path, "avatars:\n  - name: solo\n    persona: bad.yaml\n"))
    with pytest.raises(ConfigError, match=r"^no avatar is left to serve: .*:3: avatars\[0\]\.persona: not a persona"):
        Sidecar(alone, fake_bundled_voice, workers=False)
    with pytest.raises(ConfigError, match=r"^no avatar is left to serve: avatar 'host': persona: not a persona"):
        Sidecar(SidecarConfig(avatars=[AvatarConfig("host", persona=tmp_path / "bad.yaml")]),
                fake_bundled_voice, workers=False)  # set by a flag: no file line to name


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_config_check_prints_the_skipped_avatars_and_exits_1(tmp_path: Path) -> None:
    path = write(tmp_path, THREE)
    result = cli("config", "check", str(path))
    assert result.returncode == 1, result.stderr
    assert "- name: host" in result.stdout and "guide" not in result.stdout
    assert result.stderr.splitlines() == [
        f"skipped avatar guide: {path}:5: avatars[1].persona: file not found: {tmp_path / 'personas' / 'gone.yaml'}",
        f"skipped avatar kai: {path}:7: avatars[2].voice: file not found: {tmp_path / 'voices' / 'kai.onnx'}"]
