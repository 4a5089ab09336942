"""The catalogue queries of the endpoint, over the records a `Scope` lets it publish.

`share` decides nothing about who may read what: the caller (services) hands in `Scope.visible`, the
access policy's own WHERE clause for the anonymous public, and every query here is narrowed by it — lists,
counts, sets, single records, the earliest datestamp. Lists are keyset-paged on (datestamp, record id).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from dangan.store.catalog import Record


def _same(text: str, record: Record) -> str:
    return text


@dataclass(frozen=True)
class Scope:
    """What the endpoint may publish, decided by the caller.

    `visible`: the records open to the public (the access policy's clause). `deleted`: records to report
    as deleted (`<header status="deleted">`, no metadata) — the hook for disposal; None while no record
    can be in that state. `datestamp`: the column a record's datestamp is read from (its last metadata
    change). `clean`: applied to every free-text value published (masking of personal data).
    """

    visible: ColumnElement[bool]
    deleted: ColumnElement[bool] | None = None
    datestamp: Any = None
    clean: Callable[[str, Record], str] = _same

    @property
    def stamp(self) -> Any:
        return Record.created_at if self.datestamp is None else self.datestamp

    @property
    def listed(self) -> ColumnElement[bool]:
        return self.visible if self.deleted is None else or_(self.visible, self.deleted)

    @property
    def gone(self) -> ColumnElement[bool]:
        if self.deleted is None:
            return literal(False)
        return case((self.deleted, True), else_=False)  # destroyed wins over any flag left on the row


@dataclass(frozen=True)
class Item:
    record: Record
    datestamp: datetime
    deleted: bool


def utc(value: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back naive."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _item(row: Any) -> Item:
    return Item(row[0], utc(row[2]), bool(row[1]))


def list_clause(
    scope: Scope, where: ColumnElement[bool] | None, since: datetime | None, until: datetime | None
) -> ColumnElement[bool]:
    parts = [scope.listed]
    if where is not None:
        parts.append(where)
    if since is not None:
        parts.append(scope.stamp >= since)
    if until is not None:
        parts.append(scope.stamp < until)
    return and_(*parts)


def count(session: Session, clause: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(Record).where(clause)) or 0)


def page(
    session: Session,
    scope: Scope,
    clause: ColumnElement[bool],
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Item]:
    """Up to `limit` items after the keyset position, in (datestamp, id) order."""
    stamp = scope.stamp
    query = select(Record, scope.gone, stamp).where(clause)
    if after is not None:
        at, record_id = after
        query = query.where(or_(stamp > at, and_(stamp == at, Record.id > record_id)))
    rows = session.execute(query.order_by(stamp, Record.id).limit(limit)).all()
    return [_item(r) for r in rows]


def find(session: Session, scope: Scope, record_id: str) -> Item | None:
    row = session.execute(
        select(Record, scope.gone, scope.stamp).where(Record.id == record_id, scope.listed)
    ).first()
    return _item(row) if row is not None else None


def earliest(session: Session, scope: Scope) -> datetime | None:
    value = session.scalar(select(func.min(scope.stamp)).where(scope.listed))
    return utc(value) if value is not None else None
