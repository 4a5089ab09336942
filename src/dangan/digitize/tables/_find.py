"""Tables on a page: ruled grids first, then (best effort) aligned text outside them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dangan.digitize.tables._borderless import find_borderless
from dangan.digitize.tables._cells import assign
from dangan.digitize.tables._grid import find_grids, ink_mask
from dangan.digitize.tables._model import Cell, Table, TextLine, line_box


def find_tables(image: np.ndarray, lines: Sequence[TextLine], *, borderless: bool = True) -> list[Table]:
    """Tables on `image` (H×W×3 uint8 RGB) with cell text taken from the page's OCR `lines`.

    A ruled grid whose cells all stay empty although the page has text is dropped: that is a chart's
    gridlines or a drawn frame, not a table. `borderless=False` keeps only ruled tables (the reliable kind)."""
    ink = ink_mask(image)
    tables: list[Table] = []
    for grid in find_grids(image, [line_box(ln) for ln in lines if ln.text.strip()], ink):
        texts = assign([c.box for c in grid.cells], lines, ink)
        if lines and not any(texts):
            continue
        rows = [[""] * (len(grid.xs) - 1) for _ in range(len(grid.ys) - 1)]
        cells: list[Cell] = []
        for g, text in zip(grid.cells, texts, strict=True):
            rows[g.row][g.col] = text
            cells.append(Cell(g.row, g.col, g.rowspan, g.colspan, g.box, text))
        tables.append(Table(grid.box, rows, cells, ruled=True))
    if borderless:
        tables += find_borderless(lines, [t.box for t in tables])
    return sorted(tables, key=lambda t: (t.box[1], t.box[0]))
