"""Migrations and catalogue queries, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, select

from dangan.store.catalog import (
    Database,
    Department,
    allocate_item,
    downgrade,
    ensure_department,
    ensure_matter,
    upgrade,
)

if TYPE_CHECKING:
    from dangan.services.archive import Archive


def test_migrations_up_down_up(db_url: str) -> None:
    upgrade(db_url)
    db = Database(db_url)
    tables = set(inspect(db.engine).get_table_names())
    assert {"record", "record_file", "series_counter", "app_user", "event", "search_doc", "fonds"} <= tables
    db.dispose()
    downgrade(db_url, "base")
    db = Database(db_url)
    assert "record" not in set(inspect(db.engine).get_table_names())
    db.dispose()
    upgrade(db_url)


def test_counter_is_gap_free_and_rolls_back(db_url: str) -> None:
    upgrade(db_url)
    db = Database(db_url)
    with db.write() as s:
        assert [allocate_item(s, "A") for _ in range(3)] == [1, 2, 3]
        assert allocate_item(s, "B") == 1
    try:
        with db.write() as s:
            assert allocate_item(s, "A") == 4
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with db.write() as s:
        assert allocate_item(s, "A") == 4
    db.dispose()


def test_departments_and_matters_are_created_once(db_url: str) -> None:
    upgrade(db_url)
    db = Database(db_url)
    with db.write() as s:
        d1 = ensure_department(s, "秦皇岛市市场监督管理局")
        m1 = ensure_matter(s, d1, "食品经营许可", None)
    with db.write() as s:
        d2 = ensure_department(s, "秦皇岛市市场监督管理局")
        m2 = ensure_matter(s, d2, "食品经营许可", "SCJG-001")
        assert (d1.id, m1.id) == (d2.id, m2.id)
        assert d2.org_code == "SCJG" and m2.code == "SCJG-001"
    with db.read() as s:
        assert len(s.scalars(select(Department)).all()) == 1
    db.dispose()


def test_catalogue_cache_is_forgotten_after_a_rolled_back_savepoint(db_url: str) -> None:
    """A department created inside a savepoint that rolls back must not be handed out afterwards."""
    from dangan.store.catalog import forget_catalog_cache

    upgrade(db_url)
    db = Database(db_url)
    with db.write() as s:
        kept = ensure_department(s, "市场监督管理局")
        assert ensure_department(s, "市场监督管理局") is kept  # the second look-up is the cached row
        nested = s.begin_nested()
        lost = ensure_department(s, "新设部门")
        ensure_matter(s, lost, "新事项", None)
        nested.rollback()
        forget_catalog_cache(s)
        again = ensure_department(s, "新设部门")  # created again, not the rolled-back row from the cache
        assert s.scalar(select(Department.id).where(Department.name == "新设部门")) == again.id
        matter = ensure_matter(s, again, "新事项", "X01")
        assert matter.department_id == again.id
    with db.read() as s:
        names = set(s.scalars(select(Department.name)))
    assert {"市场监督管理局", "新设部门"} <= names
    db.dispose()


def test_find_by_sources_returns_only_the_archived_keys(archive: Archive, tmp_path: Path) -> None:
    from dangan.services.intake import import_paths
    from dangan.store.catalog import find_by_sources
    from tests.factories import package_dir, rewrite_case_json

    a = package_dir(tmp_path / "in", 1)
    b = package_dir(tmp_path / "in", 2)
    rewrite_case_json(a, lambda d: d.update(source_id="SRC-A"))
    rewrite_case_json(b, lambda d: d.update(source_id="SRC-B"))
    report = import_paths(archive, [a, b], workers=1)
    assert len(report.accepted) == 2
    archived = {(o.source_system or "", o.source_id or "") for o in report.accepted}
    system = report.accepted[0].source_system or ""
    with archive.db.read() as s:
        found = find_by_sources(s, [*archived, (system, "SRC-C"), ("other", "SRC-A")])
        assert find_by_sources(s, []) == {}
    assert set(found) == archived
    assert {r.id for r in found.values()} == {o.record_id for o in report.accepted}
