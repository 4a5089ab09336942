"""The `record_embedding` table: one sentence vector per record, for semantic search and "more like this".

The vectors are derived data kept in the catalogue, so they survive restarts and go with backups, and a
record deleted takes its vector with it (ON DELETE CASCADE). A background job fills the table in
batches (services.records.embed_pending); `text_hash` says which text, under which model, a vector was
made from, so a record whose text changed, or a new model, is embedded again. `created_at` is when this
vector was written: with the row count it tells the in-memory search matrix when to reload.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from dangan.core import utcnow

from ._models import Base


class RecordEmbedding(Base):
    __tablename__ = "record_embedding"
    record_seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"),
        ForeignKey("record.seq", ondelete="CASCADE"),
        primary_key=True,
    )
    model: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # `dim` little-endian float32, unit length
    text_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
