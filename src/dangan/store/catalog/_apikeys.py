"""The `api_key` table: one row per key a business system pushes cases with.

Only a SHA-256 digest of the key's secret is stored: the key itself is shown once, at creation, and a
copy of the catalogue (a backup, a leaked dump) cannot be used to push cases. The secret is 256 random
bits, so a plain hash is as strong as a slow password hash and costs microseconds per request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class ApiKey(Base):
    __tablename__ = "api_key"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    system: Mapped[str] = mapped_column(String(128), index=True)
    department: Mapped[str] = mapped_column(String(200))
    matters: Mapped[list[Any]] = mapped_column(JSON, default=list)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # migration 0028: what the key may do (ingest / read / both) and the clearance it reads within
    scope: Mapped[str] = mapped_column(String(8), default="ingest", server_default="ingest")
    clearance: Mapped[str] = mapped_column(String(8), default="内部", server_default="内部")
