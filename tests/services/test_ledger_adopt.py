"""An archive from before the log: its events and records are adopted once, then verified like the rest."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from dangan.core import load_settings
from dangan.ledger import adoption_marks
from dangan.services.archive import make_checkpoint, open_archive
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Database, upgrade

_RECORD = (
    "INSERT INTO record (seq, id, fonds_code, archival_code, series_key, item_no, source_system, source_id,"
    " fingerprint, title, department_id, matter_id, applicant_name, industry, accepted_at, decided_at,"
    " year, result, retention, security_level, security_rank, open_to_public, extra, document, created_at,"
    " category) VALUES (1, 'R1', 'Z001', 'Z001-2023-D30-SCJG-0001', 's', 1, 'a', 'b', 'f', '旧档案', 1, 1,"
    " '某公司', 'H6210', '2023-01-02', '2023-01-05', 2023, '准予许可', '30年', '内部', 1, false, '{}', '{}',"
    " '2023-01-05 00:00:00', 'XK-H')"
)


def _old_archive(db_url: str) -> None:
    upgrade(db_url, "0002")
    db = Database(db_url)
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO fonds (code, name) VALUES ('Z001', '档案馆')"))
        conn.execute(
            text("INSERT INTO department (id, name, org_code) VALUES (1, '秦皇岛市市场监督管理局', 'SCJG')")
        )
        conn.execute(text("INSERT INTO matter (id, department_id, name) VALUES (1, 1, '食品经营许可')"))
        conn.execute(text(_RECORD))
        conn.execute(
            text(
                "INSERT INTO record_file (id, record_seq, position, path, role, sha256, size, media_type)"
                " VALUES (1, 1, 0, '决定书.pdf', '决定书', :h, 10, 'application/pdf')"
            ),
            {"h": "ab" * 32},
        )
        for kind, actor, rid in (
            ("ingest", "system", "R1"),
            ("login", "lihua", None),
            ("view", "lihua", "R1"),
        ):
            conn.execute(
                text("INSERT INTO event (at, kind, actor, record_id, detail) VALUES (:at, :k, :a, :r, '{}')"),
                {"at": "2023-01-05 00:00:00", "k": kind, "a": actor, "r": rid},
            )
    db.dispose()


def test_old_events_and_records_are_adopted_once(db_url: str, tmp_path: Path) -> None:
    _old_archive(db_url)
    archive = open_archive(load_settings(tmp_path / "data", database_url=db_url))
    try:
        with archive.db.read() as s:
            assert adoption_marks(s.connection()) == (4, 2)
        cp = make_checkpoint(archive)
        assert cp.tree_size == 4  # three events + one record adoption entry
        with archive.db.read() as s:
            assert adoption_marks(s.connection()) == (0, 0)
            kinds = s.execute(text("SELECT kind FROM ledger_entry ORDER BY leaf_index")).scalars().all()
        assert kinds == ["ingest", "login", "view", "ledger_adopt"]
        assert make_checkpoint(archive).tree_size == 4  # nothing adopted twice
        report = verify_ledger(archive, objects=False)
        assert report.ok, report.problems

        with archive.db.write() as s:  # later rows written around the log are not adopted, but named
            s.execute(text("UPDATE record SET title = '改过' WHERE id = 'R1'"))
            s.execute(
                text("INSERT INTO event (at, kind, actor, detail) VALUES (:at, 'login', 'ghost', '{}')"),
                {"at": "2026-01-01 00:00:00"},
            )
        found = {(p.kind, p.where) for p in verify_ledger(archive, objects=False).problems}
        assert ("record_mismatch", "record:R1.title") in found
        assert any(kind == "event_unlogged" for kind, _ in found)
    finally:
        archive.close()
