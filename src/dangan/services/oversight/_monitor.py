"""Monitoring: the rules of `monitor_rules` run over recent events; findings become stored alerts.

A run is idempotent: it reads the events of the last `alert_lookback_hours`, and the unique key
(rule, subject, window) makes a finding seen before a no-op, so `dangan monitor run` (cron) and the
thread of `dangan serve` may both run, in any number of processes. A new alert is an event in the
ledger; it is shown to the 安全保密管理员 and, when a webhook is set, POSTed as JSON (a failed POST is
written on the alert and retried on the next runs, never raised).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from dangan.access import Principal, Role
from dangan.core import ConfigurationError, NotFound, PermissionDenied, Settings, ValidationFailed, utcnow
from dangan.domain import AlertStatus
from dangan.services.archive import Archive, record_event, with_client
from dangan.store.catalog import Alert, Event

from ._monitor_rules import (
    CONFIG_PREFIXES,
    RULE_LABELS,
    WATCHED_KINDS,
    Ev,
    Finding,
    Thresholds,
    evaluate,
    parse_days,
    parse_hours,
)

WEBHOOK_TRIES = 3
MAX_NOTE = 500


@dataclass
class MonitorReport:
    events: int = 0
    raised: list[dict[str, Any]] = field(default_factory=list)
    notified: int = 0
    webhook_failures: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"events": self.events, "raised": self.raised, "notified": self.notified,
                "webhook_failures": self.webhook_failures}  # fmt: skip


def thresholds(settings: Settings) -> Thresholds:
    try:
        start, end = parse_hours(settings.alert_work_hours)
    except ValueError:
        raise ConfigurationError(
            f"DANGAN_ALERT_WORK_HOURS 格式错误：{settings.alert_work_hours}（如 08:00-18:00）"
        ) from None
    try:
        days = parse_days(settings.alert_workdays)
    except ValueError:
        raise ConfigurationError(
            f"DANGAN_ALERT_WORKDAYS 格式错误：{settings.alert_workdays}（如 1-5）"
        ) from None
    zone = settings.alert_timezone or settings.timezone
    try:
        ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigurationError(f"DANGAN_ALERT_TIMEZONE 无效：{zone}（如 Asia/Shanghai）") from None
    return Thresholds(
        bulk_downloads=settings.alert_bulk_downloads, bulk_minutes=settings.alert_bulk_minutes,
        denials=settings.alert_denials, denial_minutes=settings.alert_denial_minutes,
        work_start=start, work_end=end, workdays=days, tz=zone,
        peer_factor=settings.alert_peer_factor, peer_min_reads=settings.alert_peer_min_reads,
    )  # fmt: skip


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def recent_events(archive: Archive, since: datetime) -> list[Ev]:
    watched = or_(Event.kind.in_(sorted(WATCHED_KINDS)), *(Event.kind.startswith(p) for p in CONFIG_PREFIXES))
    with archive.db.read() as s:
        rows = s.execute(
            select(Event.id, Event.at, Event.kind, Event.actor, Event.record_id, Event.detail)
            .where(Event.at >= since, watched)
            .order_by(Event.id)
        ).all()
    return [
        Ev(int(i), _aware(at), kind, actor or "", rid, detail or {})
        for i, at, kind, actor, rid, detail in rows
    ]


def alert_json(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id, "rule": a.rule, "rule_label": RULE_LABELS.get(a.rule, a.rule), "subject": a.subject,
        "window": a.window_key, "severity": a.severity, "status": a.status, "summary": a.summary,
        "detail": a.detail, "created_at": _aware(a.created_at).isoformat(),
        "acknowledged_by": a.acknowledged_by, "note": a.note,
        "acknowledged_at": _aware(a.acknowledged_at).isoformat() if a.acknowledged_at else None,
        "webhook": "sent" if a.webhook_sent_at else (a.webhook_error or None),
    }  # fmt: skip


def _store(archive: Archive, findings: list[Finding]) -> list[dict[str, Any]]:
    """Insert the findings not stored yet (one transaction each: a racing process wins quietly)."""
    with archive.db.read() as s:
        known = {tuple(row) for row in s.execute(select(Alert.rule, Alert.subject, Alert.window_key))}
    raised = []
    for f in findings:
        subject = f.subject[:128]
        if (f.rule, subject, f.window_key) in known:
            continue
        try:
            with archive.db.write() as s:
                alert = Alert(rule=f.rule, subject=subject, window_key=f.window_key, severity=f.severity,
                              status=AlertStatus.OPEN, summary=f.summary, detail=f.detail, created_at=utcnow(),
                              webhook_attempts=0)  # fmt: skip
                s.add(alert)
                s.flush()
                record_event(
                    s, "alert", "system", None, {"alert_id": alert.id, "rule": f.rule, "subject": subject}
                )
                raised.append(alert_json(alert))
        except IntegrityError:
            continue
        known.add((f.rule, subject, f.window_key))
    return raised


def post_webhook(url: str, payload: dict[str, Any], timeout: float) -> None:
    """POST JSON; raises OSError (URLError, HTTPError, timeout) on any failure or non-2xx answer."""
    if not url.startswith(("http://", "https://")):
        raise OSError(f"不支持的地址：{url}")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json; charset=utf-8"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if not 200 <= resp.status < 300:
            raise OSError(f"HTTP {resp.status}")


def _notify(archive: Archive, report: MonitorReport) -> None:
    url = archive.settings.alert_webhook_url
    if not url:
        return
    with archive.db.read() as s:
        pending = s.scalars(
            select(Alert).where(Alert.webhook_sent_at.is_(None), Alert.webhook_attempts < WEBHOOK_TRIES)
            .order_by(Alert.id)
        ).all()  # fmt: skip
        payloads = [(a.id, alert_json(a)) for a in pending]
    for alert_id, payload in payloads:
        error: str | None = None
        try:
            post_webhook(
                url,
                {"fonds": archive.settings.fonds_code, "alert": payload},
                archive.settings.alert_webhook_timeout,
            )
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        with archive.db.write() as s:
            row = s.get(Alert, alert_id)
            if row is None:
                continue
            row.webhook_attempts += 1
            if error is None:
                row.webhook_sent_at, row.webhook_error = utcnow(), None
                report.notified += 1
            else:
                row.webhook_error = error
                report.webhook_failures.append({"alert_id": alert_id, "error": error})


def run_monitor(archive: Archive, now: datetime | None = None) -> MonitorReport:
    """Evaluate every rule over the recent events, store new alerts, send pending webhooks."""
    t = thresholds(archive.settings)
    now = now or utcnow()
    events = recent_events(archive, now - timedelta(hours=archive.settings.alert_lookback_hours))
    report = MonitorReport(events=len(events))
    report.raised = _store(archive, evaluate(events, t))
    _notify(archive, report)
    return report


# -- the security officer's view ------------------------------------------------------------------


def may_see_alerts(user: Principal) -> bool:
    return user.role is Role.SECADMIN


def require_alerts_admin(user: Principal) -> None:
    if not may_see_alerts(user):
        raise PermissionDenied("只有安全保密管理员可以处理告警", code="forbidden")


def list_alerts(
    archive: Archive, user: Principal, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    require_alerts_admin(user)
    query = select(Alert).order_by(Alert.id.desc()).limit(max(1, min(limit, 5000)))
    if status:
        query = query.where(Alert.status == status)
    with archive.db.read() as s:
        return [alert_json(a) for a in s.scalars(query)]


def _ack_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise ValidationFailed("请填写处理说明", code="note_required")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"处理说明不能超过 {MAX_NOTE} 个字符", code="note_too_long")
    return note


def _ack(s: Any, user: Principal, alert: Alert, note: str) -> None:
    alert.status, alert.note = AlertStatus.ACKNOWLEDGED, note
    alert.acknowledged_by, alert.acknowledged_at = user.username, utcnow()
    detail = with_client({"alert_id": alert.id, "rule": alert.rule, "subject": alert.subject, "note": note})
    record_event(s, "alert_ack", user.username, None, detail)


def acknowledge_alert(archive: Archive, user: Principal, alert_id: int, note: str) -> dict[str, Any]:
    """Close an open alert with a note; the acknowledgement is an event (who, when, from where, why)."""
    require_alerts_admin(user)
    note = _ack_note(note)
    with archive.db.write() as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise NotFound("告警不存在", code="unknown_alert")
        if alert.status != AlertStatus.OPEN:
            raise ValidationFailed("该告警已处理", code="alert_closed")
        _ack(s, user, alert, note)
        s.flush()
        return alert_json(alert)


def acknowledge_alerts(
    archive: Archive, user: Principal, alert_ids: Sequence[int] | None, note: str
) -> list[int]:
    """Close several open alerts with one note (None: every open alert), in one transaction; each
    acknowledgement is its own event. Alerts already closed or unknown are passed over; none selected
    is an error, so an empty click changes nothing silently."""
    require_alerts_admin(user)
    note = _ack_note(note)
    with archive.db.write() as s:
        query = select(Alert).where(Alert.status == AlertStatus.OPEN).order_by(Alert.id)
        if alert_ids is not None:
            query = query.where(Alert.id.in_(sorted(set(alert_ids))[:5000]))
        alerts = list(s.scalars(query))
        if not alerts:
            raise ValidationFailed("没有选中未处理的告警", code="nothing_selected")
        for alert in alerts:
            _ack(s, user, alert, note)
        s.flush()
        return [a.id for a in alerts]


@contextmanager
def monitoring(archive: Archive) -> Iterator[threading.Thread | None]:
    """While the block runs, a daemon thread runs the rules every `alert_interval_seconds` (0: none).

    A failing run is swallowed (and retried next interval): monitoring must not take the server down.
    """
    interval = archive.settings.alert_interval_seconds
    if interval <= 0:
        yield None
        return
    thresholds(archive.settings)  # a bad setting stops `serve` at start, not silently later
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                run_monitor(archive)
            except Exception:
                continue

    thread = threading.Thread(target=loop, name="dangan-monitor", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
