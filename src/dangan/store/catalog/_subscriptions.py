"""Tables of machine subscriptions (migration 0028): webhooks, their deliveries and every attempt.

A `Subscription` belongs to one business system of one department and reads what that department's
system may read (its clearance kept with it). Its `cursor` is the last ledger leaf it has been offered:
ledger leaves are numbered in commit order under the log head's lock, so "every change after the cursor"
never skips one that committed late. A `WebhookDelivery` is one signed body, frozen when it was made (the
records as the system could see them then), tried until delivered or its back-off schedule runs out; each
try is a `WebhookAttempt` row. The signing secret is kept, sealed under the master key, so the worker can
sign; it is shown once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import new_id, utcnow

from ._models import Base

_BigInt = BigInteger().with_variant(Integer, "sqlite")


class Subscription(Base):
    __tablename__ = "subscription"
    id: Mapped[str] = mapped_column(String(26), primary_key=True, default=new_id)
    system: Mapped[str] = mapped_column(String(128), index=True)
    department: Mapped[str] = mapped_column(String(200))
    clearance: Mapped[str] = mapped_column(String(8))
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(Text)  # sealed under the master key (store.crypto.seal_text)
    label: Mapped[str | None] = mapped_column(String(200))
    cursor: Mapped[int] = mapped_column(_BigInt, default=-1)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(64))


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_try_at"),)
    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscription.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_leaf: Mapped[int] = mapped_column(_BigInt)
    last_leaf: Mapped[int] = mapped_column(_BigInt)
    entries: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending / delivered / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"
    id: Mapped[int] = mapped_column(_BigInt, primary_key=True, autoincrement=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(500))
    millis: Mapped[int] = mapped_column(Integer)
