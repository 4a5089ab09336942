"""Active utilization grants: loaded into the principal per request, and their use written down.

A grant is active while its request is approved, not revoked, and `expires_at` is later than now — a
comparison made each time a principal is built, so a grant expires by itself and no job is needed. The
first time the system notices that a grant has run out, it writes a `utilization_expire` event, so the
audit trail shows the end of every grant, not only its beginning.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dangan.access import Grant, Principal, granted_only
from dangan.core import utcnow
from dangan.domain import AccessScope, RequestStatus
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import Record, UtilizationItem, UtilizationRequest

from ._shares import with_shares


def aware(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; every one stored here is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def active_grants(session: Session, username: str, now: datetime) -> tuple[Grant, ...]:
    rows = session.execute(
        select(UtilizationItem.record_id, UtilizationRequest)
        .join(UtilizationRequest, UtilizationRequest.id == UtilizationItem.request_id)
        .where(
            UtilizationRequest.requester == username,
            UtilizationRequest.status == RequestStatus.APPROVED,
            UtilizationRequest.revoked_at.is_(None),
            UtilizationRequest.expires_at > now,
        )
    ).all()
    return tuple(
        Grant(
            req.id,
            record_id,
            req.granted_scope == AccessScope.DOWNLOAD,
            bool(req.granted_unmask),
            aware(req.expires_at),
        )
        for record_id, req in rows
        if req.expires_at is not None
    )


def with_grants(archive: Archive, principal: Principal) -> Principal:
    """`principal` carrying its active grants as of now (the three administrators never carry any),
    and what the sharing catalogue opens to his department (`with_shares`)."""
    if not principal.sees_records:
        return principal.without_grants()
    now = utcnow()
    with archive.db.read() as s:
        grants = active_grants(s, principal.username, now)
        lapsed = s.scalars(
            select(UtilizationRequest.id).where(
                UtilizationRequest.requester == principal.username,
                UtilizationRequest.status == RequestStatus.APPROVED,
                UtilizationRequest.expiry_logged.is_(False),
                UtilizationRequest.expires_at <= now,
            )
        ).all()
    if lapsed:
        note_expired(archive, list(lapsed), now)
    return with_shares(archive, replace(principal, grants=grants))


def note_expired(archive: Archive, request_ids: list[str], now: datetime) -> None:
    """One `utilization_expire` event per grant that ran out (written once, whoever notices first)."""
    with archive.db.write() as s:
        for rid in request_ids:
            claimed = s.execute(
                update(UtilizationRequest)
                .where(UtilizationRequest.id == rid, UtilizationRequest.expiry_logged.is_(False))
                .values(expiry_logged=True)
            )
            if getattr(claimed, "rowcount", 0) == 1:
                req = s.get(UtilizationRequest, rid)
                expires = aware(req.expires_at).isoformat() if req and req.expires_at else None
                record_event(s, "utilization_expire", "system", None,
                             {"request_id": rid, "expires_at": expires, "noticed_at": now.isoformat()})  # fmt: skip


def note_grant_use(archive: Archive, user: Principal, record: Record, action: str) -> None:
    """When `user` reads `record` only through a grant: the first view and every download are events.

    A view already noted costs one read (no write lock: page images of a preview come in bursts)."""
    grant = granted_only(user, record)
    if grant is None:
        return
    key = (grant.request_id, record.id)
    if action == "view":
        with archive.db.read() as s:
            item = s.get(UtilizationItem, key)
            if item is None or item.first_used_at is not None:
                return
    with archive.db.write() as s:
        if s.get(UtilizationItem, key) is None:
            return
        first = s.execute(
            update(UtilizationItem)
            .where(UtilizationItem.request_id == key[0], UtilizationItem.record_id == key[1],
                   UtilizationItem.first_used_at.is_(None))
            .values(first_used_at=utcnow())
        )  # fmt: skip
        if action == "view" and getattr(first, "rowcount", 0) != 1:
            return  # another request noted the first view meanwhile
        detail = {"request_id": grant.request_id, "action": action}
        record_event(s, "utilization_use", user.username[:64], record.id, detail)
