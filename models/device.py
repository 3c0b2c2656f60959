"""Where the models run: the CPU always; the GPU when it is there and not slower, or when it is asked for.

The choice is process-wide, like CUDA_VISIBLE_DEVICES: AVATAR_BRIDGE_DEVICE (or `serve --device`) is
- `auto` (default): the embedder on torch cuda when torch sees a GPU; the voice on onnxruntime's CUDA provider when
  onnxruntime-gpu is installed and a probe at load finds it no slower than the CPU (on the H200 we measured it was
  2 to 6 times slower, so there the voice stays on the CPU: docs/performance.md#gpu);
- `cpu`: everything on the CPU;
- `cuda`: the voice on onnxruntime's CUDA provider or a clear error; the embedder on torch cuda when torch sees a GPU
  (else on the CPU, with a warning).
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Literal, cast, get_args

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = get_args(Device)
DEVICE_ENV = "AVATAR_BRIDGE_DEVICE"

_GPU_VOICE_HELP = ("pip uninstall -y onnxruntime onnxruntime-gpu && pip install 'onnxruntime-gpu[cuda,cudnn]>=1.23' "
                   "(CUDA 13 and cuDNN come as wheels; an NVIDIA driver for CUDA 13: docs/performance.md#gpu)")


class DeviceError(RuntimeError):
    """The device asked for is unknown or not there; the message says what to do."""


def requested_device() -> Device:
    """The device asked for in AVATAR_BRIDGE_DEVICE (default auto)."""
    value = os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if value not in DEVICES:
        raise DeviceError(f"{DEVICE_ENV}={value!r} is not a device: use one of {', '.join(DEVICES)}")
    return cast(Device, value)


def onnx_uses_cuda(device: Device | None = None) -> bool:
    """Whether an onnxruntime session may take the CUDA provider (`cuda`, or `auto` with onnxruntime-gpu
    installed); loads the CUDA libraries when it may."""
    device = device or requested_device()
    if device == "cpu":
        return False
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        if device == "cuda":
            raise DeviceError(f"{DEVICE_ENV}=cuda, but onnxruntime has no CUDA provider: {_GPU_VOICE_HELP}")
        return False
    # onnxruntime-gpu finds CUDA and cuDNN from the nvidia-* wheels only once they are loaded (it has no rpath).
    preload = getattr(onnxruntime, "preload_dlls", None)
    if preload is not None:
        preload()
    return True


def torch_device(device: Device | None = None) -> str:
    """The torch device for the embedder: "cuda" when torch sees a GPU (auto or cuda), else "cpu". Asking for cuda
    without one only warns: one question embeds as fast on the CPU (docs/performance.md#gpu)."""
    device = device or requested_device()
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        log.warning("the embedder runs on the CPU: torch sees no GPU (install a CUDA build of torch for it)",
                    extra={"torch": torch.__version__})
    return "cpu"


def fastest(runs: Mapping[str, Callable[[], object]], warmups: int = 2,
            repeats: int = 3) -> tuple[str, dict[str, float]]:
    """The name of the quickest run (median seconds of `repeats` after `warmups`), with every median."""
    medians = {}
    for name, run in runs.items():
        for _ in range(warmups):  # CUDA builds kernels and picks convolution algorithms on its first runs
            run()
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    return min(medians, key=medians.__getitem__), medians
