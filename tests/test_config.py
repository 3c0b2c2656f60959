"""The sidecar config file (bridge/config.py, docs/config.md): the example loads, every mistake names file, line
and field, relative paths follow the file, and serve's flags override it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridge.cli import _serve_config, build_parser
from bridge.config import AvatarConfig, ConfigError, SidecarConfig, SkippedAvatar, load_config
from bridge.protocol import DescribeRequest
from bridge.server import Sidecar
from bridge.sinks import AvatarFilter
from bridge.sinks.livelink import LiveLinkSink
from bridge.sinks.vmc import VmcSink
from models.dialogue.spec import SpecError
from models.tts import VoiceStyle
from tests.conftest import ROOT
from tests.fake_voice import FakeVoice

EXAMPLE = ROOT / "examples" / "sidecar.yaml"
PERSONAS = ROOT / "examples" / "personas"


def write(folder: Path, text: str, name: str = "sidecar.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_example_loads() -> None:
    config = load_config(EXAMPLE)
    assert config.names == ["host", "guide"]
    host, guide = config.avatars
    assert host.persona == PERSONAS / "default.yaml" and guide.persona == PERSONAS / "guide.yaml"
    assert host.voice is None and guide.voice is None  # both use the bundled voice
    assert (host.seed, guide.seed) == (None, 42)
    assert host.gaze_targets == {"screen": (0.8, 0.1, 1.0)} and guide.gaze_targets == {"host": (-0.9, 0.0, 0.6)}
    assert (host.livelink, host.vmc, guide.livelink, guide.vmc) == ("127.0.0.1:11111", None, None, "127.0.0.1:39539")
    assert (host.rig, guide.rig) == ("arkit", "vrm1")
    assert (config.frame_rate, config.lookahead, config.seed) == (60.0, 0.1, 0)


def test_an_empty_avatar_list_of_defaults_is_the_host_alone(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "frame_rate: 30\n"))
    assert config.names == ["host"] and config.frame_rate == 30.0
    assert config.avatars[0] == AvatarConfig("host")


BASE = "avatars:\n  - name: host\n"


@pytest.mark.parametrize(("text", "line", "field", "message"), [
    ("colour: red\n", 1, "colour", "unknown field; expected one of: control"),
    (BASE + "    voise: a.onnx\n", 3, "avatars[0].voise", "unknown field"),
    ("frame_rate: fast\n", 1, "frame_rate", "must be a number, got text 'fast'"),
    ("seed: 1\nframe_rate: 500\n", 2, "frame_rate", "must be >= 1.0 and <= 240.0, got 500"),
    ("lookahead: 3\n", 1, "lookahead", "must be >= 0.0 and <= 2.0, got 3"),
    ("seed: -1\n", 1, "seed", "must be between 0 and"),
    ("insecure: yes please\n", 1, "insecure", "must be true or false"),
    ("control: http://127.0.0.1:80\n", 1, "control", "is not tcp://HOST:PORT"),
    ("device: tpu\n", 1, "device", "unknown value 'tpu'"),
    ("beat_tracker: aubio\n", 1, "beat_tracker", "unknown value 'aubio'; expected one of: auto, madmom, librosa"),
    ("avatars: []\n", 1, "avatars", "must list at least one avatar"),
    ("avatars:\n  - rig: arkit\n", 2, "avatars[0].name", "is required"),
    (BASE + "  - name: guide\n  - name: host\n", 4, "avatars[2].name",
     "duplicate avatar name 'host' (first on line 2)"),
    (BASE + "    rig: nope\n", 3, "avatars[0].rig", "unknown rig profile 'nope'"),
    (BASE + "    livelink: 127.0.0.1:99999\n", 3, "avatars[0].livelink", "Live Link port must be a number from 1 to"),
    (BASE + "    vmc: host:port\n", 3, "avatars[0].vmc", "VMC port must be a number"),
    (BASE + "    vmc_blend: rgb\n", 3, "avatars[0].vmc_blend", "unknown value 'rgb'; expected one of: vrm, arkit"),
    (BASE + "    gaze_targets:\n      floor: [0, -1, -2]\n", 4, "avatars[0].gaze_targets.floor",
     "must be in front of the face"),
    (BASE + "    gaze_targets:\n      floor: [0, 1]\n", 4, "avatars[0].gaze_targets.floor", "3 finite numbers"),
    (BASE + "    seed: many\n", 3, "avatars[0].seed", "must be a whole number"),
    (BASE + "    voice_style:\n      length_scale: 0\n", 4, "avatars[0].voice_style.length_scale", "must be > 0.0"),
    (BASE + "    voice_style:\n      volume: 9\n", 4, "avatars[0].voice_style.volume", "<= 4.0, got 9"),
    (BASE + "    voice_style:\n      pitch: 2\n", 4, "avatars[0].voice_style.pitch", "unknown field"),
    ("preview_token: short\n", 1, "preview_token", "must be 16 to 200 letters, digits and - _ . ~"),
    ("preview_token: has spaces and & signs\n", 1, "preview_token", "secrets.token_hex()"),
])
def test_each_mistake_names_file_line_and_field(tmp_path: Path, text: str, line: int, field: str,
                                                message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SpecError) as caught:
        load_config(path)
    assert (caught.value.file, caught.value.line, caught.value.field) == (str(path), line, field)
    assert str(caught.value).startswith(f"{path}:{line}: {field}: ")
    assert message in caught.value.message


@pytest.mark.parametrize("field", ["voice", "voice_config", "persona"])
def test_a_missing_file_says_which_path_and_skips_its_avatar(tmp_path: Path, field: str) -> None:
    path = write(tmp_path, f"avatars:\n  - name: host\n  - name: guide\n    {field}: gone/{field}.file\n")
    config = load_config(path)
    assert config.names == ["host"]
    assert config.skipped == [SkippedAvatar("guide", f"{path}:4: avatars[1].{field}: file not found: "
                                                     f"{tmp_path / 'gone' / field}.file")]


def test_relative_paths_follow_the_file_not_the_working_folder(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "show"
    persona = write(folder, (PERSONAS / "guide.yaml").read_text(), "personas/kai.yaml")
    voice = write(folder, "not a real voice", "voices/kai.onnx")
    rig = write(folder, '{"arkit": {"jawOpen": "MouthOpen"}}', "rigs/custom.json")
    path = write(folder, "avatars:\n  - name: kai\n    persona: personas/kai.yaml\n    voice: voices/kai.onnx\n"
                 "    rig: rigs/custom.json\n")
    monkeypatch.chdir(tmp_path)
    avatar = load_config(Path("show/sidecar.yaml")).avatars[0]
    assert (avatar.persona, avatar.voice, avatar.rig) == (persona, voice, str(rig))
    assert avatar.voice_config is None  # beside the .onnx, found when the voice loads
    assert path.is_file()


def serve_args(*argv: str) -> SidecarConfig:
    return _serve_config(build_parser().parse_args(["serve", *argv]))


def test_without_a_file_the_flags_build_the_config() -> None:
    config = serve_args("--avatar", "a", "--avatar", "b", "--seed", "5", "--vmc", "--gaze-target", "desk=0,-0.5,0.6")
    assert config.names == ["a", "b"] and config.seed == 5
    assert all(a.vmc == "127.0.0.1:39539" and a.gaze_targets == {"desk": (0.0, -0.5, 0.6)} for a in config.avatars)
    assert serve_args().names == ["host"]
    assert serve_args() == SidecarConfig(llm_key=serve_args().llm_key)  # no flag: the defaults


def test_flags_override_the_file_and_per_avatar_flags_apply_to_every_avatar(tmp_path: Path) -> None:
    persona = PERSONAS / "default.yaml"
    config = serve_args("--config", str(EXAMPLE), "--fps", "30", "--persona", str(persona), "--livelink",
                        "10.0.0.2:9000", "--gaze-target", "screen=1,0,1", "--control", "tcp://127.0.0.1:6000",
                        "--preview")
    assert config.frame_rate == 30.0 and config.lookahead == 0.1  # given, and left as the file has it
    assert config.control == "tcp://127.0.0.1:6000" and config.preview_port == 6002  # the overridden port + 2
    host, guide = config.avatars
    assert host.persona == guide.persona == persona
    assert host.livelink == guide.livelink == "10.0.0.2:9000"
    assert guide.vmc == "127.0.0.1:39539" and guide.seed == 42  # no flag for these: the file's
    assert host.gaze_targets == {"screen": (1.0, 0.0, 1.0)}
    assert guide.gaze_targets == {"host": (-0.9, 0.0, 0.6), "screen": (1.0, 0.0, 1.0)}
    assert load_config(EXAMPLE).avatars[0].gaze_targets == {"screen": (0.8, 0.1, 1.0)}  # the file's config unchanged


def test_the_preview_token_comes_from_a_flag_or_the_file_and_is_hidden(tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture) -> None:
    path = write(tmp_path, "preview_port: 6002\npreview_token: files-token-0123456789\n")
    assert load_config(path).preview_token == "files-token-0123456789"
    assert serve_args("--config", str(path), "--preview-token", "flags.token_0123456~").preview_token == \
        "flags.token_0123456~"
    assert serve_args().preview_token is None  # the preview makes a new one each run
    with pytest.raises(SystemExit):
        serve_args("--preview-token", "short")
    assert "a preview token is 16 to 200 letters" in capsys.readouterr().err
    result = cli("config", "check", str(path))
    assert result.returncode == 0 and "preview_token: (set)" in result.stdout and "files-token" not in result.stdout


def test_avatar_flags_and_a_file_do_not_mix() -> None:
    with pytest.raises(ConfigError, match="list them under avatars:"):
        serve_args("--config", str(EXAMPLE), "--avatar", "solo")


@pytest.fixture
def two_host_sidecar() -> Iterator[Sidecar]:
    """The example's two hosts in a `Sidecar` in this process, bound to no socket."""
    running = Sidecar(load_config(EXAMPLE), lambda model, config: FakeVoice(), workers=False)
    yield running
    running.context.term()


def test_the_sidecar_gives_each_avatar_its_targets_and_outputs(two_host_sidecar: Sidecar) -> None:
    sidecar = two_host_sidecar
    avatars = sidecar.pipeline.avatars
    assert list(avatars) == ["host", "guide"]
    assert "screen" in avatars["host"].face.targets and "screen" not in avatars["guide"].face.targets
    assert "host" in avatars["guide"].face.targets and "camera" in avatars["guide"].face.targets
    described = sidecar.requests.describe(DescribeRequest())
    assert described["gaze_targets"] == ["audience", "camera", "host", "product", "screen"]  # every avatar's
    livelink, vmc = sidecar.outputs  # only the host's face goes to Live Link, only the guide to VMC
    assert isinstance(livelink, AvatarFilter) and livelink.avatars == {"host"}
    assert isinstance(livelink.sink, LiveLinkSink) and livelink.sink.address == ("127.0.0.1", 11111)
    assert isinstance(vmc, AvatarFilter) and vmc.avatars == {"guide"} and isinstance(vmc.sink, VmcSink)
    assert vmc.sink.address == ("127.0.0.1", 39539) and vmc.sink.blend == "vrm"
    for sink in sidecar.outputs:
        sink.close()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def test_serve_with_a_bad_file_exits_2_with_the_message(tmp_path: Path) -> None:
    path = write(tmp_path, "avatars:\n  - name: guide\n    voice: voices/anna.onnx\n")  # no avatar left
    result = cli("serve", "--config", str(path))
    assert result.returncode == 2
    assert f"error: {path}:3: avatars[0].voice: file not found: {tmp_path / 'voices' / 'anna.onnx'}; no avatar is " \
        "left to serve" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_prints_the_resolved_config_or_the_mistake(tmp_path: Path) -> None:
    result = cli("config", "check", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert f"persona: {PERSONAS / 'guide.yaml'}" in result.stdout and "seed: 42" in result.stdout
    bad = write(tmp_path, "lookahead: -1\n")
    result = cli("config", "check", str(bad))
    assert result.returncode == 2 and result.stderr == f"error: {bad}:1: lookahead: must be >= 0.0 and <= 2.0, got -1\n"
    persona = write(tmp_path, "name: X\nbio: y\nspeaking_style: z\ndefault_emotion: grumpy\n", "bad_persona.yaml")
    result = cli("config", "check", str(write(tmp_path, f"avatars:\n  - name: x\n    persona: {persona}\n", "p.yaml")))
    assert result.returncode == 2 and f"{persona}:4: default_emotion: unknown value 'grumpy'" in result.stderr


def test_each_avatar_speaks_in_its_own_voice_style_or_its_persona_s(tmp_path: Path) -> None:
    """The host speaks as her persona's `voice:` says (0.95 and 0.7); the guide's `voice_style` sets his own; every
    emotion moves from the avatar's own style."""
    path = write(tmp_path, f"""avatars:
  - name: host
    persona: {ROOT / "examples/personas/default.yaml"}
  - name: guide
    voice_style: {{length_scale: 1.3, volume: 0.5}}
""")
    voice = FakeVoice()
    sidecar = Sidecar(load_config(path), lambda model, config: voice, workers=False)
    try:
        sidecar.pipeline.directors["host"].say("Hello there.")
        sidecar.pipeline.directors["guide"].say("Hello there.")
        sidecar.pipeline.directors["guide"].say("[happy] Hello there.")
    finally:
        sidecar.context.term()
    styles = [style for _, style in voice.calls]
    assert styles == [VoiceStyle(0.95, 0.7, 0.8, 0.8), VoiceStyle(1.3, 0.667, 0.8, 0.4),
                      VoiceStyle(round(0.95 * 1.3, 4), 0.75, 0.85, 0.45, "happy")]
