"""Access audit: every record view and file download is written down as an `Event`.

The ledger issue makes the event table tamper-evident; callers only say who did what to which record.
"""

from __future__ import annotations

from typing import Any

from .archive import Archive
from .ledger import record_event

ACCESS_KINDS = frozenset({"view", "download"})


def log_access(
    archive: Archive, actor: str, kind: str, record_id: str, detail: dict[str, Any] | None = None
) -> None:
    """Append one access event (its own small transaction, committed before the response goes out)."""
    if kind not in ACCESS_KINDS:
        raise ValueError(f"unknown access kind: {kind}")
    with archive.db.write() as session:
        record_event(session, kind, actor[:64], record_id, detail)
