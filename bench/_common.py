"""Shared helpers for the benchmarks: timing, medians, the result table and JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def timed(fn: Callable[[], Any]) -> float:
    """Seconds `fn` takes, after the writes of earlier steps have reached the disk: otherwise the first
    sync inside `fn` would also pay for them (the workload generated just before, the last run)."""
    os.sync()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(runs: int, fn: Callable[[], Any]) -> tuple[float, list[float]]:
    times = [timed(fn) for _ in range(runs)]
    return statistics.median(times), times


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "openssl": subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip(),
    }


def print_table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print(f"\n{title}")
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True)))


def write_json(name: str, doc: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_big_tiff(path: Path, megabytes: int) -> None:
    """An uncompressed grayscale TIFF of about `megabytes` MB: a long-term format the checks accept."""
    from PIL import Image

    width = 4096
    height = max(1, megabytes * 1024 * 1024 // width)
    Image.frombytes("L", (width, height), os.urandom(width * height)).save(path, format="TIFF")
