"""A Ray cluster of processes on this machine (a head and worker nodes, each `ray start`ed): the tests', the
benchmark's and a laptop's fleet. Every port is its own free one and every file under its own temp folder, so it
never meets another cluster here; `stop` ends exactly its own processes (`ray stop` would end every Ray process
on the machine)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: Each node's ports that would otherwise be Ray's fixed defaults (two nodes here would collide).
_NODE_PORTS = ("--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port",
               "--dashboard-agent-grpc-port", "--metrics-export-port", "--runtime-env-agent-port")
#: Where avatar-bridge is imported from here: the nodes import it from there too.
SOURCE = Path(__file__).resolve().parents[2]
#: Workers' ports per node.
_WORKER_PORTS = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _free_range(size: int, avoid: frozenset[int] = frozenset()) -> int:
    """The first of `size` consecutive ports nothing listens on (checked at their ends) and none of `avoid` is in."""
    for _ in range(50):
        first = free_port()
        if first + size < 65000 and not any(first <= port < first + size for port in avoid):
            try:
                with socket.socket() as s:
                    s.bind(("127.0.0.1", first + size - 1))
                return first
            except OSError:
                continue
    raise RuntimeError("no free port range")


def _free_port_outside(first: int, size: int) -> int:
    """A free port not among the `size` ports from `first`."""
    for _ in range(50):
        port = free_port()
        if not first <= port < first + size:
            return port
    raise RuntimeError(f"no free port outside {first}-{first + size - 1}")


@dataclass
class LocalCluster:
    """A head with `head_cpus` and one worker node per entry of `worker_cpus`; `object_store_mb` per node."""

    head_cpus: float = 1
    worker_cpus: tuple[float, ...] = (1,)
    object_store_mb: int = 200
    temp_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="abray-")))  # short: socket paths
    port: int = field(default_factory=free_port)  # the GCS
    client_port: int = field(default_factory=free_port)  # Ray Client (ray://)

    @property
    def address(self) -> str:
        """What a process on this machine passes to ray.init (--ray, fleet deploy --address)."""
        return f"127.0.0.1:{self.port}"

    def _start(self, *args: str | float) -> None:
        ray = Path(sys.executable).with_name("ray")
        # Ray refuses a node port inside the workers' range: the range keeps clear of the ports given, and each node
        # port is drawn again while it falls inside the range (a random port did once).
        given = frozenset(a for a in args if isinstance(a, int) and a > 1024)
        worker = _free_range(_WORKER_PORTS, given)
        ports = [arg for name in _NODE_PORTS for arg in (name, str(_free_port_outside(worker, _WORKER_PORTS)))]
        command = [str(ray), "start", *map(str, args), "--object-store-memory", str(self.object_store_mb * 2**20),
                   "--min-worker-port", str(worker), "--max-worker-port", str(worker + _WORKER_PORTS - 1), *ports,
                   "--disable-usage-stats"]
        # The nodes import avatar-bridge from where this process does.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")])),
               "RAY_USAGE_STATS_ENABLED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"ray start failed ({done.returncode}): {done.stderr[-2000:]}")

    def start(self, attempts: int = 2) -> LocalCluster:
        """Start the head, then the worker nodes. A node that is not up in Ray's 30 s (a busy machine) stops what
        started, and the whole cluster is started again, `attempts` times in all; then RuntimeError."""
        started = time.monotonic()
        for attempt in range(1, attempts + 1):
            try:
                self.temp_dir.mkdir(parents=True, exist_ok=True)
                self._start("--head", "--port", self.port, "--num-cpus", self.head_cpus, "--temp-dir",
                            str(self.temp_dir), "--ray-client-server-port", self.client_port,
                            "--include-dashboard=false", "--dashboard-port", free_port())
                for cpus in self.worker_cpus:
                    self._start("--address", self.address, "--num-cpus", cpus)
                break
            except BaseException as exc:
                self.stop()
                if attempt == attempts or not isinstance(exc, (RuntimeError, subprocess.TimeoutExpired)):
                    raise
                log.warning("local Ray cluster did not start; again", extra={"error": str(exc)[-300:]})
        log.info("local Ray cluster up", extra={"address": self.address, "nodes": 1 + len(self.worker_cpus),
                                                "seconds": round(time.monotonic() - started, 1)})
        return self

    def pids(self) -> list[int]:
        """Its processes: those naming its temp folder or GCS port, and their children (the nodes' workers)."""
        mark = re.compile(re.escape(str(self.temp_dir)).encode() + rb"|:" + str(self.port).encode() + rb"(?!\d)")
        parents: dict[int, int] = {}
        ours: set[int] = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes()
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if mark.search(cmdline):
                ours.add(int(entry.name))
        grown = True
        while grown:
            children = {pid for pid, parent in parents.items() if parent in ours} - ours
            grown = bool(children)
            ours |= children
        return sorted(ours - {os.getpid()})

    def stop(self) -> None:
        """Kill its processes (SIGKILL, by id) and remove its temp folder."""
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.temp_dir, ignore_errors=True)
        log.info("local Ray cluster stopped", extra={"address": self.address})
