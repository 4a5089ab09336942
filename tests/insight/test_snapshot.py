"""The DuckDB snapshot path gives the very numbers of a direct count: for every dimension, filter and kind
of reader (department, shares, grants, the public), while new records arrive after the snapshot was taken,
after it catches up, after it is reloaded from its file, and after the catalogue is replaced under it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from dangan.access import Principal, Role
from dangan.access.policy import SHARE_FREE, Grant, Share
from dangan.core import load_settings
from dangan.demo import make_case, write_case
from dangan.domain import SecurityLevel
from dangan.insight import DIMENSIONS, StatsFilter, _engine, _snapshot, enterprise_registrations, stats
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Department, Record
from tests.insight.material import SCJG, as_table, catalogue_rows, direct, write_material

KEEPER = Principal("keeper", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)
CLERK = Principal("clerk", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL)
PUBLIC = Principal("anonymous", Role.PUBLIC)


@pytest.fixture
def snapshot_always(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Force the snapshot path in an archive of a few dozen records (its threshold is 20,000)."""
    monkeypatch.setattr(_engine, "SNAPSHOT_MIN_RECORDS", 0)
    monkeypatch.setattr(_engine, "SNAPSHOT_CATCH_UP", 1_000_000)  # new records stay in the catalogue
    _snapshot.forget_snapshots()
    yield
    _snapshot.forget_snapshots()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("snapshot")
    write_material(root / "in", 40, seed=47)
    arc = open_archive(load_settings(root / "data"))
    try:
        report = import_paths(arc, [root / "in"])
        assert not report.rejected
    finally:
        arc.close()
    return root / "data"


@pytest.fixture
def arc(data_dir: Path, snapshot_always: None) -> Iterator[Archive]:
    a = open_archive(load_settings(data_dir))
    try:
        yield a
    finally:
        a.close()


def _add_cases(arc: Archive, root: Path, seeds: range) -> None:
    for seed in seeds:
        write_case(make_case(seed, accepted_at="2024-09-27", decided_at="2024-10-09", department=SCJG,
                             security_level="内部", open_to_public=False), root)  # fmt: skip
    report = import_paths(arc, [root])
    assert not report.rejected and len(report.accepted) == len(seeds)


def _snap(arc: Archive) -> _snapshot.Snapshot:
    return next(iter(_snapshot._registry.values()))


def test_every_dimension_and_reader_equals_direct_counts(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    for by in DIMENSIONS:
        assert as_table(stats(arc, KEEPER, by).as_json()) == direct(rows, by, lambda r: True)
    assert _snap(arc).mark > 0  # the numbers above came from the snapshot

    def his(r: dict[str, object]) -> bool:
        return r["department"] == SCJG and int(str(r["security_rank"])) <= SecurityLevel.INTERNAL.rank

    for by in ("matter", "result", "month"):
        assert as_table(stats(arc, CLERK, by).as_json()) == direct(rows, by, his)
    open_ = direct(rows, "year", lambda r: bool(r["open_to_public"]) and r["security_rank"] == 0)
    assert as_table(stats(arc, PUBLIC, "year").as_json()) == open_


def test_filters_translate_exactly(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    start, end = date(2021, 3, 1), date(2023, 8, 31)
    cases = [
        (StatsFilter(date_from=start, date_to=end), lambda r: start <= r["decided_at"] <= end),
        (StatsFilter(department=SCJG), lambda r: r["department"] == SCJG),
        (StatsFilter(matter="企业设立登记"), lambda r: r["matter"] == "企业设立登记"),
        (StatsFilter(district="130302"), lambda r: (r["district"] or "").startswith("130302")),
        (StatsFilter(industry="H"), lambda r: (r["industry"] or "").lstrip("H")[:2] in ("61", "62")),
    ]
    for f, keep in cases:
        assert as_table(stats(arc, KEEPER, "matter", f).as_json()) == direct(rows, "matter", keep), f


def test_shares_and_grants_reach_the_snapshot(arc: Archive) -> None:
    rows = catalogue_rows(arc)
    with arc.db.read() as s:
        other_name, other_id = next(
            (n, i) for i, n in s.execute(select(Department.id, Department.name)) if n != SCJG
        )
        lent = s.scalars(select(Record.id).where(Record.department_id != other_id,
                                                 Record.security_rank <= 1).limit(3)).all()  # fmt: skip
        lent_depts = s.execute(
            select(Department.name).join(Record, Record.department_id == Department.id)
            .where(Record.id.in_(lent))
        ).scalars().all()  # fmt: skip
    clerk = Principal("c2", Role.CLERK, department=SCJG, clearance=SecurityLevel.INTERNAL,
                      shares=(Share(other_id, None, None, SHARE_FREE),))  # fmt: skip
    within = SecurityLevel.INTERNAL.rank
    mine_or_shared = direct(rows, "department", lambda r: r["department"] in (SCJG, other_name)
                            and r["security_rank"] <= within)  # fmt: skip
    assert as_table(stats(arc, clerk, "department").as_json()) == mine_or_shared
    reader = Principal("r", Role.READER, clearance=SecurityLevel.INTERNAL,
                       grants=tuple(Grant("q", rid, False, False, datetime(2099, 1, 1, tzinfo=UTC)) for rid in lent))  # fmt: skip
    opened = stats(arc, reader, "department")
    public = stats(arc, PUBLIC, "department")
    assert opened.total >= public.total and opened.total <= public.total + len(lent)
    assert set(lent_depts) <= {r.key for r in opened.rows}


def test_new_records_are_counted_before_and_after_the_snapshot_takes_them(
    arc: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = stats(arc, KEEPER, "month")
    mark = _snap(arc).mark
    _add_cases(arc, tmp_path / "more", range(7100, 7104))
    rows = catalogue_rows(arc)
    fresh = stats(arc, KEEPER, "month")  # snapshot (unchanged) + 4 records from the catalogue
    assert _snap(arc).mark == mark
    assert fresh.total == before.total + 4
    assert as_table(fresh.as_json()) == direct(rows, "month", lambda r: True)
    assert as_table(stats(arc, CLERK, "result").as_json()) == direct(
        rows, "result", lambda r: r["department"] == SCJG and r["security_rank"] <= 1
    )
    monkeypatch.setattr(_engine, "SNAPSHOT_CATCH_UP", 1)
    caught_up = stats(arc, KEEPER, "month")
    assert _snap(arc).mark > mark
    assert as_table(caught_up.as_json()) == as_table(fresh.as_json())
    doc = enterprise_registrations(arc, KEEPER)
    with arc.db.read() as s:
        direct_n = s.scalar(text("SELECT count(*) FROM record r JOIN matter m ON m.id = r.matter_id "
                                 "WHERE m.name = '企业设立登记'"))  # fmt: skip
    assert doc["total"] == direct_n


def test_the_saved_copy_is_reloaded_and_a_replaced_catalogue_rebuilds_it(arc: Archive) -> None:
    first = stats(arc, KEEPER, "department").as_json()
    _snapshot.forget_snapshots()
    path = _snapshot.snapshot_path(arc)
    assert path.exists()
    assert stats(arc, KEEPER, "department").as_json() == first  # loaded from the file
    snap = _snap(arc)
    snap.mark_id = "not-the-catalogue's"  # as if the catalogue were restored from an older backup
    assert stats(arc, KEEPER, "department").as_json() == first
    assert _snap(arc) is not snap and _snap(arc).mark_id != "not-the-catalogue's"
