"""Retention arithmetic (保管期限): when a record's period starts, when it ends, how long it was kept.

The rule, as DA/T 22 practice counts it: a period starts on 1 January of the year after the decision
(办结) — the record is filed (归档) in that year's fonds — and a period of N years ends on the day
before the N-th anniversary of that start, i.e. on 31 December of year (decision year + N). A record
decided on 2013-05-10 with 10年 starts on 2014-01-01 and expires on 2023-12-31. A matter can instead
count from the decision date itself (`START_DECISION`): 2013-05-10 + 10 years - 1 day = 2023-05-09
(a start on 29 February moves to 28 February in a year without one). 永久 never expires.

A record "reaches expiry" on its `expires_on` date: from that day it may be appraised (鉴定).
A record kept by an appraisal gets a new period counted, with the same rule, from the appraisal date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from dangan.domain import Retention

START_NEXT_YEAR = "next_year"
START_DECISION = "decision"
START_RULES = (START_NEXT_YEAR, START_DECISION)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return day.replace(year=day.year + years, day=28)


def retention_start(counted_from: date, rule: str = START_NEXT_YEAR) -> date:
    """The first day of the period for a record decided (or re-appraised) on `counted_from`."""
    if rule == START_NEXT_YEAR:
        return date(counted_from.year + 1, 1, 1)
    if rule == START_DECISION:
        return counted_from
    raise ValueError(rule)


def period_years(retention: str) -> int | None:
    """Years of a retention label (永久 → None); an unknown label raises ValueError."""
    return Retention.parse(retention).years


def expires_on(counted_from: date, retention: str, rule: str = START_NEXT_YEAR) -> date | None:
    """The last day of the period; None for 永久 (never expires)."""
    years = period_years(retention)
    if years is None:
        return None
    return _add_years(retention_start(counted_from, rule), years) - timedelta(days=1)


def is_due(counted_from: date, retention: str, on: date, rule: str = START_NEXT_YEAR) -> bool:
    end = expires_on(counted_from, retention, rule)
    return end is not None and end <= on


def years_kept(counted_from: date, on: date, rule: str = START_NEXT_YEAR) -> int:
    """Whole years from the period's start to `on` (已保管年限 on the disposal register)."""
    start = retention_start(counted_from, rule)
    if on < start:
        return 0
    years = on.year - start.year
    if (on.month, on.day) < (start.month, start.day):
        years -= 1
    return years


@dataclass(frozen=True)
class Expiry:
    """A record's effective period: its own, or the one an appraisal gave it when it was kept."""

    retention: str
    counted_from: date
    rule: str

    @property
    def expires_on(self) -> date | None:
        return expires_on(self.counted_from, self.retention, self.rule)

    def due(self, on: date) -> bool:
        end = self.expires_on
        return end is not None and end <= on
