"""Working days (工作日) between acceptance and decision, as the Administrative Licensing Law counts them.

行政许可法 art. 82: time limits are counted in working days, public holidays excluded. A day is a working
day when it is a weekday and not a public holiday, or a weekend day the State Council made an adjusted
working day (调休上班). The table covers the years in `data/cn_holidays.csv`; outside them only weekends
count as rest days.

A processing time is counted from the day after acceptance up to and including the decision day, as the
law counts a period (the day of acceptance is not in it): decided the same day → 0, accepted on a Friday
and decided the next Monday → 1. Every date maps to a running count of working days so that a difference
is one subtraction: a million records cost a dictionary look-up each, not a walk over their days.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources

_DATA_PACKAGE = "dangan.insight.data"
_DATA_FILE = "cn_holidays.csv"
HOLIDAY = "休"
ADJUSTED_WORKDAY = "班"
# The running count is built over this span; dates outside it fall back to the weekday rule.
_SPAN_START = date(2000, 1, 1)
_SPAN_END = date(2040, 12, 31)


@dataclass(frozen=True)
class WorkCalendar:
    """Public holidays and adjusted working days; everything else follows Monday–Friday."""

    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def working_days(self, accepted: date, decided: date) -> int:
        """Working days after `accepted` up to and including `decided` (negative when out of order)."""
        return self._running(decided) - self._running(accepted)

    def add_working_days(self, start: date, n: int) -> date:
        """The day `n` working days after `start` (the last day of a limit of n working days)."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def _running(self, day: date) -> int:
        index = _running_index(self)
        hit = index.get(day)
        if hit is not None:
            return hit
        if day < _SPAN_START:
            return -self._count(day + timedelta(days=1), _SPAN_START)
        return index[_SPAN_END] + self._count(_SPAN_END + timedelta(days=1), day + timedelta(days=1))

    def _count(self, start: date, stop: date) -> int:
        """Working days in [start, stop)."""
        n, day = 0, start
        while day < stop:
            n += self.is_working_day(day)
            day += timedelta(days=1)
        return n


@cache
def _running_index(calendar: WorkCalendar) -> dict[date, int]:
    """Working days from the span's start up to and including each date."""
    out: dict[date, int] = {}
    n, day = 0, _SPAN_START
    while day <= _SPAN_END:
        n += calendar.is_working_day(day)
        out[day] = n
        day += timedelta(days=1)
    return out


@cache
def china_calendar() -> WorkCalendar:
    """The calendar shipped with the package (see `dangan.insight.data`)."""
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    holidays: set[date] = set()
    workdays: set[date] = set()
    for row in csv.DictReader(io.StringIO(text)):
        day = date.fromisoformat(row["date"])
        kind = row["kind"].strip()
        if kind == HOLIDAY:
            holidays.add(day)
        elif kind == ADJUSTED_WORKDAY:
            workdays.add(day)
        else:
            raise ValueError(f"{_DATA_FILE}: unknown kind {kind!r} on {day}")
    return WorkCalendar(frozenset(holidays), frozenset(workdays))
