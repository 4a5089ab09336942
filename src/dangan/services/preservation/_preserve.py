"""Preservation formats: each file's PRONOM format, and preservation copies made by the policy.

`dangan preserve` works file by file, each in its own transactions, so it can stop anywhere: a file
without a format is identified; a file the policy normalises gets a copy (PDF → PDF/A-2b) stored
through the object store with the original's encryption rule, and only after that object is durable
is the `preservation_copy` row committed with its ledger event. A crash leaves at most an orphan
object; a re-run finds the work still to do and nothing else (idempotent).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from dangan.access import Principal
from dangan.checks import CheckReport, FormatId, identify, read_ofd
from dangan.collect import CasePackage
from dangan.core import DanganError, NotFound
from dangan.domain import CopyStatus
from dangan.services.archive import Archive, record_event
from dangan.services.records import FileContent, file_for
from dangan.store.catalog import PreservationCopy, Record, RecordFile

from ._preserve_policy import PDFA_2B, TARGETS, PreservationPolicy, policy_from

COPY_CONFORMANT = "conformant"  # the original already passed the PDF/A check: no copy needed
_ZIP_PUID = "x-fmt/263"
OFD_PUID = "dangan-fmt/ofd"  # as checks.formats: fido has no PRONOM id for OFD


def preservation_policy(archive: Archive) -> PreservationPolicy:
    return policy_from(archive.settings.preservation)


def _columns(fmt: FormatId | None) -> dict[str, str | None]:
    if fmt is None:
        return {}
    return {"format_puid": fmt.puid or "", "format_name": fmt.name, "format_version": fmt.version}


def _identify(path: Path, name: str) -> FormatId:
    """PRONOM format of a stored object, under its file name (fido falls back on the extension)."""
    with tempfile.TemporaryDirectory(prefix="fmt-") as tmp:
        link = Path(tmp) / ("f" + PurePosixPath(name).suffix.lower())
        os.symlink(path, link)
        fmt = identify(link)
        if fmt.puid == _ZIP_PUID and link.suffix == ".ofd":
            try:
                read_ofd(link, with_text=False)
                return FormatId(OFD_PUID, "OFD 版式文档（GB/T 33190）", None, "application/ofd", fmt.method)
            except DanganError:
                pass
        return fmt


def ingest_formats(report: CheckReport, pkg: CasePackage) -> dict[str, dict[str, str | None]]:
    """Per package path, the format columns: from the 3-3 check's evidence, else identified here."""
    found: dict[str, Any] = {}
    for item in report.items:
        if item.code == "3-3":
            found = item.evidence.get("formats", {})
    out: dict[str, dict[str, str | None]] = {}
    for f in pkg.files:
        entry = found.get(f.path)
        if isinstance(entry, dict) and "puid" in entry:
            out[f.path] = {
                "format_puid": entry.get("puid") or "",
                "format_name": entry.get("name"),
                "format_version": entry.get("version"),
            }
        else:
            out[f.path] = _columns(_identify(f.source, f.path))
    return out


@dataclass
class PreserveItem:
    record_id: str
    path: str
    outcome: str  # identified / normalised / conformant / kept / failed / unsupported / unidentified
    puid: str | None
    message: str = ""
    copy_sha256: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


@dataclass
class PreserveSummary:
    items: list[PreserveItem] = field(default_factory=list)
    remaining: int = 0

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i.outcome == outcome)

    def as_json(self) -> dict[str, Any]:
        outcomes = ("normalised", "conformant", "kept", "failed", "unsupported", "unidentified")
        return {
            "processed": len(self.items),
            **{o: self.count(o) for o in outcomes},
            "remaining": self.remaining,
            "items": [i.as_json() for i in self.items],
        }


def _pending(policy: PreservationPolicy, retry_failed: bool) -> Any:
    """Files with work left: not yet identified, or a candidate format without a decision row."""
    copy = PreservationCopy
    no_decision: Any = copy.id.is_(None)
    if retry_failed:
        no_decision = or_(no_decision, copy.status == CopyStatus.FAILED)
    return (
        select(RecordFile.id)
        .outerjoin(copy, copy.record_file_id == RecordFile.id)
        .where(
            or_(
                RecordFile.format_puid.is_(None),
                and_(no_decision, RecordFile.format_puid.in_(policy.candidates())),
            )
        )
        .order_by(RecordFile.id)
    )


def pending_count(archive: Archive, retry_failed: bool = False) -> int:
    with archive.db.read() as s:
        return len(s.scalars(_pending(preservation_policy(archive), retry_failed)).all())


def preserve(
    archive: Archive,
    *,
    limit: int | None = None,
    retry_failed: bool = False,
    actor: str = "system",
    progress: Callable[[PreserveItem, int, int], None] | None = None,
) -> PreserveSummary:
    """Identify and normalise up to `limit` files that still need it (see the module docstring).

    `progress(item, done, total)` is called after each file."""
    policy = preservation_policy(archive)
    query = _pending(policy, retry_failed)
    with archive.db.read() as s:
        ids = list(s.scalars(query).all())
    todo = ids if limit is None else ids[:limit]
    summary = PreserveSummary(remaining=len(ids) - len(todo))
    for n, file_id in enumerate(todo, 1):
        item = _one(archive, policy, file_id, actor)
        summary.items.append(item)
        if progress is not None:
            progress(item, n, len(todo))
    return summary


def _copy_path(path: str) -> str:
    return str(PurePosixPath(path).with_suffix(".pdfa.pdf"))


def _one(archive: Archive, policy: PreservationPolicy, file_id: int, actor: str) -> PreserveItem:
    with archive.db.read() as s:
        rf = s.get(RecordFile, file_id)
        if rf is None:
            raise NotFound("文件不存在")
        record = rf.record
        record_id, path, sha, enc, puid = record.id, rf.path, rf.sha256, rf.encrypted, rf.format_puid
        encrypt = enc or archive.settings.encrypt_public or not record.open_to_public
    with archive.objects.plain_path(sha, enc) as source:
        outcome = "kept"
        if puid is None:
            columns = _columns(_identify(source, path))
            with archive.db.write() as s:
                row = s.get(RecordFile, file_id)
                if row is not None:
                    for key, value in columns.items():
                        setattr(row, key, value)
            puid = columns["format_puid"]
            outcome = "identified"
        action, target = policy.action(puid)
        item = PreserveItem(record_id, path, outcome, puid or None)
        if action == "recheck":
            from dangan.digitize import check_pdfa  # pikepdf: loaded only when there is PDF/A work

            report = check_pdfa(source)
            if report.passed:
                _decide(
                    archive,
                    file_id,
                    record_id,
                    actor,
                    COPY_CONFORMANT,
                    target,
                    detail={"check": report.as_json()},
                )
                item.outcome = "conformant"
                return item
            action = "normalise"
        if action == "normalise" and target is not None:
            return _normalise(archive, item, file_id, source, target, encrypt, actor)
        item.outcome = {"keep": "kept", "unsupported": "unsupported", "unidentified": "unidentified"}.get(
            action, item.outcome
        )
        if item.outcome == "unsupported":
            item.message = "该格式不在长期保存格式范围内，且策略未规定转换，需人工处理"
        return item


@contextmanager
def _scratch(archive: Archive) -> Iterator[Path]:
    archive.staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="preserve-", dir=archive.staging) as tmp:
        yield Path(tmp)


def _normalise(
    archive: Archive, item: PreserveItem, file_id: int, source: Path, target: str, encrypt: bool, actor: str
) -> PreserveItem:
    from dangan.digitize import ConversionFailed, convert_to_pdfa  # pikepdf: loaded only for this work

    assert target == PDFA_2B  # policy_from accepts no other target
    with _scratch(archive) as tmp:
        out = tmp / "copy.pdf"
        try:
            result = convert_to_pdfa(source, out)
        except ConversionFailed as exc:
            item.outcome, item.message = "failed", exc.message
            _decide(archive, file_id, item.record_id, actor, CopyStatus.FAILED, target, error=exc.message,
                    detail={"code": exc.code})  # fmt: skip
            return item
        fmt = identify(out)
        with archive.objects.durable_batch():
            obj = archive.objects.put_file(out, None, _copy_path(item.path), encrypt=encrypt)
    detail = {**result.as_json(), "tool": _tool()}
    fields: dict[str, Any] = {
        "path": _copy_path(item.path), "sha256": obj.sha256, "sm3": obj.sm3, "size": obj.size,
        "media_type": "application/pdf", "encrypted": obj.encrypted, **_columns(fmt),
    }  # fmt: skip
    if _decide(archive, file_id, item.record_id, actor, CopyStatus.DONE, target, detail=detail, **fields):
        item.outcome, item.copy_sha256 = "normalised", obj.sha256
    else:
        item.outcome, item.message = "kept", "另一进程已为该文件生成保存副本"
    return item


def _tool() -> dict[str, str]:
    import fontTools
    import pikepdf

    return {"pikepdf": pikepdf.__version__, "fonttools": fontTools.version}


def _decide(
    archive: Archive,
    file_id: int,
    record_id: str,
    actor: str,
    status: str,
    target: str | None,
    *,
    detail: dict[str, Any],
    error: str | None = None,
    **fields: Any,
) -> bool:
    """Commit the decision row (and, for a copy or a failure, its ledger event); False if one exists."""
    try:
        with archive.db.write() as s:
            rf = s.get(RecordFile, file_id)
            if rf is None:
                return False
            row = s.scalars(
                select(PreservationCopy).where(PreservationCopy.record_file_id == file_id)
            ).first()
            if row is not None and row.status != CopyStatus.FAILED:
                return False
            if row is None:
                row = PreservationCopy(record_file_id=file_id, record_id=record_id)
                s.add(row)
            row.status, row.target, row.error, row.detail, row.actor = (
                status,
                target or "",
                error,
                detail,
                actor,
            )
            for key, value in fields.items():
                setattr(row, key, value)
            s.flush()
            if status != COPY_CONFORMANT:
                event: dict[str, Any] = {
                    "file": rf.path,
                    "sha256": rf.sha256,
                    "status": status,
                    "target": TARGETS.get(target or ""),
                }
                if status == CopyStatus.DONE:
                    event["copy"] = {
                        k: fields.get(k) for k in ("path", "sha256", "sm3", "size", "format_puid")
                    }
                else:
                    event["error"] = error
                record_event(s, "preserve", actor, record_id, event)
        return True
    except IntegrityError:  # a concurrent run committed the same file first
        return False


def preservation_copies(archive: Archive, record_id: str) -> dict[int, PreservationCopy]:
    """The decision rows of a record's files, by file id (the caller already passed `record_for`)."""
    with archive.db.read() as s:
        rows = s.scalars(select(PreservationCopy).where(PreservationCopy.record_id == record_id)).all()
        return {r.record_file_id: r for r in rows}


def preservation_copy_for(
    archive: Archive, user: Principal, record_id: str, position: int
) -> tuple[Record, RecordFile, PreservationCopy, FileContent]:
    """A file's preservation copy, under exactly the rules of downloading the original."""
    record, f, _content = file_for(archive, user, record_id, position, download=True)
    with archive.db.read() as s:
        row = s.scalars(
            select(PreservationCopy).where(
                PreservationCopy.record_file_id == f.id, PreservationCopy.status == CopyStatus.DONE
            )
        ).first()
    if row is None or row.sha256 is None:
        raise NotFound("该文件没有长期保存副本")
    return record, f, row, FileContent(archive.objects, row.sha256, row.encrypted)
