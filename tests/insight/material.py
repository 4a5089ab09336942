"""Shared material of the statistics tests: an archive of generated cases plus a few made to sit on the
edges (a holiday week, an adjusted Saturday, refused and not-accepted results, an industry code written
without its section letter, enterprise registrations two years running), and the direct counts the
statistics must equal — read straight from the catalogue rows and counted here, day by day."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from dangan.demo import generate_cases, make_case, write_case
from dangan.domain import district_by_code, industry_by_code
from dangan.insight import china_calendar, result_kind
from dangan.services.archive import Archive

SCJG = "秦皇岛市市场监督管理局"
EDGE_CASES: list[dict[str, Any]] = [
    {"accepted_at": "2024-02-08", "decided_at": "2024-02-19", "result": "不予受理", "industry": None},
    {"accepted_at": "2019-10-11", "decided_at": "2019-10-14", "result": "不予许可", "industry": "6210"},
    *({"department": SCJG, "matter": {"code": "SCJG-DJ-001", "name": "企业设立登记"}, "industry": industry,
       "district": district, "accepted_at": f"{year}-05-06", "decided_at": f"{year}-05-{day}", "result": "准予许可",
       "security_level": "内部", "open_to_public": False}
      for year, day, industry, district in ((2023, 10, "H6210", "130302"), (2024, 10, "H6210", "130302"),
                                            (2024, 13, "F5221", "130303"), (2024, 14, "H6110", "130302"))),
]  # fmt: skip


def write_material(dest: Path, count: int, seed: int) -> None:
    for case in generate_cases(count, seed=seed):
        write_case(case, dest)
    for i, overrides in enumerate(EDGE_CASES):
        write_case(make_case(900 + i, **overrides), dest)


Row = dict[str, Any]


def catalogue_rows(archive: Archive) -> list[Row]:
    """Every record with the fields statistics group by, by plain SQL."""
    sql = text(
        "SELECT r.accepted_at, r.decided_at, d.name AS department, m.name AS matter, r.district, r.industry, "
        "r.result, r.security_rank, r.open_to_public FROM record r "
        "JOIN department d ON d.id = r.department_id JOIN matter m ON m.id = r.matter_id"
    )
    with archive.db.read() as s:
        rows = [dict(r._mapping) for r in s.execute(sql)]
    for r in rows:
        for k in ("accepted_at", "decided_at"):
            if isinstance(r[k], str):
                r[k] = date.fromisoformat(r[k])
    return rows


def _walk_days(accepted: date, decided: date) -> int:
    """Working days counted one by one (independent of the running index the statistics use)."""
    cal, n, day = china_calendar(), 0, accepted
    while day < decided:
        day += timedelta(days=1)
        n += cal.is_working_day(day)
    return n


def key_of(by: str, r: Row) -> str | None:
    if by in ("department", "matter"):
        return str(r[by])
    if by == "month":
        return f"{r['decided_at']:%Y-%m}"
    if by == "year":
        return str(r["decided_at"].year)
    if by == "district":
        return r["district"] if r["district"] and district_by_code(r["district"]) else None
    if by == "industry":
        found = industry_by_code(r["industry"]) if r["industry"] else None
        return found.section if found else None
    return result_kind(r["result"])


def direct(
    rows: list[Row], by: str, keep: Callable[[Row], bool], limit: int = 20
) -> dict[str | None, dict[str, Any]]:
    """The `rows` of a stats document as counted directly: key → count, median days, on-time rate."""
    days: dict[str | None, list[int]] = defaultdict(list)
    for r in rows:
        if keep(r):
            days[key_of(by, r)].append(_walk_days(r["accepted_at"], r["decided_at"]))
    return {k: {"count": len(v), "median_days": float(statistics.median(v)),
                "on_time_rate": sum(d <= limit for d in v) / len(v)} for k, v in days.items()}  # fmt: skip


def as_table(doc: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    out = {r["key"]: {k: r[k] for k in ("count", "median_days", "on_time_rate")} for r in doc["rows"]}
    assert len(out) == len(doc["rows"]), "a key appears twice"
    assert doc["total"] == sum(r["count"] for r in doc["rows"])
    return out


def counts(table: dict[str | None, dict[str, Any]]) -> Counter[str | None]:
    return Counter({k: v["count"] for k, v in table.items()})
