"""CurveZMQ lets in only the listed clients unless told to let any key pair in, and says when it refuses one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import zmq
import zmq.asyncio
import zmq.auth

from bridge.cli import _serve_config, build_parser
from bridge.config import ConfigError, SidecarConfig, load_config
from bridge.security import check_security, secure, start_authenticator


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    zmq.auth.create_certificates(str(folder), "server")
    zmq.auth.create_certificates(str(folder), "client")
    return folder


def test_a_curve_key_without_allowed_clients_is_refused_unless_any_is_allowed(keys: Path) -> None:
    secret = keys / "server.key_secret"
    with pytest.raises(ConfigError, match="--curve-clients DIR/clients.*--curve-allow-any"):
        check_security(SidecarConfig(control="tcp://0.0.0.0:5555", curve_secret_key=secret))
    check_security(SidecarConfig(control="tcp://0.0.0.0:5555", curve_secret_key=secret, curve_allow_any=True))
    check_security(SidecarConfig(control="tcp://0.0.0.0:5555", curve_secret_key=secret, curve_clients=keys))


def test_curve_allow_any_from_the_flag_and_the_config_file(tmp_path: Path) -> None:
    args = build_parser().parse_args(["serve", "--curve-allow-any"])
    assert _serve_config(args).curve_allow_any is True
    assert _serve_config(build_parser().parse_args(["serve"])).curve_allow_any is False
    file = tmp_path / "sidecar.yaml"
    file.write_text("curve_allow_any: true\n")
    assert load_config(file).curve_allow_any is True


def test_a_refused_client_is_logged_as_a_warning(keys: Path, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "client.key").write_bytes((keys / "client.key").read_bytes())
    zmq.auth.create_certificates(str(tmp_path), "stranger")
    config = SidecarConfig(curve_secret_key=keys / "server.key_secret", curve_clients=allowed)

    async def knock() -> None:
        context = zmq.asyncio.Context()
        auth = start_authenticator(context, config)
        server = context.socket(zmq.ROUTER)
        secure(server, config)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client = context.socket(zmq.DEALER)
        client.curve_publickey, client.curve_secretkey = zmq.auth.load_certificate(
            str(tmp_path / "stranger.key_secret"))
        client.curve_serverkey = zmq.auth.load_certificate(str(keys / "server.key"))[0]
        client.connect(f"tcp://127.0.0.1:{port}")
        await client.send(b"hello")
        for _ in range(50):
            if "CurveZMQ client refused" in caplog.text:
                break
            await asyncio.sleep(0.05)
        for socket in (client, server):
            socket.close(linger=0)
        auth.stop()
        context.term()

    with caplog.at_level(logging.INFO):
        asyncio.run(knock())
    refused = [r for r in caplog.records if "CurveZMQ client refused" in r.getMessage()]
    assert refused and refused[0].levelno == logging.WARNING
    assert "DENIED" in refused[0].getMessage()
