"""The engine's upkeep: one engine per data directory and process, the outbox applied to it batch by
batch (one indexer at a time), and a new engine version filled before it answers. See `_engine` for why
the engine is derived data and how a crash at any point leaves it in step."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from dangan.core import utcnow
from dangan.store.catalog import Record, SearchOutbox

from ._engine import SCHEMA_VERSION, Engine

_BATCH = 2000
_lock = threading.Lock()
_open: dict[str, Engine] = {}


def engine_wanted(search_engine: str, db_url: str) -> bool:
    """`DANGAN_SEARCH_ENGINE`: auto uses the engine over an embedded (SQLite) catalogue; PostgreSQL has its
    own full-text index that every web and worker process shares."""
    return search_engine == "engine" or (search_engine == "auto" and db_url.startswith("sqlite"))


def engine_root(home: Path) -> Path:
    return home / "index" / f"engine-v{SCHEMA_VERSION}"


def forget_engine(home: Path) -> None:
    """Drop this process's handle (before the files are removed for a rebuild)."""
    with _lock:
        _open.pop(str(engine_root(home)), None)


def engine_for(home: Path) -> Engine:
    root = engine_root(home)
    key = str(root)
    with _lock:
        engine = _open.get(key)
        if engine is None:
            engine = _open[key] = Engine(root)
    return engine


@contextmanager
def _indexing(home: Path) -> Iterator[bool]:
    """One indexer at a time per data directory (across processes); yields False when another runs."""
    path = home / "index" / "engine.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def backlog(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(SearchOutbox)) or 0)


def start_version(db: Any, home: Path) -> None:
    """A data directory without this version's engine (a new archive, an upgrade, a deleted index): every
    record not already queued is queued, so the engine answers only once it holds them all — the
    catalogue answers meanwhile. An older version's files are removed."""
    import shutil

    root = engine_root(home)
    if root.exists():
        return
    with db.write() as s:
        queued = select(SearchOutbox.record_seq)
        s.execute(insert(SearchOutbox).from_select(["record_seq", "created_at"],
                                                  select(Record.seq, literal(utcnow()))
                                                  .where(Record.seq.not_in(queued)).order_by(Record.seq)))  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    for old in root.parent.glob("engine-v*"):
        if old != root and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def catch_up(
    db: Any, home: Path, *, max_rows: int | None = None, progress: Any = None, batch: int = _BATCH
) -> int:
    """Apply the outbox to the engine, batch by batch; returns how many rows were applied. Stops early
    (returning what it did) when another process is indexing."""
    start_version(db, home)
    done = 0
    with _indexing(home) as mine:
        if not mine:
            return 0
        engine = engine_for(home)
        while max_rows is None or done < max_rows:
            with db.read() as s:
                rows = s.execute(select(SearchOutbox.id, SearchOutbox.record_seq)
                                 .order_by(SearchOutbox.id).limit(max(1, batch))).all()  # fmt: skip
                if not rows:
                    break
                engine.apply(s, sorted({seq for _, seq in rows}))
            last = rows[-1][0]
            with db.write() as s:  # only now: a crash before this re-applies the batch, harmlessly
                s.execute(delete(SearchOutbox).where(SearchOutbox.id <= last))
            done += len(rows)
            if callable(progress):
                progress(done)
    return done
