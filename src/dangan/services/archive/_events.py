"""Events into the transparency log: `record_event` writes the `Event` row and its ledger entry together.

Every event the archive records goes through `record_event`, inside the unit of work of the change it
records: the event row, the ledger entry (canonical bytes, leaf hash, completed tree nodes) and the
head row commit with the change or not at all. The ingest entry of a record carries the record as
catalogued (`record_snapshot`) and its files' hashes, so verification can name any later edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from dangan.core import DanganError, NotFound, utcnow
from dangan.ledger import (
    Checkpoint,
    Entry,
    KeyStore,
    LedgerCorrupt,
    ProofError,
    Witnessed,
    WitnessFolder,
    adoption_marks,
    append_entries,
    canonical_json,
    checkpoint_at,
    clear_adoption_marks,
    consistency_proof_at,
    format_time,
    inclusion_proof_at,
    last_witnessed,
    latest_checkpoint,
    latest_for_record,
    ledger_entry,
    ledger_head_locked,
    mark_witnessed,
    save_checkpoint,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from dangan.store.catalog import Event, Record

from ._archive import Archive
from ._request_context import with_client

SNAPSHOT_KINDS = frozenset({"ingest", "ledger_adopt"})  # detail holds "record" (the row) and "files"
ADOPT_CHUNK = 5000


def record_event(
    session: Session,
    kind: str,
    actor: str | None,
    record_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Write one event and append it to the log in `session`'s transaction; returns its leaf index.

    A detail that cannot be written canonically (e.g. a datetime object) raises before anything commits.
    Inside a web request the client's address is added under "client" (unless the detail names one), so
    every event — access, API keys, user admin, utilization — says from where, the same way.
    """
    at = utcnow()
    body = with_client(detail)
    detail_json = canonical_json(body)  # refuse what the log cannot hold before anything is written
    session.flush()  # rows the caller added first keep their order before the event
    conn = session.connection()
    row = {"at": at, "kind": kind, "actor": actor, "record_id": record_id, "detail": body}
    key = conn.execute(insert(Event), row).inserted_primary_key  # Core: no unit-of-work flush
    assert key is not None
    entry = Entry(kind, format_time(at), actor, record_id, int(key[0]), body, detail_json=detail_json)
    return append_entries(conn, [entry])[0]


def lock_log(session: Session) -> None:
    """Take the log's head lock now, before any other row lock of this transaction.

    Every write appends to the log, so a transaction that also locks other rows (the 档号 counters of
    several records in a group commit) must take the head first, or two of them can wait on each other
    (PostgreSQL reports a deadlock). SQLite writers are already serialised by BEGIN IMMEDIATE.
    """
    ledger_head_locked(session.connection())


def adopt_preexisting(archive: Archive) -> int:
    """Once, after migration 0003 on an archive that already had events and records: log them.

    Old events are appended as they are; each old record gets a `ledger_adopt` entry binding its
    catalogue fields and file hashes as found now. Only rows older than the migration are adopted, so
    an event written around the log later is still reported by verification. Returns entries added.
    """
    with archive.db.read() as s:
        if adoption_marks(s.connection()) == (0, 0):
            return 0
    with archive.db.write() as s:
        conn = s.connection()
        events_below, records_below = adoption_marks(conn, lock=True)
        logged_events = select(ledger_entry.c.event_id).where(ledger_entry.c.event_id.is_not(None))
        events = s.scalars(
            select(Event).where(Event.id < events_below, Event.id.not_in(logged_events)).order_by(Event.id)
        ).all()
        entries = [
            Entry(e.kind, format_time(e.at), e.actor, e.record_id, int(e.id), e.detail or {}) for e in events
        ]
        snapshotted = select(ledger_entry.c.record_id).where(
            ledger_entry.c.kind.in_(sorted(SNAPSHOT_KINDS)), ledger_entry.c.record_id.is_not(None)
        )
        records = s.scalars(
            select(Record)
            .options(selectinload(Record.files))
            .where(Record.seq < records_below, Record.id.not_in(snapshotted))
            .order_by(Record.seq)
        ).all()
        at = format_time(utcnow())
        for r in records:
            files = [{"path": f.path, "sha256": f.sha256, "size": int(f.size)} for f in r.files]
            entries.append(
                Entry(
                    "ledger_adopt", at, "system", r.id, None, {"record": record_snapshot(r), "files": files}
                )
            )
        for i in range(0, len(entries), ADOPT_CHUNK):
            append_entries(conn, entries[i : i + ADOPT_CHUNK])
        clear_adoption_marks(conn)
    return len(entries)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def record_snapshot(record: Record) -> dict[str, Any]:
    """The catalogue fields of a record as the log binds them (JSON values only)."""
    return {
        "archival_code": record.archival_code,
        "fonds_code": record.fonds_code,
        "source_system": record.source_system,
        "source_id": record.source_id,
        "fingerprint": record.fingerprint,
        "title": record.title,
        "doc_number": record.doc_number,
        "department": record.department.name,
        "matter": record.matter.name,
        "matter_code": record.matter.code,
        "applicant_name": record.applicant_name,
        "applicant_type": record.applicant_type,
        "applicant_uscc": record.applicant_uscc,
        "legal_representative": record.legal_representative,
        "id_number": record.id_number,
        "phone": record.phone,
        "address": record.address,
        "district": record.district,
        "industry": record.industry,
        "category": record.category,
        "accepted_at": _iso(record.accepted_at),
        "decided_at": _iso(record.decided_at),
        "year": record.year,
        "result": record.result,
        "retention": record.retention,
        "security_level": record.security_level,
        "open_to_public": bool(record.open_to_public),
        "extra": record.extra or {},
    }


# -- checkpoints, witnesses and proofs -------------------------------------------------------------

ACCESS_KINDS = frozenset(
    {"view", "download", "unmask"}
)  # about reading a record, not about the record itself


class LedgerError(DanganError):
    code = "ledger_error"
    status = 500


def key_store(archive: Archive) -> KeyStore:
    return KeyStore(archive.settings.home / "keys")


def origin(archive: Archive) -> str:
    """The log's name in its checkpoints: one log per fonds (全宗)."""
    return f"dangan/{archive.settings.fonds_code}"


def make_checkpoint(archive: Archive) -> Checkpoint:
    """Sign the current tree head (or return the existing checkpoint of this size) and export it.

    The head row is locked while signing, so checkpoint times grow with their sizes.
    """
    signer = key_store(archive).signer(archive.settings.ledger_signature)
    adopt_preexisting(archive)
    try:
        with archive.db.write() as s:
            conn = s.connection()
            tree = ledger_head_locked(conn)
            cp = checkpoint_at(conn, tree.size)
            if cp is None:
                cp = sign_checkpoint(signer, origin(archive), tree.size, tree.root(), format_time(utcnow()))
                save_checkpoint(conn, cp)
    except IntegrityError:  # another process signed this size a moment ago
        with archive.db.read() as s:
            existing = checkpoint_at(s.connection(), tree.size)
        if existing is None:
            raise
        cp = existing
    if archive.settings.witness_dir is not None:
        export_to_witness(archive, cp)
    return cp


def export_to_witness(archive: Archive, cp: Checkpoint) -> Path:
    """Hand `cp` to the witness folder with a consistency proof from what the witness already holds.

    Refuses (and exports nothing) when the witness's checkpoint is not an ancestor of `cp`: that is a
    fork, someone rewrote the log, and it must be looked at, not papered over.
    """
    assert archive.settings.witness_dir is not None
    folder = WitnessFolder(archive.settings.witness_dir)
    held = folder.latest()
    proof: list[bytes] = []
    with archive.db.read() as s:
        conn = s.connection()
        if held is not None and held.tree_size > 0:
            try:
                if held.tree_size > cp.tree_size:
                    raise ProofError("见证方的检查点比本检查点还大")
                proof = consistency_proof_at(conn, held.tree_size, cp.tree_size)
                verify_consistency(held.tree_size, cp.tree_size, held.root, cp.root, proof)
            except (ProofError, LedgerCorrupt) as exc:
                raise LedgerError(
                    f"见证目录中的检查点（大小 {held.tree_size}）与本账本不一致，未导出：{exc}",
                    code="witness_fork",
                ) from None
    path = folder.publish(Witnessed(cp, held.tree_size if held else None, proof))
    with archive.db.write() as s:
        mark_witnessed(s.connection(), cp.tree_size, format_time(utcnow()))
    return path


def latest_witnessed(archive: Archive) -> Checkpoint | None:
    with archive.db.read() as s:
        return last_witnessed(s.connection())


def ledger_proof(archive: Archive, record_id: str) -> dict[str, Any]:
    """Inclusion proof (DESIGN.md §4 shape) of the record's latest entry under the latest checkpoint.

    The latest entry about the record itself: access events (views, downloads) are passed over. When no
    checkpoint covers that entry yet, one is made.
    """
    with archive.db.read() as s:
        conn = s.connection()
        entry = latest_for_record(conn, record_id, exclude_kinds=ACCESS_KINDS)
        cp = latest_checkpoint(conn)
    if entry is None:
        raise NotFound("该档案在账本中没有记录", code="not_in_ledger")
    if cp is None or cp.tree_size <= entry.leaf_index:
        cp = make_checkpoint(archive)
    try:
        with archive.db.read() as s:
            proof = inclusion_proof_at(s.connection(), entry.leaf_index, cp.tree_size)
        verify_inclusion(entry.leaf_hash, entry.leaf_index, cp.tree_size, proof, cp.root)
    except (ProofError, LedgerCorrupt) as exc:
        raise LedgerError(f"账本无法给出有效证明，请运行 dangan ledger verify 检查：{exc}") from None
    return {
        "record_id": record_id,
        "leaf_index": entry.leaf_index,
        "tree_size": cp.tree_size,
        "leaf_hash": entry.leaf_hash.hex(),
        "root": cp.root.hex(),
        "proof": [h.hex() for h in proof],
        "checkpoint": cp.as_json(),
    }


def ledger_public_keys(archive: Archive) -> list[dict[str, str]]:
    """The archive's checkpoint keys (the current one created if need be), for publishing."""
    key_store(archive).signer(archive.settings.ledger_signature)
    return [
        {"algorithm": k.algorithm, "key_id": k.key_id, "public_key": k.text}
        for k in key_store(archive).public_keys().values()
    ]
