"""One page read end to end, and a file read page by page: repair, seals, text, corrections, tables.

The enhanced image is what gets read (deskewed text reads better and tables are found on straight
rules), but every box handed out is in pixels of the page as scanned, mapped back through the
enhancement's affine matrix: the record page draws them over the original, which is what is kept.
Seals are found on the original itself, so their boxes need no mapping.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from dangan.core import DanganError

from ._correct import correct_line
from ._engine import detect_and_read
from ._seals import find_seals, red_mask, remove_red
from ._types import Box, Correction, Line, PageText

log = logging.getLogger(__name__)
_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


def recognise(img: np.ndarray, read_seals: bool = True) -> PageText:
    """Lines (corrected, in reading order) and seals of an RGB page image, boxes in its pixels."""
    rgb = _as_rgb(img)
    mask = red_mask(rgb)
    seals = find_seals(rgb, mask, read=read_seals) if mask.any() else []
    lines, fixes = _read_text(remove_red(rgb, mask))
    return PageText(lines, seals, fixes)


def _read_text(rgb: np.ndarray, matrix: np.ndarray = _IDENTITY) -> tuple[list[Line], list[Correction]]:
    """Lines read on `rgb`, boxes mapped to the original through the inverse of `matrix`."""
    import cv2

    back = cv2.invertAffineTransform(np.asarray(matrix, dtype=np.float64))
    lines: list[Line] = []
    fixes: list[Correction] = []
    for raw in detect_and_read(rgb):
        text, found = correct_line(raw.text)
        fixes.extend(found)
        lines.append(Line(text, _box(raw.quad, back), raw.score, raw.text if found else ""))
    return lines, fixes


def _box(quad: np.ndarray, matrix: np.ndarray, size: tuple[int, int] | None = None) -> Box:
    """The axis-aligned box of `quad` after `matrix`, kept inside an image of `size` (w, h) if given."""
    pts = np.hstack([quad.astype(np.float64), np.ones((len(quad), 1))]) @ matrix.T
    x0, y0 = round(float(pts[:, 0].min())), round(float(pts[:, 1].min()))
    x1, y1 = round(float(pts[:, 0].max())), round(float(pts[:, 1].max()))
    if size is not None:
        x0, x1 = (min(max(v, 0), size[0]) for v in (x0, x1))
        y0, y1 = (min(max(v, 0), size[1]) for v in (y0, y1))
    return x0, y0, x1, y1


def read_page(img: np.ndarray, enhance: bool = True) -> dict[str, Any]:
    """One page as the `ocr --json` contract has it (plus `corrections`, `skew_degrees`, `steps`)."""
    rgb = _as_rgb(img)
    work, matrix, skew, steps = rgb, _IDENTITY, 0.0, []
    if enhance:
        try:
            from dangan.digitize.enhance import enhance as repair

            done = repair(rgb)
            work, skew, steps = done.image, float(done.skew_degrees), list(done.steps)
            matrix = np.asarray(getattr(done, "matrix", _IDENTITY), dtype=np.float64)
        except Exception:  # an unrepairable page is still worth reading as scanned
            log.exception("enhancement failed; reading the page as scanned")
    mask = red_mask(rgb)
    seals = find_seals(rgb, mask) if mask.any() else []
    work_mask = red_mask(work) if work is not rgb else mask
    lines, fixes = _read_text(remove_red(work, work_mask), _IDENTITY)
    from dangan.digitize.enhance import map_box

    tables, figures = _tables(work, lines, [_int_box(map_box(seal.box, matrix)) for seal in seals])
    import cv2

    back = cv2.invertAffineTransform(matrix)
    size = (rgb.shape[1], rgb.shape[0])
    for line in lines:
        line.box = _box(_corners(line.box), back, size)
    return {
        "text": "\n".join(line.text for line in lines),
        "lines": [line.as_json() for line in lines],
        "seals": [seal.as_json() for seal in seals],
        "tables": [
            {
                "box": list(_box(_corners(t.box), back, size)),
                "rows": t.rows,
                # beyond the contract: merged cells as [row, col, rowspan, colspan], for the XLSX export
                "merged": [
                    [c.row, c.col, c.rowspan, c.colspan] for c in t.cells if c.rowspan > 1 or c.colspan > 1
                ],
            }
            for t in tables
        ],
        "figures": [{"box": list(_box(_corners(f.box), back, size)), "kind": f.kind} for f in figures],
        "corrections": [fix.as_json() for fix in fixes],
        "skew_degrees": round(skew, 2),
        "steps": steps,
    }


def _int_box(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    return (int(box[0]), int(box[1]), int(box[2] + 0.5), int(box[3] + 0.5))


def _corners(box: Any) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


def _tables(
    img: np.ndarray, lines: list[Line], seals: list[tuple[int, int, int, int]]
) -> tuple[list[Any], list[Any]]:
    """Tables and figures of the enhanced page; the seals (already reported) are not figures."""
    from dangan.digitize.tables import find_figures, find_tables

    try:
        tables = find_tables(img, lines)
        return tables, find_figures(img, lines, tables, exclude=seals)
    except Exception:  # tables are a bonus on a page whose text was read: never lose the text for them
        log.exception("table finding failed")
        return [], []


def ocr_file(path: Path, enhance: bool = True, max_pages: int = 500) -> dict[str, Any]:
    """Every page of an image or image-only PDF read; a page that fails says why and the rest go on."""
    from dangan.digitize.pages import load_pages

    pages: list[dict[str, Any]] = []
    for page in load_pages(Path(path), max_pages=max_pages):
        entry: dict[str, Any] = {"page": page.index}
        if page.image is None:
            entry.update(_failed(page.error or "无法读取该页图像"))
        else:
            try:
                entry.update(read_page(page.image, enhance=enhance))
                entry["error"] = None
            except DanganError as exc:
                entry.update(_failed(exc.message))
            except Exception as exc:  # one bad page must never stop the batch
                log.exception("page %s of %s failed", page.index, path)
                entry.update(_failed(f"识别失败：{type(exc).__name__}"))
        pages.append(entry)
    return {"pages": pages}


def _failed(reason: str) -> dict[str, Any]:
    return {
        "text": "",
        "lines": [],
        "seals": [],
        "tables": [],
        "figures": [],
        "corrections": [],
        "error": reason,
    }


def _as_rgb(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return np.ascontiguousarray(np.repeat(img[:, :, None], 3, axis=2))
    if img.shape[2] == 4:
        return np.ascontiguousarray(img[:, :, :3])
    return img
