"""Where a long-running server ingests what its channels receive: in worker processes.

Two reasons, both measured: pdfium (PDF text, the 四性检测's parsing) is not thread-safe, so threads of
one process must ingest one at a time (four concurrent pushes crashed the server with a corrupted heap);
and one Python process uses one core. Worker processes ingest in parallel, one package each, like bulk
import does. Without a pool (tests, the CLI) ingest runs in the calling thread, under a lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from dangan.core import DanganError, Settings, die_with_parent
from dangan.services.archive import Archive, open_archive

from ._importer import (
    GROUP,
    default_workers,
    import_group_in_worker,
    import_one,
    worker_context,
    worker_parent,
)
from ._ingest import IngestOutcome

INGEST_LOCK = threading.Lock()


class IngestUnavailable(DanganError):
    code = "ingest_unavailable"
    status = 503


_pools: dict[int, ProcessPoolExecutor] = {}  # by id() of the Archive they serve
_SWAP = threading.Lock()
_worker: Archive | None = None


def _init(settings: dict[str, Any], parent_pid: int | None) -> None:
    """A worker opens its own connections and dies with the server (no orphans after a kill)."""
    global _worker
    die_with_parent(parent_pid)
    _worker = open_archive(Settings(**settings), migrate=False)


def _run(items: list[tuple[str, str]]) -> list[IngestOutcome]:
    assert _worker is not None
    return import_group_in_worker(_worker, [Path(f) for f, _ in items], [a for _, a in items])


class _Dispatcher:
    """Hands queued packages to free workers, up to `GROUP` at a time (one group commit each)."""

    def __init__(self, archive: Archive, workers: int):
        self.key = id(archive)
        self.workers = workers
        self.busy = 0
        self.queue: list[tuple[str, str, Future[IngestOutcome]]] = []
        self.lock = threading.Lock()

    def submit(self, folder: str, actor: str) -> Future[IngestOutcome]:
        future: Future[IngestOutcome] = Future()
        with self.lock:
            self.queue.append((folder, actor, future))
            self._dispatch()
        return future

    def _dispatch(self) -> None:
        while self.queue and self.busy < self.workers:
            group, self.queue = self.queue[:GROUP], self.queue[GROUP:]
            try:
                done = _pools[self.key].submit(_run, [(f, a) for f, a, _ in group])
            except BrokenProcessPool as exc:
                for _, _, future in group:
                    future.set_exception(exc)
                continue
            self.busy += 1
            done.add_done_callback(lambda d, group=group: self._finished(d, group))  # type: ignore[misc]

    def _finished(
        self, done: Future[list[IngestOutcome]], group: list[tuple[str, str, Future[IngestOutcome]]]
    ) -> None:
        exc = done.exception()
        for i, (_, _, future) in enumerate(group):
            if exc is not None:
                future.set_exception(exc)
            else:
                future.set_result(done.result()[i])
        with self.lock:
            self.busy -= 1
            self._dispatch()


_dispatchers: dict[int, _Dispatcher] = {}


def _ready() -> bool:
    return _worker is not None


def _new_pool(archive: Archive, workers: int) -> ProcessPoolExecutor:
    ctx = worker_context()
    return ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init,
        initargs=(archive.settings.model_dump(), worker_parent(ctx)),
    )


def ingest_folder(archive: Archive, folder: Path, actor: str) -> IngestOutcome:
    """Ingest one package folder (or ZIP): in a worker process when the archive has a pool."""
    pool = _pools.get(id(archive))
    if pool is None:
        with INGEST_LOCK:
            return import_one(archive, folder, actor)
    try:
        return _dispatchers[id(archive)].submit(str(folder), actor).result()
    except BrokenProcessPool:
        # A worker died (killed, out of memory): start fresh ones; this package is not stored, and the
        # client's retry is safe because ingest is idempotent.
        with _SWAP:
            if _pools.get(id(archive)) is pool:  # the first request to notice replaces it, once
                _pools[id(archive)] = _new_pool(archive, pool._max_workers)  # type: ignore[attr-defined]
                pool.shutdown(wait=False, cancel_futures=True)
        raise IngestUnavailable("归档进程意外退出，本次提交未保存，请稍后重试") from None


@contextlib.contextmanager
def ingest_workers(archive: Archive, workers: int | None = None) -> Iterator[None]:
    """While inside, `ingest_folder` for `archive` runs in worker processes (one per core by default,
    at most 4; none when `workers` < 1)."""
    workers = default_workers() if workers is None else workers
    if workers < 1:
        yield
        return
    pool = _pools[id(archive)] = _new_pool(archive, workers)
    _dispatchers[id(archive)] = _Dispatcher(archive, workers)
    for _ in range(workers):  # start the workers now, not on the first push (about a second each)
        pool.submit(_ready)
    try:
        yield
    finally:
        _dispatchers.pop(id(archive), None)
        _pools.pop(id(archive)).shutdown(wait=True, cancel_futures=True)
