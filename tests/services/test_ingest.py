from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Base, Event, QuarantineEntry, Record, RecordFile
from tests.factories import package_dir, rewrite_case_json, sha256, zip_package


def _count(archive: Archive, model: type[Base]) -> int:
    with archive.db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_import_stores_record_files_and_event(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 1)
    report = import_paths(any_archive, [pkg])
    assert len(report.accepted) == 1 and not report.rejected
    out = report.as_json()["accepted"][0]
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert (out["source_system"], out["source_id"]) == (doc["source_system"], doc["source_id"])
    assert re.fullmatch(r"Z001-\d{4}-(Y|D30|D10)-[A-Z0-9]+-0001", out["archival_code"])
    with any_archive.db.read() as s:
        record = s.scalar(select(Record))
        assert record is not None and record.id == out["record_id"]
        assert record.title == doc["title"] and record.applicant_name == doc["applicant"]["name"]
        assert [f.path for f in record.files] == [f["path"] for f in doc["files"]]
        for f in record.files:
            assert any_archive.objects.verify(f.sha256, f.encrypted)
            assert f.sha256 == sha256(pkg / f.path)
    assert _count(any_archive, Event) == 1


def test_same_package_twice_is_a_duplicate_and_stores_nothing(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 2)
    first = import_paths(any_archive, [pkg])
    files_after_first = _count(any_archive, RecordFile)
    objects_after_first = sorted(p.name for p in any_archive.objects.root.rglob("*") if p.is_file())
    second = import_paths(any_archive, [pkg])
    assert not second.accepted and len(second.duplicates) == 1
    assert second.duplicates[0].record_id == first.accepted[0].record_id
    assert _count(any_archive, Record) == 1
    assert _count(any_archive, RecordFile) == files_after_first > 0
    assert sorted(p.name for p in any_archive.objects.root.rglob("*") if p.is_file()) == objects_after_first
    assert _count(any_archive, Event) == 1


def test_hash_omitted_the_second_time_is_still_a_duplicate(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 3)
    import_paths(any_archive, [pkg])
    rewrite_case_json(pkg, lambda d: [f.pop("sha256") for f in d["files"]])
    assert len(import_paths(any_archive, [pkg]).duplicates) == 1


def test_changed_package_under_same_key_is_rejected_not_overwritten(
    any_archive: Archive, tmp_path: Path
) -> None:
    pkg = package_dir(tmp_path / "in", 4)
    original_title = json.loads((pkg / "case.json").read_text(encoding="utf-8"))["title"]
    import_paths(any_archive, [pkg])
    rewrite_case_json(pkg, lambda d: d.update(title=d["title"] + "（更正）"))
    report = import_paths(any_archive, [pkg])
    assert [p.code for p in report.rejected[0].problems] == ["changed_package"]
    with any_archive.db.read() as s:
        assert s.scalar(select(Record.title)) == original_title
    assert _count(any_archive, Record) == 1


def test_changed_file_bytes_under_same_key_is_rejected(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 5)
    import_paths(any_archive, [pkg])
    doc = rewrite_case_json(pkg, lambda d: [f.pop("sha256") for f in d["files"]])
    (pkg / doc["files"][0]["path"]).write_bytes(b"%PDF-1.4 different")
    assert [p.code for p in import_paths(any_archive, [pkg]).rejected[0].problems] == ["changed_package"]


def test_wrong_hash_is_rejected_and_nothing_is_catalogued(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 6)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    with open(pkg / doc["files"][-1]["path"], "ab") as f:
        f.write(b"tampered")
    report = import_paths(any_archive, [pkg])
    # 四性检测 item 1-3 catches the changed bytes before anything is stored.
    assert [p.code for p in report.rejected[0].problems] == ["check:1-3", "quarantined"]
    assert _count(any_archive, Record) == 0
    leftovers = list(any_archive.objects.tmp.iterdir())
    assert leftovers == []


def test_missing_listed_file_is_rejected(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 7)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    (pkg / doc["files"][0]["path"]).unlink()
    assert import_paths(any_archive, [pkg]).rejected[0].problems[0].code == "file_missing"
    assert _count(any_archive, Record) == 0


def test_symlinked_file_is_rejected(any_archive: Archive, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密")
    pkg = package_dir(tmp_path / "in", 8)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    target = pkg / doc["files"][0]["path"]
    target.unlink()
    os.symlink(secret, target)
    rewrite_case_json(pkg, lambda d: d["files"][0].pop("sha256"))
    assert import_paths(any_archive, [pkg]).rejected[0].problems[0].code == "unsafe_path"
    assert _count(any_archive, Record) == 0


def test_folder_of_folders_and_zip(any_archive: Archive, tmp_path: Path) -> None:
    root = tmp_path / "batch"
    for seed in (10, 11, 12):
        package_dir(root, seed)
    zipped = zip_package(package_dir(tmp_path / "z", 13), tmp_path / "case13.zip")
    flat = zip_package(package_dir(tmp_path / "z2", 14), tmp_path / "case14.zip", top_folder=False)
    report = import_paths(any_archive, [root, zipped, flat])
    assert len(report.accepted) == 5, report.as_json()
    assert list(any_archive.staging.iterdir()) == []


def test_invalid_json_and_missing_case_json(any_archive: Archive, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "case.json").write_text("{not json", encoding="utf-8")
    report = import_paths(any_archive, [bad, tmp_path / "nothing-here"])
    codes = sorted(r.problems[0].code for r in report.rejected)
    assert codes == ["invalid_case_json", "not_found"]


def test_archival_codes_are_gap_free_per_series(any_archive: Archive, tmp_path: Path) -> None:
    root = tmp_path / "batch"
    for seed in range(20, 60):
        package_dir(root, seed)
    import_paths(any_archive, [root])
    with any_archive.db.read() as s:
        rows = s.execute(select(Record.series_key, Record.item_no, Record.archival_code)).all()
    series: dict[str, list[int]] = {}
    for key, item, code in rows:
        series.setdefault(key, []).append(item)
        assert code.endswith(f"-{item:04d}")
    for items in series.values():
        assert sorted(items) == list(range(1, len(items) + 1))


def _set(doc: dict[str, Any], where: str, value: str) -> None:
    if where == "files.role":
        doc["files"][0]["role"] = value
    elif "." in where:
        outer, inner = where.split(".")
        doc[outer][inner] = value
    else:
        doc[where] = value


NUL_FIELDS = ["title", "department", "matter.name", "result", "applicant.address", "files.role"]


def test_a_nul_in_any_text_field_is_rejected_before_the_catalogue(
    any_archive: Archive, tmp_path: Path
) -> None:
    """PostgreSQL's text columns refuse NUL outright: this crashed the import there (and wrote it into
    SQLite); now the field is named and nothing is stored, on both databases."""
    for i, where in enumerate(NUL_FIELDS):
        pkg = package_dir(tmp_path / str(i), 40 + i)
        rewrite_case_json(pkg, lambda d, where=where: _set(d, where, "行政\x00许可"))
        [rejected] = import_paths(any_archive, [pkg]).rejected
        field = "files[0].role" if where == "files.role" else where
        assert [(p.code, p.field) for p in rejected.problems] == [("invalid_characters", field)]
    assert _count(any_archive, Record) == 0 and _count(any_archive, QuarantineEntry) == 0


def test_other_control_characters_are_held_in_quarantine_by_1_2(any_archive: Archive, tmp_path: Path) -> None:
    """An escape sequence (which would drive a terminal showing the record) is the 1-2 check's to
    report, in every text field, so the archivist can fix the package in quarantine."""
    for i, where in enumerate(["title", "department", "applicant.address"]):
        pkg = package_dir(tmp_path / str(i), 50 + i)
        rewrite_case_json(pkg, lambda d, where=where: _set(d, where, "行政\x1b[31m许可"))
        [rejected] = import_paths(any_archive, [pkg]).rejected
        assert [p.code for p in rejected.problems] == ["check:1-2", "quarantined"]
        assert f"{where} 含有控制字符" in rejected.problems[0].message
    assert _count(any_archive, Record) == 0 and _count(any_archive, QuarantineEntry) == 3
