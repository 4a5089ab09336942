"""Redaction of personal data: what covering a page costs, against rendering/stamping it plain, same run.

For each demo document kind (and a generated long PDF with a phone number on every page): preview of
page 1 plain (`render_pdf_page`) vs covered (`render_redacted_page`), and a whole download plain-stamped
(`watermark_pdf`) vs redacted then stamped (what a user below the unmask right receives).

.venv/bin/python bench/redact.py [--runs 5] [--pages 20]
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median_of, print_table, write_json
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from dangan.demo import make_case
from dangan.digitize import Watermark, redact_pdf, render_pdf_page, render_redacted_page, watermark_pdf
from dangan.domain import PersonalTerms

MARK = Watermark("见习档案员", "junior", "2026-12-07 12:00:00 北京时间", "0123456789abcdef")


def long_pdf(pages: int, phone: str) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for n in range(1, pages + 1):
        pdf.setFont("STSong-Light", 12)
        for line in range(40):
            extra = f" 联系电话 {phone}" if line == 20 else ""
            pdf.drawString(
                60, 780 - line * 18, f"第 {n} 页 第 {line + 1} 行 行政许可决定书正文示例文字{extra}"
            )
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def samples(pages: int) -> list[tuple[str, bytes, PersonalTerms]]:
    out: list[tuple[str, bytes, PersonalTerms]] = []
    seen: set[str] = set()
    for seed in range(60):
        case = make_case(seed)
        a = case.case["applicant"]
        terms = PersonalTerms.of([a.get("id_number"), a.get("phone"), a.get("address")])
        for name, data in case.files.items():
            if name.endswith(".pdf") and name not in seen:
                seen.add(name)
                out.append((name, data, terms))
    out.append((f"生成的 {pages} 页文件", long_pdf(pages, "13312349905"), PersonalTerms.of(["13312349905"])))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pages", type=int, default=20)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, data, terms in samples(args.pages):
            path = Path(tmp) / "doc.pdf"
            path.write_bytes(data)
            plain, _ = median_of(args.runs, lambda: render_pdf_page(path, 0, 1000))  # noqa: B023
            covered, _ = median_of(args.runs, lambda: render_redacted_page(path, 0, 1000, terms))  # noqa: B023
            stamped, _ = median_of(args.runs, lambda: watermark_pdf(data, MARK))  # noqa: B023
            result = redact_pdf(data, terms)
            both, _ = median_of(args.runs, lambda: watermark_pdf(redact_pdf(data, terms).data, MARK))  # noqa: B023
            rows.append({
                "file": name, "pages": result.pages, "covered_pages": result.redacted_pages,
                "regions": result.regions, "preview_ms": round(plain * 1000, 1),
                "preview_redacted_ms": round(covered * 1000, 1), "preview_ratio": round(covered / plain, 2),
                "download_ms": round(stamped * 1000, 1), "download_redacted_ms": round(both * 1000, 1),
                "download_ratio": round(both / stamped, 2), "kib": len(data) // 1024,
                "redacted_kib": len(result.data) // 1024,
            })  # fmt: skip
    columns = ["file", "pages", "covered_pages", "regions", "preview_ms", "preview_redacted_ms", "preview_ratio",
               "download_ms", "download_redacted_ms", "download_ratio", "kib", "redacted_kib"]  # fmt: skip
    print_table("redact (medians; ratios against the plain path in the same run)", rows, columns)
    write_json("redact", {"machine": machine(), "runs": args.runs, "rows": rows})


if __name__ == "__main__":
    main()
