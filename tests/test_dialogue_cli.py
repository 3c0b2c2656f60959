"""The command line: `render --show` rehearses a rundown; `serve --persona` refuses a bad persona file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bridge.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_render_show_writes_the_timing_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rundown = tmp_path / "show.yaml"
    rundown.write_text("title: Short show\nsegments:\n"
                       "  - {id: hello, type: line, text: \"[happy] <wave> Hello everyone!\"}\n"
                       "  - {id: hat, type: product, product: snowflake-beanie}\n"
                       "  - {id: qa, type: qa, questions: 1, rehearsal_questions: [\"How thick is a hockey puck?\"]}\n")
    assert main(["render", "--show", str(rundown), "-o", str(tmp_path / "out"), "--fps", "25"]) == 0
    out = capsys.readouterr()
    assert "show.wav" in out.out and "Short show" in out.err and "hat" in out.err
    report = json.loads((tmp_path / "out" / "show.json").read_text())
    assert [s["id"] for s in report["segments"]] == ["hello", "hat", "qa"]
    assert report["finished"] and report["duration"] == pytest.approx(report["segments"][-1]["end"], abs=0.05)
    assert "one inch thick" in report["segments"][2]["said"]


def test_render_show_reports_a_bad_rundown_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rundown = tmp_path / "bad.yaml"
    rundown.write_text("title: Bad\nsegments:\n  - id: x\n    type: product\n    product: nope\n")
    assert main(["render", "--show", str(rundown), "-o", str(tmp_path / "out")]) == 2
    assert f"{rundown}:5: segments[0].product: no product 'nope'" in capsys.readouterr().err


def test_serve_refuses_a_bad_persona(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    persona = tmp_path / "persona.yaml"
    persona.write_text("name: X\nbio: y\nspeaking_style: z\ndefault_emotion: grumpy\n")
    assert main(["serve", "--persona", str(persona), "--control", "tcp://127.0.0.1:0",
                 "--stream", "tcp://127.0.0.1:0"]) == 2
    assert f"persona: {persona}:4: default_emotion: unknown value 'grumpy'" in capsys.readouterr().err
