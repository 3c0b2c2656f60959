"""The Piper voice under onnxruntime's CUDA provider options, against the CPU: medians of one line said 8 times
and of 12 different lines, after 3 warm-ups. Needs onnxruntime-gpu and a GPU (docs/performance.md#gpu).

    python -m benchmarks.gpu_voice_options

Not part of `make bench`: it answers one question (does any CUDA option make the voice faster than the CPU?)
on a GPU machine.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.bench_gpu import timed
from benchmarks.bench_sidecar import LINES
from benchmarks.common import table, write

REPEATED = "Curling stones are made of granite."
OPTIONS: dict[str, list[Any]] = {
    "cpu": ["CPUExecutionProvider"],
    **{f"cuda {search}": [("CUDAExecutionProvider", {"cudnn_conv_algo_search": search}), "CPUExecutionProvider"]
       for search in ("HEURISTIC", "DEFAULT", "EXHAUSTIVE")},
    "cuda DEFAULT, tf32, max workspace": [("CUDAExecutionProvider", {
        "cudnn_conv_algo_search": "DEFAULT", "use_tf32": "1", "cudnn_conv_use_max_workspace": "1"}),
        "CPUExecutionProvider"],
}


def main(argv: list[str] | None = None) -> dict:
    import onnx
    import onnxruntime
    from piper.patch_voice_with_alignment import add_alignment_output

    from models.tts.piper_voice import PiperTTS, default_voice_paths

    onnxruntime.preload_dlls()
    voice = PiperTTS(device="cpu")
    model = onnx.load(str(default_voice_paths()[0]))
    add_alignment_output(model)  # as PiperTTS loads it: the phoneme durations are an output
    serialized = model.SerializeToString()
    results: dict[str, dict[str, float]] = {}
    for name, providers in OPTIONS.items():
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # The same voice (phonemizer, alignments) over a session with these providers.
        voice._voice.session = onnxruntime.InferenceSession(serialized, sess_options=options, providers=providers)
        for _ in range(3):
            list(voice.synthesize("Warm up, everyone."))
        repeated = [timed(lambda: list(voice.synthesize(REPEATED)))[1] for _ in range(8)]
        varied = [timed(lambda t=text: list(voice.synthesize(t)))[1] for text in LINES[:12]]
        results[name] = {"repeated_s": statistics.median(repeated), "varied_s": statistics.median(varied)}
        print(f"{name}: {results[name]['repeated_s'] * 1e3:.1f} / {results[name]['varied_s'] * 1e3:.1f} ms", flush=True)
    print(table([(name, f"{r['repeated_s'] * 1e3:.1f} ms", f"varied lines {r['varied_s'] * 1e3:.1f} ms")
                 for name, r in results.items()], "Piper voice by provider (median of one repeated line)"))
    print(f"wrote {write('gpu_voice_options', {'results': results})}")
    return results


if __name__ == "__main__":
    main()
