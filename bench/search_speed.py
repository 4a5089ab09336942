"""Search speed at scale: the search service (parse, filters, text match, facets, access) over a catalogue
filled by the fast synthetic loader (`_synthetic.py`: rows and search text written directly — no
packages, files, checks or ledger), against the plain FTS5 match of the same query in the same run.

Printed: load and index build rate, catalogue size, process memory, then per query kind the engine call
p50/p95 (as an archivist who reads everything, and as a department clerk) and the plain-FTS5 baseline,
and p95 through the HTTP API with 8 concurrent clients.

    .venv/bin/python bench/search_speed.py [--records 1000000] [--rounds 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json
from _synthetic import load

from dangan.access import Principal, Role, record_filter
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.index import engine_for, match_query
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.utilisation import reindex, search
from dangan.store.catalog import Record

ARCHIVIST = Principal("bench", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
CLERK = Principal("clerk", Role.CLERK, department="秦皇岛市市场监督管理局", clearance=SecurityLevel.INTERNAL)
PASSWORD = "Speed-Test#2024x"


def _queries(archive: Archive) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    with archive.db.read() as s:
        count = s.scalar(select(func.count()).select_from(Record)) or 0
        pick = [s.get(Record, max(1, count * k // 7)) for k in range(1, 7)]
        rare = s.execute(
            select(Record.legal_representative).group_by(Record.legal_representative)
            .having(func.count() == 1).limit(3)
        ).scalars().all()  # fmt: skip
    assert all(pick)
    return [
        ("common word", "许可"), ("common word", "申请书"), ("common word", "现场核查"),
        ("rare name", rare[0] or "许淑珍"), ("rare name", rare[1] or "石淑珍"),
        ("filter only", "2023年海港区的食品经营许可"), ("filter only", "工商局2022年的档案"),
        ("filter only", "北戴河的建筑工程施工许可"),
        ("natural language", "去年的环评"), ("natural language", "近三个月住建局的燃气经营许可"),
        ("natural language", "2021年到2023年不予许可的排污证"),
        ("identifier", pick[0].archival_code), ("identifier", pick[1].applicant_uscc or ""),  # type: ignore[union-attr]
        ("identifier", pick[2].doc_number.replace("〔", "[").replace("〕", "]")),  # type: ignore[union-attr]
        ("filters + words", f"2023年 {pick[3].legal_representative}"),  # type: ignore[union-attr]
        ("filters + words", "2024年上半年的食品经营许可 现场核查"),
    ]  # fmt: skip


def _time(fn: Any, rounds: int, before: Any = None) -> list[float]:
    out = []
    for _ in range(rounds):
        if before is not None:
            before()
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def _plain_fts(archive: Archive, user: Principal, q: str) -> None:
    """What search did before the parser: the words matched as typed, counted, the first page read."""
    from sqlalchemy import func, select

    with archive.db.read() as s:
        stmt = match_query(s, q, record_filter(user))
        if stmt is None:
            return
        s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        s.execute(stmt.limit(20)).all()


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def _http(data: Path, queries: list[str], clients: int = 8, per_client: int = 10) -> dict[str, float]:
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    proc = subprocess.Popen([sys.executable, "-m", "dangan", "serve", "--data", str(data), "--port", str(port),
                             "--workers", "2"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        times: list[float] = []
        firsts: list[float] = []
        asked: set[str] = set()
        lock = threading.Lock()

        def client(n: int) -> None:
            import re

            with httpx.Client(base_url=base, timeout=60) as c:
                page = c.get("/login").text
                token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
                c.post(
                    "/login",
                    data={"username": "bench", "password": PASSWORD, "csrf_token": token, "next": "/"},
                )
                for i in range(per_client):
                    q = queries[(n + i) % len(queries)]
                    with lock:
                        first = q not in asked  # in either web process: counted anew there
                        asked.add(q)
                    t = time.perf_counter()
                    r = c.get("/api/v1/search", params={"q": q, "facets": "true"})
                    took = (time.perf_counter() - t) * 1000
                    assert r.status_code == 200, r.text[:200]
                    with lock:
                        times.append(took)
                        if first:
                            firsts.append(took)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        return {"requests": len(times), "p50_ms": _pct(times, 0.5), "p95_ms": _pct(times, 0.95),
                "requests_per_s": len(times) / wall, "first_asked": len(firsts),
                "first_asked_p95_ms": _pct(firsts, 0.95)}  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="reuse (or create and keep) the loaded data directory")
    ap.add_argument("--no-http", action="store_true")
    args = ap.parse_args()
    tmp = None
    data = args.keep
    if data is None:
        tmp = tempfile.mkdtemp(prefix="dangan-speed-")
        data = Path(tmp) / "data"
    try:
        archive = open_archive(load_settings(data))
        load_s = 0.0
        with archive.db.read() as s:
            from sqlalchemy import func, select

            have = s.scalar(select(func.count()).select_from(Record)) or 0
        if have < args.records:
            assert have == 0, f"{data} holds {have} records; use an empty or a full directory"
            t0 = time.perf_counter()
            last = [t0]

            def progress(n: int) -> None:
                if time.perf_counter() - last[0] > 15:
                    last[0] = time.perf_counter()
                    print(f"  … {n:,} records ({n / (last[0] - t0):,.0f}/s)", file=sys.stderr)

            load(archive.settings.home / "catalog.db", args.records, progress=progress)
            load_s = time.perf_counter() - t0
            add_user(archive, "bench", PASSWORD, "archivist", clearance="机密")
            archive.close()
            archive = open_archive(load_settings(data))
        t1 = time.perf_counter()
        built = reindex(archive)  # the engine applies what the loader queued (nothing when reused)
        engine_s = time.perf_counter() - t1
        size_mb = sum(p.stat().st_size for p in archive.settings.home.glob("catalog.db*")) / 2**20
        engine_dir = archive.settings.home / "index"
        engine_mb = sum(p.stat().st_size for p in engine_dir.rglob("*") if p.is_file()) / 2**20
        queries = _queries(archive)
        search(archive, ARCHIVIST, "预热")  # the parser's keys and rjieba load once per process
        rows = []
        by_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        engine = engine_for(archive.settings.home)
        for kind, q in queries:
            # cold: the count and facets kept from an earlier call are forgotten before each one
            eng = _time(
                lambda q=q: search(archive, ARCHIVIST, q, facets=True), args.rounds, engine.forget_counts
            )
            clerk = _time(
                lambda q=q: search(archive, CLERK, q, facets=True), args.rounds, engine.forget_counts
            )
            # the next page of the same query: the kept count and facets, only the hits are found anew
            nxt = _time(lambda q=q: search(archive, ARCHIVIST, q, facets=True, offset=20), args.rounds)
            plain = _time(lambda q=q: _plain_fts(archive, ARCHIVIST, q), args.rounds)
            total = search(archive, ARCHIVIST, q).total
            for name, vals in (("engine", eng), ("clerk", clerk), ("next", nxt), ("plain", plain)):
                by_kind[kind][name] += vals
                by_kind["ALL"][name] += vals
            rows.append({"kind": kind, "query": q[:24], "total": total,
                         "engine_p50": f"{statistics.median(eng):.1f}", "clerk_p50": f"{statistics.median(clerk):.1f}",
                         "next_page_p50": f"{statistics.median(nxt):.1f}", "plain_fts5_p50": f"{statistics.median(plain):.1f}"})  # fmt: skip
        summary = [
            {"kind": k, "engine_p50": f"{_pct(v['engine'], 0.5):.1f}", "engine_p95": f"{_pct(v['engine'], 0.95):.1f}",
             "clerk_p95": f"{_pct(v['clerk'], 0.95):.1f}", "next_page_p95": f"{_pct(v['next'], 0.95):.1f}",
             "plain_p50": f"{_pct(v['plain'], 0.5):.1f}",
             "plain_p95": f"{_pct(v['plain'], 0.95):.1f}"}
            for k, v in by_kind.items()
        ]  # fmt: skip
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        archive.close()
        http = None if args.no_http else _http(data, [q for _, q in queries])
        print(f"{args.records:,} synthetic records (fast loader: rows and search text written directly, no "
              f"packages/files/checks/ledger); load + index {load_s:.0f} s ({args.records / load_s:,.0f} records/s)"
              if load_s else f"{args.records:,} synthetic records (fast loader), reused from {data}")  # fmt: skip
        if built["applied"]:
            print(f"engine index built: {built['applied']:,} records in {engine_s:.0f} s "
                  f"({built['applied'] / engine_s:,.0f} records/s)")  # fmt: skip
        print(f"catalogue with FTS5 index: {size_mb:,.0f} MB; engine index {engine_mb:,.0f} MB; "
              f"peak RSS of this process {rss_mb:,.0f} MB")  # fmt: skip
        print_table("Each query (ms, median of rounds; facets and access filtering on)", rows,
                    ["kind", "query", "total", "engine_p50", "clerk_p50", "next_page_p50", "plain_fts5_p50"])  # fmt: skip
        print_table("By kind, cold: nothing kept from an earlier call (targets: engine p50 ≤ 10 ms, p95 ≤ 50 ms)",
                    summary, ["kind", "engine_p50", "engine_p95", "clerk_p95", "next_page_p95", "plain_p50",
                              "plain_p95"])  # fmt: skip
        if http:
            print(f"\nHTTP API (dangan serve --workers 2), 8 concurrent clients, facets on: p50 {http['p50_ms']:.0f} ms, "
                  f"p95 {http['p95_ms']:.0f} ms (target ≤ 150), {http['requests_per_s']:.1f} requests/s; the "
                  f"{http['first_asked']} requests of a query not asked before: p95 {http['first_asked_p95_ms']:.0f} ms")  # fmt: skip
        path = write_json("search_speed", {"machine": machine(), "records": args.records, "load_s": load_s,
                                           "engine_build_s": engine_s, "engine_mb": engine_mb,
                                           "size_mb": size_mb, "rss_mb": rss_mb, "queries": rows,
                                           "summary": summary, "http": http})  # fmt: skip
        print(f"\n→ {path}")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
