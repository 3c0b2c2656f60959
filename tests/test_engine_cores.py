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


def test_cpp_body_and_face_mappings_match_python(cpp_build: Path) -> None:
    """What the Unreal plugin publishes comes from the core's pure functions, checked against the sidecar's own:
    the axes conversions (models/body/skeleton.py, Unity -> Unreal world and mesh), the joint -> Manny bone table
    and the 61 Live Link Face values of a face (bridge/sinks/livelink.py)."""
    import numpy as np

    from bridge.protocol import decode_stream
    from bridge.sinks.livelink import livelink_values
    from models.body.skeleton import MANNY_BONE, convert_positions, convert_rotations

    client = str(cpp_build / "avatarbridge_client")
    rng = np.random.default_rng(3)
    positions = rng.normal(size=(6, 3))
    rotations = rng.normal(size=(6, 4)).astype(np.float32)
    rotations /= np.linalg.norm(rotations, axis=1, keepdims=True)
    numbers = [repr(float(v)) for p, q in zip(positions, rotations, strict=True) for v in (*p, *q)]
    for space, frame in (("world", "unreal"), ("mesh", "unreal_mesh")):
        out = json.loads(_run([client, "axes", space, *numbers], f"axes {space}").stdout)
        np.testing.assert_allclose([o[0] for o in out], convert_positions(positions, frame), rtol=1e-6, atol=1e-4)
        np.testing.assert_allclose([o[1] for o in out], convert_rotations(rotations, frame), atol=1e-7)
    assert json.loads(_run([client, "bones"], "bones").stdout) == MANNY_BONE
    face = decode_stream((VECTORS / "stream_face.msgpack").read_bytes())
    curves = json.loads(_run([client, "livelink", str(VECTORS / "stream_face.msgpack")], "livelink").stdout)
    np.testing.assert_allclose(curves, livelink_values(face.weights, face.head, face.eyes), rtol=0, atol=1e-7)


def test_unreal_glue_type_checks_against_the_engine_api_it_uses() -> None:
    """The plugin's Unreal glue (Source/AvatarBridge) cannot be built here (no Unreal Engine), but g++ checks it
    against core_tests/unreal_api, a declaration of the UE 5.3 members it uses, and against the real core headers:
    typos, wrong types and misuse of the core's API fail here; a wrong guess about Unreal itself would not."""
    _require("g++")
    unreal = CPP_CORE.parents[2]
    sources = sorted((CPP_CORE.parent / "AvatarBridge" / "Private").glob("*.cpp"))
    sources.append(CPP_CORE / "Private" / "AvatarBridgeCoreModule.cpp")
    assert len(sources) >= 8
    for source in sources:
        _run(["g++", "-std=c++17", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
              "-I", str(unreal / "core_tests" / "unreal_api"), "-I", str(CPP_CORE.parent / "AvatarBridge" / "Public"),
              "-I", str(CPP_CORE / "Public"), str(source)], f"type-checking {source.name}")


def test_cs_core_unit_tests(cs_build: Path) -> None:
    """The same behaviours in C#: msgpack reader, hostile input, jitter buffer with simulated jitter, clock sync
    with skew, audio ring with resampling, interrupt flush and the session over a simulated transport."""
    result = _run(["mono", "--debug", str(cs_build), "test", str(VECTORS)], "C# core unit tests", timeout=120)
    assert " 0 failed" in result.stdout, result.stdout


def test_cs_session_plays_a_line_from_the_real_sidecar(cs_build: Path, sidecar_process: RunningSidecar) -> None:
    """The C# session over real ZeroMQ (libzmq through P/Invoke: Unity's NetMQ is not installable here), pumped by
    BridgePump on its own thread as the Unity client runs it: it connects, syncs the clock, gets the skeleton, says a
    line, and a simulated 48 kHz device hears the take where its pts put it while face and pose are sampled."""
    result = _run(["mono", "--debug", str(cs_build), "live", sidecar_process.control, sidecar_process.stream],
                  "C# live session", timeout=120)
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

    def __init__(self, build: Path, sidecar: RunningSidecar, log: Path, stream: str | None = None) -> None:
        self.log = log
        self._stderr = log.open("w")
        self.process = subprocess.Popen(
            [str(build / "avatarbridge_client"), "session", "--control", sidecar.control, "--stream",
             stream or sidecar.stream, "--silence", "0.5"],
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
def session(cpp_build: Path, sidecar_process: RunningSidecar, tmp_path: Path) -> Iterator[CoreSession]:
    client = CoreSession(cpp_build, sidecar_process, tmp_path / "client.log")
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
    # The simulated device heard the take where its pts put it, and all of it. "Where" is to the nearest sample (the
    # ring rounds) on the clock estimate, which pings may refine between the device's read and its reading of the
    # time: the first sound once came 4 µs before the take's pts.
    assert -1e-3 < playback["first_audible_pts"] - started["pts"] < 0.05
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


class MeddlingRelay:
    """The sidecar's stream relayed through a PUB of ours that, while meddling, slips a bad message in after every
    few real ones: truncated, garbage, a lone frame, a newer protocol version, an unknown kind, an invalid pose.
    It counts what it slipped in, by the counter the client must raise."""

    BAD = ("malformed", "malformed", "malformed", "version_mismatch", "unknown_kind", "invalid")

    def __init__(self, upstream: str) -> None:
        import zmq

        self._zmq = zmq
        context = zmq.Context.instance()
        self._sub = context.socket(zmq.SUB)
        self._sub.setsockopt(zmq.SUBSCRIBE, b"")
        self._sub.connect(upstream)
        self._pub = context.socket(zmq.PUB)
        self._pub.setsockopt(zmq.SNDHWM, 100_000)
        self.endpoint = f"tcp://127.0.0.1:{self._pub.bind_to_random_port('tcp://127.0.0.1')}"
        self.injected: dict[str, int] = dict.fromkeys(self.BAD, 0)
        self.meddling = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _bad(self, n: int, topic: bytes, body: bytes) -> list[bytes]:
        import msgpack

        def encode(**fields: Any) -> bytes:
            return msgpack.packb(fields, use_bin_type=True)

        return [
            [topic, body[: len(body) // 2]],
            [topic, b"\xc1\xc1\xc1"],
            [topic],
            [topic, encode(v=2, kind="face", avatar="host", seq=0, pts=0.0, w=b"")],
            [b"host/sparkle", encode(v=1, kind="sparkle", avatar="host", glitter=1.0)],
            [b"host/pose", encode(v=1, kind="pose", avatar="host", seq=0, pts=0.0, root=[0.0, 0.0, 0.0],
                                  q=b"\x00" * 15)],
        ][n % len(self.BAD)]

    def _run(self) -> None:
        forwarded = 0
        while not self._stop.is_set():
            if not self._sub.poll(20):
                continue
            topic, body = self._sub.recv_multipart()
            self._pub.send_multipart([topic, body])
            forwarded += 1
            if self.meddling.is_set() and topic.startswith(b"host/") and forwarded % 7 == 0:
                n = sum(self.injected.values())
                self._pub.send_multipart(self._bad(n, topic, body))
                self.injected[self.BAD[n % len(self.BAD)]] += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sub.close(linger=0)
        self._pub.close(linger=0)


def test_cpp_client_skips_and_counts_bad_messages_amid_the_real_stream(cpp_build: Path,
                                                                       sidecar_process: RunningSidecar,
                                                                       tmp_path: Path) -> None:
    """Truncated, corrupted, newer-version, unknown and invalid messages mixed into a real sidecar's stream while a
    line plays: each is skipped and counted under its own name, and the line plays whole (no lost or restarted
    numbering, no gap in the audio)."""
    relay = MeddlingRelay(sidecar_process.stream)
    client = CoreSession(cpp_build, sidecar_process, tmp_path / "client.log", stream=relay.endpoint)
    try:
        assert client("wait_connected 30")["state"] == "connected"
        client("reset")
        relay.meddling.set()
        take = client("say Snow fell all night on the mountain.")["take"]
        assert client("wait_event take_ended 60")["ok"]
        relay.meddling.clear()
        time.sleep(0.3)  # the last bad messages reach the client
        stats, report = client("stats"), client("report")
        assert sum(relay.injected.values()) >= 30, relay.injected
        counted = {"malformed": 0, "version_mismatch": 0, "unknown_kind": 0, "invalid": 0}
        for counter, n in relay.injected.items():
            counted[counter] += n
        assert {counter: stats[counter] for counter in counted} == counted
        assert stats["state"] == "connected" and stats["lost"] == 0 and stats["restarts"] == 0
        audio = report["takes"][take]
        assert audio["samples"] > 0 and audio["discontinuities"] == 0
        assert audio["samples"] / audio["rate"] == pytest.approx(audio["phoneme_end"], abs=2e-5)
    finally:
        client.close()
        relay.close()
