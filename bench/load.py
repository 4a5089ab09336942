"""Mixed load against the embedded default or the scaled configuration, driven by locust (loopback only,
bounded in time).

A fresh data directory gets `dangan demo --count N`; `dangan serve` runs on it (embedded: SQLite, local
objects, jobs in the server). With `--scaled`, PostgreSQL, S3 (SeaweedFS) and Redis are started on free
loopback ports (`_load_scaled.py`), and `dangan serve --workers 2` plus two `dangan worker` processes run
on them. 16 locust users (by default) then mix ingest (API pushes of new cases), search, browse, preview
and download for `--minutes` (5) or 30 s with `--quick`, while the resident memory of every process the
bench started (and their children) is sampled every 5 s. Prints throughput, p50/p95/p99 and errors per
request kind and the RSS samples; writes bench/results/load[_scaled][_quick].json.

`--serial N` measures service time instead: one client, no concurrency, N requests of each kind after the
server has gone quiet (preview twice: a page's first view renders it, a repeat comes from the page
cache); writes bench/results/load_serial[_scaled].json.

The pushes use one API key, as one business system would. Its per-minute budget is a server setting
(DANGAN_API_RATE_LIMIT, default 120 a key): the bench's server gets `users × 300` (the most 16 users can
send: one request per 0.2 s think time each), so a 429 here would be a fault, not the limiter; the
default is not changed.

    .venv/bin/python bench/load.py [--quick] [--minutes 5] [--users 16] [--demo 300] [--scaled] [--serial N]

Targets (issue #22): 0 errors, search p95 ≤ 300 ms, preview p95 ≤ 500 ms, no memory growth.
"""

from __future__ import annotations

# ruff: noqa: E402 - gevent must patch the standard library before anything imports ssl or socket
from gevent import monkey  # type: ignore[import-untyped]

monkey.patch_all()

import argparse
import contextlib
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from itertools import count
from pathlib import Path
from typing import Any, ClassVar

import gevent
import httpx
from locust import HttpUser, between, task
from locust.env import Environment

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import machine, print_table, write_json

from dangan.demo import make_case

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "load-approval"
QUERIES = ["食品经营许可", "海港区 餐饮", "营业执照", "2023年 许可", "建设工程", "环境影响评价", "准予许可"]
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Shared:
    cookies: ClassVar[dict[str, str]] = {}
    key = ""
    record_ids: ClassVar[list[str]] = []
    cases: ClassVar[list[Any]] = []
    serial = count(1)


class Clerk(HttpUser):
    """One person or business system: mostly reads, some pushes (weights below)."""

    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        self.client.cookies.update(Shared.cookies)
        self.rng = random.Random(id(self))

    @task(2)
    def ingest(self) -> None:
        case = self.rng.choice(Shared.cases)
        doc = dict(case.case, source_id=f"LOAD-{os.getpid()}-{next(Shared.serial):07d}")
        files = [("files", (p, b, "application/pdf")) for p, b in case.files.items()]
        self.client.post("/api/v1/cases", data={"case": json.dumps(doc, ensure_ascii=False)}, files=files,
                         headers={"Authorization": f"Bearer {Shared.key}"}, name="ingest")  # fmt: skip

    @task(4)
    def search(self) -> None:
        self.client.get("/api/v1/search", params={"q": self.rng.choice(QUERIES)}, name="search")

    @task(3)
    def browse(self) -> None:
        self.client.get("/api/v1/records", params={"page": self.rng.randint(1, 10)}, name="browse")

    @task(2)
    def preview(self) -> None:
        rid = self.rng.choice(Shared.record_ids)
        self.client.get(f"/records/{rid}/files/0/pages/1.png", name="preview")

    @task(1)
    def download(self) -> None:
        rid = self.rng.choice(Shared.record_ids)
        self.client.get(f"/records/{rid}/files/0/download", name="download")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dangan(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dangan", *args], env=env, capture_output=True, text=True)


def _tree(pids: list[int]) -> list[int]:
    """These processes and all their descendants (web processes, ingest processes, worker processes)."""
    seen: list[int] = []
    todo = list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.append(pid)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return seen


def _memory_trend(mb: list[tuple[float, float]]) -> dict[str, float]:
    """Growth after warm-up: caches fill in the first minute (the search engine's readers, the
    parser's keys, the DuckDB snapshot), so the first 20 % of the samples are left out; then the median of
    the next quarter against the median of the last quarter, and the least-squares slope in MB/min."""
    rest = mb[len(mb) // 5 :] or mb
    if len(rest) < 4:
        return {"first_mb": 0.0, "last_mb": 0.0, "growth_pct": 0.0, "slope_mb_per_min": 0.0}
    quarter = max(1, len(rest) // 4)
    first = statistics.median(m for _, m in rest[:quarter])
    last = statistics.median(m for _, m in rest[-quarter:])
    ts, ms = [t for t, _ in rest], [m for _, m in rest]
    t_mean, m_mean = statistics.fmean(ts), statistics.fmean(ms)
    var = sum((t - t_mean) ** 2 for t in ts) or 1.0
    slope = sum((t - t_mean) * (m - m_mean) for t, m in zip(ts, ms, strict=True)) / var * 60
    return {"first_mb": round(first, 1), "last_mb": round(last, 1),
            "growth_pct": round((last - first) / first * 100, 1) if first else 0.0,
            "slope_mb_per_min": round(slope, 1)}  # fmt: skip


def _rss(pids: list[int], field: str = "VmRSS:") -> int:
    """Resident bytes of the processes and their children: all of it (VmRSS), or only the anonymous
    part (RssAnon:) — the heap, where a leak shows; the rest is mapped files (the search index, the
    catalogue) that the kernel may drop at will."""
    total = 0
    for p in _tree(pids):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1]) * 1024
    return total


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for p in _tree(pids):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


_QUIET_S = 3.0


def _quiet(pids: list[int], limit_s: float = 180) -> float:
    """Wait until the servers use under 10 % of a core (start-up jobs done); seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        before = _cpu_seconds(pids)
        time.sleep(_QUIET_S)
        if _cpu_seconds(pids) - before < 0.1 * _QUIET_S:
            break
    return round(time.monotonic() - started, 1)


def _prepare(url: str, env: dict[str, str]) -> None:
    created = _dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT, "--json", env=env)
    assert created.returncode == 0, created.stderr[-2000:]
    Shared.key = json.loads(created.stdout)["key"]
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/login")
        token = _CSRF.search(page.text)
        assert token, "no login form"
        client.post("/login", data={"username": "archivist", "password": "Dangan@2024", "next": "/",
                                    "csrf_token": token.group(1)})  # fmt: skip
        Shared.cookies = dict(client.cookies)
        listed = client.get("/api/v1/records", params={"per_page": 200}).json()
        Shared.record_ids = [r["record_id"] for r in listed["items"]]
    assert Shared.record_ids, "the demo archive lists no records"
    Shared.cases = [make_case(7000 + i, department=DEPT, source_system=SYSTEM) for i in range(40)]


def _start(
    data: Path, port: int, env: dict[str, str], scaled: bool, logs: Path
) -> list[subprocess.Popen[bytes]]:
    """`dangan serve` (embedded), or `serve --workers 2` and two `dangan worker` processes (scaled)."""
    serve = [sys.executable, "-m", "dangan", "serve", "--data", str(data), "--port", str(port)]
    commands = [serve + (["--workers", "2"] if scaled else [])]
    if scaled:  # one schedules the periodic jobs, both consume the queue
        worker = [sys.executable, "-m", "dangan", "worker", "--data", str(data)]
        commands += [worker, [*worker, "--no-periodic"]]
    procs = []
    for n, cmd in enumerate(commands):
        with open(logs / f"proc{n}.log", "wb") as log:
            procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT))
    return procs


def _wait_ready(url: str, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    for _ in range(900):
        for n, proc in enumerate(procs):
            if proc.poll() is not None:
                raise SystemExit(f"process {n} exited {proc.returncode}:\n"
                                 + (logs / f"proc{n}.log").read_text(errors="replace")[-3000:])  # fmt: skip
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not answer /healthz within 180 s")


def _serial(url: str, n: int, pids: list[int]) -> list[dict[str, Any]]:
    """Service time of each request kind: one client, one request at a time; and the servers' CPU per
    request, counted until they are quiet again (so the background work a push starts is in it)."""
    rng = random.Random(7)
    pages = [rng.choice(Shared.record_ids) for _ in range(n)]
    rows = []
    with httpx.Client(base_url=url, timeout=120, cookies=Shared.cookies) as client:

        def ingest(i: int) -> httpx.Response:
            case = Shared.cases[i % len(Shared.cases)]
            doc = dict(case.case, source_id=f"SERIAL-{os.getpid()}-{i:05d}")
            files = [("files", (p, b, "application/pdf")) for p, b in case.files.items()]
            return client.post("/api/v1/cases", data={"case": json.dumps(doc, ensure_ascii=False)}, files=files,
                               headers={"Authorization": f"Bearer {Shared.key}"})  # fmt: skip

        kinds: dict[str, Any] = {
            "browse": lambda i: client.get("/api/v1/records", params={"page": 1 + i % 10}),
            "search": lambda i: client.get("/api/v1/search", params={"q": QUERIES[i % len(QUERIES)]}),
            "preview": lambda i: client.get(f"/records/{pages[i]}/files/0/pages/1.png"),
            "preview_again": lambda i: client.get(f"/records/{pages[i]}/files/0/pages/1.png"),
            "download": lambda i: client.get(f"/records/{rng.choice(Shared.record_ids)}/files/0/download"),
            "ingest": ingest,
        }
        for name, call in kinds.items():
            times, errors = [], 0
            cpu = _cpu_seconds(pids)
            for i in range(n):
                start = time.perf_counter()
                response = call(i)
                times.append((time.perf_counter() - start) * 1000)
                errors += response.status_code >= 400
            times.sort()
            _quiet(pids, 60)
            cpu_ms = (
                (_cpu_seconds(pids) - cpu) * 1000 / n
            )  # an upper bound: idle ticks of the quiet wait count
            rows.append({"kind": name, "requests": n, "median_ms": round(statistics.median(times), 1),
                         "server_cpu_ms": round(cpu_ms, 1),
                         "p90_ms": round(times[int(n * 0.9) - 1], 1), "max_ms": round(times[-1], 1),
                         "errors": errors})  # fmt: skip
    return rows


def _locust(url: str, users: int, seconds: float, pids: list[int]) -> tuple[Environment, float, list[Any]]:
    rss: list[tuple[float, int, int]] = []
    environment = Environment(user_classes=[Clerk], host=url)
    runner = environment.create_local_runner()
    started = time.monotonic()

    def sample() -> None:
        while True:
            rss.append((round(time.monotonic() - started, 1), _rss(pids), _rss(pids, "RssAnon:")))
            gevent.sleep(5)

    sampler = gevent.spawn(sample)
    runner.start(users, spawn_rate=users)
    gevent.sleep(seconds)
    runner.quit()
    sampler.kill()
    return environment, time.monotonic() - started, rss


def _row(name: str, entry: Any, elapsed: float) -> dict[str, Any]:
    return {
        "kind": name, "requests": entry.num_requests, "per_s": round(entry.num_requests / elapsed, 2),
        "p50_ms": entry.get_response_time_percentile(0.50), "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99), "errors": entry.num_failures,
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="30 s instead of --minutes")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--demo", type=int, default=300, help="demo cases loaded before the run")
    parser.add_argument(
        "--scaled", action="store_true", help="PostgreSQL + S3 + Redis, 2 web and 2 worker processes"
    )
    parser.add_argument(
        "--serial", type=int, default=0, metavar="N", help="service time: N requests a kind, one client"
    )
    args = parser.parse_args()
    seconds = 30.0 if args.quick else args.minutes * 60
    budget = max(120, args.users * 300)
    config = (
        "scaled (PostgreSQL + S3 + Redis, 2 web + 2 worker processes)" if args.scaled else "embedded default"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env |= {"DANGAN_EMBED_INTERVAL": "0", "DANGAN_API_RATE_LIMIT": str(budget)}
    with tempfile.TemporaryDirectory(prefix="dangan-load-") as tmp, contextlib.ExitStack() as stack:
        data = Path(tmp) / "data"
        env["DANGAN_HOME"] = str(data)
        if args.scaled:
            from _load_scaled import Missing, scaled_servers

            try:
                env |= stack.enter_context(scaled_servers(Path(tmp)))
            except Missing as exc:
                print(f"无法运行规模化配置的负载测试：{exc}", file=sys.stderr)
                return 1
        demo = _dangan("demo", "--count", str(args.demo), "--data", str(data), env=env)
        assert demo.returncode == 0, demo.stderr[-2000:]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        procs = _start(data, port, env, args.scaled, Path(tmp))
        pids = [p.pid for p in procs]
        try:
            _wait_ready(url, procs, Path(tmp))
            _prepare(url, env)
            waited = _quiet(pids)
            if args.serial:
                rows = _serial(url, args.serial, pids)
            else:
                environment, elapsed, rss = _locust(url, args.users, seconds, pids)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    proc.kill()
    suffix = "_scaled" if args.scaled else ""
    common = {"date": datetime.now(UTC).date().isoformat(), "machine": machine(), "args": vars(args),
              "configuration": config, "api_rate_limit": budget, "quiet_wait_s": waited,
              "note": "2 CPU cores shared with other engineers' work: latencies are upper bounds"}  # fmt: skip
    if args.serial:
        print_table(f"Service time: one client, {args.serial} requests a kind, {config} ({args.demo} demo records)",
                    rows, ["kind", "requests", "median_ms", "p90_ms", "max_ms", "server_cpu_ms", "errors"])  # fmt: skip
        write_json(f"load_serial{suffix}", {**common, "kinds": rows})
        return 0
    rows = [
        _row(name, entry, elapsed) for (name, _method), entry in sorted(environment.stats.entries.items())
    ]
    rows.append(_row("all", environment.stats.total, elapsed))
    print_table(f"Load: {args.users} users (think time 0.2–1.0 s), {elapsed:.0f} s, {config} ({args.demo} demo records), "
                f"API key budget {budget}/min", rows, ["kind", "requests", "per_s", "p50_ms", "p95_ms", "p99_ms", "errors"])  # fmt: skip
    mb = [(t, round(b / 2**20, 1)) for t, b, _ in rss]
    anon = [(t, round(a / 2**20, 1)) for t, _, a in rss]
    print_table("RSS (MB, the dangan serve/worker processes and their children; anon = heap, without mapped files)",
                [{"t_s": t, "rss_mb": m, "anon_mb": a} for (t, m), (_, a) in zip(mb, anon, strict=True)],
                ["t_s", "rss_mb", "anon_mb"])  # fmt: skip
    memory = {"rss": _memory_trend(mb), "anon": _memory_trend(anon)}
    for what, trend in memory.items():
        print(f"{what} after warm-up (first 20 % of the run left out): {trend['first_mb']} MB → {trend['last_mb']} MB "
              f"(median of the next and of the last quarter, {trend['growth_pct']:+.1f} %), "
              f"slope {trend['slope_mb_per_min']:+.1f} MB/min")  # fmt: skip
    errors = [{"kind": e.name, "error": str(e.error)[:300], "count": e.occurrences}
              for e in environment.stats.errors.values()]  # fmt: skip
    for e in errors[:10]:
        print(f"error {e['kind']}: {e['count']} × {e['error']}")
    write_json(f"load{suffix}{'_quick' if args.quick else ''}",
               {**common, "seconds": round(elapsed, 1), "kinds": rows, "rss_mb": mb, "rss_anon_mb": anon, "memory": memory,
                "errors": errors})  # fmt: skip
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
