from __future__ import annotations

import json
import os
import re
from pathlib import Path

from sqlalchemy import func, select

from dangan.services import import_paths
from dangan.store import Event, Record, RecordFile
from tests.factories import package_dir, rewrite_case_json, sha256, zip_package


def _count(archive, model) -> int:  # type: ignore[no-untyped-def]
    with archive.db.read() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_import_stores_record_files_and_event(any_archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 1)
    report = import_paths(any_archive, [pkg])
    assert len(report.accepted) == 1 and not report.rejected
    out = report.as_json()["accepted"][0]
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert (out["source_system"], out["source_id"]) == (doc["source_system"], doc["source_id"])
    assert re.fullmatch(r"Z001-\d{4}-(Y|D30|D10)-[A-Z0-9]+-0001", out["archival_code"])
    with any_archive.db.read() as s:
        record = s.scalar(select(Record))
        assert record.id == out["record_id"]
        assert record.title == doc["title"] and record.applicant_name == doc["applicant"]["name"]
        assert [f.path for f in record.files] == [f["path"] for f in doc["files"]]
        for f in record.files:
            assert any_archive.objects.verify(f.sha256, f.encrypted)
            assert f.sha256 == sha256(pkg / f.path)
    assert _count(any_archive, Event) == 1


def test_same_package_twice_is_a_duplicate_and_stores_nothing(any_archive, tmp_path: Path) -> None:
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


def test_hash_omitted_the_second_time_is_still_a_duplicate(any_archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 3)
    import_paths(any_archive, [pkg])
    rewrite_case_json(pkg, lambda d: [f.pop("sha256") for f in d["files"]])
    assert len(import_paths(any_archive, [pkg]).duplicates) == 1


def test_changed_package_under_same_key_is_rejected_not_overwritten(any_archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 4)
    original_title = json.loads((pkg / "case.json").read_text(encoding="utf-8"))["title"]
    import_paths(any_archive, [pkg])
    rewrite_case_json(pkg, lambda d: d.update(title=d["title"] + "（更正）"))
    report = import_paths(any_archive, [pkg])
    assert [p.code for p in report.rejected[0].problems] == ["changed_package"]
    with any_archive.db.read() as s:
        assert s.scalar(select(Record.title)) == original_title
    assert _count(any_archive, Record) == 1


def test_changed_file_bytes_under_same_key_is_rejected(any_archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 5)
    import_paths(any_archive, [pkg])
    doc = rewrite_case_json(pkg, lambda d: [f.pop("sha256") for f in d["files"]])
    (pkg / doc["files"][0]["path"]).write_bytes(b"%PDF-1.4 different")
    assert [p.code for p in import_paths(any_archive, [pkg]).rejected[0].problems] == ["changed_package"]


def test_wrong_hash_is_rejected_and_nothing_is_catalogued(any_archive, tmp_path: Path) -> None:
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


def test_missing_listed_file_is_rejected(any_archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 7)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    (pkg / doc["files"][0]["path"]).unlink()
    assert import_paths(any_archive, [pkg]).rejected[0].problems[0].code == "file_missing"
    assert _count(any_archive, Record) == 0


def test_symlinked_file_is_rejected(any_archive, tmp_path: Path) -> None:
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


def test_folder_of_folders_and_zip(any_archive, tmp_path: Path) -> None:
    root = tmp_path / "batch"
    for seed in (10, 11, 12):
        package_dir(root, seed)
    zipped = zip_package(package_dir(tmp_path / "z", 13), tmp_path / "case13.zip")
    flat = zip_package(package_dir(tmp_path / "z2", 14), tmp_path / "case14.zip", top_folder=False)
    report = import_paths(any_archive, [root, zipped, flat])
    assert len(report.accepted) == 5, report.as_json()
    assert list(any_archive.staging.iterdir()) == []


def test_invalid_json_and_missing_case_json(any_archive, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "case.json").write_text("{not json", encoding="utf-8")
    report = import_paths(any_archive, [bad, tmp_path / "nothing-here"])
    codes = sorted(r.problems[0].code for r in report.rejected)
    assert codes == ["invalid_case_json", "not_found"]


def test_archival_codes_are_gap_free_per_series(any_archive, tmp_path: Path) -> None:
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
