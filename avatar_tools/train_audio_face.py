"""Train the audio-to-face model and export it to ONNX (models/face/data/audio_face.onnx).

The network is a causal temporal convolution stack (valid dilated convolutions, residual, GELU) over log-mel
frames: its output for time t hears the frames up to t + LOOKAHEAD_FRAMES and RECEPTIVE_FIELD - 1 frames in all.
It learns, per 10 ms frame, the viseme (cross-entropy) and the mouth channels and lip contact (L1) that the
phoneme driver gave the same speech (avatar_tools/audio_face_data.py). Torch on CUDA when present, else the CPU;
on 2 CPU cores the default run takes about an hour.

    python -m avatar_tools.audio_face_data --out data/audio_face          # the data (about 20 min on 2 cores)
    python -m avatar_tools.train_audio_face --data data/audio_face --out models/face/data/audio_face.onnx
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import time
from pathlib import Path

import numpy as np

from models.face.audio_face import LOOKAHEAD_FRAMES, MOUTH_CHANNELS, NUM_CURVES, NUM_OUTPUTS, NUM_VISEMES
from models.face.audio_features import N_MELS, SILENCE

log = logging.getLogger("train_audio_face")

DILATIONS = (1, 2, 4, 8, 16, 1, 2, 4)
RECEPTIVE_FIELD = 1 + 2 * (1 + sum(DILATIONS))  # the input convolution (kernel 3) and the blocks (kernel 3)
#: L1 weight per curve: the jaw and the lip contact matter most to a viewer.
CURVE_WEIGHTS = np.array([3.0 if n == "jawOpen" else 1.5 if n == "mouthClose" else 1.0 for n in MOUTH_CHANNELS],
                         np.float32)
CONTACT_WEIGHT = 2.0


def build_model(channels: int = 64, mean: np.ndarray | None = None, std: np.ndarray | None = None):  # noqa: ANN201
    """The network (a torch Module): log-mel [batch, frames, N_MELS] → [batch, frames - RECEPTIVE_FIELD + 1,
    NUM_OUTPUTS] (viseme logits, then curve logits); `export=True` in forward gives probabilities instead."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, dilation: int) -> None:
            super().__init__()
            self.dilation = dilation
            self.conv = nn.Conv1d(channels, channels, 3, dilation=dilation)
            self.mix = nn.Conv1d(channels, channels, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, :, 2 * self.dilation:] + self.mix(torch.nn.functional.gelu(self.conv(x)))

    class AudioFaceNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            centre = mean if mean is not None else np.zeros(N_MELS)
            scale = std if std is not None else np.ones(N_MELS)
            self.register_buffer("mean", torch.tensor(centre, dtype=torch.float32))
            self.register_buffer("std", torch.tensor(scale, dtype=torch.float32))
            self.inp = nn.Conv1d(N_MELS, channels, 3)
            self.blocks = nn.Sequential(*(Block(d) for d in DILATIONS))
            self.out = nn.Conv1d(channels, NUM_OUTPUTS, 1)

        def forward(self, features: torch.Tensor, export: bool = False) -> torch.Tensor:
            mean, std = self.get_buffer("mean"), self.get_buffer("std")
            x = ((features - mean) / std).transpose(1, 2)
            y = self.out(torch.nn.functional.gelu(self.blocks(self.inp(x)))).transpose(1, 2)
            if export:
                return torch.cat([torch.softmax(y[..., :NUM_VISEMES], -1), torch.sigmoid(y[..., NUM_VISEMES:])], -1)
            return y

    return AudioFaceNet()


class Data:
    """All utterances of some .npz files as one stream (each starts and ends in silence), cut into random windows."""

    def __init__(self, *paths: Path) -> None:
        parts = [np.load(path) for path in paths]
        self.features = np.concatenate([p["features"] for p in parts]).astype(np.float32)
        self.classes = np.concatenate([p["classes"] for p in parts]).astype(np.int64)
        self.curves = np.concatenate([p["curves"] for p in parts]).astype(np.float32)

    def __len__(self) -> int:
        return len(self.classes)

    def window(self, start: int, frames: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Inputs for `frames` outputs whose targets are frames start..start+frames-1 (inputs reach
        LOOKAHEAD_FRAMES past the last and RECEPTIVE_FIELD - 1 - LOOKAHEAD_FRAMES before the first; silence
        beyond the stream's ends)."""
        lo, hi = start - (RECEPTIVE_FIELD - 1 - LOOKAHEAD_FRAMES), start + frames + LOOKAHEAD_FRAMES
        x = np.tile(SILENCE, (hi - lo, 1))
        a, b = max(lo, 0), min(hi, len(self))
        x[a - lo:b - lo] = self.features[a:b]
        return x, self.classes[start:start + frames], self.curves[start:start + frames]

    def batch(self, rng: np.random.Generator, size: int, frames: int) -> tuple[np.ndarray, ...]:
        starts = rng.integers(0, len(self) - frames, size)
        parts = [self.window(int(s), frames) for s in starts]
        return tuple(np.stack([p[i] for p in parts]) for i in range(3))


def evaluate_outputs(net, data: Data, device: str, chunk: int = 4000) -> np.ndarray:  # noqa: ANN001
    """The model's outputs (probabilities) for every frame of a data set, in order."""
    import torch

    outputs = []
    with torch.no_grad():
        for start in range(0, len(data), chunk):
            x, _, _ = data.window(start, min(chunk, len(data) - start))
            outputs.append(net(torch.from_numpy(x)[None].to(device), export=True)[0].cpu().numpy())
    return np.concatenate(outputs)


def train(data_dirs: list[Path], out: Path, epochs: float, batch: int, frames: int, channels: int, lr: float,
          max_minutes: float | None, seed: int, threads: int | None) -> dict[str, object]:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data = Data(*(d / "train.npz" for d in data_dirs))
    evals = [d / "eval.npz" for d in data_dirs if (d / "eval.npz").exists()]
    heldout = Data(*evals) if evals else None
    net = build_model(channels, data.features.mean(0), data.features.std(0) + 1e-3).to(device)
    steps = max(int(epochs * len(data) / (batch * frames)), 1)
    log.info("training", extra={"device": device, "frames": len(data), "hours": round(len(data) / 100 / 3600, 2),
                                "steps": steps, "parameters": sum(p.numel() for p in net.parameters())})
    optimizer = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, lr, total_steps=steps, pct_start=0.08)
    class_counts = np.bincount(data.classes, minlength=NUM_VISEMES) + 1
    class_weight = torch.tensor((class_counts.sum() / class_counts / NUM_VISEMES) ** 0.3, dtype=torch.float32,
                                device=device)
    curve_weight = torch.tensor(CURVE_WEIGHTS, device=device)
    started, step = time.monotonic(), 0
    for step in range(1, steps + 1):
        x, classes, curves = (torch.from_numpy(a).to(device) for a in data.batch(rng, batch, frames))
        y = net(x)
        ce = torch.nn.functional.cross_entropy(y[..., :NUM_VISEMES].reshape(-1, NUM_VISEMES), classes.reshape(-1),
                                               weight=class_weight, label_smoothing=0.05)
        # The mouth channels by L1 (sharp, not averaged); the lip contact, nearly always 0, as a probability (BCE):
        # regressed by L1 it would learn to stay at 0.
        l1 = (torch.abs(torch.sigmoid(y[..., NUM_VISEMES:-1]) - curves[..., :-1]) * curve_weight).mean()
        bce = torch.nn.functional.binary_cross_entropy_with_logits(y[..., -1], curves[..., -1])
        loss = ce + 4.0 * l1 + CONTACT_WEIGHT * bce
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        elapsed = time.monotonic() - started
        if step % 100 == 0 or step == steps:
            log.info("step %d/%d loss %.3f (ce %.3f, l1 %.4f, contact %.3f) %.1f min, eta %.1f min", step, steps,
                     loss.item(), ce.item(), l1.item(), bce.item(), elapsed / 60, elapsed / step * (steps - step) / 60)
        if max_minutes is not None and elapsed > max_minutes * 60:
            log.warning("stopping at step %d: the %.0f min limit", step, max_minutes)
            break
    net.eval()
    report: dict[str, object] = {"steps": step, "train_minutes": round((time.monotonic() - started) / 60, 1),
                                 "device": device, "train_hours_of_audio": round(len(data) / 100 / 3600, 2),
                                 "parameters": sum(p.numel() for p in net.parameters())}
    if heldout is not None:
        predicted = evaluate_outputs(net, heldout, device)
        report["heldout_frame_accuracy"] = float(np.mean(predicted[:, :NUM_VISEMES].argmax(1) == heldout.classes))
        report["heldout_curve_l1"] = float(np.mean(np.abs(predicted[:, NUM_VISEMES:] - heldout.curves)))
    export(net.cpu(), out)
    log.info("exported %s: %s", out, json.dumps(report))
    return report


def export(net, out: Path) -> None:  # noqa: ANN001
    """The network as ONNX: input `features` [1, frames, N_MELS] (frames ≥ RECEPTIVE_FIELD), output `outputs`
    [1, frames - RECEPTIVE_FIELD + 1, NUM_OUTPUTS] (viseme probabilities, curves in 0..1); the receptive field
    and the lookahead in its metadata."""
    import onnx
    import torch

    class Exported(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, features: torch.Tensor) -> torch.Tensor:
            return self.net(features, export=True)

    out.parent.mkdir(parents=True, exist_ok=True)
    example = torch.zeros(1, RECEPTIVE_FIELD + 20, N_MELS)
    torch.onnx.export(Exported().eval(), (example,), str(out), input_names=["features"], output_names=["outputs"],
                      dynamic_axes={"features": {1: "frames"}, "outputs": {1: "out_frames"}}, opset_version=17,
                      dynamo=False)
    model = onnx.load(str(out))
    for key, value in {"receptive_field": RECEPTIVE_FIELD, "lookahead_frames": LOOKAHEAD_FRAMES,
                       "num_visemes": NUM_VISEMES, "num_curves": NUM_CURVES,
                       "curves": ",".join([*MOUTH_CHANNELS, "contact"])}.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(model, str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avatar_tools.train_audio_face", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, nargs="+", default=[Path("data/audio_face")],
                        help="folders with train.npz (and eval.npz), as audio_face_data makes them")
    parser.add_argument("--out", type=Path, default=Path("models/face/data/audio_face.onnx"))
    parser.add_argument("--epochs", type=float, default=16.0, help="passes over the training frames")
    parser.add_argument("--batch", type=int, default=24)
    parser.add_argument("--frames", type=int, default=384, help="frames per training window")
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--max-minutes", type=float, default=None, help="stop training after this long")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, default=None, help="also write the training report (JSON) here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    for folder in args.data:
        if not (folder / "train.npz").exists():
            parser.error(f"--data: no train.npz in {folder} (make it with python -m avatar_tools.audio_face_data)")
    report = train(args.data, args.out, args.epochs, args.batch, args.frames, args.channels, args.lr,
                   args.max_minutes, args.seed, args.threads)
    if args.report:
        args.report.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))
    return 0 if math.isfinite(float(report.get("heldout_curve_l1", 0.0))) else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
