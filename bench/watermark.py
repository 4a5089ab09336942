"""Watermarks: time to stamp a non-public PDF download by page count, and one preview PNG page.

.venv/bin/python bench/watermark.py [--pages 1,10,50] [--runs 3]
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median_of, print_table, write_json
from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from dangan.digitize import Watermark, watermark_pdf, watermark_png

MARK = Watermark("王档案", "archivist", "2024-05-06 10:00:00 UTC", "0123456789abcdef")


def make_pdf(pages: int) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for n in range(1, pages + 1):
        pdf.setFont("STSong-Light", 14)
        for line in range(40):
            pdf.drawString(60, 780 - line * 18, f"第 {n} 页 第 {line + 1} 行 行政许可决定书正文示例文字")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="1,10,50")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for pages in [int(p) for p in args.pages.split(",")]:
        data = make_pdf(pages)
        median, _times = median_of(args.runs, lambda: watermark_pdf(data, MARK))  # noqa: B023
        out = watermark_pdf(data, MARK)
        rows.append({"what": f"PDF {pages} 页", "seconds": round(median, 3), "per_page_ms": round(median / pages * 1000, 1),
                     "in_kib": len(data) // 1024, "out_kib": len(out) // 1024})  # fmt: skip
    png = io.BytesIO()
    Image.new("RGB", (1000, 1414), "white").save(png, format="PNG")
    median, _ = median_of(args.runs, lambda: watermark_png(png.getvalue(), MARK))
    rows.append(
        {"what": "预览 PNG 1000×1414", "seconds": round(median, 3), "per_page_ms": round(median * 1000, 1)}
    )
    print_table("watermark", rows, ["what", "seconds", "per_page_ms", "in_kib", "out_kib"])
    write_json("watermark", {"machine": machine(), "runs": args.runs, "rows": rows})


if __name__ == "__main__":
    main()
