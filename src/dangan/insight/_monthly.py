"""The monthly report's numbers and its text summary, for leaders who read the words before the charts.

Every figure comes from `tally` (the same exact, access-aware counts as the dashboard), so a leader's
report and a clerk's report differ exactly as their dashboards do. The summary is generated from those
numbers only — totals and their change against the previous month and the same month a year earlier,
the departments and matters that changed most, the matters slowest against their statutory limits.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dangan.access import Principal
from dangan.core import Problem, ValidationFailed
from dangan.services.archive import Archive

from ._days import DaysTally
from ._filters import NO_FILTER, StatsFilter
from ._limits import limit_for, limits_from_settings
from ._results import RESULT_KINDS
from ._stats import Key, tally

_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
TREND_MONTHS = 12
TOP_CHANGES = 3
TOP_SLOW = 5


def parse_month(text: str) -> date:
    """'2024-03' → 2024-03-01; anything else is a clear error."""
    m = _MONTH_RE.fullmatch((text or "").strip())
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1:
        message = f"月份“{text}”无法识别，请写成 YYYY-MM，如 2024-03"
        raise ValidationFailed(message, code="bad_month", problems=[Problem("bad_month", message, "month")])
    return date(int(m.group(1)), int(m.group(2)), 1)


def _shift(first: date, months: int) -> date:
    n = first.year * 12 + first.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


def _last_day(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def month_label(first: date) -> str:
    return f"{first.year}年{first.month}月"


def _change(now: int, before: int) -> float | None:
    return (now - before) / before if before else None


@dataclass
class Change:
    label: str
    count: int
    previous: int

    @property
    def delta(self) -> int:
        return self.count - self.previous

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "count": self.count, "previous": self.previous, "change": self.delta,
                "change_rate": _change(self.count, self.previous)}  # fmt: skip


@dataclass
class MonthlyReport:
    month: date
    total: int
    previous: int
    year_earlier: int
    median_days: float | None
    on_time_rate: float | None
    trend: list[tuple[str, int]] = field(default_factory=list)
    departments: list[Change] = field(default_factory=list)
    matters: list[Change] = field(default_factory=list)
    results: list[tuple[str, int]] = field(default_factory=list)
    slow: list[dict[str, Any]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return month_label(self.month)

    def as_json(self) -> dict[str, Any]:
        return {
            "month": f"{self.month:%Y-%m}", "total": self.total, "previous_month": self.previous,
            "same_month_last_year": self.year_earlier,
            "change_vs_previous_month": _change(self.total, self.previous),
            "change_vs_last_year": _change(self.total, self.year_earlier),
            "median_days": self.median_days, "on_time_rate": self.on_time_rate,
            "trend": [{"month": m, "count": n} for m, n in self.trend],
            "departments": [c.as_json() for c in self.departments],
            "matters": [c.as_json() for c in self.matters],
            "results": [{"label": k, "count": n} for k, n in self.results],
            "slowest_matters": self.slow, "summary": self.summary,
        }  # fmt: skip


def _within(f: StatsFilter, first: date, last: date) -> StatsFilter:
    return replace(f, date_from=first, date_to=last)


def _overall(tallies: dict[Key, DaysTally]) -> DaysTally:
    total = DaysTally()
    for t in tallies.values():
        total.merge(t)
    return total


def _changes(now: dict[Key, DaysTally], before: dict[Key, DaysTally]) -> list[Change]:
    labels = {k[1] for k in now} | {k[1] for k in before}
    count_now = {k[1]: t.count for k, t in now.items()}
    count_before = {k[1]: t.count for k, t in before.items()}
    rows = [Change(lb, count_now.get(lb, 0), count_before.get(lb, 0)) for lb in labels]
    rows.sort(key=lambda c: (-c.count, -c.previous, c.label))
    return rows


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _compare(now: int, before: int, what: str, when: str) -> str:
    if before == 0:
        return f"{what}（{when}）无办结记录"
    rate = (now - before) / before
    word = "增长" if rate > 0 else "下降" if rate < 0 else "持平"
    return f"较{what}（{when}，{before:,} 件）{word}" + ("" if rate == 0 else f" {abs(rate):.1%}")


def _movers(rows: list[Change], what: str) -> str | None:
    moved = sorted((c for c in rows if c.delta), key=lambda c: (-abs(c.delta), c.label))[:TOP_CHANGES]
    if not moved:
        return None
    parts = [f"{c.label}（{'+' if c.delta > 0 else '−'}{abs(c.delta):,} 件"
             + (f"，{'+' if c.delta > 0 else '−'}{abs(c.delta) / c.previous:.1%}" if c.previous else "，上月为 0")
             + "）" for c in moved]  # fmt: skip
    return f"按{what}看，与上月相比变化最大的是：" + "；".join(parts) + "。"


def _summary(r: MonthlyReport) -> list[str]:
    if r.total == 0:
        return [f"{r.label}没有可统计的办结审批记录。"]
    prev_label, year_label = month_label(_shift(r.month, -1)), month_label(_shift(r.month, -12))
    lines = [
        f"{r.label}共办结审批 {r.total:,} 件，{_compare(r.total, r.previous, '上月', prev_label)}，"
        f"{_compare(r.total, r.year_earlier, '上年同月', year_label)}。",
        f"办理用时中位数 {r.median_days:g} 个工作日，按时办结率 {_percent(r.on_time_rate)}。",
    ]
    for rows, what in ((r.departments, "部门"), (r.matters, "审批事项")):
        line = _movers(rows, what)
        if line:
            lines.append(line)
    late = [s for s in r.slow if (s["median_days"] or 0) > s["limit_days"] or (s["on_time_rate"] or 0) < 1]
    if late:
        parts = [f"{s['label']}（用时中位数 {s['median_days']:g} / 时限 {s['limit_days']} 个工作日，"
                 f"按时办结率 {_percent(s['on_time_rate'])}）" for s in late[:TOP_SLOW]]  # fmt: skip
        lines.append("相对法定时限办理最慢的事项：" + "；".join(parts) + "。")
    else:
        lines.append("本月各审批事项均在法定时限内办结。")
    return lines


def monthly_report(
    archive: Archive, user: Principal, month: date, f: StatsFilter = NO_FILTER
) -> MonthlyReport:
    """The report of the calendar month starting `month`, over what `user` may read."""
    first = month.replace(day=1)
    last = _last_day(first)
    prev = _shift(first, -1)
    year_before = _shift(first, -12)
    by_dept = tally(archive, user, "department", _within(f, first, last))
    by_dept_prev = tally(archive, user, "department", _within(f, prev, _last_day(prev)))
    by_matter = tally(archive, user, "matter", _within(f, first, last))
    by_matter_prev = tally(archive, user, "matter", _within(f, prev, _last_day(prev)))
    earlier = _overall(tally(archive, user, "year", _within(f, year_before, _last_day(year_before))))
    trend_start = _shift(first, -(TREND_MONTHS - 1))
    months = tally(archive, user, "month", _within(f, trend_start, last))
    by_month = {k[0]: t.count for k, t in months.items()}
    results = tally(archive, user, "result", _within(f, first, last))
    overall = _overall(by_dept)
    limits = limits_from_settings(archive.settings.matters)
    slow: list[dict[str, Any]] = []
    for (_key, label), t in by_matter.items():
        limit = limit_for(limits, label)
        slow.append({"label": label, "count": t.count, "median_days": t.median_days, "limit_days": limit,
                     "on_time_rate": t.on_time_rate})  # fmt: skip
    slow.sort(key=lambda s: (-(s["median_days"] or 0) / max(s["limit_days"], 1), s["on_time_rate"] or 0))
    report = MonthlyReport(
        month=first, total=overall.count, previous=_overall(by_dept_prev).count,
        year_earlier=earlier.count, median_days=overall.median_days, on_time_rate=overall.on_time_rate,
        trend=[(month_label(m), by_month.get(f"{m:%Y-%m}", 0))
               for m in (_shift(trend_start, i) for i in range(TREND_MONTHS))],
        departments=_changes(by_dept, by_dept_prev), matters=_changes(by_matter, by_matter_prev),
        results=[(kind, sum(t.count for k, t in results.items() if k[0] == kind)) for kind in RESULT_KINDS],
        slow=slow[:TOP_SLOW],
    )  # fmt: skip
    report.summary = _summary(report)
    return report
