"""Migration 0009 (利用申请 tables) goes up, down and up again on SQLite and PostgreSQL, and the tables it
creates are the ones the models in `dangan.store.catalog._utilization` use."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from dangan.store.catalog import UtilizationItem, UtilizationRequest, downgrade, upgrade


def _columns(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        return {t: {c["name"] for c in insp.get_columns(t)} for t in insp.get_table_names()}
    finally:
        engine.dispose()


def test_0009_up_down_up(db_url: str) -> None:
    upgrade(db_url, "0009")
    tables = _columns(db_url)
    for model in (UtilizationRequest, UtilizationItem):
        assert tables[model.__tablename__] == {c.name for c in model.__table__.columns}
    downgrade(db_url, "0008")
    tables = _columns(db_url)
    assert "utilization_request" not in tables and "utilization_item" not in tables
    assert "handover_batch" in tables and "record" in tables
    upgrade(db_url, "0009")
    engine = create_engine(db_url)
    try:
        indexes = {i["name"] for i in inspect(engine).get_indexes("utilization_request")}
        fks = inspect(engine).get_foreign_keys("utilization_item")
    finally:
        engine.dispose()
    assert "ix_utilization_request_expires_at" in indexes
    assert [fk["referred_table"] for fk in fks] == ["utilization_request"]
