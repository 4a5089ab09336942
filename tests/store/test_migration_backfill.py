"""Migration 0002 classifies records that were archived before it existed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from dangan.store.catalog import Database, downgrade, upgrade


def test_category_is_backfilled(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url, "0001")
    db = Database(db_url)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO fonds (code, name) VALUES ('Z001', '档案馆')"))
        conn.execute(
            text("INSERT INTO department (id, name, org_code) VALUES (1, '秦皇岛市市场监督管理局', 'SCJG')")
        )
        conn.execute(text("INSERT INTO matter (id, department_id, name) VALUES (1, 1, '食品经营许可')"))
        conn.execute(
            text(
                "INSERT INTO record (seq, id, fonds_code, archival_code, series_key, item_no, source_system, source_id,"
                " fingerprint, title, department_id, matter_id, applicant_name, industry, accepted_at, decided_at,"
                " year, result, retention, security_level, security_rank, open_to_public, extra, document, created_at)"
                " VALUES (1, 'R1', 'Z001', 'Z001-2023-D30-SCJG-0001', 's', 1, 'a', 'b', 'f', 't', 1, 1, '某公司',"
                " 'H6210', '2023-01-02', '2023-01-05', 2023, '准予许可', '30年', '内部', 1, false, '{}', '{}',"
                " '2023-01-05 00:00:00')"
            )
        )
    db.dispose()
    upgrade(db_url)
    db = Database(db_url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT category FROM record WHERE seq = 1")).scalar_one() == "XK-H"
    db.dispose()
    downgrade(db_url, "0001")
