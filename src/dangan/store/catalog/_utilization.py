"""Tables of utilization requests (利用申请, migration 0009): who asked for which records and why, the
decision, and the records an approved request lends.

A request names what it wants only as the requester typed it (档号 list, or department / matter / year /
keyword): nothing is resolved against the catalogue while the requester writes it, so a request can
never tell him whether a record exists. The approver resolves it when deciding; the records he lends
become `UtilizationItem` rows. The grant is the approved request itself: its scope, expiry and
revocation hold for all its items.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dangan.core import new_id, utcnow
from dangan.domain import AccessScope, RequestStatus

from ._models import Base


class UtilizationRequest(Base):
    __tablename__ = "utilization_request"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    requester: Mapped[str] = mapped_column(String(64), index=True)
    requester_role: Mapped[str] = mapped_column(String(16))
    requester_department: Mapped[str | None] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(String(8), default=AccessScope.VIEW)
    unmask: Mapped[bool] = mapped_column(Boolean, default=False)
    days: Mapped[int] = mapped_column(Integer)
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(8), default=RequestStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str | None] = mapped_column(Text)
    granted_scope: Mapped[str | None] = mapped_column(String(8))
    granted_unmask: Mapped[bool | None] = mapped_column(Boolean)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    expiry_logged: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list[UtilizationItem]] = relationship(
        back_populates="request", order_by="UtilizationItem.position", cascade="all, delete-orphan"
    )


class UtilizationItem(Base):
    __tablename__ = "utilization_item"
    request_id: Mapped[str] = mapped_column(
        ForeignKey("utilization_request.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[str] = mapped_column(String(26), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    archival_code: Mapped[str] = mapped_column(String(120))
    first_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    request: Mapped[UtilizationRequest] = relationship(back_populates="items")
