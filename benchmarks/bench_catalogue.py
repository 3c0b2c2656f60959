"""Catalogue questions: how long `answer_catalogue` takes per message (sample persona, English and Chinese), and
how long the embedded engine's whole `compose` takes on the same catalogue questions (BM25 index, so the number is
the engine's own work, not the embedding model's).

    python -m benchmarks.bench_catalogue [--rounds 50]

A catalogue answer is pure word matching over the product fields: it must stay far below a millisecond so that
chat → first audio does not move (bench_chat measures that end to end).
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import percentiles, table, write
from models.dialogue.catalogue import answer_catalogue
from models.dialogue.engine import ChatTurn, RetrievalEngine
from models.dialogue.persona import load_default_persona, load_persona, sample_persona_path
from models.dialogue.retrieval import KnowledgeIndex
from models.dialogue.wording import WORDING

#: Catalogue questions and some that are not (those must be turned away quickly too), with odd input among them.
QUESTIONS = {
    "en": [
        "Do you have anything for kids under 20 dollars?", "What's the cheapest thing in the store?",
        "Which is cheaper, the beanie or the mittens?", "Anything in red?", "Is the hoodie in stock?",
        "What colours does the beanie come in?", "I need something warm for the slopes, what do you have?",
        "What's the difference between the thermal bottle and the squeeze bottle?", "Can I buy the goggles right now?",
        "What's the cheapest thing? And is it in stock?", "Tell me a fun fact about curling", "How much is the beanie?",
        "x" * 490, "🧤🧤 " * 100, "between 30 and 10 dollars?",
    ],
    "zh": ["有没有适合小孩的，100元以下？", "最便宜的是哪个？", "帽子和手套哪个便宜？", "手套有货吗？",
           "一百元以下有什么？", "冰壶为什么要扫冰？"],
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=50, help="times each question is asked")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str, str]] = []
    results: dict[str, object] = {"rounds": args.rounds}
    for language, questions in QUESTIONS.items():
        persona = load_default_persona() if language == "en" else load_persona(sample_persona_path(language))
        wording = WORDING[language]
        engine = RetrievalEngine(persona, KnowledgeIndex(persona.knowledge, language=language, backend="bm25"))
        timings: dict[str, list[float]] = {"answer_catalogue": [], "compose": []}
        for question in questions:  # first calls fill the word caches
            answer_catalogue(question, persona.knowledge, (), wording)
        for _ in range(args.rounds):
            for question in questions:
                start = time.perf_counter()
                answer_catalogue(question, persona.knowledge, (), wording)
                timings["answer_catalogue"].append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                engine.compose(ChatTurn("fan", question))
                timings["compose"].append((time.perf_counter() - start) * 1000)
        for name, values in timings.items():
            stats = percentiles(values, 50, 95, 99)
            results[f"{language}_{name}_ms"] = stats
            rows.append((f"{language} {name} p50 / p95 ms", f"{stats['p50']:.3f} / {stats['p95']:.3f}",
                         "< 1 ms" if name == "answer_catalogue" else ""))
    print(table(rows, f"catalogue questions ({args.rounds} rounds)"))
    print(f"wrote {write('catalogue', results)}")


if __name__ == "__main__":
    main()
