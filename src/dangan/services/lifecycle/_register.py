"""The 销毁清册 (disposal register) and the 鉴定报告 (appraisal report): read, printed, exported.

Register lines are written once, when a record is destroyed, and never change. Who reads them: the
operator at the shell (all), archivists (all), department heads and clerks (their department's lines).
Both PDFs carry the archive's PAdES signature with its seal at the foot of the last page (the helper the
certified copies and handover papers use), so the lifecycle's paper trail is verifiable outside the system.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from reportlab.lib.units import mm
from sqlalchemy import select

from dangan.access import DEPARTMENT_SCOPED, Principal, Role
from dangan.core import PermissionDenied, as_local
from dangan.lifecycle import DESTROY, KEEP
from dangan.services.archive import Archive
from dangan.services.certify import RECEIPT_SEAL, sign_as_archive
from dangan.services.quality import build_pdf, local_time
from dangan.store.catalog import DisposalRegister

from ._batches import get_batch
from ._common import iso_utc

HEADER = [
    "序号",
    "档号",
    "题名",
    "年度",
    "保管期限",
    "已保管年限",
    "页数/件数",
    "批次",
    "审批",
    "监销人",
    "销毁时间",
]
_WIDTHS = [9 * mm, 30 * mm, 38 * mm, 10 * mm, 12 * mm, 12 * mm, 13 * mm, 18 * mm, 18 * mm, 15 * mm, 20 * mm]


def register_entries(
    archive: Archive, user: Principal | None, batch_id: str | None = None
) -> list[DisposalRegister]:
    if user is not None and user.role is not Role.ARCHIVIST and user.role not in DEPARTMENT_SCOPED:
        raise PermissionDenied("只有档案管理员和部门用户可以查看销毁清册", code="lifecycle_forbidden")
    query = select(DisposalRegister).order_by(DisposalRegister.destroyed_at, DisposalRegister.id)
    if user is not None and user.role in DEPARTMENT_SCOPED:
        query = query.where(DisposalRegister.department == (user.department or ""))
    if batch_id:
        query = query.where(DisposalRegister.batch_id == batch_id)
    with archive.db.read() as s:
        return list(s.scalars(query))


def entry_json(e: DisposalRegister) -> dict[str, Any]:
    return {
        "record_id": e.record_id, "archival_code": e.archival_code, "title": e.title, "batch_id": e.batch_id,
        "destroyed_at": iso_utc(e.destroyed_at), "department": e.department, "year": e.year,
        "retention": e.retention, "years_kept": e.years_kept, "file_count": e.file_count,
        "page_count": e.page_count, "total_bytes": e.total_bytes, "approvals": e.approvals,
        "witnesses": e.witnesses, "executed_by": e.executed_by, "backups": (e.detail or {}).get("backups"),
    }  # fmt: skip


def _row(archive: Archive, n: int, e: DisposalRegister) -> list[object]:
    approvers = "、".join(str(a.get("username")) for a in e.approvals if a.get("decision") == "批准")
    count = f"{e.page_count or '—'}页/{e.file_count}件"
    when = as_local(e.destroyed_at, archive.settings.timezone).strftime("%Y-%m-%d %H:%M")
    return [n, e.archival_code, e.title, e.year, e.retention, f"{e.years_kept}年", count, e.batch_id,
            approvers, "、".join(map(str, e.witnesses)), when]  # fmt: skip


def register_csv(archive: Archive, entries: list[DisposalRegister]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    for n, e in enumerate(entries, start=1):
        writer.writerow(_row(archive, n, e))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens Chinese CSV correctly


def register_xlsx(archive: Archive, entries: list[DisposalRegister]) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # loaded for an export only
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "销毁清册"
    sheet.append(HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for n, e in enumerate(entries, start=1):
        sheet.append(_row(archive, n, e))
    sheet.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def register_pdf(archive: Archive, entries: list[DisposalRegister]) -> bytes:
    facts = [("全宗", f"{archive.settings.fonds_name}（全宗号 {archive.settings.fonds_code}）"),
             ("销毁档案", f"{len(entries)} 件")]  # fmt: skip
    rows = [_row(archive, n, e) for n, e in enumerate(entries, start=1)]
    notes = ["本清册永久保存。销毁前制作的备份中的副本须待备份轮换后才消失，恢复备份时须对照本清册重新销毁。",
             "档案部门负责人（签字）：                监销人（签字）：                日期："]  # fmt: skip
    pdf = build_pdf("档案销毁清册", facts, HEADER, rows, _WIDTHS, notes=notes)
    return sign_as_archive(archive, pdf, placement=RECEIPT_SEAL, reason=f"档案销毁清册（{len(entries)} 件）")


_REPORT_HEADER = ["序号", "档号", "题名", "年度", "原保管期限", "到期日", "鉴定意见", "新期限", "理由"]
_REPORT_WIDTHS = [9 * mm, 32 * mm, 44 * mm, 11 * mm, 15 * mm, 19 * mm, 14 * mm, 13 * mm, 28 * mm]


def appraisal_report_pdf(archive: Archive, user: Principal | None, batch_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of the batch's 鉴定报告: decisions per record, approvals, witnesses."""
    batch = get_batch(archive, user, batch_id)
    destroy = sum(1 for i in batch.items if i.decision == DESTROY)
    keep = sum(1 for i in batch.items if i.decision == KEEP)
    approvals = "；".join(
        f"{a.username}（{a.role}）{a.decision} · {local_time(a.at)}" for a in batch.approvals
    )
    facts = [
        ("鉴定批次", batch.id), ("状态", batch.status), ("鉴定日期", batch.appraised_on.isoformat()),
        ("提出人 · 时间", f"{batch.proposed_by} · {local_time(batch.proposed_at)}"), ("鉴定意见", batch.reason),
        ("数量", f"共 {len(batch.items)} 件：拟销毁 {destroy} 件，保留 {keep} 件"),
        ("审批", approvals or "尚未审批"), ("驳回理由", batch.rejection_reason or "—"),
        ("监销人", "、".join(map(str, batch.witnesses or [])) or "—"),
        ("执行", f"{batch.executed_by} · {local_time(batch.executed_at)}" if batch.executed_at else "尚未执行"),
    ]  # fmt: skip
    rows = [[i.position, i.archival_code, i.title, i.year, i.retention,
             i.expires_on.isoformat() if i.expires_on else "永久", i.decision, i.new_retention or "—", i.reason]
            for i in batch.items]  # fmt: skip
    notes = [
        "鉴定小组成员（签字）：",
        "档案部门负责人（签字）：                分管领导（签字）：                日期：",
    ]
    pdf = build_pdf("档案鉴定报告", facts, _REPORT_HEADER, rows, _REPORT_WIDTHS, notes=notes)
    pdf = sign_as_archive(archive, pdf, placement=RECEIPT_SEAL, reason=f"档案鉴定报告 {batch.id}")
    return f"鉴定报告-{batch.id}.pdf", pdf
