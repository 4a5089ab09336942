"""Scan repair and QC cost on an A4 page at 300 dpi (2480×3508): skew estimate, full enhancement, QC.

.venv/bin/python bench/enhance.py [--runs 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cv2
import numpy as np
from _common import machine, median_of, print_table, write_json
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dangan.digitize.enhance import enhance, estimate_skew
from dangan.digitize.fonts import find_cjk_font
from dangan.digitize.pages import PageImage
from dangan.digitize.qc import check_page

LINE = "关于准予行政许可的决定书经审查你单位申请符合法定条件和标准现决定准予许可"


def scanned_a4(skew: float) -> np.ndarray:
    """Yellowed A4 with a stain, a red seal, a dark scanner edge, dust and `skew` degrees of tilt."""
    w, h = 2480, 3508
    img = Image.new("RGB", (w, h), (236, 224, 190))
    draw = ImageDraw.Draw(img)
    font_path = find_cjk_font()
    font = ImageFont.truetype(str(font_path), 50) if font_path else ImageFont.load_default()
    for i, y in enumerate(range(300, h - 300, 90)):
        draw.text((250, y), LINE[i % 7 :] + LINE[: i % 7], font=font, fill=(30, 30, 30))
    draw.ellipse([1500, 2400, 2100, 3000], outline=(210, 40, 40), width=25)
    stain = Image.new("L", (w, h), 0)
    ImageDraw.Draw(stain).ellipse([400, 800, 1300, 1700], fill=110)
    img = Image.composite(
        Image.new("RGB", (w, h), (150, 110, 60)), img, stain.filter(ImageFilter.GaussianBlur(60))
    )
    a = np.asarray(img.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(20, 20, 20))).copy()
    a[:, :120] = 15
    rng = np.random.default_rng(0)
    a[rng.integers(0, h, 20000), rng.integers(0, w, 20000)] = 0
    return a


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    page = scanned_a4(-2.3)
    rows = []
    for name, fn in [
        ("estimate_skew", lambda: estimate_skew(page)),
        ("enhance", lambda: enhance(page)),
        ("qc check_page", lambda: check_page(PageImage(1, page, (300.0, 300.0), "RGB", 8, "TIFF"))),
    ]:
        median, runs = median_of(args.runs, fn)
        rows.append(
            {
                "step": name,
                "median_s": f"{median:.3f}",
                "min_s": f"{min(runs):.3f}",
                "max_s": f"{max(runs):.3f}",
            }
        )
    found = enhance(page)
    rows.append(
        {
            "step": f"skew found {found.skew_degrees:+.2f}° (true -2.30°)",
            "median_s": "",
            "min_s": "",
            "max_s": "",
        }
    )
    print_table(
        f"A4 300 dpi, OpenCV threads = {args.threads} (noisy shared machine)",
        rows,
        ["step", "median_s", "min_s", "max_s"],
    )
    write_json("enhance", {"machine": machine(), "threads": args.threads, "rows": rows})


if __name__ == "__main__":
    main()
