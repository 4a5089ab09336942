"""One clock for the whole system, so tests and reports agree on what "now" is — and one way to show it.

Everything is stored in UTC. Whatever a person reads (pages, watermarks, certificates, exports) is shown
in the archive's time zone (`DANGAN_TIMEZONE`, default Asia/Shanghai) and, where the text may leave the
system, says which zone it is.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BEIJING = "Asia/Shanghai"  # 北京时间: Chinese official time, and the zone stated dates of China are in
DEFAULT_ZONE = BEIJING
_ZONE_LABELS = {"Asia/Shanghai": "北京时间", "Asia/Urumqi": "乌鲁木齐时间", "Asia/Hong_Kong": "香港时间",
                "Asia/Macau": "澳门时间", "Asia/Taipei": "台北时间", "UTC": "UTC", "Etc/UTC": "UTC"}  # fmt: skip


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=8)
def archive_zone(name: str) -> ZoneInfo:
    """The zone named; ValueError with a Chinese message for a name the time-zone database lacks."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"未知时区：{name}（应为 IANA 时区名，如 Asia/Shanghai）") from None


def zone_label(name: str) -> str:
    """'北京时间' for Asia/Shanghai; other zones by their IANA name."""
    return _ZONE_LABELS.get(name, name)


def as_local(value: datetime, name: str = DEFAULT_ZONE) -> datetime:
    """A stored time (naive means UTC, as SQLite hands it back) in the archive's zone."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(archive_zone(name))


def local_text(
    value: datetime, name: str = DEFAULT_ZONE, *, seconds: bool = True, label: bool = False
) -> str:
    """'2026-12-07 12:03:00' in the archive's zone; with `label`, '… 北京时间'."""
    text = as_local(value, name).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return f"{text} {zone_label(name)}" if label else text
