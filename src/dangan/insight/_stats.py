"""`stats --by …`: records counted by one dimension, with median processing time and on-time rate.

Every figure is counted over the records the principal may read (`record_filter` of the one access
policy) and decided inside the filters, so a department head's totals are exactly the records his own
pages list. One GROUP BY over the catalogue per call; keys that need reference tables (industry 门类,
district names, result kinds) are merged here from the stored values they group.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from dangan.access import Principal, record_filter
from dangan.core import Problem, ValidationFailed
from dangan.domain import district_by_code, industry_by_code
from dangan.services.archive import Archive
from dangan.store.catalog import Department, Matter, Record

from ._calendar import WorkCalendar, china_calendar
from ._days import DaysTally
from ._engine import counting, days_histogram, newer_than, stored_industries
from ._filters import NO_FILTER, StatsFilter, resolve, section_of
from ._limits import DEFAULT_LIMIT_DAYS, limit_for, limits_from_settings
from ._results import RESULT_KINDS, result_kind

DIMENSIONS = ("department", "matter", "month", "year", "district", "industry", "result")
DIMENSION_LABELS = {
    "department": "部门",
    "matter": "审批事项",
    "month": "月份",
    "year": "年度",
    "district": "行政区划",
    "industry": "行业门类",
    "result": "审批结果",
}
UNFILLED = "未填写"
_CHRONOLOGICAL = {"month", "year"}
Key = tuple[str | None, str]  # (key, label)


@dataclass
class StatsRow:
    key: str | None
    label: str
    tally: DaysTally

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.tally.count,
                "median_days": self.tally.median_days, "on_time_rate": self.tally.on_time_rate}  # fmt: skip


@dataclass
class StatsResult:
    by: str
    rows: list[StatsRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.tally.count for r in self.rows)

    def as_json(self) -> dict[str, Any]:
        return {"by": self.by, "total": self.total, "rows": [r.as_json() for r in self.rows]}


def check_dimension(by: str) -> str:
    if by not in DIMENSIONS:
        message = f"未知的统计维度：{by}（可选 {'、'.join(DIMENSIONS)}）"
        raise ValidationFailed(
            message, code="unknown_dimension", problems=[Problem("unknown_dimension", message, "by")]
        )
    return by


def _names(session: Session, model: type[Department] | type[Matter]) -> dict[int, str]:
    return {i: n for i, n in session.execute(select(model.id, model.name))}


def _district_key(code: str | None) -> Key:
    if not code:
        return None, UNFILLED
    found = district_by_code(code)
    return code, found.name if found else code


def _industry_key(stored: str | None) -> Key:
    section = section_of(stored)
    if section is None:
        return None, stored or UNFILLED
    found = industry_by_code(section)
    return section, found.name if found else section


@dataclass(frozen=True)
class _Keying:
    """How a dimension groups: the catalogue's extra column and the key of (its value, decision date,
    matter id); the snapshot's key expression and the key of its value."""

    columns: list[Any]
    of_row: Callable[[Any, date, int], Key]
    duck: str
    of_duck: Callable[[Any], Key]


def _month(d: date) -> Key:
    return f"{d.year}-{d.month:02d}", f"{d.year}年{d.month}月"


def _year(d: date) -> Key:
    return str(d.year), f"{d.year}年"


def _keying(session: Session, by: str, matters: dict[int, str]) -> _Keying:
    if by == "department":
        depts = _names(session, Department)

        def dept(v: Any) -> Key:
            return depts.get(v, str(v)), depts.get(v, str(v))

        return _Keying([Record.department_id], lambda v, _d, _m: dept(v), "department_id", dept)
    if by == "matter":

        def matter(m: Any) -> Key:
            return matters.get(m, str(m)), matters.get(m, str(m))

        return _Keying([], lambda _v, _d, m: matter(m), "matter_id", matter)
    if by == "month":
        return _Keying([], lambda _v, d, _m: _month(d), "year(decided_at) * 100 + month(decided_at)",
                       lambda v: _month(date(int(v) // 100, int(v) % 100, 1)))  # fmt: skip
    if by == "year":
        return _Keying(
            [], lambda _v, d, _m: _year(d), "year(decided_at)", lambda v: _year(date(int(v), 1, 1))
        )
    if by == "district":
        return _Keying([Record.district], lambda v, _d, _m: _district_key(v), "district", _district_key)
    if by == "industry":
        return _Keying([Record.industry], lambda v, _d, _m: _industry_key(v), "industry", _industry_key)
    return _Keying([Record.result], lambda v, _d, _m: (result_kind(v), result_kind(v)), "result",
                   lambda v: (result_kind(v), result_kind(v)))  # fmt: skip


def tally(
    archive: Archive,
    user: Principal,
    by: str,
    f: StatsFilter = NO_FILTER,
    *,
    calendar: WorkCalendar | None = None,
    extra_where: Sequence[ColumnElement[bool]] = (),
) -> dict[Key, DaysTally]:
    """Records the user may read within `f`, keyed by dimension `by`, each with its processing days:
    the snapshot's records counted there, the newer ones (or all, in a small archive) in the catalogue."""
    check_dimension(by)
    cal = calendar or china_calendar()
    limits = limits_from_settings(archive.settings.matters)
    out: dict[Key, DaysTally] = {}

    def add(key: Key, days: int, n: int, on_time: int) -> None:
        out.setdefault(key, DaysTally()).add_counts(days, n, on_time)

    with archive.db.read() as session, counting(archive, session) as snap:
        where = [record_filter(user), *resolve(session, f, stored_industries(session, snap)), *extra_where]
        matters = _names(session, Matter)
        keying = _keying(session, by, matters)
        if snap is not None:
            by_id = {m: limit_for(limits, name) for m, name in matters.items()}
            custom = {m: d for m, d in by_id.items() if d != DEFAULT_LIMIT_DAYS}
            for raw, days, n, on_time in days_histogram(snap, keying.duck, where, custom, DEFAULT_LIMIT_DAYS):
                add(keying.of_duck(raw), days, n, on_time)
        cols = [Record.matter_id, Record.accepted_at, Record.decided_at, *keying.columns]
        stmt = select(*cols, func.count()).where(*where, *newer_than(snap)).group_by(*cols)
        keys: dict[tuple[Any, date, int], Key] = {}
        spans: dict[tuple[date, date], int] = {}
        for row in session.connection().execute(stmt):
            matter_id, accepted, decided, n = row[0], row[1], row[2], row[-1]
            raw = row[3] if keying.columns else None
            key = keys.get((raw, decided, matter_id))
            if key is None:
                key = keys[(raw, decided, matter_id)] = keying.of_row(raw, decided, matter_id)
            span = spans.get((accepted, decided))
            if span is None:
                span = spans[(accepted, decided)] = cal.working_days(accepted, decided)
            limit = limit_for(limits, matters.get(matter_id, str(matter_id)))
            add(key, span, n, n if span <= limit else 0)
    return out


def stats(archive: Archive, user: Principal, by: str, f: StatsFilter = NO_FILTER) -> StatsResult:
    """The `dangan stats` document: one row per key, largest first (months and years in order)."""
    tallies = tally(archive, user, by, f)
    rows = [StatsRow(key, label, t) for (key, label), t in tallies.items()]
    if by in _CHRONOLOGICAL:
        rows.sort(key=lambda r: r.key or "")
    elif by == "result":
        rows.sort(key=lambda r: RESULT_KINDS.index(r.key) if r.key in RESULT_KINDS else len(RESULT_KINDS))
    else:
        rows.sort(key=lambda r: (-r.tally.count, r.key is None, r.key or ""))
    return StatsResult(by, rows)
