"""Tables of monitoring (migration 0010): alerts raised by the rules over the event table.

An alert is keyed by (rule, subject, window): the rules may look at the same events many times (every
run, every process) and the unique key makes the second sighting a no-op, so one open alert exists per
rule, subject and window. The index on `event.actor` (also 0010) serves the auditor's search by user.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow
from dangan.domain import AlertStatus

from ._models import Base, Event

EVENT_ACTOR_INDEX = Index("ix_event_actor", Event.actor)


class Alert(Base):
    __tablename__ = "alert"
    __table_args__ = (UniqueConstraint("rule", "subject", "window_key", name="uq_alert_rule_subject_window"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    subject: Mapped[str] = mapped_column(String(128))
    window_key: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN, index=True)
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(64))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    webhook_attempts: Mapped[int] = mapped_column(Integer, default=0)
    webhook_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    webhook_error: Mapped[str | None] = mapped_column(Text)
