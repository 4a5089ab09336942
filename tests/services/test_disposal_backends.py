"""The whole disposal flow on each catalogue backend (SQLite here, a real PostgreSQL server under the
`postgres` mark): refusals, the approval chain, execution, the register and the ledger, a worker-less
resume, and the ingest that reuses an object of a record being disposed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dangan.access import Principal, Role
from dangan.core import DanganError
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.lifecycle import (
    _execute,
    add_hold,
    approve,
    due_records,
    execute,
    propose,
    register_entries,
    resume_disposals,
)
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Record, RecordFile
from tests.factories import package_dir, rewrite_case_json

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "department": DEPT,
       "security_level": "内部", "open_to_public": False}  # fmt: skip
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)


def _refs(archive: Archive, record_id: str) -> list[tuple[str, bool]]:
    with archive.db.read() as s:
        seq = s.scalar(select(Record.seq).where(Record.id == record_id))
        return [
            (f.sha256, f.encrypted) for f in s.scalars(select(RecordFile).where(RecordFile.record_seq == seq))
        ]


def _readable(archive: Archive, ref: tuple[str, bool]) -> list[bool]:
    return [archive.objects.verify(*ref, loc) for loc in archive.objects.locations]


def _sharing(src: Path, dest: Path) -> None:
    first = json.loads((src / "case.json").read_text(encoding="utf-8"))["files"][0]["path"]
    shutil.copy(src / first, dest / "同一材料.pdf")
    rewrite_case_json(dest, lambda d: d["files"].append({"path": "同一材料.pdf", "role": "其他"}))


def test_disposal_flow(any_archive: Archive, tmp_path: Path) -> None:
    archive = any_archive
    inbox = tmp_path / "in"
    pkgs = [package_dir(inbox, 970 + i, **OLD) for i in range(4)]
    sharer = package_dir(inbox, 975, department=DEPT, retention="30年")
    _sharing(pkgs[3], sharer)
    ids = [o.record_id or "" for o in import_paths(archive, [*pkgs, sharer], workers=1).accepted]
    doomed, held, shared = ids[:2], ids[2], ids[3]
    add_hold(archive, ARCH1, held, "涉诉冻结")
    due = {d.record_id: d for d in due_records(archive, None, date(2024, 6, 1))}
    assert set(due) == set(ids[:4]) and due[held].on_hold
    for bad, why in ((held, "冻结"), (shared, "共用")):
        with pytest.raises(DanganError) as refused:
            propose(archive, ARCH1, [doomed[0], bad], "到期")
        assert why in refused.value.message
    batch = propose(archive, ARCH1, doomed, "保管期限届满")
    with pytest.raises(DanganError):
        approve(archive, ARCH1, batch.id)
    approve(archive, ARCH2, batch.id)
    assert approve(archive, HEAD, batch.id).status == "已批准"
    refs = [r for i in doomed for r in _refs(archive, i)]
    done = execute(archive, ARCH1, batch.id, ["张监销", "李监销"])
    assert sorted(done.destroyed) == sorted(doomed) and not done.skipped
    assert all(not any(_readable(archive, r)) for r in refs)
    assert all(all(_readable(archive, r)) for i in (held, shared, ids[4]) for r in _refs(archive, i))
    entries = register_entries(archive, None)
    assert sorted(e.record_id for e in entries) == sorted(doomed)
    assert all(e.witnesses == ["张监销", "李监销"] and e.batch_id == batch.id for e in entries)
    assert resume_disposals(archive) == []
    report = verify_ledger(archive)
    assert report.ok, report.problems


@contextmanager
def _before_commit(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, batch_id: str, rid: str
) -> Iterator[None]:
    """The ingest's objects are stored (one reused); the disposal finishes before the ingest commits."""
    real = archive.db.write
    fired: list[bool] = []

    @contextmanager
    def write() -> Iterator[Session]:
        if not fired:
            fired.append(True)
            _execute._shred(archive, rid, {rid})
            _execute._commit_destroyed(archive, batch_id, rid)
        with real() as s:
            yield s

    monkeypatch.setattr(archive.db, "write", write)
    yield
    monkeypatch.setattr(archive.db, "write", real)
    assert fired


def test_ingest_racing_a_disposal_keeps_its_bytes(
    any_archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = any_archive
    old = package_dir(tmp_path / "in", 980, **OLD)
    rid = import_paths(archive, [old], workers=1).accepted[0].record_id or ""
    before = _refs(archive, rid)
    batch = propose(archive, ARCH1, [rid], "保管期限届满")
    approve(archive, ARCH2, batch.id)
    approve(archive, HEAD, batch.id)

    def stop(*_: object) -> list[str]:
        raise RuntimeError("中断")

    monkeypatch.setattr(_execute, "_shred", stop)
    with pytest.raises(RuntimeError):  # marked 销毁中, nothing deleted
        execute(archive, ARCH1, batch.id, ["张监销", "李监销"])
    monkeypatch.undo()
    new = package_dir(
        tmp_path / "new", 981, **(OLD | {"decided_at": "2023-03-05", "accepted_at": "2023-03-01"})
    )
    _sharing(old, new)
    with _before_commit(archive, monkeypatch, batch.id, rid):
        report = import_paths(archive, [new], workers=1)
    assert not report.rejected, report.as_json()["rejected"]
    mine = _refs(archive, report.accepted[0].record_id or "")
    assert all(all(_readable(archive, r)) for r in mine)
    assert all(not any(_readable(archive, r)) for r in set(before) - set(mine))
    assert execute(archive, ARCH1, batch.id, []).destroyed == [rid]
    assert verify_ledger(archive).ok
