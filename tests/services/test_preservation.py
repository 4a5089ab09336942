"""Preservation: encryption at rest, fixity audits that repair, backup/restore drill, key rotation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import (
    audit_fixity,
    backup,
    catalogue_fingerprint,
    restore,
    rotate_master_key,
)
from dangan.store.catalog import Event, RecordFile
from dangan.store.objects import LocalLocation, object_key
from tests.factories import package_dir


@pytest.fixture
def filled(archive: Archive, tmp_path: Path) -> Archive:
    for seed in range(6):
        public = seed < 2
        package_dir(
            tmp_path / "in", 500 + seed, security_level="公开" if public else "内部", open_to_public=public
        )
    assert len(import_paths(archive, [tmp_path / "in"]).accepted) == 6
    return archive


def _files(archive: Archive) -> list[RecordFile]:
    with archive.db.read() as s:
        return list(s.scalars(select(RecordFile).order_by(RecordFile.id)).all())


def test_non_public_files_are_encrypted_and_public_ones_are_not(filled: Archive, tmp_path: Path) -> None:
    files = _files(filled)
    assert {f.encrypted for f in files} == {True, False}
    for f in files:
        blob = filled.objects.path_for(f.sha256, f.encrypted).read_bytes()
        plain = filled.objects.read(f.sha256, f.encrypted)
        assert len(plain) == f.size and f.sm3 and len(f.sm3) == 64
        assert (blob == plain) is (not f.encrypted)
    assert not list(filled.settings.home.rglob("master.key")), (
        "the master key must live outside the data directory"
    )
    assert filled.settings.master_key_path.exists()
    assert filled.settings.master_key_path.stat().st_mode & 0o077 == 0


def test_audit_detects_each_kind_of_damage_and_repairs_it(filled: Archive) -> None:
    files = _files(filled)
    primary, replica = filled.objects.locations
    assert isinstance(primary, LocalLocation) and isinstance(replica, LocalLocation)
    flipped, truncated, deleted = files[0], files[3], files[5]
    p = primary.path(object_key(flipped.sha256, flipped.encrypted))
    raw = bytearray(p.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    p.write_bytes(bytes(raw))
    r = replica.path(object_key(truncated.sha256, truncated.encrypted))
    r.write_bytes(r.read_bytes()[:-5])
    primary.path(object_key(deleted.sha256, deleted.encrypted)).unlink()

    found = audit_fixity(filled)
    assert {(d["sha256"], d["location"]) for d in found.damaged} == {
        (flipped.sha256, "primary"),
        (truncated.sha256, "replica"),
    }
    assert {(m["sha256"], m["location"]) for m in found.missing} == {(deleted.sha256, "primary")}
    assert not found.repaired and not found.unrecoverable

    fixed = audit_fixity(filled, repair=True)
    assert len(fixed.repaired) == 3
    clean = audit_fixity(filled)
    assert not (clean.damaged or clean.missing) and clean.objects_checked == len(
        {(f.sha256, f.encrypted) for f in files}
    )
    with filled.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.kind.like("fixity%"))).all()]
    assert kinds.count("fixity_repair") == 3 and "fixity_failure" in kinds


def test_object_bad_everywhere_is_unrecoverable_and_alerted(filled: Archive) -> None:
    f = _files(filled)[2]
    for loc in filled.objects.locations:
        assert isinstance(loc, LocalLocation)
        loc.path(object_key(f.sha256, f.encrypted)).write_bytes(b"garbage")
    report = audit_fixity(filled, repair=True)
    assert [u["sha256"] for u in report.unrecoverable] == [f.sha256]
    assert not report.repaired


def test_backup_destroy_restore_drill(filled: Archive, tmp_path: Path) -> None:
    before = catalogue_fingerprint(filled)
    plain_before = {f.sha256: filled.objects.read(f.sha256, f.encrypted) for f in _files(filled)}
    settings = filled.settings
    info = backup(filled, tmp_path / "bk")
    assert info.records == 6 and info.keys_dest and info.keys_dest.is_dir()
    filled.close()
    shutil.rmtree(settings.home)
    shutil.rmtree(settings.master_key_path.parent)

    restore(settings.home, tmp_path / "bk", keys_dest=settings.master_key_path.parent)
    again = open_archive(load_settings(settings.home))
    try:
        assert catalogue_fingerprint(again) == before
        for f in _files(again):
            assert again.objects.read(f.sha256, f.encrypted) == plain_before[f.sha256]
            for loc in again.objects.locations:
                assert again.objects.verify(f.sha256, f.encrypted, loc)
    finally:
        again.close()


def test_damaged_backup_is_refused(filled: Archive, tmp_path: Path) -> None:
    backup(filled, tmp_path / "bk")
    victim = next(p for p in (tmp_path / "bk" / "objects").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes() + b"x")
    from dangan.services.preservation import BackupInvalid

    with pytest.raises(BackupInvalid) as info:
        restore(tmp_path / "new-home", tmp_path / "bk")
    assert "损坏" in info.value.message
    assert not (tmp_path / "new-home").exists() or not any((tmp_path / "new-home").iterdir())


def test_key_rotation_rewraps_and_keeps_content(filled: Archive) -> None:
    encrypted = [f for f in _files(filled) if f.encrypted]
    blobs = {f.sha256: filled.objects.path_for(f.sha256, True).read_bytes() for f in encrypted}
    old_id = filled.objects.keyring.current.key_id
    result = rotate_master_key(filled)
    assert result["old_key_id"] == old_id and result["rewrapped"] == len(blobs)
    reopened = open_archive(load_settings(filled.settings.home))
    try:
        assert reopened.objects.keyring.current.key_id == result["new_key_id"]
        for f in encrypted:
            record = json.loads(Path(str(reopened.objects.path_for(f.sha256, True)) + ".key").read_text())
            assert record["key_id"] == result["new_key_id"]
            assert reopened.objects.path_for(f.sha256, True).read_bytes() == blobs[f.sha256]
            assert reopened.objects.verify(f.sha256, True)
    finally:
        reopened.close()


def test_big_objects_are_checked_in_every_location_side_by_side(
    filled: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dangan.services.preservation._fixity as fixity

    monkeypatch.setattr(fixity, "PARALLEL_BYTES", 0)  # every object takes the threaded path
    f = _files(filled)[1]
    replica = filled.objects.locations[1]
    assert isinstance(replica, LocalLocation)
    path = replica.path(object_key(f.sha256, f.encrypted))
    path.write_bytes(path.read_bytes()[:-1])
    report = audit_fixity(filled, repair=True)
    assert [(d["sha256"], d["location"]) for d in report.damaged] == [(f.sha256, "replica")]
    assert len(report.repaired) == 1 and not audit_fixity(filled).damaged
