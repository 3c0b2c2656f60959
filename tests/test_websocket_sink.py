"""The preview server without a browser: the WebSocket sink (same bytes as the PUB, bounded per-client queues, control
requests), the page's HTTP files and music uploads, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import msgpack
import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request

from bridge.preview import MAX_UPLOAD_BYTES, PreviewError, PreviewServer
from bridge.protocol import (
    MAX_MESSAGE_BYTES,
    Event,
    FaceFrame,
    RequestError,
    encode_stream,
    error_reply,
    face_weights_to_bytes,
    ok_reply,
    parse_request,
    topic,
)
from bridge.sinks import Hub


async def echo_control(raw: bytes, peer: str) -> bytes:
    """A test double of Sidecar.handle: validates like the sidecar and answers ping and describe."""
    try:
        envelope = parse_request(raw)
    except RequestError as error:
        return error_reply(error.request_id, error)
    return ok_reply(envelope.id, op=envelope.request.OP, peer=peer)


def face(seq: int) -> FaceFrame:
    return FaceFrame("host", seq, 100.0 + seq / 60, face_weights_to_bytes([0.0] * 52), [0.0, 0.0, 0.0], [0.0] * 4)


@pytest_asyncio.fixture
async def server() -> AsyncIterator[PreviewServer]:
    preview = PreviewServer(echo_control, port=0)
    await preview.start()
    yield preview
    await preview.aclose()


def ws_url(server: PreviewServer, path: str = "/stream") -> str:
    """A script's URL: the run's token and no Origin (the websockets client sends none)."""
    return f"ws://127.0.0.1:{server.port}{path}?token={server.token}"


async def recv_map(ws, kind_or_reply: str) -> dict:
    while True:
        message = msgpack.unpackb(await asyncio.wait_for(ws.recv(), 5), raw=False)
        if kind_or_reply in message:
            return message


@pytest.mark.asyncio
async def test_stream_frames_are_the_pub_bytes_and_requests_get_replies(server: PreviewServer) -> None:
    hub = Hub([server.sink])
    async with connect(ws_url(server)) as ws:
        await ws.send(msgpack.packb({"op": "ping", "id": 7, "t_client": 1.5}))
        reply = await recv_map(ws, "ok")
        assert reply["id"] == 7 and reply["ok"] and reply["op"] == "ping" and reply["peer"].startswith("ws:127.0.0.1")
        message = Event("host", 3, 12.5, "take_started", "t1", {"text": "Hi", "emotion": "happy"})
        hub(message)
        raw = await asyncio.wait_for(ws.recv(), 5)
        assert raw == encode_stream(message) and topic(message) == b"host/event"  # exactly the PUB's second frame
        await ws.send(msgpack.packb({"op": "say", "id": 8}))
        error = await recv_map(ws, "ok")
        assert error == {"id": 8, "ok": False, "error": {"code": "missing_field", "message": "text is required for op "
                                                                                              "'say'", "field": "text"}}
        await ws.send("not binary")
        error = await recv_map(ws, "ok")
        assert error["error"]["code"] == "malformed" and "binary" in error["error"]["message"]


@pytest.mark.asyncio
async def test_an_oversize_request_closes_that_connection_only(server: PreviewServer) -> None:
    async with connect(ws_url(server)) as other, connect(ws_url(server), max_size=None) as big:
        await big.send(b"\x80" * (MAX_MESSAGE_BYTES + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(big.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009  # message too big
        await other.send(msgpack.packb({"op": "describe", "id": 1}))
        assert (await recv_map(other, "ok"))["ok"]


async def stalled_client(server: PreviewServer) -> asyncio.StreamWriter:
    """A WebSocket client that completes the handshake and then never reads: a frozen browser tab."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"GET /stream?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                 "\r\n".encode())
    assert b" 101 " in await reader.readuntil(b"\r\n\r\n")
    writer.transport.pause_reading()
    return writer


@pytest.mark.asyncio
async def test_a_slow_client_skips_ahead_and_never_stalls_the_others(server: PreviewServer) -> None:
    async with connect(ws_url(server)) as fast:
        stalled = await stalled_client(server)
        await asyncio.sleep(0.2)
        assert len(server.sink.clients) == 2
        received: list[int] = []

        async def read_fast() -> None:
            while True:
                received.append(msgpack.unpackb(await fast.recv())["seq"])

        reader = asyncio.create_task(read_fast())
        longest = 0.0
        total = 3000  # 50 s of face frames at 10 kB each: far more than the stalled socket's buffers hold
        for seq in range(total):
            frame = face(seq)
            payload = msgpack.packb({**msgpack.unpackb(encode_stream(frame)), "pad": b"x" * 10_000})
            started = time.perf_counter()
            server.sink.send(frame, b"host/face", payload)
            longest = max(longest, time.perf_counter() - started)
            if seq % 20 == 0:
                await asyncio.sleep(0)  # the performer ticks: the writers run between ticks
        deadline = time.monotonic() + 10
        while (not received or received[-1] != total - 1) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        reader.cancel()
        stuck = [c for c in server.sink.clients if c.dropped]
        assert received[-1] == total - 1 and received == sorted(received)  # the live browser got the newest frame
        assert len(stuck) == 1 and len(stuck[0].stream) <= stuck[0].limit  # the frozen one lost its oldest, bounded
        assert stuck[0].sent < total - stuck[0].limit
        assert longest < 0.01, f"send took {longest * 1e3:.1f} ms"  # never waits for a socket
        stalled.close()


# -- who may connect --------------------------------------------------------------------------------------------------


async def handshake(server: PreviewServer, path: str, host: str, origin: str | None) -> tuple[int, str]:
    """A WebSocket handshake as a browser tab sends it (Host, and Origin unless None); the status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)).decode()
    status = int(head.split()[1])
    length = re.search(r"(?im)^content-length: *(\d+)", head)
    body = (await reader.readexactly(int(length.group(1)))).decode() if length else ""
    writer.close()
    return status, body


def refusals(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.levelno == logging.WARNING and r.getMessage() == "preview connection refused"]


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/stream", "/upload"])
async def test_a_foreign_page_is_refused_even_with_the_token(server: PreviewServer, path: str,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    own = f"127.0.0.1:{server.port}"
    for host, origin in ((own, "http://evil.example"),
                         (own, f"http://127.0.0.1:{server.port + 1}"),  # another local app's page
                         (own, "null"),  # a sandboxed frame or a file:// page
                         (f"evil.example:{server.port}", f"http://evil.example:{server.port}")):  # DNS rebinding
        caplog.clear()
        status, body = await handshake(server, f"{path}?token={server.token}", host, origin)
        assert status == 403 and "is not this preview's" in body, (host, origin, body)
        [record] = refusals(caplog)
        assert record.peer.startswith("127.0.0.1:") and record.path == path and origin in record.reason
        assert server.token not in record.getMessage() + str(record.__dict__)
    own_and_foreign = f"http://{own}\r\nOrigin: http://evil.example"  # a second Origin header
    assert (await handshake(server, f"{path}?token={server.token}", own, own_and_foreign))[0] == 403


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/stream", "/upload"])
async def test_the_own_page_without_the_right_token_is_refused(server: PreviewServer, path: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    own = f"127.0.0.1:{server.port}"
    for query, why in (("", "no token"), ("?token=", "no token"), ("?other=1", "no token"),
                       (f"?token={server.token[:-1]}", "wrong token"), (f"?token={server.token}x", "wrong token"),
                       ("?token=%C3%A9t%C3%A9", "wrong token")):
        for origin in (f"http://{own}", None):  # the page, or a script
            caplog.clear()
            status, body = await handshake(server, path + query, own, origin)
            assert status == 403 and body.startswith(why) and "open the URL that serve printed" in body, (query, body)
            [record] = refusals(caplog)
            assert record.reason == body.strip() and server.token not in str(record.__dict__)


@pytest.mark.asyncio
async def test_the_own_page_with_the_token_gets_the_stream_and_replies(server: PreviewServer,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    hub = Hub([server.sink])
    for origin in (f"http://127.0.0.1:{server.port}", f"http://localhost:{server.port}"):
        host = urlsplit(origin).netloc
        async with connect(ws_url(server).replace(f"127.0.0.1:{server.port}", host), origin=origin) as ws:
            await ws.send(msgpack.packb({"op": "ping", "id": 1, "t_client": 0.5}))
            assert (await recv_map(ws, "ok"))["op"] == "ping"
            message = Event("host", 1, 1.0, "take_started", "t1", {"text": "Hi"})
            hub(message)
            assert await asyncio.wait_for(ws.recv(), 5) == encode_stream(message)
            await ws.send(msgpack.packb({"op": "say", "id": 2, "text": "Hello"}))
            assert (await recv_map(ws, "ok"))["op"] == "say"
    status, _ = await handshake(server, f"/upload?token={server.token}", f"LocalHost:{server.port}",
                                f"http://localhost:{server.port}")
    assert status == 101 and refusals(caplog) == []


def test_the_names_a_page_may_be_served_under_follow_the_bind() -> None:
    def refusal(server: PreviewServer, host: str) -> str | None:
        headers = Headers([("Host", host), ("Origin", f"http://{host}")])
        return server._refusal(Request(f"/stream?token={server.token}", headers))

    lan, anywhere = PreviewServer(echo_control, "192.168.1.5"), PreviewServer(echo_control, "0.0.0.0")
    for host in ("192.168.1.5:5557", "127.0.0.1:5557", "localhost:8080", "[::1]:5557"):
        assert refusal(lan, host) is None, host
    assert "is not this preview's" in (refusal(lan, "studio-pc:5557") or "")
    assert refusal(anywhere, "studio-pc:5557") is None  # the machine's names are not known: the token guards
    for server in (lan, anywhere):
        server.close()


def test_the_url_carries_the_token_and_each_run_has_its_own() -> None:
    first, second = PreviewServer(echo_control), PreviewServer(echo_control)
    assert first.url == f"http://127.0.0.1:5557/?token={first.token}" and len(first.token) >= 40
    assert first.token != second.token
    assert PreviewServer(echo_control, token="operators-own-token").token == "operators-own-token"
    for server in (first, second):
        server.close()


def test_http_serves_the_built_page_and_rig_profiles_and_nothing_else(server_sync: PreviewServer) -> None:
    base = f"http://127.0.0.1:{server_sync.port}"

    def get(path: str) -> tuple[int, str, bytes]:
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:
                return response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as err:
            return err.code, "", b""

    status, kind, body = get("/")
    assert status == 200 and kind.startswith("text/html") and b'src="/preview.js"' in body
    status, kind, body = get("/preview.js")
    assert status == 200 and kind == "text/javascript" and len(body) > 100_000  # three.js and the page, bundled
    assert get("/style.css")[:2] == (200, "text/css")
    status, kind, body = get("/rigs.json")
    assert status == 200 and {"arkit", "vrm0", "vrm1"} <= set(json.loads(body))
    for path in ("/../server.py", "/../../cli.py", "/%2e%2e/server.py", "/app/main.js", "/package.json",
                 "/vendor/three/build/three.module.js", "/node_modules/three/package.json"):
        assert get(path)[0] == 404, path


@pytest.fixture
def server_sync() -> Iterator[PreviewServer]:
    """The preview server on a loop in a thread, for blocking HTTP clients."""
    import threading

    loop = asyncio.new_event_loop()
    preview = PreviewServer(echo_control, port=0)
    loop.run_until_complete(preview.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield preview
    asyncio.run_coroutine_threadsafe(preview.aclose(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


async def upload(server: PreviewServer, header: object, data: bytes = b"", chunk: int = 512 * 1024) -> dict:
    async with connect(ws_url(server, "/upload")) as ws:
        await ws.send(msgpack.packb(header))
        try:
            for at in range(0, len(data), chunk):
                await ws.send(data[at:at + chunk])
        except ConnectionClosed:
            pass
        return msgpack.unpackb(await asyncio.wait_for(ws.recv(), 5), raw=False)


@pytest.mark.asyncio
async def test_music_upload_lands_on_disk_and_bad_uploads_say_why(server: PreviewServer) -> None:
    data = bytes(range(256)) * 5000  # 1.2 MB: three chunks
    reply = await upload(server, {"name": "theme.WAV", "size": len(data)}, data)
    assert reply["ok"] and Path(reply["path"]).read_bytes() == data and reply["path"].endswith(".wav")
    huge = await upload(server, {"name": "long.wav", "size": MAX_UPLOAD_BYTES + 1})
    assert huge["error"]["code"] == "too_long" and huge["error"]["field"] == "size"
    assert "128 MiB" in huge["error"]["message"]
    text = await upload(server, {"name": "notes.txt", "size": 10})
    assert text["error"]["code"] == "bad_music" and text["error"]["field"] == "name"
    assert (await upload(server, [1, 2]))["error"]["code"] == "malformed"
    for _ in range(5):  # old uploads go: the folder stays small over a long show
        await upload(server, {"name": "a.ogg", "size": 3}, b"abc")
    assert len(list(server.uploads.iterdir())) == 4


@pytest.mark.asyncio
async def test_an_upload_that_breaks_its_header_or_stops_leaves_nothing_behind(server: PreviewServer) -> None:
    more = await upload(server, {"name": "a.wav", "size": 4}, b"abcdef")
    assert more["error"]["code"] == "out_of_range" and "more bytes than the 4 announced" in more["error"]["message"]
    async with connect(ws_url(server, "/upload")) as ws:
        await ws.send(msgpack.packb({"name": "a.wav", "size": 4}))
        await ws.send("text, not bytes")
        reply = msgpack.unpackb(await asyncio.wait_for(ws.recv(), 5), raw=False)
    assert reply["error"]["code"] == "bad_type" and "binary frames" in reply["error"]["message"]
    async with connect(ws_url(server, "/upload")) as ws:  # a tab closed half-way through
        await ws.send(msgpack.packb({"name": "b.wav", "size": 1000}))
        await ws.send(b"x" * 100)
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.2)
    assert list(server.uploads.iterdir()) == []


def test_a_missing_page_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="make web"):
        PreviewServer(echo_control, static_dir=tmp_path)


@pytest.mark.asyncio
async def test_the_pages_plain_question_gets_no_content_when_it_is_let_in(server: PreviewServer) -> None:
    # connection.js asks the stream's URL over plain HTTP after a failed handshake: 403 tells why it is refused;
    # when it is not, an empty 204 (a 426 would show as a failed load in the operator's browser console).
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"GET /stream?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    await writer.drain()
    status = (await asyncio.wait_for(reader.readline(), 5)).decode()
    writer.close()
    assert status.startswith("HTTP/1.1 204")
