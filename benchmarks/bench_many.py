"""Many hosts at once: N avatars of one sidecar each told a 20-word line at the same moment; seconds from the says to
each avatar's first audio chunk (the first, the median and the last avatar), and the gaps in each line's audio (the
voice falling behind what is being heard). Then the cost of the process hop: a line's first piece synthesized and
animated here against in a voice worker process, in turns.

    python -m benchmarks many [--avatars 16] [--voice-workers N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import table, write
from bridge.client import BridgeClient
from bridge.protocol import AudioChunk, Event

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_sidecar, stop_sidecar  # noqa: E402

#: 20 words: a short first clause, then two sentences.
LINE = "Hello everyone, welcome to our winter show. Today we meet the skiers, and then we try the famous hot chocolate."


def run(client: BridgeClient, names: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Each avatar's first audio (s after the says) and the silence inside its take (s), from the stream."""
    client.subscribe()
    time.sleep(0.5)
    sent = time.monotonic()
    takes = {client.say(LINE, avatar=name): name for name in names}
    first: dict[str, float] = {}
    gaps = dict.fromkeys(takes, 0.0)
    ends: dict[str, float] = {}
    ended: set[str] = set()
    for message, received in client.stream(timeout=10):
        take = getattr(message, "take", None)
        if isinstance(message, AudioChunk) and take in takes:
            first.setdefault(take, received - sent)
            if take in ends and message.pts > ends[take] + 1e-3:
                gaps[take] += message.pts - ends[take]
            ends[take] = message.pts + message.duration
        if isinstance(message, Event) and take in takes and message.type in ("take_ended", "interrupted"):
            ended.add(take)
            if ended == set(takes):
                break
    return {takes[t]: s for t, s in first.items()}, {takes[t]: s for t, s in gaps.items()}


def hop(rounds: int = 2) -> tuple[float, float]:
    """Median seconds of a first piece (voice + face driver) here and in a worker process, measured in turns."""
    from benchmarks.bench_sidecar import LINES
    from bridge.server import load_voice
    from bridge.synthesis import Piece, Synthesis, VoiceRecipe, speak, speak_in_worker
    from models.face.drivers import driver_for
    from models.tts import split_for_streaming

    voice, recipe = load_voice(), VoiceRecipe(None)
    driver = driver_for(voice.timings)
    synthesis = Synthesis(processes=1, recipes=[recipe])
    here, there = [], []
    try:
        [started.result() for started in synthesis.start()]
        assert synthesis.processes is not None
        for piece in [split_for_streaming(line)[0] for line in LINES] * rounds:
            began = time.perf_counter()
            list(speak(voice, driver, piece))
            here.append(time.perf_counter() - began)
            began = time.perf_counter()
            synthesis.processes.executor.submit(speak_in_worker, recipe, Piece(piece)).result()
            there.append(time.perf_counter() - began)
    finally:
        synthesis.shutdown()
    return statistics.median(here), statistics.median(there)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--avatars", type=int, default=16, help="avatars told a line at once (default 16)")
    parser.add_argument("--voice-workers", type=int, help="the sidecar's voice worker processes (default: a core each)")
    args = parser.parse_args(argv)
    names = [f"host{i}" for i in range(args.avatars)]
    workers = ["--voice-workers", str(args.voice_workers)] if args.voice_workers else []
    with tempfile.TemporaryDirectory() as tmp:
        sidecar = start_sidecar(Path(tmp), *(a for name in names for a in ("--avatar", name)), *workers, timeout=180)
        try:
            with BridgeClient(sidecar.control, sidecar.stream) as client:
                first, gaps = run(client, names)
        finally:
            stop_sidecar(sidecar)
    here, there = hop()
    order = sorted(first.values())
    results = {
        "avatars": args.avatars,
        "voice_workers": args.voice_workers,
        "line_words": len(LINE.split()),
        "first_audio_s": {"first": order[0], "median": statistics.median(order), "last": order[-1]},
        "gap_s": {"total": sum(gaps.values()), "worst_avatar": max(gaps.values())},
        "first_piece_s": {"here": here, "worker_process": there},
    }
    print(table([
        ("first audio, first avatar", f"{order[0] * 1e3:.0f} ms", ""),
        ("first audio, median avatar", f"{statistics.median(order) * 1e3:.0f} ms", ""),
        ("first audio, last avatar", f"{order[-1] * 1e3:.0f} ms", ""),
        ("gaps in the lines, all avatars", f"{sum(gaps.values()):.2f} s", ""),
        ("gaps in the lines, worst avatar", f"{max(gaps.values()):.2f} s", ""),
        ("first piece here / in a worker, p50", f"{here * 1e3:.0f} / {there * 1e3:.0f} ms", ""),
    ], f"{args.avatars} avatars, one {len(LINE.split())}-word line each, at once "
       f"(voice workers: {args.voice_workers or 'default'})"))
    print(f"wrote {write('many', results)}")


if __name__ == "__main__":
    main()
