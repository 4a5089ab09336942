"""Catalogue queries and writes that several services share. Callers own the session/transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from dangan.domain import org_code

from .models import Department, Fonds, Matter, Record


def ensure_fonds(session: Session, code: str, name: str) -> Fonds:
    fonds = session.get(Fonds, code)
    if fonds is None:
        fonds = Fonds(code=code, name=name)
        session.add(fonds)
        session.flush()
    return fonds


def _insert_if_absent(session: Session, model: Any, values: dict[str, Any]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: two importers creating the same row at once must both succeed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(model).values(**values).on_conflict_do_nothing())


def ensure_department(session: Session, name: str) -> Department:
    dept = session.scalar(select(Department).where(Department.name == name))
    if dept is None:
        _insert_if_absent(session, Department, {"name": name, "org_code": org_code(name)})
        dept = session.scalars(select(Department).where(Department.name == name)).one()
    return dept


def ensure_matter(session: Session, department: Department, name: str, code: str | None) -> Matter:
    where = (Matter.department_id == department.id, Matter.name == name)
    matter = session.scalar(select(Matter).where(*where))
    if matter is None:
        _insert_if_absent(session, Matter, {"department_id": department.id, "name": name, "code": code})
        matter = session.scalars(select(Matter).where(*where)).one()
    elif code and not matter.code:
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


def get_record(session: Session, record_id: str) -> Record | None:
    return session.scalar(select(Record).where(Record.id == record_id))
