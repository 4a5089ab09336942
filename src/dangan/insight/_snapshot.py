"""A columnar copy of the catalogue's statistical columns in DuckDB, so that dashboards at a million
records answer in tens of milliseconds instead of seconds (see docs/decisions.md, "Dashboard speed").

Why a copy and not the catalogue itself: SQLite scans a million wide rows in seconds and has no median;
DuckDB scans the same columns in tens of milliseconds. Why it stays exact: the copy holds the records up
to a sequence number (the high-water mark) and nothing else; the records above it are counted from the
catalogue at question time and added (`_engine`). Catalogue rows never change in the columns copied here
after ingest (a destroyed record keeps its metadata, and its approval is still counted: it happened), so
an old copy is a correct copy of what it covers. A catalogue that no longer holds the mark's record (a
restore, another database) makes the copy rebuild.

The copy lives in memory per process and is written to `DATA/insight/snapshot.duckdb` (temp file, then
rename) so that another process or a restart loads it instead of rebuilding; the file is never written in
place, so readers of an older one are never disturbed. DuckDB runs entirely offline here: no extension
is loaded beyond those compiled into the wheel.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.services.archive import Archive
from dangan.store.catalog import Department, Record

from ._calendar import china_calendar

_EPOCH = date(1970, 1, 1).toordinal()
_CHUNK = 100_000
# Rows a snapshot takes in before it is written out again for other processes.
SAVE_EVERY = 50_000
# On a server database, transactions may commit out of sequence order: rows younger than this are left
# to the catalogue (always exact), so an ingest still in flight below the mark cannot be missed.
SERVER_SETTLE = timedelta(minutes=2)
_COLUMNS = (
    "seq BIGINT, id VARCHAR, department_id INTEGER, matter_id INTEGER, district VARCHAR, "
    "industry VARCHAR, decided_at DATE, year INTEGER, result VARCHAR, security_rank INTEGER, "
    "open_to_public BOOLEAN, days INTEGER"
)


def _source() -> Any:
    return select(
        Record.seq, Record.id, Record.department_id, Record.matter_id, Record.district, Record.industry,
        Record.accepted_at, Record.decided_at, Record.year, Record.result, Record.security_rank,
        Record.open_to_public,
    ).order_by(Record.seq)  # fmt: skip


@dataclass
class Snapshot:
    """The in-memory copy of one archive's records with `seq <= mark`."""

    path: Path
    con: duckdb.DuckDBPyConnection = field(default_factory=lambda: duckdb.connect(":memory:"))
    mark: int = 0
    mark_id: str | None = None
    unsaved: int = 0
    industries: set[str] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.con.execute(f"CREATE TABLE record ({_COLUMNS})")
        self.con.execute("CREATE TABLE department (id INTEGER, name VARCHAR)")

    def append(self, session: Session, upto: int) -> int:
        """Copy the catalogue's records in (mark, upto]; the number copied."""
        cal = china_calendar()
        spans: dict[tuple[date, date], int] = {}
        added = 0
        stmt = _source().where(Record.seq > self.mark, Record.seq <= upto)
        result = session.connection().execution_options(yield_per=_CHUNK).execute(stmt)
        for chunk in result.partitions(_CHUNK):
            columns = list(zip(*chunk, strict=True))
            accepted, decided = columns[6], columns[7]
            days = []
            for pair in zip(accepted, decided, strict=True):
                d = spans.get(pair)
                if d is None:
                    d = spans[pair] = cal.working_days(*pair)
                days.append(d)
            frame = {
                "seq": np.array(columns[0], dtype=np.int64),
                "id": np.array(columns[1], dtype=object),
                "department_id": np.array(columns[2], dtype=np.int32),
                "matter_id": np.array(columns[3], dtype=np.int32),
                "district": np.array(columns[4], dtype=object),
                "industry": np.array(columns[5], dtype=object),
                "decided": np.array([d.toordinal() - _EPOCH for d in decided], dtype=np.int32),
                "year": np.array(columns[8], dtype=np.int32),
                "result": np.array(columns[9], dtype=object),
                "security_rank": np.array(columns[10], dtype=np.int32),
                "open_to_public": np.array([bool(v) for v in columns[11]], dtype=bool),
                "days": np.array(days, dtype=np.int32),
            }
            self.con.register("_chunk", frame)
            self.con.execute(
                "INSERT INTO record SELECT seq, id, department_id, matter_id, district, industry, "
                "(DATE '1970-01-01' + decided)::DATE, year, result, security_rank, open_to_public, days "
                "FROM _chunk"
            )
            self.con.unregister("_chunk")
            self.industries.update(v for v in columns[5] if v)
            self.mark, self.mark_id = int(columns[0][-1]), str(columns[1][-1])
            added += len(chunk)
        self.unsaved += added
        return added

    def sync_departments(self, session: Session) -> None:
        """The policy's department clause names departments: keep their names current (a rename)."""
        rows = list(session.execute(select(Department.id, Department.name)))
        self.con.execute("DELETE FROM department")
        if rows:
            self.con.register("_dept", {"id": np.array([r[0] for r in rows], dtype=np.int32),
                                        "name": np.array([r[1] for r in rows], dtype=object)})  # fmt: skip
            self.con.execute("INSERT INTO department SELECT id, name FROM _dept")
            self.con.unregister("_dept")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def save(self) -> None:
        """Write the copy for other processes: to a temp file, then renamed over the old one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.unlink(missing_ok=True)
        self.con.execute("ATTACH ? AS out", [str(tmp)])
        try:
            self.con.execute("CREATE TABLE out.record AS SELECT * FROM record")
            self.con.execute("CREATE TABLE out.mark AS SELECT ?::BIGINT AS mark, ?::VARCHAR AS mark_id",
                             [self.mark, self.mark_id])  # fmt: skip
        finally:
            self.con.execute("DETACH out")
        os.replace(tmp, self.path)
        self.unsaved = 0

    @classmethod
    def load(cls, path: Path) -> Snapshot:
        snap = cls(path)
        snap.con.execute("ATTACH ? AS saved (READ_ONLY)", [str(path)])
        try:
            snap.con.execute("INSERT INTO record SELECT * FROM saved.record")
            row = snap.con.execute("SELECT mark, mark_id FROM saved.mark").fetchone()
        finally:
            snap.con.execute("DETACH saved")
        if row is not None:
            snap.mark, snap.mark_id = int(row[0]), row[1]
        found = snap.con.execute("SELECT DISTINCT industry FROM record WHERE industry IS NOT NULL")
        snap.industries = {v for (v,) in found.fetchall()}
        return snap


_registry: dict[str, Snapshot] = {}
_registry_lock = threading.Lock()


def snapshot_path(archive: Archive) -> Path:
    return archive.settings.home / "insight" / "snapshot.duckdb"


def _still_valid(session: Session, snap: Snapshot, top: int) -> bool:
    """The catalogue still holds the record the copy ends with (not a restored or another database)."""
    if snap.mark == 0:
        return True
    if top < snap.mark:
        return False
    return session.scalar(select(Record.id).where(Record.seq == snap.mark)) == snap.mark_id


def _settled(session: Session, top: int) -> int:
    """The highest sequence number the copy may take in now (see SERVER_SETTLE)."""
    if session.get_bind().dialect.name == "sqlite":
        return top  # one writer at a time: sequence order is commit order
    cutoff = datetime.now(UTC) - SERVER_SETTLE
    return session.scalar(select(func.max(Record.seq)).where(Record.created_at <= cutoff)) or 0


def _open(archive: Archive, session: Session) -> Snapshot:
    path = snapshot_path(archive)
    if path.exists():
        try:
            return Snapshot.load(path)
        except duckdb.Error:
            path.unlink(missing_ok=True)  # an unreadable copy is rebuilt, never trusted
    return Snapshot(path)


@contextmanager
def current_snapshot(
    archive: Archive, session: Session, *, min_records: int, catch_up: int
) -> Iterator[Snapshot | None]:
    """The archive's snapshot, brought up to date when it lags the catalogue by `catch_up` records or
    more, held (locked) for the caller's queries; None when the catalogue is smaller than `min_records`
    (a direct count is as fast there)."""
    top = session.scalar(select(func.max(Record.seq))) or 0
    if top < min_records:
        yield None
        return
    key = str(archive.settings.home.resolve()) + "|" + archive.db.url
    with _registry_lock:
        snap = _registry.get(key)
    if snap is None:
        snap = _open(archive, session)
        with _registry_lock:
            snap = _registry.setdefault(key, snap)
    with snap.lock:
        if not _still_valid(session, snap, top):
            snap = Snapshot(snapshot_path(archive))
            with _registry_lock:
                _registry[key] = snap
            snap.lock.acquire()
            fresh_lock = True
        else:
            fresh_lock = False
        try:
            if snap.mark == 0 or top - snap.mark >= catch_up:
                settled = _settled(session, top)
                added = settled > snap.mark and snap.append(session, settled)
                if added and (snap.unsaved >= SAVE_EVERY or not snap.path.exists()):
                    snap.save()
            snap.sync_departments(session)
            yield snap
        finally:
            if fresh_lock:
                snap.lock.release()


def forget_snapshots() -> None:
    """Drop the in-memory copies (tests; a process that restored a backup)."""
    with _registry_lock:
        _registry.clear()
