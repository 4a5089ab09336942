"""Where a long-running server ingests what its channels receive: in worker processes.

Two reasons, both measured: pdfium (PDF text, the 四性检测's parsing) is not thread-safe, so threads of
one process must ingest one at a time (four concurrent pushes crashed the server with a corrupted heap);
and one Python process uses one core. Worker processes ingest in parallel, one package each, like bulk
import does. Without a pool (tests, the CLI) ingest runs in the calling thread, under a lock.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from dangan.core import DanganError, Settings

from .archive import Archive, open_archive
from .importer import default_workers, die_with_parent, import_one
from .ingest import IngestOutcome

INGEST_LOCK = threading.Lock()


class IngestUnavailable(DanganError):
    code = "ingest_unavailable"
    status = 503


_pools: dict[int, ProcessPoolExecutor] = {}  # by id() of the Archive they serve
_SWAP = threading.Lock()
_worker: Archive | None = None


def _init(settings: dict[str, Any], parent_pid: int) -> None:
    """A worker opens its own connections and dies with the server (no orphans after a kill)."""
    global _worker
    die_with_parent(parent_pid)
    _worker = open_archive(Settings(**settings), migrate=False)


def _run(folder: str, actor: str) -> IngestOutcome:
    assert _worker is not None
    return import_one(_worker, Path(folder), actor)


def _ready() -> bool:
    return _worker is not None


def _new_pool(archive: Archive, workers: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers, mp_context=ctx, initializer=_init, initargs=(archive.settings.model_dump(), os.getpid())
    )


def ingest_folder(archive: Archive, folder: Path, actor: str) -> IngestOutcome:
    """Ingest one package folder (or ZIP): in a worker process when the archive has a pool."""
    pool = _pools.get(id(archive))
    if pool is None:
        with INGEST_LOCK:
            return import_one(archive, folder, actor)
    try:
        return pool.submit(_run, str(folder), actor).result()
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
    for _ in range(workers):  # start the workers now, not on the first push (about a second each)
        pool.submit(_ready)
    try:
        yield
    finally:
        _pools.pop(id(archive)).shutdown(wait=True, cancel_futures=True)
