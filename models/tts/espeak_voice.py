"""espeak-ng as a voice: formant synthesis in any language and voice variant it has, with the phoneme events it
raises while it speaks (IPA, at their audio positions), so the phoneme face driver animates it exactly.

The library and its data come from the `espeakng-loader` wheel (libespeak-ng 1.52 and espeak-ng-data); no system
package is needed. espeak-ng keeps one global synthesizer per process, so every call holds a lock.

Used as a voice source and to make the audio-to-face model's training data: many voices (`VARIANTS`), pitches
and speeds, each with its own phoneme timings as ground truth.
"""

from __future__ import annotations

import ctypes
import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from models.face.visemes import viseme_of
from models.tts import CJK, PhonemeSpan, SpeechSegment, VoiceStyle, WordSpan, said_pieces, sentences_of, words_of
from models.tts.chinese_text import has_chinese, is_chinese_voice, speakable, spoken_words, syllable_weights

log = logging.getLogger(__name__)

_OUTPUT_SYNCHRONOUS = 0x02
_PHONEME_EVENTS, _PHONEME_IPA = 0x0001, 0x0002
_EVENT_WORD, _EVENT_END, _EVENT_MSG_TERMINATED, _EVENT_PHONEME = 1, 5, 6, 7
_CHARS_UTF8 = 1
#: Phoneme mode bits 8-23: a character written between the phonemes of a word.
_PHONEME_SEPARATOR = ord("|") << 8
_RATE, _VOLUME, _PITCH, _RANGE = 1, 2, 3, 4

#: espeak-ng's voice variants (espeak-ng-data/voices/!v), usable as "<language>+<variant>".
VARIANTS: tuple[str, ...] = (
    "f1", "f2", "f3", "f4", "f5", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8",
    "Alex", "Alicia", "Andrea", "Andy", "Annie", "Denis", "Gene", "Hugo", "Jacky", "Lee", "Marco", "Mario",
    "Michael", "Mike", "Mr", "Nguyen", "Reed", "Storm", "Tweaky", "adam", "anika", "announcer", "antonio",
    "aunty", "belinda", "benjamin", "boris", "caleb", "david", "ed", "edward", "grandma", "grandpa", "gustave",
    "ian", "iven", "john", "klatt", "klatt2", "klatt3", "linda", "max", "michel", "miguel", "norbert", "pablo",
    "paul", "pedro", "quincy", "rob", "robert", "robosoft", "sandro", "shelby", "steph", "travis", "victor",
    "zac",
)


class _Event(ctypes.Structure):
    class _Id(ctypes.Union):
        _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class EspeakSettings:
    """How espeak-ng speaks: its voice ("en-us", "en-us+f3", "cmn"), words a minute, pitch and pitch range
    (0-100, 50 its default), and how loud (0-200, 100 its default)."""

    voice: str = "en-us+f3"
    rate: int = 175
    pitch: int = 50
    pitch_range: int = 50
    volume: int = 100


#: A voice source naming an espeak-ng voice: "espeak-ng:cmn", "espeak-ng:en-us+f3" (`--voice`, `voice:`).
ESPEAK_PREFIX = "espeak-ng:"


def espeak_source(text: str) -> EspeakSettings | None:
    """The espeak-ng voice a voice source names ("espeak-ng:VOICE"), None when it names something else. Raises
    ValueError for an empty or unknown voice, listing how to find the known ones."""
    if not text.startswith(ESPEAK_PREFIX):
        return None
    name = text[len(ESPEAK_PREFIX):].strip()
    if not name:
        raise ValueError(f"voice {text!r} names no espeak-ng voice: e.g. espeak-ng:cmn (Mandarin), espeak-ng:en-us")
    library = _Library.get()
    with library.lock:
        if library.lib.espeak_SetVoiceByName(name.encode()) != 0:
            raise ValueError(f"voice {text!r}: espeak-ng has no voice {name!r} (a language code such as cmn, "
                             "yue, en-us, de or ja, optionally +VARIANT such as +f3: docs/voices.md#espeak-ng-voices)")
    return EspeakSettings(name)


class _Library:
    """The process's one espeak-ng synthesizer, loaded on first use."""

    lock = threading.Lock()
    _instance: _Library | None = None

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        self.sample_rate = self.lib.espeak_Initialize(
            _OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), _PHONEME_EVENTS | _PHONEME_IPA)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng failed to initialize")
        self.audio: list[np.ndarray] = []
        self.events: list[tuple[int, int, int, str]] = []  # (type, ms, text position, phoneme)
        self._callback = _Callback(self._collect)  # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self._callback)

    @classmethod
    def get(cls) -> _Library:
        if cls._instance is None:
            cls._instance = _Library()
        return cls._instance

    def _collect(self, wav: ctypes.Array, count: int, events: ctypes.Array) -> int:
        if count > 0:
            self.audio.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != 0:
            event = events[i]
            phoneme = event.id.string.decode("utf-8", "replace") if event.type == _EVENT_PHONEME else ""
            self.events.append((event.type, event.audio_position, event.text_position, phoneme))
            i += 1
        return 0

    def speak(self, text: str, settings: EspeakSettings) -> tuple[np.ndarray, list[tuple[int, int, int, str]]]:
        if self.lib.espeak_SetVoiceByName(settings.voice.encode()) != 0:
            raise ValueError(f"voice: espeak-ng has no voice {settings.voice!r}")
        for param, value in ((_RATE, settings.rate), (_PITCH, settings.pitch), (_RANGE, settings.pitch_range),
                             (_VOLUME, settings.volume)):
            self.lib.espeak_SetParameter(param, int(value), 0)
        self.audio, self.events = [], []
        data = text.encode("utf-8") + b"\0"
        self.lib.espeak_Synth(data, len(data), 0, 1, 0, _CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        pcm = np.concatenate(self.audio) if self.audio else np.zeros(0, np.int16)
        return pcm, self.events


    def phonemes(self, text: str, voice: str) -> list[list[str]]:
        """The IPA phonemes of a text, one list per spoken word, as espeak-ng would say them (no audio)."""
        if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"voice: espeak-ng has no voice {voice!r}")
        cursor = ctypes.pointer(ctypes.c_char_p(text.encode("utf-8") + b"\0"))
        words: list[list[str]] = []
        while cursor.contents.value:  # one clause a call; espeak-ng moves the cursor past it
            clause = self.lib.espeak_TextToPhonemes(cursor, _CHARS_UTF8, _PHONEME_IPA | _PHONEME_SEPARATOR)
            words += [word.split("|") for word in re.sub(r"\([^)]*\)", "", (clause or b"").decode()).split()]
        return [[p for p in word if p] for word in words if any(word)]


_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")


def _spans(events: list[tuple[int, int, int, str]], duration: float) -> tuple[PhonemeSpan, ...]:
    """Phoneme spans from espeak-ng's phoneme events: each lasts until the next phoneme (or the end of speech);
    audio before the first phoneme and after the last is silence. A switch of language ("(en)" before a word it
    reads in English, "(cmn)" back) is no sound: the phoneme before it runs on."""
    starts = [(ms / 1000.0, phoneme) for kind, ms, _, phoneme in events
              if kind == _EVENT_PHONEME and phoneme and not _LANGUAGE_SWITCH.fullmatch(phoneme)]
    end_ms = max((ms for kind, ms, _, _ in events if kind in (_EVENT_END, _EVENT_MSG_TERMINATED)), default=None)
    speech_end = min(end_ms / 1000.0, duration) if end_ms is not None else duration
    spans: list[PhonemeSpan] = []
    if starts and starts[0][0] > 0.0:
        spans.append(PhonemeSpan("_", "sil", 0.0, starts[0][0]))
    for i, (start, phoneme) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else speech_end
        if end <= start:
            continue
        spans.append(PhonemeSpan(phoneme, viseme_of(phoneme), start, end))
    if spans and spans[-1].end < duration:
        spans.append(PhonemeSpan("_", "sil", spans[-1].end, duration))
    return tuple(spans)


#: A stretch this long inside a phoneme's span that is this far below the utterance's loudest 10 ms is a pause:
#: espeak-ng raises no event for the pauses at commas, so its phoneme runs on through them.
PAUSE_MIN_S, PAUSE_BELOW_DB = 0.05, 40.0


def _split_pauses(spans: tuple[PhonemeSpan, ...], audio: np.ndarray, sample_rate: int) -> tuple[PhonemeSpan, ...]:
    """The spans with the silence at the end of each cut off as a pause of its own."""
    hop = sample_rate // 100
    if len(audio) < hop:
        return spans
    frames = audio[: len(audio) // hop * hop].reshape(-1, hop)
    db = 10.0 * np.log10(np.mean(np.square(frames, dtype=np.float64), axis=1) + 1e-12)
    quiet = db < db.max() - PAUSE_BELOW_DB
    out: list[PhonemeSpan] = []
    for span in spans:
        if span.viseme == "sil":
            out.append(span)
            continue
        first, last = int(span.start * 100), min(int(span.end * 100), len(quiet))
        k = last
        while k > first and quiet[k - 1]:
            k -= 1
        silent_from = k / 100.0
        if span.end - silent_from >= PAUSE_MIN_S and silent_from > span.start:
            out += [PhonemeSpan(span.phoneme, span.viseme, span.start, silent_from),
                    PhonemeSpan("_", "sil", silent_from, span.end)]
        else:
            out.append(span)
    return tuple(out)


def _word_spans(text: str, events: list[tuple[int, int, int, str]], duration: float,
                said: str, unsaid: str = "", spans: tuple[PhonemeSpan, ...] = ()) -> tuple[WordSpan, ...]:
    """Word spans of the written `text`: from espeak-ng's word events for the `said` text (one per word, at its
    start) when they are the written words; a Chinese text's words at the syllables it said for them
    (`_syllable_onsets`); else spread over the audio by how long each is said. A word lasts until the next."""
    weights = syllable_weights(text, unsaid)
    starts = [ms / 1000.0 for kind, ms, _, _ in events if kind == _EVENT_WORD]
    if len(starts) != len(weights) or said != text:
        # Numbers and abbreviations are spoken as several words, espeak-ng cuts Chinese into words its own way, and
        # a rewritten Chinese text ("¥129" said 一百二十九元) has other words.
        before = np.concatenate([[0.0], np.cumsum([w for _, w in weights])[:-1]])
        onsets = _syllable_onsets(spans) if has_chinese(text) else []
        total = sum(w for _, w in weights)
        if onsets and len(onsets) == round(total) and abs(total - round(total)) < 1e-6:
            # Each word starts where its first syllable does (the first word at 0: the take's audio is covered).
            starts = [0.0, *np.interp(before[1:], np.arange(len(onsets)), onsets).tolist()]
        else:  # spread by how long each is said: its length, in Chinese its syllables
            starts = [float(t) for t in duration * before / max(total, 1.0)]
    ends = [*starts[1:], duration][: len(starts)]
    return tuple(WordSpan(w, s, max(e, s)) for (w, _), s, e in zip(weights, starts, ends, strict=True))


#: The first letters of espeak-ng's vowel phonemes: a syllable's nucleus.
_VOWELS = frozenset("aeiouyəɑɛæɔɤʊɯɪʌøœɐ")
#: The consonants that end a Mandarin syllable (before a consonant or a pause): 饭 f-a-n, 上 s.-ɑ-ŋ.
_CODAS = frozenset({"n", "ŋ", "ɻ"})


def _syllable_onsets(spans: tuple[PhonemeSpan, ...]) -> list[float]:
    """When each syllable of a Mandarin utterance starts, from its phoneme spans: one a vowel (its nucleus),
    starting at the consonants before it back to a pause or the vowel before, less that vowel's coda (n or ŋ not
    right before this vowel: 天 th-iɛ-n | 的 t-ə; 你 n-i)."""
    vowel = [s.viseme != "sil" and s.phoneme.lstrip("ˈˌ")[:1] in _VOWELS for s in spans]
    onsets = []
    for i, is_vowel in enumerate(vowel):
        if not is_vowel:
            continue
        first = i
        while first > 0 and not vowel[first - 1] and spans[first - 1].viseme != "sil":
            coda = spans[first - 1].phoneme in _CODAS and first - 1 < i - 1 and first > 1 and vowel[first - 2]
            if coda:
                break
            first -= 1
        onsets.append(spans[first].start)
    return onsets


#: What espeak-ng's cmn voice says for a character it has no entry for (before spelling out its code point:
#: 𠮷 U+20BB7 is "U 2 0 B B 7").
_UNKNOWN_CHARACTER = "əː1"


def sayable(text: str, voice: str) -> tuple[str, str]:
    """What an espeak-ng voice (or a Piper voice, which phonemizes with it) says for a text, and the characters
    it leaves out. A Chinese voice (`is_chinese_voice`) says a Chinese text's numbers, prices and dates the
    Chinese way (`speakable`), and leaves out (logged) what it would otherwise spell out: a Chinese character it has
    no reading for (its code point: 𠮷 is "U 2 0 B B 7") and letters of scripts other than Chinese and Latin (kana
    are "Japanese letter", Cyrillic "Cyrillic P"). Any other voice says the text as written."""
    if not is_chinese_voice(voice):
        return text, ""
    unknown = "".join(dict.fromkeys(c for c in text if _foreign(c) or (CJK.match(c) and not _knows(voice, c))))
    if unknown:
        log.warning("voice cannot say these characters: left out", extra={"voice": voice, "characters": unknown})
        text = re.sub(f"[{re.escape(unknown)}]", "", text)
    return speakable(text), unknown


def _foreign(character: str) -> bool:
    """A letter of a script other than Chinese and Latin (kana, hangul, Cyrillic, Greek, ...)."""
    return character.isalpha() and not CJK.match(character) and "LATIN" not in unicodedata.name(character, "LATIN")


@functools.cache
def _knows(voice: str, character: str) -> bool:
    """Whether an espeak-ng voice has a reading for a Chinese character (asked once per voice and character)."""
    library = _Library.get()
    with library.lock:
        words = library.phonemes(character, voice)
    return bool(words) and words[0][:1] != [_UNKNOWN_CHARACTER]


def espeak_segment(text: str, settings: EspeakSettings = EspeakSettings()) -> SpeechSegment:
    """One utterance spoken by espeak-ng, with its phoneme and word timings; the words are the written ones,
    whatever the voice says for them (`sayable`)."""
    return _segment(text, *sayable(text, settings.voice), settings)


def _segment(text: str, said: str, unsaid: str, settings: EspeakSettings) -> SpeechSegment:
    library = _Library.get()
    with library.lock:
        pcm, events = library.speak(said, settings)
    audio = pcm.astype(np.float32) / 32768.0
    duration = len(audio) / library.sample_rate
    spans = _split_pauses(_spans(events, duration), audio, library.sample_rate)
    words = _word_spans(text, events, duration, said, unsaid, spans)
    return SpeechSegment(text, audio, library.sample_rate, spans, words)


def phonemize(text: str, voice: str = "en-us") -> list[tuple[str, list[str]]]:
    """Each word of a text (`words_of`) with the IPA phonemes espeak-ng says for it, the symbols of its phoneme
    events (and of Piper's phonemizer). A word espeak-ng speaks as several ("25": twenty five) gets all of their
    phonemes; one it does not speak gets none. A Chinese voice says a Chinese text's words as `sayable` does
    ("129" in "¥129": 一百二十九元). Raises ValueError for an unknown voice."""
    library = _Library.get()
    if is_chinese_voice(voice) and has_chinese(text):
        unsaid = sayable(text, voice)[1]
        drop = re.compile(f"[{re.escape(unsaid)}]") if unsaid else None
        pairs = [(word, drop.sub("", said) if drop else said) for word, said in spoken_words(text)]
        with library.lock:
            return [(word, sum(library.phonemes(said, voice), [])) for word, said in pairs]
    words = words_of(text)
    with library.lock:
        spoken = library.phonemes(text, voice)
        if len(spoken) != len(words):  # numbers, abbreviations, words run together: phonemize word by word
            spoken = [sum(library.phonemes(word, voice), []) for word in words]
    return list(zip(words, spoken, strict=True))


class EspeakVoice:
    """espeak-ng as an avatar's voice: one segment per sentence, with phoneme timings."""

    timings = True
    provider = "CPUExecutionProvider"  # no onnxruntime: formant synthesis on the CPU

    def __init__(self, settings: EspeakSettings = EspeakSettings()) -> None:
        self.settings = settings
        self.sample_rate = _Library.get().sample_rate
        self.name = f"espeak-ng:{settings.voice}"

    def synthesize(self, text: str, style: VoiceStyle = VoiceStyle()) -> Iterator[SpeechSegment]:
        """One segment per sentence, of what the voice can say (`said_pieces`: a sentence with nothing to say is
        left out; VoiceError when the only words were characters without a reading)."""
        rate = self.settings.rate / (style.length_scale or 1.0)
        settings = EspeakSettings(self.settings.voice, int(rate), self.settings.pitch, self.settings.pitch_range,
                                  int(self.settings.volume * style.volume))
        for sentence, said, left_out in said_pieces(self.name, sentences_of(text),
                                                    lambda piece: sayable(piece, settings.voice)):
            yield _segment(sentence, said, left_out, settings)
