"""Tables out of the record page: CSV for any tool, XLSX with the merged cells merged again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from dangan.digitize.tables._model import Table

_NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?%?")


def _defuse(text: str) -> str:
    """Spreadsheet programs run a cell starting with = + - @ as a formula; OCR text must never do that.

    Plain numbers (−12.5, +3) are left as they are."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def table_csv(table: Table) -> str:
    """RFC 4180 CSV of `table.rows` (CRLF, quotes doubled). Encode it as UTF-8 with BOM ("utf-8-sig") for
    Excel on Chinese Windows, which otherwise reads it as GBK."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in table.rows:
        writer.writerow([_defuse(cell) for cell in row])
    return buf.getvalue()


def tables_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table (表1, 表2, …); merged cells span the same ranges as on paper."""
    from openpyxl import Workbook  # type: ignore[import-untyped]  # ≈ 0.1 s: loaded for an export only

    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for n, table in enumerate(tables, start=1):
        sheet = book.create_sheet(f"表{n}")
        for r, row in enumerate(table.rows, start=1):
            for c, text in enumerate(row, start=1):
                if text:
                    sheet.cell(row=r, column=c, value=_defuse(text))
        for cell in table.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                sheet.merge_cells(
                    start_row=cell.row + 1,
                    start_column=cell.col + 1,
                    end_row=cell.row + cell.rowspan,
                    end_column=cell.col + cell.colspan,
                )
    if not tables:
        book.create_sheet("表1")
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
