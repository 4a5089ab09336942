"""Mixed load against the embedded default, driven by locust (loopback only, bounded in time).

A fresh data directory gets `dangan demo --count N`; `dangan serve` runs on it; 16 locust users (by
default) then mix ingest (API pushes of new cases), search, browse, preview and download for
`--minutes` (5) or 30 s with `--quick`, while the server's resident memory (itself plus its ingest
processes) is sampled every 5 s. Prints throughput, p50/p95/p99 and errors per request kind and the RSS
samples; writes bench/results/load.json (load_quick.json with --quick).

    .venv/bin/python bench/load.py [--quick] [--minutes 5] [--users 16] [--demo 300]

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


def _rss(pid: int) -> int:
    """Resident bytes of the server and its children (the ingest processes)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def _prepare(url: str, data: Path, env: dict[str, str]) -> None:
    created = _dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT, "--data", str(data),
                      "--json", env=env)  # fmt: skip
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="30 s instead of --minutes")
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--demo", type=int, default=300, help="demo cases loaded before the run")
    args = parser.parse_args()
    seconds = 30.0 if args.quick else args.minutes * 60
    env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    env["DANGAN_EMBED_INTERVAL"] = "0"
    with tempfile.TemporaryDirectory(prefix="dangan-load-") as tmp:
        data = Path(tmp) / "data"
        demo = _dangan("demo", "--count", str(args.demo), "--data", str(data), env=env)
        assert demo.returncode == 0, demo.stderr[-2000:]
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([sys.executable, "-m", "dangan", "serve", "--data", str(data), "--port", str(port)],
                                  env=env, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            for _ in range(600):
                try:
                    httpx.get(f"{url}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            _prepare(url, data, env)
            rss: list[tuple[float, int]] = []
            environment = Environment(user_classes=[Clerk], host=url)
            runner = environment.create_local_runner()
            started = time.monotonic()

            def sample() -> None:
                while True:
                    rss.append((round(time.monotonic() - started, 1), _rss(server.pid)))
                    gevent.sleep(5)

            sampler = gevent.spawn(sample)
            runner.start(args.users, spawn_rate=args.users)
            gevent.sleep(seconds)
            runner.quit()
            sampler.kill()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(timeout=60)
    rows = []
    for (name, _method), entry in sorted(environment.stats.entries.items()):
        rows.append({
            "kind": name, "requests": entry.num_requests, "per_s": round(entry.num_requests / elapsed, 2),
            "p50_ms": entry.get_response_time_percentile(0.50), "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99), "errors": entry.num_failures,
        })  # fmt: skip
    total = environment.stats.total
    rows.append({"kind": "all", "requests": total.num_requests, "per_s": round(total.num_requests / elapsed, 2),
                 "p50_ms": total.get_response_time_percentile(0.5), "p95_ms": total.get_response_time_percentile(0.95),
                 "p99_ms": total.get_response_time_percentile(0.99), "errors": total.num_failures})  # fmt: skip
    print_table(f"Load: {args.users} users, {elapsed:.0f} s, embedded default ({args.demo} demo records)", rows,
                ["kind", "requests", "per_s", "p50_ms", "p95_ms", "p99_ms", "errors"])  # fmt: skip
    mb = [(t, round(b / 2**20, 1)) for t, b in rss]
    print_table(
        "Server RSS (MB, server + ingest processes)",
        [{"t_s": t, "rss_mb": m} for t, m in mb],
        ["t_s", "rss_mb"],
    )
    errors = [{"kind": e.name, "error": str(e.error)[:300], "count": e.occurrences}
              for e in environment.stats.errors.values()]  # fmt: skip
    for e in errors[:10]:
        print(f"error {e['kind']}: {e['count']} × {e['error']}")
    write_json("load_quick" if args.quick else "load", {
        "date": datetime.now(UTC).date().isoformat(), "machine": machine(), "args": vars(args),
        "seconds": round(elapsed, 1), "kinds": rows, "rss_mb": mb, "errors": errors,
        "note": "2 CPU cores shared with other engineers' work: latencies are upper bounds",
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
