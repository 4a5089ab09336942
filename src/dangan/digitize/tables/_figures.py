"""Charts, photos and drawings: whatever ink is left once text lines, tables and seals are set aside.

The page OCR already tells where the text is, so a figure is found by subtraction rather than by a model,
then labelled from cheap evidence: axes or flat colour blocks make a chart, continuous tones a photo."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from dangan.digitize.tables._model import Box, Figure, Table, TextLine, line_box


def _red_seals(image: np.ndarray) -> np.ndarray:
    """Mask of red ring-like blobs: seals belong to the OCR's seal stage, never to figures."""
    rgb = image.astype(np.int16)
    red = ((rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 60).astype(np.uint8) * 255
    size = max(5, min(image.shape[:2]) // 100)
    blobs = cv2.morphologyEx(red, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(blobs, connectivity=8)
    out = np.zeros(red.shape, dtype=np.uint8)
    for i in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[i])
        fill = float(np.count_nonzero(red[y : y + h, x : x + w])) / max(1, w * h)
        if 0.6 <= w / max(1, h) <= 1.7 and fill < 0.6 and min(w, h) >= 3 * size:
            out[labels == i] = 255
    return out


def _ink(image: np.ndarray) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    colour = (hsv[..., 1] > 60) & (hsv[..., 2] > 40)
    return (((gray < 170) | colour).astype(np.uint8)) * 255


def find_figures(
    image: np.ndarray,
    lines: Sequence[TextLine],
    tables: Sequence[Table] = (),
    *,
    exclude: Sequence[Box] = (),
) -> list[Figure]:
    """Figures on a page, top to bottom; regions smaller than ~1 % of the page are ignored. `exclude`
    takes boxes already explained elsewhere (the OCR's seals), on top of the red rings skipped here."""
    h, w = image.shape[:2]
    mask = _ink(image)
    mask[_red_seals(image) > 0] = 0
    pad = 2
    for line in lines:
        x0, y0, x1, y1 = line_box(line)
        mask[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    for x0, y0, x1, y1 in [*(t.box for t in tables), *exclude]:
        mask[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad] = 0
    # Specks of scan noise must not seed regions; the closing then joins a figure's strokes into one.
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    k = max(9, min(h, w) // 40)
    joined = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    figures: list[Figure] = []
    min_side = max(24, min(h, w) // 12)
    for i in range(1, count):
        x, y, bw, bh, _ = (int(v) for v in stats[i])
        if bw < min_side or bh < min_side or bw * bh < 0.01 * h * w:
            continue
        ink = float(np.count_nonzero(mask[y : y + bh, x : x + bw])) / (bw * bh)
        if ink < 0.02:  # a frame or a few strokes around nothing
            continue
        box = _with_labels((x, y, x + bw, y + bh), lines, k)
        figures.append(Figure(box, _kind(image[y : y + bh, x : x + bw], mask[y : y + bh, x : x + bw])))
    return sorted(figures, key=lambda f: (f.box[1], f.box[0]))


def _with_labels(box: Box, lines: Sequence[TextLine], margin: int) -> Box:
    """Grow the box over the text lines that touch it (axis labels, legends), once."""
    x0, y0, x1, y1 = box
    for line in lines:
        lx0, ly0, lx1, ly1 = line_box(line)
        touches = lx0 < x1 + margin and lx1 > x0 - margin and ly0 < y1 + margin and ly1 > y0 - margin
        if touches and (lx1 - lx0) <= 1.5 * (x1 - x0):
            x0, y0, x1, y1 = min(x0, lx0), min(y0, ly0), max(x1, lx1), max(y1, ly1)
    return (x0, y0, x1, y1)


def _kind(crop: np.ndarray, ink: np.ndarray) -> str:
    h, w = ink.shape
    length = max(20, min(h, w) // 3)
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    has_axes = bool(np.count_nonzero(horiz[h // 2 :])) and bool(np.count_nonzero(vert[:, : w // 2]))
    hsv = cv2.cvtColor(crop, cv2.COLOR_RGB2HSV)
    gray = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    coloured = (hsv[..., 1] > 60) & (hsv[..., 2] > 40)
    # Flat colour: coloured pixels whose neighbourhood barely varies (bars, pie slices), not photo texture.
    g = gray.astype(np.float32)
    local_var = cv2.blur(g * g, (5, 5)) - cv2.blur(g, (5, 5)) ** 2
    flat_colour = float(np.count_nonzero(coloured & (local_var < 64))) / max(1, h * w)
    midtones = float(np.count_nonzero((gray > 40) & (gray < 215))) / max(1, h * w)
    levels = int(np.count_nonzero(np.bincount(gray.ravel(), minlength=256) > (h * w) // 2000))
    if midtones > 0.35 and levels > 120 and flat_colour < 0.25:
        return "photo"
    if has_axes or flat_colour > 0.05:
        return "chart"
    return "figure"
