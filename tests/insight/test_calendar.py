"""Working days against China's holiday calendar, the median and on-time figures, the limits setting."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.core import ConfigurationError
from dangan.insight import (
    DEFAULT_LIMIT_DAYS,
    DaysTally,
    WorkCalendar,
    china_calendar,
    limits_from_settings,
    result_kind,
)


def test_a_holiday_week_does_not_count() -> None:
    cal = china_calendar()
    # 春节 2024: 10–17 February off, Sunday 4 and Sunday 18 February worked (调休)
    assert not any(cal.is_working_day(date(2024, 2, d)) for d in range(10, 18))
    assert cal.is_working_day(date(2024, 2, 4)) and cal.is_working_day(date(2024, 2, 18))
    assert cal.working_days(date(2024, 2, 8), date(2024, 2, 19)) == 3  # 9, 18 (Sunday worked), 19
    # 国庆 2019: 1–7 October off
    assert cal.working_days(date(2019, 9, 30), date(2019, 10, 8)) == 1


def test_an_adjusted_saturday_counts() -> None:
    cal = china_calendar()
    assert cal.is_working_day(date(2019, 10, 12))  # Saturday worked after 国庆 2019
    assert not cal.is_working_day(date(2019, 10, 19))  # an ordinary Saturday
    assert cal.working_days(date(2019, 10, 11), date(2019, 10, 14)) == 2
    assert cal.add_working_days(date(2019, 10, 11), 1) == date(2019, 10, 12)


def test_counting_starts_the_day_after_acceptance() -> None:
    cal = china_calendar()
    assert cal.working_days(date(2023, 3, 1), date(2023, 3, 1)) == 0
    assert cal.working_days(date(2023, 3, 3), date(2023, 3, 6)) == 1  # Friday → Monday
    assert cal.working_days(date(2023, 3, 6), date(2023, 3, 3)) == -1


def test_outside_the_table_only_weekends_rest() -> None:
    plain = WorkCalendar(frozenset(), frozenset())
    assert plain.working_days(date(2045, 1, 6), date(2045, 1, 16)) == 6  # Friday → Monday week after next
    assert plain.working_days(date(1999, 12, 24), date(2000, 1, 3)) == 6


def test_2027_holds_its_statutory_days() -> None:
    cal = china_calendar()
    assert not cal.is_working_day(date(2027, 2, 8))  # 春节 (正月初三), a Monday
    assert not cal.is_working_day(date(2027, 10, 1))


def test_median_and_on_time_rate() -> None:
    t = DaysTally()
    for days in (1, 2, 30, 4):
        t.add(days, 1, DEFAULT_LIMIT_DAYS)
    assert t.median_days == 3.0 and t.on_time_rate == 0.75
    t.add(2, 3, DEFAULT_LIMIT_DAYS)
    assert t.count == 7 and t.median_days == 2.0
    assert DaysTally().median_days is None and DaysTally().on_time_rate is None


def test_limits_come_from_the_matter_table() -> None:
    matters = {"食品经营许可": {"limit_days": 10, "required": ["申请书"]}, "医师执业注册": {"required": []}}
    assert limits_from_settings(matters) == {"食品经营许可": 10}
    with pytest.raises(ConfigurationError, match="办结时限"):
        limits_from_settings({"食品经营许可": {"limit_days": "十天"}})


@pytest.mark.parametrize(
    ("result", "kind"),
    [
        ("准予许可", "准予"),
        ("准予延续", "准予"),
        ("不予许可", "不予"),
        ("不予受理", "不予受理"),
        ("驳回申请", "不予"),
    ],
)
def test_result_kinds(result: str, kind: str) -> None:
    assert result_kind(result) == kind
