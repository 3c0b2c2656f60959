"""What every benchmark shares: machine description, percentiles, table printing, JSON results."""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


def percentiles(values: list[float], *ps: float) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    return {f"p{p:g}": float(np.percentile(array, p)) for p in ps}


def table(rows: list[tuple[str, str, str]], title: str) -> str:
    width = max(len(r[0]) for r in rows)
    lines = [title, f"{'metric':{width}}  {'value':>14}  target"]
    lines += [f"{name:{width}}  {value:>14}  {target}" for name, value, target in rows]
    return "\n".join(lines)


def write(name: str, results: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "machine": machine(), **results}, indent=2))
    return path
