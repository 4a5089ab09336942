"""Transparency log speed at 10^6 entries: batched appends, proofs, full verification.

Targets (issue #6): ≥ 5,000 appends/s batched, inclusion proof generation and verification < 1 ms,
full verification of 10^6 entries < 60 s. The log lives in a SQLite catalogue (the embedded default),
migrated like any archive; entries are access-event sized (~200 bytes of canonical JSON).

    .venv/bin/python bench/ledger.py [--size 1000000] [--batch 1000] [--proofs 2000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json
from sqlalchemy import select

from dangan.ledger import (
    Entry,
    KeyStore,
    append_entries,
    consistency_proof_at,
    format_time,
    inclusion_proof_at,
    ledger_entry,
    ledger_head,
    root_at,
    save_checkpoint,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
    verify_log,
)
from dangan.store.catalog import Database, upgrade


def _entry(i: int) -> Entry:
    return Entry(
        "view",
        f"2026-01-02T03:{i // 60_000 % 60:02d}:{i // 1000 % 60:02d}.{i % 1_000_000:06d}Z",
        f"user{i % 97}",
        f"01M8BMC61K163SRB2Z6S{i % 999_999:06d}",
        i + 1,
        {"via": "web", "file": i % 5, "ip": f"10.0.{i % 256}.{i * 7 % 256}"},
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--proofs", type=int, default=2000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dangan-ledger-bench-"))
    url = f"sqlite:///{work / 'catalog.db'}"
    upgrade(url)
    db = Database(url)
    signer = KeyStore(work / "keys").signer("ed25519")
    rows: list[dict[str, object]] = []

    # 1. batched appends (one transaction per batch), with a signed checkpoint every 100k entries
    start = time.perf_counter()
    for first in range(0, args.size, args.batch):
        with db.write() as s:
            append_entries(
                s.connection(), [_entry(i) for i in range(first, min(first + args.batch, args.size))]
            )
            if (first + args.batch) % 100_000 == 0 or first + args.batch >= args.size:
                tree = ledger_head(s.connection())
                at = format_time(datetime.now(UTC))
                save_checkpoint(s.connection(), sign_checkpoint(signer, "bench", tree.size, tree.root(), at))
    append_s = time.perf_counter() - start
    rows.append({"measure": f"append, batches of {args.batch}", "value": f"{args.size / append_s:,.0f} /s",
                 "target": "≥ 5,000 /s"})  # fmt: skip

    single = 2000
    start = time.perf_counter()
    for i in range(single):
        with db.write() as s:
            append_entries(s.connection(), [_entry(args.size + i)])
    single_rate = single / (time.perf_counter() - start)
    rows.append({"measure": "append, one per transaction (fsync each)", "value": f"{single_rate:,.0f} /s",
                 "target": "—"})  # fmt: skip

    # 2. proofs against the last checkpoint-sized tree
    size = args.size
    rng = random.Random(6)
    gen, ver, cgen = [], [], []
    with db.read() as s:
        conn = s.connection()
        root = root_at(conn, size)
        for _ in range(args.proofs):
            index = rng.randrange(size)
            t0 = time.perf_counter()
            proof = inclusion_proof_at(conn, index, size)
            t1 = time.perf_counter()
            leaf = conn.execute(
                select(ledger_entry.c.leaf_hash).where(ledger_entry.c.leaf_index == index)
            ).scalar_one()
            t2 = time.perf_counter()
            verify_inclusion(bytes(leaf), index, size, proof, root)
            t3 = time.perf_counter()
            gen.append((t1 - t0) * 1000)
            ver.append((t3 - t2) * 1000)
        for _ in range(200):
            m = rng.randrange(1, size)
            t0 = time.perf_counter()
            cproof = consistency_proof_at(conn, m, size)
            cgen.append((time.perf_counter() - t0) * 1000)
        verify_consistency(m, size, root_at(conn, m), root, cproof)
    for name, values in (("inclusion proof generation", gen), ("inclusion proof verification", ver),
                         ("consistency proof generation", cgen)):  # fmt: skip
        rows.append({"measure": f"{name} at {size:,} (median / p95)",
                     "value": f"{statistics.median(values):.3f} / {_percentile(values, 0.95):.3f} ms",
                     "target": "< 1 ms" if "inclusion" in name else "—"})  # fmt: skip

    # 3. full verification: re-hash every entry, rebuild the tree, check nodes, head and checkpoints
    start = time.perf_counter()
    with db.read() as s:
        report = verify_log(s.connection(), KeyStore(work / "keys").public_keys())
    verify_s = time.perf_counter() - start
    assert report.ok, report.problems[:3]
    rows.append({"measure": f"full verification of {report.size:,} entries ({report.checkpoints} checkpoints)",
                 "value": f"{verify_s:.1f} s", "target": "< 60 s"})  # fmt: skip
    db_mb = (work / "catalog.db").stat().st_size / 1e6
    rows.append({"measure": "database size", "value": f"{db_mb:,.0f} MB", "target": "—"})
    db.dispose()

    print_table(f"Ledger at {args.size:,} entries (SQLite, embedded)", rows, ["measure", "value", "target"])
    doc = {
        "machine": machine(),
        "size": args.size,
        "batch": args.batch,
        "append_per_s_batched": round(args.size / append_s),
        "append_per_s_single": round(single_rate),
        "inclusion_proof_ms": {"median": statistics.median(gen), "p95": _percentile(gen, 0.95)},
        "inclusion_verify_ms": {"median": statistics.median(ver), "p95": _percentile(ver, 0.95)},
        "consistency_proof_ms": {"median": statistics.median(cgen), "p95": _percentile(cgen, 0.95)},
        "full_verification_s": verify_s,
        "database_mb": db_mb,
    }
    print(f"\nwrote {write_json('ledger', doc)}")


if __name__ == "__main__":
    main()
