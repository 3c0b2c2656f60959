"""A real local OpenAI-compatible chat-completions server for tests and benchmarks (a test double).

It streams scripted server-sent events over real HTTP on loopback: each request pops the next `Script`
(tokens with a time to first token and a gap between tokens, an HTTP status, or raw lines for malformed
chunks) and records the request body and headers so tests can check the prompt the engine sent.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def chunk(content: str | None = None, role: str | None = None) -> bytes:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test",
            "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    return b"data: " + json.dumps(body).encode() + b"\n\n"


@dataclass
class Script:
    """One response. `tokens` stream after `ttft_s`, one every `gap_s`; `raw` lines are sent as they are
    (after the tokens), `status` != 200 sends an error body instead, `hang_s` holds the stream open at the end,
    `release` (if set) is awaited after `hold_after` tokens."""

    tokens: list[str] = field(default_factory=list)
    ttft_s: float = 0.0
    gap_s: float = 0.0
    status: int = 200
    raw: list[bytes] = field(default_factory=list)
    done: bool = True
    hang_s: float = 0.0
    hold_after: int | None = None
    release: asyncio.Event | None = None


class FakeLLMServer:
    """Start with `await server.start()` (returns the base URL ".../v1"), stop with `await server.stop()`."""

    def __init__(self) -> None:
        self.scripts: deque[Script] = deque()
        self.default = Script(tokens=["Hello there."])  # answered when no script is queued
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.tokens_sent = 0
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(await request.json())
        self.headers.append(dict(request.headers))
        script = self.scripts.popleft() if self.scripts else self.default
        if script.status != 200:
            return web.Response(status=script.status, text=json.dumps({"error": {"message": "overloaded"}}))
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await asyncio.sleep(script.ttft_s)
        await response.write(chunk(role="assistant"))
        try:
            for i, token in enumerate(script.tokens):
                if i and script.gap_s:
                    await asyncio.sleep(script.gap_s)
                if script.hold_after is not None and i == script.hold_after and script.release is not None:
                    await script.release.wait()
                await response.write(chunk(token))
                self.tokens_sent += 1
            for line in script.raw:
                await response.write(line)
            if script.hang_s:
                await asyncio.sleep(script.hang_s)
            if script.done:
                await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
        except ConnectionError:
            pass  # the client gave up (a fallback): that is the behaviour under test
        return response


class CloseDelimitedServer:
    """A raw asyncio HTTP server whose SSE body has neither Content-Length nor chunking: it ends when the server
    closes the connection (HTTP/1.1 allows this). It sends the `tokens` as chunks and then closes, with no
    [DONE] and no finish_reason unless `finish` is set: a server that died mid-answer."""

    def __init__(self, tokens: list[str], finish: bool = False) -> None:
        self.tokens = tokens
        self.finish = finish
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
        writer.write(chunk(role="assistant"))
        for token in self.tokens:
            writer.write(chunk(token))
            await writer.drain()
            await asyncio.sleep(0.01)
        if self.finish:
            body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "model": "test",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            writer.write(b"data: " + json.dumps(body).encode() + b"\n\n")
        await writer.drain()
        writer.close()  # the end of the body: a close, not a marker


async def serve_forever(tokens: list[str], ttft_s: float, gap_s: float) -> None:
    """Run the double on its own (a benchmark's simulated LLM server): prints its URL, answers every request
    with the same stream."""
    server = FakeLLMServer()
    server.default = Script(tokens=tokens, ttft_s=ttft_s, gap_s=gap_s)
    print(await server.start(), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    import sys

    asyncio.run(serve_forever(sys.argv[3:], float(sys.argv[1]), float(sys.argv[2])))
