"""`dangan verify` raises the same alert as the scheduled audit when an object is bad in every copy."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import ALERT_KIND
from dangan.store.catalog import Event, RecordFile
from dangan.store.objects import object_key
from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of


def _events(data: Path) -> list[Event]:
    archive = open_archive(load_settings(data))
    try:
        with archive.db.read() as s:
            return list(s.scalars(select(Event).where(Event.kind == ALERT_KIND)))
    finally:
        archive.close()


def test_object_bad_everywhere_is_alerted_by_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = open_archive(load_settings(data))
    try:
        report = import_paths(archive, [package_dir(tmp_path / "in", 7)])
        record_id = report.accepted[0].record_id
        with archive.db.read() as s:
            f = s.scalars(select(RecordFile)).first()
            assert f is not None
            sha, enc = f.sha256, f.encrypted
        for loc in archive.objects.locations:
            loc.path(object_key(sha, enc)).write_bytes(b"garbage")  # type: ignore[attr-defined]
    finally:
        archive.close()

    result = invoke("verify", "--data", str(data), "--json")
    assert result.returncode == 1
    doc = json_of(result)
    assert [u["sha256"] for u in doc["unrecoverable"]] == [sha]
    alerts = _events(data)
    assert len(alerts) == 1
    assert alerts[0].record_id == record_id and alerts[0].detail["sha256"] == sha
    assert set(alerts[0].detail["locations"].values()) == {"damaged"}
