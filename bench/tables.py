"""Tables on scanned pages: cell accuracy and speed of the candidate readers, on pages rendered here.

Each page holds one table with known cells (two-level header with a merged cell, a row-spanning cell,
Chinese names, USCCs, amounts, dates), drawn at 200 or 300 dpi with scan noise, JPEG loss and a residual
skew of up to ±0.4° (what is left after enhancement). The page is read once by rapidocr; every reader then
gets the same lines, so the table numbers measure structure, not OCR:

- `dangan`: `dangan.digitize.tables.find_tables` (OpenCV rules + OCR lines into cells);
- `img2table`: img2table 2.0 structure (OpenCV), with the same OCR lines put into its cells (measured only
  when importable: it needs opencv-contrib, which clashes with our opencv-python-headless, so give it its
  own folder and put it first on PYTHONPATH);
- `rapid-table` 3.0.2 is not run: its wheel holds no model (the slanet/ppstructure ONNX files download
  from a model hub on first use) and nothing may be downloaded at run time.

A cell is right when its text (whitespace removed) equals the truth and it sits at the truth's row and
column; spans are right when a merged cell's rowspan/colspan match. Borderless pages (same tables, no
rules) are read by `dangan` only, best effort.

.venv/bin/python bench/tables.py [--pages 8]
PYTHONPATH=/tmp/i2t:/tmp/i2tcv .venv/bin/python bench/tables.py   # with img2table + opencv-contrib there
(pip install --no-deps --target /tmp/i2t img2table==2.0.0 beautifulsoup4 soupsieve xlsxwriter;
 pip install --no-deps --target /tmp/i2tcv opencv-contrib-python-headless==5.0.0.93)
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "2")

import cv2
import numpy as np
from _common import machine, print_table, write_json
from PIL import Image, ImageDraw

from dangan.digitize.fonts import pil_cjk_font
from dangan.digitize.tables import Table, find_tables

COMPANIES = [
    "海港区顺达食品有限公司",
    "北戴河鑫源餐饮店",
    "山海关区华康药房",
    "昌黎县绿野农业合作社",
    "抚宁区恒通建材有限公司",
    "卢龙县万家超市",
    "青龙满族自治县山货商行",
    "开发区博远科技有限公司",
]
ITEMS = ["食品经营许可", "药品零售许可", "建筑施工许可", "排污许可", "道路运输许可", "卫生许可"]
DISTRICTS = ["海港区", "山海关区", "北戴河区", "抚宁区", "昌黎县"]
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class OcrLine:
    text: str
    box: tuple[int, int, int, int]
    confidence: float


@dataclass
class Truth:
    rows: list[list[str]]
    spans: dict[tuple[int, int], tuple[int, int]]  # (row, col) -> (rowspan, colspan) of merged cells


def make_truth(rng: random.Random, n_rows: int) -> Truth:
    header1 = ["序号", "区县", "企业名称", "许可信息", "", "金额（元）"]
    header2 = ["", "", "", "许可项目", "有效期至", ""]
    rows = [header1, header2]
    spans = {(0, 0): (2, 1), (0, 1): (2, 1), (0, 2): (2, 1), (0, 3): (1, 2), (0, 5): (2, 1)}
    r = 2
    while r < 2 + n_rows:
        span = 2 if rng.random() < 0.35 and r + 1 < 2 + n_rows else 1
        district = rng.choice(DISTRICTS)
        for k in range(span):
            amount = f"{rng.randint(1, 99999)}.{rng.randint(0, 99):02d}"
            date = f"{rng.randint(2024, 2030)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
            rows.append(
                [
                    str(r - 1 + k),
                    district if k == 0 else "",
                    rng.choice(COMPANIES),
                    rng.choice(ITEMS),
                    date,
                    amount,
                ]
            )
        if span == 2:
            spans[(r, 1)] = (2, 1)
        r += span
    return Truth(rows, spans)


def render(truth: Truth, dpi: int, rng: random.Random, ruled: bool = True) -> np.ndarray:
    size = round(10.5 / 72 * dpi)
    font = pil_cjk_font(size)
    pad = size // 2
    n_cols = len(truth.rows[0])
    widths = [0] * n_cols
    for row in truth.rows:
        for c, text in enumerate(row):
            widths[c] = max(widths[c], round(font.getlength(text)) + 2 * pad + (0 if ruled else size))
    row_h = size * 2
    width = round(8.27 * dpi)
    left = max(size, (width - sum(widths)) // 2)
    top = size * 4
    height = top + row_h * len(truth.rows) + size * 6
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    draw.text((left, size), "附件：行政许可事项汇总表", font=pil_cjk_font(round(size * 1.3)), fill="black")
    xs = [left]
    for w in widths:
        xs.append(xs[-1] + w)
    ys = [top + i * row_h for i in range(len(truth.rows) + 1)]
    covered = {
        (r + dr, c + dc)
        for (r, c), (rs, cs) in truth.spans.items()
        for dr in range(rs)
        for dc in range(cs)
        if (dr, dc) != (0, 0)
    }
    lw = rng.choice([1, 2, 3]) if dpi <= 200 else rng.choice([2, 3, 4])
    open_sided = rng.random() < 0.3  # no outer vertical borders, a common style in notices
    for (r, c), text in (
        (rc, truth.rows[rc[0]][rc[1]])
        for rc in ((r, c) for r in range(len(truth.rows)) for c in range(n_cols))
    ):
        if (r, c) in covered:
            continue
        rs, cs = truth.spans.get((r, c), (1, 1))
        x0, y0, x1, y1 = xs[c], ys[r], xs[c + cs], ys[r + rs]
        if ruled:
            draw.line((x0, y0, x1, y0), fill="black", width=lw)
            draw.line((x0, y1, x1, y1), fill="black", width=lw)
            if not (open_sided and c == 0):
                draw.line((x0, y0, x0, y1), fill="black", width=lw)
            if not (open_sided and c + cs == n_cols):
                draw.line((x1, y0, x1, y1), fill="black", width=lw)
        if text:
            tw = font.getlength(text)
            draw.text(((x0 + x1 - tw) / 2, (y0 + y1 - size) / 2 - size // 8), text, font=font, fill="black")
    if ruled:  # toner drop-outs: short gaps in the rules
        for _ in range(len(truth.rows) * 3):
            gx, gy = rng.randint(xs[0], xs[-1]), rng.choice(ys)
            draw.rectangle((gx, gy - lw, gx + rng.randint(3, 8), gy + lw), fill="white")
    if rng.random() < 0.5:  # a red seal stamped across the right part of the table (ink over toner)
        seal = Image.new("RGB", page.size, "white")
        sd = ImageDraw.Draw(seal)
        cx, cy, rad = xs[-2], (ys[2] + ys[-1]) // 2, round(0.8 * dpi)
        sd.ellipse((cx - rad, cy - rad, cx + rad, cy + rad), outline=(210, 30, 40), width=max(3, dpi // 60))
        sd.text(
            (cx - 3 * size, cy - size // 2),
            "审批专用章",
            font=pil_cjk_font(round(size * 1.2)),
            fill=(210, 30, 40),
        )
        page = Image.fromarray(np.minimum(np.asarray(page), np.asarray(seal)))
    arr: np.ndarray = np.asarray(page).astype(np.float32)
    angle = rng.uniform(-0.4, 0.4)
    m = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    arr = cv2.warpAffine(arr, m, (width, height), borderValue=(255, 255, 255))
    if dpi <= 200:
        arr = cv2.GaussianBlur(arr, (3, 3), 0.7)
    arr += np.random.default_rng(rng.randint(0, 2**31)).normal(0, 8, arr.shape).astype(np.float32)
    out = np.clip(arr, 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(out).save(buf, format="JPEG", quality=80)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def make_ocr() -> Any:
    from rapidocr import RapidOCR

    return RapidOCR(
        params={"Global.log_level": "warning", "EngineConfig.onnxruntime.intra_op_num_threads": 2}
    )


def read_lines(engine: Any, image: np.ndarray) -> list[OcrLine]:
    result = engine(image)
    if result.boxes is None:
        return []
    lines = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        lines.append(
            OcrLine(text, (round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))), float(score))
        )
    return lines


def _norm(text: str) -> str:
    """Whitespace dropped and NFKC (the OCR's half-width "(" for "（" is not a table error)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def score(truth: Truth, tables: list[Table]) -> tuple[int, int, int, int]:
    """(cells right, truth cells, spans right, truth spans) against the largest table found."""
    covered = {
        (r + dr, c + dc)
        for (r, c), (rs, cs) in truth.spans.items()
        for dr in range(rs)
        for dc in range(cs)
        if (dr, dc) != (0, 0)
    }
    slots = [
        (r, c) for r in range(len(truth.rows)) for c in range(len(truth.rows[0])) if (r, c) not in covered
    ]
    if not tables:
        return 0, len(slots), 0, len(truth.spans)
    best = max(tables, key=lambda t: len(t.rows) * len(t.rows[0]) if t.rows else 0)
    right = 0
    for r, c in slots:
        if r < len(best.rows) and c < len(best.rows[r]) and _norm(best.rows[r][c]) == _norm(truth.rows[r][c]):
            right += 1
    spans = {(cell.row, cell.col): (cell.rowspan, cell.colspan) for cell in best.cells}
    span_right = sum(1 for rc, s in truth.spans.items() if spans.get(rc) == s)
    return right, len(slots), span_right, len(truth.spans)


def img2table_tables(image: np.ndarray, lines: list[OcrLine]) -> list[Table]:
    """img2table's cell structure, filled with the same OCR lines through our cell assignment."""
    from img2table.document import Image as I2TImage  # type: ignore[import-not-found]

    from dangan.digitize.tables import Cell
    from dangan.digitize.tables._cells import assign

    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG")
    doc = I2TImage(src=buf.getvalue())
    found = doc.extract_tables(ocr=None, implicit_rows=False, borderless_tables=False, min_confidence=50)
    out: list[Table] = []
    for t in found:
        grid = [[(c.bbox.x1, c.bbox.y1, c.bbox.x2, c.bbox.y2) for c in row] for row in t.content.values()]
        # img2table repeats a merged cell's box in every slot it covers: keep the first, blank the rest.
        seen: dict[tuple[int, int, int, int], tuple[int, int]] = {}
        boxes = [b for row in grid for b in row]
        texts = {
            b: t for b, t in zip(dict.fromkeys(boxes), assign(list(dict.fromkeys(boxes)), lines), strict=True)
        }
        rows: list[list[str]] = []
        cells: list[Cell] = []
        for r, row in enumerate(grid):
            out_row = []
            for c, b in enumerate(row):
                if b in seen:
                    out_row.append("")
                    continue
                seen[b] = (r, c)
                out_row.append(texts[b])
            rows.append(out_row)
        for b, (r, c) in seen.items():
            rs = sum(1 for row in grid if b in row)
            cs = max(row.count(b) for row in grid)
            cells.append(Cell(r, c, rs, cs, b, texts[b]))
        x0, y0, x1, y1 = t.bbox.x1, t.bbox.y1, t.bbox.x2, t.bbox.y2
        out.append(Table((x0, y0, x1, y1), rows, cells))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()
    cv2.setNumThreads(2)
    have_i2t = False
    try:
        import img2table  # type: ignore[import-not-found]  # noqa: F401

        have_i2t = True
    except Exception as exc:  # any import failure just means "not measured"
        print(f"img2table 未测：{exc}", file=sys.stderr)
    engine = make_ocr()
    rng = random.Random(17)
    totals: dict[str, list[float]] = {}
    per_page = []
    for n in range(args.pages):
        dpi = 300 if n % 2 == 0 else 200
        for ruled in (True, False):
            truth = make_truth(rng, rng.randint(4, 8))
            image = render(truth, dpi, rng, ruled=ruled)
            t0 = time.perf_counter()
            lines = read_lines(engine, image)
            ocr_s = time.perf_counter() - t0
            readers = {"dangan": lambda im, ln: find_tables(im, ln)}
            if have_i2t and ruled:
                readers["img2table"] = img2table_tables
            for name, reader in readers.items():
                t0 = time.perf_counter()
                tables = reader(image, lines)
                secs = time.perf_counter() - t0
                right, cells, span_right, spans = score(truth, tables)
                key = f"{name} {'ruled' if ruled else 'borderless'}"
                acc = totals.setdefault(key, [0, 0, 0, 0, 0.0, 0.0])
                for i, v in enumerate((right, cells, span_right, spans, secs, ocr_s)):
                    acc[i] += v
                per_page.append(
                    {
                        "page": n,
                        "dpi": dpi,
                        "reader": key,
                        "cells_right": right,
                        "cells": cells,
                        "spans_right": span_right,
                        "spans": spans,
                        "seconds": round(secs, 3),
                        "ocr_seconds": round(ocr_s, 2),
                        "size": f"{image.shape[1]}x{image.shape[0]}",
                    }
                )
    rows = []
    for key, (t_right, t_cells, t_span_right, t_spans, t_secs, t_ocr) in totals.items():
        pages = args.pages
        rows.append(
            {
                "reader": key,
                "pages": pages,
                "cell_accuracy": f"{t_right / t_cells:.3f}",
                "span_accuracy": f"{t_span_right / t_spans:.3f}" if "borderless" not in key else "-",
                "s_per_page": f"{t_secs / pages:.3f}",
                "ocr_s_per_page": f"{t_ocr / pages:.2f}",
            }
        )
    print_table(
        "Table cells on rendered pages (same rapidocr lines for every reader; noisy 2-core timings)",
        rows,
        ["reader", "pages", "cell_accuracy", "span_accuracy", "s_per_page", "ocr_s_per_page"],
    )
    print("rapid-table 3.0.2: not run — its wheel ships no model (downloads on first use)")
    path = write_json(
        "tables",
        {
            "machine": machine(),
            "summary": rows,
            "pages": per_page,
            "rapid_table": "not run: wheel ships no model, downloads on first use",
        },
    )
    print(f"\n{path}")


if __name__ == "__main__":
    main()
