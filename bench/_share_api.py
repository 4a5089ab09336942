"""Sections of `share.py` that go through a served app (`dangan serve --workers 2`, real HTTP):

* `api_search`: a business system (a read-scoped API key of another department, `Authorization:
  Bearer`) searching `/api/v1/search` with 8 concurrent clients; p50/p95. Each search is audited
  (`api_read` event), so the measured time includes that write. An archive prepared by an older run
  (whose key was push-only) gets a read-scoped key added.
* `progress`: the public progress lookup `GET /api/v1/public/progress`, 8 clients, half right factors,
  half wrong ones or unknown numbers; p95 of each kind (they should look alike), and whether the
  per-address limit holds across the two web processes (the 11th try from one address is refused).
  Each client speaks for several addresses (`X-Forwarded-For`, trusted from loopback by uvicorn), so
  the limits do not stop the measurement.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _synthetic import load

from dangan.core import load_settings
from dangan.services.accounts import add_user, create_api_key
from dangan.services.archive import open_archive
from dangan.services.utilisation import reindex

CLIENTS = 8
PASSWORD = "Share-Bench#2024x"
SEARCHER_DEPT = "秦皇岛市生态环境局"  # the business system's (and stand-in clerk's) own department
QUERIES = ["许可", "2023年海港区的食品经营许可", "现场核查", "近三个月住建局的燃气经营许可", "申请书",
           "2021年到2023年不予许可的排污证", "北戴河的建筑工程施工许可", "食品经营许可 现场核查"]  # fmt: skip


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))], 1) if ordered else 0.0


def prepare(args: argparse.Namespace, work: Path) -> tuple[Path, str]:
    """The synthetic catalogue (rows and search text), a clerk and an API key of another department."""
    home = work / "api"
    if (home / "bench-read-key.txt").exists():
        return home, (home / "bench-read-key.txt").read_text()
    if (home / "bench-key.txt").exists():  # prepared before keys could read: add a read-scoped key
        archive = open_archive(load_settings(home))
        _, key = create_api_key(archive, "bench-system", SEARCHER_DEPT, scope="read")
        archive.close()
        (home / "bench-read-key.txt").write_text(key)
        return home, key
    archive = open_archive(load_settings(home))
    t0 = time.perf_counter()
    load(home / "catalog.db", args.api_records)
    print(f"loaded {args.api_records} records in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    add_user(archive, "bench_clerk", PASSWORD, "clerk", department=SEARCHER_DEPT)
    _, key = create_api_key(archive, "bench-system", SEARCHER_DEPT, scope="read")
    reindex(archive)
    archive.close()
    (home / "bench-key.txt").write_text(key)
    (home / "bench-read-key.txt").write_text(key)
    return home, key


@contextmanager
def served(home: Path, workers: int = 2) -> Iterator[str]:
    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_API_RATE_LIMIT"] = "1000000"  # the per-key budget is not what is measured here
    env["DANGAN_EMBED_INTERVAL"] = "0"
    cmd = [
        sys.executable,
        "-m",
        "dangan",
        "serve",
        "--data",
        str(home),
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(10)


def _parallel(work: Callable[[int], list[tuple[str, float]]]) -> tuple[dict[str, list[float]], float]:
    """Run `work(n)` in CLIENTS threads; the times (ms) by kind and the wall time."""
    out: dict[str, list[float]] = {}
    lock = threading.Lock()

    def run(n: int) -> None:
        got = work(n)
        with lock:
            for kind, ms in got:
                out.setdefault(kind, []).append(ms)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out, time.perf_counter() - start


def section_api_search(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    import httpx

    home, key = prepare(args, work)
    with served(home) as base:
        probe = httpx.get(
            base + "/api/v1/search", params={"q": "许可"}, headers={"Authorization": f"Bearer {key}"}
        )
        by_key = probe.status_code == 200
        auth = (
            "API key (Bearer, scope read)"
            if by_key
            else f"clerk session (API key answered {probe.status_code})"
        )

        def client(n: int) -> list[tuple[str, float]]:
            headers = {"Authorization": f"Bearer {key}"} if by_key else {}
            with httpx.Client(base_url=base, timeout=120, headers=headers) as c:
                if not by_key:
                    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
                    assert token
                    c.post("/login", data={"username": "bench_clerk", "password": PASSWORD,
                                           "csrf_token": token.group(1), "next": "/"})  # fmt: skip
                times = []
                for i in range(args.per_client):
                    t = time.perf_counter()
                    r = c.get("/api/v1/search", params={"q": QUERIES[(n + i) % len(QUERIES)]})
                    assert r.status_code == 200, r.text[:200]
                    times.append(("search", (time.perf_counter() - t) * 1000))
                return times

        times, wall = _parallel(client)
    got = times["search"]
    return [{"section": "api_search", "auth": auth, "records": args.api_records, "clients": CLIENTS,
             "requests": len(got), "p50_ms": _pct(got, 0.5), "p95_ms": _pct(got, 0.95),
             "requests_per_s": round(len(got) / wall, 1)}]  # fmt: skip


def _applications(home: Path, n: int) -> list[tuple[str, str]]:
    """(source_id, last 6 of USCC or ID number) of `n` records below 秘密."""
    con = sqlite3.connect(home / "catalog.db")
    rows = con.execute(
        "SELECT source_id, COALESCE(applicant_uscc, id_number) FROM record WHERE security_rank < 2 "
        "AND COALESCE(applicant_uscc, id_number) IS NOT NULL ORDER BY seq LIMIT ?",
        (n,),
    ).fetchall()
    con.close()
    return [(str(a), str(f)[-6:]) for a, f in rows]


def section_progress(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    import httpx

    home, _ = prepare(args, work)
    apps = _applications(home, CLIENTS * args.per_client)
    per_address = 8  # below the limit of 10 tries per address

    with served(home) as base:

        def client(n: int) -> list[tuple[str, float]]:
            times = []
            with httpx.Client(base_url=base, timeout=60) as c:
                for i in range(2):  # warm both web processes up; not measured
                    c.get("/api/v1/public/progress", params={"application": f"WARM-{n}-{i}", "check": "000000"},
                          headers={"X-Forwarded-For": f"10.{n}.200.1"})  # fmt: skip
                for i in range(args.per_client):
                    app, factor = apps[(n * args.per_client + i) % len(apps)]
                    kind = ("right", "wrong factor", "unknown number")[(i + n) % 3]
                    if kind == "wrong factor":
                        factor = "000000" if factor != "000000" else "111111"
                    if kind == "unknown number":
                        app = f"BENCH-NONE-{n}-{i}"
                    address = f"10.{n}.{i // per_address}.1"
                    t = time.perf_counter()
                    r = c.get("/api/v1/public/progress", params={"application": app, "check": factor},
                              headers={"X-Forwarded-For": address})  # fmt: skip
                    times.append((kind, (time.perf_counter() - t) * 1000))
                    assert r.status_code == (200 if kind == "right" else 404), (
                        kind,
                        r.status_code,
                        r.text[:200],
                    )
            return times

        times, wall = _parallel(client)
        with httpx.Client(base_url=base, timeout=60) as c:  # one address, both web processes
            codes = [c.get("/api/v1/public/progress", params={"application": f"LIMIT-{i}", "check": "000000"},
                           headers={"X-Forwarded-For": "10.250.0.1"}).status_code for i in range(12)]  # fmt: skip
    every = [ms for values in times.values() for ms in values]
    row: dict[str, Any] = {"section": "progress", "records": args.api_records, "clients": CLIENTS,
                           "requests": len(every), "p50_ms": _pct(every, 0.5), "p95_ms": _pct(every, 0.95),
                           "requests_per_s": round(len(every) / wall, 1),
                           "limit_holds_across_workers": codes[:10] == [404] * 10 and codes[10:] == [429, 429]}  # fmt: skip
    for kind, values in times.items():
        row[f"p50_{kind.replace(' ', '_')}_ms"] = _pct(values, 0.5)
        row[f"p95_{kind.replace(' ', '_')}_ms"] = _pct(values, 0.95)
    return [row]
