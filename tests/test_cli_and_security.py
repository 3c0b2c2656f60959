"""The command line: help everywhere, safe binding by default, CurveZMQ when exposed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bridge.client import BridgeClient, CurveKeys
from bridge.config import ConfigError, SidecarConfig
from bridge.security import check_security, is_loopback
from tests.conftest import start_sidecar, stop_sidecar

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["serve", "say", "interrupt", "look-at", "chat", "queue", "show", "gesture", "dance", "describe", "monitor",
            "render", "rig", "config", "keys"]


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help(command: str | None) -> None:
    result = cli(*([command] if command else []), "--help")
    assert result.returncode == 0
    assert "usage: avatar-bridge" in result.stdout
    if command is None:
        assert all(c in result.stdout for c in COMMANDS)


@pytest.mark.parametrize(("endpoint", "loopback"), [
    ("tcp://127.0.0.1:5555", True), ("tcp://localhost:1", True), ("tcp://[::1]:5", True), ("ipc:///tmp/x", True),
    ("tcp://0.0.0.0:5555", False), ("tcp://*:5555", False), ("tcp://192.168.1.4:5555", False),
    ("tcp://eth0:5555", False),
])
def test_loopback_detection(endpoint: str, loopback: bool) -> None:
    assert is_loopback(endpoint) is loopback


def test_exposed_bind_needs_keys_or_insecure(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--curve-secret-key"):
        check_security(SidecarConfig(control="tcp://0.0.0.0:5555"))
    check_security(SidecarConfig(control="tcp://0.0.0.0:5555", insecure=True))
    with pytest.raises(ConfigError, match="not found"):
        check_security(SidecarConfig(control="tcp://0.0.0.0:5555", curve_secret_key=tmp_path / "nope"))
    result = cli("serve", "--control", "tcp://0.0.0.0:5999", "--stream", "tcp://0.0.0.0:6000")
    assert result.returncode == 2
    assert "refusing to bind" in result.stderr and "avatar-bridge keys" in result.stderr


def test_curve_encrypted_and_authenticated(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert cli("keys", str(keys)).returncode == 0
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "client.key").write_bytes((keys / "client.key").read_bytes())
    sidecar = start_sidecar(tmp_path, "--curve-secret-key", str(keys / "server.key_secret"),
                            "--curve-clients", str(allowed))
    try:
        with BridgeClient(sidecar.control, sidecar.stream, timeout=5,
                          curve=CurveKeys(keys / "server.key", keys / "client.key_secret")) as trusted:
            trusted.subscribe()
            assert trusted.describe()["ok"]
            trusted.say("Encrypted hello.")
            kinds = set()
            for message, _ in trusted.stream(timeout=3):
                kinds.add(message.KIND)
                if "audio" in kinds:
                    break
            assert {"face", "audio"} <= kinds
        with BridgeClient(sidecar.control, sidecar.stream, timeout=2) as plain, pytest.raises(TimeoutError):
            plain.describe()
        # A client with a valid key pair that is not on the allowed list is refused too.
        cli("keys", str(tmp_path / "stranger"))
        with BridgeClient(sidecar.control, sidecar.stream, timeout=2, curve=CurveKeys(
                keys / "server.key", tmp_path / "stranger" / "client.key_secret")) as stranger, \
                pytest.raises(TimeoutError):
            stranger.describe()
    finally:
        stop_sidecar(sidecar)


def test_say_without_a_sidecar_says_what_to_do() -> None:
    result = cli("say", "hello", "--control", "tcp://127.0.0.1:1", "--timeout", "0.5")
    assert result.returncode == 1
    assert "is the sidecar running" in result.stderr


def test_sigterm_stops_the_sidecar_cleanly_and_ends_its_takes_on_the_stream(tmp_path: Path) -> None:
    import json
    import time

    from bridge.protocol import Event

    sidecar = start_sidecar(tmp_path)
    with BridgeClient(sidecar.control, sidecar.stream, timeout=10) as client:
        client.subscribe(avatar="host")
        time.sleep(0.2)
        take = client.say("Goodbye for now. We will be back after a short break, so please stay with us.")
        for message, _ in client.stream(timeout=10):  # mid-take: synthesis and the tick are busy
            if isinstance(message, Event) and message.take == take and message.type == "take_started":
                break
        children = subprocess.run(["pgrep", "-P", str(sidecar.process.pid)], capture_output=True,
                                  text=True).stdout.split()
        assert children  # the beat tracker's worker process
        sidecar.process.terminate()
        ended = [m.type for m, _ in client.stream(timeout=5)
                 if isinstance(m, Event) and m.take == take and m.type in ("interrupted", "take_ended")]
    assert ended == ["interrupted"]  # the take is closed with an event every client hears
    assert sidecar.process.wait(timeout=20) == 0
    messages = [json.loads(line).get("msg") for line in sidecar.log().splitlines() if line.startswith("{")]
    # The take was cut on the way out (other lines, like a slow machine's late "dialogue loaded", may fall between).
    stop = [m for m in messages if m in ("stopping", "interrupted", "stopped")]
    assert stop[-3:] == ["stopping", "interrupted", "stopped"] and messages[-1] == "stopped", messages[-6:]
    assert "Traceback" not in sidecar.log() and "leaked" not in sidecar.log()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in children):  # the worker goes with the sidecar
        assert time.monotonic() < deadline, "a worker process outlived the sidecar"
        time.sleep(0.1)


@pytest.mark.parametrize(("args", "message"), [
    (["serve", "--fps", "500"], "error: --fps must be from 1 to 240 frames per second, got 500\n"),
    (["serve", "--fps", "nan"], "error: --fps must be from 1 to 240 frames per second, got nan\n"),
    (["serve", "--lookahead", "3"], "error: --lookahead must be from 0 to 2 seconds, got 3\n"),
    (["serve", "--lookahead", "-0.5"], "error: --lookahead must be from 0 to 2 seconds, got -0.5\n"),
    (["render", "Hi!", "-o", "unused", "--fps", "0"], "error: --fps must be from 1 to 240 frames per second, got 0\n"),
    (["render", "--show", "examples/shows/sample_show.yaml", "-o", "unused", "--fps", "1000"],
     "error: --fps must be from 1 to 240 frames per second, got 1000\n"),
])
def test_out_of_range_numbers_name_the_flag_and_range(args: list[str], message: str) -> None:
    result = cli(*args)
    assert (result.returncode, result.stderr) == (2, message)  # before any model loads: no traceback


@pytest.mark.parametrize("text", ["...", "?!", "[happy] <wave>"])
def test_render_refuses_a_text_with_no_word_to_speak(text: str, tmp_path: Path) -> None:
    result = cli("render", text, "-o", str(tmp_path / "out"))
    assert result.returncode == 2 and "nothing to speak" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_door_refuses_control_characters_and_wordless_lines_and_warns_of_unknown_fields(tmp_path: Path) -> None:
    import msgpack
    import zmq

    sidecar = start_sidecar(tmp_path)
    context = zmq.Context()
    control = context.socket(zmq.DEALER)
    control.linger = 0
    control.connect(sidecar.control)

    def ask(**request: object) -> dict:
        control.send(msgpack.packb(request, use_bin_type=True))
        assert control.poll(10_000), f"no reply to {request}"
        return msgpack.unpackb(control.recv(), raw=False)

    try:
        for op in ({"op": "say", "text": "Hello\x00 there."}, {"op": "chat", "user": "mia", "text": "Hello\x00"}):
            reply = ask(id=1, **op)
            assert reply["ok"] is False and (reply["error"]["code"], reply["error"]["field"]) == ("binary", "text")
        for text in ("...", "?!", "[happy] <wave>"):
            reply = ask(id=2, op="say", text=text)
            assert reply["ok"] is False and reply["error"]["field"] == "text"
            assert reply["error"]["code"] == "empty" and "nothing to speak" in reply["error"]["message"]
        reply = ask(id=3, op="say", text="Hi there.", emotoin="happy")
        assert reply["ok"] is True and reply["take"]
        assert reply["warnings"] == ["unknown field 'emotoin' ignored; known: text, avatar, emotion, literal"]
        assert "warnings" not in ask(id=4, op="say", text="Hi again.", emotion="happy")
    finally:
        control.close()
        context.term()
        stop_sidecar(sidecar)


def test_a_runs_preview_token_can_be_given_back_to_the_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """A printed token goes back into `serve --preview-token TOKEN` as it is: it never starts with "-"."""
    import secrets

    from bridge.cli import build_parser
    from bridge.preview.server import new_preview_token

    drawn = iter(["-leadingDashToken123456789", "okToken-123456789abcdefgh"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda: next(drawn))
    token = new_preview_token()
    assert token == "okToken-123456789abcdefgh"
    assert build_parser().parse_args(["serve", "--preview-token", token]).preview_token == token
