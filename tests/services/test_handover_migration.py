"""Migration 0008 (handover tables) goes up, down and up again on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from dangan.store.catalog import downgrade, upgrade


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0008_up_down_up(db_url: str) -> None:
    upgrade(db_url, "0008")
    assert {"handover_batch", "handover_item"} <= _tables(db_url)
    downgrade(db_url, "0007")
    tables = _tables(db_url)
    assert "handover_batch" not in tables and "handover_item" not in tables and "record" in tables
    upgrade(db_url)
    engine = create_engine(db_url)
    try:
        uniques = inspect(engine).get_unique_constraints("handover_item")
        indexes = inspect(engine).get_indexes("handover_item")
    finally:
        engine.dispose()
    unique_cols = [u["column_names"] for u in uniques] + [i["column_names"] for i in indexes if i["unique"]]
    assert ["open_record_id"] in unique_cols
