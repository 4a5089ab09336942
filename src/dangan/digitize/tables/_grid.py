"""Ruled tables: find the drawn rules with morphology, then cell boxes and spans from the separators.

Rules are what a scanned government form reliably has, and finding them needs no model: long thin
horizontal and vertical strokes survive an opening with a long kernel, characters do not. A merged cell is
simply a place where the separator between two grid slots is missing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from dangan.digitize.tables._model import Box


@dataclass(frozen=True)
class Segment:
    lo: int  # start along the line
    hi: int  # end along the line
    at: int  # position across the line (y of a horizontal rule, x of a vertical one)


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box


@dataclass(frozen=True)
class Grid:
    box: Box
    xs: list[int]
    ys: list[int]
    cells: list[GridCell]


def ink_mask(image: np.ndarray) -> np.ndarray:
    """Dark strokes as 255 on 0, with red (seal) ink dropped so a stamp over a table never adds rules."""
    rgb = image.astype(np.int16)
    red = (rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 60
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    gray[red] = 255
    block = max(15, (min(gray.shape) // 60) | 1)
    mask = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 12)
    # Adaptive thresholding alone turns faint paper texture into specks; a global cut keeps only ink.
    mask[gray > 200] = 0
    return mask


def rule_length(shape: tuple[int, ...], text_height: float | None = None) -> int:
    """Shortest stroke counted as a rule: longer than any stroke of a character.

    The page's text height, when OCR has measured it, says how long a character's strokes can be; without
    it, a 30th of the page's short side is longer than body text at usual scan resolutions."""
    if text_height:
        return max(20, round(1.2 * text_height))
    return max(30, min(shape[0], shape[1]) // 30)


def rules(mask: np.ndarray, horizontal: bool, length: int) -> tuple[np.ndarray, list[Segment]]:
    """The rule strokes in one direction, as a mask and as segments (thick bars and blocks excluded)."""
    # Heal toner drop-outs first, or a rule with two gaps in a narrow cell falls apart below `length`.
    heal = max(4, length // 10)
    healed = cv2.morphologyEx(
        mask, cv2.MORPH_CLOSE, np.ones((1, heal) if horizontal else (heal, 1), dtype=np.uint8)
    )
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1) if horizontal else (1, length))
    opened = cv2.morphologyEx(healed, cv2.MORPH_OPEN, kernel)
    # Re-join a rule broken by residual skew, noise or a faint stretch of toner.
    bridge = cv2.getStructuringElement(cv2.MORPH_RECT, (length // 2, 3) if horizontal else (3, length // 2))
    joined = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, bridge)
    max_thick = max(8, min(mask.shape) // 150)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(count, dtype=bool)
    segments: list[Segment] = []
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        long_side = w if horizontal else h
        short_side = h if horizontal else w
        thick = area / long_side
        # A rule is straight: its box is no taller than its stroke plus the drift of ≤ 1° residual skew.
        # Strokes of neighbouring characters joined into a "rule" wander up and down.
        if long_side < length or thick > max_thick or short_side > 2 * thick + 0.02 * long_side + 2:
            continue
        keep[i] = True
        segments.append(Segment(x, x + w, y + h // 2) if horizontal else Segment(y, y + h, x + w // 2))
    return (keep[labels].astype(np.uint8) * 255), segments


def _cluster(segs: list[Segment], tol: int) -> list[int]:
    """Rule positions. The longest segments found the positions and shorter ones within `tol` join
    them (length-weighted), so a chain of stray strokes can never fuse two rules into one."""
    groups: list[list[Segment]] = []
    for seg in sorted(segs, key=lambda s: s.lo - s.hi):
        near = [g for g in groups if abs(g[0].at - seg.at) <= tol]
        if near:
            min(near, key=lambda g: abs(g[0].at - seg.at)).append(seg)
        else:
            groups.append([seg])
    positions = [round(sum(s.at * (s.hi - s.lo) for s in g) / sum(s.hi - s.lo for s in g)) for g in groups]
    return sorted(positions)


def _by_position(segs: list[Segment], positions: list[int], gap: int) -> list[list[tuple[int, int]]]:
    """The stretches each rule position covers: a segment belongs to the nearest position. Going by the
    segments rather than a pixel band keeps a rule that drifts a few pixels across a residually skewed page."""
    out: list[list[tuple[int, int]]] = [[] for _ in positions]
    for seg in segs:
        i = min(range(len(positions)), key=lambda k: abs(positions[k] - seg.at))
        if abs(positions[i] - seg.at) <= gap:
            out[i].append((seg.lo, seg.hi))
    return out


def _coverage(spans: list[tuple[int, int]], lo: int, hi: int) -> float:
    """Share of lo..hi (ends trimmed: rules meet there) that the spans cover."""
    margin = max(2, (hi - lo) // 10)
    lo, hi = lo + margin, hi - margin
    if hi <= lo:
        return 1.0
    covered = np.zeros(hi - lo, dtype=bool)
    for a, b in spans:
        covered[max(0, a - lo) : max(0, min(hi, b) - lo)] = True
    return float(np.count_nonzero(covered)) / (hi - lo)


def _in_text(seg: Segment, horizontal: bool, text_boxes: Sequence[Box]) -> bool:
    """Strokes of neighbouring characters, healed together, can look like a rule inside text lines (even
    across a cell border); real rules never run through the middle of the lines they cross."""
    inside = 0
    for x0, y0, x1, y1 in text_boxes:
        lo, hi, a0, a1 = (x0, x1, y0, y1) if horizontal else (y0, y1, x0, x1)
        inner = (a1 - a0) // 10
        if a0 + inner <= seg.at <= a1 - inner:
            inside += max(0, min(hi, seg.hi) - max(lo, seg.lo))
    return inside >= 0.5 * (seg.hi - seg.lo)


def find_grids(
    image: np.ndarray, text_boxes: Sequence[Box] = (), mask: np.ndarray | None = None
) -> list[Grid]:
    """Every ruled grid on the page with at least two rows and two columns; `text_boxes` are the page's
    OCR line boxes, which tell the text size and where strokes are characters, not rules."""
    if mask is None:
        mask = ink_mask(image)
    heights = sorted(b[3] - b[1] for b in text_boxes)
    text_height = float(heights[len(heights) // 2]) if heights else None
    length = rule_length(mask.shape, text_height)
    hmask, hsegs = rules(mask, horizontal=True, length=length)
    vmask, vsegs = rules(mask, horizontal=False, length=length)
    hsegs = [s for s in hsegs if not _in_text(s, True, text_boxes)]
    vsegs = [s for s in vsegs if not _in_text(s, False, text_boxes)]
    both = cv2.dilate(hmask | vmask, cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    grids: list[Grid] = []
    for i in range(1, count):
        x, y, w, h, _area = (int(v) for v in stats[i])
        region = (x, y, x + w, y + h)
        grid = _grid_in(region, hsegs, vsegs, length)
        if grid is not None:
            grids.append(grid)
    return sorted(grids, key=lambda g: (g.box[1], g.box[0]))


def _inside(seg: Segment, horizontal: bool, region: Box, tol: int) -> bool:
    x0, y0, x1, y1 = region
    if horizontal:
        return y0 - tol <= seg.at <= y1 + tol and seg.lo >= x0 - tol and seg.hi <= x1 + tol
    return x0 - tol <= seg.at <= x1 + tol and seg.lo >= y0 - tol and seg.hi <= y1 + tol


def _grid_in(
    region: Box,
    hsegs: list[Segment],
    vsegs: list[Segment],
    length: int,
) -> Grid | None:
    tol = max(4, length // 6)
    x0, y0, x1, y1 = region
    hs = [s for s in hsegs if _inside(s, True, region, tol)]
    vs = [s for s in vsegs if _inside(s, False, region, tol)]
    if len(hs) < 2 or not vs:
        return None
    # A rule is at least as far from the next as a cell holds text: closer positions are one skewed rule.
    gap = max(tol, length // 2)
    ys = _cluster(hs, gap)
    xs = _cluster(vs, gap)
    # Open-sided tables (no outer vertical or horizontal border) still have their extent drawn.
    if xs[0] - x0 > gap:
        xs.insert(0, x0)
    if x1 - xs[-1] > gap:
        xs.append(x1)
    if ys[0] - y0 > gap:
        ys.insert(0, y0)
    if y1 - ys[-1] > gap:
        ys.append(y1)
    rows, cols = len(ys) - 1, len(xs) - 1
    if rows < 2 or cols < 2:
        return None
    parent = list(range(rows * cols))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    at_y = _by_position(hs, ys, gap)
    at_x = _by_position(vs, xs, gap)
    for r in range(rows):
        for c in range(cols):
            if c + 1 < cols and _coverage(at_x[c + 1], ys[r], ys[r + 1]) < 0.5:
                union(r * cols + c, r * cols + c + 1)
            if r + 1 < rows and _coverage(at_y[r + 1], xs[c], xs[c + 1]) < 0.5:
                union(r * cols + c, (r + 1) * cols + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(rows):
        for c in range(cols):
            groups.setdefault(find(r * cols + c), []).append((r, c))
    if len(groups) < 2:
        return None
    taken: set[tuple[int, int]] = set()
    cells: list[GridCell] = []
    for members in sorted(groups.values(), key=min):
        r0, c0 = min(m[0] for m in members), min(m[1] for m in members)
        r1, c1 = max(m[0] for m in members), max(m[1] for m in members)
        slots = {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        if slots & taken:  # a non-rectangular merge: keep the slots as single cells
            slots = {m for m in members if m not in taken}
            for r, c in sorted(slots):
                cells.append(GridCell(r, c, 1, 1, (xs[c], ys[r], xs[c + 1], ys[r + 1])))
            taken |= slots
            continue
        taken |= slots
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, (xs[c0], ys[r0], xs[c1 + 1], ys[r1 + 1])))
    cells.sort(key=lambda g: (g.row, g.col))
    return Grid((xs[0], ys[0], xs[-1], ys[-1]), xs, ys, cells)
