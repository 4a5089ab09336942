"""Background jobs (huey): the scheduled fixity audit, ledger checkpoint signing, the fixity alert, and
the sentence vectors of new records for semantic search.

Embedded, the queue is a SQLite file in the data directory (`HOME/jobs.db`), so nothing else has to run;
scaled (`DANGAN_REDIS_URL` set), it is Redis, shared by every `dangan worker` on every machine. Three
periodic tasks are registered: the audit (`DANGAN_AUDIT_INTERVAL` minutes, `DANGAN_AUDIT_BATCH`
least-recently-verified objects at `DANGAN_AUDIT_RATE` MB/s), the checkpoint
(`DANGAN_CHECKPOINT_INTERVAL` minutes) and the embedding of records that have no vector yet
(`DANGAN_EMBED_INTERVAL` minutes, at most `DANGAN_EMBED_BATCH` records a run; each batch of it is
committed on its own, so a killed worker loses little and the next run goes on).

Every task is idempotent and safe when several workers run it at once (every consumer's scheduler
enqueues the periodic tasks, so two workers do meet): the audit *claims* each object in the queue's
store before checking it (`put_if_empty`, atomic in both Redis and SQLite), so two audits share a batch
instead of checking and repairing the same copies twice; a claim is released after the outcome is
committed (an object verified since the run began is not taken again), and one left by a killed worker
lapses after `CLAIM_SECONDS`. One embedding run at a time holds a claim too (`EMBED_CLAIM`): two would
embed the same records twice. Signing a checkpoint of a size
that is already signed returns the existing one (services.ledger). An object bad in every copy raises a
`fixity_alert` event in the tamper-evident log, for the alerting module to pick up.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import select

from dangan.core import Settings, current_request_id, request_id_context, utcnow
from dangan.index import catch_up, engine_wanted
from dangan.services.archive import Archive, make_checkpoint, open_archive, record_event
from dangan.services.records import embed_pending
from dangan.store.catalog import RecordFile, derivative_verified_since

from ._fixity import FixityReport, audit_fixity

if TYPE_CHECKING:  # huey brings the Redis and PostgreSQL clients (≈ 0.2 s): loaded where a queue is made
    from huey import Huey
    from huey.consumer import Consumer

log = logging.getLogger("dangan.jobs")

ALERT_KIND = "fixity_alert"
CLAIM_SECONDS = 6 * 3600
EMBED_CLAIM = "dangan.embed"
EMBED_CLAIM_SECONDS = 3600
JOBS_DB = "jobs.db"
LOCK_NAME = "jobs.lock"
_EPOCH = datetime(2000, 1, 1)
# Capabilities above preservation (digitization) add their tasks to every queue made after their import:
# they may use this one, it may not import them.
_INSTALLERS: list[Callable[[Jobs], None]] = []


def add_tasks(installer: Callable[[Jobs], None]) -> None:
    """Have `installer(jobs)` register its tasks (in `jobs.tasks` by name) on every `Jobs` made from now."""
    if installer not in _INSTALLERS:
        _INSTALLERS.append(installer)


def make_huey(settings: Settings) -> Huey:
    """The queue: Redis when configured, else SQLite beside the catalogue."""
    from huey import RedisHuey, SqliteHuey

    name = f"dangan-{settings.fonds_code}"
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, utc=True)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.home / JOBS_DB), utc=True)


REQUEST_ID_KWARG = "_dangan_request_id"


def _carry_request_id(huey: Huey) -> None:
    """A task queued while serving a request carries the request's id in its message, and the worker
    runs it (and logs) under that id; a task interrupted by a shutdown is queued again (every task is
    idempotent), so stopping a worker hands its work back instead of dropping it."""
    from huey.api import PeriodicTask
    from huey.signals import SIGNAL_INTERRUPTED

    enqueue, execute = huey.enqueue, huey.execute
    handed_back: set[str] = set()

    def enqueue_with_id(task: Any) -> Any:
        rid = current_request_id()
        if rid and not isinstance(task, PeriodicTask) and getattr(task, "kwargs", None) is not None:
            task.kwargs.setdefault(REQUEST_ID_KWARG, rid)
        return enqueue(task)

    def execute_with_id(task: Any, timestamp: Any = None) -> Any:
        rid = task.kwargs.pop(REQUEST_ID_KWARG, None) if task.kwargs else None
        with request_id_context(rid):
            return execute(task, timestamp)

    def hand_back(_signal: str, task: Any) -> None:
        if isinstance(task, PeriodicTask) or task.id in handed_back:
            return
        handed_back.add(task.id)
        log.warning("任务 %s 因停止而中断，已放回队列", task.name)
        enqueue_with_id(task)

    huey.enqueue, huey.execute = enqueue_with_id, execute_with_id
    huey.signal(SIGNAL_INTERRUPTED)(hand_back)


def every(minutes: int) -> Callable[[datetime], bool]:
    """A periodic-task test true once every `minutes` (counted from 2000-01-01 UTC, so every worker agrees)."""

    def due(dt: datetime) -> bool:
        return int((dt.replace(tzinfo=None) - _EPOCH).total_seconds() // 60) % minutes == 0

    return due


def _take(huey: Huey, key: str, lease: float) -> bool:
    """Claim `key` in the queue's store; a claim whose lease ran out (its worker died) is taken over."""
    now = time.time()
    if huey.put_if_empty(key, now + lease):
        return True
    held = huey.get(key, peek=True)
    if held is not None and float(held) < now:
        huey.delete(key)
        return bool(huey.put_if_empty(key, now + lease))
    return False


def _verified_since(archive: Archive, sha: str, enc: bool, since: datetime) -> bool:
    """Whether a worker verified the object after `since` (outcomes are committed before claims end)."""
    with archive.db.read() as s:
        hit = s.scalar(
            select(RecordFile.id)
            .where(RecordFile.sha256 == sha, RecordFile.encrypted.is_(enc), RecordFile.verified_at >= since)
            .limit(1)
        )
        return hit is not None or derivative_verified_since(s, sha, enc, since)


def raise_alerts(archive: Archive, report: FixityReport, actor: str) -> int:
    """One `fixity_alert` event per object bad in every copy; returns how many were raised."""
    if not report.unrecoverable:
        return 0
    states: dict[tuple[str, bool], dict[str, str]] = {}
    for kind, items in (("damaged", report.damaged), ("missing", report.missing)):
        for item in items:
            states.setdefault((item["sha256"], item["encrypted"]), {})[item["location"]] = kind
    with archive.db.write() as s:
        for item in report.unrecoverable:
            sha, enc, records = item["sha256"], item["encrypted"], item["records"]
            detail = {
                "sha256": sha,
                "encrypted": enc,
                "records": records,
                "locations": states.get((sha, enc), {}),
                "message": "对象在所有存储位置均已损坏或缺失，无法自动修复，请从备份恢复",
            }
            record_event(s, ALERT_KIND, actor, records[0] if records else None, detail)
    return len(report.unrecoverable)


def run_audit(
    archive: Archive,
    huey: Huey,
    *,
    limit: int | None = None,
    repair: bool | None = None,
    mb_per_s: float | None = None,
    actor: str = "jobs",
) -> dict[str, Any]:
    """One audit batch with per-object claims (see module doc); returns counts and what it checked."""
    settings = archive.settings
    started, since = time.time(), utcnow()
    held: list[str] = []
    checked: list[str] = []

    def claim(sha: str, enc: bool) -> bool:
        key = f"dangan.fixity.{sha}.{int(enc)}"
        if not _take(huey, key, CLAIM_SECONDS):
            return False
        if _verified_since(archive, sha, enc, since):  # another worker checked it and let go meanwhile
            huey.delete(key)
            return False
        held.append(key)
        checked.append(sha + (".enc" if enc else ""))
        return True

    try:
        report = audit_fixity(
            archive,
            repair=settings.audit_repair if repair is None else repair,
            mb_per_s=settings.audit_rate if mb_per_s is None else mb_per_s,
            limit=settings.audit_batch if limit is None else limit,
            actor=actor,
            claim=claim,
        )
        alerts = raise_alerts(archive, report, actor)
    finally:
        for key in held:
            huey.delete(key)
    doc = report.as_json()
    log.info("完整性检查：%s 个对象，修复 %s 处，告警 %s 个", report.objects_checked,
             len(report.repaired), alerts)  # fmt: skip
    return {**doc, "alerts": alerts, "checked": checked, "started": started, "finished": time.time()}


class Jobs:
    """The queue and its tasks for one archive's settings; the same definitions serve producer and worker.

    A worker opens the archive on its first task (after any fork), not before.
    """

    def __init__(self, settings: Settings, archive: Archive | None = None) -> None:
        self.settings = settings
        self.huey = make_huey(settings)
        self._archive = archive
        self._pid = os.getpid() if archive is not None else None
        self._owned = False  # an archive handed in (dangan serve) stays open: its owner closes it
        self._guard = threading.Lock()
        h = self.huey
        _carry_request_id(h)
        self.audit = h.task(name="fixity_audit")(self._audit)
        self.checkpoint = h.task(name="ledger_checkpoint")(self._checkpoint)
        self.embed = h.task(name="record_embed")(self._embed)
        if settings.audit_interval:
            h.periodic_task(every(settings.audit_interval), name="fixity_audit_periodic")(self._audit)
        if settings.checkpoint_interval:
            h.periodic_task(every(settings.checkpoint_interval), name="ledger_checkpoint_periodic")(
                self._checkpoint
            )
        if settings.embed_interval:
            h.periodic_task(every(settings.embed_interval), name="record_embed_periodic")(self._embed)
        if engine_wanted(settings.search_engine, settings.db_url):
            h.periodic_task(every(1), name="search_engine_periodic")(self._search_engine)
        self.tasks: dict[str, Any] = {}
        for install in tuple(_INSTALLERS):
            install(self)

    def archive(self) -> Archive:
        with self._guard:
            if self._archive is None or self._pid != os.getpid():
                self._archive = open_archive(self.settings, migrate=False)
                self._pid = os.getpid()
                self._owned = True
            return self._archive

    def _audit(self, limit: int | None = None, mb_per_s: float | None = None) -> dict[str, Any]:
        return run_audit(self.archive(), self.huey, limit=limit, mb_per_s=mb_per_s)

    def _checkpoint(self) -> dict[str, Any]:
        cp = make_checkpoint(self.archive())
        log.info("账本检查点：大小 %s", cp.tree_size)
        return {"tree_size": cp.tree_size, "root": cp.root.hex()}

    def _search_engine(self) -> dict[str, Any]:
        """Apply what imports queued for the embedded search engine (a search applies small backlogs
        itself; a bulk import's is the worker's)."""
        archive = self.archive()
        return {"applied": catch_up(archive.db, archive.settings.home)}

    def _embed(self, limit: int | None = None) -> dict[str, Any]:
        """Vectors for up to `limit` (else `DANGAN_EMBED_BATCH`) records that lack one; skipped while
        another worker's run holds the claim."""
        if not _take(self.huey, EMBED_CLAIM, EMBED_CLAIM_SECONDS):
            return {"embedded": 0, "skipped": True}
        try:
            report = embed_pending(
                self.archive(), limit=self.settings.embed_batch if limit is None else limit
            )
        finally:
            self.huey.delete(EMBED_CLAIM)
        return report.as_json()

    def periodic_names(self) -> list[str]:
        return sorted(t.__name__ for t in self.huey._registry._periodic_tasks)

    def consumer(self, workers: int | None = None, *, processes: bool = False, periodic: bool = True,
                 shutdown_timeout: float | None = None) -> Consumer:  # fmt: skip
        return self.huey.create_consumer(
            workers=workers or self.settings.job_workers,
            worker_type="process" if processes else "thread",
            periodic=periodic,
            shutdown_timeout=shutdown_timeout,
            max_delay=1.0,  # an idle SQLite queue is polled at least every second (Redis blocks instead)
        )

    def close(self) -> None:
        if self._archive is not None and self._owned and self._pid == os.getpid():
            self._archive.close()
            self._archive = None


@contextlib.contextmanager
def worker_lock(settings: Settings) -> Iterator[bool]:
    """Embedded mode: hold `HOME/jobs.lock` while consuming; yields whether this process got it.

    `dangan serve` runs jobs itself only when it gets the lock, i.e. when no `dangan worker` runs.
    """
    settings.home.mkdir(parents=True, exist_ok=True)
    handle: IO[str] = open(settings.home / LOCK_NAME, "a")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            got = True
        except BlockingIOError:
            got = False
        yield got
    finally:
        handle.close()
