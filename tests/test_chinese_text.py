"""Chinese text the voice can say (issue 18): numbers, prices, dates and times read the Chinese way
(`models.tts.chinese_text`), said so by the espeak-ng cmn voice and a Chinese Piper voice while the word timeline
keeps the written words, the piece bounds counting a Chinese character as a syllable, tags inside Chinese text, and
the issue's bad input: traditional characters, full-width forms, mixed scripts, emoji, only punctuation, characters
the voice has no reading for."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bridge.director import script_of
from models.dialogue.tags import strip_tags
from models.errors import RequestError
from models.face.tags import parse_tags
from models.tts import (
    CJK_CHAR_WEIGHT,
    MAX_PIECE_CHARS,
    VoiceError,
    cut_point,
    split_for_streaming,
    text_length,
    words_of,
)
from models.tts.chinese_text import (
    integer,
    is_chinese_voice,
    readings,
    speakable,
    spoken_words,
    syllable_weights,
)
from models.tts.espeak_voice import EspeakSettings, EspeakVoice, espeak_segment, phonemize, sayable

CMN = EspeakSettings("cmn")


@pytest.mark.parametrize(("written", "said"), [
    # Prices: ¥ ￥ $ before, 元 块 after; 2 is 两 before a measure word.
    ("只要¥129", "只要一百二十九元"),
    ("只要￥129.5", "只要一百二十九点五元"),
    ("现在129元", "现在一百二十九元"),
    ("才2块钱", "才两块钱"),
    ("只要$5", "只要五美元"),
    ("价格 ¥ 1,299", "价格 一千二百九十九元"),
    ("一共2000元", "一共两千元"),
    # Integers: 万/亿 groups, 零 for a gap, 十 for 10-19, decimals with 点.
    ("有105人", "有一百零五人"),
    ("有1005件", "有一千零五件"),
    ("库存10万", "库存十万"),
    ("还有100010个", "还有十万零一十个"),
    ("第12名", "第十二名"),
    ("重0.35公斤", "重零点三五公斤"),
    ("300000000人", "三亿人"),
    # Percent, negative, ranges, ordinals, 两.
    ("打折50%", "打折百分之五十"),
    ("涨了3.5%", "涨了百分之三点五"),
    ("气温-5度", "气温负五度"),
    ("重12-38公斤", "重十二到三十八公斤"),
    ("要3~5天", "要三到五天"),
    ("第3个", "第三个"),
    ("买2个", "买两个"),
    ("2位客人", "两位客人"),
    ("2月2日", "二月二日"),
    ("2千块", "两千块"),
    ("2年级", "二年级"),
    ("1/2杯水", "二分之一杯水"),
    # Dates and clock times.
    ("2026年上市", "二零二六年上市"),
    ("90年代", "九十年代"),
    ("2024-03-08开业", "二零二四年三月八日开业"),
    ("15:05开始", "十五点零五分开始"),
    ("3:30见", "三点三十分见"),
    ("2:00整", "两点整整"),
    ("10:00:05结束", "十点零分零五秒结束"),
    ("营业12:30-14:00", "营业十二点三十分到十四点整"),
    ("活动2024-03-08~2024-03-10", "活动二零二四年三月八日到二零二四年三月十日"),
    # Phone and order numbers digit by digit, 1 as 幺; a leading zero is a code.
    ("电话13812345678", "电话幺三八幺二三四五六七八"),
    ("热线400-812-3456", "热线四零零八幺二三四五六"),
    ("007号", "零零七号"),
    # Full-width digits, letters and signs in their ASCII forms; full-width punctuation stays.
    ("１２９元，好！", "一百二十九元，好！"),
    ("５０％", "百分之五十"),
    ("１５：０５开始", "十五点零五分开始"),
    ("ＡＢＣ套餐", "ABC套餐"),
    # Names with digits stay whole; emoji are not said.
    ("iPhone15手机", "iPhone15手机"),
    ("MP3播放器", "MP3播放器"),
    ("你好😀👍🏻", "你好"),
])
def test_numbers_prices_dates_and_times_are_read_the_chinese_way(written: str, said: str) -> None:
    assert speakable(written) == said


def test_english_text_is_untouched() -> None:
    for line in ("It costs $5 at 3:30, call 5551234567.", "2026 was 50% better: -5 to 12-38 kg.", "Hello 😀"):
        assert speakable(line) == line and readings(line) == [readings(line)[0]]


def test_integers_follow_the_zero_and_ten_rules() -> None:
    assert [integer(n) for n in (0, 10, 15, 20, 100, 101, 110, 1010, 10001, 20000, 2_0000_0000, 1_0000_0001)] == [
        "零", "十", "十五", "二十", "一百", "一百零一", "一百一十", "一千零一十", "一万零一", "两万", "两亿",
        "一亿零一"]
    assert integer(-12) == "负十二" and integer(2) == "二" and integer(12000) == "一万两千"


def test_written_words_are_weighed_by_their_spoken_syllables() -> None:
    assert syllable_weights("今天的价格是¥129，2026年上市。") == [
        ("今天", 2.0), ("的", 1.0), ("价格", 2.0), ("是", 1.0), ("129", 6.0), ("2026", 4.0), ("年", 1.0),
        ("上市", 2.0)]
    # English words weigh their length, as the voices spread them before.
    assert syllable_weights("Hello big world") == [("Hello", 5.0), ("big", 3.0), ("world", 5.0)]
    assert syllable_weights("𠮷野家", unsaid="𠮷")[0] == ("𠮷", 0.0)


def test_each_written_word_has_what_is_said_for_it() -> None:
    assert spoken_words("只要¥129，15:05开始") == [
        ("只要", "只要"), ("129", "一百二十九元"), ("15", "十五点零五分"), ("05", ""), ("开始", "开始")]
    assert spoken_words("今天-5度") == [("今天", "今天"), ("5", "负五"), ("度", "度")]
    assert spoken_words("Hello 25") == [("Hello", "Hello"), ("25", "25")]
    # Phonemes by word (what recordings are aligned with) follow: 129 gets 一百二十九元's, 𠮷 none.
    said = dict(phonemize("只要¥129", "cmn"))
    unstressed = [p.lstrip("ˈˌ") for _, w in phonemize("一百二十九元", "cmn") for p in w]
    assert [p.lstrip("ˈˌ") for p in said["129"]] == unstressed
    assert dict(phonemize("𠮷野家", "cmn"))["𠮷"] == []
    assert dict(phonemize("Bob's 25 maps."))["25"][:2] == ["t", "w"]  # English as before: twenty-five


def test_the_cmn_voice_says_the_number_of_a_price_line() -> None:
    written = espeak_segment("这款只要¥129。", CMN)
    spelled = espeak_segment("这款只要一百二十九元。", CMN)
    phonemes = [p.phoneme for p in written.phonemes]
    assert phonemes == [p.phoneme for p in spelled.phonemes]
    # 一 百 (p ai) 二 十 九 (tɕ iou) 元 (j yæ n): the syllables of the number, then the unit.
    said = phonemize("一百二十九元", "cmn")
    assert [p for _, word in said for p in word] and "p" in phonemes and "tɕ" in phonemes
    # Alone, espeak-ng reads 2026年 as 二千零二十六年: the year is said digit by digit.
    year = [p for _, w in phonemize("2026年", "cmn") for p in w]
    assert year == [p for _, w in phonemize("二零二六年", "cmn") for p in w]
    assert year != [p for _, w in phonemize("二千零二十六年", "cmn") for p in w]


def test_word_timelines_keep_the_written_words_timed_by_their_syllables() -> None:
    segment = espeak_segment("这款只要¥129。", CMN)
    assert [w.word for w in segment.words] == words_of("这款只要¥129。") == ["这", "款", "只要", "129"]
    assert segment.words[0].start == 0.0 and segment.words[-1].end == pytest.approx(segment.duration)
    # Each word starts at its first syllable: 只要 at the zh (ts.) of 只, after the zh of 这; 129 (said
    # 一百二十九元) at the j of 一, after the j of 要, and it lasts its six syllables to the end.
    phonemes = [(p.phoneme, p.start) for p in segment.phonemes]
    starts = {w.word: w.start for w in segment.words}
    assert starts["只要"] == [t for p, t in phonemes if p == "ts."][1]
    assert starts["129"] == [t for p, t in phonemes if p == "j"][1]


def test_a_chinese_piper_voice_says_the_normalized_text(tmp_path: Path) -> None:
    # The bundled model with its espeak-ng voice set to cmn: what a zh_CN Piper voice's config says. The audio is
    # not Mandarin (the model is English), the text path is the one a zh_CN voice takes.
    from models.tts.piper_voice import PiperTTS, default_voice_paths

    model, config = default_voice_paths()
    settings = json.loads(Path(config).read_text())
    settings["espeak"]["voice"] = "cmn"
    (tmp_path / "zh.onnx.json").write_text(json.dumps(settings))
    voice = PiperTTS(model, tmp_path / "zh.onnx.json", device="cpu")
    assert voice.chinese and not PiperTTS(device="cpu").chinese
    segments = list(voice.synthesize("2026年上市。"))
    assert [w.word for s in segments for w in s.words] == ["2026", "年", "上市"]
    words = segments[0].words
    assert words[0].end - words[0].start == pytest.approx(4 * (words[1].end - words[1].start), rel=0.01)
    assert is_chinese_voice("cmn+f3") and is_chinese_voice("zh_CN") and not is_chinese_voice("en-us")


def test_chinese_pieces_count_a_character_as_a_syllable() -> None:
    assert text_length("你好 ok") == 2 * CJK_CHAR_WEIGHT + 3 and text_length("Hello") == 5
    line = "今天给大家带来一款非常好用的保温杯，" * 12
    pieces = split_for_streaming(line)
    assert "".join(pieces) == line and all(text_length(p) <= MAX_PIECE_CHARS for p in pieces)
    assert len(pieces) > 1 and max(len(p) for p in pieces) <= MAX_PIECE_CHARS // CJK_CHAR_WEIGHT
    # English pieces as before: up to MAX_PIECE_CHARS characters.
    english = "We ski and we skate, " * 30
    assert max(len(p) for p in split_for_streaming(english)) > MAX_PIECE_CHARS - 25


def test_tags_inside_chinese_text_leave_no_space() -> None:
    assert strip_tags("你好[happy]朋友") == "你好朋友"
    assert strip_tags("你好，[happy] 朋友<wave>！") == "你好，朋友！"
    assert parse_tags("你好[happy]朋友").text == "你好朋友"
    assert strip_tags("Hello [happy] world , ok") == "Hello world, ok"
    assert strip_tags("[happy]你好 Tom，很高兴") == "你好 Tom，很高兴"


def test_traditional_full_width_and_mixed_script_lines_are_spoken() -> None:
    for line in ("這個產品非常漂亮，只要９９元。", "这款iPhone 15只要¥5999！"):
        segment = espeak_segment(line, CMN)
        assert segment.duration > 1.0 and sum(p.viseme != "sil" for p in segment.phonemes) > 10
        assert [w.word for w in segment.words] == words_of(line)
    assert sayable("這個產品", "cmn") == ("這個產品", "")


def test_emoji_are_not_said_and_stay_in_the_written_text() -> None:
    with_emoji, plain = espeak_segment("你好😀！", CMN), espeak_segment("你好！", CMN)
    assert [p.phoneme for p in with_emoji.phonemes] == [p.phoneme for p in plain.phonemes]
    assert with_emoji.text == "你好😀！" and [w.word for w in with_emoji.words] == ["你好"]


@pytest.mark.parametrize("text", ["。。。", "！！", "？！…", "😀😀", "[happy]。"])
def test_a_line_of_only_punctuation_is_refused_naming_the_field(text: str) -> None:
    with pytest.raises(RequestError) as error:
        script_of(text)
    assert (error.value.code, error.value.field) == ("empty", "text")


def test_characters_the_voice_cannot_say_are_left_out_with_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    assert words_of("𠮷野家的牛肉饭") == ["𠮷", "野家", "的", "牛肉", "饭"]  # U+20BB7 (extension B) is Chinese
    assert cut_point("𠮷𠮷𠮷𠮷𠮷", 3 * CJK_CHAR_WEIGHT) == 2
    with caplog.at_level(logging.WARNING):
        said, unsaid = sayable("𠮷野家只要¥25", "cmn")
    assert (said, unsaid) == ("野家只要二十五元", "𠮷") and "cannot say" in caplog.text
    segment = espeak_segment("𠮷野家只要¥25。", CMN)
    assert [p.phoneme for p in segment.phonemes] == [p.phoneme for p in espeak_segment("野家只要¥25。", CMN).phonemes]
    assert segment.words[0].word == "𠮷" and segment.words[0].end == segment.words[0].start
    # Letters of scripts other than Chinese and Latin would be spelled out ("Japanese letter", "Cyrillic P"):
    # left out too; Latin letters, accented or full-width, are said.
    assert sayable("こんにちは，你好", "cmn") == ("，你好", "こんにちは")
    assert sayable("привет", "cmn") == ("", "привет") and sayable("привет", "en-us") == ("привет", "")
    assert sayable("ñandú ＡＢＣ套餐", "cmn") == ("ñandú ABC套餐", "")
    weights = syllable_weights("こんにちは，你好", unsaid="こんにちは")
    assert weights == [("こんにちは", 0.0), ("你好", 2.0)]
    # A sentence of nothing else is left out; a line of nothing else is an error, never a silent take.
    voice = EspeakVoice(CMN)
    assert [s.text for s in voice.synthesize("𠮷！你好。")] == ["你好。"]
    with pytest.raises(VoiceError, match="no reading for '𠮷'"):
        list(voice.synthesize("𠮷！"))
    with pytest.raises(VoiceError, match="no reading for 'привет'"):
        list(voice.synthesize("привет!"))


def test_a_chinese_line_with_prices_tags_and_emoji_plays_end_to_end() -> None:
    from bridge.render import render_take

    voice = EspeakVoice(CMN)
    line = "[happy]这款保温杯只要¥129，买2个再送一个！😀"
    take = render_take(voice, line, frame_rate=30)
    # Subtitles and gesture timing get the written words (no emoji), over all of the audio.
    assert [w for w, _, _ in take.words] == words_of(strip_tags(line)) and "129" in [w for w, _, _ in take.words]
    assert take.words[0][1] == 0.0 and take.words[-1][2] == pytest.approx(take.duration, abs=0.05)
    assert take.phonemes[0][2] == 0.0 and take.phonemes[-1][3] == pytest.approx(take.duration, abs=0.05)
    assert [e["type"] for e in take.events if "error" in e["type"]] == []
    # A line whose only words the voice has no reading for ends its take with an error event naming them.
    failed = render_take(voice, "𠮷！", frame_rate=30)
    assert failed.duration == 0.0 and [e["code"] for e in failed.events if e["type"] == "error"] == [
        "synthesis_failed"]
    assert "no reading for '𠮷'" in next(e["error"] for e in failed.events if e["type"] == "take_ended")
