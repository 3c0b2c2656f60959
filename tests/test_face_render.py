"""A performing face, rendered offline on the virtual clock with the real voice: closures under emotions, no
flicker, emotions from their tag word on, loud versus quiet jaw, bounded head and eyes, faithful Live Link CSV."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from avatar_tools.contact_sheet import write_contact_sheet
from bridge.render import LIVELINK_CSV_HEADER, read_livelink_csv, render_take, write_take
from bridge.sinks.livelink import livelink_values
from models.face import quality
from models.face.arkit import INDEX, LIVELINK_NAMES
from models.face.emotion import EASE_S, LEAD_S, POSES
from models.face.life import EYE_DOWN_LIMIT, EYE_UP_LIMIT, EYE_YAW_LIMIT

SMILE = INDEX["mouthSmileLeft"]
VOWELS = {"aa", "E", "ih", "oh", "ou"}


def word_start(take, word: str) -> float:  # noqa: ANN001
    return next(s for w, s, _ in take.words if w == word)


@pytest.mark.parametrize("line", [
    "[surprised] Bob bought a maple pie by the bay!",
    "[happy] My mom made a blueberry muffin for baby Pam.",
    "[angry:0.8] Five very fine movies, please, before lunch.",
])
def test_closures_hold_under_every_emotion_and_nothing_flickers(voice, line: str) -> None:  # noqa: ANN001
    take = render_take(voice, line)
    checks = quality.contacts(take.frame_times, take.weights, take.phonemes)
    assert len(checks) >= 4
    assert all(c.reached for c in checks), [c for c in checks if not c.reached]
    assert quality.flickers(take.frame_times, take.weights) == []


def test_an_emotion_starts_at_its_tag_word_and_not_before(voice) -> None:  # noqa: ANN001
    take = render_take(voice, "Hello there, nice to meet you all. [happy] This is great news for everyone!")
    at = word_start(take, "This")
    smile = take.weights[:, SMILE]
    t = take.frame_times
    before = t < at - LEAD_S - 0.02
    after = (t > at - LEAD_S + EASE_S + 0.02) & (t < take.duration)
    assert smile[before].max() == 0.0
    assert smile[after].min() > 0.9 * POSES["happy"]["mouthSmileLeft"]
    assert np.abs(np.diff(smile)).max() < 0.08  # eased in, never a jump
    # After the take the face holds, then relaxes to neutral.
    assert take.events[-1]["type"] == "take_ended"


def test_intensity_scales_the_pose_and_neutral_tags_relax_it(voice) -> None:  # noqa: ANN001
    take = render_take(voice, "[sad:0.5] I missed the bus today, again. [neutral] Anyway, here we go.")
    brows = take.weights[:, INDEX["browInnerUp"]]
    t = take.frame_times
    sad_part = (t > 0.4) & (t < word_start(take, "Anyway") - LEAD_S)
    assert brows[sad_part].max() == pytest.approx(0.5 * POSES["sad"]["browInnerUp"], abs=0.02)
    assert brows[(t > word_start(take, "Anyway") + EASE_S) & (t < take.duration)].max() < 0.01


def test_shouting_opens_the_jaw_wider_than_murmuring(voice) -> None:  # noqa: ANN001
    line = "Come on, hop aboard the big boat today!"
    loud, quiet = render_take(voice, f"[excited] {line}"), render_take(voice, f"[sad] {line}")
    assert np.abs(loud.audio).max() > 1.5 * np.abs(quiet.audio).max()  # the voice agrees with the face

    def vowel_jaw(take) -> float:  # noqa: ANN001
        inside = [(take.frame_times >= s) & (take.frame_times < e) for _, v, s, e in take.phonemes if v in VOWELS]
        return float(np.mean([take.weights[m, INDEX["jawOpen"]].max() for m in inside if m.any()]))

    assert vowel_jaw(loud) > 1.25 * vowel_jaw(quiet)


def test_head_and_eyes_move_and_stay_bounded(voice) -> None:  # noqa: ANN001
    take = render_take(voice, "[thinking] Hmm, where did I put it? [excited] Oh, there it is, right here!")
    assert np.degrees(np.abs(take.head)).max() < 15.0
    assert np.ptp(take.head[:, 1]) > math.radians(1.0)  # nods and breathing move the pitch
    assert take.head[:, 2].max() > math.radians(3.0)  # the question (and the thought) tilt the head
    yaw, pitch = take.eyes[:, 0::2], take.eyes[:, 1::2]
    assert np.abs(yaw).max() <= EYE_YAW_LIMIT + 1e-6
    assert pitch.min() >= -EYE_UP_LIMIT - 1e-6 and pitch.max() <= EYE_DOWN_LIMIT + 1e-6
    thinking = take.frame_times < word_start(take, "Oh") - 0.5
    assert np.degrees(take.eyes[thinking, 0]).max() > 5.0  # thought looks aside


def test_render_writes_a_faithful_livelink_csv_and_a_contact_sheet(voice, tmp_path: Path) -> None:  # noqa: ANN001
    take = render_take(voice, "[happy] Bob, is it five past nine?")
    write_take(take, tmp_path)
    assert (tmp_path / "take.livelink.csv").read_text().split("\n", 1)[0] == ",".join(LIVELINK_CSV_HEADER)
    times, values = read_livelink_csv(tmp_path / "take.livelink.csv")  # by column name, in the packet's order
    assert times == pytest.approx(take.frame_times, abs=1e-5)
    for row, w, head, eyes in zip(values, take.weights, take.head, take.eyes, strict=True):
        expected = livelink_values(w.tolist(), head.tolist(), eyes.tolist())
        assert list(row) == pytest.approx(expected, abs=1e-6)
    assert np.abs(values[:, 52:]).max() <= 1.0 and np.abs(values[:, 52:]).max() > 0.0  # degrees / 180, and moving
    assert values[:, LIVELINK_NAMES.index("LeftEyeRoll")].max() == 0.0
    sheet = write_contact_sheet(take, tmp_path / "take.png")
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and sheet.stat().st_size > 20_000


def test_literal_text_keeps_its_brackets_and_bad_tags_are_refused(voice) -> None:  # noqa: ANN001
    from models.face.tags import TagError

    take = render_take(voice, "Press [Enter] now.", literal=True)
    assert take.events[0]["text"] == "Press [Enter] now."
    with pytest.raises(TagError, match="character 6"):
        render_take(voice, "Press [Enter] now.")


def test_a_mandarin_contact_sheet_draws_its_chinese_words(tmp_path: Path) -> None:
    import warnings

    from avatar_tools.contact_sheet import CJK_FONTS, font_family
    from models.tts.espeak_voice import EspeakSettings, EspeakVoice

    if len(font_family()) == 1:
        pytest.skip(f"no CJK font installed (one of {CJK_FONTS}; Debian: fonts-wqy-microhei, `make deps`)")
    take = render_take(EspeakVoice(EspeakSettings(voice="cmn")), "[happy]欢迎来到直播间！")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph … missing from font(s)" for a box it draws
        sheet = write_contact_sheet(take, tmp_path / "take.png")
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
