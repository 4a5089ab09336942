"""Tables drawn without rules, inferred from text lines that stand in aligned columns (best effort).

Without rules the only evidence is layout: several consecutive visual rows, each split into separate
pieces, whose pieces leave the same vertical gutters free. Prose never does that; key-value blocks and
lists of figures do."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from dangan.digitize.tables._model import Box, Cell, Table, TextLine, join_text, line_box

Piece = tuple[Box, str]


def _rows(pieces: list[Piece]) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    for piece in sorted(pieces, key=lambda p: (p[0][1] + p[0][3]) / 2):
        box = piece[0]
        for row in rows[-2:]:
            top, bottom = min(p[0][1] for p in row), max(p[0][3] for p in row)
            if min(box[3], bottom) - max(box[1], top) > 0.5 * min(box[3] - box[1], bottom - top):
                row.append(piece)
                break
        else:
            rows.append([piece])
    return [sorted(r, key=lambda p: p[0][0]) for r in rows]


def _gutters(rows: list[list[Piece]], min_gap: float) -> list[tuple[int, int]]:
    """Column extents: the x intervals covered by some piece, split where every row leaves a gap."""
    spans = sorted((p[0][0], p[0][2]) for row in rows for p in row)
    cols: list[list[int]] = []
    for lo, hi in spans:
        if cols and lo - cols[-1][1] < min_gap:
            cols[-1][1] = max(cols[-1][1], hi)
        else:
            cols.append([lo, hi])
    return [(c[0], c[1]) for c in cols]


def find_borderless(lines: Sequence[TextLine], exclude: Sequence[Box]) -> list[Table]:
    """Aligned blocks of ≥ 3 rows × ≥ 2 columns (≥ 4 rows when only 2 columns) outside `exclude`."""
    pieces: list[Piece] = []
    for line in lines:
        box = line_box(line)
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        if line.text.strip() and not any(e[0] <= cx <= e[2] and e[1] <= cy <= e[3] for e in exclude):
            pieces.append((box, line.text.strip()))
    if len(pieces) < 6:
        return []
    height = median(p[0][3] - p[0][1] for p in pieces)
    rows = _rows(pieces)
    tables: list[Table] = []
    run: list[list[Piece]] = []
    for row in [*rows, []]:
        close = bool(run and row) and min(p[0][1] for p in row) - max(p[0][3] for p in run[-1]) < 1.5 * height
        # A lone piece inside a block is a wrapped cell or a row-spanning cell: it joins the row above.
        if close and (len(row) >= 2 or len(run[-1]) >= 2 or len(run) >= 2):
            run.append(row)
            continue
        table = _table(run, height)
        if table is not None:
            tables.append(table)
        run = [row] if len(row) >= 2 else []
    return tables


def _fold(run: list[list[Piece]]) -> list[list[Piece]]:
    while run and len(run[-1]) < 2:
        run = run[:-1]
    out: list[list[Piece]] = []
    for row in run:
        if len(row) < 2 and out:
            out[-1] = sorted([*out[-1], *row], key=lambda p: p[0][0])
        else:
            out.append(row)
    return out


def _table(run: list[list[Piece]], height: float) -> Table | None:
    run = _fold(run)
    if len(run) < 3:
        return None
    cols = _gutters(run, 0.6 * height)
    if len(cols) < 2 or (len(cols) == 2 and len(run) < 4):
        return None
    grid: list[list[str]] = []
    cells: list[Cell] = []
    for r, row in enumerate(run):
        top, bottom = min(p[0][1] for p in row), max(p[0][3] for p in row)
        texts = []
        for c, (lo, hi) in enumerate(cols):
            text = join_text([t for b, t in row if lo <= (b[0] + b[2]) / 2 <= hi])
            texts.append(text)
            cells.append(Cell(r, c, 1, 1, (lo, top, hi, bottom), text))
        grid.append(texts)
    filled = sum(1 for row in grid for t in row if t)
    if filled < 0.6 * len(grid) * len(cols):
        return None
    box = (cols[0][0], min(p[0][1] for p in run[0]), cols[-1][1], max(p[0][3] for p in run[-1]))
    return Table(box, grid, cells, ruled=False)
