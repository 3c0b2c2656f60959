"""The one test double of an OpenAI-compatible speech server: every way a real one answers badly, on demand.

The first part of the request's path picks the answer: `http://HOST:PORT/<mode>/v1/audio/speech`. Good modes send
`TONE` (a 220 Hz tone at half scale, 0.25 s at `RATE`) as PCM or WAV; fault modes send an HTTP error, HTML, odd
bytes, a broken WAV, part of the audio then a closed connection, or nothing until `release` is set (a slow or
stalled server). The real server the voice is tested against is `local-tts-studio` (tests/test_voice_server.py).
"""

from __future__ import annotations

import json
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np

RATE = 24000
TONE = (0.5 * np.sin(2 * np.pi * 220 * np.arange(RATE // 4) / RATE)).astype(np.float32)
PCM = (TONE * 32767).astype("<i2").tobytes()
#: Of a line cut off mid-way (modes cut, cut_chunked, stall): the bytes that arrive before the connection ends.
PARTIAL = PCM[: len(PCM) // 2]
LONG_ERROR = "Input too long: " + "x" * 2000


def wav(samples: np.ndarray, rate: int, *, streamed: bool = False, extra_chunk: bool = False) -> bytes:
    """A WAV file of float samples (frames × channels, or mono): 16-bit PCM, or 32-bit float when the dtype is
    float64; `streamed` writes the 0xFFFFFFFF sizes of a server that did not know the length."""
    frames = samples.reshape(len(samples), -1)
    as_float = samples.dtype == np.float64
    data = frames.astype("<f4").tobytes() if as_float else (frames * 32767).astype("<i2").tobytes()
    channels, bits, code = frames.shape[1], 32 if as_float else 16, 3 if as_float else 1
    fmt = struct.pack("<HHIIHH", code, channels, rate, rate * channels * bits // 8, channels * bits // 8, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if extra_chunk:
        chunks += b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\0"  # an odd size: padded to even
    size = 0xFFFFFFFF if streamed else len(data)
    body = chunks + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF if streamed else 4 + len(body)) + b"WAVE" + body


class _Handler(BaseHTTPRequestHandler):
    server: SpeechServerDouble

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def do_POST(self) -> None:
        mode = self.path.strip("/").split("/")[0]
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append((mode, body, dict(self.headers)))
        getattr(self, f"_{mode}")()

    def _send(self, status: int, kind: str, data: bytes, length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(data)

    def _chunked(self, parts: list[bytes], finish: bool = True) -> None:
        self.protocol_version = "HTTP/1.1"
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "audio/pcm")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for part in parts:
            self.wfile.write(f"{len(part):X}\r\n".encode() + part + b"\r\n")
        if finish:
            self.wfile.write(b"0\r\n\r\n")

    # -- good answers ------------------------------------------------------------------------------------------

    def _pcm(self) -> None:
        self._send(200, "audio/pcm", PCM, len(PCM))

    def _pcm_chunked(self) -> None:
        third = len(PCM) // 3 // 2 * 2
        self._chunked([PCM[:third], PCM[third:2 * third], PCM[2 * third:]])

    def _wav_stereo_48k(self) -> None:  # streamed sizes, a LIST chunk first, no Content-Length: read to the close
        left_right = np.stack([np.full(12000, 0.5), np.full(12000, -0.1)], axis=1).astype(np.float32)
        self._send(200, "audio/wav", wav(left_right, 48000, streamed=True, extra_chunk=True))

    def _wav_float_16k(self) -> None:
        data = wav(np.full(4000, 0.25, dtype=np.float64), 16000)
        self._send(200, "audio/wav", data, len(data))

    # -- faults ------------------------------------------------------------------------------------------------

    def _error_json(self) -> None:
        self._send(400, "application/json", json.dumps({"error": {"message": LONG_ERROR, "code": "too_long"}}).encode())

    def _error_text(self) -> None:
        self._send(503, "text/plain", b"Service Unavailable: the model is still loading")

    def _html(self) -> None:
        self._send(200, "text/html; charset=utf-8", b"<!doctype html><html><body><h1>Welcome to nginx!</h1>")

    def _odd(self) -> None:
        self._send(200, "audio/pcm", PCM[:4001], 4001)

    def _not_wav(self) -> None:
        self._send(200, "audio/wav", b"ID3\x04\x00" + bytes(400), 405)  # an MP3 where a WAV was asked for

    def _wav_no_data(self) -> None:
        whole = wav(TONE, RATE)
        header = whole[:whole.index(b"data")]
        self._send(200, "audio/wav", header, len(header))

    def _empty(self) -> None:
        self._send(200, "audio/pcm", b"", 0)

    def _cut(self) -> None:  # promises the whole line, sends half, closes
        self._send(200, "audio/pcm", PARTIAL, len(PCM))

    def _cut_chunked(self) -> None:  # one chunk, then the connection closes without the last chunk
        self._chunked([PARTIAL], finish=False)

    def _stall(self) -> None:  # half the line, then silence until released
        self._send(200, "audio/pcm", PARTIAL, len(PCM))
        self.wfile.flush()
        self.server.release.wait()

    def _slow(self) -> None:  # no answer at all until released
        self.server.release.wait()
        self._pcm()


class SpeechServerDouble(ThreadingHTTPServer):
    """On a free loopback port; `url(mode)` is the `server` setting of a voice that gets that mode's answer."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        self.release = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def url(self, mode: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{mode}"

    def __enter__(self) -> SpeechServerDouble:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.shutdown()
        self.server_close()
