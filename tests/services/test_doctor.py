"""`dangan doctor`'s checks on a real data directory: what a fresh archive passes, and each kind of
breakage reported as a failed check with its fix, never an exception."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from dangan.core import Settings, load_settings, utcnow
from dangan.digitize import find_cjk_font
from dangan.services.archive import Archive, log_event, open_archive
from dangan.services.oversight import DoctorReport, run_doctor
from dangan.services.oversight._doctor import check_clock, disk_low
from dangan.services.oversight._health import PROBE_PREFIX, check_clamav, check_database, check_keys
from dangan.store.catalog import downgrade

HAS_CLAMSCAN = shutil.which("clamscan") is not None


def _settings(home: Path, **overrides: Any) -> Settings:
    """Settings for `home` with no virus signatures (an empty folder), as on a fresh machine."""
    overrides.setdefault("clamav_db", str(home.parent / "no-signatures"))
    return load_settings(home, **overrides)


def _by_name(report: DoctorReport) -> dict[str, Any]:
    return {c.name: c for c in report.checks}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    archive = open_archive(load_settings(tmp_path / "data"))
    archive.close()
    return tmp_path / "data"


def test_a_fresh_archive_passes_all_but_the_missing_virus_signatures(home: Path) -> None:
    report = run_doctor(_settings(home))
    checks = _by_name(report)
    assert list(checks) == ["configuration", "keys", "database", "storage:primary", "storage:replica",
                            "job_queue", "clamav", "fonts", "clock", "disk", "signing_certificate",
                            "seal_certificate"]  # fmt: skip
    for name in (
        "configuration",
        "keys",
        "database",
        "storage:primary",
        "storage:replica",
        "job_queue",
        "clock",
    ):
        assert checks[name].ok, checks[name]
    assert checks["fonts"].ok is (find_cjk_font() is not None)
    assert not checks["clamav"].ok and "freshclam" in checks["clamav"].message
    assert not report.ok
    assert report.as_json()["ok"] is False and {"name", "ok", "message"} == set(report.as_json()["checks"][0])


def test_the_storage_probe_leaves_nothing_behind(home: Path) -> None:
    run_doctor(_settings(home))
    for root in (home / "objects", home / "replica"):
        assert not (root / PROBE_PREFIX.rstrip("/")).exists()
        assert [p for p in root.rglob("*") if p.is_file()] == []


def test_a_key_file_open_to_others_is_reported_with_the_chmod_that_fixes_it(home: Path) -> None:
    settings = _settings(home)
    key = settings.master_key_path
    key.chmod(0o644)
    check = check_keys(settings)
    assert not check.ok and f"chmod 600 {key}" in check.message
    key.chmod(0o600)
    assert check_keys(settings).ok


def test_a_missing_master_key_is_reported(home: Path) -> None:
    settings = _settings(home)
    settings.master_key_path.unlink()
    check = check_keys(settings)
    assert not check.ok and "dangan init" in check.message


def test_a_missing_replica_directory_fails_its_storage_check_and_is_not_created(home: Path) -> None:
    gone = home.parent / "unmounted" / "replica"
    checks = _by_name(run_doctor(_settings(home, replica_dir=gone)))
    assert checks["storage:primary"].ok
    assert not checks["storage:replica"].ok and "DANGAN_REPLICA_DIR" in checks["storage:replica"].message
    assert not gone.exists()


def test_a_replica_that_cannot_be_written_fails_its_storage_check(home: Path) -> None:
    """A regular file where the folder should be: writes fail even for root (who ignores modes)."""
    blocker = home.parent / "blocked"
    (blocker / "tmp").mkdir(parents=True)
    (blocker / PROBE_PREFIX.rstrip("/")).write_text("not a folder", encoding="utf-8")
    checks = _by_name(run_doctor(_settings(home, replica_dir=blocker)))
    assert not checks["storage:replica"].ok and "探测失败" in checks["storage:replica"].message


def test_a_catalogue_behind_its_migrations_is_reported_with_the_upgrade(home: Path) -> None:
    settings = _settings(home)
    downgrade(settings.db_url, "-1")
    check = check_database(settings)
    assert not check.ok and "dangan init" in check.message
    open_archive(settings).close()  # any command brings it to head
    assert check_database(settings).ok


def test_a_broken_database_file_is_reported_not_raised(home: Path) -> None:
    db = home / "catalog.db"
    for extra in (home / "catalog.db-wal", home / "catalog.db-shm"):
        extra.unlink(missing_ok=True)
    db.write_bytes(b"this is not a database" * 100)
    report = run_doctor(_settings(home))
    checks = _by_name(report)
    assert not checks["database"].ok and "dangan restore" in checks["database"].message
    assert not report.ok and "Traceback" not in str(report.as_json())


def test_a_missing_database_is_reported_and_not_created(tmp_path: Path) -> None:
    home = tmp_path / "data"
    home.mkdir()
    check = check_database(_settings(home))
    assert not check.ok and "dangan init" in check.message
    assert not (home / "catalog.db").exists()


def test_an_event_dated_after_now_means_the_clock_went_back(home: Path) -> None:
    settings = _settings(home)
    archive: Archive = open_archive(settings)
    try:
        log_event(archive, "login", "li", None, {"source": "10.0.0.9"})
    finally:
        archive.close()
    assert check_clock(settings).ok
    behind = check_clock(settings, now=utcnow() - timedelta(hours=1))
    assert not behind.ok and "NTP" in behind.message


def test_disk_thresholds_are_five_percent_and_one_gib() -> None:
    gib = 2**30
    assert not disk_low(10 * gib, 100 * gib)
    assert disk_low(4 * gib, 100 * gib)  # under 5 %
    assert disk_low(gib // 2, 2 * gib)  # under 1 GiB though 25 %
    assert not disk_low(2 * gib, 20 * gib)


@pytest.mark.skipif(not HAS_CLAMSCAN, reason="ClamAV is not installed here")
def test_signature_age_decides_the_clamav_check(tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    settings = load_settings(tmp_path / "data", clamav_db=str(sigs))
    assert not check_clamav(settings).ok  # a folder without signature files
    fresh = sigs / "local.ndb"
    fresh.write_text("Eicar-Test:0:*:58354f2150\n", encoding="ascii")
    assert check_clamav(settings).ok
    old = (utcnow() - timedelta(days=10)).timestamp()
    os.utime(fresh, (old, old))
    stale = check_clamav(settings)
    assert not stale.ok and "10 天未更新" in stale.message and "freshclam" in stale.message


@pytest.mark.skipif(not HAS_CLAMSCAN, reason="ClamAV is not installed here")
def test_a_cvd_is_dated_by_its_header_not_its_file_time(tmp_path: Path) -> None:
    built = int((utcnow() - timedelta(days=30)).timestamp())
    header = f"ClamAV-VDB:01 Jan 2025 00-00 +0000:27000:100:90:md5:dsig:builder:{built}".ljust(512)
    cvd = tmp_path / "daily.cvd"
    cvd.write_bytes(header.encode("ascii"))  # written now, built a month ago
    check = check_clamav(load_settings(tmp_path / "data", clamav_db=str(cvd)))
    assert not check.ok and "30 天未更新" in check.message


def test_the_ofd_seal_is_reported_with_its_expiry_and_key_mode(home: Path) -> None:
    from dangan.services.certify import make_seal

    settings = _settings(home)
    assert _by_name(run_doctor(settings))["seal_certificate"].ok  # none yet: made on the first OFD copy
    archive = open_archive(settings)
    try:
        make_seal(archive, days=20)
    finally:
        archive.close()
    seal = _by_name(run_doctor(settings))["seal_certificate"]
    assert not seal.ok and "过期" in seal.message and "dangan keys seal" in seal.message
    archive = open_archive(settings)
    try:
        make_seal(archive, days=400)
    finally:
        archive.close()
    assert _by_name(run_doctor(settings))["seal_certificate"].ok
    key = sorted((home / "keys" / "seal").rglob("*key*.pem"))[-1]
    key.chmod(0o644)
    loose = _by_name(run_doctor(settings))["seal_certificate"]
    assert not loose.ok and "chmod 600" in loose.message
