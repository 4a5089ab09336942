"""One clock: stored in UTC, shown in the archive's zone, named wherever the text leaves the system."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dangan.core import ConfigurationError, as_local, load_settings, local_text, zone_label

NOON_UTC = datetime(2026, 12, 7, 4, 0, 5, tzinfo=UTC)


def test_times_are_shown_in_beijing_time_by_default() -> None:
    assert local_text(NOON_UTC) == "2026-12-07 12:00:05"
    assert local_text(NOON_UTC, seconds=False, label=True) == "2026-12-07 12:00 北京时间"
    assert local_text(NOON_UTC.replace(tzinfo=None)) == "2026-12-07 12:00:05"  # SQLite's naive UTC
    assert as_local(NOON_UTC, "Asia/Urumqi").hour == 10 and zone_label("Europe/Berlin") == "Europe/Berlin"


def test_the_zone_is_a_setting_and_a_wrong_one_is_refused_in_chinese(tmp_path: Path) -> None:
    assert load_settings(tmp_path).timezone == "Asia/Shanghai"
    assert load_settings(tmp_path, timezone="UTC").timezone == "UTC"
    with pytest.raises(ConfigurationError, match="DANGAN_TIMEZONE：未知时区：Asia/Beijing"):
        load_settings(tmp_path, timezone="Asia/Beijing")
