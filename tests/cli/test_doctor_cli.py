"""`dangan doctor` end to end through the CLI: one JSON document, exit 1 on any problem (a fresh machine
without virus signatures, a broken catalogue, unreadable settings), 2 for bad usage."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dangan.core import load_settings
from dangan.services.archive import open_archive
from tests.cli.invoke import invoke
from tests.helpers import json_of

MACHINE = {"fonts", "disk"}  # depend on the machine the tests run on, not on the archive


@pytest.fixture
def home(tmp_path: Path) -> Path:
    open_archive(load_settings(tmp_path / "data")).close()
    return tmp_path / "data"


def _env(tmp_path: Path, signatures: Path | None = None) -> dict[str, str]:
    return {"DANGAN_CLAMAV_DB": str(signatures or tmp_path / "no-signatures")}


def test_a_fresh_machine_without_signatures_exits_1_naming_freshclam(home: Path, tmp_path: Path) -> None:
    proc = invoke("doctor", "--data", str(home), "--json", env=_env(tmp_path))
    doc = json_of(proc)
    assert proc.returncode == 1 and doc["ok"] is False
    checks = {c["name"]: c for c in doc["checks"]}
    assert not checks["clamav"]["ok"] and "freshclam" in checks["clamav"]["message"]
    assert all(
        checks[n]["ok"] for n in ("configuration", "keys", "database", "storage:primary", "storage:replica")
    )


@pytest.mark.skipif(shutil.which("clamscan") is None, reason="ClamAV is not installed here")
def test_with_fresh_signatures_only_the_machine_can_fail(home: Path, tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "local.ndb").write_text("Eicar-Test:0:*:58354f2150\n", encoding="ascii")
    proc = invoke("doctor", "--data", str(home), "--json", env=_env(tmp_path, sigs))
    doc = json_of(proc)
    failing = {c["name"] for c in doc["checks"] if not c["ok"]}
    assert failing <= MACHINE, doc
    assert proc.returncode == (0 if doc["ok"] else 1)


def test_human_output_marks_each_check_and_its_fix(home: Path, tmp_path: Path) -> None:
    proc = invoke("doctor", "--data", str(home), env=_env(tmp_path))
    assert proc.returncode == 1
    assert "✓" in proc.stdout and "✗" in proc.stdout and "freshclam" in proc.stdout


def test_a_broken_database_is_reported_and_exits_1(home: Path, tmp_path: Path) -> None:
    for extra in ("catalog.db-wal", "catalog.db-shm"):
        (home / extra).unlink(missing_ok=True)
    (home / "catalog.db").write_bytes(b"\x00garbage" * 512)
    proc = invoke("doctor", "--data", str(home), "--json", env=_env(tmp_path))
    doc = json_of(proc)
    database = next(c for c in doc["checks"] if c["name"] == "database")
    assert proc.returncode == 1 and not database["ok"] and "dangan restore" in database["message"]


def test_unreadable_settings_are_reported_not_raised(home: Path, tmp_path: Path) -> None:
    proc = invoke("doctor", "--data", str(home), "--json", env={**_env(tmp_path), "DANGAN_ENV": "prod"})
    doc = json_of(proc)
    configuration = next(c for c in doc["checks"] if c["name"] == "configuration")
    assert proc.returncode == 1 and not configuration["ok"] and "DANGAN_ENV" in configuration["message"]


def test_bad_usage_exits_2(home: Path) -> None:
    assert invoke("doctor", "--data", str(home), "--no-such-option").returncode == 2
