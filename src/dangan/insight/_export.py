"""Each dashboard chart's numbers as a spreadsheet: CSV (UTF-8 with BOM, for Excel on Chinese Windows)
and XLSX, Chinese headers, the same figures the chart draws under the same filters and rights.

The scanned pages' table export lives in `digitize`, which this layer may not import; the few lines it
takes are repeated here, formula-like cells defused the same way (a leading ' keeps =, +, -, @ as text).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from dangan.access import Principal
from dangan.core import Problem, ValidationFailed
from dangan.services.archive import Archive

from ._filters import StatsFilter
from ._panels import enterprise_registrations, processing_times
from ._stats import DIMENSION_LABELS, stats

EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip
PANEL_TITLES = {
    **{by: f"按{label}统计" for by, label in DIMENSION_LABELS.items()},
    "processing": "办理用时与按时办结率",
    "enterprise_section": "企业设立登记（按行业门类）",
    "enterprise_district": "企业设立登记（按行政区划）",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


Cell = str | int | float | None
_RATE_WORDS = ("率", "增长")  # columns holding a fraction, shown as a percentage


def _is_rate(header: str) -> bool:
    return any(word in header for word in _RATE_WORDS)


def _stats_table(archive: Archive, user: Principal, by: str, f: StatsFilter) -> list[list[Cell]]:
    doc = stats(archive, user, by, f)
    table: list[list[Cell]] = [[DIMENSION_LABELS[by], "件数", "办理用时中位数（工作日）", "按时办结率"]]
    for r in doc.rows:
        table.append([r.label, r.tally.count, r.tally.median_days, r.tally.on_time_rate])
    return table


def _processing_table(archive: Archive, user: Principal, f: StatsFilter) -> list[list[Cell]]:
    doc = processing_times(archive, user, f)
    table: list[list[Cell]] = [
        ["审批事项", "件数", "法定时限（工作日）", "办理用时中位数（工作日）", "按时办结率"]
    ]
    for r in doc["matters"]:
        table.append([r["label"], r["count"], r["limit_days"], r["median_days"], r["on_time_rate"]])
    return table


def _enterprise_table(archive: Archive, user: Principal, f: StatsFilter, part: str) -> list[list[Cell]]:
    doc = enterprise_registrations(archive, user, f)
    table: list[list[Cell]] = [
        ["年度", "行业门类" if part == "by_section" else "行政区划", "件数", "上年件数", "同比增长"]
    ]
    for r in doc[part]:
        table.append([r["year"], r["label"], r["count"], r["previous"], r["yoy_growth"]])
    return table


def panel_table(archive: Archive, user: Principal, panel: str, f: StatsFilter) -> list[list[Cell]]:
    """The rows of one chart, headers first."""
    builders: dict[str, Callable[[], list[list[Cell]]]] = {
        "processing": lambda: _processing_table(archive, user, f),
        "enterprise_section": lambda: _enterprise_table(archive, user, f, "by_section"),
        "enterprise_district": lambda: _enterprise_table(archive, user, f, "by_district"),
    }
    if panel in DIMENSION_LABELS:
        return _stats_table(archive, user, panel, f)
    if panel not in builders:
        message = f"未知的图表：{panel}"
        raise ValidationFailed(
            message, code="unknown_panel", problems=[Problem("unknown_panel", message, "panel")]
        )
    return builders[panel]()


def _safe(cell: Cell) -> Cell:
    return "'" + cell if isinstance(cell, str) and cell.startswith(_FORMULA_START) else cell


def _text(cell: Cell, rate: bool) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return f"{cell:.2%}" if rate else f"{cell:g}"
    return str(_safe(cell))


def table_bytes(table: list[list[Cell]], fmt: str, title: str) -> bytes:
    if fmt == "csv":
        out = io.StringIO()
        rates = [_is_rate(str(h)) for h in table[0]]
        lines = [[_text(c, rate) for c, rate in zip(row, rates, strict=True)] for row in table]
        csv.writer(out, lineterminator="\r\n").writerows(lines)
        return out.getvalue().encode("utf-8-sig")
    if fmt != "xlsx":
        raise ValidationFailed(f"未知导出格式：{fmt}（可选 csv、xlsx）", code="bad_format")
    from openpyxl import Workbook  # type: ignore[import-untyped]  # loaded for an export only
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for row in table:
        sheet.append([_safe(c) for c in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if _is_rate(str(cell.value)):
            for (rated,) in sheet.iter_rows(min_row=2, min_col=cell.column, max_col=cell.column):
                rated.number_format = "0.00%"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def export_panel(
    archive: Archive, user: Principal, panel: str, f: StatsFilter, fmt: str
) -> tuple[bytes, str, str]:
    """(bytes, file name, media type) of one chart's data."""
    if fmt not in EXPORT_TYPES:
        raise ValidationFailed(f"未知导出格式：{fmt}（可选 csv、xlsx）", code="bad_format")
    table = panel_table(archive, user, panel, f)
    title = PANEL_TITLES.get(panel, panel)
    return table_bytes(table, fmt, title), f"{title}.{fmt}", EXPORT_TYPES[fmt]
