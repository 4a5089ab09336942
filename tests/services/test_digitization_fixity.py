"""What digitization derives from a scan — enhanced page images and the searchable PDF/A — is covered by
the fixity audit (found, repaired from the other copy, its last check kept), by key rotation and by
backup/restore, like every other object the catalogue names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.digitization import run_open, verify_page_images
from dangan.services.intake import import_paths
from dangan.services.preservation import audit_fixity, backup, restore, rotate_master_key
from dangan.store.catalog import DigitizationFile, DigitizationPage, Event
from dangan.store.objects import LocalLocation, object_key
from tests.services.digitization_helpers import decision_lines, scanned_case, text_page


@pytest.fixture
def digitized(archive: Archive, tmp_path: Path) -> Archive:
    """One 内部 record whose one-page scan was read: an enhanced page image and a PDF/A, both encrypted."""
    scanned_case(tmp_path / "in", 4301, [text_page(decision_lines())], security_level="内部",
                 open_to_public=False)  # fmt: skip
    report = import_paths(archive, [tmp_path / "in"])
    assert len(report.accepted) == 1, report.rejected
    assert [f.status for f in run_open(archive).files] == ["done"]
    return archive


def _derived(archive: Archive) -> tuple[DigitizationPage, DigitizationFile]:
    with archive.db.read() as s:
        page = s.scalars(select(DigitizationPage).where(DigitizationPage.image_sha256.is_not(None))).one()
        file = s.scalars(select(DigitizationFile).where(DigitizationFile.pdf_sha256.is_not(None))).one()
    assert page.image_encrypted and file.pdf_encrypted
    return page, file


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_damaged_page_image_and_a_missing_pdfa_are_found_and_repaired(digitized: Archive) -> None:
    page, file = _derived(digitized)
    image, pdf = str(page.image_sha256), str(file.pdf_sha256)
    primary, replica = digitized.objects.locations
    assert isinstance(primary, LocalLocation) and isinstance(replica, LocalLocation)
    _flip(primary.path(object_key(image, True)))
    replica.path(object_key(pdf, True)).unlink()

    found = audit_fixity(digitized)
    assert [(d["sha256"], d["location"]) for d in found.damaged] == [(image, "primary")]
    assert [(m["sha256"], m["location"]) for m in found.missing] == [(pdf, "replica")]
    assert found.damaged[0]["records"] == [page.record_id]
    assert not verify_page_images(digitized, page.record_id)[0]["ok"]

    fixed = audit_fixity(digitized, repair=True)
    assert {(r["sha256"], r["location"]) for r in fixed.repaired} == {(image, "primary"), (pdf, "replica")}
    assert fixed.ok and not fixed.unrecoverable
    assert verify_page_images(digitized, page.record_id)[0]["ok"]
    again = audit_fixity(digitized)
    assert not again.damaged and not again.missing
    with digitized.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.kind.like("fixity%"))).all()]
    assert kinds.count("fixity_failure") == 2 and kinds.count("fixity_repair") == 2


def test_the_audit_keeps_when_each_derivative_was_last_checked(digitized: Archive) -> None:
    page, file = _derived(digitized)
    assert page.image_verified_at is None and file.pdf_verified_at is None
    audit_fixity(digitized)
    page, file = _derived(digitized)
    assert page.image_verified_at is not None and file.pdf_verified_at is not None


def test_key_rotation_rewraps_the_derivatives(digitized: Archive) -> None:
    page, file = _derived(digitized)
    shas = [str(page.image_sha256), str(file.pdf_sha256)]
    result = rotate_master_key(digitized)
    for sha in shas:
        wrapped = json.loads(Path(str(digitized.objects.path_for(sha, True)) + ".key").read_text())
        assert wrapped["key_id"] == result["new_key_id"]
        assert digitized.objects.verify(sha, True)


def test_backup_and_restore_keep_the_derivatives(digitized: Archive, tmp_path: Path) -> None:
    page, file = _derived(digitized)
    plain = {sha: digitized.objects.read(sha, True) for sha in (str(page.image_sha256), str(file.pdf_sha256))}
    backup(digitized, tmp_path / "bk")
    home = tmp_path / "restored"  # its keys are looked for in restored-keys/, beside it
    restore(home, tmp_path / "bk", keys_dest=tmp_path / "restored-keys")
    again = open_archive(load_settings(home))
    try:
        for sha, data in plain.items():
            assert again.objects.read(sha, True) == data
            assert all(again.objects.verify(sha, True, loc) for loc in again.objects.locations)
        assert verify_page_images(again, page.record_id)[0]["ok"]
        report = audit_fixity(again)
        assert report.ok and not report.damaged and not report.missing
    finally:
        again.close()
