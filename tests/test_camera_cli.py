"""`avatar-bridge puppet` and `kiosk`, and the client's camera helpers, against a real sidecar."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bridge.cli import main
from bridge.client import BridgeClient, BridgeError
from bridge.protocol import Event
from tests.conftest import RunningSidecar


@pytest.fixture(scope="module")
def client(sidecar_process: RunningSidecar) -> Iterator[BridgeClient]:
    with BridgeClient(sidecar_process.control, sidecar_process.stream, timeout=20.0) as c:
        yield c


def _cli(sidecar: RunningSidecar, *argv: str) -> int:
    return main([*argv, "--control", sidecar.control, "--stream", sidecar.stream, "--timeout", "20"])


def _events(client: BridgeClient, type_: str) -> list[Event]:
    """The events of `type_` until the avatar's event topic has been quiet for a second."""
    return [m for m, _ in client.stream(timeout=1.0, kinds={"event"}) if isinstance(m, Event) and m.type == type_]


@pytest.mark.parametrize("command", ["puppet", "kiosk"])
def test_help_names_the_actions_and_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "docs/camera.md" in out and "--source" in out and "--avatar" in out
    assert ("calibrate" in out and "--no-face" in out and "--blend" in out) if command == "puppet" else \
        "--greeting" in out


def test_puppet_start_from_a_camera_that_is_not_there_names_source(sidecar_process: RunningSidecar,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(sidecar_process, "puppet", "start", "--source", "99") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "[bad_source, field source]" in err


def test_puppet_start_sends_its_flags_and_stop_hands_her_back(sidecar_process: RunningSidecar, client: BridgeClient,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    client.subscribe(avatar=client.describe()["avatars"][0], kinds={"event"})  # not the face frames: they never stop
    assert _cli(sidecar_process, "puppet", "start", "--source", "client", "--no-body", "--blend", "0.5",
                "--mirror") == 0
    started = json.loads(capsys.readouterr().out)
    assert started["source"] == "client" and isinstance(started["pts"], float)
    assert [e.data for e in _events(client, "puppet")] == [
        {"state": "on", "face": True, "body": False, "blend": 0.5, "mirror": True}]

    assert _cli(sidecar_process, "puppet", "stop") == 0
    stopped = json.loads(capsys.readouterr().out)
    assert stopped["avatar"] == started["avatar"] and stopped["pts"] >= started["pts"]
    assert [e.data["state"] for e in _events(client, "puppet")] == ["off"]


def test_puppet_blend_out_of_range_is_refused_by_field(sidecar_process: RunningSidecar,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(sidecar_process, "puppet", "start", "--blend", "1.5") == 1
    assert "[out_of_range, field blend]" in capsys.readouterr().err


def test_kiosk_on_client_frames_takes_a_frame_and_refuses_a_bad_one(sidecar_process: RunningSidecar,
                                                                    client: BridgeClient,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(sidecar_process, "kiosk", "start", "--source", "client", "--greeting", "Hi") == 0
    assert json.loads(capsys.readouterr().out)["source"] == "client"

    reply = client.send_frame(bytes(4 * 2 * 3), seq=0, fmt="rgb24", width=4, height=2)
    assert reply["dropped"] >= 0 and reply["bad_frames"] == 0
    with pytest.raises(BridgeError) as error:
        client.send_frame(bytes(23), seq=1, fmt="rgb24", width=4, height=2)
    assert (error.value.code, error.value.field) == ("bad_length", "image")

    assert _cli(sidecar_process, "kiosk", "stop") == 0
    assert json.loads(capsys.readouterr().out)["source"] == "client"
    assert _cli(sidecar_process, "kiosk", "start", "--no-greeting") == 0  # the source already open
    assert _cli(sidecar_process, "kiosk", "stop") == 0
