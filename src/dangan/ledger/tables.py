"""The log's tables (SQLAlchemy Core, its own MetaData; created by catalogue migration 0003).

* ``ledger_head`` — one row: the tree size and its compact range (the hashes of the perfect subtrees on
  the right border). Every append bumps it first, inside the caller's transaction, so appends are
  serialised, leaf indices are contiguous from 0, and a rollback takes the append back with the change.
* ``ledger_entry`` — one row per leaf: the canonical entry bytes, their leaf hash, and the hashes of the
  perfect subtrees that this leaf completes (levels 1, 2, … concatenated; amortised one per leaf). A
  proof needs O(log n) of these, fetched by primary key in one query.
* ``ledger_checkpoint`` — signed tree heads, one per tree size, and when each was witnessed.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()
_BigInt = BigInteger().with_variant(Integer, "sqlite")

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", BigInteger, nullable=False),
    Column("frontier", LargeBinary, nullable=False),
    # Set by the migration on an archive that already had events/records; cleared once they are adopted.
    Column("adopt_events_below", BigInteger, nullable=False, default=0),
    Column("adopt_records_below", BigInteger, nullable=False, default=0),
)

ledger_entry = Table(
    "ledger_entry",
    metadata,
    Column("leaf_index", _BigInt, primary_key=True, autoincrement=False),
    Column("kind", String(40), nullable=False),
    Column("record_id", String(26), nullable=True),
    Column("event_id", BigInteger, nullable=True, unique=True),
    Column("body", LargeBinary, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
    Column("nodes", LargeBinary, nullable=False),
    Index("ix_ledger_entry_record", "record_id", "leaf_index"),
)

ledger_checkpoint = Table(
    "ledger_checkpoint",
    metadata,
    Column("tree_size", _BigInt, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("issued_at", String(32), nullable=False),
    Column("origin", String(200), nullable=False),
    Column("algorithm", String(16), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("public_key", Text, nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("witnessed_at", String(32), nullable=True),
)
