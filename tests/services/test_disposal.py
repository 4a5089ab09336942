"""Disposal end to end: expiry list, appraisal batch, approval chain, execution with witnesses, the
register; every refusal changes nothing; afterwards the content cannot be read from any location while
metadata, register and ledger stay intact and `ledger verify` is ok.

The CLI contracts (DESIGN §4) are held by one call of each command; the rest of the set-up and the
refusals go through the services the commands call (a CLI call costs a Python start-up).
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dangan.access import Principal, Role
from dangan.core import DanganError, load_settings
from dangan.domain import SecurityLevel
from dangan.lifecycle import ContentDestroyed
from dangan.services.archive import Archive, open_archive
from dangan.services.graph import rebuild_graph
from dangan.services.lifecycle import (
    Keep,
    add_hold,
    appraisal_report_pdf,
    approve,
    due_records,
    execute,
    propose,
    register_csv,
    register_entries,
    register_pdf,
    register_xlsx,
    remove_hold,
)
from dangan.services.preservation import audit_fixity
from dangan.services.records import file_for
from dangan.store.catalog import GraphEdge
from tests.cli.invoke import invoke
from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of

DEPT = "秦皇岛市市场监督管理局"
PASSWORD = "Dangan@2024\n"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年"}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)
CLERK = Principal("clerk", Role.CLERK, department=DEPT, clearance=SecurityLevel.SECRET)


def _cli(data: str, *args: str) -> Any:
    return invoke(*args, "--data", data)


def _ok(data: str, *args: str) -> Any:
    proc = _cli(data, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json_of(proc)


def _import(data: str, pkgs: list[Path]) -> list[str]:
    """Through the service (the `import` command is another session's and may be mid-change)."""
    from dangan.services.accounts import add_user
    from dangan.services.intake import import_paths

    archive = open_archive(load_settings(Path(data)))
    try:
        report = import_paths(archive, pkgs)
        assert not report.rejected, report.as_json()["rejected"]
        for name, role, dept in (("arch1", "archivist", None), ("arch2", "archivist", None),
                                 ("head", "dept_head", DEPT), ("clerk", "clerk", DEPT)):  # fmt: skip
            add_user(archive, name, PASSWORD.strip(), role, department=dept, clearance="秘密")
        by_source = {o.source_id: o.record_id or "" for o in report.accepted}
        return [
            by_source[json.loads((p / "case.json").read_text(encoding="utf-8"))["source_id"]] for p in pkgs
        ]
    finally:
        archive.close()


@pytest.fixture
def world(tmp_path: Path) -> dict[str, Any]:
    data = str(tmp_path / "data")
    inbox = tmp_path / "in"
    secret = package_dir(inbox, 701, department=DEPT, security_level="内部", open_to_public=False, **OLD)
    open_ = package_dir(inbox, 702, department=DEPT, security_level="公开", open_to_public=True, **OLD)
    forever = package_dir(inbox, 703, department=DEPT, **(OLD | {"retention": "永久"}))
    young = package_dir(inbox, 704, department=DEPT, accepted_at="2023-03-01", decided_at="2023-03-05",
                        retention="10年")  # fmt: skip
    held = package_dir(inbox, 705, department=DEPT, **OLD)
    sharing = package_dir(inbox, 706, department=DEPT, **OLD)
    sharer = package_dir(inbox, 707, department=DEPT, retention="30年")
    first = json.loads((sharing / "case.json").read_text(encoding="utf-8"))["files"][0]["path"]
    shutil.copy(sharing / first, sharer / "共用材料.pdf")
    rewrite_case_json(sharer, lambda d: d["files"].append({"path": "共用材料.pdf", "role": "其他"}))
    ids = _import(data, [secret, open_, forever, young, held, sharing, sharer])
    names = ["secret", "open", "forever", "young", "held", "sharing", "sharer"]
    return {"data": data, "home": Path(data), **dict(zip(names, ids, strict=True))}


def _objects(home: Path) -> dict[str, bytes]:
    """Every stored file of both local locations, by path relative to the data directory."""
    out: dict[str, bytes] = {}
    for where in ("objects", "replica"):
        for path in (home / where).rglob("*"):
            if path.is_file() and "tmp" not in path.relative_to(home).parts:
                out[str(path.relative_to(home))] = path.read_bytes()
    return out


def _file_hashes(data: str, record_id: str) -> set[str]:
    archive = open_archive(load_settings(Path(data)))
    try:
        with archive.db.read() as s:
            from dangan.store.catalog import get_record

            record = get_record(s, record_id)
            assert record is not None
            return {f.sha256 for f in record.files}
    finally:
        archive.close()


def _opened(data: str) -> Archive:
    return open_archive(load_settings(Path(data)))


def _refused(archive: Archive, action: object, *args: object, **kwargs: object) -> str:
    """The Chinese reason of a refusal (any DanganError), asserting there was one."""
    with pytest.raises(DanganError) as refused:
        action(*args, **kwargs)  # type: ignore[operator]
    return refused.value.message


def test_refusals_change_nothing(world: dict[str, Any]) -> None:
    data = world["data"]
    held = _ok(data, "hold", "add", world["held"], "--as", "arch1", "--reason", "涉诉冻结")
    assert held["on_hold"] is True
    assert _cli(data, "hold", "add", world["held"], "--as", "arch1").returncode == 2  # no reason
    due = _ok(data, "disposal", "due", "--on", "2024-06-01")
    rows = {r["record_id"]: r for r in due["records"]}
    assert set(rows) == {world[k] for k in ("secret", "open", "held", "sharing")}
    assert set(rows[world["secret"]]) >= {"record_id", "archival_code", "retention", "expires_on"}
    assert rows[world["secret"]]["expires_on"] == "2020-12-31" and rows[world["held"]]["on_hold"] is True
    before = _objects(world["home"])
    proc = _cli(data, "disposal", "propose", world["forever"], "--as", "arch1", "--reason", "到期", "--json")
    assert proc.returncode == 1 and not proc.stdout and "永久" in proc.stderr
    assert _cli(data, "disposal", "propose", world["secret"], "--as", "arch1").returncode == 2  # no reason
    archive = _opened(data)
    try:
        assert due_records(archive, None, date(2020, 12, 30)) == []
        assert {d.record_id for d in due_records(archive, CLERK, date(2024, 6, 1))} <= set(rows)
        assert "已处于冻结" in _refused(archive, add_hold, archive, ARCH1, world["held"], "再次")
        for key, why in (("young", "尚未到期"), ("held", "冻结"), ("sharing", "共用")):
            assert why in _refused(archive, propose, archive, ARCH1, [world[key]], "到期"), key
        assert _refused(archive, propose, archive, CLERK, [world["secret"]], "x")
        assert "不存在" in _refused(archive, propose, archive, ARCH1, ["NO-SUCH"], "x")
        assert register_entries(archive, None) == []
        assert _objects(world["home"]) == before
        lifted = remove_hold(archive, ARCH1, world["held"], "结案")
        assert lifted.on_hold is False
        assert propose(archive, ARCH1, [world["held"]], "到期").status == "待审批"
    finally:
        archive.close()


def test_flow_destroys_every_copy_and_keeps_the_record(world: dict[str, Any], tmp_path: Path) -> None:
    data, home = world["data"], world["home"]
    targets = [world["secret"], world["open"]]
    hashes = set().union(*(_file_hashes(data, r) for r in targets))
    kept_hashes = _file_hashes(data, world["forever"])
    proposed = _ok(data, "disposal", "propose", *targets, "--as", "arch1", "--reason", "保管期限届满，无保存价值",
                   "--keep", f"{world['held']}:30年:涉及在办案件")  # fmt: skip
    assert set(proposed) >= {"batch_id", "status"} and proposed["status"] == "待审批"
    batch = proposed["batch_id"]
    archive = _opened(data)
    try:
        assert "另一个" in _refused(archive, propose, archive, ARCH2, [world["secret"]], "到期")
        assert "自己" in _refused(archive, approve, archive, ARCH1, batch)  # the proposer
        assert "已批准" in _refused(archive, execute, archive, ARCH1, batch, ["甲", "乙"])  # not approved yet
        assert approve(archive, ARCH2, batch).status == "待审批"
        assert _refused(archive, approve, archive, ARCH2, batch)  # twice
        assert Keep.parse(f"{world['held']}:30年:x").retention == "30年"
    finally:
        archive.close()
    approved = _ok(data, "disposal", "approve", batch, "--as", "head")
    assert approved["batch_id"] == batch and approved["status"] == "已批准"
    archive = _opened(data)
    try:
        due = {d.record_id for d in due_records(archive, None, date(2024, 6, 1))}
        assert world["held"] not in due  # kept: a new 30-year period counted from the appraisal
        assert "监销人" in _refused(archive, execute, archive, ARCH1, batch, ["甲"])  # two witnesses needed
    finally:
        archive.close()
    # cached preview renderings (sealed entries of the page cache, one folder per object)
    pages = home / "cache" / "pages"
    for sha in hashes | kept_hashes:
        (pages / sha[:2] / sha).mkdir(parents=True, exist_ok=True)
        (pages / sha[:2] / sha / "0.page").write_bytes(b"sealed")
    done = _ok(
        data, "disposal", "execute", batch, "--as", "arch1", "--witness", "张监销", "--witness", "李监销"
    )
    assert not [h for h in hashes if (pages / h[:2] / h).exists()], "a destroyed object's pages stay cached"
    assert all((pages / h[:2] / h / "0.page").exists() for h in kept_hashes - hashes)
    assert done["batch_id"] == batch and sorted(done["destroyed"]) == sorted(targets)
    twice = _cli(
        data, "disposal", "execute", batch, "--as", "arch1", "--witness", "甲", "--witness", "乙", "--json"
    )
    assert twice.returncode == 1
    # unrecoverable from every local location: no copy and no data key of any of their objects is left
    left = _objects(home)
    assert not [k for k in left if any(h in k for h in hashes)]
    assert all(any(h in k for k in left) for h in kept_hashes)
    # the register, metadata and ledger are intact
    entries = _ok(data, "disposal", "register")["entries"]
    assert sorted(e["record_id"] for e in entries) == sorted(targets)
    assert all(set(e) >= {"record_id", "archival_code", "title", "batch_id", "destroyed_at"} for e in entries)
    assert all(e["batch_id"] == batch and e["witnesses"] == ["张监销", "李监销"] for e in entries)
    verified = _ok(data, "ledger", "verify")
    assert verified["ok"] is True, verified["problems"]
    archive = _opened(data)
    try:
        from dangan.store.catalog import Event, get_record

        fixity = audit_fixity(
            archive
        )  # what `dangan verify` reports: the destroyed objects are not "missing"
        assert fixity.ok and not fixity.missing, fixity
        with archive.db.read() as s:
            record = get_record(s, world["secret"])
            assert record is not None and record.lifecycle_status == "已销毁" and record.files
            kinds = [e.kind for e in s.query(Event).filter(Event.record_id == world["secret"])]
        assert "dispose" in kinds
        with archive.db.read() as s:  # the graph no longer holds what the destroyed records asserted
            asserted = s.scalars(select(GraphEdge.record_id).where(GraphEdge.record_id.in_(targets))).all()
            assert asserted == [] and (s.scalar(select(func.count()).select_from(GraphEdge)) or 0) > 0
        rebuilt = rebuild_graph(archive)
        with archive.db.read() as s:
            assert not s.scalars(select(GraphEdge.record_id).where(GraphEdge.record_id.in_(targets))).all()
        assert rebuilt.edges > 0
        arch = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
        with pytest.raises(ContentDestroyed) as gone:
            file_for(archive, arch, world["secret"], 1)
        assert gone.value.status == 410
        rows = register_entries(archive, None)
        assert register_pdf(archive, rows).startswith(b"%PDF") and register_xlsx(archive, rows)[:2] == b"PK"
        assert "档号" in register_csv(archive, rows).decode("utf-8-sig")
        assert appraisal_report_pdf(archive, None, batch)[1].startswith(b"%PDF")
    finally:
        archive.close()
    out = tmp_path / "清册.csv"
    _ok(data, "disposal", "register", "--out", str(out))
    assert "档号" in out.read_text(encoding="utf-8-sig")
