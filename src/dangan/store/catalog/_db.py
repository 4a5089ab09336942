"""Engines and sessions for SQLite (WAL, embedded) and PostgreSQL (scaled).

SQLite writers take the write lock at BEGIN (`BEGIN IMMEDIATE`): two importers that each read a counter
and then upgrade to a writer would otherwise deadlock and fail with "database is locked". Readers keep a
plain deferred BEGIN so they never wait for writers (WAL).

Before that BEGIN, `Database.write` queues SQLite writers on a lock file (`WriterQueue`). SQLite's own
busy handler sleeps 1, 2, 5, 10 … 100 ms between tries: two import workers taking turns lost ~6 % of
their time asleep after the lock was already free (waits of 79 ms for a 40 ms transaction). The lock
file only orders our own writers; SQLite's lock still decides, so another program stays safe.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_WRITE_OPTION = "dangan_write"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    # pre-ping: a connection the server dropped (restart, failover) is replaced, not handed out; a server
    # that is down fails the connect within `connect_timeout` seconds rather than the OS's minutes.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # BEGIN is issued by the hook below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class WriterQueue:
    """An exclusive `flock` on `<database>-writer.lock`, held around a SQLite write transaction.

    Tried without blocking and polled every 0.2 ms for the first 50 ms (an import group's transaction
    is shorter), so a waiter starts within a fraction of a millisecond of the lock's release; then every
    5 ms, so waiters behind a long transaction (a large handover) cost no CPU to speak of. It gives up
    after `timeout` seconds like SQLite's busy timeout (then SQLite's own wait decides). A killed
    holder's lock is released by the kernel.
    """

    POLL_S = 0.0002
    SLOW_POLL_S = 0.005
    FAST_FOR_S = 0.05

    def __init__(self, path: Path, timeout: float = 60.0):
        self.path = path
        self.timeout = timeout

    @contextmanager
    def held(self) -> Iterator[None]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            start = time.monotonic()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - start
                    if waited > self.timeout:
                        break
                    time.sleep(self.POLL_S if waited < self.FAST_FOR_S else self.SLOW_POLL_S)
            yield
        finally:
            os.close(fd)  # releases the lock


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" and "mode=memory" not in path else None


class Database:
    """The catalogue connection: a read session factory and a write unit-of-work."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        db_file = _sqlite_file(url)
        self._queue = WriterQueue(db_file.with_name(db_file.name + "-writer.lock")) if db_file else None
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work: everything inside commits together or not at all."""
        with self._queue.held() if self._queue else nullcontext():
            session = self._write()
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    def dispose(self) -> None:
        self.engine.dispose()
