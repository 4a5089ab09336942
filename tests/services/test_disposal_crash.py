"""A disposal killed part way (SIGKILL in a child process, at three points of one record's disposal)
leaves every record either fully disposed or untouched once `disposal execute` is run again; a record
marked before the kill is already refused to readers (410) while it waits to be finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.lifecycle import approve, execute, propose
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import DisposalRegister, Record
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "department": DEPT}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)

# Run in the child: the disposal is killed (SIGKILL, no clean-up) at one point of the second record.
CHILD = """
import os, signal, sys
from pathlib import Path
from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import open_archive
from dangan.services.lifecycle import _execute
from dangan.store.objects import LocalLocation

data, batch, point = sys.argv[1], sys.argv[2], sys.argv[3]
seen = {"commit": 0, "shred": 0, "delete": 0}

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "after_mark":  # marked 销毁中, nothing deleted yet
    real_shred = _execute._shred
    def shred(archive, record_id, *rest):
        seen["shred"] += 1
        if seen["shred"] == 2:
            die()
        return real_shred(archive, record_id, *rest)
    _execute._shred = shred
elif point == "mid_shred":  # the primary's data key deleted, the rest not
    real_delete = LocalLocation.delete
    def delete(self, key):
        real_delete(self, key)
        seen["delete"] += 1
        if seen["delete"] >= 2 and key.endswith(".key") and self.name == "primary" and seen["commit"] == 1:
            die()
    LocalLocation.delete = delete
real_commit = _execute._commit_destroyed
def commit(archive, batch_id, record_id):
    seen["commit"] += 1
    if point == "before_commit" and seen["commit"] == 2:  # every copy gone, not yet recorded
        die()
    return real_commit(archive, batch_id, record_id)
_execute._commit_destroyed = commit

archive = open_archive(load_settings(Path(data)))
user = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
_execute.execute(archive, user, batch, ["张监销", "李监销"])
"""


def _copies(archive: Archive, record_id: str) -> list[bool]:
    """For every file of the record, whether it is fully readable from every location."""
    with archive.db.read() as s:
        record = s.query(Record).filter(Record.id == record_id).one()
        refs = [(f.sha256, f.encrypted) for f in record.files]
    return [archive.objects.verify(sha, enc, loc) for sha, enc in refs for loc in archive.objects.locations]


def _absent(archive: Archive, record_id: str) -> bool:
    with archive.db.read() as s:
        record = s.query(Record).filter(Record.id == record_id).one()
        refs = [(f.sha256, f.encrypted) for f in record.files]
    home = archive.settings.home
    names = [p.name for where in ("objects", "replica") for p in (home / where).rglob("*") if p.is_file()]
    return not any(sha in n for sha, _ in refs for n in names)


@pytest.mark.parametrize("point", ["after_mark", "mid_shred", "before_commit"])
def test_killed_disposal_leaves_each_record_disposed_or_untouched(tmp_path: Path, point: str) -> None:
    from dangan.services.intake import import_paths

    pkgs = [package_dir(tmp_path / "in", 900 + i, security_level="内部", open_to_public=False, **OLD)
            for i in range(3)]  # fmt: skip
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        report = import_paths(archive, pkgs)
        ids = [o.record_id or "" for o in report.accepted]
        batch = propose(archive, ARCH1, ids, "保管期限届满")
        approve(archive, ARCH2, batch.id)
        approve(archive, HEAD, batch.id)
    finally:
        archive.close()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    child = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "data"), batch.id, point],
                           env=env, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        with archive.db.read() as s:
            states = {r.id: r.lifecycle_status for r in s.query(Record).filter(Record.id.in_(ids))}
        assert list(states.values()).count("已销毁") == 1, states  # the first record was finished
        marked = [i for i, st in states.items() if st == "销毁中"]
        assert len(marked) == 1
        untouched = [i for i, st in states.items() if st is None]
        assert all(all(_copies(archive, i)) for i in untouched)  # nothing of theirs was touched
        done = execute(archive, ARCH1, batch.id, [])  # run again: finishes the marked record, then the rest
        assert sorted(done.destroyed) == sorted(ids)
        with archive.db.read() as s:
            assert {r.lifecycle_status for r in s.query(Record).filter(Record.id.in_(ids))} == {"已销毁"}
            assert sorted(r.record_id for r in s.query(DisposalRegister)) == sorted(ids)
        assert all(_absent(archive, i) for i in ids)
        assert verify_ledger(archive).ok
    finally:
        archive.close()
