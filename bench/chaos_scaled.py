"""Faults in the scaled configuration, repeated: PostgreSQL and the S3 location stopped mid-run.

The harness of tests/scaled/test_outage.py (`dangan serve` + `dangan worker` on PostgreSQL + SeaweedFS
+ Redis, 2 clients pushing cases) with several outages in a row on one running stack, alternating
PostgreSQL (`pg_ctl stop -m immediate`) and S3 (SIGKILL of SeaweedFS), each followed by a restart of
that part only. After every round: answers during the outage were 503 with a Chinese message (never a
500), no push took longer than the bound, serve and worker were never restarted and took work again by
themselves, every acknowledged push is stored once and whole in both copies, `dangan ledger verify` is
ok and the full-text index equals the catalogue.

    .venv/bin/python bench/chaos_scaled.py [--rounds 4]

Prints a table and writes bench/results/chaos_scaled.json. Uses SeaweedFS, which binds fixed ports
(8181, 9101): run it when no S3-marked test runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DANGAN_EMBED_INTERVAL", "0")

from _common import machine, print_table, write_json  # noqa: E402
from tests.pg import create_database  # noqa: E402
from tests.redis_server import PrivateRedis  # noqa: E402
from tests.scaled.test_outage import (  # noqa: E402
    RestartableCluster,
    RestartableSeaweed,
    Stack,
    _check_refusals,
    _check_stored,
    _outage,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4, help="outages, alternating PostgreSQL and S3")
    args = parser.parse_args()
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    failure = None
    with tempfile.TemporaryDirectory(prefix="dangan-chaos-scaled-") as tmp:
        root = Path(tmp)
        (root / "weed").mkdir()
        cluster, seaweed, redis = RestartableCluster(), RestartableSeaweed(root / "weed"), PrivateRedis()
        stack: Stack | None = None
        try:
            admin = cluster.start()
            s3 = seaweed.start()
            env = {
                "DANGAN_HOME": str(root / "data"), "DANGAN_DATABASE_URL": create_database(admin),
                "DANGAN_PRIMARY_STORE": "s3", "DANGAN_REPLICAS": "local", "DANGAN_REPLICA_DIR": str(root / "replica"),
                "DANGAN_S3_ENDPOINT": s3["endpoint"], "DANGAN_S3_BUCKET": "dangan-chaos",
                "DANGAN_S3_PREFIX": uuid.uuid4().hex[:12], "DANGAN_S3_ACCESS_KEY": s3["access_key"],
                "DANGAN_S3_SECRET_KEY": s3["secret_key"], "DANGAN_REDIS_URL": redis.start(),
                "DANGAN_MASTER_KEY_FILE": str(root / "keys" / "master.key"), "DANGAN_AUDIT_INTERVAL": "0",
            }  # fmt: skip
            stack = Stack(env, root)
            stack.start()
            parts = {"postgresql": (cluster.halt, cluster.resume), "s3": (seaweed.halt, seaweed.resume)}
            for n in range(args.rounds):
                part = ("postgresql", "s3")[n % 2]
                before = dict(stack.statuses)
                began = time.perf_counter()
                probes = _outage(stack, *parts[part])
                _check_refusals(stack, probes)
                _check_stored(stack)
                after = stack.statuses
                rows.append({
                    "round": n + 1, "part": part,
                    "2xx": sum(after[k] - before.get(k, 0) for k in ("200", "201")),
                    "503": after["503"] - before.get("503", 0),
                    "probes 503": sum(r.status_code == 503 for r in probes),
                    "500": after["500"] - before.get("500", 0),
                    "slowest push s": round(stack.slowest, 2),
                    "round s": round(time.perf_counter() - began, 1),
                    "stored": len(stack.acked),
                })  # fmt: skip
        except AssertionError as exc:
            failure = str(exc)[:2000]
        finally:
            if stack is not None:
                stack.close()
            seaweed.stop()
            redis.stop()
            cluster.stop()
    seconds = round(time.perf_counter() - started, 1)
    columns = ["round", "part", "2xx", "503", "probes 503", "500", "slowest push s", "round s", "stored"]
    print_table("Outages in the scaled configuration", rows, columns)
    print(f"verdict: {'ok' if failure is None else 'FAILED: ' + failure}   ({seconds} s)")
    write_json("chaos_scaled", {
        "date": datetime.now(UTC).date().isoformat(), "machine": machine(), "args": vars(args),
        "rounds": rows, "failure": failure, "seconds": seconds,
    })  # fmt: skip
    return 0 if failure is None else 1


if __name__ == "__main__":
    raise SystemExit(main())
