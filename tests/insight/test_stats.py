"""Every statistic equals a direct count over the catalogue, for every dimension, filter and role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dangan.access import Principal, Role
from dangan.core import ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.insight import DIMENSIONS, StatsFilter, enterprise_registrations, policy_effect, stats
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.insight.material import SCJG, Row, as_table, catalogue_rows, direct, write_material

KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
CLERK = Principal("clerk", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL)
ADMIN = Principal("admin", Role.SYSADMIN, clearance=SecurityLevel.CONFIDENTIAL)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("insight")
    write_material(root / "in", 150, seed=31)
    arc = open_archive(load_settings(root / "data"))
    try:
        report = import_paths(arc, [root / "in"])
        assert not report.rejected, [o.problems for o in report.rejected][:3]
    finally:
        arc.close()
    return root / "data"


@pytest.fixture
def arc(data_dir: Path) -> Iterator[Archive]:
    a = open_archive(load_settings(data_dir))
    try:
        yield a
    finally:
        a.close()


@pytest.mark.parametrize("by", DIMENSIONS)
def test_every_dimension_equals_direct_counts(arc: Archive, by: str) -> None:
    rows = catalogue_rows(arc)
    got = as_table(stats(arc, KEEPER, by).as_json())
    assert got == direct(rows, by, lambda r: True)
    assert sum(v["count"] for v in got.values()) == len(rows) == 156


def test_a_clerk_counts_only_his_departments_readable_records(arc: Archive) -> None:
    rows = catalogue_rows(arc)

    def his(r: Row) -> bool:
        return bool(r["department"] == SCJG and r["security_rank"] <= SecurityLevel.INTERNAL.rank)

    for by in ("matter", "result", "month"):
        assert as_table(stats(arc, CLERK, by).as_json()) == direct(rows, by, his)
    assert 0 < stats(arc, CLERK, "department").total < sum(r["department"] == SCJG for r in rows)


def test_the_public_and_the_three_administrators(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    public = Principal("anonymous", Role.PUBLIC)
    open_ = direct(rows, "year", lambda r: bool(r["open_to_public"]) and r["security_rank"] == 0)
    assert as_table(stats(arc, public, "year").as_json()) == open_
    assert stats(arc, ADMIN, "department").as_json() == {"by": "department", "total": 0, "rows": []}


def test_filters_equal_direct_counts(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    start, end = date(2021, 3, 1), date(2023, 8, 31)
    cases = [
        (StatsFilter(date_from=start, date_to=end), lambda r: start <= r["decided_at"] <= end),
        (StatsFilter(department=SCJG), lambda r: r["department"] == SCJG),
        (StatsFilter(matter="企业设立登记"), lambda r: r["matter"] == "企业设立登记"),
        (StatsFilter(matter="SCJG-DJ-001"), lambda r: r["matter"] == "企业设立登记"),
        (StatsFilter(district="130300"), lambda r: (r["district"] or "").startswith("1303")),
        (StatsFilter(district="130302"), lambda r: r["district"] == "130302"),
        (StatsFilter(industry="H"), lambda r: (r["industry"] or "") in {"6210"} or (r["industry"] or "").startswith("H")),
        (StatsFilter(industry="H62"), lambda r: (r["industry"] or "").removeprefix("H").startswith("62")),
    ]  # fmt: skip
    for f, keep in cases:
        want = direct(rows, "department", keep)
        assert want, f
        assert as_table(stats(arc, KEEPER, "department", f).as_json()) == want, f


@pytest.mark.parametrize(
    ("f", "code"),
    [
        (StatsFilter(date_from=date(2024, 2, 1), date_to=date(2024, 1, 1)), "dates_out_of_order"),
        (StatsFilter(department="不存在的局"), "unknown_department"),
        (StatsFilter(matter="不存在的事项"), "unknown_matter"),
        (StatsFilter(district="139999"), "unknown_district"),
        (StatsFilter(industry="Z99"), "unknown_industry"),
    ],
)
def test_bad_filters_are_refused(arc: Archive, f: StatsFilter, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        stats(arc, KEEPER, "department", f)
    assert caught.value.code == code


def test_unknown_dimension_is_refused(arc: Archive) -> None:
    with pytest.raises(ValidationFailed, match="未知的统计维度"):
        stats(arc, KEEPER, "weekday")


def test_enterprise_registrations_by_section_and_district_with_growth(arc: Archive) -> None:
    doc = enterprise_registrations(arc, KEEPER)
    assert doc["total"] == 4
    sections = {(r["year"], r["key"]): r for r in doc["by_section"]}
    assert sections[(2023, "H")]["count"] == 1
    assert sections[(2024, "H")]["count"] == 2 and sections[(2024, "H")]["yoy_growth"] == 1.0
    assert sections[(2024, "F")]["yoy_growth"] is None  # nothing a year earlier to grow from
    districts = {(r["year"], r["key"]): r["count"] for r in doc["by_district"]}
    assert districts == {(2023, "130302"): 1, (2024, "130302"): 2, (2024, "130303"): 1}
    assert enterprise_registrations(arc, CLERK)["total"] == 4  # his department's 内部 records


def test_policy_effect_compares_with_the_same_period_a_year_earlier(arc: Archive) -> None:
    doc = policy_effect(arc, KEEPER, date(2024, 5, 12), StatsFilter(matter="企业设立登记"), window_days=30)
    assert doc["before"]["count"] == 1 and doc["after"]["count"] == 2
    assert doc["reference_before"]["count"] == 1 and doc["reference_after"]["count"] == 0
    assert doc["volume_change"] == 1.0 and doc["reference_volume_change"] == -1.0
    # accepted Mon 6 May 2024, decided 13 and 14 May: 6 and 7 working days, Saturday 11 May (调休) counted
    assert doc["after"]["median_days"] == 6.5
