"""A disposal interrupted after its first record was marked 销毁中 is finished by the next worker's
start-up (the `disposal_resume` task `Jobs` queues on start), without anyone running `execute` again."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.lifecycle import _execute, approve, execute, propose
from dangan.services.preservation import Jobs
from dangan.store.catalog import DisposalBatch, DisposalRegister, Record
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "department": DEPT}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)


def _status(archive: Archive, batch_id: str) -> str | None:
    with archive.db.read() as s:
        return s.scalar(select(DisposalBatch.status).where(DisposalBatch.id == batch_id))


def test_worker_start_finishes_a_batch_left_executing(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkgs = [package_dir(tmp_path / "in", 960 + i, **OLD) for i in range(2)]
    ids = [o.record_id or "" for o in import_paths(archive, pkgs, workers=1).accepted]
    batch = propose(archive, ARCH1, ids, "保管期限届满")
    approve(archive, ARCH2, batch.id)
    approve(archive, HEAD, batch.id)

    def crash(*_: object) -> list[str]:  # the process dies after marking, before deleting anything
        raise RuntimeError("模拟中断")

    monkeypatch.setattr(_execute, "_shred", crash)
    with pytest.raises(RuntimeError):
        execute(archive, ARCH1, batch.id, ["张监销", "李监销"])
    monkeypatch.undo()
    assert _status(archive, batch.id) == "执行中"

    jobs = Jobs(archive.settings)  # a worker as `dangan worker` makes it: it opens the archive itself
    consumer = jobs.consumer(workers=1, periodic=False, shutdown_timeout=5)
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    consumer.start()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    try:
        deadline = time.monotonic() + 60  # a bound on waiting, not a speed assertion
        while _status(archive, batch.id) != "已执行" and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
        jobs.close()
    assert _status(archive, batch.id) == "已执行"
    with archive.db.read() as s:
        assert set(s.scalars(select(Record.lifecycle_status).where(Record.id.in_(ids)))) == {"已销毁"}
        assert sorted(s.scalars(select(DisposalRegister.record_id))) == sorted(ids)
