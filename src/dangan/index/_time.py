"""Time expressions of a query → an inclusive range of dates (first and last day).

Works on normalised text (digits, simplified, '-' for every dash). Relative expressions count from
`today` in the archive's zone: 去年 is last calendar year, 近两年 the two years up to today.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

# A year: four digits, or two before 年 (23年 is 2023) unless it is a length of time (保管期限10年, 10年期)
_Y = r"((?:19|20)\d{2}|(?<![\d.\-/])(?<!期限)(?<!保管)(?<!有效期)(?<!为期)[0-3]\d(?=年)(?!年(?:期|以上|以内|内)))"
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


class _Future(ValueError):
    """A two-digit year after this one (30年) is a length of time, not a year: not a time filter."""


def _yr(y: str, today: date | None = None) -> int:
    if len(y) == 4:
        return int(y)
    year = 2000 + int(y)
    if year > (today or date.today()).year:
        raise _Future(y)
    return year


def _year(y: str, today: date | None = None) -> tuple[date, date]:
    year = _yr(y, today)
    return date(year, 1, 1), date(year, 12, 31)


def _quarter(year: int, q: int) -> tuple[date, date]:
    return date(year, 3 * q - 2, 1), _month_end(year, 3 * q)


def _rules(today: date) -> list[tuple[re.Pattern[str], object]]:
    """(pattern, builder) in priority order: longer and more specific forms first."""

    def year_range(m: re.Match[str]) -> tuple[date, date] | None:
        a, b = _yr(m.group(1), today), _yr(m.group(2), today)
        return (date(min(a, b), 1, 1), date(max(a, b), 12, 31)) if a != b else _year(m.group(1), today)

    def month_range(m: re.Match[str]) -> tuple[date, date] | None:
        y, a, b = _yr(m.group(1), today), int(m.group(2)), int(m.group(3))
        if not (_valid_month(a) and _valid_month(b)) or a > b:
            return None
        return date(y, a, 1), _month_end(y, b)

    def day(m: re.Match[str]) -> tuple[date, date] | None:
        try:
            d = date(_yr(m.group(1), today), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return d, d

    def month(m: re.Match[str]) -> tuple[date, date] | None:
        y, mo = _yr(m.group(1), today), int(m.group(2))
        return (date(y, mo, 1), _month_end(y, mo)) if _valid_month(mo) else None

    def half(m: re.Match[str]) -> tuple[date, date]:
        y = _yr(m.group(1), today)
        return (date(y, 1, 1), date(y, 6, 30)) if m.group(2) == "上" else (date(y, 7, 1), date(y, 12, 31))

    def quarter(m: re.Match[str]) -> tuple[date, date] | None:
        y, q = _yr(m.group(1), today), int(m.group(2))
        return _quarter(y, q) if 1 <= q <= 4 else None

    def relative_quarter(m: re.Match[str]) -> tuple[date, date] | None:
        q = int(m.group(2))
        return _quarter(today.year + {"今": 0, "去": -1, "前": -2}[m.group(1)], q) if 1 <= q <= 4 else None

    def this_quarter(m: re.Match[str]) -> tuple[date, date]:
        return _quarter(today.year, (today.month - 1) // 3 + 1)

    def last_quarter(m: re.Match[str]) -> tuple[date, date]:
        q = (today.month - 1) // 3
        return _quarter(today.year, q) if q else _quarter(today.year - 1, 4)

    def since(m: re.Match[str]) -> tuple[date, date]:
        y = _yr(m.group(1), today)
        first = date(y, int(m.group(2) or 1), 1) if _valid_month(int(m.group(2) or 1)) else None
        return (first or date(y, 1, 1)), today

    def before(m: re.Match[str]) -> tuple[date, date]:
        return date(1900, 1, 1), date(_yr(m.group(1), today), 1, 1) - timedelta(days=1)

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
        y1, m1, y2, m2 = _yr(m.group(1), today), int(m.group(2)), _yr(m.group(3), today), int(m.group(4))
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
        (re.compile(r"(今|去|前)年(?:的)?第?(\d)季度"), relative_quarter),
        (re.compile(r"本季度?|这个?季度|当季"), this_quarter),
        (re.compile(r"上个?季度|上一季度?"), last_quarter),
        (re.compile(_Y + r"年(?:(\d{1,2})月)?(?:以来|至今|起|之后|以后)"), since),
        (re.compile(_Y + r"年(?:以前|之前|前)"), before),
        (re.compile(_Y + r"[年.\-/](\d{1,2})(?:月份?)(?!\d)"), month),
        (re.compile(_Y + r"[-./](\d{1,2})(?![\d\-./])"), month),
        (re.compile(_Y + r"年(?:度)?"), lambda m: _year(m.group(1), today)),
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
            try:
                span = build(m)  # type: ignore[operator]
            except _Future:
                span = None
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
