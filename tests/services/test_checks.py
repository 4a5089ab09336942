"""四性检测 at ingest: failing packages are refused and quarantined, passing ones keep their report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, inspect, select

from dangan.access import Principal, Role
from dangan.core import PermissionDenied, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.quality import report_for_record, set_matter_rule
from dangan.store.catalog import Base, CheckReportRow, Database, QuarantineEntry, Record, downgrade, upgrade
from tests.checks.conftest import EICAR, add_file, write_eicar_database
from tests.factories import package_dir

ARCHIVIST = Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
CLERK = Principal("clerk", Role.CLERK, department="秦皇岛市市场监督管理局")


def _count(archive: Archive, model: type[Base], *where: ColumnElement[bool]) -> int:
    with archive.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _object_files(archive: Archive) -> list[Path]:
    root = archive.settings.objects_dir
    return [p for p in root.rglob("*") if p.is_file() and "tmp" not in p.relative_to(root).parts]


def test_failing_package_is_rejected_quarantined_and_not_archived(
    any_archive: Archive, tmp_path: Path
) -> None:
    pkg = package_dir(tmp_path / "in", 30)
    (pkg / "未登记.pdf").write_bytes(b"%PDF-1.4 stray")
    report = import_paths(any_archive, [pkg])
    assert not report.accepted
    rejected = report.as_json()["rejected"][0]
    codes = [r["code"] for r in rejected["reasons"]]
    assert codes == ["check:2-4", "quarantined"]
    assert "未登记.pdf" in rejected["reasons"][0]["message"]
    assert _count(any_archive, Record) == 0
    assert _object_files(any_archive) == []
    with any_archive.db.read() as s:
        entry = s.scalars(select(QuarantineEntry)).one()
        row = s.scalars(select(CheckReportRow)).one()
    assert (
        entry.status == "held" and entry.source_id == json.loads((pkg / "case.json").read_text())["source_id"]
    )
    assert [r["code"] for r in entry.reasons] == ["check:2-4"]
    assert row.quarantine_id == entry.id and row.passed is False and row.record_id is None
    copy = any_archive.settings.home / entry.folder
    assert sorted(p.name for p in copy.iterdir()) == sorted(p.name for p in pkg.iterdir())
    assert entry.id in rejected["reasons"][1]["message"]


def test_passing_package_keeps_its_report(any_archive: Archive, tmp_path: Path) -> None:
    report = import_paths(any_archive, [package_dir(tmp_path / "in", 31)])
    record_id = report.accepted[0].record_id
    assert record_id
    stored = report_for_record(any_archive, record_id)
    assert stored is not None and stored.passed
    assert [i.code for i in stored.items][:3] == ["1-1", "1-2", "1-3"]
    assert _count(any_archive, QuarantineEntry) == 0


def test_a_fixed_resubmission_releases_the_quarantined_copy(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 32)
    (pkg / "stray.txt").write_text("x")
    import_paths(any_archive, [pkg])
    import_paths(any_archive, [pkg])  # failing again: the held entry is refreshed, not duplicated
    assert _count(any_archive, QuarantineEntry) == 1
    assert _count(any_archive, CheckReportRow) == 2
    (pkg / "stray.txt").unlink()
    report = import_paths(any_archive, [pkg])
    assert len(report.accepted) == 1
    with any_archive.db.read() as s:
        entry = s.scalars(select(QuarantineEntry)).one()
    assert entry.status == "released" and entry.record_id == report.accepted[0].record_id


def test_matter_rule_from_toml_then_from_the_catalogue(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    (home / "dangan.toml").write_text(
        '[dangan]\nfonds_code = "Z001"\n\n[matters."食品经营许可"]\nrequired = ["申请书", "营业执照", "决定书"]\n',
        encoding="utf-8",
    )
    archive = open_archive(load_settings(home))
    try:
        pkg = package_dir(tmp_path / "in", 0)  # seed 0: a 食品经营许可 of 申请书, 场所证明, 决定书
        report = import_paths(archive, [pkg])
        reasons = report.as_json()["rejected"][0]["reasons"]
        assert reasons[0]["code"] == "check:2-3" and "营业执照" in reasons[0]["message"]
        with pytest.raises(PermissionDenied):
            set_matter_rule(archive, CLERK, "食品经营许可", ["申请书"])
        set_matter_rule(archive, ARCHIVIST, "食品经营许可", ["申请书", "决定书"])
        report = import_paths(archive, [pkg])
        assert len(report.accepted) == 1, report.as_json()
    finally:
        archive.close()


def test_an_infected_package_is_refused(tmp_path: Path) -> None:
    db = write_eicar_database(tmp_path / "sigs.ndb")
    archive = open_archive(load_settings(tmp_path / "data", clamav_db=str(db)))
    try:
        pkg = package_dir(tmp_path / "in", 33)
        add_file(pkg, "附件.txt", EICAR, "其他材料")
        reasons = import_paths(archive, [pkg]).as_json()["rejected"][0]["reasons"]
        assert reasons[0]["code"] == "check:4-1"
        assert "Dangan.Test.EICAR" in reasons[0]["message"]
        clean = import_paths(archive, [package_dir(tmp_path / "in", 34)])
        report = report_for_record(archive, clean.accepted[0].record_id or "")
        assert report is not None
        assert next(i for i in report.items if i.code == "4-1").verdict.value == "通过"
    finally:
        archive.close()


def test_migration_0004_up_and_down(db_url: str) -> None:
    upgrade(db_url)
    db = Database(db_url)
    names = set(inspect(db.engine).get_table_names())
    assert {"check_report", "quarantine", "matter_rule"} <= names
    db.dispose()
    downgrade(db_url, "0003")
    db = Database(db_url)
    names = set(inspect(db.engine).get_table_names())
    assert not {"check_report", "quarantine", "matter_rule"} & names
    db.dispose()
    upgrade(db_url)
