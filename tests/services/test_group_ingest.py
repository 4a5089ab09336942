"""Group commit: several packages share one object sync and one transaction, each still all-or-nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import func, select

from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Event, Record
from tests.factories import package_dir, rewrite_case_json


def test_one_group_mixes_accepted_rejected_and_a_same_key_twin(any_archive: Archive, tmp_path: Path) -> None:
    root = tmp_path / "in"
    good = [package_dir(root, seed) for seed in (21, 22, 23)]
    twin = root / "zz-twin"  # the same source key as good[0], different content: loses inside the group
    shutil.copytree(good[0], twin)
    rewrite_case_json(twin, lambda d: d.update(title=d["title"] + "（另一版本）"))
    bad = package_dir(root, 24)
    rewrite_case_json(bad, lambda d: d.update(applicant={**d["applicant"], "uscc": "91130300MA07L0000X"}))
    tampered = package_dir(root, 25)  # its declared hash no longer holds: 四性检测 1-3 quarantines it
    doc = rewrite_case_json(tampered, lambda d: None)
    with open(tampered / doc["files"][0]["path"], "ab") as f:
        f.write(b"tampered")

    report = import_paths(any_archive, [root], workers=1)

    accepted = {o.origin for o in report.accepted}
    assert accepted == {str(p) for p in good}
    rejected = {o.origin: [p.code for p in o.problems] for o in report.rejected}
    assert set(rejected) == {str(twin), str(bad), str(tampered)}
    assert rejected[str(twin)] == ["changed_package"]
    assert rejected[str(bad)] == ["invalid_uscc"]
    assert rejected[str(tampered)] == ["check:1-3", "quarantined"]
    with any_archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Record)) == 3
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "ingest")) == 3
        codes = sorted(s.scalars(select(Record.archival_code)))
    assert len(set(codes)) == 3
    for outcome in report.accepted:
        assert outcome.archival_code in codes


def test_a_group_imported_again_is_all_duplicates(any_archive: Archive, tmp_path: Path) -> None:
    root = tmp_path / "in"
    for seed in range(30, 40):  # more than one group
        package_dir(root, seed)
    first = import_paths(any_archive, [root], workers=1)
    assert len(first.accepted) == 10 and not first.rejected
    again = import_paths(any_archive, [root], workers=1)
    assert len(again.duplicates) == 10 and not again.accepted and not again.rejected
    assert [o.record_id for o in again.duplicates] == [o.record_id for o in first.accepted]
