"""Disposal end to end through the CLI contracts (DESIGN §4): expiry list, appraisal batch, approval chain,
execution with witnesses, the register; every refusal changes nothing; afterwards the content cannot be
read from any location while metadata, register and ledger stay intact and `ledger verify` is ok."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.lifecycle import ContentDestroyed
from dangan.services.archive import open_archive
from dangan.services.records import file_for
from tests.cli.invoke import invoke
from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of

DEPT = "秦皇岛市市场监督管理局"
PASSWORD = "Dangan@2024\n"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年"}


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


def test_refusals_change_nothing(world: dict[str, Any]) -> None:
    data = world["data"]
    held = _ok(data, "hold", "add", world["held"], "--as", "arch1", "--reason", "涉诉冻结")
    assert held["on_hold"] is True
    assert _cli(data, "hold", "add", world["held"], "--as", "arch1", "--reason", "再次").returncode == 1
    assert _cli(data, "hold", "add", world["held"], "--as", "arch1").returncode == 2  # no reason
    due = _ok(data, "disposal", "due", "--on", "2024-06-01")
    rows = {r["record_id"]: r for r in due["records"]}
    assert set(rows) == {world[k] for k in ("secret", "open", "held", "sharing")}
    assert set(rows[world["secret"]]) >= {"record_id", "archival_code", "retention", "expires_on"}
    assert rows[world["secret"]]["expires_on"] == "2020-12-31" and rows[world["held"]]["on_hold"] is True
    assert _ok(data, "disposal", "due", "--on", "2020-12-30")["records"] == []
    assert {r["record_id"] for r in _ok(data, "disposal", "due", "--as", "clerk")["records"]} <= set(rows)
    before = _objects(world["home"])
    for key, why in (("forever", "永久"), ("young", "尚未到期"), ("held", "冻结"), ("sharing", "共用")):
        proc = _cli(data, "disposal", "propose", world[key], "--as", "arch1", "--reason", "到期", "--json")
        assert proc.returncode == 1 and not proc.stdout, (key, proc.stdout)
        assert why in proc.stderr, (key, proc.stderr)
    assert _cli(data, "disposal", "propose", world["secret"], "--as", "arch1").returncode == 2  # no reason
    assert (
        _cli(data, "disposal", "propose", world["secret"], "--as", "clerk", "--reason", "x").returncode == 1
    )
    assert _cli(data, "disposal", "propose", "NO-SUCH", "--as", "arch1", "--reason", "x").returncode == 2
    assert _ok(data, "disposal", "register")["entries"] == []
    assert _objects(world["home"]) == before
    lifted = _ok(data, "hold", "remove", world["held"], "--as", "arch1", "--reason", "结案")
    assert lifted["on_hold"] is False
    batch = _ok(data, "disposal", "propose", world["held"], "--as", "arch1", "--reason", "到期")
    assert batch["status"] == "待审批"


def test_flow_destroys_every_copy_and_keeps_the_record(world: dict[str, Any], tmp_path: Path) -> None:
    data, home = world["data"], world["home"]
    targets = [world["secret"], world["open"]]
    hashes = set().union(*(_file_hashes(data, r) for r in targets))
    kept_hashes = _file_hashes(data, world["forever"])
    proposed = _ok(data, "disposal", "propose", *targets, "--as", "arch1", "--reason", "保管期限届满，无保存价值",
                   "--keep", f"{world['held']}:30年:涉及在办案件")  # fmt: skip
    assert set(proposed) >= {"batch_id", "status"} and proposed["status"] == "待审批"
    batch = proposed["batch_id"]
    again = _cli(data, "disposal", "propose", world["secret"], "--as", "arch2", "--reason", "到期", "--json")
    assert again.returncode == 1  # already in an open batch
    assert _cli(data, "disposal", "approve", batch, "--as", "arch1", "--json").returncode == 1  # the proposer
    assert _cli(data, "disposal", "execute", batch, "--as", "arch1", "--witness", "甲", "--witness", "乙",
                "--json").returncode == 1  # fmt: skip  # not approved yet
    assert _ok(data, "disposal", "approve", batch, "--as", "arch2")["status"] == "待审批"
    assert _cli(data, "disposal", "approve", batch, "--as", "arch2", "--json").returncode == 1  # twice
    approved = _ok(data, "disposal", "approve", batch, "--as", "head")
    assert approved["batch_id"] == batch and approved["status"] == "已批准"
    due = {r["record_id"]: r for r in _ok(data, "disposal", "due", "--on", "2024-06-01")["records"]}
    assert world["held"] not in due  # kept: a new 30-year period counted from the appraisal
    one = _cli(data, "disposal", "execute", batch, "--as", "arch1", "--witness", "甲", "--json")
    assert one.returncode == 2  # two witnesses needed
    done = _ok(
        data, "disposal", "execute", batch, "--as", "arch1", "--witness", "张监销", "--witness", "李监销"
    )
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
    assert _ok(data, "ledger", "proof", world["secret"])["record_id"] == world["secret"]
    assert _cli(data, "verify", "--json").returncode == 0
    archive = open_archive(load_settings(home))
    try:
        with archive.db.read() as s:
            from dangan.store.catalog import Event, get_record

            record = get_record(s, world["secret"])
            assert record is not None and record.lifecycle_status == "已销毁" and record.files
            kinds = [e.kind for e in s.query(Event).filter(Event.record_id == world["secret"])]
        assert "dispose" in kinds
        arch = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
        with pytest.raises(ContentDestroyed) as gone:
            file_for(archive, arch, world["secret"], 1)
        assert gone.value.status == 410
    finally:
        archive.close()
    for suffix in ("pdf", "csv", "xlsx"):
        out = tmp_path / f"清册.{suffix}"
        _ok(data, "disposal", "register", "--out", str(out))
        assert out.stat().st_size > 0
    assert "档号" in (tmp_path / "清册.csv").read_text(encoding="utf-8-sig")
    report = tmp_path / "鉴定报告.pdf"
    assert _cli(data, "disposal", "report", batch, "--out", str(report)).returncode == 0
    assert report.read_bytes().startswith(b"%PDF")
