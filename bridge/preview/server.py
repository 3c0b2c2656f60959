"""The browser preview: one loopback port serving the page and everything it needs (docs/preview.md).

    GET /                  static/index.html (the preview and operator console)
    GET /preview.js        static/preview.js: engine_plugins/web/src and the npm packages it imports (three,
                           @msgpack/msgpack, @pixiv/three-vrm) in one bundle, built by `make web` and shipped in
                           this package: nothing comes from a CDN and nothing needs node at run time
    GET /style.css         static/style.css
    GET /rigs.json         the face rig profiles of models/face/rigs/, the same files `avatar-bridge rig` reads
    WS  /stream            the stream and the control requests (bridge/sinks/websocket.py)
    WS  /upload            a music file for the `dance` op, sent in chunks; the reply names its path on this disk

Any web page open in the operator's browser can reach a loopback port, so each WebSocket must present the run's token
(`?token=`, in the URL `serve` prints) and come from a page this preview served (its Origin) or from a script (no
Origin at all); the rest get 403.

Everything runs on the sidecar's event loop; files are read in a worker thread so a page load never delays a tick.
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import json
import logging
import mimetypes
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgpack
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from bridge.media import MAX_MUSIC_BYTES
from bridge.protocol import MAX_MESSAGE_BYTES, RequestError, error_reply, ok_reply
from bridge.sinks.websocket import Control, WebSocketSink

log = logging.getLogger(__name__)

#: The built page (engine_plugins/web/build.mjs writes it; package data of the wheel).
STATIC_DIR = Path(__file__).resolve().parent / "static"
RIGS_DIR = Path(__file__).resolve().parents[2] / "models" / "face" / "rigs"
#: Largest music file the page may upload for a dance: the most `dance` reads (bridge/media.py).
MAX_UPLOAD_BYTES = MAX_MUSIC_BYTES
MUSIC_SUFFIXES = (".wav", ".ogg", ".mp3", ".flac")
#: Uploaded files kept on disk: older ones go (their dances have long read them).
KEEP_UPLOADS = 4
#: Names the preview answers to on any bind, beside the host it is bound to.
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::"})

_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
          ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".wasm": "application/wasm"}


class PreviewError(Exception):
    """The preview cannot start; the message says what to do."""


def new_preview_token() -> str:
    """A run's preview token: URL-safe and never starting with "-", so it can be given back to `--preview-token`
    as it is (argparse reads a leading "-" as an option)."""
    token = secrets.token_urlsafe()
    while token.startswith("-"):
        token = secrets.token_urlsafe()
    return token


class PreviewServer:
    """HTTP for the page and WebSocket for the stream on one port; `sink` goes into the sidecar's Hub."""

    def __init__(self, control: Control, host: str = "127.0.0.1", port: int = 5557, token: str | None = None,
                 static_dir: Path = STATIC_DIR, rigs_dir: Path = RIGS_DIR) -> None:
        if not (static_dir / "index.html").is_file():
            raise PreviewError(f"the preview page is missing: {static_dir / 'index.html'} (`make web` builds it)")
        self.host, self.port = host, port
        #: What every WebSocket must present: the operator's (preview_token), else a new one each run.
        self.token = token or new_preview_token()
        self.static_dir, self.rigs_dir = static_dir, rigs_dir
        self.sink = WebSocketSink(control)
        self.server: Server | None = None
        self.uploads = Path(tempfile.mkdtemp(prefix="avatar-bridge-music-"))
        self._upload_ids = itertools.count(1)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"

    async def start(self) -> None:
        try:
            self.server = await serve(self._websocket, self.host, self.port, process_request=self._http,
                                      max_size=MAX_MESSAGE_BYTES, server_header="avatar-bridge")
        except OSError as exc:
            raise PreviewError(f"cannot serve the preview on {self.host}:{self.port} ({exc.strerror}); pick "
                               "another port with --preview-port") from None
        if self.port == 0:
            self.port = next(iter(self.server.sockets)).getsockname()[1]

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        shutil.rmtree(self.uploads, ignore_errors=True)

    async def aclose(self) -> None:
        """Close and wait until every connection has gone."""
        self.close()
        if self.server is not None:
            await self.server.wait_closed()

    # -- HTTP ----------------------------------------------------------------------------------------------------

    async def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        path = unquote(urlsplit(request.path).path)
        if path in ("/stream", "/upload"):
            refusal = self._refusal(request)
            if refusal is None and "websocket" not in request.headers.get("Upgrade", "").lower():
                # The page's plain-HTTP question whether it is refused (connection.js): no, and no 426 for the
                # browser to log as a failed load.
                return connection.respond(204, "")
            if refusal is None:
                return None  # the WebSocket handshake goes on
            log.warning("preview connection refused", extra={"peer": _peer(connection), "path": path,
                                                              "reason": refusal})
            return connection.respond(403, f"{refusal}\n")
        try:
            body, content_type = await asyncio.to_thread(self._read, path)
        except FileNotFoundError:
            return connection.respond(404, f"not found: {path}\n")
        headers = Headers([("Content-Type", content_type), ("Content-Length", str(len(body))),
                           ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")])
        return Response(200, "OK", headers, body)

    def _refusal(self, request: Request) -> str | None:
        """Why a WebSocket handshake is refused (never naming the token), or None to let it in."""
        origins, hosts = request.headers.get_all("Origin"), request.headers.get_all("Host")
        if origins and not (len(origins) == len(hosts) == 1 and self._own_origin(origins[0], hosts[0])):
            return f"origin {origins[0][:200]!r} is not this preview's: only its own page may connect"
        given = parse_qs(urlsplit(request.path).query).get("token", [""])[0]
        if not given:
            return "no token: open the URL that serve printed, with its ?token="
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return "wrong token: open the URL that serve printed (a new run has a new token)"
        return None

    def _own_origin(self, origin: str, host: str) -> bool:
        """Whether a page's Origin is the Host it was served on, under a name this preview answers to.

        The port is the Host's, not necessarily ours: a page opened through a tunnel (ssh -L) was served by this
        preview too. A page of another port or site has another origin than the Host it connects to; a page of
        another name resolved to this machine (DNS rebinding) has a Host that is none of ours. Bound to every
        interface (0.0.0.0) the machine's names are not known here: any Host goes, the token still guards.
        """
        scheme, _, netloc = origin.lower().partition("://")
        if scheme not in ("http", "https") or netloc != host.lower():
            return False
        try:
            name = urlsplit(f"//{netloc}").hostname
        except ValueError:
            return False
        return self.host in WILDCARD_HOSTS or name in LOOPBACK_NAMES | {self.host.lower().strip("[]")}

    def _read(self, path: str) -> tuple[bytes, str]:
        if path in ("/", "/index.html"):
            return (self.static_dir / "index.html").read_bytes(), "text/html; charset=utf-8"
        if path == "/rigs.json":
            rigs = {p.stem: json.loads(p.read_text()) for p in sorted(self.rigs_dir.glob("*.json"))}
            return json.dumps(rigs).encode(), "application/json"
        file = _inside(self.static_dir, path.lstrip("/"))
        if file is None or not file.is_file():
            raise FileNotFoundError(path)
        content_type = _TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return file.read_bytes(), content_type

    # -- WebSocket -----------------------------------------------------------------------------------------------

    async def _websocket(self, connection: ServerConnection) -> None:
        assert connection.request is not None
        if urlsplit(connection.request.path).path == "/upload":
            await self._upload(connection)
        else:
            await self.sink.serve(connection)

    async def _upload(self, connection: ServerConnection) -> None:
        """One music file: a msgpack map {name, size}, then the bytes in binary frames (each ≤ 1 MiB); the reply
        is {ok: true, path} or an error reply naming the field and the limit."""
        path: Path | None = None
        try:
            name, size = _upload_header(await connection.recv())
            path = self.uploads / f"music-{next(self._upload_ids)}{Path(name).suffix.lower()}"
            received = 0
            with path.open("wb") as out:
                while received < size:
                    chunk = await connection.recv()
                    if isinstance(chunk, str):
                        raise RequestError("bad_type", "send the file's bytes as binary frames", "")
                    received += len(chunk)
                    if received > size:
                        raise RequestError("out_of_range", f"more bytes than the {size} announced", "size")
                    await asyncio.to_thread(out.write, chunk)
            self._forget_old_uploads()
            log.info("music uploaded", extra={"file": name, "bytes": size, "path": str(path)})
            await connection.send(ok_reply(None, path=str(path), bytes=size))
        except RequestError as error:
            if path is not None:
                path.unlink(missing_ok=True)
            await connection.send(error_reply(None, error))
        except ConnectionClosed:
            if path is not None:
                path.unlink(missing_ok=True)

    def _forget_old_uploads(self) -> None:
        files = sorted(self.uploads.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in files[:-KEEP_UPLOADS]:
            old.unlink(missing_ok=True)


def _upload_header(raw: Any) -> tuple[str, int]:
    try:
        header = msgpack.unpackb(raw, raw=False) if isinstance(raw, bytes) else None
    except Exception:
        header = None
    if not isinstance(header, dict):
        raise RequestError("malformed", "an upload starts with a msgpack map {name, size}")
    name, size = header.get("name"), header.get("size")
    if not isinstance(name, str) or not name:
        raise RequestError("missing_field", "name (the file's name) is required", "name")
    if Path(name).suffix.lower() not in MUSIC_SUFFIXES:
        raise RequestError("bad_music", f"{name!r}: music must be a wav, ogg, mp3 or flac file", "name")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise RequestError("out_of_range", "size must be the file's length in bytes (> 0)", "size")
    if size > MAX_UPLOAD_BYTES:
        raise RequestError("too_long", f"{name!r} is {size / 2**20:.1f} MiB; the limit is "
                                        f"{MAX_UPLOAD_BYTES >> 20} MiB", "size")
    return name, size


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"


def _inside(root: Path, relative: str) -> Path | None:
    """root/relative, or None when the path would leave root (.., absolute parts, links out)."""
    candidate = (root / relative).resolve()
    return candidate if candidate.is_relative_to(root.resolve()) else None
