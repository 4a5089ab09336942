"""The `preservation_copy` table: the preservation form (e.g. PDF/A-2b) made from a record file.

The original file is never changed; its copy is another object in the same store, with its own hashes
and the same encryption rule as the original. One row per original file: `status` "done" (the object
is durable and named by `sha256`) or "failed" (the conversion was refused; `error` says why, and a
later run retries only when asked). The row is committed only after its object is durable, so a
crash leaves at most an unreferenced object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class PreservationCopy(Base):
    __tablename__ = "preservation_copy"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_file_id: Mapped[int] = mapped_column(ForeignKey("record_file.id", ondelete="CASCADE"), unique=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    status: Mapped[str] = mapped_column(String(10))
    target: Mapped[str] = mapped_column(String(40))
    path: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    sm3: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(BigInteger)
    media_type: Mapped[str | None] = mapped_column(String(100))
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    format_puid: Mapped[str | None] = mapped_column(String(40))
    format_name: Mapped[str | None] = mapped_column(String(200))
    format_version: Mapped[str | None] = mapped_column(String(100))
    error: Mapped[str | None] = mapped_column(String(1000))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
