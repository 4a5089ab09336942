"""Fixity audits and key rotation cover every object the catalogue names, not only record files.

Preservation copies (PDF/A made by `preserve`) and certified-copy PDFs (`issue_certificate`) are stored
objects too: a damaged copy must be found and repaired, and a key rotation must re-wrap their data keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import CopyStatus, SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import issue_certificate
from dangan.services.intake import import_paths
from dangan.services.preservation import audit_fixity, preserve, rotate_master_key
from dangan.store.catalog import Certificate, Event, PreservationCopy, Record, RecordFile
from dangan.store.objects import LocalLocation, object_key
from tests.factories import package_dir

ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")


@pytest.fixture
def stocked(archive: Archive, tmp_path: Path) -> Archive:
    """One public and one 内部 record (encrypted), each with a preservation copy; one certified copy."""
    package_dir(tmp_path / "in", 31, security_level="公开", open_to_public=True)
    package_dir(tmp_path / "in", 32, security_level="内部", open_to_public=False)
    report = import_paths(archive, [tmp_path / "in"])
    assert len(report.accepted) == 2, report.as_json()
    assert preserve(archive).count("normalised") >= 2
    with archive.db.read() as s:
        closed = s.scalars(select(Record.id).where(Record.open_to_public.is_(False))).one()
    issue_certificate(archive, ARCHIVIST, closed, "核验")
    return archive


def _copies(archive: Archive) -> list[PreservationCopy]:
    with archive.db.read() as s:
        rows = s.scalars(select(PreservationCopy).where(PreservationCopy.status == CopyStatus.DONE))
        return list(rows.all())


def _cert(archive: Archive) -> Certificate:
    with archive.db.read() as s:
        cert = s.scalars(select(Certificate)).one()
        return cert


def _file_shas(archive: Archive) -> set[str]:
    with archive.db.read() as s:
        return set(s.scalars(select(RecordFile.sha256)).all())


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_damaged_preservation_copies_and_certificates_are_found_and_repaired(stocked: Archive) -> None:
    primary, replica = stocked.objects.locations
    assert isinstance(primary, LocalLocation) and isinstance(replica, LocalLocation)
    copies = [c for c in _copies(stocked) if c.sha256 not in _file_shas(stocked)]
    in_primary = next(c for c in copies if c.encrypted)
    in_replica = next(c for c in copies if not c.encrypted)
    cert = _cert(stocked)
    assert cert.encrypted  # a 内部 record's certified copy is encrypted at rest like the record
    _flip(primary.path(object_key(str(in_primary.sha256), True)))
    replica.path(object_key(str(in_replica.sha256), False)).unlink()
    _flip(replica.path(object_key(cert.pdf_sha256, True)))

    found = audit_fixity(stocked)
    bad = {(d["sha256"], d["location"]) for d in found.damaged}
    assert bad == {(in_primary.sha256, "primary"), (cert.pdf_sha256, "replica")}
    assert [(m["sha256"], m["location"]) for m in found.missing] == [(in_replica.sha256, "replica")]
    entry = next(d for d in found.damaged if d["sha256"] == in_primary.sha256)
    assert entry == {"sha256": in_primary.sha256, "location": "primary", "encrypted": True,
                     "records": [in_primary.record_id]}  # fmt: skip
    assert not stocked.objects.verify(str(in_primary.sha256), True, primary)

    fixed = audit_fixity(stocked, repair=True)
    assert {(r["sha256"], r["location"], r["from"]) for r in fixed.repaired} == {
        (in_primary.sha256, "primary", "replica"),
        (in_replica.sha256, "replica", "primary"),
        (cert.pdf_sha256, "replica", "primary"),
    }
    assert fixed.ok and not fixed.unrecoverable
    clean = audit_fixity(stocked)
    assert not (clean.damaged or clean.missing) and clean.objects_checked == found.objects_checked
    for loc in (primary, replica):
        assert stocked.objects.verify(str(in_primary.sha256), True, loc)
        assert stocked.objects.verify(str(in_replica.sha256), False, loc)
        assert stocked.objects.verify(cert.pdf_sha256, True, loc)
    with stocked.db.read() as s:
        repairs = s.scalars(select(Event).where(Event.kind == "fixity_repair")).all()
        assert {e.detail["sha256"] for e in repairs} == {
            in_primary.sha256,
            in_replica.sha256,
            cert.pdf_sha256,
        }


def test_copies_and_certificates_take_their_turn_oldest_check_first(stocked: Archive) -> None:
    total = audit_fixity(stocked).objects_checked
    extra = {str(c.sha256) for c in _copies(stocked)} | {_cert(stocked).pdf_sha256}
    assert total == len(_file_shas(stocked) | extra)
    assert all("verified_at" in c.detail for c in _copies(stocked))
    assert "verified_at" in _cert(stocked).summary
    # after a full pass, a batch of one picks a different object each time until all were seen again
    seen: set[str] = set()
    for _ in range(total):
        report = audit_fixity(stocked, limit=1)
        assert report.objects_checked == 1
        seen.add(_last_checked(stocked, seen))
    assert len(seen) == total


def _last_checked(archive: Archive, seen: set[str]) -> str:
    """The object whose stamp is newest: the one the batch of one just checked."""
    stamps: dict[str, str] = {}
    with archive.db.read() as s:
        for f in s.scalars(select(RecordFile)).all():
            stamps[f.sha256] = max(
                stamps.get(f.sha256, ""), f.verified_at.isoformat() if f.verified_at else ""
            )
    for c in _copies(archive):
        stamps[str(c.sha256)] = max(stamps.get(str(c.sha256), ""), c.detail.get("verified_at", ""))
    cert = _cert(archive)
    stamps[cert.pdf_sha256] = max(stamps.get(cert.pdf_sha256, ""), cert.summary.get("verified_at", ""))
    newest = max(stamps, key=lambda sha: stamps[sha][:26])
    assert newest not in seen
    return newest


def test_rotation_rewraps_copies_and_certificates_so_the_retired_key_can_go(stocked: Archive) -> None:
    copies = [c for c in _copies(stocked) if c.encrypted]
    cert = _cert(stocked)
    assert copies and cert.encrypted
    plain = {str(c.sha256): stocked.objects.read(str(c.sha256), True) for c in copies}
    plain[cert.pdf_sha256] = stocked.objects.read(cert.pdf_sha256, True)
    old = stocked.objects.keyring.current.key_id
    result = rotate_master_key(stocked)
    retired = stocked.settings.master_key_path.parent / "retired" / f"{old}.key"
    retired.unlink()  # the administrator discards the old key once rotation is done
    reopened = open_archive(load_settings(stocked.settings.home))
    try:
        assert not any(retired.parent.glob("*.key"))
        assert reopened.objects.keyring.current.key_id == result["new_key_id"]
        for sha, data in plain.items():
            assert reopened.objects.read(sha, True) == data
            for loc in reopened.objects.locations:
                assert reopened.objects.verify(sha, True, loc)
    finally:
        reopened.close()
