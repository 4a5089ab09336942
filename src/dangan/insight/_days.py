"""Processing-time figures of a group of records: count, median working days, on-time rate.

Neither SQLite nor PostgreSQL can count working days against a holiday table without a calendar table
joined twice per row, and SQLite has no median: so the catalogue answers a compact histogram (records per
matter, acceptance date and decision date) and the figures are exact sums over it here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class DaysTally:
    """Records of one group by how many working days their decision took."""

    count: int = 0
    on_time: int = 0
    days: Counter[int] = field(default_factory=Counter)

    def add(self, working_days: int, n: int, limit: int) -> None:
        self.count += n
        self.days[working_days] += n
        if working_days <= limit:
            self.on_time += n

    def add_counts(self, working_days: int, n: int, on_time: int) -> None:
        """`n` records that took `working_days`, `on_time` of them within their matter's limit."""
        self.count += n
        self.days[working_days] += n
        self.on_time += on_time

    def merge(self, other: DaysTally) -> None:
        self.count += other.count
        self.on_time += other.on_time
        self.days.update(other.days)

    @property
    def median_days(self) -> float | None:
        """The median (the mean of the two middle values for an even count)."""
        if self.count == 0:
            return None
        lo, hi = (self.count - 1) // 2, self.count // 2
        seen, low_value = 0, None
        for value in sorted(self.days):
            seen += self.days[value]
            if low_value is None and seen > lo:
                low_value = value
            if seen > hi:
                return (low_value + value) / 2 if low_value is not None else float(value)
        raise AssertionError("unreachable: the counts add up to self.count")

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.count if self.count else None

    def share_within(self, days: int) -> float | None:
        return sum(n for d, n in self.days.items() if d <= days) / self.count if self.count else None
