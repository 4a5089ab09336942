"""Faults in the scaled configuration: PostgreSQL, then the S3 location, stopped mid-run and started again.

`dangan serve` and `dangan worker` run on PostgreSQL + S3 (SeaweedFS) + Redis while 2 business systems
push cases. A part is killed (PostgreSQL: `pg_ctl stop -m immediate`; S3: SIGKILL of SeaweedFS) for a few
seconds, then started again on the same data and ports. While it is down every answer is a clear Chinese
error (503 with the error envelope, never a 500 or a traceback) that comes back within a bounded time;
once it is back the same serve and worker processes take pushes again by themselves (nothing restarted),
every push that got a 2xx is stored once and whole (both copies good), nothing is half present, `dangan
ledger verify` is ok and the full-text index holds exactly the catalogue's records.

The servers here are private to this module (the session's PostgreSQL and S3 are shared by other tests
and must not be stopped under them); `scaled_env` of conftest.py is reused on top of them.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from dangan.demo import make_case
from dangan.services.preservation import Jobs
from tests.e2e.test_browser import _free_port, _wait_for_port
from tests.helpers import dangan_cmd, json_of, run_dangan
from tests.pg import PrivateCluster, _bin
from tests.s3 import SeaweedServer, weed_binary
from tests.scaled.conftest import scaled_settings

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.e2e, pytest.mark.slow]

DEPT = "秦皇岛市市场监督管理局"
SYSTEM = "outage-approval"
DOWN_S = 4.0  # how long a part stays down
BOUND_S = 45.0  # no answer may take longer than this, down or not (S3 retries, pool timeouts)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class RestartableCluster(PrivateCluster):
    """The tests' private PostgreSQL, which can also be killed and started again on the same data."""

    def opts(self) -> str:
        return f"-k {self.sock} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=60"

    def halt(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", self.opts(), "-w", "-l",
                  str(self.dir / "log"), "start")  # fmt: skip


class RestartableSeaweed(SeaweedServer):
    """SeaweedFS whose process can be SIGKILLed and started again with the same ports and data."""

    def start(self) -> dict[str, str]:
        found = super().start()
        assert self.proc is not None
        self.argv = [str(a) for a in self.proc.args]  # type: ignore[union-attr]
        self.endpoint = found["endpoint"]
        return found

    def halt(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def resume(self) -> None:
        import boto3
        from botocore.config import Config

        self.proc = subprocess.Popen(self.argv, stdout=subprocess.DEVNULL, stderr=self.log)
        client = boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id="x", aws_secret_access_key="y",
                              region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))  # fmt: skip
        deadline = time.monotonic() + 90
        while True:  # the probe bucket of the first start is there already: only a PUT says it is up
            try:
                client.put_object(Bucket="probe", Key="k", Body=b"ok")
                return
            except Exception:
                assert self.proc.poll() is None and time.monotonic() < deadline, "SeaweedFS did not restart"
                time.sleep(0.5)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[RestartableCluster]:
    cluster = RestartableCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def pg_server(pg_cluster: RestartableCluster) -> str:
    """Overrides the session's server for this module: `scaled_env` builds its database here."""
    return f"postgresql://dangan@/postgres?host={pg_cluster.sock}"


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableSeaweed]:
    weed_binary()
    server = RestartableSeaweed(tmp_path_factory.mktemp("seaweed-outage"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def s3_server(seaweed: RestartableSeaweed) -> dict[str, str]:
    return {"endpoint": seaweed.endpoint, "access_key": "dangan", "secret_key": "dangan-secret"}


@dataclass
class Stack:
    """serve + worker on the scaled settings, and the pushes of 2 business systems' clients."""

    env: dict[str, str]
    logs: Path
    key: str = ""
    port: int = field(default_factory=_free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tried: dict[str, dict[str, str]] = field(default_factory=dict)
    acked: dict[str, dict[str, str]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    refusals: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    slowest: float = 0.0
    round: int = 0  # each outage's pushes are new cases
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        created = run_dangan(
            "apikey", "create", "--system", SYSTEM, "--department", DEPT, "--json", env=self.env
        )
        assert created.returncode == 0, created.stderr
        self.key = json_of(created)["key"]
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}, **self.env}
        for name, args in (("serve", ("serve", "--port", str(self.port))), ("worker", ("worker",))):
            with open(self.logs / f"{name}.log", "ab") as log:
                self.procs[name] = subprocess.Popen(dangan_cmd(*args), env=env, stdout=log, stderr=log)
        _wait_for_port(self.port, self.procs["serve"], timeout=120)

    def pids(self) -> dict[str, int]:
        return {n: p.pid for n, p in self.procs.items() if p.poll() is None}

    def close(self) -> None:
        self.stop.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def pusher(self, n: int) -> None:
        i, pending = 0, None
        with httpx.Client(base_url=self.url, timeout=BOUND_S * 2) as client:
            while not self.stop.is_set():
                if pending is None:
                    i += 1
                    source_id = f"OUT-{self.round}-{n}-{i:04d}"
                    case = make_case(5000 + self.round * 1000 + n * 500 + i, department=DEPT, source_system=SYSTEM,
                                     source_id=source_id)  # fmt: skip
                    with self.lock:
                        self.tried[source_id] = {
                            p: hashlib.sha256(b).hexdigest() for p, b in case.files.items()
                        }
                    pending = (source_id, case)
                source_id, case = pending
                files = [("files", (p, b, "application/pdf")) for p, b in case.files.items()]
                began = time.monotonic()
                try:
                    r = client.post("/api/v1/cases", data={"case": json.dumps(case.case, ensure_ascii=False)},
                                    files=files, headers={"Authorization": f"Bearer {self.key}"})  # fmt: skip
                except httpx.HTTPError as exc:
                    with self.lock:
                        self.unexpected.append(f"{source_id}: no answer ({exc!r})")
                    time.sleep(0.5)
                    continue
                took = time.monotonic() - began
                with self.lock:
                    self.slowest = max(self.slowest, took)
                    self.statuses[str(r.status_code)] += 1
                    if r.status_code in (200, 201):
                        self.acked[source_id] = self.tried[source_id]
                        pending = None
                    elif r.status_code == 503:
                        self.refusals.append((r.status_code, r.json()))
                    else:
                        self.unexpected.append(f"{source_id}: {r.status_code} {r.text[:300]}")
                        pending = None
                time.sleep(0.2 if r.status_code < 300 else float(r.headers.get("Retry-After", "0.5")) / 2)

    def acks(self) -> int:
        with self.lock:
            return len(self.acked)

    def wait_for(self, what: Callable[[], bool], timeout: float, message: str) -> None:
        deadline = time.monotonic() + timeout
        while not what():
            assert time.monotonic() < deadline, message
            assert all(p.poll() is None for p in self.procs.values()), f"a process died: {self.pids()}"
            time.sleep(0.2)


def _probe(stack: Stack, client: httpx.Client) -> list[httpx.Response]:
    """A reader's requests while a part is down: readiness, a search, a public page that reads the
    catalogue (certificate check) and one that does not (login)."""
    answers = []
    for path in ("/readyz", "/api/v1/search?q=许可", "/verify/ZS-0000-000000", "/login"):
        began = time.monotonic()
        answers.append(client.get(path, headers={"Authorization": f"Bearer {stack.key}"}))
        assert time.monotonic() - began < BOUND_S, f"{path} hung while a part was down"
    return answers


def _outage(stack: Stack, halt: Callable[[], None], resume: Callable[[], None]) -> list[httpx.Response]:
    pids = stack.pids()
    stack.stop = threading.Event()  # a new round of pushes (bench/chaos_scaled.py runs several)
    stack.round += 1
    threads = [threading.Thread(target=stack.pusher, args=(n,), daemon=True) for n in range(2)]
    for t in threads:
        t.start()
    probes: list[httpx.Response] = []
    try:
        stack.wait_for(lambda: stack.acks() >= 3, 180, f"no pushes stored before the fault: {stack.statuses}")
        halt()
        down_since = time.monotonic()
        with httpx.Client(base_url=stack.url, timeout=BOUND_S * 2) as client:
            while time.monotonic() - down_since < DOWN_S:
                probes += _probe(stack, client)
                time.sleep(0.5)
        resume()
        before = stack.acks()
        stack.wait_for(lambda: stack.acks() >= before + 4, 180,
                       f"pushes did not resume by themselves: {stack.statuses} {stack.unexpected[:3]}")  # fmt: skip
    finally:
        stack.stop.set()
        for t in threads:
            t.join(timeout=BOUND_S * 3)
    assert stack.pids() == pids, "serve or worker died or was restarted"
    audited = Jobs(scaled_settings(stack.env)).audit(mb_per_s=500).get(blocking=True, timeout=120)
    assert audited is not None and not (audited["damaged"] or audited["missing"]), audited
    assert audited["objects_checked"] > 0, "the worker did not take work after the fault"
    print(json.dumps({"pushes": dict(stack.statuses), "acked": len(stack.acked), "slowest_s": round(stack.slowest, 2),
                      "probes": Counter(f"{r.request.url.path} {r.status_code}" for r in probes)}, ensure_ascii=False))  # fmt: skip
    return probes


def _check_refusals(stack: Stack, probes: list[httpx.Response]) -> None:
    assert not stack.unexpected, stack.unexpected[:5]
    assert stack.slowest < BOUND_S, f"a push took {stack.slowest:.1f} s"
    for status, body in stack.refusals:
        assert status == 503 and set(body) == {"error"}, body
        message = body["error"]["message"]
        assert CHINESE.search(message) and "Traceback" not in message, message
    for r in probes:
        assert r.status_code < 500 or r.status_code == 503, (
            f"{r.request.url.path}: {r.status_code} {r.text[:300]}"
        )
        if r.status_code == 503 and r.request.url.path.startswith("/api/"):
            assert CHINESE.search(r.json()["error"]["message"]), r.text
        if r.status_code == 503 and r.request.url.path.startswith(("/verify/", "/login")):
            assert CHINESE.search(r.text) and "Traceback" not in r.text
    assert any(r.request.url.path == "/readyz" and r.status_code == 503 for r in probes), (
        "/readyz did not say the part was down"
    )


def _check_stored(stack: Stack) -> None:
    """Every acknowledged push stored once and whole, nothing half present, ledger and index agree."""
    from dangan.services.archive import open_archive
    from dangan.store.catalog import Record, SearchDoc

    archive = open_archive(scaled_settings(stack.env), migrate=False)
    try:
        with archive.db.read() as s:
            records = s.scalars(select(Record)).all()
            keys = Counter(r.source_id for r in records if r.source_system == SYSTEM)
            assert not [k for k, n in keys.items() if n > 1], "a push stored twice"
            missing = [sid for sid in stack.acked if sid not in keys]
            assert not missing, f"acknowledged but not stored: {missing}"
            for r in records:
                assert r.source_id in stack.tried, f"a record nobody sent: {r.source_id}"
                stored = {f.path: f.sha256 for f in r.files}
                assert stored == stack.tried[r.source_id], f"{r.source_id} is half present"
                for f in r.files:
                    for location in archive.objects.locations:
                        assert archive.objects.verify(f.sha256, f.encrypted, location), (
                            r.source_id,
                            location.name,
                        )
            indexed = set(s.scalars(select(SearchDoc.record_seq)))
            assert indexed == {r.seq for r in records}, "the full-text index differs from the catalogue"
            assert s.scalar(select(func.count()).select_from(Record)) == len(records)
    finally:
        archive.close()
    ledger = run_dangan("ledger", "verify", "--json", env=stack.env)
    assert ledger.returncode == 0 and json_of(ledger)["ok"], ledger.stdout + ledger.stderr


@pytest.fixture
def stack(scaled_env: dict[str, str], tmp_path: Path) -> Iterator[Stack]:
    env = {**scaled_env, "DANGAN_AUDIT_INTERVAL": "0", "DANGAN_EMBED_INTERVAL": "0"}
    running = Stack(env, tmp_path)
    running.start()
    try:
        yield running
    finally:
        running.close()


def test_postgresql_stopped_mid_run(stack: Stack, pg_cluster: RestartableCluster) -> None:
    probes = _outage(stack, pg_cluster.halt, pg_cluster.resume)
    _check_refusals(stack, probes)
    assert stack.refusals, f"no push met the outage: {stack.statuses}"
    _check_stored(stack)


def test_s3_stopped_mid_run(stack: Stack, seaweed: RestartableSeaweed) -> None:
    probes = _outage(stack, seaweed.halt, seaweed.resume)
    _check_refusals(stack, probes)
    assert stack.refusals, f"no push met the outage: {stack.statuses}"
    _check_stored(stack)
