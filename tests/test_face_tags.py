"""The inline tag parser: clean text, marks at word indices, and errors with the tag's position."""

from __future__ import annotations

import pytest

from models.face.tags import Mark, TagError, parse_tags, voice_runs


def test_tags_become_marks_at_the_word_that_follows() -> None:
    script = parse_tags("[happy] Hi everyone! [sad:0.6] I lost my keys <wipe_tears> today.")
    assert script.text == "Hi everyone! I lost my keys today."
    assert script.words == ["Hi", "everyone", "I", "lost", "my", "keys", "today"]
    assert script.marks == (
        Mark("emotion", "happy", 0, 0, 1.0),
        Mark("emotion", "sad", 2, 21, 0.6),
        Mark("gesture", "wipe_tears", 6, 46),
    )


def test_names_are_case_insensitive_and_spaces_inside_are_allowed() -> None:
    script = parse_tags("Wow [ Surprised : .5 ] that is < Thumbs_Up > great [EXCITED]")
    assert script.text == "Wow that is great"
    assert [(m.kind, m.name, m.word, m.intensity) for m in script.marks] == [
        ("emotion", "surprised", 1, 0.5), ("gesture", "thumbs_up", 3, 1.0), ("emotion", "excited", 4, 1.0)]


def test_a_tag_after_the_last_word_takes_effect_at_the_end() -> None:
    script = parse_tags("See you soon. [happy]")
    assert script.text == "See you soon."
    assert script.marks[0].word == len(script.words) == 3


def test_text_without_tags_is_unchanged_apart_from_spaces() -> None:
    assert parse_tags("  Hello,   world!  ").text == "Hello, world!"
    assert parse_tags("Hello, world!").marks == ()


@pytest.mark.parametrize(("text", "code", "position"), [
    ("Hi [happy", "bad_tag", 3),
    ("Hi [] there", "bad_tag", 3),
    ("Price < 5 dollars", "bad_tag", 6),
    ("one ] two", "bad_tag", 4),
    ("Hi [happy:lots]", "bad_tag", 3),
    ("Hi [happy:0.5:2]", "bad_tag", 3),
    ("So [grumpy] today", "unknown_emotion", 3),
    ("So [sad:1.5] today", "out_of_range", 3),
    ("So [sad:-0.2] today", "bad_tag", 3),
    ("Look <moonwalk> here", "unknown_gesture", 5),
])
def test_bad_tags_are_rejected_with_their_position(text: str, code: str, position: int) -> None:
    with pytest.raises(TagError) as error:
        parse_tags(text, gestures={"wave", "thumbs_up"})
    assert error.value.code == code
    assert error.value.position == position
    assert f"character {position}" in str(error.value)


def test_error_messages_name_the_limits() -> None:
    with pytest.raises(TagError, match="between 0 and 1, got 1.5"):
        parse_tags("[sad:1.5] no")
    with pytest.raises(TagError, match="known: neutral, happy"):
        parse_tags("[grumpy] no")
    with pytest.raises(TagError, match="known: none are loaded"):
        parse_tags("<wave> hi", gestures=())


def test_any_gesture_name_passes_when_no_set_is_given() -> None:
    assert parse_tags("<moonwalk> ok").marks[0].name == "moonwalk"


def test_voice_runs_follow_the_emotion_at_each_sentence_start() -> None:
    script = parse_tags("[happy] Hello there! Nice to see you. I am [sad:0.5] sorry about the rain. "
                        "It will pass. [excited] Let's go!")
    runs = voice_runs(script, "neutral")
    assert [(r.text, r.emotion, r.intensity, r.first_word) for r in runs] == [
        # The tag inside the third sentence moves its face at once, the voice from the next sentence on.
        ("Hello there! Nice to see you. I am sorry about the rain.", "happy", 1.0, 0),
        ("It will pass.", "sad", 0.5, 12),
        ("Let's go!", "excited", 1.0, 15),
    ]
    assert voice_runs(parse_tags("Just words. More words."), "thinking")[0].emotion == "thinking"
