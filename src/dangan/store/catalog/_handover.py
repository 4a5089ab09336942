"""Tables of handover (移交, migration 0008): batches a department hands to the archive, and their records.

A record is in at most one open batch: `HandoverItem.open_record_id` carries the record id (unique)
while its batch is pending, handed over or received, and is cleared when the batch is returned, so the
record can go into a new batch. The unique constraint makes two clerks racing for the same records safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dangan.core import new_id, utcnow
from dangan.domain import HandoverStatus

from ._models import Base


class HandoverBatch(Base):
    __tablename__ = "handover_batch"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    department: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(8), default=HandoverStatus.PENDING, index=True)
    carrier: Mapped[str] = mapped_column(String(100))
    record_count: Mapped[int] = mapped_column(Integer)
    file_count: Mapped[int] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    first_code: Mapped[str | None] = mapped_column(String(120))
    last_code: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_passed: Mapped[bool | None] = mapped_column(Boolean)
    check_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checked_by: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reasons: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[HandoverItem]] = relationship(
        back_populates="batch", order_by="HandoverItem.position", cascade="all, delete-orphan"
    )


class HandoverItem(Base):
    __tablename__ = "handover_item"
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("handover_batch.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(26), primary_key=True, index=True)
    open_record_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    archival_code: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(8))
    security_level: Mapped[str] = mapped_column(String(8))
    file_count: Mapped[int] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger)

    batch: Mapped[HandoverBatch] = relationship(back_populates="items")
