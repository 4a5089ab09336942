"""Working days of the demo city's offices: no weekends, no New Year, 春节, 劳动节 or 国庆 holidays."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

FIRST_YEAR = 2019
LAST_YEAR = 2025
LAST_ACCEPTED = date(2025, 10, 31)  # leaves room for the decision inside the last year

# Later years are busier (一网通办 brought more cases online); 2020 dipped.
YEAR_WEIGHTS: dict[int, float] = {
    2019: 9.0,
    2020: 8.5,
    2021: 12.0,
    2022: 12.5,
    2023: 16.0,
    2024: 19.0,
    2025: 18.0,
}
# 春节 slows January and February; spring is when the seaside trades open for the summer.
MONTH_WEIGHTS = (0.8, 0.55, 1.1, 1.2, 1.15, 1.1, 1.0, 0.95, 1.0, 0.85, 1.0, 1.05)

_SPRING_FESTIVAL: dict[int, tuple[date, date]] = {
    2019: (date(2019, 2, 4), date(2019, 2, 10)),
    2020: (date(2020, 1, 24), date(2020, 2, 2)),
    2021: (date(2021, 2, 11), date(2021, 2, 17)),
    2022: (date(2022, 1, 31), date(2022, 2, 6)),
    2023: (date(2023, 1, 21), date(2023, 1, 27)),
    2024: (date(2024, 2, 10), date(2024, 2, 17)),
    2025: (date(2025, 1, 28), date(2025, 2, 4)),
}
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3), *((10, d) for d in range(1, 8))}


def is_working_day(d: date) -> bool:
    if d.weekday() >= 5 or (d.month, d.day) in _FIXED_HOLIDAYS:
        return False
    festival = _SPRING_FESTIVAL.get(d.year)
    return not (festival and festival[0] <= d <= festival[1])


@lru_cache(maxsize=32)
def working_days(year: int) -> tuple[date, ...]:
    d, out = date(year, 1, 1), []
    while d.year == year:
        if is_working_day(d):
            out.append(d)
        d += timedelta(days=1)
    return tuple(out)


@lru_cache(maxsize=32)
def _index(year: int) -> dict[date, int]:
    return {d: i for i, d in enumerate(working_days(year))}


def working_day_index(d: date) -> int:
    """0 for the first working day of d's year; d must be a working day."""
    return _index(d.year)[d]


def next_working_day(d: date) -> date:
    d += timedelta(days=1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    for _ in range(n):
        d = next_working_day(d)
    return d


@lru_cache(maxsize=32)
def _by_month(year: int) -> tuple[tuple[date, ...], ...]:
    days = [d for d in working_days(year) if d <= LAST_ACCEPTED]
    return tuple(tuple(d for d in days if d.month == m) for m in range(1, 13))


def random_accept_date(rng: random.Random) -> date:
    """A working day between 2019 and LAST_ACCEPTED, later years and spring months likelier."""
    year = rng.choices(list(YEAR_WEIGHTS), list(YEAR_WEIGHTS.values()))[0]
    months = _by_month(year)
    weights = [w if months[m] else 0.0 for m, w in enumerate(MONTH_WEIGHTS)]
    month = rng.choices(range(12), weights)[0]
    return rng.choice(months[month])


def cn_date(d: date) -> str:
    """2023年3月10日"""
    return f"{d.year}年{d.month}月{d.day}日"
