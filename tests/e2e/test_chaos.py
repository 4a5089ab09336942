"""Chaos: while 4 clients push cases over the API, a bulk import runs and a reader searches and downloads,
the server, the worker and the import are SIGKILLed at random (seeded) moments and restarted. After every
restart: each case whose push got a 2xx is stored exactly once, every stored case is whole (its files,
hashes and both copies), and the tamper-evident log verifies. At the end, with everything stopped: the
bulk import completes, the worker finishes the OCR jobs the kills interrupted, `dangan verify` finds
nothing damaged or missing, and the search engine holds exactly the catalogue's records. Then the data
disk fills up (a 48 MB tmpfs): pushes get a clear Chinese error, nothing is half-written, and once space
is freed the same server accepts again.

`bench/chaos.py` runs the same harness longer (≥ 20 kills); this test is bounded (a few kills).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from dangan.demo import make_case
from tests.e2e.test_browser import _dangan, _free_port, _wait_for_port
from tests.helpers import json_of, run_dangan, write_pool

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "chaos-approval"
PASSWORD = "Chaos-Reader-2024!"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VICTIMS = ("serve", "worker", "import")


@dataclass
class Expected:
    files: dict[str, str]  # path -> sha256


@dataclass
class Harness:
    root: Path
    seed: int
    pool_size: int = 60
    data: Path = field(init=False)
    logs: Path = field(init=False)
    pool: Path = field(init=False)
    port: int = field(init=False)
    key: str = ""
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    acked: dict[str, Expected] = field(default_factory=dict)
    tried: dict[str, Expected] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    reads: Counter[str] = field(default_factory=Counter)
    kills: Counter[str] = field(default_factory=Counter)
    checks: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)
    verified: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.data, self.pool, self.logs = self.root / "data", self.root / "pool", self.root
        self.port = _free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
        self.env.update(DANGAN_EMBED_INTERVAL="0", DANGAN_CHECKPOINT_INTERVAL="1")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- set-up and processes -------------------------------------------------------------------------
    def prepare(self) -> None:
        write_pool(self.pool, self.pool_size, seed=self.seed)
        created = run_dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT,
                             "--data", str(self.data), "--json", env=self.env)  # fmt: skip
        assert created.returncode == 0, created.stderr
        self.key = json_of(created)["key"]
        added = run_dangan("user", "add", "chaosreader", "--role", "archivist", "--clearance", "机密",
                           "--password-stdin", "--data", str(self.data), env=self.env, input=PASSWORD)  # fmt: skip
        assert added.returncode == 0, added.stderr

    def start(self, name: str) -> None:
        args = {
            "serve": ("serve", "--data", str(self.data), "--port", str(self.port)),
            "worker": ("worker", "--data", str(self.data)),
            "import": ("import", "--data", str(self.data), str(self.pool)),
        }[name]
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            _dangan(*args), env=self.env, stdout=subprocess.DEVNULL, stderr=log
        )
        log.close()
        if name == "serve":
            _wait_for_port(self.port, self.procs[name], timeout=120)

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            self.kills[name] += 1
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    # --- traffic ----------------------------------------------------------------------------------------
    def pusher(self, n: int) -> None:
        rng = random.Random(self.seed * 100 + n)
        i = 0
        pending: tuple[str, Any] | None = None
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self.stop.is_set():
                if pending is None:
                    i += 1
                    source_id = f"CHAOS-{self.seed}-{n}-{i:05d}"
                    case = make_case(self.seed * 10_000 + n * 1000 + i, department=DEPT, source_system=SYSTEM,
                                     source_id=source_id)  # fmt: skip
                    expected = Expected({p: hashlib.sha256(b).hexdigest() for p, b in case.files.items()})
                    with self.lock:
                        self.tried[source_id] = expected
                    pending = (source_id, case)
                source_id, case = pending
                files = [("files", (p, b, "application/octet-stream")) for p, b in case.files.items()]
                try:
                    r = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                                    files=files, headers={"Authorization": f"Bearer {self.key}"})  # fmt: skip
                except httpx.HTTPError:
                    self._count("connection")
                    time.sleep(0.5)
                    continue  # the server is down: the same case again (pushes are idempotent)
                self._count(str(r.status_code))
                if r.status_code in (200, 201):
                    with self.lock:
                        self.acked[source_id] = self.tried[source_id]
                    pending = None
                elif r.status_code in (429, 503):  # slowed down, or ingest restarting: the same case later
                    time.sleep(float(r.headers.get("Retry-After", "1")))
                else:
                    with self.lock:
                        self.unexpected.append(f"{source_id}: {r.status_code} {r.text[:200]}")
                    pending = None
                time.sleep(rng.uniform(0.05, 0.3))

    def _count(self, status: str) -> None:
        with self.lock:
            self.statuses[status] += 1

    def reader(self) -> None:
        rng = random.Random(self.seed)
        client = httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)
        try:
            while not self.stop.is_set():
                try:
                    if "dangan_session" not in client.cookies and not self._login(client):
                        time.sleep(0.5)
                        continue
                    found = client.get(
                        "/api/v1/search", params={"q": rng.choice(["许可", "食品", "营业执照", "2023年"])}
                    )
                    self.reads[f"search {found.status_code}"] += 1
                    hits = found.json().get("hits", []) if found.status_code == 200 else []
                    if hits:
                        rid = rng.choice(hits)["record_id"]
                        got = client.get(f"/records/{rid}/files/0/download")
                        self.reads[f"download {got.status_code}"] += 1
                except httpx.HTTPError:
                    self.reads["connection"] += 1
                time.sleep(rng.uniform(0.3, 1.0))
        finally:
            client.close()

    def _login(self, client: httpx.Client) -> bool:
        page = client.get("/login")
        token = _CSRF.search(page.text)
        if token is None:
            return False
        done = client.post("/login", data={"username": "chaosreader", "password": PASSWORD, "next": "/",
                                           "csrf_token": token.group(1)})  # fmt: skip
        return done.status_code == 303

    # --- invariants ---------------------------------------------------------------------------------------
    def check(self, *, full: bool = False) -> None:
        """Every acked case once and whole; every stored case whole (files as sent, both copies good)."""
        from dangan.core import load_settings
        from dangan.services.archive import open_archive

        with self.lock:
            acked = dict(self.acked)
            tried = dict(self.tried)
        pool_cases = _pool_expectations(self.pool)
        archive = open_archive(load_settings(self.data), migrate=False)
        try:
            with archive.db.read() as s:
                from sqlalchemy import select

                from dangan.store.catalog import Record

                records = s.scalars(select(Record)).all()
                keys = Counter((r.source_system, r.source_id) for r in records)
                doubled = [k for k, n in keys.items() if n > 1]
                assert not doubled, f"stored more than once: {doubled[:5]}"
                missing = [sid for sid in acked if (SYSTEM, sid) not in keys]
                assert not missing, f"acknowledged but not stored: {missing[:5]}"
                for r in records:
                    if r.id in self.verified and not full:
                        continue
                    expected = (
                        tried.get(r.source_id) if r.source_system == SYSTEM else pool_cases.get(r.source_id)
                    )
                    assert expected is not None, f"a record nobody sent: {r.source_system}/{r.source_id}"
                    stored = {f.path: f.sha256 for f in r.files}
                    assert stored == expected.files, (
                        f"{r.source_id} is half present: {stored} vs {expected.files}"
                    )
                    for f in r.files:
                        for location in archive.objects.locations:
                            assert archive.objects.verify(f.sha256, f.encrypted, location), (
                                r.source_id,
                                location.name,
                            )
                    self.verified.add(r.id)
                series: dict[str, list[int]] = defaultdict(list)
                for r in records:
                    series[r.series_key].append(r.item_no)
                for numbers in series.values():
                    assert sorted(numbers) == list(range(1, len(numbers) + 1)), "a gap or a repeat in 件号"
        finally:
            archive.close()
        ledger = run_dangan("ledger", "verify", "--data", str(self.data), "--json", env=self.env)
        assert ledger.returncode == 0 and json_of(ledger)["ok"], ledger.stdout + ledger.stderr
        self.checks += 1

    # --- the run ------------------------------------------------------------------------------------------
    def run(self, kills: int, *, pause: tuple[float, float] = (1.5, 4.0)) -> None:
        rng = random.Random(self.seed)
        for name in VICTIMS:
            self.start(name)
        threads = [threading.Thread(target=self.pusher, args=(n,), daemon=True) for n in range(4)]
        threads.append(threading.Thread(target=self.reader, daemon=True))
        for t in threads:
            t.start()
        try:
            while sum(self.kills.values()) < kills:
                time.sleep(rng.uniform(*pause))
                if self.procs["import"].poll() is not None:  # finished: run it again (all duplicates)
                    self.start("import")
                victim = rng.choice(VICTIMS)
                self.kill(victim)
                self.start(victim)
                self.check()
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=90)
            self.stop_all()

    def settle(self, timeout: float = 300) -> dict[str, Any]:
        """Everything stopped, then: the import completes, a worker drains the queue and resumes the
        interrupted OCR, and the derived stores agree with the catalogue."""
        final = run_dangan("import", "--data", str(self.data), "--json", str(self.pool), env=self.env)
        assert final.returncode == 0, final.stderr[-2000:]
        report = json_of(final)
        assert not report["rejected"], report["rejected"][:3]
        self.start("worker")
        deadline = time.monotonic() + timeout
        open_jobs = -1
        while time.monotonic() < deadline:
            open_jobs = _open_digitization(self.data)
            if open_jobs == 0:
                break
            time.sleep(2)
        self.stop_all()
        assert open_jobs == 0, (
            f"{open_jobs} OCR files still queued or running: interrupted jobs did not resume"
        )
        self.check(full=True)
        verify = run_dangan("verify", "--data", str(self.data), "--json", env=self.env)
        doc = json_of(verify)
        assert verify.returncode == 0 and not doc["damaged"] and not doc["missing"], verify.stdout[-2000:]
        reindex = run_dangan("reindex", "--data", str(self.data), "--json", env=self.env)
        assert reindex.returncode == 0, reindex.stderr[-2000:]
        with sqlite3.connect(self.data / "catalog.db") as conn:
            records = int(conn.execute("SELECT count(*) FROM record").fetchone()[0])
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        indexed = json_of(reindex)
        assert indexed["documents"] == records, (
            f"search engine holds {indexed['documents']}, catalogue {records}"
        )
        return {
            "records": records,
            "objects_checked": doc["objects_checked"],
            "indexed": indexed["documents"],
        }

    def summary(self) -> dict[str, Any]:
        return {"kills": dict(self.kills), "checks": self.checks, "acked": len(self.acked),
                "pushes": dict(self.statuses), "reads": dict(self.reads), "unexpected": self.unexpected[:10]}  # fmt: skip


def _pool_expectations(pool: Path) -> dict[str, Expected]:
    found = {}
    for case_json in pool.glob("*/case.json"):
        doc = json.loads(case_json.read_text(encoding="utf-8"))
        found[doc["source_id"]] = Expected({f["path"]: f["sha256"] for f in doc["files"]})
    return found


def _open_digitization(data: Path) -> int:
    with sqlite3.connect(data / "catalog.db", timeout=30) as conn:
        row = conn.execute("SELECT count(*) FROM digitization_file WHERE status IN ('queued', 'running')")
        return int(row.fetchone()[0])


def test_kills_lose_nothing_and_leave_nothing_half_done(tmp_path: Path) -> None:
    harness = Harness(tmp_path, seed=20241127, pool_size=40)
    harness.prepare()
    harness.run(kills=6)
    settled = harness.settle()
    summary = harness.summary()
    print(json.dumps({**summary, **settled}, ensure_ascii=False))
    assert not harness.unexpected, harness.unexpected[:5]
    assert harness.checks == 7 and summary["acked"] >= 10  # one after each restart, one at the end
    assert settled["records"] == summary["acked"] + harness.pool_size


# --- the disk fills up ----------------------------------------------------------------------------------
def _tmpfs(path: Path, megabytes: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
                          capture_output=True)  # fmt: skip
    return done.returncode == 0


def test_a_full_disk_gives_a_clear_error_and_the_service_recovers(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    if not _tmpfs(mount, 48):
        pytest.skip("cannot mount a size-limited tmpfs here (needs root)")
    harness = Harness(mount, seed=7)
    try:
        harness.data, harness.logs = mount / "data", tmp_path
        harness.env["DANGAN_MASTER_KEY_FILE"] = str(tmp_path / "keys" / "master.key")
        created = run_dangan("apikey", "create", "--system", SYSTEM, "--department", DEPT,
                             "--data", str(harness.data), "--json", env=harness.env)  # fmt: skip
        assert created.returncode == 0, created.stderr
        harness.key = json_of(created)["key"]
        harness.start("serve")
        filler = mount / "filler"
        with filler.open("wb") as out:  # leave about 1 MB free
            free = shutil.disk_usage(mount).free
            out.write(b"\0" * max(0, free - 1024 * 1024))
        auth = {"Authorization": f"Bearer {harness.key}"}
        refused: list[httpx.Response] = []
        with httpx.Client(base_url=harness.url, timeout=60) as client:
            for i in range(4):
                case = make_case(900 + i, department=DEPT, source_system=SYSTEM, source_id=f"FULL-{i}")
                big = {p: b + os.urandom(600_000) for p, b in case.files.items()}  # more than is free
                r = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                                files=[("files", (p, b, "application/pdf")) for p, b in big.items()], headers=auth)  # fmt: skip
                refused.append(r)
            for r in refused:
                assert r.status_code in (413, 503, 507), r.text
                message = r.json()["error"]["message"]
                assert re.search(r"[\u4e00-\u9fff]", message) and "Traceback" not in message, message
            with sqlite3.connect(harness.data / "catalog.db") as conn:
                assert conn.execute("SELECT count(*) FROM record").fetchone()[0] == 0
            filler.unlink()  # space comes back: the same server takes the next push
            case = make_case(950, department=DEPT, source_system=SYSTEM, source_id="FULL-AFTER")
            r = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                            files=[("files", (p, b, "application/pdf")) for p, b in case.files.items()], headers=auth)  # fmt: skip
            assert r.status_code == 201, r.text
        harness.stop_all()
        staging = harness.data / "staging"
        assert not staging.is_dir() or not list(staging.glob("upload-*")), "half-written uploads left behind"
        verify = run_dangan("verify", "--data", str(harness.data), "--json", env=harness.env)
        doc = json_of(verify)
        assert verify.returncode == 0 and not doc["damaged"] and not doc["missing"] and doc["ledger"]["ok"]
    finally:
        harness.stop_all()
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
