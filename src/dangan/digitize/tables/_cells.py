"""Cell text from the page's OCR lines: each line goes to the cell that holds it.

Reusing the page's recognised lines costs nothing more than the page OCR already paid. A line the detector
ran across a rule is split by where its characters fall, assuming the even advance of Chinese print
(Latin letters and digits count half)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate, pairwise

import numpy as np

from dangan.digitize.tables._model import Box, TextLine, join_text, line_box


def _overlap(a: Box, b: Box) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0


def _area(b: Box) -> int:
    return max(1, (b[2] - b[0]) * (b[3] - b[1]))


def _advance(ch: str) -> float:
    return 0.5 if ch.isascii() else 1.0


def split_across(text: str, box: Box, cuts: Sequence[int], widths: Sequence[int] | None = None) -> list[str]:
    """`text` drawn in `box` cut at the x positions `cuts` (ascending, inside the box): one piece each.

    `widths`, the inked width of each piece of the box, places the characters where the ink is (text sits
    centred in cells, so the box is mostly blank); without it the box is taken as evenly filled."""
    weights = [_advance(ch) for ch in text]
    total = sum(weights) or 1.0
    edges = [box[0], *cuts, box[2]]
    spans = list(widths) if widths and sum(widths) > 0 else [b - a for a, b in pairwise(edges)]
    scale = total / max(1, sum(spans))
    bounds = list(accumulate(w * scale for w in spans[:-1]))
    pieces = [""] * (len(cuts) + 1)
    pos = 0.0
    for ch, w in zip(text, weights, strict=True):
        centre = pos + w / 2
        slot = sum(1 for b in bounds if centre >= b)
        pieces[slot] += ch
        pos += w
    return [p.strip() for p in pieces]


def _ink_widths(ink: np.ndarray | None, box: Box, edges: Sequence[int], trim: int) -> list[int] | None:
    if ink is None:
        return None
    out = []
    for lo, hi in pairwise(edges):
        part = ink[box[1] : box[3], lo + trim : max(lo + trim, hi - trim)]
        cols = np.flatnonzero(part.any(axis=0)) if part.size else np.array([], dtype=int)
        out.append(int(cols[-1] - cols[0] + 1) if cols.size else 0)
    return out


def assign(cell_boxes: Sequence[Box], lines: Sequence[TextLine], ink: np.ndarray | None = None) -> list[str]:
    """The text of each cell, in the order of `cell_boxes`; `ink` (the page's ink mask) helps split a
    line that runs across a rule."""
    parts: list[list[tuple[Box, str]]] = [[] for _ in cell_boxes]
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        box = line_box(line)
        hits = [(i, _overlap(box, cb)) for i, cb in enumerate(cell_boxes)]
        hits = [(i, o) for i, o in hits if o > 0]
        if not hits:
            continue
        area = _area(box)
        height = box[3] - box[1]
        best, _ = max(hits, key=lambda h: h[1])
        cb = cell_boxes[best]
        if max(cb[0] - box[0], box[2] - cb[2], 0) <= 0.6 * height:
            parts[best].append((box, text))
            continue
        # Runs across rules: keep the cells it really covers, left to right, and cut at their borders.
        covered = sorted((i for i, o in hits if o >= 0.1 * area), key=lambda i: cell_boxes[i][0])
        if sum(o for _, o in hits) < 0.5 * area or not covered:
            continue
        if len(covered) == 1:
            parts[covered[0]].append((box, text))
            continue
        cuts = [cell_boxes[i][0] for i in covered[1:]]
        widths = _ink_widths(ink, box, [box[0], *cuts, box[2]], max(2, height // 6))
        for i, piece in zip(covered, split_across(text, box, cuts, widths), strict=True):
            if piece:
                parts[i].append((box, piece))
    return [_read_order(p) for p in parts]


def _read_order(parts: list[tuple[Box, str]]) -> str:
    """Pieces in reading order: visual rows top to bottom (by overlap in y), then left to right."""
    rows: list[list[tuple[Box, str]]] = []
    for box, text in sorted(parts, key=lambda p: (p[0][1] + p[0][3]) / 2):
        if rows:
            last = rows[-1][-1][0]
            if min(box[3], last[3]) - max(box[1], last[1]) > 0.5 * min(box[3] - box[1], last[3] - last[1]):
                rows[-1].append((box, text))
                continue
        rows.append([(box, text)])
    return join_text([t for row in rows for _, t in sorted(row, key=lambda p: p[0][0])])
