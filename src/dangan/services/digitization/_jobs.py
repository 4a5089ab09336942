"""Digitization as background jobs on the archive's one queue (SQLite embedded, Redis scaled).

The ingest only enqueues (one small catalogue transaction and one queue message per group of records),
so archiving a scan costs no OCR time; a worker (`dangan worker`, or `dangan serve` when none runs)
reads it. A worker killed mid-file loses its queue message with it: on every worker start-up a
`digitize_resume` task is queued that picks up each file left queued or running (the page rows say
where to go on; the file's claim keeps two workers off the same file).
"""

from __future__ import annotations

import threading
from typing import Any

from dangan.core import Settings
from dangan.services.archive import Archive
from dangan.services.preservation import Jobs, add_tasks

from ._pipeline import run_open

DIGITIZE = "digitize_records"
RESUME = "digitize_resume"
_producers: dict[tuple[str, str | None, str], Jobs] = {}
_guard = threading.Lock()


def install(jobs: Jobs) -> None:
    """Register the digitization tasks on one queue (called for every `Jobs` made)."""

    def digitize(record_ids: list[str], batch_id: int | None = None, actor: str = "jobs") -> dict[str, Any]:
        return run_open(jobs.archive(), record_ids, batch_id=batch_id, actor=actor).as_json()

    def resume() -> dict[str, Any]:
        return run_open(jobs.archive()).as_json()

    jobs.tasks[DIGITIZE] = jobs.huey.task(name=DIGITIZE)(digitize)
    jobs.tasks[RESUME] = resume_task = jobs.huey.task(name=RESUME)(resume)

    def on_start() -> None:
        resume_task()

    jobs.huey.on_startup(name="digitize_resume_on_start")(on_start)


add_tasks(install)


def _producer(settings: Settings) -> Jobs:
    key = (str(settings.home), settings.redis_url, settings.fonds_code)
    with _guard:
        jobs = _producers.get(key)
        if jobs is None:
            jobs = _producers[key] = Jobs(settings)
        return jobs


def enqueue(archive: Archive, record_ids: list[str], batch_id: int | None, actor: str) -> None:
    """One message for the records' open files; the worker that takes it reads them."""
    if record_ids:
        _producer(archive.settings).tasks[DIGITIZE](list(record_ids), batch_id, actor)
