"""The README's and the docs' commands work as written: each `avatar-bridge ...` line of their code blocks runs
against a real sidecar (the fixture is the `serve`; a `serve` line must parse, `make` lines are skipped) and exits
0, their chat examples are answered, and each `python -m MODULE` line names a module whose --help works."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bridge.cli import build_parser
from bridge.client import BridgeClient
from models.dialogue.show import load_rundown
from models.face.rigs import load_profile
from tests.conftest import RunningSidecar, start_sidecar, stop_sidecar

ROOT = Path(__file__).resolve().parents[1]
PERSONA = ROOT / "models" / "dialogue" / "data" / "default_persona.yaml"
PROGRAMS = ("avatar-bridge", ".venv/bin/avatar-bridge")
PYTHONS = ("python", "python3", ".venv/bin/python")
#: Where the commands are, in the order they run (one sidecar: a doc's commands may build on the ones before).
DOCUMENTS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
#: Morph-name files the docs' examples name as the user's own, made by the test: a rig with every morph of the
#: profile the example checks it against.
USER_FILES = {"my_rig_morphs.txt": "arkit", "my_face_curves.txt": "livelink"}
#: What an answer that found nothing in the persona says: the persona's own phrases for it, and the words an LLM
#: would use.
PERSONA_DOCUMENT = yaml.safe_load(PERSONA.read_text())
DONT_KNOW_PHRASES = [*PERSONA_DOCUMENT["phrases"]["unknown"], *PERSONA_DOCUMENT["phrases"]["partial"]]
DONT_KNOW = re.compile(r"\b(?:don['’]?t|do not|doesn['’]?t) know\b|\bno idea\b|\bnot sure\b|\boutside what I know\b",
                       re.IGNORECASE)


def code_blocks(markdown: str) -> Iterator[str]:
    """The text of every fenced and every indented (4 spaces, after a blank line) code block."""
    yield from re.findall(r"^```[^\n]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)
    yield from re.findall(r"(?:^|\n\n)((?:(?: {4}|\t)[^\n]*\n?)+)", markdown)


def command_lines(document: Path, programs: tuple[str, ...]) -> list[list[str]]:
    """Each command line of `programs` in the document's code blocks, its arguments split as a shell would (a
    leading `$ ` prompt and its comment dropped), in order."""
    commands = []
    for block in code_blocks(document.read_text()):
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            if line.split(maxsplit=1)[:1] and line.split(maxsplit=1)[0] in programs:
                commands.append(shlex.split(line, comments=True))
    return commands


def readme_commands() -> list[list[str]]:
    """The avatar-bridge commands of the README and the docs, in order, but `serve` (the fixture is the serve)."""
    return [words[1:] for document in DOCUMENTS for words in command_lines(document, PROGRAMS)
            if words[1:2] != ["serve"]]


COMMANDS = readme_commands()
SERVE_COMMANDS = [words[1:] for document in DOCUMENTS for words in command_lines(document, PROGRAMS)
                  if words[1:2] == ["serve"]]
MODULES = sorted({words[words.index("-m") + 1] for document in DOCUMENTS for words in command_lines(document, PYTHONS)
                  if "-m" in words[:-1]})


def talks_to_the_sidecar(args: list[str]) -> bool:
    """Whether the command takes --control (a client of the running sidecar) rather than working offline."""
    subcommand = build_parser()._subparsers._group_actions[0].choices[args[0]]  # type: ignore[union-attr]
    return any("--control" in action.option_strings for action in subcommand._actions)


def opening_of(rundown: Path, tmp_path: Path) -> Path:
    """The README's rundown cut to its first segment, beside it in tmp_path: the whole sample show (eight minutes
    of show time) takes minutes of synthesis on a CPU; the cut one runs the same command in seconds. The whole
    file must still load."""
    load_rundown(rundown)
    document = yaml.safe_load(rundown.read_text())
    opening = tmp_path / rundown.name
    opening.write_text(yaml.safe_dump({**document, "segments": document["segments"][:1]}))
    return opening


def as_test_runs(args: list[str], sidecar: RunningSidecar | None, tmp_path: Path) -> list[str]:
    """The README's command as this test runs it: this interpreter, the test sidecar's endpoints (None: an
    offline command), outputs in tmp_path, a rehearsed show cut to its opening and a live `monitor` bounded."""
    args = list(args)
    for flag in ("-o", "--output"):
        if flag in args:
            at = args.index(flag) + 1
            args[at] = str(tmp_path / args[at])
    if "--show" in args:
        at = args.index("--show") + 1
        args[at] = str(opening_of(ROOT / args[at], tmp_path))
    if args[0] == "monitor" and "--duration" not in args:
        args += ["--duration", "1"]
    for i, arg in enumerate(args):
        if arg in USER_FILES:
            (tmp_path / arg).write_text("\n".join(morph for _, _, morph in load_profile(USER_FILES[arg]).morphs()))
            args[i] = str(tmp_path / arg)
    if sidecar is not None:
        args += ["--control", sidecar.control, "--stream", sidecar.stream]
    return [sys.executable, "-m", "bridge.cli", *args]


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, ...], subprocess.Popen]]:
    """The offline commands (render, rig, config), started at once in the background once the sidecar is up (the
    tests ask for it first), while the client commands run: each loads its own voice, and one after the other
    they would double the test's time."""
    runs = {tuple(args): subprocess.Popen(as_test_runs(args, None, tmp_path_factory.mktemp("offline")), cwd=ROOT,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for args in COMMANDS if not talks_to_the_sidecar(args)}
    yield runs
    for process in runs.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSidecar]:
    running = start_sidecar(tmp_path_factory.mktemp("readme"), timeout=120)
    try:
        with BridgeClient(running.control, running.stream, timeout=10) as client:
            deadline = time.monotonic() + 60  # the chat answers `not_ready` until the dialogue engine loads
            while not client.describe()["dialogue"]["ready"]:
                assert time.monotonic() < deadline, "the dialogue engine did not load"
                time.sleep(0.2)
        yield running
    finally:
        stop_sidecar(running)


def test_the_readme_has_its_commands() -> None:
    assert {args[0] for args in COMMANDS} >= {"say", "chat", "gesture", "look-at", "describe", "monitor", "render"}


@pytest.mark.parametrize("args", SERVE_COMMANDS, ids=[" ".join(args) for args in SERVE_COMMANDS])
def test_docs_serve_command_parses(args: list[str]) -> None:
    # Each would start a sidecar of its own (the fixture is one): its options must at least be serve's.
    build_parser().parse_args(args)


@pytest.mark.parametrize("module", MODULES)
def test_docs_python_module_has_help(module: str) -> None:
    result = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0 and "usage" in result.stdout.lower(), result.stderr


def chat_answer(reply: dict, sidecar: RunningSidecar) -> tuple[str, list[dict]]:
    """The answer's text and products: in the reply when the host answered at once, else from its `chat` event."""
    if reply["status"] == "answering" and reply.get("text"):
        return reply["text"], reply["products"]
    assert reply["status"] in ("answering", "queued"), reply
    with BridgeClient(sidecar.control, sidecar.stream, timeout=10) as client:
        client.subscribe(kinds=["event"])
        for message, _ in client.stream(timeout=30, kinds=["event"]):
            if message.type == "chat" and message.data["queue_id"] == reply["queue_id"]:
                return message.data["text"], message.data["products"]
    raise AssertionError(f"no chat event for {reply['queue_id']}")


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(args) for args in COMMANDS])
def test_readme_command_runs(args: list[str], sidecar: RunningSidecar,
                             offline: dict[tuple[str, ...], subprocess.Popen], tmp_path: Path) -> None:
    if tuple(args) in offline:
        stdout, stderr = offline[tuple(args)].communicate(timeout=120)
        returncode = offline[tuple(args)].returncode
    else:
        if args[0] == "chat":
            with BridgeClient(sidecar.control, sidecar.stream, timeout=10) as client:
                client.interrupt()  # the README's lines before it may still be speaking: answer now, not queued
        result = subprocess.run(as_test_runs(args, sidecar, tmp_path), cwd=ROOT, capture_output=True, text=True,
                                timeout=60)
        stdout, stderr, returncode = result.stdout, result.stderr, result.returncode
    assert returncode == 0, f"{shlex.join(args)} exited {returncode}:\n{stderr}"
    if args[0] == "chat":
        text, products = chat_answer(json.loads(stdout), sidecar)
        unanswered = DONT_KNOW.search(text) or any(phrase in text for phrase in DONT_KNOW_PHRASES)
        assert not unanswered, f"the README's question is not answered from the persona: {text!r}"
        sold = {p["name"] for p in PERSONA_DOCUMENT["knowledge"]["products"]}
        assert products and products[0]["name"] in sold and products[0]["name"] in text
