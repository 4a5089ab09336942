"""Tables of collection checking (migration 0004): check reports, quarantine, matter rules.

A report belongs either to a record (the package passed and was archived) or to a quarantine entry
(it failed a blocking item); `items` keeps the report exactly as `CheckReport.as_json()` wrote it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import new_id, utcnow
from dangan.domain import QuarantineStatus

from ._models import Base


class CheckReportRow(Base):
    __tablename__ = "check_report"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    record_id: Mapped[str | None] = mapped_column(String(26), index=True)
    quarantine_id: Mapped[str | None] = mapped_column(String(26), index=True)
    stage: Mapped[str] = mapped_column(String(8))
    passed: Mapped[bool] = mapped_column(Boolean)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    scheme: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class QuarantineEntry(Base):
    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_source", "source_system", "source_id"),)
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    source_system: Mapped[str | None] = mapped_column(String(128))
    source_id: Mapped[str | None] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    matter: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=QuarantineStatus.HELD, index=True)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    folder: Mapped[str] = mapped_column(String(300))
    record_id: Mapped[str | None] = mapped_column(String(26))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MatterRule(Base):
    """Required materials of one approval matter, edited in the UI; overrides dangan.toml's rule."""

    __tablename__ = "matter_rule"
    matter: Mapped[str] = mapped_column(String(200), primary_key=True)
    required: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
