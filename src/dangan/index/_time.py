"""Time expressions of a query → an inclusive range of dates (first and last day).

Works on normalised text (digits, simplified, '-' for every dash). Relative expressions count from
`today` in the archive's zone: 去年 is last calendar year, 近两年 the two years up to today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

_Y = r"((?:19|20)\d{2})"
_SEP = r"\s*(?:-|到|至|~)\s*"


@dataclass(frozen=True)
class TimeRange:
    start: int  # span in the normalised query
    end: int
    first: date
    last: date
    label: str  # how the chip reads: '2023年3月', '近3个月'


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _valid_month(m: int) -> bool:
    return 1 <= m <= 12


def _year(y: str) -> tuple[date, date]:
    return date(int(y), 1, 1), date(int(y), 12, 31)


def _rules(today: date) -> list[tuple[re.Pattern[str], object]]:
    """(pattern, builder) in priority order: longer and more specific forms first."""

    def year_range(m: re.Match[str]) -> tuple[date, date] | None:
        a, b = int(m.group(1)), int(m.group(2))
        return (date(min(a, b), 1, 1), date(max(a, b), 12, 31)) if a != b else _year(m.group(1))

    def month_range(m: re.Match[str]) -> tuple[date, date] | None:
        y, a, b = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not (_valid_month(a) and _valid_month(b)) or a > b:
            return None
        return date(y, a, 1), _month_end(y, b)

    def day(m: re.Match[str]) -> tuple[date, date] | None:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return d, d

    def month(m: re.Match[str]) -> tuple[date, date] | None:
        y, mo = int(m.group(1)), int(m.group(2))
        return (date(y, mo, 1), _month_end(y, mo)) if _valid_month(mo) else None

    def half(m: re.Match[str]) -> tuple[date, date]:
        y = int(m.group(1))
        return (date(y, 1, 1), date(y, 6, 30)) if m.group(2) == "上" else (date(y, 7, 1), date(y, 12, 31))

    def quarter(m: re.Match[str]) -> tuple[date, date] | None:
        y, q = int(m.group(1)), int(m.group(2))
        if not 1 <= q <= 4:
            return None
        return date(y, 3 * q - 2, 1), _month_end(y, 3 * q)

    def since(m: re.Match[str]) -> tuple[date, date]:
        first = date(int(m.group(1)), int(m.group(2) or 1), 1) if _valid_month(int(m.group(2) or 1)) else None
        return (first or date(int(m.group(1)), 1, 1)), today

    def before(m: re.Match[str]) -> tuple[date, date]:
        return date(1900, 1, 1), date(int(m.group(1)), 1, 1) - timedelta(days=1)

    def relative_year(offset: int) -> object:
        return lambda m: _year(str(today.year + offset))

    def recent(m: re.Match[str]) -> tuple[date, date] | None:
        n = 1 if m.group(1) in (None, "") else int(m.group(1))
        if n < 1 or n > 100:
            return None
        unit = m.group(2)
        if unit == "年":
            return _shift_months(today, -12 * n) + timedelta(days=1), today
        if unit in ("个月", "月"):
            return _shift_months(today, -n) + timedelta(days=1), today
        if unit == "半年":
            return _shift_months(today, -6) + timedelta(days=1), today
        if unit in ("天", "日"):
            return today - timedelta(days=n - 1), today
        if unit in ("周", "个星期", "星期"):
            return today - timedelta(days=7 * n - 1), today
        return None

    def this_month(m: re.Match[str]) -> tuple[date, date]:
        return date(today.year, today.month, 1), _month_end(today.year, today.month)

    def last_month(m: re.Match[str]) -> tuple[date, date]:
        first = _shift_months(date(today.year, today.month, 1), -1)
        return first, _month_end(first.year, first.month)

    def relative_half(m: re.Match[str]) -> tuple[date, date]:
        y = today.year + {"今": 0, "去": -1, "前": -2}[m.group(1)]
        return (date(y, 1, 1), date(y, 6, 30)) if m.group(2) == "上" else (date(y, 7, 1), date(y, 12, 31))

    def month_to_month(m: re.Match[str]) -> tuple[date, date] | None:
        y1, m1, y2, m2 = (int(g) for g in m.groups())
        if not (_valid_month(m1) and _valid_month(m2)) or (y1, m1) > (y2, m2):
            return None
        return date(y1, m1, 1), _month_end(y2, m2)

    def bare_half(m: re.Match[str]) -> tuple[date, date]:
        y = today.year
        return (date(y, 1, 1), date(y, 6, 30)) if m.group(1) == "上" else (date(y, 7, 1), date(y, 12, 31))

    return [
        (re.compile(_Y + r"年(\d{1,2})月(?:份)?" + _SEP + _Y + r"年(\d{1,2})月(?:份)?"), month_to_month),
        (re.compile(_Y + r"年?" + _SEP + _Y + r"年(?:度)?"), year_range),
        (re.compile(_Y + r"年(\d{1,2})月?" + _SEP + r"(\d{1,2})月(?:份)?"), month_range),
        (re.compile(_Y + r"[年.\-/](\d{1,2})[月.\-/](\d{1,2})[日号]?"), day),
        (re.compile(_Y + r"年(?:的)?(上|下)半年"), half),
        (re.compile(_Y + r"年(?:的)?第?(\d)季度"), quarter),
        (re.compile(r"(今|去|前)年(?:的)?(上|下)半年"), relative_half),
        (re.compile(_Y + r"年(?:(\d{1,2})月)?(?:以来|至今|起|之后|以后)"), since),
        (re.compile(_Y + r"年(?:以前|之前|前)"), before),
        (re.compile(_Y + r"[年.\-/](\d{1,2})(?:月份?)(?!\d)"), month),
        (re.compile(_Y + r"[-./](\d{1,2})(?![\d\-./])"), month),
        (re.compile(_Y + r"年(?:度)?"), lambda m: _year(m.group(1))),
        (re.compile(r"(?:近|最近|过去)(\d{0,3})(年|个月|半年|天|日|周|个星期|星期)(?:内|来|以来)?"), recent),
        (re.compile(r"大前年"), relative_year(-3)),
        (re.compile(r"前年"), relative_year(-2)),
        (re.compile(r"去年|上一年|上年度"), relative_year(-1)),
        (re.compile(r"今年|本年度?"), relative_year(0)),
        (re.compile(r"本月|这个月"), this_month),
        (re.compile(r"(?<![年\d])(上|下)半年"), bare_half),
        (re.compile(r"上个?月"), last_month),
    ]


def find_time(text: str, today: date) -> TimeRange | None:
    """The first time expression (by position; the longer form where two start together)."""
    best: TimeRange | None = None
    for pattern, build in _rules(today):
        for m in pattern.finditer(text):
            span = build(m)  # type: ignore[operator]
            if span is None:
                continue
            found = TimeRange(m.start(), m.end(), span[0], span[1], m.group(0).rstrip("的"))
            if best is None or (found.start, -(found.end - found.start)) < (
                best.start,
                -(best.end - best.start),
            ):
                best = found
            break
    return best
