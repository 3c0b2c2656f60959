"""Where the models run: the CPU always; the GPU where it was measured to help, or where it is asked for.

The choice is process-wide, like CUDA_VISIBLE_DEVICES: AVATAR_BRIDGE_DEVICE (or `serve --device`) is
- `auto` (default): the embedder on torch cuda when torch sees a GPU; the voice on the CPU, because on the one
  GPU machine we measured (an H200 with onnxruntime-gpu 1.31) Piper ran 2 to 6 times slower on onnxruntime's CUDA
  provider than on the machine's 16 CPU cores (docs/performance.md, `python -m benchmarks.bench_gpu` to measure yours);
- `cpu`: everything on the CPU;
- `cuda`: the voice on onnxruntime's CUDA provider and the embedder on torch cuda, or a clear error.
"""

from __future__ import annotations

import logging
import os
from typing import Literal, cast, get_args

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
DEVICES: tuple[str, ...] = get_args(Device)
DEVICE_ENV = "AVATAR_BRIDGE_DEVICE"

_GPU_VOICE_HELP = ("pip uninstall -y onnxruntime && pip install 'avatar-bridge[gpu]' (onnxruntime-gpu with its CUDA "
                   "and cuDNN wheels; an NVIDIA driver for CUDA 13)")


class DeviceError(RuntimeError):
    """The device asked for is unknown or not there; the message says what to do."""


def requested_device() -> Device:
    """The device asked for in AVATAR_BRIDGE_DEVICE (default auto)."""
    value = os.environ.get(DEVICE_ENV, "auto").strip().lower() or "auto"
    if value not in DEVICES:
        raise DeviceError(f"{DEVICE_ENV}={value!r} is not a device: use one of {', '.join(DEVICES)}")
    return cast(Device, value)


def onnx_uses_cuda(device: Device | None = None) -> bool:
    """Whether the voice's onnxruntime session takes the CUDA provider (only on `cuda`); loads the CUDA libraries
    when it does."""
    if (device or requested_device()) != "cuda":
        return False
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        raise DeviceError(f"{DEVICE_ENV}=cuda, but onnxruntime has no CUDA provider: {_GPU_VOICE_HELP}")
    # onnxruntime-gpu finds CUDA and cuDNN from the nvidia-* wheels only once they are loaded (it has no rpath).
    preload = getattr(onnxruntime, "preload_dlls", None)
    if preload is not None:
        preload()
    return True


def torch_device(device: Device | None = None) -> str:
    """The torch device for a model: "cuda" when asked for or (auto) when torch sees a GPU, else "cpu"."""
    device = device or requested_device()
    if device == "cpu":
        return "cpu"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise DeviceError(f"{DEVICE_ENV}=cuda, but torch sees no GPU (torch {torch.__version__}): install a CUDA "
                           "build of torch, or use --device cpu")
    return "cpu"
