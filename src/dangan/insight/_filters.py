"""What every statistic is narrowed by: a range of decision dates, a department, a matter, a district, an
industry — checked against the reference tables and the catalogue before any number is counted.

An unknown code is refused rather than answered with zeros: a script that misspells a department would
otherwise report "no approvals" as a fact.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from dangan.core import Problem, ValidationFailed
from dangan.domain import (
    district_by_code,
    districts_by_name,
    industries_by_name,
    industry_by_code,
    region_prefix,
)
from dangan.store.catalog import Department, Matter, Record

_DAY_RE = re.compile(r"(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?月?)?年?")


@dataclass(frozen=True)
class StatsFilter:
    """The filters as the user gave them; `resolve` turns them into SQL over `Record`."""

    date_from: date | None = None
    date_to: date | None = None
    department: str | None = None
    matter: str | None = None
    district: str | None = None
    industry: str | None = None


NO_FILTER = StatsFilter()


def parse_day(text: str | None, *, end: bool = False, field: str = "date") -> date | None:
    """2023-03-01, 2023-03 or 2023 (the first day, or with `end` the last day, of that month or year)."""
    if text is None or not text.strip():
        return None
    m = _DAY_RE.fullmatch(text.strip())
    try:
        if m is None:
            raise ValueError(text)
        year, month, day = int(m.group(1)), m.group(2), m.group(3)
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        mm = int(month)
        if day is None:
            return date(year, mm, calendar.monthrange(year, mm)[1] if end else 1)
        return date(year, mm, int(day))
    except ValueError:
        raise ValidationFailed(
            f"日期“{text}”无法识别，请写成 YYYY-MM-DD、YYYY-MM 或 YYYY",
            code="bad_date",
            problems=[Problem("bad_date", f"日期“{text}”无法识别", field)],
        ) from None


def _refuse(code: str, message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, problems=[Problem(code, message, field)])


def district_prefix(text: str) -> str:
    """The code prefix of every place inside the district given by code or by an unambiguous name."""
    text = text.strip()
    found = district_by_code(text)
    if found is None:
        named = districts_by_name(text)
        if len(named) == 1:
            found = named[0]
    if found is None:
        raise _refuse(
            "unknown_district", f"未知的行政区划：{text}（请给出 GB/T 2260 的 6 位代码）", "district"
        )
    return region_prefix(found.code)


def industry_code(text: str) -> str:
    """The section-qualified GB/T 4754 code ('H62', 'H') of an industry given by code or name."""
    text = text.strip()
    found = industry_by_code(text)
    if found is None:
        named = industries_by_name(text)
        if named:
            found = named[0]
    if found is None:
        raise _refuse(
            "unknown_industry",
            f"未知的行业：{text}（请给出 GB/T 4754-2017 的代码，如 H、H62、H6210）",
            "industry",
        )
    return found.qualified_code


def section_of(stored: str | None) -> str | None:
    """The 门类 letter of an industry code as stored (with or without its letter)."""
    found = industry_by_code(stored) if stored else None
    return found.section if found else None


def _industries_under(session: Session, qualified: str, stored: Iterable[str] | None) -> list[str]:
    """Every industry value stored in the catalogue that lies inside `qualified` ('H62' → '6210', 'H6210');
    `stored` gives those values when the caller knows them faster than a DISTINCT over the catalogue."""
    if stored is None:
        stored = session.scalars(select(Record.industry).where(Record.industry.is_not(None)).distinct())
    out: list[str] = []
    for value in stored:
        found = industry_by_code(value) if value else None
        if value and found is not None and found.qualified_code.startswith(qualified):
            out.append(value)
    return sorted(out)


def resolve(
    session: Session, f: StatsFilter, industries: Iterable[str] | None = None
) -> list[ColumnElement[bool]]:
    """The WHERE clauses of the filters (the access policy's is added by the caller)."""
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise _refuse("dates_out_of_order", f"起始日期 {f.date_from} 晚于截止日期 {f.date_to}", "date_from")
    where: list[ColumnElement[bool]] = []
    if f.date_from:
        where.append(Record.decided_at >= f.date_from)
    if f.date_to:
        where.append(Record.decided_at <= f.date_to)
    if f.department:
        ids = list(session.scalars(select(Department.id).where(Department.name == f.department.strip())))
        if not ids:
            raise _refuse("unknown_department", f"未知的部门：{f.department}", "department")
        where.append(Record.department_id.in_(ids))
    if f.matter:
        name = f.matter.strip()
        ids = list(session.scalars(select(Matter.id).where((Matter.name == name) | (Matter.code == name))))
        if not ids:
            raise _refuse("unknown_matter", f"未知的审批事项：{f.matter}", "matter")
        where.append(Record.matter_id.in_(ids))
    if f.district:
        where.append(Record.district.startswith(district_prefix(f.district), autoescape=True))
    if f.industry:
        where.append(Record.industry.in_(_industries_under(session, industry_code(f.industry), industries)))
    return where


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Department and matter names the filter lists offer (names only: they are no record content)."""
    departments = list(session.scalars(select(Department.name).order_by(Department.name)))
    matters = sorted(set(session.scalars(select(Matter.name))))
    return {"departments": departments, "matters": matters}
