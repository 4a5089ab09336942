"""The scaled configuration as an operator runs it, through the real `dangan` command and its env settings:
import, repair after damage in S3 and on local disk, jobs through Redis shared by two workers, search,
and a pg_dump backup restored into a fresh PostgreSQL database and a fresh S3 prefix."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.services.archive import Archive, open_archive
from dangan.services.preservation import Jobs, catalogue_fingerprint
from dangan.store.catalog import DigitizationFile, Event, Record, RecordFile, derivative_objects
from dangan.store.objects import LocalLocation, S3Location, object_key
from tests.helpers import dangan_cmd, json_of, run_dangan, write_pool
from tests.scaled.conftest import scaled_settings

pytestmark = [pytest.mark.postgres, pytest.mark.s3, pytest.mark.slow]


def _objects(archive: Archive) -> list[tuple[str, bool]]:
    with archive.db.read() as s:
        return sorted(set(s.execute(select(RecordFile.sha256, RecordFile.encrypted)).all()))


def _import(env: dict[str, str], tmp_path: Path, count: int) -> dict[str, Any]:
    write_pool(tmp_path / "pool", count, seed=41)
    proc = run_dangan("import", str(tmp_path / "pool"), "--json", env=env)
    assert proc.returncode == 0, proc.stderr
    return json_of(proc)


def test_import_repair_search_through_the_cli(
    scaled_env: dict[str, str], scaled_archive: Archive, tmp_path: Path
) -> None:
    doc = _import(scaled_env, tmp_path, 6)
    assert len(doc["accepted"]) == 6
    arc = scaled_archive
    assert arc.db.engine.dialect.name == "postgresql"
    with arc.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 6
    primary, replica = arc.objects.locations
    assert isinstance(primary, S3Location) and isinstance(replica, LocalLocation)
    assert primary.name == "s3-primary" and replica.name == "replica"
    objects = _objects(arc)
    for sha, enc in objects:
        assert primary.exists(object_key(sha, enc)) and replica.exists(object_key(sha, enc))
    assert not (Path(scaled_env["DANGAN_HOME"]) / "objects").exists() or not any(
        p.is_file() for p in (Path(scaled_env["DANGAN_HOME"]) / "objects").rglob("*") if "tmp" not in p.parts
    ), "the primary copies are in S3, not in the data directory"

    (flip_sha, flip_enc), (gone_sha, gone_enc), (cut_sha, cut_enc) = objects[:3]
    primary.client.put_object(Bucket=primary.bucket, Key=primary.prefix + object_key(flip_sha, flip_enc),
                              Body=b"overwritten in S3")  # fmt: skip
    primary.delete(object_key(gone_sha, gone_enc))
    cut = replica.path(object_key(cut_sha, cut_enc))
    cut.write_bytes(cut.read_bytes()[:-7])

    found = run_dangan("verify", "--json", env=scaled_env)
    assert found.returncode == 1, "damage without --repair is a failure"
    report = json_of(found)
    assert {(d["sha256"], d["location"]) for d in report["damaged"]} == {
        (flip_sha, "s3-primary"), (cut_sha, "replica")
    }  # fmt: skip
    assert [(m["sha256"], m["location"]) for m in report["missing"]] == [(gone_sha, "s3-primary")]
    fixed = run_dangan("verify", "--repair", "--json", env=scaled_env)
    assert fixed.returncode == 0, fixed.stderr
    assert len(json_of(fixed)["repaired"]) == 3
    clean = json_of(run_dangan("verify", "--json", env=scaled_env))
    assert clean["objects_checked"] == len(objects) and not (clean["damaged"] or clean["missing"])
    assert clean["ledger"]["ok"]

    added = run_dangan("user", "add", "arch", "--role", "archivist", "--clearance", "机密", "--password-stdin",
                       env=scaled_env, input="Scaled@2026x\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    with arc.db.read() as s:
        name, code = s.execute(select(Record.applicant_name, Record.archival_code).limit(1)).one()
    hits = json_of(run_dangan("search", name, "--as", "arch", "--json", env=scaled_env))
    assert code in {h["archival_code"] for h in hits["hits"]}


def _start_workers(env: dict[str, str], tmp_path: Path, n: int) -> list[subprocess.Popen[str]]:
    procs = []
    for i in range(n):
        log = open(tmp_path / f"worker{i}.log", "w")  # noqa: SIM115 - the child holds it
        procs.append(subprocess.Popen(dangan_cmd("worker", "--workers", "1", "--no-periodic"),
                                      env={**_base_env(), **env}, stdout=subprocess.DEVNULL, stderr=log,
                                      text=True))  # fmt: skip
        log.close()
    deadline = time.monotonic() + 90
    while not all("已启动" in (tmp_path / f"worker{i}.log").read_text() for i in range(n)):
        assert time.monotonic() < deadline, (tmp_path / "worker0.log").read_text()
        assert all(p.poll() is None for p in procs), (tmp_path / "worker0.log").read_text()
        time.sleep(0.2)
    return procs


def _after_digitization(arc: Archive, objects: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """The import queued its scans for the workers: once they are read, every object the audit must cover
    — the files and the digitization outputs (page images, scan PDF/As)."""
    deadline = time.monotonic() + 300
    while True:
        with arc.db.read() as s:
            open_files = s.scalar(select(func.count()).select_from(DigitizationFile)
                                  .where(DigitizationFile.status.in_(["queued", "running"])))  # fmt: skip
            if not open_files:
                derived = {(sha, enc) for sha, enc, *_ in derivative_objects(s)}
                return sorted(set(objects) | derived)
        assert time.monotonic() < deadline, f"{open_files} scans still unread"
        time.sleep(0.5)


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()


def _base_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}


def test_jobs_through_redis_are_shared_by_two_workers(
    scaled_env: dict[str, str], scaled_archive: Archive, tmp_path: Path
) -> None:
    _import(scaled_env, tmp_path, 8)
    arc = scaled_archive
    objects = _objects(arc)
    replica = arc.objects.locations[1]
    assert isinstance(replica, LocalLocation)
    damaged = objects[::4]
    for sha, enc in damaged:
        path = replica.path(object_key(sha, enc))
        raw = bytearray(path.read_bytes())
        raw[-1] ^= 0x01
        path.write_bytes(bytes(raw))
    with arc.db.read() as s:
        total = sum(s.scalars(select(RecordFile.size)).all())
    rate = total * 2 / 1e6 / 3
    workers = _start_workers(scaled_env, tmp_path, 2)
    try:
        everything = _after_digitization(arc, objects)
        jobs = Jobs(scaled_settings(scaled_env))
        assert type(jobs.huey).__name__ == "RedisHuey"
        a, b = (
            r.get(blocking=True, timeout=120) for r in [jobs.audit(mb_per_s=rate), jobs.audit(mb_per_s=rate)]
        )
        checkpoint = jobs.checkpoint().get(blocking=True, timeout=60)
    finally:
        _stop(workers)
    assert a["started"] < b["finished"] and b["started"] < a["finished"], "the two audits ran side by side"
    assert a["checked"] and b["checked"] and not set(a["checked"]) & set(b["checked"])
    assert len(a["checked"]) + len(b["checked"]) == len(everything)
    with arc.db.read() as s:
        repairs = s.scalars(select(Event).where(Event.kind == "fixity_repair")).all()
        assert sorted(e.detail["sha256"] for e in repairs) == sorted(sha for sha, _ in damaged)
        unverified = s.scalar(
            select(func.count()).select_from(RecordFile).where(RecordFile.verified_at.is_(None))
        )
    assert unverified == 0
    assert checkpoint["tree_size"] > 0


def test_pg_dump_backup_restores_into_a_fresh_database_and_bucket(
    scaled_env: dict[str, str], scaled_archive: Archive, pg_server: str, tmp_path: Path
) -> None:
    from tests.pg import create_database

    _import(scaled_env, tmp_path, 5)
    before = catalogue_fingerprint(scaled_archive)
    dest = tmp_path / "backup"
    made = run_dangan("backup", str(dest), "--json", env=scaled_env)
    assert made.returncode == 0, made.stderr
    assert json_of(made)["records"] == 5
    assert (dest / "catalog.pgdump").is_file() and not (dest / "catalog.db").exists()

    wrong = run_dangan("restore", str(dest), "--data", str(tmp_path / "sqlite-home"), "--json",
                       env={**_base_env(), "DANGAN_MASTER_KEY_FILE": str(tmp_path / "k2" / "master.key")})  # fmt: skip
    assert wrong.returncode == 1 and "PostgreSQL" in wrong.stderr

    fresh = {**scaled_env, "DANGAN_HOME": str(tmp_path / "restored"), "DANGAN_DATABASE_URL": create_database(pg_server),
             "DANGAN_S3_PREFIX": uuid.uuid4().hex[:12], "DANGAN_REPLICA_DIR": str(tmp_path / "replica2"),
             "DANGAN_MASTER_KEY_FILE": str(tmp_path / "keys2" / "master.key")}  # fmt: skip
    done = run_dangan("restore", str(dest), "--keys", str(dest) + ".keys", "--json", env=fresh)
    assert done.returncode == 0, done.stderr
    assert json_of(done)["ok"] is True and json_of(done)["verified_objects"] > 0
    again = run_dangan("restore", str(dest), "--keys", str(dest) + ".keys", "--json",
                       env={**fresh, "DANGAN_HOME": str(tmp_path / "third")})  # fmt: skip
    assert again.returncode == 1 and "不是空库" in again.stderr, "a database in use is never overwritten"

    restored = open_archive(scaled_settings(fresh))
    try:
        assert catalogue_fingerprint(restored) == before
        for sha, enc in _objects(restored):
            assert all(restored.objects.verify(sha, enc, loc) for loc in restored.objects.locations)
    finally:
        restored.close()
