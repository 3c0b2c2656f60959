"""Make the audio-to-face model's training and evaluation data: varied speech with exact frame-level targets.

Every utterance is spoken by a voice that gives phoneme timings (the bundled Piper voice with random length,
noise and duration-noise scales; espeak-ng with one of its voice variants, accents, speeds, pitches and pitch
ranges), then its phoneme-driven face (models.face.lipsync, the driver the sidecar uses for those voices) gives
the targets at 100 Hz: the viseme of each frame, the mouth channels and the lip contact. The audio is then made
to sound like anything but a clean synthetic voice: resampled (pitch and formants move together, and the
targets' times with them), pitch-shifted, band-limited (telephone, low-pass), reverberated, mixed with noise,
leveled, clipped, offset. Features are the model's own (models.face.audio_features).

Held out of training (`HELD_OUT_VARIANTS`, `HELD_OUT_ACCENT`, and every sentence whose hash falls in the held-out
tenth): the voices and sentences of the evaluation set.

    python -m avatar_tools.audio_face_data --out data/audio_face --train 4000 --eval 200
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import logging
import multiprocessing
import re
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.face.audio_face import MOUTH_INDEX, NUM_CURVES
from models.face.audio_features import FRAME_RATE, HOP, SAMPLE_RATE, features_of, to_model_audio
from models.face.lipsync import articulation_targets, contact_track, lipsync_track
from models.face.visemes import VISEME_INDEX
from models.tts import PhonemeSpan, SpeechSegment

log = logging.getLogger("audio_face_data")

#: espeak-ng variants and the accent no training utterance uses: the evaluation's unseen voices.
HELD_OUT_VARIANTS = ("f4", "m5", "Annie", "belinda", "quincy", "travis", "klatt3")
HELD_OUT_ACCENT = "en-gb-scotland"
TRAIN_ACCENTS = ("en-us", "en-us", "en-us", "en", "en-029", "en-gb-x-rp", "en-gb-x-gbclan")
#: The share of utterances the bundled Piper voice speaks (it is ~20x slower to synthesize than espeak-ng).
PIPER_SHARE = 0.2

_TEMPLATES = (
    "Hi everyone, welcome back to the {0} show!", "Did you know that the {0} can {1} for hours?",
    "Wow, that {0} looks amazing!", "Thank you so much for the {0}, it means a lot.",
    "Oh no, I'm so sorry to hear about your {0}.", "Really? Tell me more about the {0}!",
    "Let's {1} together, shall we?", "Is it true that the {0} was built in {2}?",
    "Please grab the {0} before it's gone, only {2} left!", "Hmm, maybe, but the {0} might {1} first.",
)
_NOUNS = ("snowboard", "mitten", "jacket", "puppy", "rocket", "volcano", "marble", "violin", "bubble", "pumpkin",
          "whale", "lantern", "pebble", "mountain", "chocolate", "feather", "river", "zebra", "popcorn", "helmet")
_VERBS = ("glide", "bounce", "whisper", "fly", "vanish", "shimmer", "wobble", "spin", "breathe", "march")
_NUMBERS = ("nineteen ninety", "five", "twelve", "a hundred", "two thousand four", "seventy seven", "three")


def corpus() -> list[str]:
    """English sentences to speak: the standard library's docstrings (plain words only), the personas' lines and
    conversational templates (questions, exclamations), deduplicated and in a fixed order."""
    sentences: set[str] = set()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.rglob("*.py")):
        if "packages" in str(path) or "test" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(errors="ignore"))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                doc = ast.get_docstring(node)
                for sentence in re.split(r"(?<=[.!?])\s+", " ".join((doc or "").split())):
                    if 4 <= len(sentence.split()) <= 20 and re.fullmatch(r"[A-Z][A-Za-z ,;'\-.?!]+", sentence):
                        sentences.add(sentence)
    persona_dir = Path(__file__).resolve().parent.parent
    for path in sorted([*persona_dir.glob("models/dialogue/data/*.yaml"), *persona_dir.glob("examples/**/*.yaml")]):
        for line in re.findall(r"[A-Z][^\n\"#:]{15,160}[.!?]", path.read_text()):
            sentences.add(" ".join(line.split()))
    rng = np.random.default_rng(0)
    for i in range(600):
        template = _TEMPLATES[i % len(_TEMPLATES)]
        sentences.add(template.format(rng.choice(_NOUNS), rng.choice(_VERBS), rng.choice(_NUMBERS)))
    return sorted(sentences)


def held_out_sentence(sentence: str) -> bool:
    """Whether a sentence belongs to the evaluation tenth (by a stable hash)."""
    return hashlib.sha1(sentence.encode()).digest()[0] < 26


@dataclass(frozen=True)
class Recipe:
    """How one utterance is spoken and degraded."""

    text: str
    engine: str  # "piper" or "espeak"
    voice: str  # espeak-ng voice ("en-us+f3") or "joe"
    rate: float  # espeak-ng words a minute, or Piper's length scale
    pitch: int
    pitch_range: int
    noise: float  # Piper's noise scale
    noise_w: float
    warp: float  # resampling factor: >1 higher and faster
    semitones: float  # pitch shift keeping the timing
    band: str  # "full", "phone", "lowpass", "highpass"
    reverb_s: float  # RT60, 0: dry
    snr_db: float  # inf: clean
    noise_kind: str
    gain_db: float
    clip: bool
    dc: float
    lead_s: float
    tail_s: float
    seed: int


def recipe(text: str, seed: int, evaluation: bool, augment: bool = True) -> Recipe:
    """A random recipe for one utterance; evaluation recipes use only the held-out voices."""
    rng = np.random.default_rng(seed)
    piper = not evaluation and rng.random() < PIPER_SHARE
    if piper:
        voice, rate = "joe", float(rng.uniform(0.75, 1.45))
    else:
        from models.tts.espeak_voice import VARIANTS

        if evaluation:
            accent = HELD_OUT_ACCENT if rng.random() < 0.3 else str(rng.choice(TRAIN_ACCENTS))
            variant = str(rng.choice(HELD_OUT_VARIANTS))
        else:
            accent = str(rng.choice(TRAIN_ACCENTS))
            variant = str(rng.choice([v for v in VARIANTS if v not in HELD_OUT_VARIANTS]))
        voice, rate = f"{accent}+{variant}", float(rng.uniform(120, 250))
    strong = augment and rng.random() < 0.85
    return Recipe(
        text=text, engine="piper" if piper else "espeak", voice=voice, rate=rate,
        pitch=int(rng.integers(15, 90)), pitch_range=int(rng.integers(10, 95)),
        noise=float(rng.uniform(0.3, 1.0)), noise_w=float(rng.uniform(0.3, 1.2)),
        warp=float(rng.uniform(0.86, 1.18)) if strong and rng.random() < 0.5 else 1.0,
        semitones=float(rng.uniform(-4, 4)) if strong and rng.random() < 0.2 else 0.0,
        band=str(rng.choice(["full", "full", "phone", "lowpass", "highpass"])) if strong else "full",
        reverb_s=float(rng.uniform(0.15, 0.8)) if strong and rng.random() < 0.35 else 0.0,
        snr_db=float(rng.uniform(3, 40)) if strong and rng.random() < 0.6 else float("inf"),
        noise_kind=str(rng.choice(["white", "pink", "brown", "hum", "babble"])),
        gain_db=float(rng.uniform(-28, 8)) if strong else 0.0,
        clip=bool(strong and rng.random() < 0.06), dc=float(rng.uniform(-0.2, 0.2)) if strong and rng.random() < 0.06
        else 0.0, lead_s=float(rng.uniform(0.0, 0.5)), tail_s=float(rng.uniform(0.05, 0.5)), seed=seed)


_PIPER = None


def speak(r: Recipe) -> SpeechSegment:
    """The utterance as the recipe's voice says it, with its phoneme timings (one segment)."""
    global _PIPER
    if r.engine == "piper":
        from models.tts import VoiceStyle
        from models.tts.piper_voice import PiperTTS

        if _PIPER is None:
            _PIPER = PiperTTS()
        segments = list(_PIPER.synthesize(r.text, VoiceStyle(r.rate, r.noise, r.noise_w)))
        return join(segments)
    from models.tts.espeak_voice import EspeakSettings, espeak_segment

    return espeak_segment(r.text, EspeakSettings(r.voice, int(r.rate), r.pitch, r.pitch_range))


def join(segments: list[SpeechSegment]) -> SpeechSegment:
    """Segments of one utterance as one segment, times offset."""
    audio, phonemes, offset = [], [], 0.0
    rate = segments[0].sample_rate
    for segment in segments:
        audio.append(segment.audio)
        phonemes += [PhonemeSpan(p.phoneme, p.viseme, p.start + offset, p.end + offset) for p in segment.phonemes]
        offset += segment.duration
    return SpeechSegment(" ".join(s.text for s in segments), np.concatenate(audio), rate, tuple(phonemes), ())


def _scaled(spans: tuple[PhonemeSpan, ...], factor: float, shift: float) -> tuple[PhonemeSpan, ...]:
    return tuple(PhonemeSpan(p.phoneme, p.viseme, p.start * factor + shift, p.end * factor + shift) for p in spans)


def targets(phonemes: tuple[PhonemeSpan, ...], audio: np.ndarray, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Frame targets at 100 Hz: the viseme class of each frame [frames] and the mouth curves with the lip contact
    [frames, NUM_CURVES], as the phoneme driver makes them (loudness from the clean audio at 16 kHz)."""
    duration = frames / FRAME_RATE
    mouth = lipsync_track(phonemes, duration, audio, SAMPLE_RATE).values[:frames]
    contact = contact_track(phonemes, duration).values[:frames]
    curves = np.zeros((frames, NUM_CURVES), np.float32)
    n = min(len(mouth), frames)
    curves[:n, :-1] = mouth[:n][:, MOUTH_INDEX]
    curves[:n, -1] = contact[:n, 0]
    classes = np.zeros(frames, np.uint8)  # "sil"
    times = np.arange(frames) / FRAME_RATE
    for target in articulation_targets(phonemes):
        classes[(times >= target.start) & (times < target.end)] = VISEME_INDEX[target.viseme]
    return classes, curves


def _noise(kind: str, n: int, rng: np.random.Generator, babble: np.ndarray | None) -> np.ndarray:
    if kind == "babble" and babble is not None and len(babble) > 0:
        return np.resize(np.roll(babble, int(rng.integers(len(babble)))), n)
    white = rng.standard_normal(n)
    if kind == "white":
        return white
    if kind == "hum":
        t = np.arange(n) / SAMPLE_RATE
        base = float(rng.choice([50.0, 60.0]))
        return sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6)) / k for k in range(1, 6)) + 0.1 * white
    spectrum = np.fft.rfft(white)
    f = np.maximum(np.fft.rfftfreq(n), 1.0 / n)
    spectrum /= np.sqrt(f) if kind == "pink" else f
    return np.fft.irfft(spectrum, n)


def degrade(audio: np.ndarray, r: Recipe, babble: np.ndarray | None = None) -> np.ndarray:
    """The recipe's channel: band, reverb, noise, level, clipping and DC, on 16 kHz audio."""
    from scipy.signal import butter, fftconvolve, sosfilt

    rng = np.random.default_rng(r.seed + 1)
    x = audio.astype(np.float64)
    if r.band == "phone":
        x = sosfilt(butter(4, [300, 3400], "bandpass", fs=SAMPLE_RATE, output="sos"), x)
    elif r.band == "lowpass":
        x = sosfilt(butter(6, float(rng.uniform(2500, 5500)), "lowpass", fs=SAMPLE_RATE, output="sos"), x)
    elif r.band == "highpass":
        x = sosfilt(butter(2, float(rng.uniform(150, 500)), "highpass", fs=SAMPLE_RATE, output="sos"), x)
    if r.reverb_s > 0:
        length = int(r.reverb_s * SAMPLE_RATE)
        t = np.arange(length) / SAMPLE_RATE
        ir = rng.standard_normal(length) * np.exp(-6.9 * t / r.reverb_s)
        ir[0] = 1.0 / float(rng.uniform(0.3, 1.0))  # the direct path
        wet = fftconvolve(x, ir)[: len(x)]
        x = wet * (np.max(np.abs(x)) / (np.max(np.abs(wet)) + 1e-9))
    if np.isfinite(r.snr_db):
        noise = _noise(r.noise_kind, len(x), rng, babble)
        speech_power = np.mean(x[np.abs(x) > 0.01 * np.max(np.abs(x))] ** 2) if np.any(x) else 1e-6
        x = x + noise * np.sqrt(speech_power / (np.mean(noise ** 2) + 1e-12) / 10 ** (r.snr_db / 10))
    x = x * 10 ** (r.gain_db / 20) + r.dc
    if r.clip:
        x = np.clip(x * 4.0, -1.0, 1.0)
    return np.clip(x, -1.0, 1.0).astype(np.float32)


def example(r: Recipe, babble: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One utterance: its degraded 16 kHz audio, the viseme class of each 10 ms frame [frames] and the curves
    [frames, NUM_CURVES] (frames: one per HOP samples, as features_of makes them)."""
    import soxr

    segment = speak(r)
    rate = segment.sample_rate * r.warp  # played back faster (warp > 1): higher, shorter
    clean = soxr.resample(segment.audio, rate, SAMPLE_RATE).astype(np.float32)
    if r.semitones:
        import librosa

        clean = librosa.effects.pitch_shift(clean, sr=SAMPLE_RATE, n_steps=r.semitones).astype(np.float32)
    lead, tail = np.zeros(int(r.lead_s * SAMPLE_RATE), np.float32), np.zeros(int(r.tail_s * SAMPLE_RATE), np.float32)
    clean = np.concatenate([lead, clean, tail])
    phonemes = _scaled(segment.phonemes, 1.0 / r.warp, r.lead_s)
    audio = to_model_audio(degrade(clean, r, babble), SAMPLE_RATE)
    classes, curves = targets(phonemes, clean, len(audio) // HOP + 1)
    return audio, classes, curves


def make(r: Recipe, babble: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """One example: features [frames, N_MELS] float16, viseme classes [frames] uint8, curves [frames, C] float16."""
    audio, classes, curves = example(r, babble)
    features = features_of(audio)
    return {"features": features.astype(np.float16), "classes": classes, "curves": curves.astype(np.float16)}


def babble_for(r: Recipe) -> np.ndarray | None:
    """Another voice talking, for recipes that mix in babble noise."""
    if r.noise_kind != "babble" or not np.isfinite(r.snr_db):
        return None
    from models.tts.espeak_voice import EspeakSettings, espeak_segment

    other = espeak_segment("And then we went down to the market to buy some more bread and cheese.",
                           EspeakSettings("en-us+m2", 200, 40))
    return to_model_audio(other.audio, other.sample_rate)


def _work(job: tuple[Recipe, int]) -> tuple[int, dict[str, np.ndarray] | None, str]:
    r, index = job
    try:
        return index, make(r, babble_for(r)), ""
    except Exception as exc:  # one bad utterance (a text a voice cannot say) is skipped, not fatal
        return index, None, f"{type(exc).__name__}: {exc}"


def recipes(count: int, evaluation: bool, seed: int, augment: bool = True) -> Iterator[Recipe]:
    sentences = [s for s in corpus() if held_out_sentence(s) == evaluation]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(sentences))
    for i in range(count):
        yield recipe(sentences[order[i % len(order)]], seed * 1_000_003 + i, evaluation, augment)


def build(out: Path, count: int, evaluation: bool, seed: int, workers: int, augment: bool = True) -> Path:
    """Write `count` examples to out/<train|eval>.npz (all utterances concatenated, with their lengths) and the
    recipes to a .jsonl beside it. Returns the .npz path."""
    name = "eval" if evaluation else "train"
    jobs = [(r, i) for i, r in enumerate(recipes(count, evaluation, seed, augment))]
    results: dict[int, dict[str, np.ndarray]] = {}
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        for done, (index, example, error) in enumerate(pool.imap_unordered(_work, jobs, chunksize=4), 1):
            if example is None:
                log.warning("skipped utterance %d: %s", index, error)
            else:
                results[index] = example
            if done % 100 == 0 or done == len(jobs):
                log.info("%s: %d/%d utterances, %.0f s", name, done, len(jobs), time.monotonic() - started)
    keys = sorted(results)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.npz"
    fields: dict[str, Any] = {name: np.concatenate([results[k][name] for k in keys])
                              for name in ("features", "classes", "curves")}
    np.savez(path, lengths=np.array([len(results[k]["classes"]) for k in keys], np.int32), **fields)
    with open(out / f"{name}.jsonl", "w") as f:
        for k in keys:
            f.write(json.dumps(asdict(jobs[k][0])) + "\n")
    frames = sum(len(results[k]["classes"]) for k in keys)
    log.info("wrote %s: %d utterances, %.1f min of audio", path, len(keys), frames / FRAME_RATE / 60)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m avatar_tools.audio_face_data", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/audio_face"), help="folder for train.npz, eval.npz")
    parser.add_argument("--train", type=int, default=4000, help="training utterances (0: none)")
    parser.add_argument("--eval", type=int, default=200, help="evaluation utterances, unseen voices (0: none)")
    parser.add_argument("--clean-eval", action="store_true", help="evaluation audio without degradation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=max(multiprocessing.cpu_count(), 1))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    if args.eval:
        build(args.out, args.eval, True, args.seed + 1000, args.workers, augment=not args.clean_eval)
    if args.train:
        build(args.out, args.train, False, args.seed, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
