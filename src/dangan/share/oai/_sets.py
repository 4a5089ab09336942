"""Sets (protocol §2.7.2): the open catalogue by forming department and by approval matter.

A department's set is `department:<org code>` — the code the 档号 already carries for it — and a
matter's is `matter:<matter code>` as the business system sent it. Codes that the setSpec syntax cannot
hold (or a matter without one) fall back to the catalogue row id, `_<id>`, which no code can look like
because codes never start with an underscore here. `department` and `matter` themselves are the parents
the colon implies; `department:<org>:matter:<code>` narrows one department to one matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from dangan.store.catalog import Department, Matter, Record

DEPARTMENT = "department"
MATTER = "matter"
TOKEN = re.compile(r"^[A-Za-z0-9\-.!~*'()][A-Za-z0-9\-_.!~*'()]*$")
ROW = re.compile(r"^_([0-9]{1,18})$")


@dataclass(frozen=True)
class OaiSet:
    spec: str
    name: str


def department_spec(department: Department) -> str:
    code = department.org_code or ""
    return f"{DEPARTMENT}:{code}" if TOKEN.match(code) else f"{DEPARTMENT}:_{department.id}"


def matter_spec(matter: Matter) -> str:
    code = matter.code or ""
    return f"{MATTER}:{code}" if TOKEN.match(code) else f"{MATTER}:_{matter.id}"


def record_sets(record: Record) -> list[str]:
    return [department_spec(record.department), matter_spec(record.matter)]


def _department_clause(key: str) -> ColumnElement[bool]:
    if m := ROW.match(key):
        return Record.department_id == int(m.group(1))
    return Record.department_id.in_(select(Department.id).where(Department.org_code == key))


def _matter_clause(key: str) -> ColumnElement[bool]:
    if m := ROW.match(key):
        return Record.matter_id == int(m.group(1))
    return Record.matter_id.in_(select(Matter.id).where(Matter.code == key))


def set_clause(spec: str) -> ColumnElement[bool] | None:
    """The records of a set, or None for a set this repository does not have (syntax already checked)."""
    parts = spec.split(":")
    if parts == [DEPARTMENT] or parts == [MATTER]:
        return true()
    if len(parts) == 2 and parts[0] == DEPARTMENT:
        return _department_clause(parts[1])
    if len(parts) == 2 and parts[0] == MATTER:
        return _matter_clause(parts[1])
    if len(parts) == 4 and parts[0] == DEPARTMENT and parts[2] == MATTER:
        return and_(_department_clause(parts[1]), _matter_clause(parts[3]))
    return None


def list_sets(session: Session, listed: ColumnElement[bool]) -> list[OaiSet]:
    """The two parents, then every department and matter with at least one harvestable record."""
    pairs = session.execute(select(Record.department_id, Record.matter_id).where(listed).distinct()).all()
    dept_ids = sorted({d for d, _ in pairs})
    matter_ids = sorted({m for _, m in pairs})
    departments = session.scalars(select(Department).where(Department.id.in_(dept_ids))).all()
    matters = session.scalars(select(Matter).where(Matter.id.in_(matter_ids))).all()
    names: dict[str, list[str]] = {}
    for d in departments:
        names.setdefault(department_spec(d), []).append(d.name)
    for m in matters:
        names.setdefault(matter_spec(m), []).append(m.name)
    found = [OaiSet(DEPARTMENT, "按形成部门"), OaiSet(MATTER, "按审批事项")]
    for spec in sorted(names):
        found.append(OaiSet(spec, "、".join(sorted(set(names[spec])))))
    return found
