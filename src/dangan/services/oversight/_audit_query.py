"""The audit trail as the 安全审计员 reads it: events filtered, paged and exported (CSV, XLSX).

Only the auditor may read it (三员分立: the system and security administrators are the ones being
audited). The auditor audits *actions*, not records, so an event's detail is shown through a list of
safe keys: record snapshots, file names and free text stay in the ledger and never reach this view.
Record ids are shown as pseudonyms ("R" + 16 hex digits, an HMAC of the id under the archive's secret):
an id is how a record is found, and the auditor reads no records. The same record always has the same
pseudonym, so its history can be followed, and the filter takes either the pseudonym or a real id
(the auditor who is handed an id in an investigation can check who touched it).
Every export is itself an event, so the trail says who took a copy of which part of it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from dangan.access import Principal, Role
from dangan.core import DEFAULT_ZONE, PermissionDenied, ValidationFailed, archive_zone, local_text, zone_label
from dangan.services.archive import Archive, log_event
from dangan.store.catalog import Event

DENIED_KINDS = frozenset({"denied", "login_failed", "login_locked"})
OUTCOMES = {"allowed": "允许", "denied": "拒绝"}
KIND_LABELS = {
    "view": "查看", "download": "下载", "unmask": "显示个人信息", "denied": "拒绝访问",
    "login": "登录", "login_failed": "登录失败", "login_locked": "账户锁定", "logout": "退出登录",
    "ingest": "归档", "user_add": "新增用户", "password_change": "修改密码",
    "apikey_create": "创建接口密钥", "apikey_revoke": "吊销接口密钥", "key_rotation": "主密钥轮换",
    "fixity_failure": "固定性校验失败", "fixity_repair": "固定性修复", "certify": "出证",
    "audit_export": "导出审计记录", "alert": "产生告警", "alert_ack": "确认告警",
    "login_password_ok": "密码验证通过", "user_update": "修改用户", "user_activate": "启用用户",
    "user_deactivate": "停用用户", "user_unlock": "解锁用户", "password_reset": "重置密码",
    "totp_enabled": "启用动态口令", "totp_disabled": "停用动态口令", "totp_reset": "重置动态口令",
    "fixity_alert": "固定性告警", "utilization_request": "利用申请", "utilization_approve": "批准利用",
    "utilization_reject": "驳回利用", "utilization_revoke": "撤销授权", "utilization_use": "使用授权",
    "utilization_expire": "授权到期", "quarantine": "隔离", "quarantine_return": "退回隔离案卷",
    "matter_rule": "修改必备材料", "handover_create": "创建移交", "ledger_adopt": "账本收录",
    "handover_submit": "确认移交", "handover_check": "移交检测", "handover_accept": "接收移交",
    "handover_return": "退回移交", "preserve": "长期保存转换", "quarantine_fix": "修正隔离案卷",
    "quarantine_release": "隔离案卷归档", "disposal": "销毁", "checkpoint": "签署检查点",
    "search_synonym": "修改检索同义词",
}  # fmt: skip


def kind_label(kind: str) -> str:
    """The Chinese name of an event kind; one not named yet still reads as Chinese, with its code."""
    return KIND_LABELS.get(kind) or f"其他事件（{kind}）"


# Detail keys that describe the action, never the record's content.
SAFE_DETAIL_KEYS = frozenset({
    "client", "via", "action", "request_id", "key_id", "system", "department", "username",
    "role", "clearance", "from", "to", "rewrapped", "fields", "certificate_id", "sha256", "size",
    "watermarked", "method", "path", "status", "alert_id", "rule", "subject", "note", "filters",
    "format", "rows", "batch_id", "quarantine_id", "locations", "encrypted", "records", "stage",
    "changes", "factor", "was_enabled", "scope", "days", "expires_at",
})  # fmt: skip
MAX_EXPORT_ROWS = 100_000
PSEUDONYM = re.compile(r"^R[0-9a-f]{16}$")
_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def header(zone: str) -> list[str]:
    """Export columns; the time column names its zone, since the file leaves the system."""
    when = f"时间（{zone_label(zone)}）"
    return ["编号", when, "用户", "事件", "事件代码", "结果", "档案编号", "来源地址", "详情"]


@dataclass(frozen=True)
class EventFilter:
    user: str | None = None
    kind: str | None = None
    record_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None  # "allowed" / "denied"

    def as_json(self) -> dict[str, str]:
        values = {k: getattr(self, k) for k in ("user", "kind", "record_id", "since", "until", "outcome")}
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items() if v}


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    kind: str
    label: str
    outcome: str
    record_id: str | None
    client: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "kind": self.kind,
                "label": self.label, "outcome": self.outcome, "record_id": self.record_id,
                "client": self.client, "detail": self.detail}  # fmt: skip


@dataclass
class AuditPage:
    items: list[AuditRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def pseudonym(archive: Archive, record_id: str) -> str:
    digest = hmac.new(
        archive.settings.secret_key.get_secret_value().encode(), record_id.encode(), hashlib.sha256
    ).hexdigest()
    return "R" + digest[:16]


def _record_ids(archive: Archive, value: str) -> list[str]:
    """The real ids a filter value stands for: itself, or the ids whose pseudonym it is."""
    if not PSEUDONYM.match(value):
        return [value]
    with archive.db.read() as s:
        ids = s.scalars(select(Event.record_id).where(Event.record_id.is_not(None)).distinct()).all()
    return [i for i in ids if i and pseudonym(archive, i) == value]


def may_audit(user: Principal) -> bool:
    return user.role is Role.AUDITOR


def require_auditor(user: Principal) -> None:
    if not may_audit(user):
        raise PermissionDenied("只有安全审计员可以查阅审计记录", code="forbidden")


def parse_time(value: str | None, field: str, zone: str = DEFAULT_ZONE) -> datetime | None:
    """An ISO date or date-time (naive means the archive's zone, as every time on the pages is shown);
    a bad value is a clear error, not an empty result."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            f"时间格式错误：{value}（应为 2026-11-26 或 2026-11-26T08:00）", code="bad_time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=archive_zone(zone))
    return parsed.astimezone(UTC)


def make_filter(user: str | None = None, kind: str | None = None, record_id: str | None = None,
                since: str | None = None, until: str | None = None, outcome: str | None = None,
                zone: str = DEFAULT_ZONE) -> EventFilter:  # fmt: skip
    """Filter from query/CLI text (blank means any); an unknown outcome is an error."""
    if outcome and outcome not in OUTCOMES:
        raise ValidationFailed(f"未知结果：{outcome}（可选 allowed、denied）", code="bad_outcome")
    return EventFilter(
        user=(user or "").strip() or None, kind=(kind or "").strip() or None,
        record_id=(record_id or "").strip() or None, since=parse_time(since, "since", zone),
        until=parse_time(until, "until", zone), outcome=outcome or None,
    )  # fmt: skip


def _where(archive: Archive, f: EventFilter) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if f.user:
        clauses.append(Event.actor == f.user)
    if f.kind:
        clauses.append(Event.kind == f.kind)
    if f.record_id:
        clauses.append(Event.record_id.in_(_record_ids(archive, f.record_id)))
    if f.since:
        clauses.append(Event.at >= f.since)
    if f.until:
        clauses.append(Event.at < f.until)
    if f.outcome == "denied":
        clauses.append(Event.kind.in_(sorted(DENIED_KINDS)))
    elif f.outcome == "allowed":
        clauses.append(Event.kind.not_in(sorted(DENIED_KINDS)))
    return and_(*clauses) if clauses else and_(Event.id.is_not(None))


def _hide_ids(archive: Archive, value: Any) -> Any:
    """Record ids inside detail values (paths, lists of records) replaced by their pseudonyms."""
    if isinstance(value, str):
        return _ULID.sub(lambda m: pseudonym(archive, m.group(0)), value)
    if isinstance(value, list):
        return [_hide_ids(archive, v) for v in value]
    return value


def _row(archive: Archive, e: Event) -> AuditRow:
    raw = e.detail or {}
    detail = {k: _hide_ids(archive, v) if k in ("path", "records") else v
              for k, v in raw.items() if k in SAFE_DETAIL_KEYS}  # fmt: skip
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
    return AuditRow(
        id=int(e.id), at=at, actor=e.actor or "", kind=e.kind, label=kind_label(e.kind),
        outcome="denied" if e.kind in DENIED_KINDS else "allowed",
        record_id=pseudonym(archive, e.record_id) if e.record_id else None,
        client=str(raw.get("client") or (raw.get("source") if e.kind.startswith("login") else None) or ""), detail=detail,
    )  # fmt: skip


def search_events(
    archive: Archive, user: Principal, f: EventFilter, page: int = 1, per_page: int = 50
) -> AuditPage:
    """One page of the filtered trail, newest first."""
    require_auditor(user)
    page, per_page = max(1, page), max(1, min(per_page, 500))
    where = _where(archive, f)
    with archive.db.read() as s:
        total = s.scalar(select(func.count()).select_from(Event).where(where)) or 0
        rows = s.scalars(
            select(Event).where(where).order_by(Event.id.desc()).offset((page - 1) * per_page).limit(per_page)
        ).all()
        items = [_row(archive, e) for e in rows]
    return AuditPage(items, int(total), page, per_page)


def event_kinds(archive: Archive) -> list[str]:
    """Every kind present in the trail (for the filter's choices)."""
    with archive.db.read() as s:
        return sorted(k for k in s.scalars(select(Event.kind).distinct()) if k)


def _all_rows(archive: Archive, f: EventFilter) -> list[AuditRow]:
    with archive.db.read() as s:
        query = select(Event).where(_where(archive, f)).order_by(Event.id).limit(MAX_EXPORT_ROWS)
        return [_row(archive, e) for e in s.scalars(query)]


def _cells(r: AuditRow, zone: str) -> list[Any]:
    detail = json.dumps(r.detail, ensure_ascii=False, sort_keys=True)
    return [r.id, local_text(r.at, zone), r.actor, r.label, r.kind, OUTCOMES[r.outcome],
            r.record_id or "", r.client, detail]  # fmt: skip


def _safe_text(value: Any) -> Any:
    """Cells that a spreadsheet would run as a formula are quoted (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_events(archive: Archive, user: Principal, f: EventFilter, fmt: str) -> tuple[bytes, int]:
    """The filtered trail (oldest first) as CSV (UTF-8 with BOM, for Excel) or XLSX; logged as an event."""
    require_auditor(user)
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed(f"未知导出格式：{fmt}（可选 csv、xlsx）", code="bad_format")
    rows = _all_rows(archive, f)
    zone = archive.settings.timezone
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header(zone))
        writer.writerows([_safe_text(c) for c in _cells(r, zone)] for r in rows)
        data = ("\ufeff" + buf.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook  # type: ignore[import-untyped]  # ≈ 0.1 s: loaded for an export only
        from openpyxl.styles import Font  # type: ignore[import-untyped]

        wb = Workbook()
        sheet = wb.active
        assert sheet is not None
        sheet.title = "审计记录"
        sheet.append(header(zone))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in rows:
            sheet.append([_safe_text(c) for c in _cells(r, zone)])
        sheet.freeze_panes = "A2"
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
    log_event(
        archive,
        "audit_export",
        user.username,
        None,
        {"format": fmt, "rows": len(rows), "filters": f.as_json()},
    )
    return data, len(rows)
