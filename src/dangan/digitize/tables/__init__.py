"""Tables and figures on scanned pages, read with OpenCV and the page's own OCR lines (no extra model)."""

from __future__ import annotations

from dangan.digitize.tables._export import table_csv, table_from_json, tables_xlsx
from dangan.digitize.tables._figures import find_figures
from dangan.digitize.tables._find import find_tables
from dangan.digitize.tables._model import Box, Cell, Figure, Table, TextLine

__all__ = [
    "Box",
    "Cell",
    "Figure",
    "Table",
    "TextLine",
    "find_figures",
    "find_tables",
    "table_csv",
    "table_from_json",
    "tables_xlsx",
]
