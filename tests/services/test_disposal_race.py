"""The race between a disposal and an ingest of identical bytes (content addressing stores them once):
the ingest reuses an object of a record already marked 销毁中, before the disposal deletes it. Whatever
the order of the pieces, the new record ends with every copy of its files, and the disposed record's
other objects are gone. The racing order is forced by calling the pieces in turn (no threads)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.lifecycle import DisposalBatch, _execute, approve, get_batch, propose
from dangan.store.catalog import Record, RecordFile
from tests.factories import package_dir, rewrite_case_json

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "department": DEPT}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)


def _files(archive: Archive, record_id: str) -> list[tuple[str, bool]]:
    with archive.db.read() as s:
        seq = s.scalar(select(Record.seq).where(Record.id == record_id))
        return [
            (f.sha256, f.encrypted) for f in s.scalars(select(RecordFile).where(RecordFile.record_seq == seq))
        ]


def _whole(archive: Archive, sha: str, enc: bool) -> bool:
    return all(archive.objects.verify(sha, enc, loc) for loc in archive.objects.locations)


def _gone(archive: Archive, sha: str, enc: bool) -> bool:
    return not any(archive.objects.verify(sha, enc, loc) for loc in archive.objects.locations)


@pytest.fixture
def marked(archive: Archive, tmp_path: Path) -> tuple[str, str, Path]:
    """(batch id, record id, package) of an approved batch whose one record is marked 销毁中, and a new package
    (another case) one of whose files has exactly the bytes of one of that record's files."""
    old = package_dir(tmp_path / "in", 950, security_level="内部", open_to_public=False, **OLD)
    record_id = import_paths(archive, [old], workers=1).accepted[0].record_id or ""
    batch = propose(archive, ARCH1, [record_id], "保管期限届满")
    approve(archive, ARCH2, batch.id)
    approve(archive, HEAD, batch.id)
    with archive.db.write() as s:  # as `execute` leaves it after its first transaction
        row = s.get(DisposalBatch, batch.id)
        assert row is not None
        row.status = "执行中"
    row = get_batch(archive, None, batch.id)
    assert _execute._mark(archive, row, row.items[0]) is None
    new = package_dir(tmp_path / "new", 951, security_level="内部", open_to_public=False, department=DEPT)
    first = json.loads((old / "case.json").read_text(encoding="utf-8"))["files"][0]["path"]
    shutil.copy(old / first, new / "同一材料.pdf")
    rewrite_case_json(new, lambda d: d["files"].append({"path": "同一材料.pdf", "role": "其他"}))
    return batch.id, record_id, new


def _finish_disposal(archive: Archive, batch_id: str, record_id: str) -> None:
    _execute._shred(archive, record_id, {record_id})
    _execute._commit_destroyed(archive, batch_id, record_id)


@contextmanager
def _disposal_before_commit(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, run: Callable[[], None]
) -> Iterator[None]:
    """The ingest's objects are stored (the shared one found and reused); `run` goes before its commit."""
    real: Callable[[], AbstractContextManager[Session]] = archive.db.write
    state = {"fired": False}

    @contextmanager
    def write() -> Iterator[Session]:
        if not state["fired"]:
            state["fired"] = True
            run()
        with real() as s:
            yield s

    monkeypatch.setattr(archive.db, "write", write)
    yield
    monkeypatch.setattr(archive.db, "write", real)
    assert state["fired"]


def _check(archive: Archive, old_id: str, new_id: str, before: list[Any]) -> None:
    with archive.db.read() as s:
        assert s.scalar(select(Record.lifecycle_status).where(Record.id == old_id)) == "已销毁"
    mine = _files(archive, new_id)
    assert all(_whole(archive, sha, enc) for sha, enc in mine), "the new record lost the bytes it shares"
    shared = set(mine) & set(before)
    assert len(shared) == 1
    assert all(_gone(archive, sha, enc) for sha, enc in set(before) - shared)


def test_ingest_reusing_an_object_then_committing_after_the_shred_keeps_it(
    archive: Archive, marked: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_id, old_id, new = marked
    before = _files(archive, old_id)
    with _disposal_before_commit(archive, monkeypatch, lambda: _finish_disposal(archive, batch_id, old_id)):
        report = import_paths(archive, [new], workers=1)
    assert not report.rejected, report.as_json()["rejected"]
    _check(archive, old_id, report.accepted[0].record_id or "", before)


def test_ingest_committing_before_the_shred_makes_the_disposal_leave_the_object(
    archive: Archive, marked: tuple[str, str, Path]
) -> None:
    batch_id, old_id, new = marked
    before = _files(archive, old_id)
    report = import_paths(archive, [new], workers=1)
    assert not report.rejected, report.as_json()["rejected"]
    _finish_disposal(archive, batch_id, old_id)
    _check(archive, old_id, report.accepted[0].record_id or "", before)


def test_ingest_after_the_disposal_stores_the_bytes_afresh(
    archive: Archive, marked: tuple[str, str, Path]
) -> None:
    batch_id, old_id, new = marked
    before = _files(archive, old_id)
    _finish_disposal(archive, batch_id, old_id)
    report = import_paths(archive, [new], workers=1)
    assert not report.rejected, report.as_json()["rejected"]
    _check(archive, old_id, report.accepted[0].record_id or "", before)
