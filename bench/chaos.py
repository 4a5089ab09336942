"""The long chaos run: the harness of tests/e2e/test_chaos.py with many more kills (default 24).

While 4 clients push cases over the API, a bulk import runs and a reader searches and downloads, the
server, the worker and the import are SIGKILLed at seeded random moments and restarted; after every
restart the invariants are checked (every acknowledged case stored once and whole, both copies good,
件号 without gaps, `dangan ledger verify` ok); at the end the import completes, interrupted OCR jobs
resume and finish, `dangan verify` is clean and the search engine holds exactly the catalogue's records.

    .venv/bin/python bench/chaos.py [--kills 24] [--seed 1] [--pool 200]

Prints a table and writes bench/results/chaos.json. An invariant that breaks stops the run with the
assertion (exit 1).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))

from _common import machine, print_table, write_json  # noqa: E402
from tests.e2e.test_chaos import Harness  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=24, help="SIGKILLs in the run (≥ 20 for the issue)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pool", type=int, default=200, help="packages in the bulk import")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dangan-chaos-") as tmp:
        harness = Harness(Path(tmp), seed=args.seed, pool_size=args.pool)
        harness.prepare()
        failure = None
        settled: dict[str, object] = {}
        try:
            harness.run(kills=args.kills)
            settled = harness.settle(timeout=900)
        except AssertionError as exc:
            failure = str(exc)[:2000]
        summary = harness.summary()
    seconds = round(time.perf_counter() - started, 1)
    rows = [
        {
            "what": "kills (serve/worker/import)",
            "value": "/".join(str(summary["kills"].get(k, 0)) for k in ("serve", "worker", "import")),
        },
        {"what": "checks after restart", "value": summary["checks"]},
        {"what": "pushes acknowledged", "value": summary["acked"]},
        {"what": "push answers", "value": summary["pushes"]},
        {"what": "reads", "value": summary["reads"]},
        {"what": "records at the end", "value": settled.get("records", "-")},
        {"what": "objects verified", "value": settled.get("objects_checked", "-")},
        {"what": "search engine documents", "value": settled.get("indexed", "-")},
        {"what": "unexpected answers", "value": len(summary["unexpected"])},
        {
            "what": "verdict",
            "value": "ok" if failure is None and not summary["unexpected"] else f"FAILED: {failure}",
        },
        {"what": "seconds", "value": seconds},
    ]
    print_table(f"Chaos run, seed {args.seed}", rows, ["what", "value"])
    write_json("chaos", {
        "date": datetime.now(UTC).date().isoformat(), "machine": machine(), "args": vars(args),
        "summary": summary, "settled": settled, "failure": failure, "seconds": seconds,
    })  # fmt: skip
    return 0 if failure is None and not summary["unexpected"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
