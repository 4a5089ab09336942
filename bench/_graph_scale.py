"""The graph's queries at scale (issue #18 item 9): `related` 1 and 2 hops and `enterprise_view` over a
catalogue of N synthetic records whose graph is written in bulk (`_graph_synthetic.py`), with the access
filter on, as an archivist (机密) and as a department clerk (内部, his department's records only).

Centres are sampled in two groups per kind: typical (random) and heaviest (most edges: group companies,
serial representatives, business centres, and for `related` the hubs — a department, the busiest matter —
whose answers the edge cap must keep bounded and mark truncated).
"""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _graph_synthetic import load_graph
from _synthetic import load
from sqlalchemy import text

from dangan.access import Principal, Role
from dangan.core import NotFound, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.graph import INSIGHT_LISTS, InsightQuery, enterprise_view, graph_insight, related

CLERK_DEPARTMENT = "秦皇岛市市场监督管理局"
USERS = {
    "archivist": Principal("bench-archivist", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL),
    "clerk": Principal(
        "bench-clerk", Role.CLERK, department=CLERK_DEPARTMENT, clearance=SecurityLevel.INTERNAL
    ),
}
TARGETS = {"related 1 hop": 20.0, "related 2 hops": 20.0, "enterprise_view": 100.0}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare(data: Path, records: int, source: Path | None) -> tuple[Archive, dict[str, Any]]:
    """The archive at `data` with `records` records and their graph, loading what is not there yet."""
    info: dict[str, Any] = {"records": records}
    db = data / "catalog.db"
    if not db.exists():
        data.mkdir(parents=True, exist_ok=True)
        if source is not None:
            _say(f"copying {source / 'catalog.db'} …")
            shutil.copyfile(source / "catalog.db", db)
        else:
            open_archive(load_settings(data)).close()
            t0 = time.perf_counter()
            load(db, records)
            info["record_load_s"] = round(time.perf_counter() - t0, 1)
    archive = open_archive(load_settings(data))  # migrates the copy to the current head
    with sqlite3.connect(db) as con:
        have = con.execute("SELECT count(*) FROM record").fetchone()[0]
        edges = con.execute("SELECT count(*) FROM graph_edge").fetchone()[0]
        _fix_ranks(con)
        _ensure_indexes(con)
    assert have == records, f"{db} holds {have} records, not {records}"
    if edges == 0:
        archive.close()
        t0 = time.perf_counter()

        def progress(done: int, nodes: int, edges: int) -> None:
            if done % 200_000 == 0:
                rate = edges / (time.perf_counter() - t0)
                _say(f"  … {done:,} records, {nodes:,} nodes, {edges:,} edges ({rate:,.0f} edges/s)")

        counts = load_graph(db, progress=progress)
        seconds = time.perf_counter() - t0
        info.update(
            counts, graph_load_s=round(seconds, 1), graph_load_edges_per_s=round(counts["edges"] / seconds)
        )
        archive = open_archive(load_settings(data))
    with sqlite3.connect(db) as con:
        info["nodes"] = con.execute("SELECT count(*) FROM graph_node").fetchone()[0]
        info["edges"] = con.execute("SELECT count(*) FROM graph_edge").fetchone()[0]
        info["catalog_mb"] = round(db.stat().st_size / 2**20)
    return archive, info


def _fix_ranks(con: sqlite3.Connection) -> None:
    """`_synthetic.py` writes ranks one above `SecurityLevel`'s (公开 1, 内部 2): the clerk (内部) would see
    only 公开 records. Set from the level's name, once, on the bench's own copy."""
    if con.execute(
        "SELECT 1 FROM record WHERE security_level = '公开' AND security_rank = 1 LIMIT 1"
    ).fetchone():
        cases = " ".join(f"WHEN '{level.label}' THEN {level.rank}" for level in SecurityLevel)
        con.execute(f"UPDATE record SET security_rank = CASE security_level {cases} ELSE security_rank END")
        con.commit()


# Migration 0026's graph indexes: a copy migrated before 0026 gained some of them lacks those (the kept
# data directory of an earlier run); built here once, as the migration builds them on SQLite.
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_graph_edge_to_order ON graph_edge (to_id, asserted_on, record_id)",
    *(f"CREATE INDEX IF NOT EXISTS ix_graph_edge_{kind}_to ON graph_edge ({columns}) WHERE kind = '{kind}'"
      for kind, columns in (("address", "to_id, from_id, record_id, kind"), ("representative", "to_id, from_id, record_id, kind"),
                            ("licence", "to_id, from_id, asserted_on, record_id, kind"))),
    "CREATE INDEX IF NOT EXISTS ix_graph_edge_valid_until ON graph_edge (json_extract(attributes, '$.valid_until')) "
    "WHERE kind = 'licence'",
)  # fmt: skip


def _ensure_indexes(con: sqlite3.Connection) -> None:
    """Build the missing ones, and give them statistics as the loader gives the others (ANALYZE)."""
    have = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    missing = [sql for sql in _INDEXES if sql.split()[5] not in have]
    for sql in missing:
        _say(f"  {sql}")
        con.execute(sql)
    if missing:
        con.execute("ANALYZE graph_edge")
    con.commit()


def _public(kind: str, key: str) -> str:
    return key if kind == "enterprise" and not key.startswith("~") else f"{kind}:{key}"


def samples(archive: Archive, typical: int, heaviest: int, seed: int = 3) -> dict[str, dict[str, list[str]]]:
    """{user: {"<kind> typical|heaviest": [public id, …]}}; the clerk's typical centres come from his
    department's records (elsewhere he would only be told "not found", which is quick and says little)."""
    rng = random.Random(seed)
    out: dict[str, dict[str, list[str]]] = {"archivist": {}, "clerk": {}}
    with archive.db.read() as s:

        def keys(sql: str, **params: Any) -> list[tuple[str, str]]:
            return [(r[0], r[1]) for r in s.execute(text(sql), params)]

        top, n_nodes = {}, s.scalar(text("SELECT max(id) FROM graph_node")) or 0
        for kind, edge in (("enterprise", "applicant"), ("person", "representative"), ("address", "address")):
            top[kind] = keys(
                "SELECT n.kind, n.key FROM (SELECT to_id, count(*) AS c FROM graph_edge WHERE kind = :e "
                "GROUP BY to_id ORDER BY c DESC LIMIT :k) t JOIN graph_node n ON n.id = t.to_id ORDER BY t.c DESC",
                e=edge, k=heaviest,
            )  # fmt: skip
            found: list[tuple[str, str]] = []
            while len(found) < typical:
                ids = [rng.randrange(1, n_nodes + 1) for _ in range(typical * 20)]
                found += keys(
                    f"SELECT kind, key FROM graph_node WHERE kind = :kind AND id IN ({','.join(map(str, ids))})",
                    kind=kind,
                )
            typical_keys = found[:typical]
            for who in out:
                out[who][f"{kind} heaviest"] = [_public(*k) for k in top[kind]]
            out["archivist"][f"{kind} typical"] = [_public(*k) for k in typical_keys]
        clerk_enterprises = keys(
            "SELECT n.kind, n.key FROM graph_edge e JOIN record r ON r.id = e.record_id "
            "JOIN department d ON d.id = r.department_id JOIN graph_node n ON n.id = e.to_id "
            "WHERE e.kind = 'applicant' AND d.name = :d AND r.security_rank <= 1 AND e.id % 97 = :m LIMIT :k",
            d=CLERK_DEPARTMENT, m=rng.randrange(97), k=typical,
        )  # fmt: skip
        out["clerk"]["enterprise typical"] = [_public(*k) for k in clerk_enterprises]
        busiest_matter = s.execute(
            text("SELECT n.key FROM (SELECT to_id, count(*) AS c FROM graph_edge WHERE kind = 'matter' "
                 "GROUP BY to_id ORDER BY c DESC LIMIT 1) t JOIN graph_node n ON n.id = t.to_id")
        ).scalar_one()  # fmt: skip
        for who in out:
            out[who]["hub heaviest"] = [f"department:{CLERK_DEPARTMENT}", f"matter:{busiest_matter}"]
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(archive: Archive, centres: dict[str, dict[str, list[str]]], rounds: int) -> list[dict[str, Any]]:
    """Each centre called once to warm up, then `rounds` rounds over all centres of a group: p50/p95 are
    taken per round and the table gives their medians (this machine's 2 cores are shared: one noisy
    round moves a percentile, the median of rounds much less)."""
    calls: dict[str, Callable[[Principal, str], dict[str, Any]]] = {
        "related 1 hop": lambda u, c: related(archive, u, c, hops=1),
        "related 2 hops": lambda u, c: related(archive, u, c, hops=2),
        "enterprise_view": lambda u, c: enterprise_view(archive, u, c),
    }
    rows = []
    for name, call in calls.items():
        for who, groups in centres.items():
            user = USERS[who]
            for group, ids in groups.items():
                if name == "enterprise_view" and not group.startswith("enterprise"):
                    continue
                answered = truncated = biggest = 0
                for centre in ids:  # warm: statement compilation, the page cache
                    with contextlib.suppress(NotFound):
                        doc = call(user, centre)
                        answered += 1
                        truncated += bool(doc.get("truncated"))
                        size = len(doc.get("edges", ())) or len(doc.get("approvals", ()))
                        biggest = max(biggest, size)
                per_round: list[list[float]] = []
                for _ in range(rounds):
                    times = []
                    for centre in ids:
                        start = time.perf_counter()
                        with contextlib.suppress(NotFound):  # what the clerk may not see: an answer too
                            call(user, centre)
                        times.append((time.perf_counter() - start) * 1000)
                    per_round.append(times)
                p50 = statistics.median(_pct(t, 0.5) for t in per_round)
                p95 = statistics.median(_pct(t, 0.95) for t in per_round)
                rows.append({
                    "query": name, "as": who, "centres": group, "asked": len(ids), "answered": answered,
                    "truncated": truncated, "largest": biggest, "rounds": rounds, "p50_ms": round(p50, 1),
                    "p95_ms": round(p95, 1), "max_ms": round(max(max(t) for t in per_round), 1),
                    "target_ms": TARGETS[name], "ok": p95 <= TARGETS[name],
                })  # fmt: skip
                _say(f"  {name} / {who} / {group}: p95 {p95:.1f} ms")
    return rows


INSIGHT_TARGET_MS = 1000.0


def measure_insight(archive: Archive, rounds: int) -> list[dict[str, Any]]:
    """The three insight lists' first page (defaults: 90 days, at least 3 enterprises), as archivist and
    clerk: wall and CPU time (SQLite runs in this process, so CPU time is the part the shared cores' load
    does not inflate), medians of `rounds` calls after one warm-up call."""
    rows = []
    for which in INSIGHT_LISTS:
        for who, user in USERS.items():
            doc = graph_insight(archive, user, which, InsightQuery())
            wall, cpu = [], []
            for _ in range(rounds):
                start, start_cpu = time.perf_counter(), time.process_time()
                graph_insight(archive, user, which, InsightQuery())
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            median = statistics.median(wall)
            rows.append({
                "list": which, "as": who, "total": doc["total"], "rows": len(doc["rows"]), "rounds": rounds,
                "median_ms": round(median, 1), "min_ms": round(min(wall), 1),
                "cpu_median_ms": round(statistics.median(cpu), 1), "target_ms": INSIGHT_TARGET_MS,
                "ok": median <= INSIGHT_TARGET_MS,
            })  # fmt: skip
            _say(f"  insight {which} / {who}: {median:.0f} ms")
    return rows
