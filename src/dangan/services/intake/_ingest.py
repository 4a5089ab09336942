"""Ingest: one case package becomes one archived record, wholly or not at all.

Order of work: objects first (each durable on its own, content-addressed, so a retry re-uses them), then
one catalogue transaction that numbers the record (档号), writes the record, its files, its search
document, its part of the knowledge graph and its event. A crash before the commit leaves only
unreferenced objects, never a record without its files; the idempotency key makes the retry store the
case exactly once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dangan.collect import CasePackage
from dangan.core import Problem, new_id, utcnow
from dangan.digitize import pdf_text, sniff_media_type
from dangan.domain import ArchivalCodeParts, classify
from dangan.graph import add_record_to_graph
from dangan.index import add_document, document_tokens
from dangan.lifecycle import restore_disposed
from dangan.services.archive import Archive, lock_log, record_event, record_snapshot
from dangan.services.digitization import enqueue_scans, is_scan
from dangan.services.preservation import ingest_formats
from dangan.services.quality import Screening, held_sources, required_materials_of, screen_package
from dangan.store.catalog import (
    Record,
    RecordFile,
    allocate_item,
    ensure_department,
    ensure_matter,
    find_by_source,
    find_by_sources,
    forget_catalog_cache,
)
from dangan.store.objects import HashMismatch, StoredObject, hash_file

Status = Literal["accepted", "duplicate", "rejected"]
log = logging.getLogger(__name__)


@dataclass
class IngestOutcome:
    status: Status
    origin: str
    source_system: str | None = None
    source_id: str | None = None
    record_id: str | None = None
    archival_code: str | None = None
    problems: list[Problem] = field(default_factory=list)


def fingerprint(document: dict[str, Any], hashes: dict[str, str]) -> str:
    """Hash of the package as archived: case.json with every file's real SHA-256 filled in."""
    doc = json.loads(json.dumps(document))
    for entry in doc.get("files", []):
        if isinstance(entry, dict) and entry.get("path") in hashes:
            entry["sha256"] = hashes[entry["path"]]
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _outcome(status: Status, pkg: CasePackage, **fields: Any) -> IngestOutcome:
    meta = pkg.metadata
    return IngestOutcome(status, pkg.origin, meta.source_system, meta.source_id, **fields)


def _existing_outcome(pkg: CasePackage, record: Record, hashes: dict[str, str]) -> IngestOutcome:
    meta = pkg.metadata
    if record.fingerprint == fingerprint(pkg.document, hashes):
        return _outcome("duplicate", pkg, record_id=record.id, archival_code=record.archival_code)
    msg = (
        f"来源编号 {meta.source_system}/{meta.source_id} 的案卷已于 {record.created_at:%Y-%m-%d} 归档"
        f"（档号 {record.archival_code}），本次提交的内容与之不同；已归档案卷不会被覆盖，如需更正请走变更流程"
    )
    return _outcome("rejected", pkg, problems=[Problem("changed_package", msg)])


def must_encrypt(archive: Archive, pkg: CasePackage) -> bool:
    """Everything not open to the public is encrypted at rest; open records too when configured."""
    return archive.settings.encrypt_public or not pkg.metadata.open_to_public


def _store_objects(archive: Archive, pkg: CasePackage) -> tuple[dict[str, StoredObject], list[Problem]]:
    """Store a package's files; the caller's `durable_batch` makes them durable before any row names them."""
    stored: dict[str, StoredObject] = {}
    problems: list[Problem] = []
    encrypt = must_encrypt(archive, pkg)
    for f in pkg.files:
        try:
            stored[f.path] = archive.objects.put_file(f.source, f.declared_sha256, f.path, encrypt=encrypt)
        except HashMismatch as exc:
            problems.extend(exc.problems)
    return stored, problems


def _body_text(
    pkg: CasePackage, media: dict[str, str], text_of: Callable[[Path], str] = pdf_text
) -> list[str]:
    """What search finds a record by; PDF text is read from the package file whose hash was just verified."""
    meta = pkg.metadata
    a = meta.applicant
    parts = [meta.doc_number or "", meta.department, meta.matter_name, meta.result, a.name]
    parts += [a.uscc or "", a.legal_representative or "", a.address or "", meta.source_id]
    for f in pkg.files:
        parts.append(f.role or "")
        if media[f.path] == "application/pdf":
            text = text_of(f.source)
            parts += [text, *_rejoined_numbers(text)]
    return parts


_BROKEN_NUMBER = re.compile(r"([0-9A-Za-z][0-9A-Za-z-]*\d)[ \t]*\r?\n[ \t]*(\d[0-9A-Za-z-]*)")


def _rejoined_numbers(text: str) -> list[str]:
    """Numbers a PDF broke across lines (受理编号：1303002020↵090132712), whole, so that staff typing the
    number they have find the record; the pieces stay indexed as they are."""
    return [m.group(1) + m.group(2) for m in _BROKEN_NUMBER.finditer(text)]


@dataclass
class _Ready:
    """A package that passed its checks and whose objects are stored: only its rows are left to write."""

    index: int
    pkg: CasePackage
    screening: Screening
    stored: dict[str, StoredObject]
    hashes: dict[str, str]
    media: dict[str, str]
    body: list[str]
    formats: dict[str, dict[str, str | None]]
    # computed before the write transaction, so the catalogue's write lock is held for less
    fingerprint: str = field(init=False)
    tokens: tuple[str, str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.fingerprint = fingerprint(self.pkg.document, self.hashes)
        self.tokens = document_tokens(self.pkg.metadata.title, self.body)


def ingest_package(archive: Archive, pkg: CasePackage, actor: str = "system") -> IngestOutcome:
    return ingest_packages(archive, [pkg], actor)[0]


def ingest_packages(
    archive: Archive, pkgs: list[CasePackage], actor: str | list[str] = "system"
) -> list[IngestOutcome]:
    """Ingest several packages with one object sync and one catalogue transaction (group commit).

    Each package is still all-or-nothing: its rows are written inside their own savepoint, so one
    package losing a race on its source key, or failing to write, never takes the others with it; a
    crash before the commit loses the whole group's rows (each package then simply imports again).
    """
    actors = actor if isinstance(actor, list) else [actor] * len(pkgs)
    outcomes: list[IngestOutcome | None] = [None] * len(pkgs)
    with archive.db.read() as session:
        rules = required_materials_of(archive, [p.metadata.matter_name for p in pkgs], session)
        known = find_by_sources(session, [_key(p) for p in pkgs])
        for i, pkg in enumerate(pkgs):
            existing = known.get(_key(pkg))
            if existing is not None:
                hashes = {f.path: hash_file(f.source) for f in pkg.files}
                outcomes[i] = _existing_outcome(pkg, existing, hashes)
    ready: list[_Ready] = []
    with archive.objects.durable_batch():
        for i, pkg in enumerate(pkgs):
            if outcomes[i] is not None:
                continue
            # 四性检测 (归档): failures go to quarantine
            screening = screen_package(archive, pkg, actors[i], rules.get(pkg.metadata.matter_name, {}))
            if screening.problems:
                outcomes[i] = _outcome("rejected", pkg, problems=screening.problems)
                continue
            stored, problems = _store_objects(archive, pkg)
            if problems:
                outcomes[i] = _outcome("rejected", pkg, problems=problems)
                continue
            media = {f.path: sniff_media_type(f.source) for f in pkg.files}
            ready.append(
                _Ready(
                    i, pkg, screening, stored, {p: o.sha256 for p, o in stored.items()}, media,
                    _body_text(pkg, media, screening.text),  # the checks already read the 决定书's text
                    ingest_formats(screening.report, pkg),  # PRONOM ids found by the 3-3 check
                )
            )  # fmt: skip
    raced: list[_Ready] = []
    if ready:
        with archive.db.write() as session:
            lock_log(session)
            # an object reused from a record under disposal may have been destroyed since: store it again
            sources = {(o.sha256, o.encrypted): (f.source, f.path) for item in ready for f in item.pkg.files
                       if (o := item.stored.get(f.path))}  # fmt: skip
            restore_disposed(session, archive.objects, sources)
            held = held_sources(session, [_key(item.pkg) for item in ready])
            for item in ready:
                try:
                    # No second look-up: the unique key on (source_system, source_id) decides a race.
                    with session.begin_nested():
                        outcomes[item.index] = _write_rows(
                            archive, session, item, actors[item.index], _key(item.pkg) in held
                        )
                except IntegrityError:
                    forget_catalog_cache(session)  # the savepoint may have taken new rows with it
                    raced.append(item)
    for item in raced:  # another importer committed the same key between our check and our insert
        with archive.db.read() as session:
            meta = item.pkg.metadata
            existing = find_by_source(session, meta.source_system, meta.source_id)
        if existing is None:
            raise RuntimeError(f"案卷 {meta.source_system}/{meta.source_id} 写入目录时发生冲突")
        outcomes[item.index] = _existing_outcome(item.pkg, existing, item.hashes)
    done = [o for o in outcomes if o is not None]
    assert len(done) == len(pkgs), "every package has an outcome"
    _queue_scans(archive, ready, outcomes, actors[0] if actors else "system")
    return done


def _queue_scans(
    archive: Archive, ready: list[_Ready], outcomes: list[IngestOutcome | None], actor: str
) -> None:
    """Queue OCR of the new records' scans (images, PDFs without a text layer: the checks read theirs);
    the worker reads them, the ingest only enqueues. A queue that cannot be reached loses no record:
    `dangan digitize run --all` finds what was never read."""
    scans: dict[str, list[str]] = {}
    for item in ready:
        outcome = outcomes[item.index]
        if outcome is None or outcome.status != "accepted" or outcome.record_id is None:
            continue
        paths = [
            f.path
            for f in item.pkg.files
            if is_scan(item.media[f.path], f.path, f.source,
                       text=item.screening.text(f.source) if item.media[f.path] == "application/pdf" else "x")
        ]  # fmt: skip
        if paths:
            scans[outcome.record_id] = paths
    if not scans:
        return
    try:
        enqueue_scans(archive, scans, actor)
    except Exception:
        log.exception("digitization of %s new records could not be queued", len(scans))


def _key(pkg: CasePackage) -> tuple[str, str]:
    return pkg.metadata.source_system, pkg.metadata.source_id


def _write_rows(archive: Archive, session: Session, item: _Ready, actor: str, held: bool) -> IngestOutcome:
    pkg = item.pkg
    record, files = _write_record(
        archive, session, pkg, item.stored, item.media, item.fingerprint, item.formats
    )
    add_document(session, record.seq, item.tokens)
    # knowledge graph: the record's nodes and edges, in the same unit of work (a new record has no
    # confirmed description yet, hence {}, nor edges to replace, hence new=True)
    add_record_to_graph(session, record, {}, new=True)
    # the entry binds the record, its file hashes and its 归档 四性检测 verdicts together
    detail = {**_event_detail(record, files), "checks": item.screening.summary()}
    record_event(session, "ingest", actor, record.id, detail)
    item.screening.keep(session, record, held=held)
    return _outcome("accepted", pkg, record_id=record.id, archival_code=record.archival_code)


def _write_record(
    archive: Archive,
    session: Session,
    pkg: CasePackage,
    stored: dict[str, StoredObject],
    media: dict[str, str],
    package_fingerprint: str,
    formats: dict[str, dict[str, str | None]] | None = None,
) -> tuple[Record, list[dict[str, Any]]]:
    """Insert the record and its files as Core statements; the returned `Record` is transient, for
    reading its fields (the event's snapshot, the outcome): the ORM's unit of work cost ~1 ms a record.
    """
    meta = pkg.metadata
    settings = archive.settings
    dept = ensure_department(session, meta.department)
    matter = ensure_matter(session, dept, meta.matter_name, meta.matter_code)
    parts = ArchivalCodeParts(settings.fonds_code, meta.year, meta.retention.code, dept.org_code)
    series = archive.code_rule.series_key(parts)
    item = allocate_item(session, series)
    a = meta.applicant
    values: dict[str, Any] = dict(
        id=new_id(), fonds_code=settings.fonds_code, archival_code=archive.code_rule.format(parts, item),
        series_key=series, item_no=item, source_system=meta.source_system, source_id=meta.source_id,
        fingerprint=package_fingerprint, title=meta.title,
        doc_number=meta.doc_number, department_id=dept.id, matter_id=matter.id, applicant_name=a.name,
        applicant_type=a.type, applicant_uscc=a.uscc, legal_representative=a.legal_representative,
        id_number=a.id_number, phone=a.phone, address=a.address, district=meta.district,
        industry=meta.industry, category=classify(meta.matter_name, meta.industry).code,
        accepted_at=meta.accepted_at, decided_at=meta.decided_at, year=meta.year, result=meta.result,
        retention=meta.retention.label, security_level=meta.security_level.label,
        security_rank=meta.security_level.rank, open_to_public=meta.open_to_public, extra=meta.extra,
        document=pkg.document, created_at=utcnow(),
    )  # fmt: skip
    session.flush()  # anything the caller added goes in first, as the ORM would have ordered it
    conn = session.connection()
    key = conn.execute(insert(Record), values).inserted_primary_key
    assert key is not None
    record = Record(seq=int(key[0]), **values)
    # neither relationship has a backref, so the transient record stays out of the session
    record.department = dept
    record.matter = matter
    # one executemany for the files (the ORM would insert them one statement each)
    files = [
        {"record_seq": record.seq, "position": i, "path": f.path, "role": f.role,
         "sha256": stored[f.path].sha256, "size": stored[f.path].size, "media_type": media[f.path],
         "sm3": stored[f.path].sm3, "encrypted": stored[f.path].encrypted, **(formats or {}).get(f.path, {})}
        for i, f in enumerate(pkg.files)
    ]  # fmt: skip
    conn.execute(insert(RecordFile), files)
    return record, files


def _event_detail(record: Record, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "archival_code": record.archival_code,
        "source": [record.source_system, record.source_id],
        "fingerprint": record.fingerprint,
        "files": [{"path": f["path"], "sha256": f["sha256"], "size": f["size"]} for f in files],
        "record": record_snapshot(record),
    }
