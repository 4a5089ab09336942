"""The log in the catalogue database: appends inside the caller's transaction, proofs from stored nodes.

Every function takes a SQLAlchemy `Connection` (a session's `session.connection()`), so an append commits
or rolls back with the change it records. Appends are serialised by the head row: the first statement
bumps its size (a row lock on PostgreSQL; SQLite writers already hold the database's write lock), so
two writers can never take the same leaf index and a rolled-back append leaves no gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from .entry import Entry
from .merkle import EMPTY_ROOT, HASH_SIZE, leaf_hash
from .tables import ledger_entry, ledger_head
from .tree import (
    CompactRange,
    NodeKey,
    completing_leaf,
    consistency_ranges,
    fold,
    inclusion_ranges,
    perfect_parts,
    proof_from_nodes,
)


class LedgerCorrupt(Exception):
    """The stored tree cannot answer (a node or entry is missing): verification says what is wrong."""


@dataclass(frozen=True)
class StoredEntry:
    leaf_index: int
    leaf_hash: bytes
    body: bytes


# Built once: every write of the archive appends, and building these per call was a third of it.
_BUMP = (
    update(ledger_head)
    .where(ledger_head.c.id == 1)
    .values(size=ledger_head.c.size + bindparam("added"))
    .returning(ledger_head.c.size, ledger_head.c.frontier)
)
_INSERT = ledger_entry.insert()
_SET_FRONTIER = update(ledger_head).where(ledger_head.c.id == 1).values(frontier=bindparam("new_frontier"))


def append(conn: Connection, entries: Sequence[Entry]) -> list[int]:
    """Append `entries` in order; return their leaf indices. O(1) amortised statements per entry."""
    if not entries:
        return []
    new_size, frontier = conn.execute(_BUMP, {"added": len(entries)}).one()
    first = int(new_size) - len(entries)
    cr = CompactRange.from_bytes(first, bytes(frontier))
    rows: list[dict[str, Any]] = []
    indices: list[int] = []
    for entry in entries:
        body = entry.body()
        h = leaf_hash(body)
        index = cr.size
        indices.append(index)
        completed = cr.append(h)
        rows.append(
            {
                "leaf_index": index,
                "kind": entry.kind,
                "record_id": entry.record_id,
                "event_id": entry.event_id,
                "body": body,
                "leaf_hash": h,
                "nodes": b"".join(completed),
            }
        )
    conn.execute(_INSERT, rows)
    conn.execute(_SET_FRONTIER, {"new_frontier": cr.to_bytes()})
    return indices


def head(conn: Connection, *, lock: bool = False) -> CompactRange:
    """The current tree (size and right border); `lock` holds the head row until the transaction ends."""
    query = select(ledger_head.c.size, ledger_head.c.frontier).where(ledger_head.c.id == 1)
    size, frontier = conn.execute(query.with_for_update() if lock else query).one()
    return CompactRange.from_bytes(int(size), bytes(frontier))


def head_locked(conn: Connection) -> CompactRange:
    return head(conn, lock=True)


def adoption_marks(conn: Connection, *, lock: bool = False) -> tuple[int, int]:
    """(events below, records below) still to adopt from before the log existed; (0, 0) when none."""
    query = select(ledger_head.c.adopt_events_below, ledger_head.c.adopt_records_below)
    events, records = conn.execute(query.with_for_update() if lock else query).one()
    return int(events), int(records)


def clear_adoption_marks(conn: Connection) -> None:
    conn.execute(update(ledger_head).values(adopt_events_below=0, adopt_records_below=0))


def _lookup(conn: Connection, keys: Iterable[NodeKey]) -> dict[NodeKey, bytes]:
    """Hashes of perfect subtrees: a leaf's own hash, or a slice of the entry row that completed it."""
    keys = list(keys)
    wanted = {completing_leaf(k) for k in keys}
    rows = {
        int(i): (bytes(h), bytes(n))
        for i, h, n in conn.execute(
            select(ledger_entry.c.leaf_index, ledger_entry.c.leaf_hash, ledger_entry.c.nodes).where(
                ledger_entry.c.leaf_index.in_(wanted)
            )
        )
    }
    found: dict[NodeKey, bytes] = {}
    for key in keys:
        level = key[0]
        row = rows.get(completing_leaf(key))
        value = b""
        if row is not None:
            value = row[0] if level == 0 else row[1][(level - 1) * HASH_SIZE : level * HASH_SIZE]
        if len(value) != HASH_SIZE:
            raise LedgerCorrupt(f"账本缺少节点 {key}")
        found[key] = value
    return found


def root_at(conn: Connection, size: int) -> bytes:
    """Root of the tree of the first `size` leaves (any size up to the current one)."""
    if size == 0:
        return EMPTY_ROOT
    parts = perfect_parts(0, size)
    nodes = _lookup(conn, parts)
    return fold([nodes[k] for k in parts])


def inclusion_proof_at(conn: Connection, index: int, size: int) -> list[bytes]:
    return proof_from_nodes(inclusion_ranges(index, size), lambda keys: _lookup(conn, keys))


def consistency_proof_at(conn: Connection, size1: int, size2: int) -> list[bytes]:
    return proof_from_nodes(consistency_ranges(size1, size2), lambda keys: _lookup(conn, keys))


def latest_for_record(
    conn: Connection, record_id: str, exclude_kinds: Iterable[str] = ()
) -> StoredEntry | None:
    """The record's newest entry, passing over entries of `exclude_kinds`."""
    query = select(ledger_entry.c.leaf_index, ledger_entry.c.leaf_hash, ledger_entry.c.body).where(
        ledger_entry.c.record_id == record_id
    )
    if skip := sorted(exclude_kinds):
        query = query.where(ledger_entry.c.kind.not_in(skip))
    row = conn.execute(query.order_by(ledger_entry.c.leaf_index.desc()).limit(1)).first()
    return None if row is None else StoredEntry(int(row[0]), bytes(row[1]), bytes(row[2]))


def scan(
    conn: Connection, start: int = 0, batch: int = 5000, columns: bool = False
) -> Iterator[tuple[Any, ...]]:
    """(leaf_index, body, leaf_hash, nodes[, kind, record_id, event_id]) in leaf order, read in keyset
    pages (bounded memory)."""
    c = ledger_entry.c
    cols = [c.leaf_index, c.body, c.leaf_hash, c.nodes] + (
        [c.kind, c.record_id, c.event_id] if columns else []
    )
    while True:
        rows = conn.execute(
            select(*cols).where(c.leaf_index >= start).order_by(c.leaf_index).limit(batch)
        ).all()
        for row in rows:
            i, body, h, nodes, *rest = row
            yield (int(i), bytes(body), bytes(h), bytes(nodes), *rest)
        if len(rows) < batch:
            return
        start = int(rows[-1][0]) + 1
