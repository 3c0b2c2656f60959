"""Sidecar latency and throughput: say → first audio / first speech frame on the wire, voice + face real-time
factor, face frame jitter at a subscriber, loopback publish-to-receive latency, our publish throughput against
raw pyzmq, peak RSS of `serve`.

    python -m benchmarks.bench_sidecar [--lines 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import zmq

from benchmarks.common import percentiles, table, write
from bridge.client import BridgeClient
from bridge.protocol import AudioChunk, Event, FaceFrame, face_weights_to_bytes
from bridge.sinks import Hub
from bridge.sinks.zmq_pub import ZmqPubSink

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_sidecar, stop_sidecar  # noqa: E402

LINES = [
    "Hi everyone!",
    "Welcome to the winter showcase.",
    "Thumbs up for the skiers.",
    "Hi everyone, welcome to the winter showcase! Today we meet the athletes.",
    "The biathlon combines cross-country skiing and rifle shooting.",
    "Our scarf is twenty-nine dollars, and it keeps you warm all day long.",
    "Curling stones are made of granite.",
    "Do you know how fast a bobsled goes? Faster than you think!",
    "Thank you so much, that is so kind of you.",
    "Let me tell you a fun fact about ski jumping, it is older than you might expect.",
    "Okay!",
    "Figure skaters spin incredibly fast during a scratch spin.",
    "Grab the mascot plush today, it comes with a free sticker.",
    "Snowboarding joined the winter games in nineteen ninety-eight.",
    "I am so happy to see all of you here tonight.",
    "Next up, the ice hockey highlights.",
    "Hold on, let me check that for you.",
    "The luge is the fastest sliding sport on ice, and athletes ride feet first.",
    "Wow.",
    "That's all for today, see you tomorrow at the same time, and stay warm!",
]


def rss_peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_on_wire(client: BridgeClient, lines: list[str]) -> tuple[list[float], list[float]]:
    """Seconds from sending `say` to receiving the first audio chunk and the first frame of the take."""
    audio_latency, frame_latency = [], []
    for text in lines:
        sent = time.monotonic()
        take = client.say(text)
        start_pts = first_audio = first_frame = None
        for message, received in client.stream(timeout=10):
            if isinstance(message, AudioChunk) and message.take == take and first_audio is None:
                first_audio = received
                start_pts = message.pts
            if isinstance(message, FaceFrame) and start_pts is not None and first_frame is None \
                    and message.pts >= start_pts - 1e-6:
                first_frame = received
            if isinstance(message, Event) and message.take == take and message.type == "take_ended":
                break
        assert first_audio is not None and first_frame is not None
        audio_latency.append(first_audio - sent)
        frame_latency.append(first_frame - sent)
    return audio_latency, frame_latency


def stream_timing(client: BridgeClient, lookahead: float, seconds: float) -> tuple[list[float], list[float]]:
    """Face frame arrival intervals and publish-to-receive latency (publish is scheduled at pts - lookahead)."""
    sync = client.sync_clock(16)
    arrivals, latency = [], []
    deadline = time.monotonic() + seconds
    client.say(" ".join(LINES[3:8]))
    for message, received in client.stream(timeout=2):
        if isinstance(message, FaceFrame):
            arrivals.append(received)
            latency.append(sync.to_sidecar(received) - (message.pts - lookahead))
        if received > deadline:
            break
    return list(np.diff(arrivals)), latency


def real_time_factor(lines: list[str]) -> float:
    from bridge.director import speak
    from models.face.drivers import PhonemeDriver
    from models.tts.piper_voice import PiperTTS

    voice, driver = PiperTTS(), PhonemeDriver()
    list(speak(voice, driver, "Warm up."))
    audio_s = compute_s = 0.0
    for text in lines:
        started = time.perf_counter()
        clips = list(speak(voice, driver, text))
        compute_s += time.perf_counter() - started
        audio_s += sum(c.segment.duration for c in clips)
    return compute_s / audio_s


def publish_throughput(messages: int = 20000) -> tuple[float, float]:
    """Face frames per second: our Hub (encode + send) against raw pyzmq sending pre-encoded bytes."""
    context = zmq.Context()
    frame = FaceFrame("host", 0, 0.0, face_weights_to_bytes(np.linspace(0, 1, 52)), [0.0] * 3, [0.0] * 4)
    from bridge.protocol import encode_stream, topic

    payload, name = encode_stream(frame), topic(frame)

    def run(send) -> float:  # noqa: ANN001
        pub, sub = context.socket(zmq.PUB), context.socket(zmq.SUB)
        pub.sndhwm = sub.rcvhwm = messages * 2
        port = pub.bind_to_random_port("tcp://127.0.0.1")
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(f"tcp://127.0.0.1:{port}")
        time.sleep(0.3)
        started = time.perf_counter()
        for i in range(messages):
            send(pub, i)
        for _ in range(messages):
            sub.recv_multipart()
        elapsed = time.perf_counter() - started
        pub.close(0)
        sub.close(0)
        return messages / elapsed

    hub_rate = 0.0

    def ours(pub: zmq.Socket, i: int) -> None:
        hubs.setdefault(id(pub), Hub([ZmqPubSink(pub)]))(
            FaceFrame("host", i, float(i), frame.w, frame.head, frame.eyes))

    hubs: dict[int, Hub] = {}
    hub_rate = run(ours)
    raw_rate = run(lambda pub, i: pub.send_multipart([name, payload], flags=zmq.NOBLOCK))
    context.term()
    return hub_rate, raw_rate


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20, help="lines for the first-audio latency (default 20)")
    args = parser.parse_args(argv)
    lines = (LINES * (args.lines // len(LINES) + 1))[: args.lines]
    with tempfile.TemporaryDirectory() as tmp:
        sidecar = start_sidecar(Path(tmp))
        try:
            with BridgeClient(sidecar.control, sidecar.stream) as client:
                client.subscribe(avatar="host")
                lookahead = client.describe()["lookahead"]
                client.say("Warm up.")
                time.sleep(2)
                audio_latency, frame_latency = first_on_wire(client, lines)
                intervals, latency = stream_timing(client, lookahead, 6.0)
            peak_rss = rss_peak_mb(sidecar.process.pid)
        finally:
            stop_sidecar(sidecar)
    rtf = real_time_factor(lines)
    ours, raw = publish_throughput()
    jitter = [abs(i - 1 / 60) for i in intervals]
    results = {
        "first_audio_s": percentiles(audio_latency, 50, 95),
        "first_speech_frame_s": percentiles(frame_latency, 50, 95),
        "rtf_voice_face": rtf,
        "face_interval_jitter_s": percentiles(jitter, 50, 99),
        "publish_to_receive_s": percentiles(latency, 50, 99),
        "publish_rate_ours_per_s": ours,
        "publish_rate_raw_pyzmq_per_s": raw,
        "publish_ratio": ours / raw,
        "serve_peak_rss_mb": peak_rss,
        "lines": len(lines),
    }
    ms = 1e3
    print(table([
        ("say -> first audio p50", f"{results['first_audio_s']['p50'] * ms:.1f} ms", "<= 150 ms"),
        ("say -> first audio p95", f"{results['first_audio_s']['p95'] * ms:.1f} ms", ""),
        ("say -> first speech frame p50", f"{results['first_speech_frame_s']['p50'] * ms:.1f} ms", "<= 150 ms"),
        ("say -> first speech frame p95", f"{results['first_speech_frame_s']['p95'] * ms:.1f} ms", ""),
        ("real-time factor voice+face", f"{rtf:.3f}", "<= 0.15"),
        ("face interval jitter p99", f"{results['face_interval_jitter_s']['p99'] * ms:.2f} ms", ""),
        ("publish->receive p99", f"{results['publish_to_receive_s']['p99'] * ms:.2f} ms", ""),
        ("publish rate ours / raw pyzmq", f"{ours:.0f} / {raw:.0f}/s", f"ratio {ours / raw:.2f}"),
        ("serve peak RSS", f"{peak_rss:.0f} MB", ""),
    ], f"sidecar benchmark ({len(lines)} lines)"))
    print(f"wrote {write('sidecar', results)}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
