"""Dialogue history after an interruption keeps only the words heard, from real word timings."""

from __future__ import annotations

import pytest

from models.dialogue.history import DialogueHistory, heard_words
from models.tts import WordSpan

WORDS = [WordSpan("Curling", 0.10, 0.52), WordSpan("stones", 0.52, 0.95), WordSpan("are", 0.95, 1.10),
         WordSpan("made", 1.10, 1.40), WordSpan("of", 1.40, 1.52), WordSpan("granite", 1.52, 2.10)]


@pytest.mark.parametrize("cut,heard", [(0.0, []), (0.45, []), (0.52, ["Curling"]), (1.2, ["Curling", "stones", "are"]),
                                       (1.40, ["Curling", "stones", "are", "made"]), (5.0, [w.word for w in WORDS])])
def test_heard_words_end_before_the_cut(cut: float, heard: list[str]) -> None:
    assert heard_words(WORDS, cut) == heard


def test_interrupted_turn_is_marked_and_feeds_the_prompt() -> None:
    history = DialogueHistory(max_turns=3)
    history.add_fan("ana", "what are curling stones made of?")
    turn = history.add_host_interrupted(WORDS, 1.2, "Curling stones are made of granite.")
    assert turn.interrupted and turn.text == "Curling stones are" and turn.planned.endswith("granite.")
    assert history.messages()[-1] == {"role": "assistant",
                                      "content": "Curling stones are [interrupted: the fans heard only this much]"}
    history.add_host_interrupted(WORDS, 0.0, "x")
    assert history.messages()[-1]["content"] == "[interrupted before any word]"
    history.add_fan("bo", "hi")
    assert len(history.turns) == 3 and history.turns[0].role == "host"  # oldest dropped


def test_out_of_order_timings_are_an_error() -> None:
    with pytest.raises(ValueError, match="order"):
        heard_words([WordSpan("b", 1.0, 1.2), WordSpan("a", 0.0, 0.5)], 2.0)


def test_messages_keep_one_fan_and_one_topic() -> None:
    history = DialogueHistory()
    history.add_fan("ana", "how much is the beanie?", ["snowflake-beanie"])
    history.add_host("It's $24.", "ana", ["snowflake-beanie"])
    history.add_fan("bo", "why are pucks frozen?", ["frozen-pucks"])
    history.add_host("So they bounce less.", "bo", ["frozen-pucks"])
    history.add_fan("ana", "hi!")
    history.add_host("Hi Ana!", "ana")
    assert [m["content"] for m in history.messages("ana", ["snowflake-beanie", "mascot-plush"])] == [
        "ana: how much is the beanie?", "It's $24."]
    assert history.messages("bo", ["snowflake-beanie"]) == []  # Ana's product is not Bo's conversation
    assert history.messages("ana", []) == []  # a question about nothing in the knowledge base starts afresh
    assert len(history.messages("ana")) == 4 and len(history.messages()) == 6
