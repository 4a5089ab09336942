"""Inclusion proofs an outsider can check: the CLI's JSON verified with hashlib alone (not our code)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text

from dangan.core import NotFound, load_settings
from dangan.services.archive import Archive, ledger_proof, log_access, make_checkpoint, open_archive
from dangan.services.intake import import_paths
from tests.factories import package_dir
from tests.helpers import accepted_ids, json_of, run_dangan


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.1 read backwards: the last path element is the sibling at the top split."""
    if size == 1:
        assert not path, "path too long"
        return leaf
    assert path, "path too short"
    k = 1 << ((size - 1).bit_length() - 1)
    *below, top = path
    if index < k:
        return _h(b"\x01" + _root_from_path(leaf, index, k, below) + top)
    return _h(b"\x01" + top + _root_from_path(leaf, index - k, size - k, below))


def _outsider_checks(doc: dict[str, Any], entry_body: bytes) -> None:
    """What anyone can do with the JSON, the entry and the archive's published key."""
    assert set(doc) == {"record_id", "leaf_index", "tree_size", "leaf_hash", "root", "proof", "checkpoint"}
    for value in [doc["leaf_hash"], doc["root"], *doc["proof"]]:
        assert value == value.lower() and len(bytes.fromhex(value)) == 32
    assert bytes.fromhex(doc["leaf_hash"]) == _h(b"\x00" + entry_body)
    path = [bytes.fromhex(p) for p in doc["proof"]]
    computed = _root_from_path(bytes.fromhex(doc["leaf_hash"]), doc["leaf_index"], doc["tree_size"], path)
    assert computed.hex() == doc["root"]
    cp = doc["checkpoint"]
    assert (cp["tree_size"], cp["root"]) == (doc["tree_size"], doc["root"])
    note = f"{cp['origin']}\n{cp['tree_size']}\n{base64.b64encode(bytes.fromhex(cp['root'])).decode()}\n{cp['issued_at']}\n"
    assert cp["note"] == note
    Ed25519PublicKey.from_public_bytes(bytes.fromhex(cp["public_key"])).verify(
        bytes.fromhex(cp["signature"]), note.encode()
    )


def test_cli_proof_checks_out_with_hashlib_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = open_archive(load_settings(data))
    try:
        report = import_paths(archive, [package_dir(tmp_path / "in", s) for s in range(5)])
        ids = accepted_ids(report)
        with archive.db.read() as s:
            body = bytes(
                s.execute(
                    text("SELECT body FROM ledger_entry WHERE record_id = :r"), {"r": ids[3]}
                ).scalar_one()
            )
    finally:
        archive.close()
    proc = run_dangan("ledger", "proof", ids[3], "--data", str(data), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json_of(proc)
    assert doc["record_id"] == ids[3] and doc["tree_size"] == 5
    _outsider_checks(doc, body)
    forged = dict(doc, leaf_index=doc["leaf_index"] ^ 1)
    with pytest.raises(AssertionError):
        _outsider_checks(forged, body)

    missing = run_dangan("ledger", "proof", "01NOSUCHRECORD000000000000", "--data", str(data), "--json")
    assert missing.returncode == 1 and "没有记录" in missing.stderr


def test_proof_is_of_the_records_own_entry_under_the_latest_checkpoint(
    any_archive: Archive, tmp_path: Path
) -> None:
    ids = accepted_ids(import_paths(any_archive, [package_dir(tmp_path / "in", s) for s in range(3)]))
    first = ledger_proof(any_archive, ids[0])  # no checkpoint yet: one is made
    assert (first["leaf_index"], first["tree_size"]) == (0, 3)
    log_access(any_archive, "reader", "view", ids[0])  # reading a record is not a change of it
    again = ledger_proof(any_archive, ids[0])
    assert again["leaf_index"] == 0 and again["checkpoint"] == first["checkpoint"]  # still covered
    later = make_checkpoint(any_archive)
    assert ledger_proof(any_archive, ids[2])["tree_size"] == later.tree_size == 4
    with pytest.raises(NotFound):
        ledger_proof(any_archive, "01NOSUCHRECORD000000000000")
