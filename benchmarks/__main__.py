"""`python -m benchmarks [NAME ...] [OPTIONS]`: run every benchmarks/bench_*.py (or the named ones) in turn; options
after the names go to each (`python -m benchmarks audio_face --help` lists one benchmark's)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    available = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    split = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:split], argv[split:]
    if not names and options and options[0] in ("-h", "--help"):
        print(__doc__.strip() + "\n\nbenchmarks: " + " ".join(available))
        return 0
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"error: no benchmark {', '.join(unknown)}; there are: {' '.join(available)}", file=sys.stderr)
        return 2
    for name in names or available:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main(options)
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
