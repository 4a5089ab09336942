"""Background jobs on the embedded queue (SQLite in the data directory): schedules, the audit task with
its per-object claims, the fixity alert, `dangan serve`'s job child process, and two `dangan worker`
processes sharing one audit without checking or repairing anything twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.core import load_settings, utcnow
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import ALERT_KIND, JOB_NICE, Jobs, run_audit, serve_jobs, worker_lock
from dangan.services.preservation._jobs import _verified_since, every, make_huey
from dangan.store.catalog import Event, RecordFile
from dangan.store.objects import LocalLocation, object_key
from tests.factories import package_dir
from tests.helpers import dangan_cmd


@pytest.fixture
def filled(archive: Archive, tmp_path: Path) -> Archive:
    for seed in range(5):
        package_dir(tmp_path / "in", 900 + seed, security_level="内部", open_to_public=False)
    assert len(import_paths(archive, [tmp_path / "in"]).accepted) == 5
    return archive


def _objects(archive: Archive) -> list[tuple[str, bool]]:
    with archive.db.read() as s:
        return sorted(set(s.execute(select(RecordFile.sha256, RecordFile.encrypted)).all()))


def _flip(path: Path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x40
    path.write_bytes(bytes(raw))


def _events(archive: Archive, kind: str) -> list[Event]:
    with archive.db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)).all())


def test_schedules_come_from_settings(tmp_path: Path) -> None:
    due = every(15)
    assert [m for m in range(60) if due(datetime(2026, 11, 26, 3, m))] == [0, 15, 30, 45]
    assert due(datetime(2026, 11, 27, 0, 0)) and not due(datetime(2026, 11, 27, 0, 1))
    daily = every(1440)
    assert sum(daily(datetime(2026, 11, 26, h, m)) for h in range(24) for m in range(60)) == 1

    jobs = Jobs(load_settings(tmp_path / "a", audit_interval=15, checkpoint_interval=60))
    assert jobs.periodic_names() == [
        "fixity_audit_periodic",
        "ledger_checkpoint_periodic",
        "search_engine_periodic",
    ]
    due_now = {t.name for t in jobs.huey.read_periodic(datetime(2026, 11, 26, 3, 15))}
    assert due_now == {"fixity_audit_periodic", "search_engine_periodic"}
    off = Jobs(load_settings(tmp_path / "b", audit_interval=0, checkpoint_interval=0, search_engine="sql"))
    assert off.periodic_names() == []
    assert (tmp_path / "a" / "jobs.db").is_file(), "the embedded queue lives in the data directory"


def test_audit_task_repairs_and_alerts_when_every_copy_is_bad(filled: Archive) -> None:
    (sha_a, enc_a), (sha_b, enc_b) = _objects(filled)[:2]
    primary, replica = filled.objects.locations
    assert isinstance(primary, LocalLocation) and isinstance(replica, LocalLocation)
    _flip(replica.path(object_key(sha_a, enc_a)))
    primary.path(object_key(sha_b, enc_b)).unlink()
    _flip(replica.path(object_key(sha_b, enc_b)))

    huey = make_huey(filled.settings)
    doc = run_audit(filled, huey, mb_per_s=1000)
    assert doc["objects_checked"] == len(_objects(filled)) == len(doc["checked"])
    assert [(r["sha256"], r["location"]) for r in doc["repaired"]] == [(sha_a, "replica")]
    assert [u["sha256"] for u in doc["unrecoverable"]] == [sha_b] and doc["alerts"] == 1
    (alert,) = _events(filled, ALERT_KIND)
    assert alert.detail["sha256"] == sha_b
    assert alert.detail["locations"] == {"primary": "missing", "replica": "damaged"}
    assert alert.record_id == alert.detail["records"][0]
    assert filled.objects.verify(sha_a, enc_a, replica)
    assert not huey.storage.result_items(), "every claim is released after the batch"


def test_claimed_objects_are_skipped_and_stale_claims_taken_over(filled: Archive) -> None:
    objects = _objects(filled)
    huey = make_huey(filled.settings)
    (busy_sha, busy_enc), (stale_sha, stale_enc) = objects[:2]
    huey.put_if_empty(f"dangan.fixity.{busy_sha}.{int(busy_enc)}", time.time() + 3600)
    huey.put_if_empty(f"dangan.fixity.{stale_sha}.{int(stale_enc)}", time.time() - 1)  # its worker died
    before = utcnow()
    doc = run_audit(filled, huey, mb_per_s=1000)
    assert _verified_since(filled, stale_sha, stale_enc, before), "a later worker will not take it again"
    assert not _verified_since(filled, busy_sha, busy_enc, before)
    assert not _verified_since(filled, stale_sha, stale_enc, utcnow())
    checked = set(doc["checked"])
    assert busy_sha + (".enc" if busy_enc else "") not in checked
    assert stale_sha + (".enc" if stale_enc else "") in checked
    assert doc["objects_checked"] == len(objects) - 1
    assert huey.get(f"dangan.fixity.{busy_sha}.{int(busy_enc)}", peek=True) is not None, "not ours to free"


JOB_CHILD = [sys.executable, "-m", "dangan.cli.ops.job_child"]


def _until(condition: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_serve_runs_jobs_in_a_low_priority_child_unless_a_worker_holds_the_lock(filled: Archive) -> None:
    with serve_jobs(filled, JOB_CHILD) as job:
        assert job is not None and job.pid is not None
        doc = Jobs(filled.settings).checkpoint().get(blocking=True, timeout=60)
        assert doc["tree_size"] > 0
        # The child yields the CPU to web requests (nice 10) and so do the threads it starts; the server
        # does not, and its GIL is not the jobs'.
        assert os.getpriority(os.PRIO_PROCESS, job.pid) >= JOB_NICE
        threads = [int(t.name) for t in Path(f"/proc/{job.pid}/task").iterdir()]
        assert len(threads) > 1 and all(os.getpriority(os.PRIO_PROCESS, t) >= JOB_NICE for t in threads)
        assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < JOB_NICE
        with worker_lock(filled.settings) as got:
            assert not got, "the server holds the queue's lock for its child: a new worker sees it taken"
        # A child that dies (killed, out of memory) is replaced, and the queue is served again.
        first = job.pid
        os.kill(first, signal.SIGKILL)
        _until(lambda: job.pid != first)
        assert job.restarts == 1
        again = Jobs(filled.settings).checkpoint().get(blocking=True, timeout=60)
        assert again["tree_size"] == doc["tree_size"]
        process = job.process
    assert process is not None and process.returncode == 0, "asked to stop, it finished and exited"
    with worker_lock(filled.settings) as got, serve_jobs(filled, JOB_CHILD) as job:
        assert got and job is None, "a running `dangan worker` does the jobs; serve stays out"
    scaled = open_archive(load_settings(filled.settings.home, redis_url="redis://127.0.0.1:1/0"))
    try:
        with serve_jobs(scaled, JOB_CHILD) as job:
            assert job is None, "scaled: only `dangan worker` processes run jobs"
    finally:
        scaled.close()


def test_the_job_child_entry_is_only_for_serve() -> None:
    run = subprocess.run(JOB_CHILD, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "dangan worker" in run.stderr


@pytest.mark.e2e
def test_two_worker_processes_share_one_audit(filled: Archive, tmp_path: Path) -> None:
    objects = _objects(filled)
    replica = filled.objects.locations[1]
    assert isinstance(replica, LocalLocation)
    damaged = objects[1::3]
    for sha, enc in damaged:
        _flip(replica.path(object_key(sha, enc)))
    with filled.db.read() as s:
        total = sum(s.scalars(select(RecordFile.size)).all())
    rate = total * 2 / 1e6 / 3  # each audit of everything would take ~3 s: long enough to overlap
    home = str(filled.settings.home)
    logs = [open(tmp_path / f"worker{i}.log", "w+") for i in range(2)]  # noqa: SIM115
    workers = [
        subprocess.Popen(
            dangan_cmd("worker", "--workers", "1", "--no-periodic", "--data", home, *nice),
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        for log, nice in zip(logs, ([], ["--nice", "3"]), strict=True)
    ]
    try:
        deadline = time.monotonic() + 60
        while not all("已启动" in (tmp_path / f"worker{i}.log").read_text() for i in range(2)):
            assert time.monotonic() < deadline, "workers did not start"
            assert all(w.poll() is None for w in workers), (tmp_path / "worker0.log").read_text()
            time.sleep(0.2)
        # Workers yield the CPU to web processes on the same machine: nice 10 unless told otherwise.
        assert [os.getpriority(os.PRIO_PROCESS, w.pid) for w in workers] == [JOB_NICE, 3]
        jobs = Jobs(filled.settings)
        results = [jobs.audit(mb_per_s=rate), jobs.audit(mb_per_s=rate)]
        a, b = (r.get(blocking=True, timeout=120) for r in results)
    finally:
        for w in workers:
            w.terminate()
            w.wait(timeout=30)
        for log in logs:
            log.close()
    assert a["started"] < b["finished"] and b["started"] < a["finished"], "the two audits ran side by side"
    assert a["checked"] and b["checked"], "both workers took part"
    assert not set(a["checked"]) & set(b["checked"]), "no object was checked by both"
    assert len(a["checked"]) + len(b["checked"]) == len(objects)
    repairs = _events(filled, "fixity_repair")
    assert sorted(e.detail["sha256"] for e in repairs) == sorted(sha for sha, _ in damaged), "one repair each"
    assert all(filled.objects.verify(sha, enc, replica) for sha, enc in objects)


def test_a_missing_redis_server_is_an_error_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import redis_server

    monkeypatch.setattr(redis_server.shutil, "which", lambda *a, **k: None)
    with pytest.raises(redis_server.RedisUnavailable, match=r"scripts/setup\.sh"):
        redis_server.PrivateRedis().start()
