"""The GPU paths against the CPU of the same machine: the Piper voice and the audio-to-face model on onnxruntime's
CUDA provider, the MiniLM embedder and the audio-to-face model's training on torch cuda.

    python -m benchmarks.bench_gpu [--lines 20]

Voice: seconds from asking for a line to its first clause's audio and alignments (what `say` waits for),
and the real-time factor of whole lines. Embedder: seconds to embed one fan question (what each chat
answer waits for) and to embed the whole knowledge base (start-up). Where there is no GPU runtime (onnxruntime-gpu,
a CUDA torch) the CUDA rows are missing and the table says why; the CPU rows are measured anyway.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.bench_sidecar import LINES
from benchmarks.common import percentiles, table, write
from benchmarks.eval_dialogue import load_set
from models.device import Device, DeviceError

#: Timed runs of each question embedding, after warm-up.
EMBED_REPEATS = 5


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def voice_on(device: Device, lines: list[str]) -> dict[str, Any]:
    """Load time, first-clause latency and real-time factor of the bundled voice on one device."""
    from models.tts.piper_voice import PiperTTS

    voice, load_s = timed(lambda: PiperTTS(device=device))
    for _ in range(3):  # CUDA builds its kernels and picks convolution algorithms on the first runs
        list(voice.synthesize("Warm up, everyone."))
    first_clause, compute_s, audio_s = [], 0.0, 0.0
    for text in lines:
        started = time.perf_counter()
        segments = voice.synthesize(text)
        first = next(segments)
        first_clause.append(time.perf_counter() - started)
        rest = list(segments)
        compute_s += time.perf_counter() - started
        audio_s += sum(s.duration for s in [first, *rest])
    return {"provider": voice.provider, "load_s": load_s, "first_clause_s": percentiles(first_clause, 50, 95),
            "rtf": compute_s / audio_s}


def embedder_on(device: Device, questions: list[str]) -> dict[str, Any]:
    """Load time, knowledge-base encoding time and one-question latency of the MiniLM embedder on one device."""
    import torch

    from models.dialogue.persona import load_default_persona
    from models.dialogue.retrieval import documents_of, load_embedder

    if device == "cuda" and not torch.cuda.is_available():  # the sidecar would embed on the CPU: nothing to compare
        raise DeviceError(f"torch sees no GPU (torch {torch.__version__})")
    model, load_s = timed(lambda: load_embedder(device))
    documents = [d.text for d in documents_of(load_default_persona().knowledge)]

    def encode(texts: list[str]) -> Any:
        return model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    encode(documents)
    _, knowledge_s = timed(lambda: encode(documents))
    question_s = [timed(lambda q=q: encode([q]))[1] for q in questions for _ in range(EMBED_REPEATS)]
    return {"device": str(model.device), "load_s": load_s, "documents": len(documents),
            "knowledge_s": knowledge_s, "question_s": percentiles(question_s, 50, 95)}


def audio_face_on(device: Device) -> dict[str, Any]:
    """The audio-to-face model on one device: real-time factor of a minute of audio as one clip and streamed in
    20 ms chunks (what live audio in does), and per-chunk compute."""
    import numpy as np

    from models.face.audio_face import AudioFaceModel
    from models.face.audio_features import SAMPLE_RATE

    model, load_s = timed(lambda: AudioFaceModel(device=device))
    if device == "cuda" and model.provider != "CUDAExecutionProvider":
        raise DeviceError("onnxruntime could not start its CUDA provider for the audio-to-face model")
    audio = (0.1 * np.random.default_rng(0).standard_normal(60 * SAMPLE_RATE)).astype(np.float32)
    model.frames_of(audio[:SAMPLE_RATE])
    _, clip_s = timed(lambda: model.frames_of(audio))
    stream, chunk, chunk_s = model.stream(), SAMPLE_RATE // 50, []
    for i in range(0, len(audio), chunk):
        chunk_s.append(timed(lambda i=i: stream.push(audio[i:i + chunk]))[1])
    return {"provider": model.provider, "load_s": load_s, "rtf_clip": clip_s / 60.0, "rtf_stream": sum(chunk_s) / 60.0,
            "chunk_s": percentiles(chunk_s, 50, 95)}


def training_on(device: Device, steps: int = 20) -> dict[str, Any]:
    """Training steps a second of the audio-to-face network (avatar_tools/train_audio_face.py, its default size)."""
    import torch

    from avatar_tools.train_audio_face import RECEPTIVE_FIELD, build_model
    from models.face.audio_face import NUM_OUTPUTS

    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"torch sees no GPU (torch {torch.__version__})")
    torch_device = "cuda" if device == "cuda" else "cpu"
    net = build_model().to(torch_device)
    optimizer = torch.optim.AdamW(net.parameters(), 1e-3)
    x = torch.randn(24, 384 + RECEPTIVE_FIELD - 1, 40, device=torch_device)
    target = torch.rand(24, 384, NUM_OUTPUTS, device=torch_device)

    def step() -> None:
        loss = (net(x) - target).square().mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if torch_device == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):
        step()
    _, seconds = timed(lambda: [step() for _ in range(steps)])
    return {"device": torch_device, "steps_per_s": steps / seconds, "frames_per_s": steps * 24 * 384 / seconds}


def on_each_device(measure: Callable[[Device], dict[str, Any]]) -> dict[str, Any]:
    """`measure` on the CPU and on CUDA; CUDA's entry says why it is missing when it cannot run."""
    results: dict[str, Any] = {"cpu": measure("cpu")}
    try:
        results["cuda"] = measure("cuda")
    except DeviceError as exc:
        results["cuda"] = {"missing": str(exc)}
    return results


def gpu_name() -> str | None:
    try:
        import torch
    except ImportError:
        return None
    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def rows(voice: dict[str, Any], embedder: dict[str, Any]) -> list[tuple[str, str, str]]:
    ms = 1e3
    out: list[tuple[str, str, str]] = []
    for device in ("cpu", "cuda"):
        v, e = voice[device], embedder[device]
        if "missing" in v:
            out.append((f"voice on {device}", "missing", v["missing"][:60]))
        else:
            out += [(f"voice {device} first clause p50", f"{v['first_clause_s']['p50'] * ms:.1f} ms", v["provider"]),
                    (f"voice {device} first clause p95", f"{v['first_clause_s']['p95'] * ms:.1f} ms", ""),
                    (f"voice {device} real-time factor", f"{v['rtf']:.4f}", "")]
        if "missing" in e:
            out.append((f"embedder on {device}", "missing", e["missing"][:60]))
        else:
            out += [(f"embedder {device} question p50", f"{e['question_s']['p50'] * ms:.2f} ms", e["device"]),
                    (f"embedder {device} knowledge base", f"{e['knowledge_s'] * ms:.1f} ms",
                     f"{e['documents']} documents")]
    return out


def speedups_of(voice: dict[str, Any], embedder: dict[str, Any]) -> list[tuple[str, float]]:
    """CPU time over CUDA time, for what ran on both."""
    out = []
    if "missing" not in voice["cuda"]:
        cpu, cuda = voice["cpu"], voice["cuda"]
        out += [("voice first clause p50", cpu["first_clause_s"]["p50"] / cuda["first_clause_s"]["p50"]),
                ("voice real-time factor", cpu["rtf"] / cuda["rtf"])]
    if "missing" not in embedder["cuda"]:
        cpu, cuda = embedder["cpu"], embedder["cuda"]
        out += [("question p50", cpu["question_s"]["p50"] / cuda["question_s"]["p50"]),
                ("knowledge base", cpu["knowledge_s"] / cuda["knowledge_s"])]
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20, help="lines for the voice (default 20)")
    args = parser.parse_args(argv)

    lines = (LINES * (args.lines // len(LINES) + 1))[: args.lines]
    questions = [turn.q for item in load_set("heldout") for turn in item.turns]
    voice = on_each_device(lambda device: voice_on(device, lines))
    embedder = on_each_device(lambda device: embedder_on(device, questions))
    audio_face = on_each_device(audio_face_on)
    training = on_each_device(training_on)
    results = {"gpu": gpu_name(), "voice": voice, "embedder": embedder, "audio_face": audio_face,
               "audio_face_training": training, "lines": len(lines), "questions": len(questions)}
    results["cuda_speedup"] = dict(speedups_of(voice, embedder))
    speedups = [f"{name} {ratio:.1f}x" for name, ratio in results["cuda_speedup"].items()]
    for device in ("cpu", "cuda"):
        face, train = audio_face[device], training[device]
        print(f"audio-to-face on {device}: " + (face.get("missing") or
              f"rtf clip {face['rtf_clip']:.4f}, stream {face['rtf_stream']:.4f}, 20 ms chunk p95 "
              f"{face['chunk_s']['p95'] * 1e3:.2f} ms ({face['provider']})"))
        print(f"audio-to-face training on {device}: " + (train.get("missing") or
              f"{train['steps_per_s']:.2f} steps/s, {train['frames_per_s']:.0f} frames/s"))
    print(table(rows(voice, embedder), f"GPU paths ({results['gpu'] or 'no GPU'}; {len(lines)} lines, "
                                       f"{len(questions)} questions)"))
    if speedups:
        print("cuda speed-up over cpu: " + ", ".join(speedups))
    print(f"wrote {write('gpu', results)}")
    return results



if __name__ == "__main__":
    main(sys.argv[1:])
