"""Export (交换包导出): records chosen by id, by search or by handover batch, written as one BagIt bag.

Every record goes through the one access policy as the exporting user, and the export is refused
whole — never thinned silently — when any of them fails it, so a bag is always what was asked for:

* a record the user may not read is reported as "不存在或您无权查看" (existence is not revealed; the audit
  trail gets the denial), one the user may read but not download (a view-only grant) as such;
* a record whose personal data (ID number, phone, address) the user sees masked is refused too
  (`export_masked`): an exchange package must reproduce the record exactly on import, and a masked
  copy would not, while the original would hand over what the user may not see. Who sees them in
  clear (an archivist of 秘密 clearance, the record's department head, an unmasking grant) may export.

The bag is written into a private temporary folder beside PATH (files streamed from the object store,
decrypted, each checked against its catalogued SHA-256 while hashed for the manifest), the access
events and the export's ledger event are committed, then the folder or ZIP is renamed into place.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from dangan.access import Principal, can_download, can_read, mask_record_view
from dangan.core import DanganError, PermissionDenied, Problem, ValidationFailed, as_local, new_id, utcnow
from dangan.ledger import format_time
from dangan.services.accounts import note_grant_use
from dangan.services.archive import Archive, key_store, log_denied, record_event, record_snapshot
from dangan.services.handover import get_batch
from dangan.services.quality import report_for_record
from dangan.services.utilisation import search
from dangan.share import (
    MANIFEST,
    ArchiveIdentity,
    BagWriter,
    ExportFile,
    ExportRecord,
    bag_info,
    exchange_manifest,
    file_rel,
    record_tag_files,
    zip_folder,
)
from dangan.store.catalog import Record
from dangan.store.objects import ObjectMissing

from ._proofs import export_proofs

MAX_EXPORT = 5000  # records per bag
_PAGE = 500


@dataclass(frozen=True)
class ExportReport:
    out: Path
    records: int
    files: int
    bytes: int  # the exported records' file bytes (as the handover form counts them)

    def as_json(self) -> dict[str, Any]:
        return {"out": str(self.out), "records": self.records, "files": self.files, "bytes": self.bytes}


class ExportFailed(DanganError):
    code = "export_failed"
    status = 500


def archive_identity(archive: Archive) -> ArchiveIdentity:
    """This archive as exchange packages name it: 全宗号 plus the id of its checkpoint signing key."""
    signer = key_store(archive).signer(archive.settings.ledger_signature)
    s = archive.settings
    return ArchiveIdentity.of(s.fonds_code, s.fonds_name, signer.public.key_id)


def select_records(
    archive: Archive,
    user: Principal,
    record_ids: list[str] | None = None,
    query: str | None = None,
    handover: str | None = None,
) -> list[str]:
    """The ids to export, in order, from exactly one of: ids, a search query, a handover batch."""
    given = [bool(record_ids), bool(query and query.strip()), bool(handover)]
    if sum(given) != 1:
        raise ValidationFailed("请指定要导出的档案：档案编号、--query 检索条件或 --handover 移交批次，三者选其一",
                               code="export_selection")  # fmt: skip
    if record_ids:
        ids = list(dict.fromkeys(r.strip() for r in record_ids if r.strip()))
    elif handover:
        ids = [item.record_id for item in get_batch(archive, user, handover).items]
    else:
        ids = _search_ids(archive, user, str(query))
    if not ids:
        raise ValidationFailed("没有符合条件的档案可以导出", code="export_empty")
    if len(ids) > MAX_EXPORT:
        raise ValidationFailed(f"一次最多导出 {MAX_EXPORT} 件档案（本次 {len(ids)} 件），请缩小范围分批导出",
                               code="export_too_many")  # fmt: skip
    return ids


def _search_ids(archive: Archive, user: Principal, query: str) -> list[str]:
    """Every hit of the same search people use (and its policy), newest first, page by page."""
    ids: list[str] = []
    offset = 0
    while True:
        result = search(
            archive, user, query, limit=_PAGE, offset=offset, sort="date", learn=False, fuse=False
        )
        ids.extend(h.record_id for h in result.hits)
        offset += _PAGE
        if not result.hits or offset >= result.total or len(ids) > MAX_EXPORT:
            return list(dict.fromkeys(ids))


def _load(archive: Archive, ids: list[str]) -> dict[str, Record]:
    found: dict[str, Record] = {}
    with archive.db.read() as s:
        for i in range(0, len(ids), _PAGE):
            stmt = select(Record).options(selectinload(Record.files)).where(Record.id.in_(ids[i : i + _PAGE]))
            for r in s.scalars(stmt).unique():
                found[r.id] = r
    return found


def _masks(user: Principal, record: Record) -> bool:
    view = mask_record_view(user, record)
    fields = ("id_number", "phone", "address", "title", "extra", "legal_representative")
    return view.masked and any(getattr(view, f) != getattr(record, f) for f in fields)


def _admit(archive: Archive, user: Principal, ids: list[str]) -> list[Record]:
    """The records in order, or PermissionDenied naming every one the user may not export."""
    found = _load(archive, ids)
    problems: list[Problem] = []
    for rid in ids:
        record = found.get(rid)
        if record is None or not can_read(user, record):
            if record is not None:
                log_denied(archive, user.username, rid, {"action": "export"})
            problems.append(Problem("export_not_found", f"档案 {rid} 不存在或您无权查看", rid))
        elif not can_download(user, record):
            problems.append(
                Problem("download_not_granted", f"档案 {rid}：您的利用授权仅限查看，不含下载", rid)
            )
        elif _masks(user, record):
            problems.append(Problem("export_masked", f"档案 {rid} 含您只能看到脱敏内容的个人信息，不能导出原件；"
                                    "请由有权查看原文的人员导出，或申请含“个人信息不脱敏”的利用授权", rid))  # fmt: skip
    if problems:
        raise PermissionDenied(f"{len(problems)} 件档案不能由您导出，未生成交换包", code="export_refused",
                               problems=problems)  # fmt: skip
    return [found[rid] for rid in ids]


def _export_record(record: Record, proof: dict[str, Any], report: dict[str, Any] | None) -> ExportRecord:
    files = tuple(
        ExportFile(
            f.path,
            f.role,
            f.sha256,
            int(f.size),
            f.media_type,
            f.sm3,
            f.format_puid,
            f.format_name,
            f.format_version,
        )
        for f in record.files
    )
    return ExportRecord(record.id, record.document, record_snapshot(record), record.department.org_code,
                        record.item_no, files, report, proof)  # fmt: skip


def _write_payload(archive: Archive, bag: BagWriter, identity: ArchiveIdentity, records: list[Record],
                   exports: list[ExportRecord]) -> None:  # fmt: skip
    for record, rec in zip(records, exports, strict=True):
        for rel, data in record_tag_files(identity, rec):
            bag.add_bytes(rel, data)
        for f in record.files:
            try:
                digest = bag.add_chunks(
                    file_rel(record.id, f.path), archive.objects.iter_plain(f.sha256, f.encrypted)
                )
            except ObjectMissing:
                digest = ""
            except ValueError as exc:
                raise ExportFailed(f"档案 {record.archival_code} 的文件路径不能写入交换包：{exc}") from None
            if digest != f.sha256:
                raise ExportFailed(f"档案 {record.archival_code} 的文件“{f.path}”缺失或已损坏，未生成交换包；"
                                   "请先运行 dangan verify --repair", code="export_object_damaged")  # fmt: skip


def _log(archive: Archive, user: Principal, records: list[Record], export_id: str, report: ExportReport,
         fmt: str) -> None:  # fmt: skip
    """The access events of every record and the export's own event, in one transaction."""
    for record in records:
        note_grant_use(archive, user, record, "download")
    with archive.db.write() as session:
        for record in records:
            record_event(
                session, "download", user.username, record.id, {"via": "export", "export": export_id}
            )
            revealed = mask_record_view(user, record).revealed
            if revealed:
                record_event(session, "unmask", user.username, record.id,
                             {"via": "export", "export": export_id, "fields": revealed})  # fmt: skip
        record_event(session, "exchange_export", user.username, None, {
            "export": export_id, "format": fmt, "name": report.out.name, "records": [r.id for r in records],
            "files": report.files, "bytes": report.bytes,
        })  # fmt: skip


def export_records(
    archive: Archive,
    user: Principal,
    out: Path,
    *,
    record_ids: list[str] | None = None,
    query: str | None = None,
    handover: str | None = None,
) -> ExportReport:
    """Write the chosen records as one exchange bag at `out` (a folder, or a ZIP when it ends in .zip)."""
    out = Path(out).absolute()
    if out.exists() or out.is_symlink():
        raise ValidationFailed(
            f"输出路径已存在：{out}；交换包不会覆盖已有文件，请换一个路径", code="export_exists"
        )
    ids = select_records(archive, user, record_ids, query, handover)
    records = _admit(archive, user, ids)
    identity = archive_identity(archive)
    proofs = export_proofs(archive, ids)
    exports = []
    for r in records:
        stored = report_for_record(archive, r.id)
        exports.append(_export_record(r, proofs[r.id], stored.as_json() if stored is not None else None))
    export_id, now = new_id(), utcnow()
    out.parent.mkdir(parents=True, exist_ok=True)
    zipped = out.suffix.lower() == ".zip"
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        bag = BagWriter(work / "bag")
        _write_payload(archive, bag, identity, records, exports)
        keys = [{"algorithm": k.algorithm, "key_id": k.key_id, "public_key": k.text}
                for k in key_store(archive).public_keys().values()]  # fmt: skip
        bag.add_bytes(
            MANIFEST, exchange_manifest(identity, export_id, format_time(now), user.username, exports, keys)
        )
        bag.finish(bag_info(identity, export_id, as_local(now, archive.settings.timezone).date().isoformat(),
                            len(records)))  # fmt: skip
        files = sum(len(r.files) for r in exports)
        report = ExportReport(out, len(records), files, sum(f.size for r in exports for f in r.files))
        if zipped:
            zip_folder(work / "bag", work / "bag.zip", out.stem or "exchange")
        _log(archive, user, records, export_id, report, "zip" if zipped else "folder")
        os.rename(work / ("bag.zip" if zipped else "bag"), out)
    except OSError as exc:
        raise ExportFailed(
            f"无法写入交换包 {out}：{exc.strerror or exc}", code="export_write_failed"
        ) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return report
