"""Migrations and catalogue queries, on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

from sqlalchemy import inspect, select

from dangan.store import (
    Database,
    Department,
    allocate_item,
    downgrade,
    ensure_department,
    ensure_matter,
    upgrade,
)


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
