"""A 四性检测 report as an XLSX workbook (openpyxl): one row per item, verdicts coloured, evidence kept.

The archivist files it with a handover or hands it to a department; the JSON report stays the record.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

from dangan.access import Principal
from dangan.checks import CheckReport
from dangan.core import NotFound, utcnow
from dangan.services.archive import Archive
from dangan.services.records import record_for

from ._checks import report_for_record
from ._quarantine import quarantine_entry

_FILLS = {"通过": "E8F5EE", "不通过": "FBE3E4", "警告": "FFF4E0", "不适用": "F2F2F2"}
_HEADER = ["编号", "属性", "检测项", "结果", "阻断项", "说明", "证据（JSON）"]
_WIDTHS = [8, 8, 34, 8, 8, 70, 60]
MAX_CELL = 32_000  # Excel's limit is 32,767 characters per cell


def report_xlsx(report: CheckReport, subject: str, generated_at: datetime) -> bytes:
    """The workbook's bytes: sheet 检测结果 (items) and sheet 概要 (subject, stage, verdict, counts)."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # ≈ 0.1 s: loaded for an export only
    from openpyxl.styles import Alignment, Font, PatternFill  # type: ignore[import-untyped]

    wb = Workbook()
    items = wb.active
    assert items is not None
    items.title = "检测结果"
    items.append(_HEADER)
    for cell in items[1]:
        cell.font = Font(bold=True)
    for item in report.items:
        evidence = json.dumps(item.evidence, ensure_ascii=False, sort_keys=True)
        items.append([item.code, item.property.value, item.name, item.verdict.value,
                      "是" if item.blocking else "否", item.message, evidence[:MAX_CELL]])  # fmt: skip
        row = items.max_row
        items.cell(row, 4).fill = PatternFill("solid", fgColor=_FILLS.get(item.verdict.value, "FFFFFF"))
        for col in (3, 6, 7):
            items.cell(row, col).alignment = Alignment(wrap_text=True, vertical="top")
    for i, width in enumerate(_WIDTHS, start=1):
        items.column_dimensions[chr(64 + i)].width = width
    items.freeze_panes = "A2"
    summary = wb.create_sheet("概要")
    summary.append(["检测对象", subject])
    summary.append(["检测依据", "DA/T 70-2018《文书类电子档案检测一般要求》"])
    summary.append(["检测环节", report.stage.value])
    summary.append(["结论", "通过" if report.passed else "不通过"])
    for label, count in report.counts().items():
        summary.append([f"{label}项数", count])
    summary.append(["生成时间", generated_at.strftime("%Y-%m-%d %H:%M:%S")])
    summary.column_dimensions["A"].width = 14
    summary.column_dimensions["B"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def record_report_xlsx(archive: Archive, user: Principal, record_id: str) -> tuple[str, bytes]:
    """(file name, workbook) of a record's report, for whoever may read the record."""
    record = record_for(archive, user, record_id)
    report = report_for_record(archive, record.id)
    if report is None:
        raise NotFound("该档案没有四性检测报告", code="report_not_found")
    name = f"四性检测报告-{record.archival_code}.xlsx"
    return name, report_xlsx(report, f"{record.archival_code} {record.title}", utcnow())


def quarantine_report_xlsx(archive: Archive, user: Principal, qid: str) -> tuple[str, bytes]:
    """(file name, workbook) of a quarantined package's latest report (archivists only)."""
    view = quarantine_entry(archive, user, qid)
    if view.report is None:
        raise NotFound("该案卷包没有四性检测报告", code="report_not_found")
    entry = view.entry
    subject = f"隔离案卷包 {entry.source_system}/{entry.source_id} {entry.title or ''}".strip()
    return f"四性检测报告-隔离-{entry.id}.xlsx", report_xlsx(view.report, subject, utcnow())
