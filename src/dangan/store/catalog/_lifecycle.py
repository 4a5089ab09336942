"""Tables of the lifecycle (migration 0023): appraisal and disposal batches, their items, approvals,
legal holds, periods given by appraisal, and the permanent disposal register (销毁清册).

A record is in at most one open batch: `DisposalItem.open_record_id` carries the record id (unique)
while the batch is open and is cleared when the batch is rejected or a kept record's new period is set.
A destroyed record's item keeps it, so the record can never be proposed again. A hold is active while
`LegalHold.active_record_id` (unique) is set; removing it clears that and keeps the row as history.
`DisposalRegister` rows are never updated or deleted: the register outlives the records it lists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dangan.core import new_id, utcnow

from ._models import Base


class DisposalBatch(Base):
    __tablename__ = "disposal_batch"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    status: Mapped[str] = mapped_column(String(8), index=True)
    reason: Mapped[str] = mapped_column(Text)
    chain: Mapped[list[Any]] = mapped_column(JSON)  # the approval chain as configured when proposed
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    appraised_on: Mapped[date] = mapped_column(Date)
    rejected_by: Mapped[str | None] = mapped_column(String(64))
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    witnesses: Mapped[list[Any] | None] = mapped_column(JSON)
    executed_by: Mapped[str | None] = mapped_column(String(64))
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[DisposalItem]] = relationship(
        back_populates="batch", order_by="DisposalItem.position", cascade="all, delete-orphan"
    )
    approvals: Mapped[list[DisposalApproval]] = relationship(
        back_populates="batch", order_by="DisposalApproval.id", cascade="all, delete-orphan"
    )


class DisposalItem(Base):
    __tablename__ = "disposal_item"
    batch_id: Mapped[str] = mapped_column(
        ForeignKey("disposal_batch.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(26), primary_key=True, index=True)
    open_record_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(4))  # 销毁 / 保留
    new_retention: Mapped[str | None] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    archival_code: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(8))
    expires_on: Mapped[date | None] = mapped_column(Date)
    state: Mapped[str | None] = mapped_column(String(8))  # None, 销毁中, 已销毁
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    batch: Mapped[DisposalBatch] = relationship(back_populates="items")


class DisposalApproval(Base):
    __tablename__ = "disposal_approval"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("disposal_batch.id", ondelete="CASCADE"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(4))  # 批准 / 驳回
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    batch: Mapped[DisposalBatch] = relationship(back_populates="approvals")


class LegalHold(Base):
    __tablename__ = "legal_hold"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    active_record_id: Mapped[str | None] = mapped_column(String(26), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    placed_by: Mapped[str] = mapped_column(String(64))
    placed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_by: Mapped[str | None] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removal_reason: Mapped[str | None] = mapped_column(Text)


class RetentionReview(Base):
    """The period an appraisal gave a kept record, counted from `counted_from` (the appraisal date).

    Kept apart from `record.retention`, which the ingest ledger entry binds: the record row never changes.
    """

    __tablename__ = "retention_review"
    record_id: Mapped[str] = mapped_column(String(26), primary_key=True)
    retention: Mapped[str] = mapped_column(String(8))
    counted_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[str] = mapped_column(String(26))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DisposalRegister(Base):
    """One line of the 销毁清册 per destroyed record, kept permanently."""

    __tablename__ = "disposal_register"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(26), unique=True)
    archival_code: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(200))
    year: Mapped[int] = mapped_column(Integer)
    retention: Mapped[str] = mapped_column(String(8))
    years_kept: Mapped[int] = mapped_column(Integer)
    file_count: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    batch_id: Mapped[str] = mapped_column(String(26), index=True)
    approvals: Mapped[list[Any]] = mapped_column(JSON)
    witnesses: Mapped[list[Any]] = mapped_column(JSON)
    executed_by: Mapped[str] = mapped_column(String(64))
    destroyed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # objects shredded, backups note
