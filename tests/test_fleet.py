"""The fleet on Ray Serve: a real local Ray cluster (a head and a worker node, each a `ray start`ed process on this
machine) runs the avatar-bridge application; in-process sidecars say lines, read faces and embed questions through
it, lose a replica and then the whole application mid-line."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")

from bridge.cli import _serve_config, build_parser, main  # noqa: E402
from bridge.config import AvatarConfig, ConfigError, SidecarConfig, load_config  # noqa: E402
from bridge.fleet import APP_NAME, SYNTHESIS, FleetConfig  # noqa: E402
from bridge.fleet.deployments import FleetScale, Scale, deploy, status  # noqa: E402
from bridge.fleet.local import LocalCluster, _free_port_outside, _free_range, free_port  # noqa: E402
from bridge.protocol import AudioChunk, Event, Phonemes  # noqa: E402
from bridge.server import Sidecar  # noqa: E402
from bridge.sinks import Recorder  # noqa: E402
from models.dialogue.spec import SpecError  # noqa: E402

#: Two Synthesis replicas (a killed one's requests have somewhere to go), fractional CPUs so all fit on 3.
SCALE = FleetScale(Scale(2, num_cpus=0.5), Scale(1, num_cpus=0.25), Scale(1, num_cpus=0.25))
LONG_LINE = ("Welcome back to the studio, everyone. Tonight we have three guests, a quiz and a song. "
             "First, a few questions from the chat. Then the quiz, with prizes for the fastest answers. "
             "And at the end, the song you voted for last week.")


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    """The module's one cluster, the application deployed on it, this process one of its drivers; always torn
    down (its own processes only)."""
    local = LocalCluster(head_cpus=2, worker_cpus=(1,))
    try:
        local.start()
        ray.init(address=local.address, log_to_driver=False)
        deploy(SCALE)
        yield local
    finally:
        if ray.is_initialized():
            ray.shutdown()
        local.stop()


def sidecar_on(cluster: LocalCluster, *names: str, fallback: bool = False, timeout_s: float = 5.0) -> Sidecar:
    config = SidecarConfig(avatars=[AvatarConfig(name) for name in names],
                           ray=FleetConfig(cluster.address, fallback=fallback, timeout_s=timeout_s))
    return Sidecar(config, workers=False)


def play(sidecar: Sidecar, seconds: float) -> None:
    start = sidecar.clock.now()
    for i in range(round(seconds * 60)):
        sidecar.performer.tick(start + i / 60)


def heard(recorder: Recorder, take: str) -> tuple[list[str], np.ndarray]:
    """A take's phonemes as sent ahead and its audio as played."""
    phonemes = [item[0] for m in recorder.messages if isinstance(m, Phonemes) and m.take == take for item in m.items]
    pcm = b"".join(m.pcm for m in recorder.messages if isinstance(m, AudioChunk) and m.take == take)
    return phonemes, np.frombuffer(pcm, np.int16).astype(np.float32) / 32768


def events(recorder: Recorder, type_: str) -> list[Event]:
    return [m for m in recorder.messages if isinstance(m, Event) and m.type == type_]


def replicas(deployment: str) -> list[str]:
    return [a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
            if a["name"].startswith(f"SERVE_REPLICA::{APP_NAME}#{deployment}#")]


def close(*sidecars: Sidecar) -> None:
    for sidecar in sidecars:
        sidecar.close()


def test_two_sidecars_say_lines_read_faces_and_embed_through_the_fleet(cluster: LocalCluster) -> None:
    from models.face.audio_face import shared_model
    from models.tts.piper_voice import PiperTTS

    assert status()["deployments"][SYNTHESIS]["replicas"] == {"RUNNING": 2}
    first, second = sidecar_on(cluster, "host"), sidecar_on(cluster, "anna", "kai")
    try:
        recorders = {first: Recorder(), second: Recorder()}
        lines = {first: ("host", "Hello from the first sidecar."), second: ("kai", "And hello from the second one!")}
        local = PiperTTS()
        for sidecar, (avatar, text) in lines.items():
            assert sidecar.voices[avatar].provider.startswith("ray:")
            sidecar.hub.add(recorders[sidecar])
            take = sidecar.pipeline.directors[avatar].say(text)
            play(sidecar, 3.0)
            phonemes, audio = heard(recorders[sidecar], take.id)
            # The replica's voice is the bundled one: the same phonemes as in-process, and real speech.
            assert phonemes == [p.phoneme for s in local.synthesize(text) for p in s.phonemes]
            assert len(audio) > 0.8 * 22050 and float(np.sqrt(np.mean(audio**2))) > 0.02
            assert [e.data.get("error") for e in events(recorders[sidecar], "take_ended")] == [None]

        # Faces from audio: the live driver's model is the AudioFace deployment's, with the shipped model's numbers.
        remote = first.pipeline.avatars["host"].live._driver().model
        speech = np.concatenate([s.audio for s in local.synthesize("Testing the face.")])[::2].copy()  # ~16 kHz
        assert remote.provider.startswith("ray:")
        np.testing.assert_allclose(remote.frames_of(speech), shared_model().frames_of(speech), atol=1e-5)

        # The dialogue's retrieval embeds its knowledge and the questions on the Embeddings deployment.
        second.dialogue.load(second.pipeline.avatars, second.clock, lambda fn, *args: fn(*args))
        index = second.dialogue.ready().desks["anna"].engine.index
        assert index.backend == "embeddings"
        assert index.search("Do you sell a plush toy of the owl?")[0].document.id == "mascot-plush"
        assert first.fleet is not None and first.fleet.calls["failed"] == 0 and first.fleet.calls["remote"] >= 3
    finally:
        close(first, second)


def busy_replica(deployment: str, timeout_s: float) -> str:
    """The actor name of a replica of `deployment` with a request in hand, the busiest, once there is one."""
    deadline = time.monotonic() + timeout_s
    while True:
        ongoing = {name: ray.get(ray.get_actor(name, namespace="serve").get_num_ongoing_requests.remote(), timeout=5)
                   for name in replicas(deployment)}
        name, count = max(ongoing.items(), key=lambda item: item[1])
        if count > 0:
            return name
        assert time.monotonic() < deadline, f"no {deployment} replica got a request: {ongoing}"
        time.sleep(0.005)


def test_a_killed_replica_s_requests_move_to_the_other(cluster: LocalCluster) -> None:
    """Five avatars keep both Synthesis replicas busy (one request each, the rest queued); a replica is killed
    while it says a piece: that request is tried again on the other, every line is said whole, and Serve starts a
    new replica."""
    names = ("a", "b", "c", "d", "e")
    sidecar = sidecar_on(cluster, *names)
    recorder = Recorder()
    sidecar.hub.add(recorder)
    try:
        threads = [threading.Thread(target=sidecar.pipeline.directors[name].say, args=(LONG_LINE,))
                   for name in names]
        for thread in threads:
            thread.start()
        victim = busy_replica(SYNTHESIS, 30)
        ray.kill(ray.get_actor(victim, namespace="serve"))
        for thread in threads:
            thread.join(60)
        assert sidecar.fleet is not None
        assert sidecar.fleet.calls["retried"] >= 1 and sidecar.fleet.calls["failed"] == 0
        assert events(recorder, "error") == [] and events(recorder, "fleet") == []
        # Every avatar said the whole line: the same phonemes, none missing.
        said = {name: [item[0] for m in recorder.messages if isinstance(m, Phonemes) and m.avatar == name
                       for item in m.items] for name in names}
        assert len(said["a"]) > 100 and all(phonemes == said["a"] for phonemes in said.values())
        assert all(take.error is None for name in names for take in sidecar.pipeline.avatars[name].timeline.takes)
        deadline = time.monotonic() + 60
        while status()["deployments"][SYNTHESIS]["replicas"] != {"RUNNING": 2} or victim in replicas(SYNTHESIS):
            assert time.monotonic() < deadline, f"no new replica: {status()}"
            time.sleep(0.5)
    finally:
        close(sidecar)


def test_an_unreachable_cluster_is_a_clear_error_or_with_fallback_serves_in_process(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    closed = f"127.0.0.1:{free_port()}"
    config = SidecarConfig(ray=FleetConfig(closed, connect_timeout_s=2.0))
    with pytest.raises(ConfigError, match=rf"the Ray cluster at {closed} is unreachable .*ray start --head.*"
                                          r"ray.fallback: true"):
        Sidecar(config, workers=False)
    sidecar = Sidecar(SidecarConfig(ray=FleetConfig(closed, fallback=True, connect_timeout_s=2.0)), workers=False)
    try:
        assert sidecar.fleet is None and sidecar.voices["host"].provider == "CPUExecutionProvider"
        [segment] = sidecar.voices["host"].synthesize("Still here.")
        assert segment.phonemes
    finally:
        close(sidecar)
    # The config's section is checked field by field.
    file = tmp_path / "sidecar.yaml"
    file.write_text("ray:\n  address: http://head:6379\n")
    with pytest.raises(SpecError, match=r"sidecar.yaml:2: ray.address: must be ray://HOST:PORT .* or auto"):
        load_config(file)
    file.write_text("ray:\n  address: ray://head:10001\n  timeout_s: 0\n")
    with pytest.raises(SpecError, match=r"sidecar.yaml:3: ray.timeout_s: "):
        load_config(file)
    file.write_text("ray:\n  address: head.internal:6379\n  fallback: true\n")
    assert load_config(file).ray == FleetConfig("head.internal:6379", fallback=True)
    # The flags: --ray over the file's address, --ray-fallback over its fallback; the fleet commands say why not.
    parser = build_parser()
    assert _serve_config(parser.parse_args(["serve", "--config", str(file), "--ray", "auto"])).ray == FleetConfig(
        "auto", fallback=True)
    with pytest.raises(ConfigError, match=r"--ray 'tcp://head:6379': must be ray://HOST:PORT"):
        _serve_config(parser.parse_args(["serve", "--ray", "tcp://head:6379"]))
    with pytest.raises(ConfigError, match=r"--ray-fallback needs --ray ADDRESS"):
        _serve_config(parser.parse_args(["serve", "--ray-fallback"]))
    assert main(["fleet", "status", "--address", closed]) == 2
    assert f"the Ray cluster at {closed} is unreachable" in capsys.readouterr().err


def test_a_lost_application_fails_the_line_in_flight_then_lines_fall_back_and_come_back(cluster: LocalCluster
                                                                                       ) -> None:
    """The application goes mid-line: that take ends with an error and a `fleet` lost event; the next line is said
    in-process (fallback); once it is deployed again, a `fleet` restored event and lines go to it again."""
    sidecar = sidecar_on(cluster, "host", fallback=True, timeout_s=0.5)
    recorder = Recorder()
    sidecar.hub.add(recorder)
    director = sidecar.pipeline.directors["host"]
    try:
        # Four times the line: on a quiet machine the replica had synthesized all of the single one before the
        # deletion took effect (the CI run of 3428796), and no request was left to fail.
        thread = threading.Thread(target=director.say, args=(" ".join([LONG_LINE] * 4),))
        thread.start()
        deadline = time.monotonic() + 30
        while not any(isinstance(m, Phonemes) for m in recorder.messages):
            assert time.monotonic() < deadline, "the line did not start"
            time.sleep(0.02)
        serve.delete(APP_NAME)
        thread.join(60)
        [error] = events(recorder, "error")
        assert error.data["code"] == "synthesis_failed" and "Synthesis.synthesize failed twice" in error.data["message"]
        [lost] = events(recorder, "fleet")
        assert lost.data["state"] == "lost" and lost.data["deployment"] == SYNTHESIS and lost.data["fallback"] is True

        take = director.say("The show goes on.")
        deadline = time.monotonic() + 30
        while not take.synthesis_done:  # the in-process voice loads first
            assert time.monotonic() < deadline, "the fallback line was not synthesized"
            time.sleep(0.05)
        play(sidecar, 15.0)  # it plays after what the lost line had synthesized (as much as 10 s of it)
        phonemes, audio = heard(recorder, take.id)
        assert phonemes and len(audio) > 0 and take.error is None
        assert sidecar.fleet is not None and sidecar.fleet.calls["local"] == 1

        deploy(SCALE)
        deadline = time.monotonic() + 60
        while len(events(recorder, "fleet")) < 2:
            assert time.monotonic() < deadline, "not restored"
            time.sleep(0.2)
        assert events(recorder, "fleet")[1].data == {"state": "restored", "deployment": SYNTHESIS}
        remote = sidecar.fleet.calls["remote"]
        take = director.say("Back on the fleet.")
        assert take.error is None and sidecar.fleet.calls["remote"] > remote
    finally:
        close(sidecar)


class FlakyMethod:
    """A deployment handle's method (test double) whose calls fail while `failures` lasts, then answer."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.timeouts: list[float] = []

    def remote(self, *args: object) -> FlakyMethod:
        return self

    def result(self, timeout_s: float) -> str:
        self.timeouts.append(timeout_s)
        if self.failures > 0:
            self.failures -= 1
            raise TimeoutError("no answer")
        return "remote"


def test_a_call_is_bounded_by_its_length_tried_twice_then_lost_with_local_work_meanwhile() -> None:
    from types import SimpleNamespace

    from bridge.fleet.client import TIMEOUT_PER_CHAR_S, FleetError, FleetLink

    method = FlakyMethod(failures=1)
    link = FleetLink(FleetConfig("127.0.0.1:1", fallback=True, timeout_s=0.5),
                     {SYNTHESIS: SimpleNamespace(synthesize=method, describe=method)})
    heard: list[tuple[str, dict]] = []
    link.listeners.append(lambda state, details: heard.append((state, details)))
    try:
        assert link.call(SYNTHESIS, "synthesize", "text", chars=100, local=lambda: "local") == "remote"
        assert method.timeouts == [0.5 + 100 * TIMEOUT_PER_CHAR_S] * 2 and link.calls["retried"] == 1
        method.failures = 2
        with pytest.raises(FleetError, match=r"Synthesis.synthesize failed twice: TimeoutError: no answer"):
            link.call(SYNTHESIS, "synthesize", "text", local=lambda: "local")
        assert link.lost and [state for state, _ in heard] == ["lost"]
        assert heard[0][1] == {"deployment": SYNTHESIS, "error": "Synthesis.synthesize failed twice: TimeoutError: "
                               "no answer", "fallback": True}
        assert link.call(SYNTHESIS, "synthesize", "text", local=lambda: "local") == "local"
        deadline = time.monotonic() + 10  # the probe (describe, every PROBE_S) finds it answering again
        while link.lost:
            assert time.monotonic() < deadline, "not restored"
            time.sleep(0.05)
        assert heard[1] == ("restored", {"deployment": SYNTHESIS})
        assert link.call(SYNTHESIS, "synthesize", "text", local=lambda: "local") == "remote"
    finally:
        link.close()


def test_a_nodes_ports_keep_out_of_its_workers_range() -> None:
    """Ray refuses a node whose port falls in its workers' range (a CI run once drew one there): the range keeps
    clear of the ports given, and a node port is drawn outside the range."""
    for _ in range(20):
        taken = free_port()
        first = _free_range(200, frozenset({taken, taken + 150}))
        assert not any(first <= port < first + 200 for port in (taken, taken + 150))
        assert not first <= _free_port_outside(first, 200) < first + 200
