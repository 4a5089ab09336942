"""Verification names every kind of tampering: catalogue row, stored file, log entry, event, checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from dangan.core import load_settings
from dangan.services.archive import Archive, LedgerError, log_access, make_checkpoint, open_archive
from dangan.services.intake import import_paths
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Record
from tests.factories import package_dir
from tests.helpers import accepted_ids, json_of, run_dangan


def _kinds(report: Any) -> set[tuple[str, str]]:
    return {(p.kind, p.where) for p in report.problems}


def _import(archive: Archive, tmp_path: Path, seeds: range) -> list[str]:
    report = import_paths(archive, [package_dir(tmp_path / "in", s) for s in seeds])
    assert not report.rejected
    return accepted_ids(report)


def test_an_untouched_archive_verifies(any_archive: Archive, tmp_path: Path) -> None:
    ids = _import(any_archive, tmp_path, range(3))
    make_checkpoint(any_archive)
    log_access(any_archive, "someone", "view", ids[0])
    make_checkpoint(any_archive)
    report = verify_ledger(any_archive)
    assert report.ok, report.problems
    assert report.size == 4 and report.checkpoints == 2


def test_each_edit_is_named(any_archive: Archive, tmp_path: Path) -> None:
    ids = _import(any_archive, tmp_path, range(3))
    make_checkpoint(any_archive)
    with any_archive.db.write() as s:
        s.execute(text("UPDATE record SET title = '篡改后的题名' WHERE id = :i"), {"i": ids[1]})
        s.execute(
            text("UPDATE ledger_entry SET body = :b WHERE leaf_index = 2"),
            {"b": s.execute(text("SELECT body FROM ledger_entry WHERE leaf_index = 2")).scalar_one() + b" "},
        )
        s.execute(text("UPDATE event SET actor = 'mallory' WHERE id = (SELECT MIN(id) FROM event)"))
        record = s.scalar(select(Record).where(Record.id == ids[0]))
        assert record is not None
        target = record.files[0]
        sha, encrypted = target.sha256, target.encrypted
    obj = any_archive.objects.path_for(sha, encrypted)
    data = bytearray(obj.read_bytes())
    data[len(data) // 2] ^= 0xFF
    obj.chmod(0o644)
    obj.write_bytes(bytes(data))

    found = _kinds(verify_ledger(any_archive))
    assert ("record_mismatch", f"record:{ids[1]}.title") in found
    assert ("entry_hash_mismatch", "ledger_entry[2]") in found
    assert ("checkpoint_root_mismatch", "checkpoint@3") in found
    assert any(k == "event_mismatch" for k, _ in found)
    rel = str(obj.resolve().relative_to(any_archive.settings.home.resolve()))
    assert ("object_damaged", rel) in found and rel.startswith("objects")
    assert len(found) == 5, "\n".join(
        map(str, sorted(found))
    )  # nothing else: what the log entry explains is not repeated


def test_a_consistent_rewrite_is_caught_by_nodes_and_signed_heads(
    any_archive: Archive, tmp_path: Path
) -> None:
    _import(any_archive, tmp_path, range(4))
    make_checkpoint(any_archive)
    from dangan.ledger import leaf_hash

    with any_archive.db.write() as s:  # change an entry AND its stored leaf hash, as a careful forger would
        body = s.execute(text("SELECT body FROM ledger_entry WHERE leaf_index = 1")).scalar_one()
        forged = bytes(body).replace(b'"actor":"system"', b'"actor":"sys"')
        s.execute(
            text("UPDATE ledger_entry SET body = :b, leaf_hash = :h WHERE leaf_index = 1"),
            {"b": forged, "h": leaf_hash(forged)},
        )
    found = _kinds(verify_ledger(any_archive, objects=False))
    assert found == {
        ("node_mismatch", "ledger_entry[0..1]"),  # the pair whose stored parent no longer fits
        ("checkpoint_root_mismatch", "checkpoint@4"),
        ("event_mismatch", "event#2"),  # the event row still says "system"
    }


def test_events_outside_the_log_and_forged_signatures_are_named(any_archive: Archive, tmp_path: Path) -> None:
    _import(any_archive, tmp_path, range(2))
    make_checkpoint(any_archive)
    with any_archive.db.write() as s:
        s.execute(
            text("INSERT INTO event (at, kind, actor, detail) VALUES (:at, 'login', 'ghost', '{}')"),
            {"at": "2026-01-01 00:00:00"},
        )
        s.execute(text("UPDATE ledger_checkpoint SET signature = :s"), {"s": bytes(64)})
        s.execute(text("DELETE FROM event WHERE id = (SELECT MIN(id) FROM event)"))
    found = {k for k, _ in _kinds(verify_ledger(any_archive, objects=False))}
    assert {"event_unlogged", "event_missing", "checkpoint_signature_invalid"} <= found


def test_the_witness_catches_a_re_signed_history(tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    archive = open_archive(load_settings(tmp_path / "data", witness_dir=witness))
    try:
        _import(archive, tmp_path, range(2))
        make_checkpoint(archive)
        assert (witness / "latest.json").exists()
        # Someone with full access rewrites the log from scratch and signs new checkpoints with our key.
        with archive.db.write() as s:
            s.execute(text("DELETE FROM ledger_entry"))
            s.execute(text("DELETE FROM ledger_checkpoint"))
            s.execute(text("UPDATE ledger_head SET size = 0, frontier = :f"), {"f": b""})
        log_access(archive, "x", "view", "R")
        log_access(archive, "x", "view", "R")
        with pytest.raises(LedgerError) as refused:  # the witness does not take the forked head
            make_checkpoint(archive)
        assert refused.value.code == "witness_fork"
        found = _kinds(verify_ledger(archive, objects=False))
        assert ("checkpoint_root_mismatch", "witness@2") in found
    finally:
        archive.close()


def test_cli_verify_reports_json_and_exit_status(tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = open_archive(load_settings(data))
    try:
        record_id = _import(archive, tmp_path, range(1))[0]
    finally:
        archive.close()
    ok = run_dangan("ledger", "verify", "--data", str(data), "--json")
    assert ok.returncode == 0, ok.stderr
    assert json_of(ok) == {"size": 1, "root": json_of(ok)["root"], "ok": True, "problems": []}
    archive = open_archive(load_settings(data))
    with archive.db.write() as s:
        s.execute(text("UPDATE record SET doc_number = 'X' WHERE id = :i"), {"i": record_id})
    archive.close()
    bad = run_dangan("ledger", "verify", "--data", str(data), "--json")
    assert bad.returncode == 1
    doc = json_of(bad)
    assert doc["ok"] is False
    assert doc["problems"] == [
        {
            "kind": "record_mismatch",
            "where": f"record:{record_id}.doc_number",
            "message": doc["problems"][0]["message"],
        }
    ]


def test_sm2_checkpoints_and_a_change_of_algorithm_verify(tmp_path: Path) -> None:
    archive = open_archive(load_settings(tmp_path / "data", ledger_signature="sm2"))
    try:
        _import(archive, tmp_path, range(1))
        assert make_checkpoint(archive).algorithm == "sm2"
    finally:
        archive.close()
    archive = open_archive(load_settings(tmp_path / "data"))  # back to the default, Ed25519
    try:
        log_access(archive, "someone", "view", "R")
        assert make_checkpoint(archive).algorithm == "ed25519"
        report = verify_ledger(archive)
        assert report.ok, report.problems
        assert report.checkpoints == 2  # the SM2 one still verifies with the SM2 public key kept in keys/
    finally:
        archive.close()
