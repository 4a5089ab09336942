"""The dashboard's panels beyond plain `stats`: outcome shares, top matters, processing times per matter,
enterprise registrations by industry and district with year-on-year growth, and a policy's effect.

All of them count through `tally` or the same filters and access policy, so each number can be checked
against a direct count over the catalogue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from dangan.access import Principal, record_filter
from dangan.core import Problem, ValidationFailed
from dangan.services.archive import Archive
from dangan.store.catalog import Matter, Record

from ._days import DaysTally
from ._engine import counting, grouped_counts, stored_industries
from ._filters import NO_FILTER, StatsFilter, filter_choices, resolve
from ._limits import limit_for, limits_from_settings
from ._stats import StatsResult, _district_key, _industry_key, stats, tally

# 企业设立登记 under the names registration systems use for it.
MAX_WINDOW_DAYS = 3650
ENTERPRISE_MATTERS = ("企业设立登记", "公司设立登记", "企业开办登记")


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def results_ratio(archive: Archive, user: Principal, f: StatsFilter = NO_FILTER) -> dict[str, Any]:
    result = stats(archive, user, "result", f)
    return {"total": result.total,
            "rows": [{**r.as_json(), "share": _share(r.tally.count, result.total)} for r in result.rows]}  # fmt: skip


def top_matters(archive: Archive, user: Principal, f: StatsFilter = NO_FILTER, n: int = 10) -> StatsResult:
    result = stats(archive, user, "matter", f)
    return StatsResult(result.by, result.rows[:n])


def processing_times(archive: Archive, user: Principal, f: StatsFilter = NO_FILTER) -> dict[str, Any]:
    """Per matter: limit, median working days, on-time rate; and the distribution of all records."""
    limits = limits_from_settings(archive.settings.matters)
    result = stats(archive, user, "matter", f)
    overall = DaysTally()
    for r in result.rows:
        overall.merge(r.tally)
    rows = [{**r.as_json(), "limit_days": limit_for(limits, r.label)} for r in result.rows]
    rows.sort(key=lambda r: (-(r["median_days"] or 0), r["label"]))
    return {"total": overall.count, "median_days": overall.median_days, "on_time_rate": overall.on_time_rate,
            "distribution": [{"days": d, "count": overall.days[d]} for d in sorted(overall.days)],
            "matters": rows}  # fmt: skip


def _growth(counts: dict[tuple[str | None, str, int], int]) -> list[dict[str, Any]]:
    out = []
    for (key, label, year), n in sorted(counts.items(), key=lambda kv: (kv[0][2], kv[0][0] or "")):
        prev = counts.get((key, label, year - 1))
        growth = (n - prev) / prev if prev else None
        out.append(
            {"year": year, "key": key, "label": label, "count": n, "previous": prev, "yoy_growth": growth}
        )
    return out


def enterprise_registrations(
    archive: Archive,
    user: Principal,
    f: StatsFilter = NO_FILTER,
    matters: Sequence[str] = ENTERPRISE_MATTERS,
) -> dict[str, Any]:
    """Enterprises registered per year by GB/T 4754 section and by district, with year-on-year growth."""
    by_section: dict[tuple[str | None, str, int], int] = {}
    by_district: dict[tuple[str | None, str, int], int] = {}
    with archive.db.read() as session, counting(archive, session) as snap:
        ids = list(session.scalars(select(Matter.id).where(Matter.name.in_(list(matters)))))
        industries = stored_industries(session, snap)
        where = [record_filter(user), *resolve(session, f, industries), Record.matter_id.in_(ids)]
        for column, target, key_of in ((Record.industry, by_section, _industry_key),
                                       (Record.district, by_district, _district_key)):  # fmt: skip
            for (year, value), n in grouped_counts(session, snap, [Record.year, column], where).items():
                key, label = key_of(value)
                target[(key, label, year)] = target.get((key, label, year), 0) + n
    return {"matters": list(matters), "total": sum(by_section.values()),
            "by_section": _growth(by_section), "by_district": _growth(by_district)}  # fmt: skip


def _period(archive: Archive, user: Principal, f: StatsFilter, start: date, end: date) -> dict[str, Any]:
    tallies = tally(archive, user, "year", replace(f, date_from=start, date_to=end))
    total = DaysTally()
    for t in tallies.values():
        total.merge(t)
    return {"from": start.isoformat(), "to": end.isoformat(), "count": total.count,
            "median_days": total.median_days, "on_time_rate": total.on_time_rate}  # fmt: skip


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _change(after: int, before: int) -> float | None:
    return (after - before) / before if before else None


def policy_effect(
    archive: Archive, user: Principal, pivot: date, f: StatsFilter = NO_FILTER, window_days: int = 90
) -> dict[str, Any]:
    """Volume and processing time in the `window_days` before and from `pivot`, for the matter or industry
    of `f`, beside the same two periods a year earlier (what the season alone would have done)."""
    if not 1 <= window_days <= MAX_WINDOW_DAYS or not date(3, 1, 1) <= pivot <= date(9000, 1, 1):
        message = f"比较的时段长度应为 1 至 {MAX_WINDOW_DAYS} 天，实施日期应在公元 3 年至 9000 年之间"
        raise ValidationFailed(
            message, code="bad_window", problems=[Problem("bad_window", message, "window")]
        )
    with archive.db.read() as session:
        resolve(session, f)  # unknown codes are refused before anything is counted
    span = timedelta(days=window_days)
    base = replace(f, date_from=None, date_to=None)
    before = _period(archive, user, base, pivot - span, pivot - timedelta(days=1))
    after = _period(archive, user, base, pivot, pivot + span - timedelta(days=1))
    earlier = _year_earlier(pivot)
    ref_before = _period(archive, user, base, earlier - span, earlier - timedelta(days=1))
    ref_after = _period(archive, user, base, earlier, earlier + span - timedelta(days=1))
    return {
        "pivot": pivot.isoformat(), "window_days": window_days, "matter": f.matter, "industry": f.industry,
        "before": before, "after": after, "reference_before": ref_before, "reference_after": ref_after,
        "volume_change": _change(after["count"], before["count"]),
        "reference_volume_change": _change(ref_after["count"], ref_before["count"]),
    }  # fmt: skip


def dashboard(archive: Archive, user: Principal, f: StatsFilter = NO_FILTER) -> dict[str, Any]:
    """Every panel of the overview page under one set of filters."""
    return {
        "by_department": stats(archive, user, "department", f).as_json(),
        "by_month": stats(archive, user, "month", f).as_json(),
        "results": results_ratio(archive, user, f),
        "processing": processing_times(archive, user, f),
        "by_district": stats(archive, user, "district", f).as_json(),
        "by_industry": stats(archive, user, "industry", f).as_json(),
        "enterprises": enterprise_registrations(archive, user, f),
    }


def filter_options(archive: Archive) -> dict[str, list[str]]:
    """What the filter lists of the dashboard offer."""
    with archive.db.read() as session:
        return filter_choices(session)
