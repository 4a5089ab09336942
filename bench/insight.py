"""Dashboard speed at scale: each panel of `dangan.insight` (exact, access-aware: counts, median working
days, on-time rate) over a catalogue of synthetic records, against the plain SQL GROUP BY count of the
same filters in the same run, and two faster designs measured beside it:

- DuckDB 2.0.0 over a columnar copy of the catalogue's columns (its sqlite scanner is an extension that
  DuckDB downloads on first use, which cannot happen offline, so the columns are copied through CSV);
  working days by joining a calendar table, median by DuckDB's `median`;
- a pre-aggregate cube in the catalogue (month, department, matter, district, industry, result, security
  rank, open, working days → count) such as the ingest transaction could maintain; only measured here.

Each panel is timed under four filter sets (none; a year and a department; three years and a district;
an industry and a matter) as an archivist and as a department clerk; p95 is over all those calls.

    .venv/bin/python bench/insight.py [--records 1000000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
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
    china_calendar,
    enterprise_registrations,
    filter_where,
    processing_times,
    results_ratio,
    stats,
)
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


def _fetch(con: sqlite3.Connection, sql: str) -> list[Any]:
    return con.execute(sql).fetchall()


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def _baseline(archive: Archive, user: Principal, f: StatsFilter, column: str) -> None:
    """The plain GROUP BY count over the same rows: what exact counting costs without days and medians."""
    with archive.db.read() as s:
        col = getattr(Record, column)
        s.execute(
            select(col, func.count()).where(record_filter(user), *filter_where(s, f)).group_by(col)
        ).all()


def _duck_copy(archive: Archive, tmp: Path) -> tuple[Any, float]:
    import duckdb

    t = time.perf_counter()
    path = tmp / "record.csv"
    con = sqlite3.connect(archive.settings.home / "catalog.db")
    cols = "seq, department_id, matter_id, district, industry, accepted_at, decided_at, year, result, security_rank, open_to_public"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(con.execute(f"SELECT {cols} FROM record"))
    con.close()
    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{path}', header=false, names=[{', '.join(repr(c.strip()) for c in cols.split(','))}], "
                 "types={'district': 'VARCHAR', 'industry': 'VARCHAR', 'accepted_at': 'DATE', 'decided_at': 'DATE'})")  # fmt: skip
    cal = china_calendar()
    index = [
        (d, cal.working_days(date(2000, 1, 1), d))
        for d in (
            date.fromordinal(o) for o in range(date(2015, 1, 1).toordinal(), date(2030, 1, 1).toordinal())
        )
    ]
    duck.execute("CREATE TABLE cal(day DATE PRIMARY KEY, idx INTEGER)")
    duck.executemany("INSERT INTO cal VALUES (?, ?)", index)
    return duck, time.perf_counter() - t


def _duck_panel(duck: Any, key: str, where: str) -> list[tuple[Any, ...]]:
    return duck.execute(
        f"SELECT {key} AS k, count(*), median(c2.idx - c1.idx), avg(CASE WHEN c2.idx - c1.idx <= 20 THEN 1 ELSE 0 END) "
        f"FROM r JOIN cal c1 ON c1.day = r.accepted_at JOIN cal c2 ON c2.day = r.decided_at WHERE {where} GROUP BY k"
    ).fetchall()  # fmt: skip


def _cube_build(archive: Archive) -> tuple[int, float]:
    t = time.perf_counter()
    cal = china_calendar()
    con = sqlite3.connect(archive.settings.home / "catalog.db")
    con.execute("DROP TABLE IF EXISTS bench_cube")
    con.execute("CREATE TABLE bench_cube(month INTEGER, department_id INTEGER, matter_id INTEGER, district TEXT, "
                "industry TEXT, result TEXT, security_rank INTEGER, open_to_public INTEGER, work_days INTEGER, n INTEGER)")  # fmt: skip
    cube: dict[tuple[Any, ...], int] = defaultdict(int)
    cur = con.execute("SELECT accepted_at, decided_at, department_id, matter_id, district, industry, result, "
                      "security_rank, open_to_public FROM record")  # fmt: skip
    for acc, dec, *rest in cur:
        a, d = date.fromisoformat(acc), date.fromisoformat(dec)
        cube[(d.year * 100 + d.month, *rest, cal.working_days(a, d))] += 1
    con.executemany(
        "INSERT INTO bench_cube VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*k, n) for k, n in cube.items()]
    )
    con.execute("CREATE INDEX bench_cube_month ON bench_cube(month)")
    con.commit()
    con.close()
    return len(cube), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="reuse (or create and keep) the loaded data directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dangan-insight-"))
    data = args.keep or tmp / "data"
    archive = open_archive(load_settings(data))
    with archive.db.read() as s:
        have = s.scalar(select(func.count()).select_from(Record)) or 0
    load_s = 0.0
    if have < args.records:
        assert have == 0, f"{data} holds {have} records; use an empty or a full directory"
        t = time.perf_counter()
        _load(archive.settings.home / "catalog.db", args.records)
        load_s = time.perf_counter() - t
        print(f"loaded {args.records:,} records in {load_s:.0f} s", file=sys.stderr)
    table, times = [], defaultdict(list)
    whole: list[float] = []
    for _ in range(args.rounds):
        for user in (ARCHIVIST, CLERK):
            for f in FILTERS.values():
                for name, panel in PANELS.items():
                    times[name].append(_ms(partial(panel, archive, user, f)))
                    times[name + "/base"].append(_ms(partial(_baseline, archive, user, f, BASE_COLUMN[name])))
                whole.append(sum(times[name][-1] for name in PANELS))
    duck, duck_load = _duck_copy(archive, tmp)
    with sqlite3.connect(archive.settings.home / "catalog.db") as lookup:
        dept_id = lookup.execute("SELECT id FROM department WHERE name = ?", (SCJG,)).fetchone()[0]
        matter_id = lookup.execute("SELECT id FROM matter WHERE name = '食品经营许可'").fetchone()[0]
        names = dict(lookup.execute("SELECT id, name FROM department"))
    # DuckDB's figures are the exact model's: same counts, medians and on-time rates (limit 20 everywhere here)
    exact = {
        r.label: (r.tally.count, r.tally.median_days, r.tally.on_time_rate)
        for r in stats(archive, ARCHIVIST, "department").rows
    }
    duck_rows = {
        names[k]: (n, float(med), rate) for k, n, med, rate in _duck_panel(duck, "department_id", "TRUE")
    }
    agree = exact.keys() == duck_rows.keys() and all(
        exact[k][:2] == duck_rows[k][:2] and abs(exact[k][2] - duck_rows[k][2]) < 1e-12 for k in exact
    )
    print(f"DuckDB equals the exact model (by department, no filter): {agree}")
    where = {"none": "TRUE", "year+department": f"decided_at BETWEEN '2024-01-01' AND '2024-12-31' AND department_id = {dept_id}",
             "3 years+district": "decided_at BETWEEN '2022-01-01' AND '2024-12-31' AND district LIKE '130302%'",
             "industry+matter": f"industry LIKE 'H%' AND matter_id = {matter_id}"}  # fmt: skip
    duck_keys = {"by department": "department_id", "by month": "strftime(decided_at, '%Y-%m')", "results ratio": "result",
                 "processing / top matters": "matter_id", "by district": "district", "by industry": "substr(industry, 1, 1)",
                 "enterprises": "year || substr(industry, 1, 1)"}  # fmt: skip
    duck_times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for w in where.values():
            for name, key in duck_keys.items():
                duck_times[name].append(_ms(partial(_duck_panel, duck, key, w)))
    cube_rows, cube_s = _cube_build(archive)
    con = sqlite3.connect(archive.settings.home / "catalog.db")
    cube_keys = {"by department": "department_id", "by month": "month", "results ratio": "result",
                 "processing / top matters": "matter_id", "by district": "district", "by industry": "industry",
                 "enterprises": "month / 100, industry"}  # fmt: skip
    cube_where = {"none": "1", "year+department": f"month BETWEEN 202401 AND 202412 AND department_id = {dept_id}",
                  "3 years+district": "month BETWEEN 202201 AND 202412 AND district LIKE '130302%'",
                  "industry+matter": f"industry LIKE 'H%' AND matter_id = {matter_id}"}  # fmt: skip
    cube_times: dict[str, list[float]] = defaultdict(list)
    for _ in range(args.rounds):
        for w in cube_where.values():
            for name, key in cube_keys.items():
                q = f"SELECT {key}, matter_id, work_days, sum(n) FROM bench_cube WHERE {w} GROUP BY {key}, matter_id, work_days"
                cube_times[name].append(_ms(partial(_fetch, con, q)))
    for name in PANELS:
        table.append({"panel": name, "exact_p50_ms": f"{statistics.median(times[name]):.0f}",
                      "exact_p95_ms": f"{_p95(times[name]):.0f}", "groupby_count_p95_ms": f"{_p95(times[name + '/base']):.0f}",
                      "duckdb_p95_ms": f"{_p95(duck_times[name]):.0f}", "cube_p95_ms": f"{_p95(cube_times[name]):.0f}"})  # fmt: skip
    cols = ["panel", "exact_p50_ms", "exact_p95_ms", "groupby_count_p95_ms", "duckdb_p95_ms", "cube_p95_ms"]
    print_table(f"Dashboard panels at {args.records:,} records (SQLite catalogue)", table, cols)
    print(
        f"\nwhole dashboard (7 panels, exact): p50 {statistics.median(whole):.0f} ms, p95 {_p95(whole):.0f} ms"
    )
    print(f"DuckDB copy of the columns: {duck_load:.1f} s; cube build: {cube_s:.1f} s, {cube_rows:,} rows")
    write_json("insight" if args.records >= 1_000_000 else f"insight_{args.records}", {"machine": machine(), "records": args.records, "rounds": args.rounds, "load_s": load_s,
                           "panels": table, "dashboard_p50_ms": statistics.median(whole), "dashboard_p95_ms": _p95(whole),
                           "duckdb_equals_exact": agree, "duckdb_copy_s": duck_load, "cube_build_s": cube_s, "cube_rows": cube_rows})  # fmt: skip
    archive.close()
    shutil.rmtree(tmp, ignore_errors=True)  # the CSV copy (and the data, unless --keep put it elsewhere)


if __name__ == "__main__":
    main()
