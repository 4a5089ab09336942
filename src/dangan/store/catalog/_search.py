"""What the archive's staff taught search: synonyms they added on top of the shipped table.

An archivist adds "工商局 → 市场监督管理局" or "开工证 → 施工许可" at /admin/synonyms; the query parser reads
these over `dangan/index/data/synonyms.toml`, so the archive's own words win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class SearchSynonym(Base):
    __tablename__ = "search_synonym"
    __table_args__ = (UniqueConstraint("kind", "alias", name="uq_search_synonym"),)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(20))  # departments, matters, industries, results
    alias: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchOutbox(Base):
    """Records whose search document changed and the embedded engine has not applied yet: written in the
    record's own transaction, deleted only after the engine committed them (`dangan.index.catch_up`)."""

    __tablename__ = "search_outbox"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    record_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SearchLog(Base):
    """One search a person ran from the web: what it meant and what was shown, pseudonymously (a keyed
    hash of the user, and the role), so later searches of the same meaning can learn from the clicks."""

    __tablename__ = "search_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    meaning: Mapped[str] = mapped_column(String(400), index=True)  # the parsed query, canonical
    role: Mapped[str] = mapped_column(String(20))
    user_key: Mapped[str] = mapped_column(String(32))
    shown: Mapped[list[int]] = mapped_column(JSON)  # record seqs of the first page, in order


class SearchClick(Base):
    __tablename__ = "search_click"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("search_log.id", ondelete="CASCADE"), index=True)
    record_seq: Mapped[int] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
