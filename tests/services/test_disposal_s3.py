"""Disposal with the content on a real S3-compatible store (SeaweedFS) as primary and a local replica:
after execution no object and no data key of the destroyed records is left under the archive's
prefix in the bucket nor in the replica, a kept record's are all there, and register and ledger are
intact."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.lifecycle import approve, execute, propose, register_entries
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Record, RecordFile
from tests.factories import package_dir

pytestmark = pytest.mark.s3

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "department": DEPT}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)
BUCKET = "dangan-disposal"


@pytest.fixture
def s3_archive(tmp_path: Path, s3_server: dict[str, str]) -> Iterator[Archive]:
    settings = load_settings(
        tmp_path / "data", primary_store="s3", replicas="local", replica_dir=str(tmp_path / "replica"),
        s3_endpoint=s3_server["endpoint"], s3_bucket=BUCKET, s3_prefix=uuid.uuid4().hex[:12],
        s3_access_key=s3_server["access_key"], s3_secret_key=s3_server["secret_key"],
        master_key_file=str(tmp_path / "keys" / "master.key"),
    )  # fmt: skip
    archive = open_archive(settings)
    try:
        yield archive
    finally:
        archive.close()


def _bucket_keys(archive: Archive) -> list[str]:
    s3 = archive.objects.primary
    client, prefix = s3.client, s3.prefix  # type: ignore[attr-defined]
    keys: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def _replica_names(tmp_path: Path) -> list[str]:
    return [p.name for p in (tmp_path / "replica").rglob("*") if p.is_file()]


def _hashes(archive: Archive, record_id: str) -> set[str]:
    with archive.db.read() as s:
        seq = s.scalar(select(Record.seq).where(Record.id == record_id))
        return set(s.scalars(select(RecordFile.sha256).where(RecordFile.record_seq == seq)))


def test_disposal_leaves_nothing_in_s3_and_the_replica(s3_archive: Archive, tmp_path: Path) -> None:
    archive = s3_archive
    assert type(archive.objects.primary).__name__ == "S3Location"
    pkgs = [package_dir(tmp_path / "in", 990, security_level="内部", open_to_public=False, **OLD),
            package_dir(tmp_path / "in", 991, security_level="公开", open_to_public=True, **OLD),
            package_dir(tmp_path / "in", 992, department=DEPT, retention="永久")]  # fmt: skip
    ids = [o.record_id or "" for o in import_paths(archive, pkgs, workers=1).accepted]
    doomed, kept = ids[:2], ids[2]
    gone = set().union(*(_hashes(archive, i) for i in doomed))
    keep = _hashes(archive, kept)
    keys = _bucket_keys(archive)
    assert all(any(h in k for k in keys) for h in gone | keep)  # stored in S3 to begin with
    assert any(k.endswith(".key") for k in keys)  # the 内部 record is encrypted: its data key is there
    batch = propose(archive, ARCH1, doomed, "保管期限届满")
    approve(archive, ARCH2, batch.id)
    approve(archive, HEAD, batch.id)
    done = execute(archive, ARCH1, batch.id, ["张监销", "李监销"])
    assert sorted(done.destroyed) == sorted(doomed)
    keys, replica = _bucket_keys(archive), _replica_names(tmp_path)
    assert not [k for k in keys if any(h in k for h in gone)], "an object or data key is left in S3"
    assert not [n for n in replica if any(h in n for h in gone)], (
        "an object or data key is left in the replica"
    )
    assert all(any(h in k for k in keys) for h in keep) and all(any(h in n for n in replica) for h in keep)
    assert sorted(e.record_id for e in register_entries(archive, None)) == sorted(doomed)
    with archive.db.read() as s:
        states = dict(s.execute(select(Record.id, Record.lifecycle_status).where(Record.id.in_(ids))).all())
    assert states == {doomed[0]: "已销毁", doomed[1]: "已销毁", kept: None}
    assert verify_ledger(archive).ok
