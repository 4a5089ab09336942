"""The handover papers as printable PDFs: the 移交登记表 (GB/T 18894-style registration form) and the
receipt (or return notice) both sides keep.

The figures printed are the batch's stored figures, the same the 移交 checks compare the records with.
Both carry the archive's PAdES signature with its seal (the helper certified copies use), so the paper
trail of a handover is verifiable outside the system.
"""

from __future__ import annotations

from reportlab.lib.units import mm

from dangan.access import Principal
from dangan.core import Conflict, utcnow
from dangan.domain import HandoverStatus
from dangan.services.archive import Archive
from dangan.services.certify import RECEIPT_SEAL, sign_as_archive
from dangan.services.quality import build_pdf, local_time
from dangan.store.catalog import HandoverBatch

from ._batches import get_batch

_ITEM_HEADER = ["序号", "档号", "题名", "年度", "保管期限", "密级", "文件数", "字节数"]
_ITEM_WIDTHS = [11 * mm, 38 * mm, 58 * mm, 12 * mm, 17 * mm, 12 * mm, 14 * mm, 18 * mm]


def _facts(archive: Archive, batch: HandoverBatch) -> list[tuple[str, str]]:
    return [
        ("移交批次", batch.id),
        ("移交单位", batch.department),
        ("接收单位", f"{archive.settings.fonds_name}（全宗号 {archive.settings.fonds_code}）"),
        ("状态", batch.status),
        ("档案数量", f"{batch.record_count} 件"),
        ("电子文件数", f"{batch.file_count} 个"),
        ("数据量", f"{batch.total_bytes} 字节（{batch.total_bytes / 1024 / 1024:.2f} MB）"),
        ("载体", batch.carrier),
        ("起止档号", f"{batch.first_code or '—'} 至 {batch.last_code or '—'}"),
        ("登记人 · 时间", f"{batch.created_by} · {local_time(batch.created_at)}"),
        ("备注", batch.note or "—"),
    ]


def _items(batch: HandoverBatch) -> list[list[object]]:
    return [
        [i.position, i.archival_code, i.title, i.year, i.retention, i.security_level, i.file_count,
         i.total_bytes]
        for i in batch.items
    ]  # fmt: skip


def handover_form_pdf(archive: Archive, user: Principal, batch_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of the batch's 电子档案移交登记表, for its department and the archivists."""
    batch = get_batch(archive, user, batch_id)
    check = "未检测"
    if batch.checked_at is not None:
        check = f"{'通过' if batch.check_passed else '不通过'}（{batch.checked_by} · {local_time(batch.checked_at)}）"
    facts = [*_facts(archive, batch), ("移交检测", check)]
    notes = [
        f"合计：{batch.record_count} 件，{batch.file_count} 个电子文件，{batch.total_bytes} 字节。",
        "移交单位（盖章）：                经办人（签字）：                日期：",
        "接收单位（盖章）：                接收人（签字）：                日期：",
    ]
    pdf = build_pdf("电子档案移交登记表", facts, _ITEM_HEADER, _items(batch), _ITEM_WIDTHS, notes=notes)
    pdf = sign_as_archive(archive, pdf, placement=RECEIPT_SEAL, reason=f"电子档案移交登记表 {batch.id}")
    return f"移交登记表-{batch.id}.pdf", pdf


def handover_receipt_pdf(archive: Archive, user: Principal, batch_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of the receipt of an accepted batch, or the return notice of a returned one."""
    batch = get_batch(archive, user, batch_id)
    if batch.status not in (HandoverStatus.ACCEPTED, HandoverStatus.RETURNED):
        raise Conflict("该批次尚未接收或退回，没有回执", code="handover_open")
    accepted = batch.status == HandoverStatus.ACCEPTED
    when = local_time(batch.resolved_at) if batch.resolved_at else "—"
    facts = [
        *_facts(archive, batch),
        ("接收结论", "已接收" if accepted else "已退回"),
        ("办理人 · 时间", f"{batch.resolved_by or '—'} · {when}"),
    ]
    if not accepted:
        facts.append(("退回理由", batch.reasons or "—"))
    title = "电子档案移交接收回执" if accepted else "电子档案移交退回通知"
    verdict = (
        "上列档案经移交检测，已如数接收。" if accepted else "上列档案未予接收，请按退回理由整改后重新移交。"
    )
    notes = [
        verdict,
        "本回执一式两份，移交单位与接收单位各执一份。"
        if accepted
        else "本通知一式两份，移交单位与接收单位各执一份。",
        "移交单位（盖章）：                经办人（签字）：                日期：",
        "接收单位（盖章）：                接收人（签字）：                日期：",
        f"生成时间：{local_time(utcnow())}",
    ]
    pdf = build_pdf(title, facts, _ITEM_HEADER, _items(batch), _ITEM_WIDTHS, notes=notes)
    pdf = sign_as_archive(archive, pdf, placement=RECEIPT_SEAL, reason=f"{title} {batch.id}")
    return f"{'移交回执' if accepted else '退回通知'}-{batch.id}.pdf", pdf
