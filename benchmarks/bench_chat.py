"""Chat → first audio on the wire: the real sidecar, a DEALER sending `chat`, a SUB timing the answer's first
audio chunk. Once with the embedded retrieval engine (target p50 ≤ 250 ms on this machine) and once with a
streaming OpenAI-compatible server whose time to first token is simulated at 300 ms (target ≤ TTFT + 200 ms).
The embedded run also counts the performer's ticks held back while answering (the sidecar's `performer overrun`
warnings): the embedded engine composes on the sidecar's compose thread, so none should be (it composed on the
event loop until 5de1567, and a slow answer held the avatar's motion back). Then the engine alone, in-process: its
time per answer back to back, and after 2 s idle before each question.

    python -m benchmarks.bench_chat [--questions 15]
    python -m benchmarks.bench_chat --llm-url URL [--llm-model M] [--llm-first-sentence-s S]

With --llm-url it times a real OpenAI-compatible server instead (e.g. llama.cpp's, docs/dialogue.md): each answer's
first audio, and whether the LLM spoke first or retrieval answered (a `fallback` event before any audio).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from benchmarks.common import percentiles, table, write
from bridge.client import BridgeClient, BridgeError
from bridge.dialogue import build_engine
from bridge.protocol import AudioChunk, ChatRequest, Event
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.persona import load_persona, sample_persona_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.conftest import start_sidecar, stop_sidecar  # noqa: E402

QUESTIONS = [
    "How thick is a hockey puck?", "How much is the snowflake beanie?", "Why do curlers sweep the ice?",
    "Who built the first ice resurfacing machine?", "Which country has won the most Winter Olympic medals?",
    "What does the team hoodie cost?", "Where were the first Winter Olympics?", "What is biathlon?",
    "You're amazing, Aurora!", "How long does shipping take?", "What's the capital of Peru?",
    "Do speed skaters race clockwise?", "How heavy can a curling stone be?", "When did snowboarding join the Olympics?",
    "How much is the mascot plush?",
]
TTFT_S = 0.3
#: The pause before each in-process answer of the "after idle" row (a live chat's questions come seconds apart).
IDLE_S = 2.0
#: What the simulated model says: a short first sentence, then more, one token every 20 ms (about 50 tokens/s).
LLM_TOKENS = ["[happy] ", "Great ", "question! ", "Hockey ", "pucks ", "are ", "frozen ", "before ", "games ", "so ",
              "they ", "bounce ", "less. ", "<thumbs_up>"]


def chat_to_first_audio(client: BridgeClient, questions: list[str],
                        fallbacks: list[list[dict[str, object]]] | None = None) -> list[float]:
    """Seconds from each `chat` to its answer's first audio chunk; each answer's `fallback` events go into
    `fallbacks` (with whether they came before its first audio)."""
    latencies = []
    for i, text in enumerate(questions):
        sent = time.monotonic()
        reply = client.request(ChatRequest(user=f"fan{i}", text=text))
        assert reply["status"] == "answering", reply
        first = None
        events: list[dict[str, object]] = []
        for message, received in client.stream(timeout=90):
            if isinstance(message, AudioChunk) and message.take == reply["take"] and first is None:
                first = received - sent
            if isinstance(message, Event) and message.take == reply["take"] and message.type == "fallback":
                events.append({**message.data, "before_audio": first is None})
            if isinstance(message, Event) and message.take == reply["take"] and message.type == "take_ended":
                break
        assert first is not None, f"no audio for {text!r}"
        latencies.append(first)
        if fallbacks is not None:
            fallbacks.append(events)
    return latencies


def wait_for_dialogue(client: BridgeClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            reply = client.request(ChatRequest(user="warmup", text="Hi!"))
        except BridgeError as exc:
            if exc.code != "not_ready":
                raise
            time.sleep(0.2)
            continue
        for message, _ in client.stream(timeout=15):
            if isinstance(message, Event) and message.take == reply.get("take") and message.type == "take_ended":
                return
    raise TimeoutError("dialogue did not load")


def run_sidecar(tmp: Path, extra: list[str], questions: list[str],
                fallbacks: list[list[dict[str, object]]] | None = None) -> tuple[list[float], list[float]]:
    """Each question's chat → first audio, and how late the performer's tick ran (its `performer overrun`
    warnings, seconds) while they were answered: an answer composed on the event loop holds the tick back."""
    sidecar = start_sidecar(tmp, *extra)
    try:
        with BridgeClient(sidecar.control, sidecar.stream, timeout=30) as client:
            client.subscribe(avatar="host")
            time.sleep(0.3)
            wait_for_dialogue(client)
            start = sidecar.log_path.stat().st_size
            latencies = chat_to_first_audio(client, questions, fallbacks)
            with sidecar.log_path.open() as log:
                log.seek(start)
                return latencies, overruns(log)
    finally:
        stop_sidecar(sidecar)


def overruns(log: Iterable[str]) -> list[float]:
    """The late_s of every `performer overrun` record of a sidecar's JSON log."""
    return [float(json.loads(line)["late_s"]) for line in log if '"performer overrun"' in line]


class LLMDouble:
    """The test double server in its own process (so the benchmark's client never delays its tokens)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.llm_double", str(TTFT_S), "0.02", *LLM_TOKENS],
            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def embedded_engine() -> RetrievalEngine:
    """The engine `serve` loads for the default persona, in this process."""
    engine = build_engine(load_persona(sample_persona_path("en")))
    assert isinstance(engine, RetrievalEngine)
    return engine


def compose_seconds(engine: RetrievalEngine, questions: list[str], idle_s: float) -> list[float]:
    """The embedded engine's own time per answer in this process (`RetrievalEngine.compose`, the question's
    embedding included), each question new to it, after `idle_s` of idleness: on a shared VM an answer after a
    pause, as in a live chat, runs on a CPU that has gone cold."""
    seconds = []
    for i, text in enumerate(questions):
        engine.index.forget_queries()  # each question embedded anew, as a fan's new question is
        time.sleep(idle_s)
        start = time.perf_counter()
        engine.compose(ChatTurn(user=f"fan{i}", text=text))
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=len(QUESTIONS))
    parser.add_argument("--llm-url", help="time this OpenAI-compatible server instead of the embedded engine and "
                        "the simulated one")
    parser.add_argument("--llm-model", default="default")
    parser.add_argument("--llm-first-sentence-s", type=float, default=2.0)
    args = parser.parse_args(argv)
    questions = (QUESTIONS * 4)[: args.questions]
    if args.llm_url:
        real_llm(args, questions)
        return
    with tempfile.TemporaryDirectory() as tmp:
        embedded, stalls = run_sidecar(Path(tmp), [], questions)
        double = LLMDouble()
        try:
            llm, _ = run_sidecar(Path(tmp), ["--llm-url", double.url, "--llm-model", "simulated"], questions)
        finally:
            double.close()
    engine = embedded_engine()
    hot, cold = compose_seconds(engine, questions, 0.0), compose_seconds(engine, questions, IDLE_S)
    e, m = percentiles(embedded, 50, 95), percentiles(llm, 50, 95)
    h, c = percentiles(hot, 50, 95), percentiles(cold, 50, 95)
    rows = [
        ("embedded: compose in-process, back to back p50 / p95", f"{1000 * h['p50']:.0f} / {1000 * h['p95']:.0f} ms",
         ""),
        (f"embedded: compose in-process, after {IDLE_S:.0f} s idle p50 / p95",
         f"{1000 * c['p50']:.0f} / {1000 * c['p95']:.0f} ms", ""),
        ("embedded: chat → first audio p50", f"{1000 * e['p50']:.0f} ms", "≤ 250 ms"),
        ("embedded: chat → first audio p95", f"{1000 * e['p95']:.0f} ms", ""),
        ("embedded: performer ticks held back (late, most)",
         f"{len(stalls)} ({1000 * max(stalls, default=0.0):.0f} ms)", "0"),
        ("LLM (TTFT 300 ms): chat → first audio p50", f"{1000 * m['p50']:.0f} ms", f"≤ {1000 * TTFT_S + 200:.0f} ms"),
        ("LLM (TTFT 300 ms): chat → first audio p95", f"{1000 * m['p95']:.0f} ms", ""),
    ]
    print(table(rows, f"chat → first audio on the wire ({len(questions)} questions each)"))
    path = write("chat", {"questions": len(questions), "ttft_s": TTFT_S,
                          "embedded_s": embedded, "llm_s": llm, "embedded_overruns_s": stalls,
                          "compose_back_to_back_s": hot, "compose_after_idle_s": cold, "idle_s": IDLE_S,
                          "embedded": e, "llm": m})
    print(f"wrote {path}")


def real_llm(args: argparse.Namespace, questions: list[str]) -> None:
    fallbacks: list[list[dict[str, object]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        latencies, _ = run_sidecar(Path(tmp), ["--llm-url", args.llm_url, "--llm-model", args.llm_model,
                                               "--llm-first-sentence-s", str(args.llm_first_sentence_s)],
                                   questions, fallbacks)
    p = percentiles(latencies, 50, 95)
    llm_first = sum(1 for events in fallbacks if not any(e["before_audio"] for e in events))
    repaired = sum(1 for events in fallbacks if any(e["partial"] for e in events))
    rows = [
        ("chat → first audio p50", f"{1000 * p['p50']:.0f} ms", ""),
        ("chat → first audio p95", f"{1000 * p['p95']:.0f} ms", ""),
        ("the LLM spoke first", f"{llm_first}/{len(questions)}", ""),
        ("repaired after the LLM's first sentences", f"{repaired}/{len(questions)}", ""),
    ]
    print(table(rows, f"{args.llm_model} at {args.llm_url}, wait {args.llm_first_sentence_s} s "
                      f"({len(questions)} questions)"))
    path = write("chat_real_llm", {"questions": questions, "model": args.llm_model,
                                   "first_sentence_s": args.llm_first_sentence_s, "latency_s": latencies,
                                   "percentiles": p, "fallbacks": fallbacks, "llm_first": llm_first,
                                   "repaired": repaired})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
