"""Ledger proofs that travel with an exchange package, and their verification on the receiving side.

An exported record carries the inclusion proof of its *ingest* entry (or its adoption entry, for records
older than the log), not of its latest event: that entry binds the package fingerprint and every file's
SHA-256, so the receiver can check that the bag's case.json and files are what the exporting archive
logged, not merely that some entry exists. The entry's canonical bytes travel with the proof
(`entry`), so its leaf hash can be recomputed. All records of one export share one checkpoint.

What the receiver cannot check offline is whose key signed the checkpoint: the signature is verified
with the key the bag carries, and the key id is reported so it can be compared with the key the
exporting archive publishes (`dangan ledger key`).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from sqlalchemy import select

from dangan.core import Problem
from dangan.ledger import (
    Checkpoint,
    CheckpointError,
    Entry,
    EntryError,
    LedgerCorrupt,
    ProofError,
    PublicKey,
    inclusion_proof_at,
    latest_checkpoint,
    leaf_hash,
    ledger_entry,
    verify_inclusion,
)
from dangan.services.archive import SNAPSHOT_KINDS, Archive, LedgerError, make_checkpoint

_CHUNK = 500


def ingest_entries(archive: Archive, record_ids: list[str]) -> dict[str, tuple[int, bytes, bytes]]:
    """record id -> (leaf index, leaf hash, entry bytes) of its latest ingest/adoption entry."""
    c = ledger_entry.c
    found: dict[str, tuple[int, bytes, bytes]] = {}
    with archive.db.read() as s:
        conn = s.connection()
        for i in range(0, len(record_ids), _CHUNK):
            rows = conn.execute(
                select(c.record_id, c.leaf_index, c.leaf_hash, c.body)
                .where(c.record_id.in_(record_ids[i : i + _CHUNK]), c.kind.in_(sorted(SNAPSHOT_KINDS)))
                .order_by(c.leaf_index)
            )
            for rid, index, lh, body in rows:
                found[str(rid)] = (int(index), bytes(lh), bytes(body))
    return found


def export_proofs(archive: Archive, record_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The proof document of each record under one checkpoint (made now when none covers them all)."""
    entries = ingest_entries(archive, record_ids)
    missing = [rid for rid in record_ids if rid not in entries]
    if missing:
        raise LedgerError(f"以下档案在账本中没有归档条目，无法给出证明：{'、'.join(missing[:10])}")
    top = max(index for index, _, _ in entries.values())
    with archive.db.read() as s:
        cp = latest_checkpoint(s.connection())
    if cp is None or cp.tree_size <= top:
        cp = make_checkpoint(archive)
    out: dict[str, dict[str, Any]] = {}
    try:
        with archive.db.read() as s:
            conn = s.connection()
            for rid in record_ids:
                index, lh, body = entries[rid]
                path = inclusion_proof_at(conn, index, cp.tree_size)
                verify_inclusion(lh, index, cp.tree_size, path, cp.root)
                out[rid] = {
                    "record_id": rid, "leaf_index": index, "tree_size": cp.tree_size, "leaf_hash": lh.hex(),
                    "root": cp.root.hex(), "proof": [h.hex() for h in path], "checkpoint": cp.as_json(),
                    "entry": base64.b64encode(body).decode("ascii"),
                }  # fmt: skip
    except (ProofError, LedgerCorrupt) as exc:
        raise LedgerError(f"账本无法给出有效证明，请运行 dangan ledger verify 检查：{exc}") from None
    return out


def _problem(rid: str, message: str) -> Problem:
    return Problem("exchange_proof_invalid", f"档案 {rid} 的账本证明无效：{message}", f"proofs/{rid}.json")


def verify_exchange_proof(
    doc: Any, rid: str, fingerprint: str, hashes: dict[str, str], key_ids: set[str]
) -> tuple[list[Problem], Checkpoint | None]:
    """Check one proof: the entry hashes to its leaf, is about this record and binds this package's
    fingerprint and file hashes; the path leads to the checkpoint's root; the checkpoint is signed by a
    key of the exporting archive (one listed in exchange.json)."""
    try:
        body = base64.b64decode(doc["entry"], validate=True)
        lh, index, size = bytes.fromhex(doc["leaf_hash"]), int(doc["leaf_index"]), int(doc["tree_size"])
        path = [bytes.fromhex(h) for h in doc["proof"]]
        cp = Checkpoint.from_json(doc["checkpoint"])
        entry = Entry.parse(body)
    except (KeyError, TypeError, ValueError, binascii.Error, CheckpointError, EntryError) as exc:
        return [_problem(rid, f"格式不正确（{exc}）")], None
    problems: list[Problem] = []
    if leaf_hash(body) != lh:
        problems.append(_problem(rid, "条目内容与叶哈希不符"))
    if entry.record_id != rid or entry.kind not in SNAPSHOT_KINDS:
        problems.append(_problem(rid, "条目不是该档案的归档条目"))
    detail = dict(entry.detail)
    snapshot = detail.get("record")
    record: dict[str, Any] = snapshot if isinstance(snapshot, dict) else {}
    if record.get("fingerprint") != fingerprint:
        problems.append(_problem(rid, "案卷包内容（case.json 与文件）与账本记录的指纹不符"))
    logged = {f.get("path"): f.get("sha256") for f in detail.get("files", []) if isinstance(f, dict)}
    if logged != hashes:
        problems.append(_problem(rid, "文件或其 SHA-256 与账本记录不符"))
    if (size, cp.root.hex()) != (cp.tree_size, doc.get("root")):
        problems.append(_problem(rid, "证明的树大小或树根与检查点不符"))
    try:
        verify_inclusion(lh, index, cp.tree_size, path, cp.root)
    except ProofError as exc:
        problems.append(_problem(rid, f"包含证明不能推出检查点的树根（{exc}）"))
    key = PublicKey(cp.algorithm, cp.public_key)
    try:
        signed = cp.signed_by(key)
    except ValueError:
        signed = False
    if not signed:
        problems.append(_problem(rid, "检查点签名无效"))
    elif cp.key_id not in key_ids:
        problems.append(_problem(rid, f"检查点由其他档案馆的密钥（{cp.key_id}）签署，不是导出方的密钥"))
    return problems, cp
