"""Tables out of the record page: CSV for any tool, XLSX with the merged cells merged again."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from dangan.digitize.tables._model import Cell, Table

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


def table_from_json(doc: Mapping[str, Any]) -> Table:
    """A table as the OCR JSON keeps it (`rows`, and `merged` spans when there are any), for export."""
    rows = [[str(cell) for cell in row] for row in doc.get("rows") or []]
    x0, y0, x1, y1 = (int(v) for v in (doc.get("box") or (0, 0, 0, 0)))

    def text(r: int, c: int) -> str:
        return rows[r][c] if r < len(rows) and c < len(rows[r]) else ""

    spans = [(int(r), int(c), int(rs), int(cs)) for r, c, rs, cs in doc.get("merged") or []]
    cells = [Cell(r, c, rs, cs, (0, 0, 0, 0), text(r, c)) for r, c, rs, cs in spans]
    return Table((x0, y0, x1, y1), rows, cells)
