"""Dashboard speed at scale: each panel of `dangan.insight` (exact, access-aware: counts, median working
days, on-time rate) over a catalogue of synthetic records, against the plain SQL GROUP BY count of the
same filters in the same run.

The panels count through the DuckDB snapshot (`dangan.insight._snapshot`: a columnar copy of the
statistical columns up to a sequence mark, in memory) plus the records above the mark counted in the
catalogue. Measured here: building the snapshot from the catalogue, loading it from its file, each panel
(p50/p95), the whole dashboard, and the same again "while ingest runs" — with records added to the
catalogue after the snapshot (fewer than its catch-up step, so they are counted from the catalogue) —
and whether the answers equal the catalogue-only exact path (run with the snapshot switched off).

The earlier designs measured by this script (DuckDB over a CSV copy, a pre-aggregate cube, the
catalogue-only path) and their numbers are in docs/decisions.md ("Dashboard speed at 10^6 records").

Each panel is timed under four filter sets (none; a year and a department; three years and a district;
an industry and a matter) as an archivist and as a department clerk; p95 is over all those calls.

    .venv/bin/python bench/insight.py [--records 1000000] [--rounds 3] [--fresh 1500] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json
from _synthetic import COLUMNS, rows
from sqlalchemy import func, select

from dangan.access import Principal, Role, record_filter
from dangan.core import load_settings
from dangan.demo import DEPARTMENTS, MATTERS
from dangan.domain import SecurityLevel
from dangan.insight import (
    StatsFilter,
    _engine,
    dashboard,
    enterprise_registrations,
    filter_where,
    processing_times,
    results_ratio,
    stats,
)
from dangan.insight._snapshot import forget_snapshots, snapshot_path
from dangan.services.archive import Archive, open_archive
from dangan.store.catalog import Record

SCJG = "秦皇岛市市场监督管理局"
ARCHIVIST = Principal("bench", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
CLERK = Principal("clerk", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL)
FILTERS = {
    "none": StatsFilter(),
    "year+department": StatsFilter(date_from=date(2024, 1, 1), date_to=date(2024, 12, 31), department=SCJG),
    "3 years+district": StatsFilter(
        date_from=date(2022, 1, 1), date_to=date(2024, 12, 31), district="130302"
    ),
    "industry+matter": StatsFilter(industry="H", matter="食品经营许可"),
}
PANELS: dict[str, Callable[[Archive, Principal, StatsFilter], Any]] = {
    "by department": lambda a, u, f: stats(a, u, "department", f),
    "by month": lambda a, u, f: stats(a, u, "month", f),
    "results ratio": results_ratio,
    "processing / top matters": processing_times,
    "by district": lambda a, u, f: stats(a, u, "district", f),
    "by industry": lambda a, u, f: stats(a, u, "industry", f),
    "enterprises": enterprise_registrations,
}
BASE_COLUMN = {"by department": "department_id", "by month": "year", "results ratio": "result",
               "processing / top matters": "matter_id", "by district": "district", "by industry": "industry",
               "enterprises": "industry"}  # fmt: skip


def _load(db: Path, n: int) -> None:
    """Catalogue rows of the search benchmark's loader (without its search text), 5 % of them 企业设立登记."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("INSERT OR IGNORE INTO fonds(code, name) VALUES ('Z001', '秦皇岛市行政审批档案馆')")
    dept: dict[str, int] = {}
    for d in DEPARTMENTS:
        con.execute("INSERT INTO department(name, org_code) VALUES (?, ?)", (d.name, d.id_prefix))
        dept[d.name] = con.execute("SELECT id FROM department WHERE name = ?", (d.name,)).fetchone()[0]
    matter: dict[str, int] = {}
    for m in (*MATTERS,):
        con.execute(
            "INSERT INTO matter(department_id, name, code) VALUES (?, ?, ?)",
            (dept[m.department], m.name, m.code),
        )
        matter[m.name] = con.execute("SELECT id FROM matter WHERE name = ?", (m.name,)).fetchone()[0]
    con.execute(
        "INSERT INTO matter(department_id, name, code) VALUES (?, '企业设立登记', 'SCJG-DJ-001')",
        (dept[SCJG],),
    )
    reg = con.execute("SELECT id FROM matter WHERE name = '企业设立登记'").fetchone()[0]
    marks = ", ".join("?" * len(COLUMNS.split(",")))
    batch: list[tuple[object, ...]] = []
    for row in rows(n, 7, dept, matter):
        batch.append(row.values)
        if len(batch) == 50_000 or row.seq == n:
            con.executemany(f"INSERT INTO record({COLUMNS}) VALUES ({marks})", batch)
            con.commit()
            batch = []
    con.execute("UPDATE record SET matter_id = ?, department_id = ? WHERE seq % 20 = 0", (reg, dept[SCJG]))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _ms(fn: Callable[[], Any]) -> float:
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def _baseline(archive: Archive, user: Principal, f: StatsFilter, column: str) -> None:
    """The plain GROUP BY count over the same rows: what exact counting costs without days and medians."""
    with archive.db.read() as s:
        col = getattr(Record, column)
        s.execute(
            select(col, func.count()).where(record_filter(user), *filter_where(s, f)).group_by(col)
        ).all()


def _add_fresh(db: Path, k: int) -> int:
    """`k` more records after the current last one (copies of the first k with new identities), as an
    ingest running beside the dashboard would add them; the new highest seq."""
    con = sqlite3.connect(db)
    top = con.execute("SELECT max(seq) FROM record").fetchone()[0]
    cols = [r[1] for r in con.execute("PRAGMA table_info(record)")]
    fresh = {"seq": f"seq + {top}", "id": f"printf('%026d', seq + {top})", "archival_code": "archival_code || '-n'",
             "source_id": "source_id || '-n'", "item_no": f"item_no + {top}"}  # fmt: skip
    picks = ", ".join(fresh.get(c, c) for c in cols)
    con.execute(f"INSERT INTO record({', '.join(cols)}) SELECT {picks} FROM record WHERE seq <= {k}")
    con.commit()
    con.close()
    return int(top) + k


def _time_panels(archive: Archive, rounds: int) -> tuple[dict[str, list[float]], list[float]]:
    times: dict[str, list[float]] = defaultdict(list)
    whole: list[float] = []
    for _ in range(rounds):
        for user in (ARCHIVIST, CLERK):
            for f in FILTERS.values():
                for name, panel in PANELS.items():
                    times[name].append(_ms(partial(panel, archive, user, f)))
                whole.append(_ms(partial(dashboard, archive, user, f)))
    return times, whole


def _direct_equals(archive: Archive) -> bool:
    """The snapshot path's answers equal the catalogue-only path's (snapshot off), for two panels."""
    checks = [(ARCHIVIST, "department", StatsFilter()), (CLERK, "month", FILTERS["3 years+district"])]
    fast = [stats(archive, u, by, f).as_json() for u, by, f in checks]
    saved = _engine.SNAPSHOT_MIN_RECORDS
    _engine.SNAPSHOT_MIN_RECORDS = 1 << 62
    try:
        slow = [stats(archive, u, by, f).as_json() for u, by, f in checks]
    finally:
        _engine.SNAPSHOT_MIN_RECORDS = saved
    return fast == slow


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--fresh", type=int, default=1_500, help="records added after the snapshot")
    ap.add_argument("--keep", type=Path, help="reuse (or create and keep) the loaded data directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dangan-insight-"))
    data = args.keep or tmp / "data"
    archive = open_archive(load_settings(data))
    db = archive.settings.home / "catalog.db"
    with archive.db.read() as s:
        have = s.scalar(select(func.count()).select_from(Record)) or 0
    load_s = 0.0
    if have == 0:
        t = time.perf_counter()
        _load(db, args.records)
        load_s = time.perf_counter() - t
        print(f"loaded {args.records:,} records in {load_s:.0f} s", file=sys.stderr)
    elif have > args.records:  # an earlier run's fresh records: drop them
        with sqlite3.connect(db) as con:
            con.execute("DELETE FROM record WHERE seq > ?", (args.records,))
    snapshot_path(archive).unlink(missing_ok=True)
    forget_snapshots()
    build_s = _ms(partial(stats, archive, ARCHIVIST, "year")) / 1000
    forget_snapshots()
    reload_s = _ms(partial(stats, archive, ARCHIVIST, "year")) / 1000
    base: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for user in (ARCHIVIST, CLERK):
            for f in FILTERS.values():
                for name in PANELS:
                    base[name].append(_ms(partial(_baseline, archive, user, f, BASE_COLUMN[name])))
    times, whole = _time_panels(archive, args.rounds)
    equal = _direct_equals(archive)
    _add_fresh(db, args.fresh)
    times_live, whole_live = _time_panels(archive, args.rounds)
    equal_live = _direct_equals(archive)
    table = []
    for name in PANELS:
        table.append({"panel": name, "p50_ms": f"{statistics.median(times[name]):.0f}",
                      "p95_ms": f"{_p95(times[name]):.0f}",
                      "p95_ms_while_ingest": f"{_p95(times_live[name]):.0f}",
                      "groupby_count_p95_ms": f"{_p95(base[name]):.0f}"})  # fmt: skip
    cols = ["panel", "p50_ms", "p95_ms", "p95_ms_while_ingest", "groupby_count_p95_ms"]
    print_table(
        f"Dashboard panels at {args.records:,} records (SQLite catalogue + DuckDB snapshot)", table, cols
    )
    print(f"\nwhole dashboard (7 panels): p50 {statistics.median(whole):.0f} ms, p95 {_p95(whole):.0f} ms; "
          f"with {args.fresh:,} records newer than the snapshot: p50 {statistics.median(whole_live):.0f} ms, "
          f"p95 {_p95(whole_live):.0f} ms")  # fmt: skip
    print(f"snapshot build {build_s:.1f} s, reload from file {reload_s:.2f} s; "
          f"equal to the catalogue-only exact path: {equal} (after the new records: {equal_live})")  # fmt: skip
    write_json("insight" if args.records >= 1_000_000 else f"insight_{args.records}", {"machine": machine(), "records": args.records, "rounds": args.rounds, "load_s": load_s,
                           "panels": table, "dashboard_p50_ms": statistics.median(whole), "dashboard_p95_ms": _p95(whole),
                           "fresh_records": args.fresh, "dashboard_p50_ms_while_ingest": statistics.median(whole_live),
                           "dashboard_p95_ms_while_ingest": _p95(whole_live), "snapshot_build_s": build_s,
                           "snapshot_reload_s": reload_s, "equals_direct": equal, "equals_direct_while_ingest": equal_live})  # fmt: skip
    archive.close()
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
