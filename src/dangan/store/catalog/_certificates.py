"""The `certificate` table: one row per certified copy (出证) the archive has issued.

`summary` holds what the public verification page may show — 档号, 题名, the certified files' names and
hashes, the archive's name — copied at issue time, so the page shows what was certified even if the
record is corrected later, and never holds personal data (ID numbers, phones).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class Certificate(Base):
    __tablename__ = "certificate"
    id: Mapped[str] = mapped_column(String(26), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(26), index=True)
    issuer: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    purpose: Mapped[str] = mapped_column(String(200))
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    leaf_index: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
