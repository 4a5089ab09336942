"""Exact counts of a result set by department, matter, year, district, industry, result and level.

Counted over the same statement that lists the hits (so inside the access policy): a facet can never
count a record the user may not read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from dangan.domain import district_by_code, industry_by_code
from dangan.store.catalog import Department, Matter, Record

FACETS = {"department": "部门", "matter": "事项", "year": "年度", "district": "地区", "industry": "行业",
          "result": "结果", "security_level": "密级"}  # fmt: skip
_LIMIT = 30


def _label(kind: str, value: Any) -> str:
    if kind == "district":
        d = district_by_code(str(value))
        return d.name if d else str(value)
    if kind == "industry":
        ind = industry_by_code(str(value))
        return f"{value} {ind.name}" if ind else str(value)
    if kind == "year":
        return f"{value}年"
    return str(value)


def facet_counts(
    s: Session, stmt: Select[Record, float] | None, extra_ids: list[str]
) -> dict[str, list[dict[str, Any]]]:
    """kind → [{value, label, count}], most first (top 30 each)."""
    if stmt is None and not extra_ids:
        return {k: [] for k in FACETS}
    members = []
    if stmt is not None:
        members.append(Record.seq.in_(select(stmt.order_by(None).subquery().c.seq)))
    if extra_ids:
        members.append(Record.id.in_(extra_ids))
    inside = or_(*members)
    columns: dict[str, Any] = {
        "department": Department.name, "matter": Matter.name, "year": Record.year,
        "district": Record.district, "industry": func.substr(Record.industry, 1, 3),
        "result": Record.result, "security_level": Record.security_level,
    }  # fmt: skip
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, column in columns.items():
        q = select(column, func.count()).select_from(Record)
        if kind == "department":
            q = q.join(Department, Department.id == Record.department_id)
        elif kind == "matter":
            q = q.join(Matter, Matter.id == Record.matter_id)
        q = q.where(inside, column.is_not(None)).group_by(column)
        if kind != "year":
            q = q.where(column != "")
        rows = s.execute(q.order_by(func.count().desc(), column).limit(_LIMIT))
        out[kind] = [{"value": str(v), "label": _label(kind, v), "count": int(n)} for v, n in rows]
    return out


def format_facets(rows: dict[str, list[tuple[str, int]]]) -> dict[str, list[dict[str, Any]]]:
    """Counts from the engine in the same shape and order as `facet_counts` (most first, then by value)."""
    return {
        kind: [{"value": str(v), "label": _label(kind, v), "count": n}
               for v, n in sorted(rows.get(kind, []), key=lambda r: (-r[1], str(r[0])))[:_LIMIT]]
        for kind in FACETS
    }  # fmt: skip
