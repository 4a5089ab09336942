"""Statutory time limits (法定办结时限) per matter, in working days, for the on-time rate.

行政许可法 art. 42 gives 20 days for a decision unless a law sets another limit, and art. 82 counts them
as working days: so 20 working days is the default. A matter's own limit comes from `dangan.toml`
(`[matters."食品经营许可"] limit_days = 15`), the same table that holds its required materials, so one
place says everything about a matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dangan.core import ConfigurationError

DEFAULT_LIMIT_DAYS = 20
LIMIT_KEY = "limit_days"


def limits_from_settings(matters: Mapping[str, Any]) -> dict[str, int]:
    """Matter name → limit for every matter the settings give one; a bad value is a clear error."""
    out: dict[str, int] = {}
    for name, entry in matters.items():
        if not isinstance(entry, Mapping) or LIMIT_KEY not in entry:
            continue
        value = entry[LIMIT_KEY]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigurationError(f"审批事项“{name}”的办结时限 {LIMIT_KEY} 应为不小于 0 的整数（工作日）")
        out[str(name)] = value
    return out


def limit_for(limits: Mapping[str, int], matter: str) -> int:
    return limits.get(matter, DEFAULT_LIMIT_DAYS)
