"""What the catalogue says, as Prometheus metric families computed at scrape time.

Counting in the database rather than in process counters makes the figures exact however many web and
worker processes there are, and lets them survive restarts: every process answers the same totals, so a
Prometheus that scrapes any of them (or all, behind one job) sees one truth. Each scrape is a handful of
grouped counts over indexed columns. Request latency is the one per-process figure; the web layer keeps it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from dangan.domain import AlertStatus
from dangan.services.archive import Archive
from dangan.services.preservation import Jobs
from dangan.store.catalog import Alert, Department, Event, Record, RecordFile

FIXITY_EVENTS = {"fixity_failure": "failures", "fixity_repair": "repairs", "fixity_alert": "unrecoverable"}


def _timestamp(value: object) -> float | None:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()


class CatalogueCollector(Collector):
    """Ingest, fixity, alerts and the job queue of one archive, read fresh on every `collect`."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._jobs: Jobs | None = None

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("dangan_catalogue_up", "目录数据库在本次采集时是否可读（1 可读，0 不可读）")
        try:
            families = list(self._catalogue())
        except Exception:  # a scrape must answer; the gauge says the figures are missing
            families = []
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
        yield up
        yield from families
        yield from self._queue()

    def _catalogue(self) -> Iterator[Metric]:
        records = CounterMetricFamily(
            "dangan_ingest_records", "已入库的档案件数（按形成部门）", labels=["department"]
        )
        files = CounterMetricFamily(
            "dangan_ingest_files", "已入库的电子文件数（按形成部门）", labels=["department"]
        )
        size = CounterMetricFamily(
            "dangan_ingest_bytes", "已入库电子文件的字节数（按形成部门）", labels=["department"]
        )
        with self.archive.db.read() as s:
            by_dept = s.execute(
                select(Department.name, func.count(Record.seq))
                .join(Record, Record.department_id == Department.id)
                .group_by(Department.name)
            ).all()
            file_rows = s.execute(
                select(
                    Department.name, func.count(RecordFile.id), func.coalesce(func.sum(RecordFile.size), 0)
                )
                .join(Record, RecordFile.record_seq == Record.seq)
                .join(Department, Record.department_id == Department.id)
                .group_by(Department.name)
            ).all()
            total, verified, oldest = s.execute(
                select(
                    func.count(RecordFile.id),
                    func.count(RecordFile.verified_at),
                    func.min(RecordFile.verified_at),
                )
            ).one()
            events = dict(s.execute(
                select(Event.kind, func.count()).where(Event.kind.in_(FIXITY_EVENTS)).group_by(Event.kind)).all())  # fmt: skip
            raised = s.execute(
                select(Alert.rule, Alert.severity, func.count()).group_by(Alert.rule, Alert.severity)
            ).all()
            open_ = s.execute(
                select(Alert.rule, func.count()).where(Alert.status == AlertStatus.OPEN).group_by(Alert.rule)
            ).all()
        for name, count in by_dept:
            records.add_metric([name], int(count))
        for name, count, nbytes in file_rows:
            files.add_metric([name], int(count))
            size.add_metric([name], int(nbytes))
        yield from (records, files, size)
        fixity = GaugeMetricFamily("dangan_fixity_record_files", "电子文件的完整性检查进度（verified 至少检查过一次，"
                                   "never_verified 从未检查）", labels=["state"])  # fmt: skip
        fixity.add_metric(["verified"], int(verified))
        fixity.add_metric(["never_verified"], int(total) - int(verified))
        yield fixity
        stamp = _timestamp(oldest)
        if stamp is not None:
            yield GaugeMetricFamily("dangan_fixity_oldest_verification_timestamp_seconds",
                                    "最久未复查的电子文件上次通过检查的时间（Unix 秒）", value=stamp)  # fmt: skip
        for kind, suffix in FIXITY_EVENTS.items():
            yield CounterMetricFamily(f"dangan_fixity_{suffix}", f"完整性检查事件 {kind} 的次数",
                                      value=int(events.get(kind, 0)))  # fmt: skip
        alerts = CounterMetricFamily(
            "dangan_alerts_raised", "监控规则产生的告警数", labels=["rule", "severity"]
        )
        for rule, severity, count in raised:
            alerts.add_metric([rule, severity], int(count))
        yield alerts
        pending = GaugeMetricFamily("dangan_alerts_open", "尚未处理的告警数", labels=["rule"])
        for rule, count in open_:
            pending.add_metric([rule], int(count))
        yield pending

    def _queue(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("dangan_job_queue_up", "后台任务队列在本次采集时是否可读（1 可读，0 不可读）")
        try:
            if self._jobs is None:
                self._jobs = Jobs(self.archive.settings)
            depth = self._jobs.huey.pending_count()
        except Exception:  # Redis down or the queue file unreadable: say so, keep answering
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("dangan_job_queue_depth", "等待执行的后台任务数", value=int(depth))
