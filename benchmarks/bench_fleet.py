"""Many hosts at once, in one sidecar and through a fleet on Ray Serve.

1. Hosts: N avatars of one `serve`, each with its own voice style, all told a 20-word line at the same moment. Every
   one is real time when no audio chunk reaches the subscriber after its pts, no line has a gap (the voice fell
   behind what is heard), every face stream keeps >= 59 frames a second and every first audio comes within 1 s of
   its say. Reported: the largest N that is, in-process and with `serve --ray` (synthesis on the cluster); and what
   a line's first piece costs here against in a voice worker process (the process hop), in turns.
2. Ray: synthesis throughput and latency through the Synthesis deployment with 1, 2 and 4 replicas and N concurrent
   callers (a 21-word line each call), then with one replica killed or frozen (SIGSTOP: a hung, slow replica)
   mid-run: how many requests failed, were tried again, and whether every line was said. Calls go through the
   sidecar's own client (bridge.fleet.client.FleetLink): its per-call timeout and one retry.

    python -m benchmarks fleet                          # all of it, on a local Ray cluster of its own
    python -m benchmarks fleet --parts hosts --hosts 1,4,8,16   # results: benchmarks/results/fleet_hosts.json,
                                                                # fleet_ray_hosts.json, fleet_ray.json
    python -m benchmarks fleet --address HOST:6379      # an existing cluster; avatar-bridge must be installed there
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
import zmq

from benchmarks.common import percentiles, table, write
from bridge.client import BridgeClient
from bridge.protocol import AudioChunk, Event, FaceFrame, decode_stream

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_sidecar, stop_sidecar  # noqa: E402

#: Twenty words, two sentences: what every host is told at once.
LINE = "Welcome to the winter hall, everyone. The skis on my left were raced at the very first games in Chamonix."
HOSTS = (1, 2, 4, 8, 12, 16)
#: The goal: every face stream at this rate or more, every first audio within this of its say.
MIN_FPS = 59.0
MAX_FIRST_AUDIO_S = 1.0


@dataclass
class HostResult:
    """What one avatar's subscriber saw of its take."""

    first_audio_s: float | None = None  # say → first audio chunk received
    chunks: int = 0
    late_chunks: int = 0  # received after their pts (sidecar clock)
    gap_s: float = 0.0  # silence inside the line: a chunk's pts after the end of the one before
    audio_end: float | None = None
    face_frames: list[float] = field(default_factory=list)  # receive times
    ended: bool = False


def voice_style(i: int) -> dict[str, float]:
    """Avatar i's own voice settings: a pace and intonation of its own."""
    return {"length_scale": round(0.9 + 0.02 * (i % 10), 3), "noise_scale": round(0.55 + 0.03 * (i % 7), 3),
            "volume": round(0.7 + 0.02 * (i % 12), 3)}


def write_config(folder: Path, n: int) -> Path:
    avatars = [{"name": f"host{i:02d}", "voice_style": voice_style(i)} for i in range(n)]
    path = folder / f"hosts-{n}.yaml"
    path.write_text(yaml.safe_dump({"avatars": avatars}))
    return path


def run_hosts(n: int, folder: Path, *serve: str, timeout_s: float = 90.0) -> dict[str, Any]:
    """N avatars told LINE at once on a fresh `serve` (with the `serve` options given); what each subscriber saw."""
    sidecar = start_sidecar(folder, "--config", str(write_config(folder, n)), *serve, timeout=180)
    try:
        with BridgeClient(sidecar.control, sidecar.stream) as client:
            names = client.describe()["avatars"]
            sync = client.sync_clock(16)
            sub = client.context.socket(zmq.SUB)
            sub.rcvhwm = 1_000_000
            for name in names:
                for kind in (AudioChunk.KIND, FaceFrame.KIND, Event.KIND):
                    sub.setsockopt(zmq.SUBSCRIBE, f"{name}/{kind}".encode())
            sub.connect(sidecar.stream)
            time.sleep(0.5)
            warm = client.say("Warm up.", avatar=names[0])
            wait_for_end(sub, {warm}, 30)
            results = {name: HostResult() for name in names}
            takes, sent = {}, {}
            for name in names:
                sent[name] = time.monotonic()
                takes[client.say(LINE, avatar=name)] = name
            started = time.monotonic()
            deadline = started + timeout_s
            while not all(r.ended for r in results.values()) and time.monotonic() < deadline:
                if not sub.poll(1000):
                    continue
                _, payload = sub.recv_multipart()
                received = time.monotonic()
                message = decode_stream(payload)
                host = results.get(message.avatar)
                if host is None:
                    continue
                if isinstance(message, FaceFrame):
                    host.face_frames.append(received)
                elif isinstance(message, AudioChunk) and message.take in takes:
                    host.chunks += 1
                    host.late_chunks += int(sync.to_sidecar(received) > message.pts)
                    if host.audio_end is not None and message.pts > host.audio_end + 1e-3:
                        host.gap_s += message.pts - host.audio_end
                    host.audio_end = message.pts + message.duration
                    if host.first_audio_s is None:
                        host.first_audio_s = received - sent[message.avatar]
                elif isinstance(message, Event) and message.take in takes and message.type == "take_ended":
                    host.ended = True
            ended = time.monotonic()
            sub.close(linger=0)
    finally:
        stop_sidecar(sidecar)
    window = ended - started
    fps = {name: sum(started <= t <= ended for t in r.face_frames) / window for name, r in results.items()}
    first = [r.first_audio_s if r.first_audio_s is not None else float("inf") for r in results.values()]
    late = sum(r.late_chunks for r in results.values())
    gaps = [r.gap_s for r in results.values()]
    real_time = (late == 0 and max(gaps) == 0 and min(fps.values()) >= MIN_FPS and max(first) <= MAX_FIRST_AUDIO_S
                 and all(r.ended for r in results.values()))
    return {"hosts": n, "late_chunks": late, "chunks": sum(r.chunks for r in results.values()),
            "gap_s": {"total": sum(gaps), "worst_avatar": max(gaps)},
            "min_face_fps": min(fps.values()), "first_audio_s": percentiles(first, 50, 100),
            "all_ended": all(r.ended for r in results.values()), "real_time": real_time, "window_s": window}


def wait_for_end(sub: zmq.Socket, takes: set[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while takes and time.monotonic() < deadline:
        if sub.poll(500):
            message = decode_stream(sub.recv_multipart()[1])
            if isinstance(message, Event) and message.type == "take_ended":
                takes.discard(message.take or "")


#: 21 words, 105 characters (5.3 s of speech): one piece, one call.
RAY_LINE = "Our next guest has travelled all the way from Oslo tonight to tell us about the coldest race of her life."
FAULTS = ("kill", "stop")
#: What to measure: many hosts in-process, many hosts with `serve --ray`, the Synthesis deployment's throughput.
PARTS = ("hosts", "ray-hosts", "ray")


@dataclass
class Run:
    replicas: int
    callers: int
    lines: int
    seconds: float
    latencies: list[float]
    failed: int
    retried: int
    fault: str | None = None

    def row(self) -> dict[str, Any]:
        return {"replicas": self.replicas, "callers": self.callers, "lines": self.lines, "fault": self.fault,
                "lines_per_s": round(self.lines / self.seconds, 2), "failed": self.failed, "retried": self.retried,
                **{f"{k}_ms": round(v * 1e3, 1) for k, v in percentiles(self.latencies, 50, 95).items()}}


def _link(address: str, timeout_s: float) -> Any:
    from ray import serve

    from bridge.fleet import APP_NAME, AUDIO_FACE, EMBEDDINGS, SYNTHESIS, FleetConfig
    from bridge.fleet.client import FleetLink

    handles = {name: serve.get_deployment_handle(name, APP_NAME) for name in (SYNTHESIS, AUDIO_FACE, EMBEDDINGS)}
    return FleetLink(FleetConfig(address, timeout_s=timeout_s), handles)


def _replica_pids(cluster: Any) -> list[int]:
    """The Synthesis replicas' processes (a local cluster's own)."""
    pids = []
    for pid in cluster.pids():
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if b"ServeReplica:avatar-bridge:Synthesis" in f.read():
                    pids.append(pid)
        except OSError:
            continue
    return pids


def ray_throughput(address: str, replicas: int, callers: int, lines: int, num_cpus: float = 0.5,
                   fault: str | None = None, cluster: Any = None, timeout_s: float = 2.0) -> Run:
    """Deploy Synthesis at `replicas` (num_cpus each) and say `lines` lines from `callers` threads at once. `fault`:
    a third of the way in, kill one replica (Serve replaces it) or freeze it (SIGSTOP, thawed at the end; needs the
    local `cluster`)."""
    import ray

    from bridge.fleet import APP_NAME, SYNTHESIS
    from bridge.fleet.deployments import FleetScale, Scale, deploy
    from bridge.fleet.local import LocalCluster
    from models.tts import VoiceStyle

    deploy(FleetScale(Scale(replicas, num_cpus=num_cpus), Scale(1, num_cpus=0.25), Scale(1, num_cpus=0.25)))
    link = _link(address, timeout_s)
    link.call(SYNTHESIS, "synthesize", None, "Warm up.", VoiceStyle(), chars=9)
    for _ in range(replicas):  # every replica has said a line: no first-call cost in the numbers
        link.call(SYNTHESIS, "synthesize", None, RAY_LINE, VoiceStyle(), chars=len(RAY_LINE))
    latencies: list[float] = []
    failed = 0
    done = threading.Semaphore(0)
    frozen: list[int] = []

    def say(_: int) -> None:
        nonlocal failed
        started = time.perf_counter()
        try:
            link.call(SYNTHESIS, "synthesize", None, RAY_LINE, VoiceStyle(), chars=len(RAY_LINE))
            latencies.append(time.perf_counter() - started)
        except Exception:
            failed += 1
        done.release()

    def inject() -> None:
        for _ in range(lines // 3):
            done.acquire()
        if fault == "kill":
            victim = next(a["name"] for a in ray.util.list_named_actors(all_namespaces=True)
                          if a["name"].startswith(f"SERVE_REPLICA::{APP_NAME}#{SYNTHESIS}#"))
            ray.kill(ray.get_actor(victim, namespace="serve"))
        elif fault == "stop":
            assert isinstance(cluster, LocalCluster), "freezing a replica needs the benchmark's own local cluster"
            frozen.append(_replica_pids(cluster)[0])
            os.kill(frozen[0], signal.SIGSTOP)

    injector = threading.Thread(target=inject) if fault else None
    if injector:
        injector.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(say, range(lines)))
    seconds = time.perf_counter() - started
    if injector:
        injector.join()
    for pid in frozen:
        os.kill(pid, signal.SIGCONT)
    return Run(replicas, callers, len(latencies), seconds, latencies, failed, link.calls["retried"], fault)


def hop(rounds: int = 2) -> tuple[float, float]:
    """Median seconds of a first piece (voice + face driver) here and in a worker process, measured in turns."""
    from benchmarks.bench_sidecar import LINES
    from bridge.server import load_voice
    from bridge.synthesis import Piece, Synthesis, VoiceRecipe, speak, speak_in_worker
    from models.face.drivers import driver_for
    from models.tts import split_for_streaming

    voice, recipe = load_voice(), VoiceRecipe(None)
    driver = driver_for(voice.timings)
    synthesis = Synthesis(processes=1, recipes=[recipe])
    here, there = [], []
    try:
        [started.result() for started in synthesis.start()]
        assert synthesis.processes is not None
        for piece in [split_for_streaming(line)[0] for line in LINES] * rounds:
            began = time.perf_counter()
            list(speak(voice, driver, piece))
            here.append(time.perf_counter() - began)
            began = time.perf_counter()
            synthesis.processes.executor.submit(speak_in_worker, recipe, Piece(piece)).result()
            there.append(time.perf_counter() - began)
    finally:
        synthesis.shutdown()
    return statistics.median(here), statistics.median(there)


def sweep(counts: list[int], folder: Path, *serve: str) -> list[dict[str, Any]]:
    """run_hosts for each count, stopping after the second count in a row that is not real time."""
    runs: list[dict[str, Any]] = []
    for n in counts:
        runs.append(run_hosts(n, folder, *serve))
        run = runs[-1]
        print(f"  {n} hosts: late {run['late_chunks']}, gaps {run['gap_s']['total']:.2f} s, min face "
              f"{run['min_face_fps']:.1f} fps, last first audio {run['first_audio_s']['p100']:.2f} s", flush=True)
        if len(runs) >= 2 and not runs[-1]["real_time"] and not runs[-2]["real_time"]:
            break
    return runs


def host_rows(label: str, runs: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    rows = [(f"{label}: {r['hosts']} hosts",
             f"late {r['late_chunks']}/{r['chunks']}, gaps {r['gap_s']['total']:.2f} s, face >= "
             f"{r['min_face_fps']:.1f} fps, first audio p50/max {r['first_audio_s']['p50']:.2f}/"
             f"{r['first_audio_s']['p100']:.2f} s", "real time" if r["real_time"] else "NOT real time") for r in runs]
    largest = max((r["hosts"] for r in runs if r["real_time"]), default=0)
    return [*rows, (f"{label}: largest N real time", str(largest), ">= 16")]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks fleet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS), help="what to measure (default all)")
    parser.add_argument("--hosts", default=",".join(map(str, HOSTS)),
                        help="avatar counts to try, comma-separated (default %(default)s)")
    parser.add_argument("--host-replicas", type=int, default=2,
                        help="Synthesis replicas behind `serve --ray` in the ray-hosts part (default 2)")
    parser.add_argument("--address", help="an existing cluster (default: start a local one of its own)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4], help="Synthesis replicas to measure")
    parser.add_argument("--callers", type=int, default=4, help="concurrent callers (default 4)")
    parser.add_argument("--lines", type=int, default=24, help="lines per run (default 24)")
    parser.add_argument("--num-cpus", type=float, default=0.5, help="CPUs each replica reserves (default 0.5)")
    parser.add_argument("--faults", nargs="*", choices=FAULTS, default=list(FAULTS),
                        help="runs with one replica killed / frozen mid-run, at the largest replica count")
    args = parser.parse_args(argv)
    counts = [int(v) for v in args.hosts.split(",")]
    rows: list[tuple[str, str, str]] = []
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "hosts" in args.parts:
            print("hosts in one sidecar, in-process models", flush=True)
            runs = sweep(counts, Path(tmp))
            here, there = hop()
            results["hosts"] = {"runs": runs, "first_piece_s": {"here": here, "worker_process": there}}
            rows += host_rows("in-process", runs)
            rows.append(("a first piece here / in a voice worker process, p50",
                         f"{here * 1e3:.0f} / {there * 1e3:.0f} ms", "the hop"))
            print(f"wrote {write('fleet_hosts', results['hosts'])}")
        if "ray-hosts" in args.parts or "ray" in args.parts:
            import ray

            from bridge.fleet.deployments import FleetScale, Scale, deploy
            from bridge.fleet.local import LocalCluster

            cluster = None if args.address else LocalCluster(head_cpus=4, worker_cpus=(2,)).start()
            address = args.address or cluster.address  # type: ignore[union-attr]
            try:
                ray.init(address=address, log_to_driver=False)
                if "ray-hosts" in args.parts:
                    print(f"hosts in one sidecar, synthesis on {args.host_replicas} Ray replicas", flush=True)
                    deploy(FleetScale(Scale(args.host_replicas, num_cpus=args.num_cpus), Scale(1, num_cpus=0.25),
                                      Scale(1, num_cpus=0.25)))
                    runs = sweep(counts, Path(tmp), "--ray", address)
                    results["ray_hosts"] = {"replicas": args.host_replicas, "num_cpus": args.num_cpus, "runs": runs}
                    rows += host_rows(f"Ray, {args.host_replicas} replicas", runs)
                    print(f"wrote {write('fleet_ray_hosts', results['ray_hosts'])}")
                if "ray" in args.parts:
                    calls = [ray_throughput(address, n, args.callers, args.lines, args.num_cpus)
                             for n in args.replicas]
                    calls += [ray_throughput(address, max(args.replicas), args.callers, args.lines, args.num_cpus,
                                             fault, cluster) for fault in args.faults]
                    results["ray"] = {"callers": args.callers, "lines": args.lines, "num_cpus": args.num_cpus,
                                      "runs": [r.row() for r in calls]}
                    rows += [(f"Ray {r['replicas']} replicas{' ' + r['fault'] if r['fault'] else ''}: "
                              "lines/s, p50, p95 ms", f"{r['lines_per_s']} {r['p50_ms']:.0f} {r['p95_ms']:.0f}",
                              f"failed {r['failed']}, retried {r['retried']}") for r in results["ray"]["runs"]]
                    print(f"wrote {write('fleet_ray', results['ray'])}")
            finally:
                ray.shutdown()
                if cluster is not None:
                    cluster.stop()
    print(table(rows, "many hosts (one 20-word line to every avatar at once) and the fleet on Ray Serve"))
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
