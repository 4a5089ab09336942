"""Catalogue queries and writes that several services share. Callers own the session/transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text, tuple_
from sqlalchemy.orm import Session

from dangan.domain import org_code

from ._models import Department, Fonds, Matter, Record


def ensure_fonds(session: Session, code: str, name: str) -> Fonds:
    fonds = session.get(Fonds, code)
    if fonds is None:
        fonds = Fonds(code=code, name=name)
        session.add(fonds)
        session.flush()
    return fonds


def _insert_if_absent(session: Session, model: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: two importers creating the same row at once must both succeed."""
    if session.get_bind().dialect.name == "postgresql":  # imported here: its module costs a command 0.1 s
        from sqlalchemy.dialects import postgresql

        session.execute(postgresql.insert(model).values(**values).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects import sqlite

        session.execute(sqlite.insert(model).values(**values).on_conflict_do_nothing())


_CACHE = "dangan.catalog.cache"


def _cache(session: Session) -> dict[tuple[Any, ...], Any]:
    """Departments and matters met in this transaction, held strongly.

    A group commit writes several records of the same few departments; without this each record looked
    its department and matter up again, and the session's weak identity map let them go, so reading a
    record's matter cost another query.
    """
    cache: dict[tuple[Any, ...], Any] = session.info.setdefault(_CACHE, {})
    return cache


def forget_catalog_cache(session: Session) -> None:
    """After a savepoint rolled back: what it created may be gone."""
    session.info.pop(_CACHE, None)


def ensure_department(session: Session, name: str) -> Department:
    cache = _cache(session)
    dept: Department | None = cache.get(("department", name))
    if dept is not None:
        return dept
    dept = session.scalar(select(Department).where(Department.name == name))
    if dept is None:
        _insert_if_absent(session, Department, {"name": name, "org_code": org_code(name)})
        dept = session.scalars(select(Department).where(Department.name == name)).one()
    cache[("department", name)] = dept
    return dept


def ensure_matter(session: Session, department: Department, name: str, code: str | None) -> Matter:
    cache = _cache(session)
    matter: Matter | None = cache.get(("matter", department.id, name))
    if matter is None:
        where = (Matter.department_id == department.id, Matter.name == name)
        matter = session.scalar(select(Matter).where(*where))
        if matter is None:
            _insert_if_absent(session, Matter, {"department_id": department.id, "name": name, "code": code})
            matter = session.scalars(select(Matter).where(*where)).one()
        cache[("matter", department.id, name)] = matter
    if code and not matter.code:
        matter.code = code
    return matter


def allocate_item(session: Session, series_key: str) -> int:
    """Next item number of a 档号 series.

    The counter row is bumped inside the caller's transaction, so it stays locked until commit and a
    rollback gives the number back: numbers are unique and gap-free even with parallel importers.
    """
    return int(
        session.execute(
            text(
                "INSERT INTO series_counter (series_key, last_item) VALUES (:k, 1) "
                "ON CONFLICT (series_key) DO UPDATE SET last_item = series_counter.last_item + 1 "
                "RETURNING last_item"
            ),
            {"k": series_key},
        ).scalar_one()
    )


def find_by_source(session: Session, source_system: str, source_id: str) -> Record | None:
    return session.scalar(
        select(Record).where(Record.source_system == source_system, Record.source_id == source_id)
    )


def find_by_sources(session: Session, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Record]:
    """The records already archived under any of `keys` (source_system, source_id): one query per group."""
    if not keys:
        return {}
    rows = session.scalars(
        select(Record).where(tuple_(Record.source_system, Record.source_id).in_(set(keys)))
    )
    return {(r.source_system, r.source_id): r for r in rows}


def get_record(session: Session, record_id: str) -> Record | None:
    return session.scalar(select(Record).where(Record.id == record_id))
