"""Readiness of a running web process (`/readyz`): may a load balancer send it work?

Asked every few seconds by orchestrators, so it must be cheap and must answer even when a dependency
hangs: the verdicts are cached for `ttl` seconds (one probe writes an object to every location), only one
refresh runs at a time, and each check gets `timeout` seconds (an S3 endpoint that does not answer would
otherwise hold the probe for the client's minutes of retries) before it counts as failed.

The catalogue, every storage location, the job queue and the master key decide `ready`: without any of
them ingest fails. ClamAV is reported but advisory: without signatures ingest still succeeds and records
the 病毒检测 item as a warning, so taking the process out of service would only stop intake.
"""

from __future__ import annotations

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from dangan.services.archive import Archive
from dangan.services.preservation import Jobs

from ._health import Check, check_clamav, check_job_queue, check_keys, check_location, guarded, location_roles

ADVISORY = ("clamav",)
READY_TTL_S = 10.0
CHECK_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class ReadyReport:
    checks: list[Check]

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self.checks if c.name not in ADVISORY)

    def as_json(self) -> dict[str, Any]:
        """Verdicts only: the messages name paths and hosts, and this answer needs no login."""
        return {
            "ready": self.ready,
            "checks": {c.name: c.ok for c in self.checks},
            "advisory": list(ADVISORY),
        }


class Readiness:
    """The cached readiness of one opened archive (one per web app)."""

    def __init__(
        self, archive: Archive, *, ttl: float = READY_TTL_S, timeout: float = CHECK_TIMEOUT_S
    ) -> None:
        self.archive = archive
        self.ttl = ttl
        self.timeout = timeout
        self._refresh = threading.Lock()
        self._cached: tuple[float, ReadyReport] | None = None
        self._jobs: Jobs | None = None

    def report(self) -> ReadyReport:
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        with self._refresh:  # callers arriving during a refresh take its result
            cached = self._cached
            if cached is not None and time.monotonic() - cached[0] < self.ttl:
                return cached[1]
            report = ReadyReport(self._run())
            self._cached = (time.monotonic(), report)
            return report

    def _database(self) -> Check:
        with self.archive.db.engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
        return Check("database", True, "目录数据库连接正常")

    def _job_queue(self) -> Check:
        if self._jobs is None:
            self._jobs = Jobs(self.archive.settings)
        return check_job_queue(self.archive.settings, self._jobs)

    def _run(self) -> list[Check]:
        settings = self.archive.settings
        kinds = dict(location_roles(settings))
        named = [("database", self._database), ("job_queue", self._job_queue),
                 ("keys", lambda: check_keys(settings, modes=False)), ("clamav", lambda: check_clamav(settings))]  # fmt: skip
        for role, location in zip(kinds, self.archive.objects.locations, strict=False):
            named.append(
                (f"storage:{role}", functools.partial(check_location, settings, role, kinds[role], location))
            )
        pool = ThreadPoolExecutor(len(named), thread_name_prefix="readyz")
        try:
            futures = {name: pool.submit(guarded, name, fn) for name, fn in named}
            wait(futures.values(), timeout=self.timeout)
        finally:
            pool.shutdown(wait=False)  # a hung check finishes in the background; it is counted failed now
        return [f.result() if f.done() else Check(name, False, f"{self.timeout:.0f} 秒内没有答复")
                for name, f in futures.items()]  # fmt: skip
