"""Shared fixtures: the real voice, free ports, and a real sidecar started as a subprocess."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import onnxruntime
import pytest
import pytest_asyncio

from tests.llm_double import FakeLLMServer

ROOT = Path(__file__).resolve().parents[1]
#: onnxruntime-gpu is installed: the voice may run on CUDA (models/device.py).
ORT_CUDA = "CUDAExecutionProvider" in onnxruntime.get_available_providers()


def free_port_pair() -> tuple[int, int]:
    """Two consecutive free TCP ports on loopback (control, stream)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port, port + 1
    raise RuntimeError("no free port pair")


@dataclass
class RunningSidecar:
    process: subprocess.Popen
    control: str
    stream: str
    log_path: Path
    media: Path | None = None  # a folder `show load` and `dance` may read (--media-dir), when started with one

    def log(self) -> str:
        return self.log_path.read_text()


def start_sidecar(tmp_path: Path, *extra: str, timeout: float = 60.0) -> RunningSidecar:
    control_port, stream_port = free_port_pair()
    control, stream = f"tcp://127.0.0.1:{control_port}", f"tcp://127.0.0.1:{stream_port}"
    log_path = tmp_path / f"sidecar-{control_port}.log"
    command = [sys.executable, "-m", "bridge.cli", "serve", "--control", control, "--stream", stream, *extra]
    return _serve(command, control, stream, log_path, timeout)


def restart_sidecar(sidecar: RunningSidecar, timeout: float = 60.0) -> RunningSidecar:
    """The same command line again, once `sidecar` has gone: a new process on the same ports, its own log."""
    log_path = sidecar.log_path.with_name(f"{sidecar.log_path.stem}-again.log")
    return _serve(cast(list[str], sidecar.process.args), sidecar.control, sidecar.stream, log_path, timeout)


def _serve(command: list[str], control: str, stream: str, log_path: Path, timeout: float) -> RunningSidecar:
    log_file = log_path.open("w")
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "avatar-bridge serving" in log_path.read_text():
            return RunningSidecar(process, control, stream, log_path)
        if process.poll() is not None:
            raise RuntimeError(f"sidecar exited with {process.returncode}:\n{log_path.read_text()}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"sidecar did not start in {timeout} s:\n{log_path.read_text()}")


def stop_sidecar(sidecar: RunningSidecar) -> None:
    sidecar.process.terminate()
    try:
        sidecar.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sidecar.process.kill()


@pytest.fixture(scope="module")
def sidecar_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSidecar]:
    """A real sidecar as a subprocess (`bridge.cli serve`) on free loopback ports, shared by the tests of one module;
    requests may name files in `media` and the examples."""
    folder = tmp_path_factory.mktemp("sidecar")
    media = folder / "media"
    media.mkdir()
    running = start_sidecar(folder, "--media-dir", str(media), "--media-dir", str(ROOT / "examples"))
    running.media = media
    yield running
    stop_sidecar(running)


@pytest.fixture(scope="session")
def voice():  # noqa: ANN201 - PiperTTS, imported lazily
    """The bundled Piper voice, loaded once for the session."""
    from models.tts.piper_voice import PiperTTS

    return PiperTTS()


@pytest.fixture(autouse=True)
def _root_logging_restored() -> Iterator[None]:
    """A test that runs `bridge.cli.main` in-process sets the root logger up (its level, a stderr handler with our
    formatter): undo it, or a later test's warnings could fall below a leftover `--log-level error`."""
    from bridge.logs import JsonFormatter, TextFormatter

    root = logging.getLogger()
    level = root.level
    yield
    root.setLevel(level)
    for handler in root.handlers[:]:
        if isinstance(handler.formatter, (JsonFormatter, TextFormatter)):
            root.removeHandler(handler)


@pytest_asyncio.fixture
async def llm_server() -> AsyncIterator[tuple[FakeLLMServer, str]]:
    """A scripted OpenAI-compatible server on a free port (tests/llm_double.py) and its URL."""
    fake = FakeLLMServer()
    url = await fake.start()
    yield fake, url
    await fake.stop()
