"""The fleet on Ray Serve: synthesis throughput and latency through the Synthesis deployment with 1, 2 and 4
replicas and N concurrent callers (a 21-word line each call), then with one replica killed or frozen (SIGSTOP:
a hung, slow replica) mid-run: how many requests failed, were tried again, and whether every line was said.

    python -m benchmarks fleet                       # a local cluster of its own (a head and a worker node)
    python -m benchmarks fleet --address HOST:6379   # an existing cluster; avatar-bridge must be installed there

Calls go through the sidecar's own client (bridge.fleet.client.FleetLink): its per-call timeout and one retry.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from benchmarks.common import percentiles, table, write

#: 21 words, 105 characters (5.3 s of speech): one piece, one call.
LINE = "Our next guest has travelled all the way from Oslo tonight to tell us about the coldest race of her life."
FAULTS = ("kill", "stop")


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
        link.call(SYNTHESIS, "synthesize", None, LINE, VoiceStyle(), chars=len(LINE))
    latencies: list[float] = []
    failed = 0
    done = threading.Semaphore(0)
    frozen: list[int] = []

    def say(_: int) -> None:
        nonlocal failed
        started = time.perf_counter()
        try:
            link.call(SYNTHESIS, "synthesize", None, LINE, VoiceStyle(), chars=len(LINE))
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks fleet", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", help="an existing cluster (default: start a local one of its own)")
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4], help="Synthesis replicas to measure")
    parser.add_argument("--callers", type=int, default=4, help="concurrent callers (default 4)")
    parser.add_argument("--lines", type=int, default=24, help="lines per run (default 24)")
    parser.add_argument("--num-cpus", type=float, default=0.5, help="CPUs each replica reserves (default 0.5)")
    parser.add_argument("--faults", nargs="*", choices=FAULTS, default=list(FAULTS),
                        help="runs with one replica killed / frozen mid-run, at the largest replica count")
    args = parser.parse_args(argv)
    import ray

    from bridge.fleet.local import LocalCluster

    cluster = None if args.address else LocalCluster(head_cpus=4, worker_cpus=(2,)).start()
    address = args.address or cluster.address  # type: ignore[union-attr]
    try:
        ray.init(address=address, log_to_driver=False)
        runs = [ray_throughput(address, n, args.callers, args.lines, args.num_cpus) for n in args.replicas]
        top = max(args.replicas)
        runs += [ray_throughput(address, top, args.callers, args.lines, args.num_cpus, fault, cluster)
                 for fault in args.faults]
    finally:
        ray.shutdown()
        if cluster is not None:
            cluster.stop()
    rows = [r.row() for r in runs]
    print(table([(f"{r['replicas']} replicas{' ' + r['fault'] if r['fault'] else ''}: lines/s, p50, p95 ms",
                  f"{r['lines_per_s']} {r['p50_ms']:.0f} {r['p95_ms']:.0f}", f"failed {r['failed']}, "
                  f"retried {r['retried']}") for r in rows],
                f"fleet: Synthesis through Ray Serve, {args.callers} callers, a 21-word line each call"))
    settings = {"callers": args.callers, "lines": args.lines, "num_cpus": args.num_cpus}
    print(f"wrote {write('fleet_ray', {**settings, 'runs': rows})}")


if __name__ == "__main__":
    main()
