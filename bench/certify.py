"""Certified copies (出证): time to issue one (cover, appended pages, ledger entry, checkpoint, sealing,
storage) by the number of pages appended, and time to verify one offline.

    .venv/bin/python bench/certify.py [--pages 0,50,200] [--runs 3]
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

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.demo import make_case, write_case
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import archive_keys, issue_certificate, verify_certificate_file
from dangan.services.intake import import_paths

ARCHIVIST = Principal("bench", Role.ARCHIVIST, clearance=SecurityLevel.CONFIDENTIAL)


def _long_pdf(pages: int) -> bytes:
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for n in range(1, pages + 1):
        c.setFont("STSong-Light", 14)
        for line in range(30):
            c.drawString(60, 780 - 24 * line, f"卷宗第 {n} 页 第 {line + 1} 行：行政审批材料正文示例。")
        c.showPage()
    c.save()
    return buf.getvalue()


def _row(archive: Archive, root: Path, i: int, extra: int, runs: int) -> dict[str, object]:
    case = make_case(500 + i, open_to_public=False)
    if extra:
        case.files["卷宗.pdf"] = _long_pdf(extra)
        case.case["files"] = [*case.case["files"], {"path": "卷宗.pdf", "role": "其他材料"}]
    report = import_paths(archive, [write_case(case, root / "in")])
    record_id = str(report.accepted[0].record_id)
    issued = []
    median, _ = median_of(runs, lambda: issued.append(issue_certificate(archive, ARCHIVIST, record_id)))
    pdf = issued[-1].pdf
    keys = archive_keys(archive.settings.home)
    check, _ = median_of(runs, lambda: verify_certificate_file(pdf, keys))
    return {
        "appended_pages": extra,
        "record_files": len(case.case["files"]),
        "pdf_kb": round(len(pdf) / 1024),
        "issue_s": round(median, 3),
        "verify_offline_ms": round(check * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", default="0,50,200")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        archive = open_archive(load_settings(root / "data"))
        try:
            for i, extra in enumerate(int(p) for p in args.pages.split(",")):
                rows.append(_row(archive, root, i, extra, args.runs))
        finally:
            archive.close()
    cols = ["appended_pages", "record_files", "pdf_kb", "issue_s", "verify_offline_ms"]
    print_table("出证：出具与离线核验", rows, cols)
    print(write_json("certify", {"machine": machine(), "runs": args.runs, "rows": rows}))


if __name__ == "__main__":
    main()
