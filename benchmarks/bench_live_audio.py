"""Live audio in: a real sidecar (`serve`, a subprocess on loopback), a client streaming a WAV of speech in 20 ms
chunks at real-time pace (`audio_in`), a subscriber on the stream. Measures, per chunk, the time from sending it
to receiving the first face frame that shows its audio (pts at or after the chunk's first sample), the face frames
per second the subscriber gets meanwhile, and the sidecar's audio_in counters.

    python -m benchmarks.bench_live_audio [--seconds 12] [--chunk-ms 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.common import percentiles, table, write
from bridge.client import BridgeClient
from bridge.live_audio import JITTER_S
from bridge.protocol import AudioChunk, Event, FaceFrame, PingRequest, StreamMessage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_sidecar, stop_sidecar  # noqa: E402

TEXT = ("Hi everyone, welcome to the winter showcase! Today we meet the athletes. The biathlon combines "
        "cross-country skiing and rifle shooting. Curling stones are made of granite. Do you know how fast a "
        "bobsled goes? Faster than you think! Grab the mascot plush today, it comes with a free sticker.")


def speech_wav(path: Path, seconds: float) -> float:
    """Speech from the bundled voice, resampled to 48 kHz (a microphone's rate), cut to `seconds`."""
    import soundfile
    import soxr

    from models.tts.piper_voice import PiperTTS

    voice = PiperTTS()
    audio = np.concatenate([segment.audio for segment in voice.synthesize(TEXT)])
    audio = soxr.resample(audio, voice.sample_rate, 48000)[: round(seconds * 48000)]
    soundfile.write(str(path), audio, 48000, subtype="PCM_16")
    return len(audio) / 48000


class Subscriber(threading.Thread):
    """Everything the stream brings for one avatar, with its local receive time, until stopped."""

    def __init__(self, client: BridgeClient) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.messages: list[tuple[StreamMessage, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        for message, received in self.client.stream(timeout=0.2):
            self.messages.append((message, received))
            if self.stop.is_set():
                break


def measure(control: str, stream: str, wav: Path, chunk_s: float) -> dict:
    with BridgeClient(control, stream) as sender, BridgeClient(control, stream) as listener:
        sync = sender.sync_clock(16)
        listener.subscribe(avatar="host", kinds=["face", "event", "audio"])
        subscriber = Subscriber(listener)
        subscriber.start()
        sent: dict[int, tuple[float, float | None]] = {}

        def on_reply(seq: int, at: float, reply: dict) -> None:
            sent[seq] = (at, reply["pts"])

        replies = sender.stream_file(wav, chunk_s=chunk_s, stream="bench", on_reply=on_reply)
        take = replies[0]["take"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(
                isinstance(m, Event) and m.take == take and m.type == "take_ended" for m, _ in subscriber.messages):
            time.sleep(0.05)
        counters = sender.request(PingRequest(t_client=0.0))["audio_in"]["host"]
        subscriber.stop.set()
        subscriber.join(2)
    messages = subscriber.messages
    started = next(m.pts for m, _ in messages if isinstance(m, Event) and m.take == take and m.type == "take_started")
    ended = next(m.pts for m, _ in messages if isinstance(m, Event) and m.take == take and m.type == "take_ended")
    faces = [(m.pts, received) for m, received in messages if isinstance(m, FaceFrame)]
    face_pts = np.array([pts for pts, _ in faces])
    latency = []
    for seq, (at, pts) in sent.items():
        # Where the chunk's first sample plays: the reply says once the take has started (exact while the stream
        # keeps up); before, the take's lead-in and the chunks before it.
        chunk_pts = pts if pts is not None else started + JITTER_S + seq * chunk_s
        i = int(np.searchsorted(face_pts, chunk_pts - 1e-9))
        if i < len(faces):
            latency.append(faces[i][1] - at)
    during = [received for pts, received in faces if started <= pts <= ended]
    audio = [m for m, _ in messages if isinstance(m, AudioChunk) and m.take == take]
    return {
        "chunk_to_face_frame_s": percentiles(latency, 50, 95),
        "chunk_to_face_frame_max_s": max(latency),
        "face_frames_per_s": (len(during) - 1) / (during[-1] - during[0]),
        "audio_out_s": sum(a.duration for a in audio),
        "chunks": len(sent),
        "reply_rtt_s": sync.rtt,
        "audio_in": counters,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=12.0, help="seconds of speech to stream (default 12)")
    parser.add_argument("--chunk-ms", type=float, default=20.0, help="chunk length (default 20 ms)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        seconds = speech_wav(wav, args.seconds)
        sidecar = start_sidecar(Path(tmp))
        try:
            time.sleep(2.0)  # the face model warms up on its worker after the start
            results = measure(sidecar.control, sidecar.stream, wav, args.chunk_ms / 1e3)
        finally:
            stop_sidecar(sidecar)
    results.update(seconds=seconds, chunk_ms=args.chunk_ms)
    ms = 1e3
    lat = results["chunk_to_face_frame_s"]
    counters = results["audio_in"]
    print(table([
        ("chunk in -> its first face frame p50", f"{lat['p50'] * ms:.1f} ms", ""),
        ("chunk in -> its first face frame p95", f"{lat['p95'] * ms:.1f} ms", ""),
        ("face frames per second", f"{results['face_frames_per_s']:.1f}", "60"),
        ("audio in / out", f"{seconds:.2f} / {results['audio_out_s']:.2f} s", f"+{JITTER_S:g} s lead-in"),
        ("late / gaps / dropped", f"{counters['late']} / {counters['gaps']} / {counters['dropped_s']} s", "0"),
    ], f"live audio benchmark ({results['chunks']} chunks of {args.chunk_ms:g} ms at real-time pace)"))
    print(f"wrote {write('live_audio', results)}")
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
