"""The engine plugin cores, compiled and run here: the C++17 core of the Unreal plugin and the C# 7 core of the
Unity plugin. Both decode every golden vector; the C++ client talks to a real sidecar the way an engine does.

The toolchains come from `make deps` (g++, cmake, libzmq3-dev, cppzmq-dev, libmsgpack-cxx-dev, mono-mcs,
mono-runtime). A missing tool fails these tests: the plugins must not go untested by accident.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar

ROOT = Path(__file__).resolve().parents[1]
VECTORS = ROOT / "tests" / "vectors"
CPP_CORE = ROOT / "engine_plugins" / "unreal" / "AvatarBridge" / "Source" / "AvatarBridgeCore"
CS_CORE = ROOT / "engine_plugins" / "unity" / "com.avatarbridge.unity" / "Runtime" / "Core"
CS_TESTS = ROOT / "engine_plugins" / "unity" / "core_tests"
FRAME_RATE = 60.0
LONG_LINE = ("Welcome back to the studio, everyone. Tonight we have three stories about the mountains, "
             "a song about the snow, and a question from every one of you in the chat.")


def _require(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: run `make deps` (as root) to install the engine-core toolchains")


def _run(command: list[str], what: str, timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if result.returncode != 0:
        pytest.fail(f"{what} failed ({result.returncode}):\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="module")
def cpp_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C++ core, its command-line client and unit tests, built once, with ASan and UBSan watching."""
    _require("cmake", "g++")
    build = tmp_path_factory.mktemp("cpp-core")
    _run(["cmake", "-S", str(CPP_CORE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Debug", "-DAVATARBRIDGE_SANITIZE=ON"],
         "cmake configure (are libzmq3-dev, cppzmq-dev and libmsgpack-cxx-dev installed? `make deps`)")
    _run(["cmake", "--build", str(build), "-j", "2"], "C++ core build")
    return build


@pytest.fixture(scope="module")
def cs_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The C# core and its test runner, compiled with mcs at language version 7 (Unity 2018.3 and later take
    C# 7.3), without Unity and without NetMQ: the core must need neither."""
    _require("mcs", "mono")
    exe = tmp_path_factory.mktemp("cs-core") / "CoreTests.exe"
    sources = sorted(str(p) for p in CS_CORE.glob("*.cs")) + sorted(str(p) for p in CS_TESTS.glob("*.cs"))
    _run(["mcs", "-langversion:7", "-debug", "-warnaserror+", "-nologo", f"-out:{exe}", *sources], "C# core build")
    return exe


def _from_json_twin(name: str) -> Any:
    return json.loads((VECTORS / f"{name}.json").read_text())


def _vector_names() -> list[str]:
    return sorted(p.stem for p in VECTORS.glob("*.msgpack"))


def _decoded_lines(command: list[str]) -> dict[str, Any]:
    names = _vector_names()
    result = _run([*command, *(str(VECTORS / f"{name}.msgpack") for name in names)], "decoding the golden vectors")
    lines = result.stdout.splitlines()
    assert len(lines) == len(names)
    return {name: json.loads(line) for name, line in zip(names, lines, strict=True)}


# -- golden vectors -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("core", ["cpp", "cs"])
def test_core_decodes_every_golden_vector(core: str, request: pytest.FixtureRequest) -> None:
    """Each core decodes each vector into its typed messages and writes them back in wire shape: the JSON twin."""
    if core == "cpp":
        command = [str(request.getfixturevalue("cpp_build") / "avatarbridge_client"), "decode"]
    else:
        command = ["mono", "--debug", str(request.getfixturevalue("cs_build")), "decode"]
    decoded = _decoded_lines(command)
    assert len(decoded) >= 13
    for name, value in decoded.items():
        assert value == _from_json_twin(name), name


# -- unit tests of each core ----------------------------------------------------------------------------------


def test_cpp_core_unit_tests(cpp_build: Path) -> None:
    """Vectors and request encoding byte for byte, every truncation and random corruption of every vector
    (skipped and counted, never a crash), jitter buffer under simulated jitter, clock sync under skew, the audio
    ring, and the client against a stand-in publisher: garbage, another clock, a restart on the same ports."""
    result = _run([str(cpp_build / "avatarbridge_core_tests"), str(VECTORS)], "C++ core unit tests", timeout=120)
    assert " 0 failed" in result.stdout, result.stdout


def test_cs_core_unit_tests(cs_build: Path) -> None:
    """The same behaviours in C#: msgpack reader, hostile input, jitter buffer with simulated jitter, clock sync
    with skew, audio ring with resampling, interrupt flush and the session over a simulated transport."""
    result = _run(["mono", "--debug", str(cs_build), "test", str(VECTORS)], "C# core unit tests", timeout=120)
    assert " 0 failed" in result.stdout, result.stdout


def test_cs_session_plays_a_line_from_the_real_sidecar(cs_build: Path, sidecar: RunningSidecar) -> None:
    """The C# session over real ZeroMQ (libzmq through P/Invoke: Unity's NetMQ is not installable here), pumped by
    BridgePump on its own thread as the Unity client runs it: it connects, syncs the clock, gets the skeleton, says a
    line, and a simulated 48 kHz device hears the take where its pts put it while face and pose are sampled."""
    result = _run(["mono", "--debug", str(cs_build), "live", sidecar.control, sidecar.stream], "C# live session",
                  timeout=120)
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["connected"] and report["replied"] and report["ended"], report
    # Loopback, one monotonic clock: the offset is the ping asymmetry.
    assert abs(report["clock_offset"]) < 0.002, report
    assert report["skeleton_joints"] == 52 and report["skeletons"] >= 1
    duration = report["ended_pts"] - report["started_pts"]
    assert 1.0 < duration < 15
    assert abs(report["first_audible"] - report["started_pts"]) < 0.005, report
    assert abs(report["last_audible"] - report["ended_pts"]) < 0.005, report
    assert 0.7 * duration < report["audible_s"] <= duration + 0.005  # speech has silent samples of its own
    assert report["face_samples"] > 50 and report["pose_samples"] > 50
    assert report["pose"] == pytest.approx(report["face"], abs=2)  # a pose frame with every face frame
    for counter in ("malformed", "invalid", "unknown_kind", "version_mismatch", "pose_mismatch", "lost", "restarts",
                    "audio_late", "audio_resyncs"):
        assert report[counter] == 0, (counter, report)


def test_cs_humanoid_bones_match_the_skeleton(cs_build: Path) -> None:
    """The Unity core's HumanBodyBones values are models/body/skeleton.py's, for every wire joint (plus the eyes)."""
    from models.body.skeleton import UNITY_BONE_INDEX

    bones = json.loads(_run(["mono", str(cs_build), "bones"], "C# bones").stdout)
    assert {name: bones[name] for name in UNITY_BONE_INDEX} == UNITY_BONE_INDEX
    assert bones["LeftEye"] == 21 and bones["RightEye"] == 22


def test_unity_package_ships_the_rig_profiles() -> None:
    """The package's RigProfiles/ are the sidecar's models/face/rigs/ profiles, byte for byte."""
    shipped = CS_CORE.parents[1] / "RigProfiles"
    ours = ROOT / "models" / "face" / "rigs"
    assert sorted(p.name for p in shipped.glob("*.json")) == sorted(p.name for p in ours.glob("*.json"))
    for profile in ours.glob("*.json"):
        assert (shipped / profile.name).read_bytes() == profile.read_bytes(), f"{profile.name}: copy it to {shipped}"


def test_unity_package_has_its_meta_files() -> None:
    """Unity ignores a file without a .meta in a package installed from a Git URL: each asset has its own, current
    (run engine_plugins/unity/make_meta.py after adding one), and no two share a GUID."""
    spec = importlib.util.spec_from_file_location("make_meta", ROOT / "engine_plugins" / "unity" / "make_meta.py")
    assert spec is not None and spec.loader is not None
    make_meta = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_meta)
    assets = make_meta.assets()
    assert len(assets) > 20
    for path in assets:
        meta = Path(f"{path}.meta")
        assert meta.is_file() and meta.read_text() == make_meta.meta(path), f"{meta}: run make_meta.py"
    guids = [Path(f"{p}.meta").read_text().split("guid: ")[1][:32] for p in assets]
    assert len(set(guids)) == len(guids)


def test_cs_netmq_transport_compiles_at_csharp_7(tmp_path: Path) -> None:
    """The NetMQ transport (Runtime/Transport, only built in Unity with AVATARBRIDGE_NETMQ) compiles at C# 7 against
    the NetMQ 4 members it uses (core_tests/netmq_api: NuGet is out of reach here, so NetMQ itself never runs)."""
    _require("mcs")
    runtime = CS_CORE.parent
    sources = [*sorted(CS_CORE.glob("*.cs")), *sorted((runtime / "Transport").glob("*.cs")),
               *sorted((CS_TESTS / "netmq_api").glob("*.cs"))]
    _run(["mcs", "-langversion:7", "-warnaserror+", "-nologo", "-target:library", "-define:AVATARBRIDGE_NETMQ",
          f"-out:{tmp_path / 'transport.dll'}", *map(str, sources)], "NetMQ transport build")


# -- the C++ client against a real sidecar --------------------------------------------------------------------


class CoreSession:
    """avatarbridge_client in session mode: one command line in, one JSON line out."""

    def __init__(self, build: Path, sidecar: RunningSidecar, log: Path) -> None:
        self.log = log
        self._stderr = log.open("w")
        self.process = subprocess.Popen(
            [str(build / "avatarbridge_client"), "session", "--control", sidecar.control, "--stream", sidecar.stream,
             "--silence", "0.5"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, bufsize=1,
            env={**os.environ, "ASAN_OPTIONS": "detect_leaks=1"},
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def __call__(self, command: str, timeout: float = 30.0) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        try:
            return json.loads(self._lines.get(timeout=timeout))
        except queue.Empty:
            pytest.fail(f"no answer to {command!r} in {timeout} s; client log:\n{self.log.read_text()[-4000:]}")

    def close(self) -> None:
        """Quit, and require a clean exit: a crash or a sanitizer report fails the test."""
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        try:
            code = self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the C++ client did not stop within 15 s")
        self._stderr.close()
        assert code == 0, f"the C++ client exited with {code}:\n{self.log.read_text()[-6000:]}"


@pytest.fixture
def session(cpp_build: Path, sidecar: RunningSidecar, tmp_path: Path) -> Iterator[CoreSession]:
    client = CoreSession(cpp_build, sidecar, tmp_path / "client.log")
    stats = client("wait_connected 30")
    assert stats["state"] == "connected", stats
    yield client
    client.close()


def _wait_until_sidecar_time(pts: float) -> None:
    # On one machine the sidecar's clock is this process's monotonic clock (the offset test checks it).
    time.sleep(max(0.0, pts - time.monotonic()))


def _events(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in report["events"] if e["type"] == kind]


def test_cpp_client_plays_a_line_from_the_real_sidecar(session: CoreSession) -> None:
    stats = session("stats")
    # Loopback, one monotonic clock: the measured offset is the ping asymmetry, well under a millisecond.
    assert stats["clock_samples"] >= 8 and abs(stats["clock_offset"]) < 0.002, stats
    assert stats["protocol_version"] == 1
    session("reset")
    session("play")
    reply = session("say Hello everyone, welcome to the show. Today it snowed in the mountains.")
    take = reply["take"]
    assert session("wait_event take_ended 60")["ok"]
    report = session("report")
    audio = report["takes"][take]
    _wait_until_sidecar_time(audio["end_pts"] + 0.15)  # let the simulated device play it out
    playback = session("stop_play")
    report = session("report")
    stats = session("stats")

    started, ended = _events(report, "take_started")[0], _events(report, "take_ended")[0]
    duration = audio["samples"] / audio["rate"]
    # The audio received is exactly the take: as long as its phoneme timeline, from take_started to take_ended.
    assert audio["discontinuities"] == 0
    assert duration == pytest.approx(audio["phoneme_end"], abs=2e-5)
    assert audio["first_pts"] == pytest.approx(started["pts"], abs=1e-9)
    assert audio["end_pts"] == pytest.approx(ended["pts"], abs=1e-6)
    assert 1.5 < duration < 15
    # Face frames at 60 fps, pts strictly increasing, about one per 1/60 s of the take.
    pts = report["face_pts"]
    steps = [b - a for a, b in zip(pts, pts[1:], strict=False)]
    assert all(step > 0 for step in steps)
    assert sorted(steps)[len(steps) // 2] == pytest.approx(1 / FRAME_RATE, abs=1e-6)
    during = [p for p in pts if started["pts"] <= p <= ended["pts"]]
    assert 0.95 * duration * FRAME_RATE <= len(during) <= duration * FRAME_RATE + 2
    # Pose frames too, every tick: 60 fps with strictly increasing pts, each with one quaternion per joint of the
    # skeleton that came with them (from describe and on the stream, every second).
    pose_pts = report["pose_pts"]
    pose_steps = [b - a for a, b in zip(pose_pts, pose_pts[1:], strict=False)]
    assert all(step > 0 for step in pose_steps)
    assert sorted(pose_steps)[len(pose_steps) // 2] == pytest.approx(1 / FRAME_RATE, abs=1e-6)
    pose_during = [p for p in pose_pts if started["pts"] <= p <= ended["pts"]]
    assert 0.95 * duration * FRAME_RATE <= len(pose_during) <= duration * FRAME_RATE + 2
    assert stats["skeletons"] >= 1 and stats["skeleton_changes"] == 1
    joints = stats["skeleton_joints"]
    assert joints > 0 and report["pose_joints"] == {str(joints): len(pose_pts)}
    assert all(s["joints"] == joints and s["roots"] == 1 and s["root"] == "Hips" for s in report["skeletons"])
    # The simulated device heard the take where its pts put it, and all of it.
    assert 0 <= playback["first_audible_pts"] - started["pts"] < 0.05
    assert ended["pts"] - 0.5 < playback["last_audible_pts"] <= ended["pts"] + 1e-3
    assert stats["audio_played"] == audio["samples"]
    assert stats["audio_late"] == 0 and stats["audio_resyncs"] == 0
    for counter in ("malformed", "version_mismatch", "unknown_kind", "invalid", "lost", "restarts", "face_late",
                    "pose_late"):
        assert stats[counter] == 0, (counter, stats)


def test_cpp_client_interrupt_flushes_buffers(session: CoreSession) -> None:
    session("reset")
    session("play")
    take = session(f"say {LONG_LINE}")["take"]
    assert session("wait_event take_started 60")["ok"]
    time.sleep(0.8)
    cut = session("interrupt")["pts"]
    assert session("wait_event interrupted 10")["ok"]
    time.sleep(0.3)
    playback = session("stop_play")
    report = session("report")
    at_cut = report["at_interrupt"]
    audio = report["takes"][take]
    rate = audio["rate"]
    assert at_cut["cut"] == pytest.approx(cut, abs=1e-9)
    # The sidecar had sent audio and frames up to `lookahead` past the cut; the client dropped them.
    assert audio["end_pts"] > cut + 0.02
    assert at_cut["audio_flushed"] > 0 and at_cut["face_flushed"] > 0
    assert at_cut["audio_end_pts"] <= cut + 1 / rate
    assert at_cut["face_newest_pts"] <= cut
    assert at_cut["pose_flushed"] > 0 and at_cut["pose_newest_pts"] <= cut
    # Nothing after the cut was heard, save the one device block already handed out when the event came.
    assert playback["last_audible_pts"] <= cut + 512 / rate + 0.005
    # Frames keep flowing after the cut (the face relaxes), and the next line plays normally.
    assert report["face_pts"][-1] > cut + 0.2 and report["pose_pts"][-1] > cut + 0.2
    session("reset")
    next_take = session("say And now, the weather.")["take"]
    assert session("wait_event take_ended 60")["ok"]
    assert session("report")["takes"][next_take]["samples"] > 0
    assert session("stats")["stale_audio"] == 0


def test_cpp_client_survives_a_sidecar_restart(cpp_build: Path, tmp_path: Path) -> None:
    first = start_sidecar(tmp_path)
    client = CoreSession(cpp_build, first, tmp_path / "client.log")
    second: subprocess.Popen | None = None
    try:
        assert client("wait_connected 30")["state"] == "connected"
        stop_sidecar(first)
        time.sleep(1.0)
        assert client("stats")["state"] == "reconnecting"
        # The same command line again: same ports, a new process with its own numbering.
        with (tmp_path / "second.log").open("w") as log:
            second = subprocess.Popen(first.process.args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        stats = client("wait_connected 60", timeout=70)
        assert stats["state"] == "connected", stats
        assert stats["reconnects"] >= 1
        take = client("say I am back.")["take"]
        assert client("wait_event take_ended 60")["ok"]
        assert client("report")["takes"][take]["samples"] > 0
    finally:
        client.close()
        if second is not None:
            second.terminate()
            second.wait(timeout=10)
