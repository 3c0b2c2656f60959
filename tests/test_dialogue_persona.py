"""Persona files: the shipped sample, and errors that name file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.dialogue.persona import default_persona_path, load_default_persona, load_persona, parse_persona
from models.dialogue.spec import SpecError
from models.tts import VoiceStyle

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEXT = default_persona_path().read_text(encoding="utf-8")


def test_default_persona_is_complete() -> None:
    persona = load_default_persona()
    assert persona.name == "Aurora" and persona.age == 22 and persona.default_emotion == "happy"
    assert len(persona.knowledge.fun_facts) >= 15 and len(persona.knowledge.products) >= 5
    assert all(f.source for f in persona.knowledge.fun_facts)  # every fact says where it was checked
    assert [p.price_text for p in persona.knowledge.products][:2] == ["$24", "$29.99"]
    assert persona.voice.style() == VoiceStyle(0.95, 0.7, None, 1.0)
    assert persona.phrase("injection", 0) == "Nice try! I'm still Aurora, your winter sports host."
    assert {t.name for t in persona.forbidden_topics} >= {"politics", "religion", "betting"}


def test_examples_copy_is_the_package_copy() -> None:
    # One source of truth: the package ships the file (wheels cannot carry a symlink); examples/ is a copy.
    assert (ROOT / "examples/personas/default.yaml").read_text(encoding="utf-8") == DEFAULT_TEXT


def _error(text: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        parse_persona(text, "p.yaml")
    return info.value


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("old,new,field,message", [
    ("    - id: snowflake-beanie\n      name: Snowflake Knit Beanie\n      price: 24.00",
     "    - id: snowflake-beanie\n      name: Snowflake Knit Beanie\n      price: cheap",
     "knowledge.products[0].price", "must be a number"),
    ("      currency: USD\n      description: \"A soft", "      currency: usd\n      description: \"A soft",
     "knowledge.products[1].currency", "ISO 4217"),
    ("stock_link: https://shop.example.com/products/team-hoodie", "stock_link: shop/team-hoodie",
     "knowledge.products[2].stock_link", "http(s) URL"),
    ("default_emotion: happy", "default_emotion: ecstatic", "default_emotion", "unknown value 'ecstatic'"),
    ("    - id: returns\n", "    - id: shipping\n", "knowledge.faqs[1].id", "duplicate id 'shipping'"),
    ("  injection:\n    - \"Nice try! I'm still {name}", "  injection:\n    - \"Nice try! I'm still {nam}",
     "phrases.injection[0]", "unknown placeholder {nam}"),
    ("    - \"Oh no, I'm so sorry to hear that.\"", "    - \"[weepy] Oh no, I'm so sorry to hear that.\"",
     "phrases.sympathy[0]", "unknown emotion 'weepy'"),
    ("length_scale: 0.95", "length_scale: -1", "voice.length_scale", "must be > 0.0"),
    ("age: 22", "age: 22\nmood: great", "mood", "unknown field"),
])
def test_errors_name_line_and_field(old: str, new: str, field: str, message: str) -> None:
    assert old in DEFAULT_TEXT
    text = DEFAULT_TEXT.replace(old, new, 1)
    error = _error(text)
    assert error.field == field and message in error.message
    changed = next(i for i, line in enumerate(new.splitlines()) if line not in old.splitlines())
    assert error.line == DEFAULT_TEXT[: DEFAULT_TEXT.index(old)].count("\n") + 1 + changed
    assert str(error).startswith(f"p.yaml:{error.line}: {field}: ")


def test_missing_required_field_points_at_its_mapping() -> None:
    text = DEFAULT_TEXT.replace("      name: Thermal Bottle\n", "")
    error = _error(text)
    assert error.field == "knowledge.products[4].name" and error.message == "is required"
    assert error.line == _line_of(text, "- id: thermal-bottle")


def test_missing_phrase_kind() -> None:
    text = DEFAULT_TEXT.replace("  catalogue:\n    - \"Here's what's in the official store right now.\"\n", "")
    assert _error(text).field == "phrases.catalogue"


def test_yaml_syntax_and_file_errors(tmp_path: Path) -> None:
    error = _error("name: Aurora\nbio: [unclosed\nage: 3\n")
    assert error.line >= 2 and "invalid YAML" in error.message
    assert _error("").message == "persona file is empty"
    assert "must be a mapping" in _error("- just\n- a list\n").message
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"name: A\n\xff\xfe\x00garbage")
    with pytest.raises(SpecError, match=r"bin.yaml:2: persona file is not UTF-8"):
        load_persona(binary)
    with pytest.raises(SpecError, match="cannot read persona file"):
        load_persona(tmp_path / "missing.yaml")
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"#" * (3 * 1024 * 1024))
    with pytest.raises(SpecError, match="the limit is"):
        load_persona(huge)


def test_voice_model_path_is_checked_relative_to_the_persona(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(DEFAULT_TEXT.replace("model: null", "model: voices/missing.onnx"), encoding="utf-8")
    with pytest.raises(SpecError, match=r"voice.model: voice model .*voices/missing.onnx not found"):
        load_persona(path)
