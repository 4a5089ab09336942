"""`stats --by …`: records counted by one dimension, with median processing time and on-time rate.

Every figure is counted over the records the principal may read (`record_filter` of the one access
policy) and decided inside the filters, so a department head's totals are exactly the records his own
pages list. One GROUP BY over the catalogue per call; keys that need reference tables (industry 门类,
district names, result kinds) are merged here from the stored values they group.
"""

from __future__ import annotations

from collections import Counter
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
from ._filters import NO_FILTER, StatsFilter, resolve, section_of
from ._limits import limit_for, limits_from_settings
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


def _keyer(session: Session, by: str) -> tuple[list[Any], Callable[[Any, date], Key]]:
    """The extra column the catalogue groups by, and how (its value, decision date) becomes a row key."""
    if by == "department":
        depts = _names(session, Department)
        return [Record.department_id], lambda v, _d: (depts.get(v, str(v)), depts.get(v, str(v)))
    if by == "month":
        return [], lambda _v, d: (f"{d.year}-{d.month:02d}", f"{d.year}年{d.month}月")
    if by == "year":
        return [], lambda _v, d: (str(d.year), f"{d.year}年")
    if by == "district":
        return [Record.district], lambda v, _d: _district_key(v)
    if by == "industry":
        return [Record.industry], lambda v, _d: _industry_key(v)
    if by == "result":
        return [Record.result], lambda v, _d: (result_kind(v), result_kind(v))
    return [], lambda _v, _d: ("", "")  # matter: keyed from matter_id below


def tally(
    archive: Archive,
    user: Principal,
    by: str,
    f: StatsFilter = NO_FILTER,
    *,
    calendar: WorkCalendar | None = None,
    extra_where: Sequence[ColumnElement[bool]] = (),
) -> dict[Key, DaysTally]:
    """Records the user may read within `f`, keyed by dimension `by`, each with its processing days."""
    check_dimension(by)
    cal = calendar or china_calendar()
    limits = limits_from_settings(archive.settings.matters)
    compact: Counter[tuple[Key, int, int]] = Counter()  # (row key, matter id, working days) → records
    with archive.db.read() as session:
        where = [record_filter(user), *resolve(session, f), *extra_where]
        extra, key_of = _keyer(session, by)
        matters = _names(session, Matter)
        cols = [Record.matter_id, Record.accepted_at, Record.decided_at, *extra]
        stmt = select(*cols, func.count()).where(*where).group_by(*cols)
        keys: dict[tuple[Any, date], Key] = {}
        spans: dict[tuple[date, date], int] = {}
        for row in session.connection().execute(stmt):
            matter_id, accepted, decided, n = row[0], row[1], row[2], row[-1]
            raw = row[3] if extra else None
            key = keys.get((raw, decided))
            if key is None:
                key = keys[(raw, decided)] = key_of(raw, decided)
            days = spans.get((accepted, decided))
            if days is None:
                days = spans[(accepted, decided)] = cal.working_days(accepted, decided)
            compact[(key, matter_id, days)] += n
    out: dict[Key, DaysTally] = {}
    for (key, matter_id, days), n in compact.items():
        matter = matters.get(matter_id, str(matter_id))
        if by == "matter":
            key = (matter, matter)
        out.setdefault(key, DaysTally()).add(days, n, limit_for(limits, matter))
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
