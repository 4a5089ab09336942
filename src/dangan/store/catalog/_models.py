"""Catalogue tables. The same models serve SQLite (embedded) and PostgreSQL (scaled)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from dangan.core import new_id, utcnow


class Base(DeclarativeBase):
    pass


class Fonds(Base):
    __tablename__ = "fonds"
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Department(Base):
    __tablename__ = "department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    org_code: Mapped[str] = mapped_column(String(32))


class Matter(Base):
    __tablename__ = "matter"
    __table_args__ = (UniqueConstraint("department_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    code: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class SeriesCounter(Base):
    """Last item number per 档号 series; bumped in the same transaction as the record it numbers."""

    __tablename__ = "series_counter"
    series_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_item: Mapped[int] = mapped_column(Integer)


class Record(Base):
    __tablename__ = "record"
    __table_args__ = (
        UniqueConstraint("source_system", "source_id", name="uq_record_source"),
        UniqueConstraint("series_key", "item_no", name="uq_record_series_item"),
        Index("ix_record_created", "created_at", "id"),  # OAI-PMH harvests page by (datestamp, id)
    )
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    id: Mapped[str] = mapped_column(String(26), unique=True, default=new_id)
    fonds_code: Mapped[str] = mapped_column(ForeignKey("fonds.code"))
    archival_code: Mapped[str] = mapped_column(String(120), unique=True)
    series_key: Mapped[str] = mapped_column(String(200))
    item_no: Mapped[int] = mapped_column(Integer)
    source_system: Mapped[str] = mapped_column(String(128))
    source_id: Mapped[str] = mapped_column(String(128), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(String(200), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(500), index=True)
    applicant_type: Mapped[str | None] = mapped_column(String(50))
    applicant_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    legal_representative: Mapped[str | None] = mapped_column(String(200), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(50))
    address: Mapped[str | None] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(6), index=True)
    industry: Mapped[str | None] = mapped_column(String(8), index=True)
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    accepted_at: Mapped[date] = mapped_column(Date)
    decided_at: Mapped[date] = mapped_column(Date, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    result: Mapped[str] = mapped_column(String(200))
    retention: Mapped[str] = mapped_column(String(8))
    security_level: Mapped[str] = mapped_column(String(8))
    security_rank: Mapped[int] = mapped_column(Integer, index=True)
    open_to_public: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # lifecycle (migration 0023): None while live, 销毁中 / 已销毁 once disposal marked or finished it
    lifecycle_status: Mapped[str | None] = mapped_column(String(8), index=True)

    department: Mapped[Department] = relationship(lazy="joined")
    matter: Mapped[Matter] = relationship(lazy="joined")
    files: Mapped[list[RecordFile]] = relationship(
        back_populates="record", order_by="RecordFile.position", cascade="all, delete-orphan"
    )


class RecordFile(Base):
    __tablename__ = "record_file"
    __table_args__ = (UniqueConstraint("record_seq", "path"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_seq: Mapped[int] = mapped_column(ForeignKey("record.seq", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1024))
    role: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    sm3: Mapped[str | None] = mapped_column(String(64))
    encrypted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    # PRONOM identification (migration 0012): set at ingest, by `dangan preserve` for older rows
    format_puid: Mapped[str | None] = mapped_column(String(40), index=True)
    format_name: Mapped[str | None] = mapped_column(String(200))
    format_version: Mapped[str | None] = mapped_column(String(100))

    record: Mapped[Record] = relationship(back_populates="files")


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(200))
    clearance: Mapped[str] = mapped_column(String(8), default="内部")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Event(Base):
    """Every event the archive records; the ledger issue makes this tamper-evident."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    actor: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(26), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SearchDoc(Base):
    """Pre-segmented text of a record for full-text search (tokens separated by spaces).

    On SQLite an FTS5 table mirrors it (created by the migration); on PostgreSQL a tsvector index does.
    """

    __tablename__ = "search_doc"
    record_seq: Mapped[int] = mapped_column(ForeignKey("record.seq", ondelete="CASCADE"), primary_key=True)
    title_tokens: Mapped[str] = mapped_column(Text)
    body_tokens: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)  # readable start of the materials, for snippets
