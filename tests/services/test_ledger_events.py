"""Every event goes into the log with its change: ingest, access, user and login events, atomically."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dangan.core import AuthenticationFailed
from dangan.ledger import Entry, EntryError, leaf_hash
from dangan.ledger.tables import ledger_entry, ledger_head
from dangan.services.accounts import add_user, authenticate
from dangan.services.archive import Archive, log_access, record_event
from dangan.services.archive._events import record_snapshot
from dangan.services.intake import import_paths
from dangan.services.preservation._ledger_verify import FIELD_LABELS
from dangan.store.catalog import Event, Record
from tests.factories import package_dir


def _entries(archive: Archive) -> list[tuple[int, Entry, bytes]]:
    with archive.db.read() as s:
        rows = s.execute(
            select(ledger_entry.c.leaf_index, ledger_entry.c.body, ledger_entry.c.leaf_hash).order_by(
                ledger_entry.c.leaf_index
            )
        ).all()
    return [(int(i), Entry.parse(bytes(b)), bytes(h)) for i, b, h in rows]


def _size(archive: Archive) -> int:
    with archive.db.read() as s:
        return int(s.scalar(select(ledger_head.c.size)) or 0)


def test_ingest_entry_binds_metadata_and_file_hashes(any_archive: Archive, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 3)
    report = import_paths(any_archive, [pkg])
    record_id = report.accepted[0].record_id
    (index, entry, stored_hash), *rest = _entries(any_archive)
    assert index == 0 and not rest
    assert entry.kind == "ingest" and entry.record_id == record_id and entry.actor == "system"
    with any_archive.db.read() as s:
        record = s.scalar(select(Record).where(Record.id == record_id))
        event = s.scalar(select(Event))
        assert record is not None and event is not None
        assert entry.detail["record"] == json.loads(json.dumps(record_snapshot(record)))
        assert set(FIELD_LABELS) == set(entry.detail["record"])  # every field has its Chinese name
        assert {f["path"]: f["sha256"] for f in entry.detail["files"]} == {
            f.path: f.sha256 for f in record.files
        }
        assert entry.event_id == event.id and event.detail == entry.detail
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert entry.detail["record"]["title"] == doc["title"]
    assert stored_hash == leaf_hash(entry.body())
    checks = entry.detail["checks"]  # the 归档 四性检测 verdicts are bound into the same entry
    assert checks["stage"] == "归档" and checks["passed"] is True
    assert {code for code, _ in checks["items"]} >= {"1-1", "2-1", "3-2", "4-1"}


def test_access_user_and_login_events_are_logged_in_order(any_archive: Archive, tmp_path: Path) -> None:
    record_id = import_paths(any_archive, [package_dir(tmp_path / "in", 4)]).accepted[0].record_id
    assert record_id
    add_user(any_archive, "lihua", "Str0ng-Passw0rd!", "archivist")
    authenticate(any_archive, "lihua", "Str0ng-Passw0rd!", "cli")
    with pytest.raises(AuthenticationFailed):
        authenticate(any_archive, "lihua", "wrong", "cli")  # a failure is committed and logged too
    log_access(any_archive, "lihua", "download", record_id, {"file": 0})
    entries = _entries(any_archive)
    assert [i for i, *_ in entries] == list(range(5))
    assert [e.kind for _, e, _ in entries] == ["ingest", "user_add", "login", "login_failed", "download"]
    assert entries[-1][1].record_id == record_id and entries[-1][1].detail == {"file": 0}
    with any_archive.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 5
        assert {int(e.id) for e in s.scalars(select(Event))} == {e.event_id for _, e, _ in entries}


def test_event_and_entry_roll_back_with_the_change(any_archive: Archive) -> None:
    with any_archive.db.write() as s:
        record_event(s, "test_a", "x", None, {"n": 1})
    with pytest.raises(RuntimeError), any_archive.db.write() as s:
        record_event(s, "test_b", "x", None, {"n": 2})
        raise RuntimeError("the change failed after its event was written")
    with pytest.raises(EntryError), any_archive.db.write() as s:
        record_event(s, "test_c", "x", None, {"when": datetime.now(UTC)})  # not canonical JSON
    with any_archive.db.write() as s:
        assert record_event(s, "test_d", "x", None, {"n": 4}) == 1  # no gap
    assert [e.kind for _, e, _ in _entries(any_archive)] == ["test_a", "test_d"]
    assert _size(any_archive) == 2
    with any_archive.db.read() as s:
        assert sorted(s.scalars(select(Event.kind))) == ["test_a", "test_d"]
