"""The monthly report as a printable A4 PDF: summary text first, then the charts, then the tables.

Charts are drawn by reportlab's own graphics (vector, inside the PDF): no browser and no plotting
library on the server, and they print sharp. The font is the CID font STSong-Light the other printed
reports use (`services.quality`): every PDF reader has it, so no font file travels with the archive.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from dangan.access import Principal
from dangan.core import utcnow
from dangan.services.archive import Archive
from dangan.services.quality import local_time

from ._monthly import MonthlyReport, monthly_report

FONT = "STSong-Light"
mm = 72 / 25.4
_BLUE, _ORANGE, _GREY = "#3A6EA5", "#E08A2E", "#9AA5B1"
_PIE_COLOURS = ("#3A8F5C", "#C8453B", "#9AA5B1")


@functools.cache
def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return {
        "title": ParagraphStyle("title", fontName=FONT, fontSize=17, leading=24, alignment=1, spaceAfter=3 * mm),
        "h2": ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=17, spaceBefore=4 * mm, spaceAfter=2 * mm),
        "body": ParagraphStyle("body", fontName=FONT, fontSize=10, leading=16, wordWrap="CJK", firstLineIndent=20),
        "meta": ParagraphStyle("meta", fontName=FONT, fontSize=9, leading=13, wordWrap="CJK", alignment=1),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11, wordWrap="CJK"),
    }  # fmt: skip


def _p(text: object, style: str = "body") -> Any:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(str(text)), _styles()[style])


def _short(labels: Sequence[str], n: int = 8) -> list[str]:
    """Axis labels: the prefix all share dropped (秦皇岛市…), then cut to `n` characters."""
    cut = 0
    if len(labels) > 1:
        while all(len(lb) > cut + 1 and lb[cut] == labels[0][cut] for lb in labels):
            cut += 1
    out = [lb[cut:] or lb for lb in labels]
    return [lb if len(lb) <= n else lb[: n - 1] + "…" for lb in out]


def _colour(hex_: str) -> Any:
    from reportlab.lib import colors

    return colors.HexColor(hex_)


def _trend_chart(report: MonthlyReport, width: float) -> Any:
    from reportlab.graphics.charts.linecharts import HorizontalLineChart
    from reportlab.graphics.shapes import Drawing

    d = Drawing(width, 60 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 12 * mm, width - 20 * mm, 44 * mm
    chart.data = [[n for _m, n in report.trend]]
    chart.categoryAxis.categoryNames = [m.replace("年", "-").rstrip("月") for m, _n in report.trend]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.lines[0].strokeColor = _colour(_BLUE)
    chart.lines[0].strokeWidth = 1.5
    d.add(chart)
    return d


def _bar_chart(
    labels: Sequence[str], series: Sequence[Sequence[float]], colours: Sequence[str], width: float
) -> Any:
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing

    d = Drawing(width, 62 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 16 * mm, width - 20 * mm, 42 * mm
    chart.data = [list(s) for s in series]
    chart.categoryAxis.categoryNames = _short(labels)
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    for i, c in enumerate(colours):
        chart.bars[i].fillColor = _colour(c)
    d.add(chart)
    return d


def _legend(items: Sequence[tuple[str, str]], width: float) -> Any:
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing

    d = Drawing(width, 8 * mm)
    legend = Legend()
    legend.x, legend.y = 14 * mm, 6 * mm
    legend.fontName, legend.fontSize = FONT, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [(_colour(c), name) for c, name in items]
    d.add(legend)
    return d


def _pie_chart(report: MonthlyReport, width: float) -> Any:
    from reportlab.graphics.charts.piecharts import Pie
    from reportlab.graphics.shapes import Drawing

    d = Drawing(width, 55 * mm)
    shown = [(k, n) for k, n in report.results if n]
    pie = Pie()
    pie.x, pie.y, pie.width, pie.height = width / 2 - 22 * mm, 5 * mm, 44 * mm, 44 * mm
    pie.data = [n for _k, n in shown]
    pie.labels = [f"{k} {n / report.total:.1%}" for k, n in shown]
    pie.slices.fontName = FONT
    pie.slices.fontSize = 8
    for i, (kind, _n) in enumerate(shown):
        pie.slices[i].fillColor = _colour(_PIE_COLOURS[[k for k, _ in report.results].index(kind) % 3])
    d.add(pie)
    return d


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    body = [[_p(h, "cell") for h in header], *[[_p(c, "cell") for c in row] for row in rows]]
    table = Table(body, colWidths=list(widths), repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))  # fmt: skip
    return table


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1%}"


def report_pdf(report: MonthlyReport, scope: str, generated_at: datetime) -> bytes:
    """The printable report; `scope` says whose readable records it counts (printed under the title)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer

    buf = io.BytesIO()
    title = f"行政审批档案统计月报（{report.label}）"
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=title, author="Dangan 档案")  # fmt: skip
    w = doc.width
    story: list[Any] = [
        _p(title, "title"),
        _p(
            f"统计范围：{scope}　口径：按办结日期；用时按工作日（国家法定节假日安排）　生成时间：{local_time(generated_at)}",
            "meta",
        ),
        _p("一、概要", "h2"),
        *[_p(line) for line in report.summary],
        KeepTogether([_p(f"二、近 {len(report.trend)} 个月办结量", "h2"), _trend_chart(report, w)]),
    ]
    if report.total:
        depts = report.departments[:10]
        story.append(KeepTogether([
            _p("三、各部门办结量（本月与上月）", "h2"),
            _bar_chart([c.label for c in depts], [[c.count for c in depts], [c.previous for c in depts]],
                       (_BLUE, _GREY), w),
            _legend(((_BLUE, report.label), (_GREY, "上月")), w),
        ]))  # fmt: skip
        story.append(KeepTogether([_p("四、审批结果构成", "h2"), _pie_chart(report, w)]))
        slow = report.slow
        story.append(KeepTogether([
            _p("五、办理最慢的事项（用时中位数与法定时限，工作日）", "h2"),
            _bar_chart([s["label"] for s in slow], [[s["median_days"] or 0 for s in slow],
                       [s["limit_days"] for s in slow]], (_ORANGE, _GREY), w),
            _legend(((_ORANGE, "用时中位数"), (_GREY, "法定时限")), w),
        ]))  # fmt: skip
        story += [
            _p("六、分部门明细", "h2"),
            _table(["部门", "本月件数", "上月件数", "增减", "增减率"],
                   [[c.label, f"{c.count:,}", f"{c.previous:,}", f"{c.delta:+,}",
                     _rate(c.delta / c.previous if c.previous else None)] for c in report.departments],
                   [0.44 * w, 0.14 * w, 0.14 * w, 0.14 * w, 0.14 * w]),
            Spacer(1, 3 * mm),
            _p("七、分事项明细（按本月件数）", "h2"),
            _table(["审批事项", "本月件数", "上月件数", "增减"],
                   [[c.label, f"{c.count:,}", f"{c.previous:,}", f"{c.delta:+,}"] for c in report.matters[:20]],
                   [0.52 * w, 0.16 * w, 0.16 * w, 0.16 * w]),
        ]  # fmt: skip
    doc.build(story)
    return buf.getvalue()


def scope_of(user: Principal) -> str:
    """Whose records a report counts, in the words printed on it."""
    who = user.display_name or user.username
    where = f"，{user.department}" if user.department else ""
    return f"{who}（{user.role.label}{where}）可查阅的档案"


def monthly_report_pdf(archive: Archive, user: Principal, month: date) -> tuple[MonthlyReport, bytes, str]:
    """(numbers, PDF bytes, file name) of one month's report as `user` may see it."""
    report = monthly_report(archive, user, month)
    data = report_pdf(report, scope_of(user), utcnow())
    return report, data, f"审批档案统计月报-{report.month:%Y-%m}.pdf"
