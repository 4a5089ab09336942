"""OCR on rendered scans with known text: Dangan (rapidocr + seal separation + corrections) against
tesseract chi_sim, in the same run, per page kind.

Kinds (issue #17): clean 300 dpi; scanned 200 dpi with noise, 1–2° skew and a seal; poor 150 dpi with
blur, −3° skew and a red round seal over the issuer and date; a 300 dpi ruled table. Prints CER (edit
distance over the known text, whitespace removed), median seconds per page, seal recall and seal-text CER,
table cell accuracy; `raw` is rapidocr on the enhanced page without seal separation, for the seal's cost.

.venv/bin/python bench/ocr.py [--pages N] [--quick] [--no-tesseract]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, print_table, write_json
from _scans import KINDS, Scan, render
from PIL import Image

from dangan.digitize.enhance import enhance
from dangan.digitize.ocr import read_page
from dangan.digitize.ocr._engine import detect_and_read, engine


def edit_distance(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _squash(text: str) -> str:
    return "".join(text.split())


def cer(got: str, truth: str) -> float:
    t = _squash(truth)
    return edit_distance(_squash(got), t) / max(1, len(t))


def tesseract(scan: Scan) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "page.png"
        Image.fromarray(scan.image).save(png, dpi=(scan.dpi, scan.dpi))
        out = subprocess.run(
            ["tesseract", str(png), "-", "-l", "chi_sim", "--dpi", str(scan.dpi)],
            capture_output=True,
            text=True,
            timeout=600,
            env={"OMP_THREAD_LIMIT": "2", "PATH": "/usr/bin:/bin"},
        )
    return out.stdout


def cell_accuracy(found: list[dict[str, Any]], truth: list[list[str]]) -> float | None:
    if not truth:
        return None
    if not found:
        return 0.0
    rows = max(found, key=lambda t: len(t["rows"]))["rows"]
    right = sum(
        1
        for r, row in enumerate(truth)
        for c, cell in enumerate(row)
        if r < len(rows) and c < len(rows[r]) and _squash(rows[r][c]) == _squash(cell)
    )
    return right / sum(len(row) for row in truth)


def run_dangan(scan: Scan) -> dict[str, Any]:
    start = time.perf_counter()
    page = read_page(scan.image)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"cer": cer(page["text"], "\n".join(scan.lines)), "seconds": seconds}
    if scan.seal is not None:
        seal = page["seals"][0] if page["seals"] else None
        result["seal_found"] = seal is not None
        result["seal_shape_ok"] = seal is not None and seal["shape"] == scan.seal["shape"]
        result["seal_cer"] = cer(seal["text"] if seal else "", str(scan.seal["text"]))
    if scan.cells:
        result["cells"] = cell_accuracy(page["tables"], scan.cells)
    return result


def run_raw(scan: Scan) -> float:
    """rapidocr on the enhanced page as it is, red seal and all: what seal separation is measured against."""
    lines = detect_and_read(enhance(scan.image).image)
    return cer("".join(ln.text for ln in lines), "\n".join(scan.lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="pages per kind (default 2)")
    parser.add_argument(
        "--quick", action="store_true", help="one page per kind, tesseract only on the clean page"
    )
    parser.add_argument("--no-tesseract", action="store_true")
    args = parser.parse_args()
    pages = 1 if args.quick else args.pages
    engine()
    rows: list[dict[str, Any]] = []
    detail: dict[str, Any] = {}
    for kind in KINDS:
        dangan, raw, tess, tess_s = [], [], [], []
        for seed in range(pages):
            scan = render(kind, seed)
            dangan.append(run_dangan(scan))
            if kind in ("scanned", "poor"):
                raw.append(run_raw(scan))
            if not args.no_tesseract and (not args.quick or kind == "clean"):
                start = time.perf_counter()
                text = tesseract(scan)
                tess_s.append(time.perf_counter() - start)
                tess.append(cer(text, "\n".join(scan.lines)))
        seals = [d for d in dangan if "seal_found" in d]
        cells = [d["cells"] for d in dangan if d.get("cells") is not None]
        row = {
            "kind": kind,
            "pages": pages,
            "dangan_cer": f"{statistics.mean(d['cer'] for d in dangan):.4f}",
            "raw_cer": f"{statistics.mean(raw):.4f}" if raw else "",
            "tesseract_cer": f"{statistics.mean(tess):.4f}" if tess else "n/a",
            "dangan_s": f"{statistics.median(d['seconds'] for d in dangan):.2f}",
            "tesseract_s": f"{statistics.median(tess_s):.2f}" if tess_s else "n/a",
            "seal_recall": f"{sum(d['seal_found'] for d in seals) / len(seals):.2f}" if seals else "",
            "seal_shape": f"{sum(d['seal_shape_ok'] for d in seals) / len(seals):.2f}" if seals else "",
            "seal_text_cer": f"{statistics.mean(d['seal_cer'] for d in seals):.4f}" if seals else "",
            "cells": f"{statistics.mean(cells):.4f}" if cells else ("n/a" if kind == "table" else ""),
        }
        rows.append(row)
        detail[kind] = {"dangan": dangan, "raw_cer": raw, "tesseract_cer": tess, "tesseract_s": tess_s}
    columns = list(rows[0])
    print_table("OCR on rendered scans (2-core shared machine: timings are noisy)", rows, columns)
    targets = "targets: CER ≤ 0.01 clean, ≤ 0.03 poor; ≤ 2 s per 300 dpi A4 incl. enhancement; seals ≥ 0.95; cells ≥ 0.95"
    print(targets)
    path = write_json("ocr", {"machine": machine(), "rows": rows, "detail": detail, "targets": targets})
    print(f"written {path}")


if __name__ == "__main__":
    main()
