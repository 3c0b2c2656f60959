"""Where the models run: AVATAR_BRIDGE_DEVICE / --device, and a clear error when the GPU asked for is not there."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from models.device import DEVICE_ENV, DeviceError, fastest, onnx_uses_cuda, requested_device, torch_device
from models.tts import SpeechSegment
from tests.conftest import ORT_CUDA, ROOT
from tests.fake_voice import FakeVoice

TORCH_CUDA = torch.cuda.is_available()


def test_the_device_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEVICE_ENV, raising=False)
    assert requested_device() == "auto"
    monkeypatch.setenv(DEVICE_ENV, " CUDA ")
    assert requested_device() == "cuda"
    monkeypatch.setenv(DEVICE_ENV, "gpu")
    with pytest.raises(DeviceError, match=r"AVATAR_BRIDGE_DEVICE='gpu' is not a device: use one of auto, cpu, cuda"):
        requested_device()


def test_the_voice_may_take_the_gpu_when_onnxruntime_has_one() -> None:
    assert onnx_uses_cuda("cpu") is False
    assert onnx_uses_cuda("auto") is ORT_CUDA
    if ORT_CUDA:
        assert onnx_uses_cuda("cuda") is True
    else:
        with pytest.raises(DeviceError, match=r"no CUDA provider: pip uninstall -y onnxruntime onnxruntime-gpu && "
                                              r"pip install 'onnxruntime-gpu\[cuda,cudnn\]>=1.23'"):
            onnx_uses_cuda("cuda")


def test_fastest_keeps_the_quicker_run_after_warming_up() -> None:
    calls = {"slow": 0, "quick": 0}

    def run(name: str, seconds: float) -> None:
        calls[name] += 1
        time.sleep(seconds)

    chosen, medians = fastest({"slow": lambda: run("slow", 0.03), "quick": lambda: run("quick", 0.0)},
                              warmups=2, repeats=3)
    assert chosen == "quick" and calls == {"slow": 5, "quick": 5}
    assert medians["slow"] >= 0.03 > medians["quick"]


def test_the_embedder_takes_the_gpu_when_torch_sees_one(caplog: pytest.LogCaptureFixture) -> None:
    assert torch_device("cpu") == "cpu"
    assert torch_device("auto") == ("cuda" if TORCH_CUDA else "cpu")
    with caplog.at_level("WARNING", logger="models.device"):
        assert torch_device("cuda") == ("cuda" if TORCH_CUDA else "cpu")
    warned = [r.getMessage() for r in caplog.records]
    assert warned == ([] if TORCH_CUDA else ["the embedder runs on the CPU: torch sees no GPU (install a CUDA build "
                                             "of torch for it)"])


def cli(*args: str, device: str) -> subprocess.CompletedProcess:
    env = {**os.environ, DEVICE_ENV: device}
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.skipif(ORT_CUDA, reason="onnxruntime-gpu is installed here: the missing runtime is not what fails")
def test_render_and_serve_say_what_to_install_when_the_gpu_is_missing(tmp_path: Path) -> None:
    for args in (["render", "Hello there.", "-o", str(tmp_path / "take"), "--device", "cuda"],
                 ["serve", "--control", "tcp://127.0.0.1:0", "--stream", "tcp://127.0.0.1:0", "--device", "cuda"]):
        result = cli(*args, device="auto")
        assert result.returncode == 2, result.stderr
        assert "error: AVATAR_BRIDGE_DEVICE=cuda, but onnxruntime has no CUDA provider" in result.stderr
        assert "onnxruntime-gpu" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "take").exists()


def test_a_bad_device_in_the_environment_is_named() -> None:
    result = cli("render", "Hello there.", "-o", "unused", device="tpu")
    assert result.returncode == 2
    assert "error: AVATAR_BRIDGE_DEVICE='tpu' is not a device: use one of auto, cpu, cuda" in result.stderr


def test_device_option_overrides_the_environment(tmp_path: Path) -> None:
    result = cli("render", "Hi.", "-o", str(tmp_path), "--device", "cpu", device="tpu")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "take.wav").stat().st_size > 10_000


class SlowGpuVoice(FakeVoice):
    """piper's own voice on a GPU slower than the CPU (as on the H200 we measured): the probe calls it with piper's
    `syn_config=`, not a VoiceStyle."""

    def synthesize(self, text: str, syn_config: object = None) -> Iterator[SpeechSegment]:  # type: ignore[override]
        return super().synthesize(text)


def test_auto_keeps_the_cpu_voice_when_the_gpu_is_slower(caplog: pytest.LogCaptureFixture) -> None:
    from models.tts.piper_voice import PiperTTS

    voice = PiperTTS(device="cpu")
    cpu_voice = voice._voice
    # As if loaded on CUDA; 1 s a line is far above the CPU's even on a busy machine (0.2 and 0.5 s were not: a
    # full suite run beside other work took the CPU voice past 0.5 s).
    voice._voice = SlowGpuVoice(delay_s=1.0)
    with caplog.at_level("INFO", logger="models.tts.piper_voice"):
        voice._keep_the_faster(cpu_voice)
    assert voice._voice is cpu_voice and voice.provider == "CPUExecutionProvider"
    probed = next(r for r in caplog.records if r.getMessage() == "voice device probed")
    assert probed.chosen == "CPUExecutionProvider"  # type: ignore[attr-defined]
    assert probed.CUDAExecutionProvider_ms >= 1000 > probed.CPUExecutionProvider_ms  # type: ignore[attr-defined]
    assert [s.text for s in voice.synthesize("Hello there.")] == ["Hello there."]
