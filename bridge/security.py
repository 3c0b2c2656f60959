"""Safe by default: both sockets bind to loopback. Binding anywhere else requires CurveZMQ keys (encryption, and
authentication against a folder of allowed client keys unless `curve_allow_any` lets any key pair in) or an explicit
`insecure` flag; the preview's WebSocket, which has no CurveZMQ, needs the flag to leave loopback."""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import zmq

from bridge.config import TCP_ENDPOINT, ConfigError, SidecarConfig


def is_loopback(endpoint: str) -> bool:
    """True when an endpoint is reachable from this machine only."""
    if endpoint.startswith(("ipc://", "inproc://")):
        return True
    match = TCP_ENDPOINT.match(endpoint)
    if not match:
        raise ConfigError(f"endpoint {endpoint!r} is not tcp://HOST:PORT, ipc://PATH or inproc://NAME")
    host = match.group(2).strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # an interface name or a host name: treat as reachable from outside


def check_security(config: SidecarConfig) -> None:
    exposed = [e for e in (config.control, config.stream) if not is_loopback(e)]
    if config.preview_port is not None and not is_loopback(f"tcp://{config.preview_host}:{config.preview_port}"):
        if not config.insecure:  # the preview's WebSocket has no CurveZMQ: only a trusted network may see it
            raise ConfigError(f"refusing to serve the preview on {config.preview_host}: it is not encrypted; "
                              "add --insecure on a trusted network only")
    if exposed and config.curve_secret_key is None and not config.insecure:
        raise ConfigError(
            f"refusing to bind {', '.join(exposed)} without encryption: give --curve-secret-key FILE "
            "(make one with `avatar-bridge keys DIR`) or, on a trusted network only, --insecure")
    if config.curve_secret_key is not None and not config.curve_secret_key.is_file():
        raise ConfigError(f"curve secret key {config.curve_secret_key} not found")
    if config.curve_clients is not None and not config.curve_clients.is_dir():
        raise ConfigError(f"curve client key folder {config.curve_clients} not found")
    if config.curve_secret_key is not None and config.curve_clients is None and not config.curve_allow_any:
        raise ConfigError(  # without a folder, any client key pair that knows the server's public key gets in
            "refusing CurveZMQ without a list of allowed clients: give --curve-clients DIR/clients (a folder with "
            "each allowed client's public .key file, e.g. DIR/client.key from `avatar-bridge keys DIR`) or, to "
            "let in any client that has the server's public key, --curve-allow-any")


def secure(socket: zmq.Socket, config: SidecarConfig) -> None:
    """Make a server socket encrypt with the configured CurveZMQ key (nothing without one)."""
    if config.curve_secret_key is None:
        return
    import zmq.auth

    public, secret = zmq.auth.load_certificate(str(config.curve_secret_key))
    if secret is None:
        raise ConfigError(f"{config.curve_secret_key} holds no secret key; give the .key_secret file")
    socket.curve_secretkey = secret
    socket.curve_publickey = public
    socket.curve_server = True


class _RefusalLog(logging.LoggerAdapter):
    """zmq's authenticator logs each decision at debug: a refused client becomes one warning line."""

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:  # noqa: ANN401 - logging's signature
        text = str(msg) % args if args else str(msg)
        if text.startswith("DENIED"):
            self.warning("CurveZMQ client refused: %s", text)
        else:
            super().debug(msg, *args, **kwargs)


def start_authenticator(context: zmq.Context, config: SidecarConfig) -> Any:  # noqa: ANN401 - zmq's authenticator
    """The CurveZMQ authenticator: the allowed clients' keys, or (curve_allow_any) any client with the server's
    public key; each refused client is logged as a warning. None without a key."""
    if config.curve_secret_key is None:
        return None
    import zmq.auth
    from zmq.auth.asyncio import AsyncioAuthenticator

    auth = AsyncioAuthenticator(context, log=_RefusalLog(logging.getLogger("avatar_bridge.auth"), {}))
    auth.start()
    location = str(config.curve_clients) if config.curve_clients is not None else zmq.auth.CURVE_ALLOW_ANY
    auth.configure_curve(domain="*", location=location)
    return auth
