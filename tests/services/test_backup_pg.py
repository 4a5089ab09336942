"""Backup and restore of a PostgreSQL catalogue (pg_dump custom format / pg_restore): the destroy-and-restore
drill, a backup taken while another process keeps importing, and the refusals that keep data safe."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from dangan.core import DanganError, ValidationFailed, load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import audit_fixity, backup, catalogue_fingerprint, restore, verify_backup
from dangan.services.preservation._backup_pg import libpq_url
from dangan.store.catalog import RecordFile
from tests.factories import package_dir
from tests.pg import create_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_archive(tmp_path: Path, pg_server: str) -> Iterator[Archive]:
    arc = open_archive(load_settings(tmp_path / "data", database_url=create_database(pg_server)))
    for seed in range(4):
        package_dir(tmp_path / "in", 620 + seed, security_level="公开" if seed == 0 else "内部",
                    open_to_public=seed == 0)  # fmt: skip
    assert len(import_paths(arc, [tmp_path / "in"]).accepted) == 4
    try:
        yield arc
    finally:
        arc.close()


def test_pg_backup_destroy_restore_drill(pg_archive: Archive, pg_server: str, tmp_path: Path) -> None:
    settings = pg_archive.settings
    before = catalogue_fingerprint(pg_archive)
    info = backup(pg_archive, tmp_path / "bk")
    assert info.records == 4 and (tmp_path / "bk" / "catalog.pgdump").is_file()
    assert verify_backup(tmp_path / "bk") == []
    pg_archive.close()
    with psycopg.connect(libpq_url(settings.db_url), autocommit=True) as conn:  # the database is lost
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    shutil.rmtree(settings.home)
    shutil.rmtree(settings.master_key_path.parent)

    restore(settings.home, tmp_path / "bk", keys_dest=settings.master_key_path.parent, settings=settings)
    again = open_archive(load_settings(settings.home, database_url=settings.db_url))
    try:
        assert catalogue_fingerprint(again) == before
        with again.db.read() as s:
            stored = set(s.execute(select(RecordFile.sha256, RecordFile.encrypted)).all())
        assert {True, False} <= {enc for _, enc in stored}
        for sha, enc in stored:
            assert all(again.objects.verify(sha, enc, loc) for loc in again.objects.locations)
    finally:
        again.close()


def test_backup_while_importing_is_consistent(pg_archive: Archive, pg_server: str, tmp_path: Path) -> None:
    for seed in range(6):
        package_dir(tmp_path / "more", 640 + seed)
    writer = threading.Thread(target=import_paths, args=(pg_archive, [tmp_path / "more"]))
    writer.start()
    try:
        info = backup(pg_archive, tmp_path / "bk")
    finally:
        writer.join()
    assert 4 <= info.records <= 10
    assert verify_backup(tmp_path / "bk") == []
    target = load_settings(tmp_path / "restored", database_url=create_database(pg_server),
                           master_key_file=pg_archive.settings.master_key_path)  # fmt: skip
    restore(target.home, tmp_path / "bk", settings=target)
    again = open_archive(target)
    try:
        assert catalogue_fingerprint(again)["records"] == info.records, "count and dump: one snapshot"
        report = audit_fixity(again)
        assert report.objects_checked and not (report.missing or report.damaged), (
            "every named object is there"
        )
    finally:
        again.close()


def test_restore_refuses_a_used_database_or_the_wrong_kind(pg_archive: Archive, tmp_path: Path) -> None:
    backup(pg_archive, tmp_path / "bk")
    with pytest.raises(ValidationFailed) as used:
        restore(tmp_path / "h1", tmp_path / "bk", settings=pg_archive.settings)
    assert used.value.code == "target_not_empty" and not (tmp_path / "h1").exists()
    with pytest.raises(DanganError) as kind:
        restore(tmp_path / "h2", tmp_path / "bk", settings=load_settings(tmp_path / "h2"))
    assert kind.value.code == "backup_catalogue_mismatch"
    assert not (tmp_path / "h2").exists()
