"""Mandarin, first steps (issue 18): Chinese punctuation splits sentences and clauses, espeak-ng's cmn voice is a
voice source (`--voice espeak-ng:cmn`, `voice: espeak-ng:cmn`), and its phonemes reach the right mouth shapes."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from bridge.cli import _voice_source
from bridge.config import ConfigError, load_config
from bridge.server import load_voice
from models.face.tags import parse_tags
from models.face.visemes import viseme_of
from models.tts import CJK_CHAR_WEIGHT, cut_point, sentences_of, split_for_streaming, words_of
from models.tts.espeak_voice import EspeakSettings, EspeakVoice, espeak_segment, espeak_source

LINE = "你好，欢迎来到我们的直播间！今天的价格是九十九元。八百块钱买不到，妈妈说这个非常漂亮。"


def test_chinese_punctuation_ends_sentences_and_clauses_without_spaces() -> None:
    assert sentences_of("你好，欢迎！今天九十九元。Hello there. 真的吗？！好的") == [
        "你好，欢迎！", "今天九十九元。", "Hello there.", "真的吗？！", "好的"]
    assert sentences_of("“真的吗？”她问。") == ["“真的吗？”", "她问。"]
    assert split_for_streaming("你好，欢迎来到我们的直播间！今天的价格是九十九元。") == [
        "你好，", "欢迎来到我们的直播间！", "今天的价格是九十九元。"]
    # English is split as before.
    assert split_for_streaming("Hello, world. This is fine.") == ["Hello,", "world.", "This is fine."]
    # A long Chinese text is cut after a clause mark, else between two characters, never inside a Latin word
    # (lengths count a Chinese character as CJK_CHAR_WEIGHT: 20 characters are 20 * CJK_CHAR_WEIGHT).
    assert cut_point("苹果、香蕉和橙子都很好吃" * 3, 20 * CJK_CHAR_WEIGHT) == 15  # after the second 、
    assert cut_point("我们今天给大家带来的这款产品", 10 * CJK_CHAR_WEIGHT) == 9


def test_mandarin_phonemes_reach_their_mouth_shapes() -> None:
    # b p m closed, f on the lip, h at the back, j q x zh ch sh r with the lips forward, ü rounded.
    assert [viseme_of(p) for p in ("p", "ph", "m", "f", "χ", "tɕ", "tɕh", "ɕ", "ts.", "ts.h", "s.", "ʐ", "ts",
                                   "ˈy", "ˈyæ")] == [
        "PP", "PP", "PP", "FF", "kk", "CH", "CH", "CH", "CH", "CH", "CH", "CH", "SS", "ou", "ou"]


def test_espeak_ng_voices_are_named_as_voice_sources(tmp_path: Path) -> None:
    assert espeak_source("espeak-ng:cmn") == EspeakSettings("cmn")
    assert espeak_source("voices/amy.onnx") is None
    with pytest.raises(ValueError, match="espeak-ng has no voice 'zz'"):
        espeak_source("espeak-ng:zz")
    args = argparse.Namespace(voice=Path("espeak-ng:cmn"), voice_config=None, voice_url=None, voice_name=None,
                              voice_model=None, voice_format=None, voice_rate=None)
    assert _voice_source(args) == EspeakSettings("cmn")
    with pytest.raises(ConfigError, match="--voice: voice 'espeak-ng:zz'"):
        _voice_source(argparse.Namespace(**{**vars(args), "voice": Path("espeak-ng:zz")}))
    (tmp_path / "sidecar.yaml").write_text("avatars:\n  - name: mei\n    voice: espeak-ng:cmn\n"
                                           "  - name: bad\n    voice: espeak-ng:zz\n")
    config = load_config(tmp_path / "sidecar.yaml")
    assert config.avatars[0].voice == EspeakSettings("cmn")
    assert [s.name for s in config.skipped] == ["bad"] and "espeak-ng has no voice 'zz'" in config.skipped[0].error


def test_a_mandarin_line_is_spoken_with_phonemes_over_all_of_its_audio() -> None:
    voice = load_voice(EspeakSettings("cmn"))
    assert isinstance(voice, EspeakVoice) and voice.name == "espeak-ng:cmn"
    segments = list(voice.synthesize(LINE))
    assert len(segments) == len(sentences_of(LINE)) == 3
    for segment in segments:
        duration = len(segment.audio) / segment.sample_rate
        assert duration > 0.5 and np.abs(segment.audio).max() > 0.05
        spans = segment.phonemes
        assert spans[0].start == 0.0 and spans[-1].end == pytest.approx(duration, abs=0.02)
        assert all(a.end == pytest.approx(b.start, abs=1e-6) for a, b in zip(spans, spans[1:], strict=False))
    visemes = [p.viseme for s in segments for p in s.phonemes]
    # 八 百 不 (b), 漂 (p), 们 妈 妈 买 (m), 非 (f): every one has its closure or lip contact.
    assert visemes.count("PP") >= 8 and visemes.count("FF") >= 1


def test_chinese_words_come_from_a_segmenter_and_tags_land_on_them() -> None:
    assert words_of("你好，欢迎来到我们的直播间！今天的价格是九十九元。") == [
        "你好", "欢迎", "来到", "我们", "的", "直播间", "今天", "的", "价格", "是", "九十九", "元"]
    # Traditional characters, Latin and digits inside Chinese, emoji and punctuation only.
    assert words_of("這個產品非常漂亮，只要99元") == ["這個", "產品", "非常", "漂亮", "只要", "99", "元"]
    assert words_of("这款iPhone15手机 Hello world!") == ["这款", "iPhone15", "手机", "Hello", "world"]
    assert words_of("？？！！😀") == [] and words_of("It's fine, e.g. 3.5 kg.") == ["It's", "fine", "e.g", "3.5", "kg"]
    script = parse_tags("[happy]你好，<wave>欢迎来到我们的直播间！今天<thumbs_up>的价格是九十九元。")
    words = words_of(script.text)
    assert [(m.name, words[m.word]) for m in script.marks] == [("happy", "你好"), ("wave", "欢迎"),
                                                                ("thumbs_up", "的")]


def test_espeak_word_timings_put_chinese_words_on_their_syllables() -> None:
    segment = espeak_segment("你好，欢迎来到我们的直播间！", EspeakSettings("cmn"))
    duration = len(segment.audio) / segment.sample_rate
    assert [w.word for w in segment.words] == ["你好", "欢迎", "来到", "我们", "的", "直播间"]
    assert segment.words[0].start == 0.0 and segment.words[-1].end == pytest.approx(duration)
    # A character is a syllable, and each word starts at its first one's first sound: 欢迎 at h (χ) after the
    # comma's pause, 的 at its t, 直播间 at zh (ts.), not where an even spread would put them.
    spans = segment.phonemes
    pause = next(i for i, p in enumerate(spans) if p.start > 0 and p.viseme == "sil")
    starts = {w.word: w.start for w in segment.words}
    assert starts["欢迎"] == spans[pause + 1].start and spans[pause + 1].phoneme == "χ"
    assert starts["的"] in [p.start for p in spans if p.phoneme == "t"]
    assert starts["直播间"] == next(p.start for p in spans if p.phoneme == "ts.")


def test_a_word_espeak_reads_in_another_language_leaves_no_marker_on_the_timeline() -> None:
    # espeak-ng's cmn voice reads 兄 and "iPhone" with its English rules, announcing each switch as "(en)" and
    # "(cmn)"; those are no sounds and must not become phonemes (they have no mouth shape).
    segment = espeak_segment("兄弟们好，iPhone很好", EspeakSettings(voice="cmn"))
    phonemes = [p.phoneme for p in segment.phonemes]
    assert not [p for p in phonemes if p.startswith("(")]
    assert "f" in phonemes and "m" in phonemes  # the English word and the Chinese after it are both there
    assert segment.phonemes[-1].end == pytest.approx(segment.duration)
