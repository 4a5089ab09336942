"""Where each statistic is counted: the DuckDB snapshot for the records it holds, the catalogue for the
ones above its mark (or for everything in a small archive), added together.

The WHERE clause is written once, as SQLAlchemy over `Record` (the access policy's `record_filter` and the
filters), and the same expression is compiled to SQL text for DuckDB: the snapshot has the catalogue's
column names, and a `department` table for the policy's department clause. So both halves narrow by the
very same rules; a clause DuckDB could not run fails loudly rather than counting something else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import InstrumentedAttribute, Session

from dangan.services.archive import Archive
from dangan.store.catalog import Record

from ._snapshot import Snapshot, current_snapshot

# Below this many records a direct count over the catalogue is as fast as the snapshot.
SNAPSHOT_MIN_RECORDS = 20_000
# The snapshot takes in new records once this many have arrived; fewer are counted from the catalogue.
SNAPSHOT_CATCH_UP = 2_000
_DIALECT = postgresql.dialect(paramstyle="named")  # DuckDB speaks PostgreSQL's SQL


@contextmanager
def counting(archive: Archive, session: Session) -> Iterator[Snapshot | None]:
    """The snapshot to count the bulk from (held for the caller), or None to count all in the catalogue."""
    with current_snapshot(
        archive, session, min_records=SNAPSHOT_MIN_RECORDS, catch_up=SNAPSHOT_CATCH_UP
    ) as snap:
        yield snap


def duck_sql(where: Sequence[ColumnElement[bool]]) -> str:
    if not where:
        return "TRUE"
    compiled = and_(*where).compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
    return str(compiled)


def stored_industries(session: Session, snap: Snapshot | None) -> Iterable[str] | None:
    """The industry values stored in the catalogue, from the snapshot's list plus the newer records'
    (None without a snapshot: the filters then read them from the catalogue themselves)."""
    if snap is None:
        return None
    newer = select(Record.industry).where(Record.seq > snap.mark, Record.industry.is_not(None)).distinct()
    return snap.industries | {v for v in session.scalars(newer) if v}


def newer_than(snap: Snapshot | None) -> list[ColumnElement[bool]]:
    """What the catalogue half still has to count: the records the snapshot does not hold."""
    return [] if snap is None else [Record.seq > snap.mark]


def days_histogram(
    snap: Snapshot, key: str, where: Sequence[ColumnElement[bool]], limits: dict[int, int], default: int
) -> list[tuple[Any, int, int, int]]:
    """(key, working days, records, records on time) over the snapshot; `limits` by matter id."""
    cases = " ".join(f"WHEN {int(m)} THEN {int(d)}" for m, d in sorted(limits.items()))
    limit = f"CASE matter_id {cases} ELSE {int(default)} END" if cases else str(int(default))
    sql = (
        f"SELECT {key} AS k, days, count(*), count(*) FILTER (WHERE days <= {limit}) "
        f"FROM record WHERE {duck_sql(where)} GROUP BY k, days"
    )
    return [(k, int(d), int(n), int(ok)) for k, d, n, ok in snap.query(sql)]


def grouped_counts(
    session: Session,
    snap: Snapshot | None,
    columns: Sequence[InstrumentedAttribute[Any]],
    where: Sequence[ColumnElement[bool]],
) -> Counter[tuple[Any, ...]]:
    """Records per combination of `columns` values: snapshot part plus catalogue part."""
    out: Counter[tuple[Any, ...]] = Counter()
    if snap is not None:
        names = ", ".join(c.key for c in columns)
        for *values, n in snap.query(
            f"SELECT {names}, count(*) FROM record WHERE {duck_sql(where)} GROUP BY {names}"
        ):
            out[tuple(values)] += int(n)
    stmt = select(*columns, func.count()).where(*where, *newer_than(snap)).group_by(*columns)
    for *values, n in session.execute(stmt):
        out[tuple(values)] += int(n)
    return out
