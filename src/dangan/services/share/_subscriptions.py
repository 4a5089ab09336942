"""What a business system is told changed, and its webhook subscriptions.

The change marker is the ledger: every ingest, confirmed description and destruction is a leaf of the
transparency log, numbered in commit order under the log head's lock (a leaf cannot commit after a
later one), so a cursor over leaf numbers never skips a change and survives restarts. A change reaches
a system only when the one access policy lets that system read the record (its own department's, or
shared with it 无条件共享) — the same `record_filter` as people — and its metadata is masked as for a
clerk of another department. Feeds page over it with a cursor; webhooks freeze it into deliveries
(`_delivery`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from dangan.access import Principal, can_download, mask_record_view, record_filter, shared_as
from dangan.core import NotFound, PermissionDenied, ValidationFailed, new_id, utcnow
from dangan.domain import SecurityLevel
from dangan.ledger import ledger_entry
from dangan.services.accounts import KEY_SCOPES, aware, list_api_keys, may_manage_api_keys
from dangan.services.archive import Archive, log_event, record_event
from dangan.share import CREATED, DELETED, UPDATED, ChangeEntry, new_secret
from dangan.store.catalog import Event, Record, Subscription, WebhookAttempt, WebhookDelivery
from dangan.store.crypto import is_sealed, seal_text, unseal_text

CHANGE_KINDS = {"ingest": CREATED, "description_confirm": UPDATED, "dispose": DELETED}
FEED_LIMIT = 500
SYSTEM_PREFIX = "system:"


@dataclass(frozen=True)
class FeedPage:
    entries: list[ChangeEntry]
    next_cursor: int  # hand back as `cursor` for the next page (or the next poll)
    more: bool  # another page is ready now


def record_metadata(user: Principal, record: Record) -> dict[str, Any]:
    """The record's catalogue metadata as `user` may see it (masked), with how it reaches him."""
    view = mask_record_view(user, record)
    share = shared_as(user, record)
    return {
        "record_id": record.id, "archival_code": record.archival_code, "title": view.title,
        "doc_number": view.doc_number, "source_system": record.source_system, "source_id": record.source_id,
        "department": record.department.name, "matter": record.matter.name, "matter_code": record.matter.code,
        "applicant_name": view.applicant_name, "applicant_type": view.applicant_type,
        "applicant_uscc": view.applicant_uscc, "legal_representative": view.legal_representative,
        "id_number": view.id_number, "phone": view.phone, "address": view.address,
        "district": record.district, "industry": record.industry, "accepted_at": record.accepted_at.isoformat(),
        "decided_at": record.decided_at.isoformat(), "year": record.year, "result": record.result,
        "retention": record.retention, "security_level": record.security_level,
        "open_to_public": bool(record.open_to_public), "lifecycle_status": record.lifecycle_status,
        "shared": share.kind if share is not None else None, "download": can_download(user, record),
        "masked": view.masked, "url": f"/api/v1/records/{record.id}",
    }  # fmt: skip


def _start(s: Any, since: datetime | None) -> int:
    """The last leaf before the first change at or after `since` (the whole log when None)."""
    if since is None:
        return -1
    c = ledger_entry.c
    first = s.scalar(
        select(func.min(c.leaf_index)).join(Event, Event.id == c.event_id).where(Event.at >= since)
    )
    return int(first) - 1 if first is not None else int(s.scalar(select(func.max(c.leaf_index))) or -1)


def changes_for(
    archive: Archive, user: Principal, *, cursor: int | None = None, since: datetime | None = None,
    limit: int = 100,
) -> FeedPage:  # fmt: skip
    """Changes after `cursor` (or from `since`) that `user` may see, oldest first, at most `limit`."""
    limit = max(1, min(limit, FEED_LIMIT))
    c = ledger_entry.c
    with archive.db.read() as s:
        # The head first: what commits while we read lies beyond it, so the next page still finds it.
        head = int(s.scalar(select(func.max(c.leaf_index))) or -1)
        start = cursor if cursor is not None else _start(s, since)
        rows = s.execute(
            select(c.leaf_index, c.kind, Event.at, Record)
            .join(Event, Event.id == c.event_id).join(Record, Record.id == c.record_id)
            .where(c.leaf_index > start, c.leaf_index <= head, c.kind.in_(sorted(CHANGE_KINDS)),
                   record_filter(user))
            .order_by(c.leaf_index).limit(limit + 1)
        ).all()  # fmt: skip
        more = len(rows) > limit
        rows = rows[:limit]
        entries = [
            ChangeEntry(int(leaf), CHANGE_KINDS[kind], aware(at), record.id, record.archival_code,
                        record_metadata(user, record) if CHANGE_KINDS[kind] != DELETED else {})
            for leaf, kind, at, record in rows
        ]  # fmt: skip
    next_cursor = entries[-1].cursor if more else max(head, start)
    return FeedPage(entries, next_cursor, more)


def log_machine_read(archive: Archive, user: Principal, action: str, detail: dict[str, Any]) -> None:
    """Every read by a business system is in the audit trail under the system's name (people's searches
    and lists are recorded as they always were)."""
    if user.username.startswith(SYSTEM_PREFIX):
        log_event(archive, "api_read", user.username, None, {"action": action, **detail})


@dataclass(frozen=True)
class SubscriptionInfo:
    id: str
    system: str
    department: str
    clearance: str
    url: str
    label: str | None
    active: bool
    cursor: int
    created_at: datetime
    created_by: str
    pending: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "system": self.system, "department": self.department, "clearance": self.clearance,
                "url": self.url, "label": self.label, "active": self.active, "cursor": self.cursor,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "pending": self.pending, "failed": self.failed}  # fmt: skip


def _info(row: Subscription, pending: int = 0, failed: int = 0) -> SubscriptionInfo:
    return SubscriptionInfo(row.id, row.system, row.department, row.clearance, row.url, row.label, bool(row.active),
                            int(row.cursor), aware(row.created_at), row.created_by, pending, failed)  # fmt: skip


def require_subscription_admin(user: Principal) -> None:
    if not may_manage_api_keys(user):
        raise PermissionDenied("只有系统管理员可以管理订阅", code="forbidden")


def _checked_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000 or parts.username:
        raise ValidationFailed("回调地址须为 http:// 或 https:// 开头的完整网址（不含用户名密码，最长2000字符）",
                               code="invalid_url")  # fmt: skip
    return url


def _reader_key(archive: Archive, system: str, department: str | None) -> tuple[str, str]:
    """(department, clearance) of the system's active read-scoped key: a subscription reads as its key."""
    keys = [k for k in list_api_keys(archive, include_revoked=False) if k.system == system and k.may_read]
    if department:
        keys = [k for k in keys if k.department == department.strip()]
    if not keys:
        raise ValidationFailed(
            f"业务系统“{system}”没有可用于查询的 API Key（用途须为 {', '.join(k for k in KEY_SCOPES if k != 'ingest')}），"
            "请先用 dangan apikey create --scope read 创建", code="no_read_key")  # fmt: skip
    if len({k.department for k in keys}) > 1:
        raise ValidationFailed(
            "该业务系统有多个部门的密钥，请用 --department 指明订阅哪个部门", code="department_required"
        )
    level = max((SecurityLevel.parse(k.clearance) for k in keys), key=lambda v: v.rank)
    return keys[0].department, level.label


def secret_context(sub_id: str) -> str:
    """What a subscription's sealed secret is bound to: sealed for one row, it does not open on another."""
    return f"webhook:{sub_id}"


def signing_secret(archive: Archive, sub_id: str, stored: str) -> str:
    """A subscription's secret in clear, to sign with. One stored in clear (before migration 0029) is
    sealed now, once; the signature it gives is the same."""
    ring = archive.objects.keyring
    if is_sealed(stored):
        return unseal_text(ring, stored, secret_context(sub_id))
    with archive.db.write() as s:
        row = s.get(Subscription, sub_id, with_for_update=True)
        if row is not None and not is_sealed(row.secret):
            row.secret = seal_text(ring, row.secret, secret_context(sub_id))
    return stored


def add_subscription(
    archive: Archive, system: str, url: str, *, department: str | None = None, label: str | None = None,
    actor: str = "system",
) -> tuple[SubscriptionInfo, str]:  # fmt: skip
    """A webhook for `system`'s changes from now on, and its signing secret (shown this once only)."""
    system, url, label = system.strip(), _checked_url(url), (label or "").strip()[:200] or None
    dept, clearance = _reader_key(archive, system, department)
    secret, sub_id = new_secret(), new_id()
    sealed = seal_text(
        archive.objects.keyring, secret, secret_context(sub_id)
    )  # never in the catalogue in clear
    with archive.db.write() as s:
        head = int(s.scalar(select(func.max(ledger_entry.c.leaf_index))) or -1)
        row = Subscription(id=sub_id, system=system, department=dept, clearance=clearance, url=url, secret=sealed,
                           label=label, cursor=head, active=True, created_at=utcnow(), created_by=actor)  # fmt: skip
        s.add(row)
        s.flush()
        record_event(s, "subscription_add", actor, None,
                     {"subscription": row.id, "system": system, "department": dept, "url": url})  # fmt: skip
        return _info(row), secret


def remove_subscription(archive: Archive, sub_id: str, *, actor: str = "system") -> SubscriptionInfo:
    """Stop a subscription; deliveries still waiting are cancelled, the log of past ones stays."""
    with archive.db.write() as s:
        row = s.get(Subscription, sub_id.strip(), with_for_update=True)
        if row is None:
            raise NotFound(f"订阅 {sub_id} 不存在", code="unknown_subscription")
        if row.active:
            row.active, row.removed_at, row.removed_by = False, utcnow(), actor
            for d in s.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == row.id,
                                                            WebhookDelivery.status == "pending")):  # fmt: skip
                d.status, d.next_try_at = "cancelled", None
            record_event(
                s, "subscription_remove", actor, None, {"subscription": row.id, "system": row.system}
            )
        return _info(row)


def list_subscriptions(archive: Archive, system: str | None = None) -> list[SubscriptionInfo]:
    with archive.db.read() as s:
        query = select(Subscription).order_by(Subscription.created_at.desc(), Subscription.id)
        if system:
            query = query.where(Subscription.system == system)
        rows = list(s.scalars(query))
        counts: dict[tuple[str, str], int] = {
            (sid, status): int(n)
            for sid, status, n in s.execute(
                select(WebhookDelivery.subscription_id, WebhookDelivery.status, func.count())
                .where(WebhookDelivery.subscription_id.in_([r.id for r in rows]))
                .group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
            )
        }  # fmt: skip
        return [_info(r, counts.get((r.id, "pending"), 0), counts.get((r.id, "failed"), 0)) for r in rows]


def delivery_log(
    archive: Archive, *, system: str | None = None, subscription_id: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Deliveries newest first with every attempt (status codes, errors, next try) — never their
    bodies, so the 系统管理员 who reads it sees no record content."""
    with archive.db.read() as s:
        query = select(WebhookDelivery, Subscription.system).join(
            Subscription, Subscription.id == WebhookDelivery.subscription_id
        )
        if system:
            query = query.where(Subscription.system == system)
        if subscription_id:
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        rows = s.execute(query.order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, 500)))).all()
        tries: dict[int, list[dict[str, Any]]] = {}
        for a in s.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id.in_([d.id for d, _ in rows]))
                           .order_by(WebhookAttempt.delivery_id, WebhookAttempt.attempt)):  # fmt: skip
            tries.setdefault(a.delivery_id, []).append(
                {"attempt": a.attempt, "at": aware(a.at).isoformat(), "status_code": a.status_code,
                 "error": a.error, "millis": a.millis})  # fmt: skip

        def iso(v: datetime | None) -> str | None:
            return aware(v).isoformat() if v is not None else None

        return [
            {"id": d.id, "subscription": d.subscription_id, "system": system_name, "created_at": iso(d.created_at),
             "entries": d.entries, "first_cursor": d.first_leaf, "last_cursor": d.last_leaf, "status": d.status,
             "attempts": d.attempts, "next_try_at": iso(d.next_try_at), "last_status": d.last_status,
             "last_error": d.last_error, "delivered_at": iso(d.delivered_at), "tries": tries.get(d.id, [])}
            for d, system_name in rows
        ]  # fmt: skip
