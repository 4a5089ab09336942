"""How long `dangan` takes to answer: `--help`, `COMMAND --help` and the fixed cost of a search, against
a bare `python -c pass` measured in the same run (issue #15).

Targets: `dangan --help` and every `dangan COMMAND --help` ≤ 0.3 s over bare Python; `dangan search
--json 某词` on a small initialised data directory ≤ 0.6 s. Each command runs in a new interpreter as
a user's shell starts it (`python -m dangan …`), output thrown away; the medians of `--runs` runs after
one warm-up run. PYTHONDONTWRITEBYTECODE is removed from the children's environment so that the
warm-up writes the .pyc files every later run reads, as an installed package has them. The child's CPU
time is printed beside the wall clock, and the load average around the run in the title: on a busy
machine the wall clock grows, the CPU time much less.

    .venv/bin/python bench/startup.py [--runs 7] [--cases 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median_of, print_table, write_json

HELP_TARGET_S = 0.3
SEARCH_TARGET_S = 0.6
HELPS = [
    [],
    ["search"],
    ["import"],
    ["check"],
    ["user", "add"],
    ["handover", "create"],
    ["request", "create"],
    ["ledger", "verify"],
    ["certify"],
    ["serve"],
]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("DANGAN_PROGRESS", None)
    return env


def _run(argv: list[str], env: dict[str, str], cpu: list[float] | None = None) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def _measure(label: str, argv: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """Wall-clock medians (what a user waits) and the child's CPU time (user + system): the start-up is
    one thread, so on an idle machine the two agree, and on a busy one the CPU time still shows the work."""
    _run(argv, env)  # warm-up: .pyc files written, the data directory's pages in the cache
    cpu: list[float] = []
    median, times = median_of(runs, lambda: _run(argv, env, cpu))
    return {"command": label, "median_s": round(median, 3), "min_s": round(min(times), 3),
            "cpu_s": round(statistics.median(cpu), 3)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--cases", type=int, default=20, help="demo cases in the data directory searched")
    args = ap.parse_args()
    env = _env()
    load_before = os.getloadavg()[0]
    dangan = [sys.executable, "-m", "dangan"]
    work = Path(tempfile.mkdtemp(prefix="dangan-startup-bench-"))
    try:
        data = str(work / "data")
        _run([*dangan, "demo", "--count", str(args.cases), "--data", data], env)
        baseline = _measure("python -c pass", [sys.executable, "-c", "pass"], env, args.runs)
        rows = [baseline]
        for path in HELPS:
            label = " ".join(["dangan", *path, "--help"])
            rows.append(
                _measure(label, [*dangan, *path, "--help"], env, args.runs) | {"target_s": HELP_TARGET_S}
            )
        search = [*dangan, "search", "某词", "--json", "--data", data]
        rows.append(
            _measure("dangan search 某词 --json", search, env, args.runs) | {"target_s": SEARCH_TARGET_S}
        )
        as_user = [*search, "--as", "archivist"]
        rows.append(
            _measure("dangan search 某词 --json --as archivist", as_user, env, args.runs)
            | {"target_s": SEARCH_TARGET_S}
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = (round(load_before, 2), round(os.getloadavg()[0], 2))
    base = baseline["median_s"]
    for row in rows:
        row["over_baseline_s"] = round(row["median_s"] - base, 3)
        row["cpu_over_baseline_s"] = round(row["cpu_s"] - baseline["cpu_s"], 3)
        row["ratio"] = round(row["median_s"] / base, 1) if base else ""
        if "target_s" in row:
            row["meets_target"] = "yes" if row["over_baseline_s"] <= row["target_s"] else "NO"
    print_table(
        f"Start-up, new interpreter per run (medians of {args.runs} runs after a warm-up; "
        f"PYTHONDONTWRITEBYTECODE unset, .pyc present; {os.cpu_count()} CPUs, load average {load[0]} → {load[1]})",
        rows,
        [
            "command",
            "median_s",
            "min_s",
            "over_baseline_s",
            "ratio",
            "cpu_s",
            "cpu_over_baseline_s",
            "target_s",
            "meets_target",
        ],
    )
    written = write_json(
        "startup",
        {"machine": machine(), "runs": args.runs, "cases": args.cases, "load_average": load, "rows": rows},
    )
    print(f"\nwritten {written}")


if __name__ == "__main__":
    main()
