"""Access audit: every record view, file download and unmasking is written down as an event.

The ledger makes the event table tamper-evident; callers only say who did what to which record.
"""

from __future__ import annotations

from typing import Any

from dangan.access import Principal, RecordView, mask_record_view
from dangan.store.catalog import Record

from ._archive import Archive
from ._events import record_event
from ._request_context import CLIENT_ADDRESS, with_client

__all__ = [
    "ACCESS_KINDS",
    "CLIENT_ADDRESS",
    "log_access",
    "log_denied",
    "log_event",
    "record_view",
    "with_client",
]

ACCESS_KINDS = frozenset({"view", "download", "unmask"})


def log_access(
    archive: Archive, actor: str, kind: str, record_id: str, detail: dict[str, Any] | None = None
) -> None:
    """Append one access event (its own small transaction, committed before the response goes out)."""
    if kind not in ACCESS_KINDS:
        raise ValueError(f"unknown access kind: {kind}")
    log_event(archive, kind, actor, record_id, detail)


def log_event(
    archive: Archive,
    kind: str,
    actor: str,
    record_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one event in its own transaction, with the requesting client's address when there is one."""
    with archive.db.write() as session:
        record_event(session, kind, actor[:64], record_id, detail)  # adds the client address


def log_denied(
    archive: Archive, actor: str, record_id: str | None, detail: dict[str, Any] | None = None
) -> None:
    """A refused read: the user is told "not found", the auditor is told the truth."""
    log_event(archive, "denied", actor, record_id, detail)


def record_view(archive: Archive, user: Principal, record: Record, via: str) -> RecordView:
    """The record as `user` may see it; when personal data is shown in clear, an 'unmask' event says
    who saw which fields of which record, and through which door."""
    view = mask_record_view(user, record)
    if view.revealed:
        log_access(archive, user.username, "unmask", record.id, {"via": via, "fields": view.revealed})
    return view
