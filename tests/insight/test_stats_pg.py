"""The same statistics on PostgreSQL: every dimension equals the direct counts, for an archivist and a
clerk (the GROUP BY, date filters and access policy compile differently there)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel, industry_by_code
from dangan.insight import DIMENSIONS, StatsFilter, _engine, _snapshot, forget_snapshots, stats
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from tests.insight.material import SCJG, Row, as_table, catalogue_rows, direct, write_material


@pytest.fixture(params=["catalogue", "snapshot"])
def engine(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both counting paths: the catalogue alone, and the DuckDB snapshot built from PostgreSQL (no
    settle delay, so the just-ingested rows go into it)."""
    forget_snapshots()
    if request.param == "snapshot":
        monkeypatch.setattr(_engine, "SNAPSHOT_MIN_RECORDS", 0)
        monkeypatch.setattr(_snapshot, "SERVER_SETTLE", timedelta(0))
    return str(request.param)


@pytest.mark.postgres
def test_every_dimension_on_postgresql(tmp_path: Path, pg_server: str, engine: str) -> None:
    from tests.pg import create_database

    write_material(tmp_path / "in", 40, seed=11)
    arc = open_archive(load_settings(tmp_path / "data", database_url=create_database(pg_server)))
    try:
        assert not import_paths(arc, [tmp_path / "in"]).rejected
        rows = catalogue_rows(arc)
        assert len(rows) == 46
        keeper = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
        clerk = Principal("clerk", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL)

        def his(r: Row) -> bool:
            return bool(r["department"] == SCJG and r["security_rank"] <= SecurityLevel.INTERNAL.rank)

        for by in DIMENSIONS:
            assert as_table(stats(arc, keeper, by).as_json()) == direct(rows, by, lambda r: True), by
            assert as_table(stats(arc, clerk, by).as_json()) == direct(rows, by, his), by
        f = StatsFilter(date_from=rows[0]["decided_at"], district="130300", industry="H")

        def inside(r: Row) -> bool:
            found = industry_by_code(r["industry"]) if r["industry"] else None
            return bool(r["decided_at"] >= rows[0]["decided_at"] and (r["district"] or "").startswith("1303")
                        and found is not None and found.section == "H")  # fmt: skip

        assert as_table(stats(arc, keeper, "year", f).as_json()) == direct(rows, "year", inside)
        if engine == "snapshot":
            assert next(iter(_snapshot._registry.values())).mark > 0  # counted in DuckDB
    finally:
        forget_snapshots()
        arc.close()
