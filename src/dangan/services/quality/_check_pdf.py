"""Printable Chinese PDFs (reportlab, built-in CID font STSong-Light): the 四性检测 report, and the
page layout the handover forms reuse.

A CID font is used because it needs no font file on the server and every PDF reader has it; the
report is printed and signed on paper, so the layout is plain: a title, a block of key facts, a table.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple
from xml.sax.saxutils import escape

from sqlalchemy import func, select

from dangan.access import Principal
from dangan.checks import CheckReport
from dangan.core import DEFAULT_ZONE, NotFound, local_text, utcnow
from dangan.services.archive import Archive
from dangan.services.records import record_for
from dangan.store.catalog import CheckReportRow

from ._checks import report_for_record
from ._quarantine import quarantine_entry

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table

FONT = "STSong-Light"
mm = 72 / 25.4  # reportlab.lib.units.mm (points), without importing reportlab
_VERDICT_COLOURS = {"通过": "#E8F5EE", "不通过": "#FBE3E4", "警告": "#FFF4E0", "不适用": "#F2F2F2"}


class _Styles(NamedTuple):
    title: ParagraphStyle
    cell: ParagraphStyle
    meta: ParagraphStyle
    note: ParagraphStyle


@functools.cache
def _styles() -> _Styles:
    """The font registered and the paragraph styles built on the first PDF, not when the module loads:
    reportlab costs every process that imports the quality service (every import, every CLI command)
    ≈ 0.05 s, and most never print a page."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return _Styles(
        ParagraphStyle("title", fontName=FONT, fontSize=16, leading=22, alignment=1, spaceAfter=4 * mm),
        ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK"),
        ParagraphStyle("meta", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK"),
        ParagraphStyle("note", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK"),
    )


def local_time(value: datetime, zone: str = DEFAULT_ZONE) -> str:
    """A time printed on a report: in the archive's zone, named, since the paper leaves the system."""
    return local_text(value, zone, label=True)


def _p(text: object, style: ParagraphStyle | None = None) -> Paragraph:
    """Plain text in a paragraph: escaped, line breaks kept, runs of spaces kept (signature blanks)."""
    from reportlab.platypus import Paragraph

    markup = escape(str(text)).replace("\n", "<br/>").replace("  ", "&nbsp;&nbsp;")
    return Paragraph(markup, style or _styles().cell)


def _grid(rows: list[list[object]], widths: Sequence[float], header: bool = True) -> Table:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table(rows, colWidths=list(widths), repeatRows=1 if header else 0)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")))
    table.setStyle(TableStyle(style))
    return table


def build_pdf(
    title: str,
    facts: Sequence[tuple[str, str]],
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    notes: Sequence[str] = (),
    row_colours: Sequence[str | None] = (),
) -> bytes:
    """An A4 document: `title`, a two-column block of `facts`, a table, then `notes` (signatures...)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Spacer, TableStyle

    styles = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=title, author="Dangan 档案",
    )  # fmt: skip
    story: list[object] = [_p(title, styles.title)]
    if facts:
        fact_rows: list[list[object]] = [[_p(k, styles.meta), _p(v, styles.meta)] for k, v in facts]
        story += [_grid(fact_rows, [35 * mm, doc.width - 35 * mm], header=False), Spacer(1, 4 * mm)]
    body: list[list[object]] = [[_p(h) for h in header]]
    body += [[_p(c) for c in row] for row in rows]
    table = _grid(body, widths)
    for i, colour in enumerate(row_colours, start=1):
        if colour:
            table.setStyle(TableStyle([("BACKGROUND", (3, i), (3, i), colors.HexColor(colour))]))
    story.append(table)
    for note in notes:
        story += [Spacer(1, 3 * mm), _p(note, styles.note)]
    doc.build(story)
    return buf.getvalue()


def report_pdf(
    report: CheckReport, subject: str, generated_at: datetime, checked_at: datetime | None = None
) -> bytes:
    """The report's bytes: identity, stage, time and overall verdict, then one row per item."""
    counts = "，".join(f"{k} {v} 项" for k, v in report.counts().items())
    facts = [
        ("检测对象", subject),
        ("检测依据", "DA/T 70-2018《文书类电子档案检测一般要求》"),
        ("检测环节", report.stage.value),
        ("检测时间", local_time(checked_at) if checked_at else "—"),
        ("结论", f"{'通过' if report.passed else '不通过'}（{counts}）"),
        ("生成时间", local_time(generated_at)),
    ]
    rows = [
        [i.code, i.property.value, i.name, i.verdict.value + ("（阻断）" if i.blocks else ""), i.message]
        for i in report.items
    ]
    widths = [13 * mm, 14 * mm, 44 * mm, 25 * mm, 84 * mm]
    colours = [_VERDICT_COLOURS.get(i.verdict.value) for i in report.items]
    return build_pdf(
        "电子档案四性检测报告", facts, ["编号", "属性", "检测项", "结果", "说明"], rows, widths,
        notes=["检测人（签字）：                    审核人（签字）：                    日期："],
        row_colours=colours,
    )  # fmt: skip


def record_report_pdf(archive: Archive, user: Principal, record_id: str) -> tuple[str, bytes]:
    """(file name, PDF) of a record's latest report, for whoever may read the record."""
    record = record_for(archive, user, record_id)
    report = report_for_record(archive, record.id)
    if report is None:
        raise NotFound("该档案没有四性检测报告", code="report_not_found")
    subject = f"档号 {record.archival_code}  {record.title}"
    with archive.db.read() as session:
        checked_at = session.scalar(
            select(func.max(CheckReportRow.created_at)).where(CheckReportRow.record_id == record.id)
        )
    pdf = report_pdf(report, subject, utcnow(), checked_at)
    return f"四性检测报告-{record.archival_code}.pdf", pdf


def quarantine_report_pdf(archive: Archive, user: Principal, qid: str) -> tuple[str, bytes]:
    """(file name, PDF) of a quarantined package's latest report (archivists only)."""
    view = quarantine_entry(archive, user, qid)
    if view.report is None:
        raise NotFound("该案卷包没有四性检测报告", code="report_not_found")
    entry = view.entry
    subject = f"隔离案卷包 {entry.source_system}/{entry.source_id} {entry.title or ''}".strip()
    pdf = report_pdf(view.report, subject, utcnow(), entry.updated_at)
    return f"四性检测报告-隔离-{entry.id}.pdf", pdf
