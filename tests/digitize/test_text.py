from __future__ import annotations

import re
from pathlib import Path

from dangan.digitize import pdf_text, render_pdf_page, sniff_media_type
from tests.factories import demo_case


def test_pdf_text_keeps_chinese_and_rejoins_wrapped_lines(tmp_path: Path) -> None:
    case = demo_case(7)
    decision = next(e for e in case.case["files"] if e["role"] == "决定书")
    path = tmp_path / "d.pdf"
    path.write_bytes(case.files[decision["path"]])
    text = pdf_text(path)
    assert case.case["doc_number"] in text
    assert case.case["applicant"]["name"] in text
    assert not re.search(r"[\u4e00-\u9fff]\r?\n[\u4e00-\u9fff]", text)


def test_broken_pdf_gives_no_text_not_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 garbage")
    assert pdf_text(bad) == ""
    assert sniff_media_type(bad) == "application/pdf"


def test_page_renders_to_png(tmp_path: Path) -> None:
    case = demo_case(8)
    entry = case.case["files"][0]
    path = tmp_path / "a.pdf"
    path.write_bytes(case.files[entry["path"]])
    png = render_pdf_page(path, 0, width=600)
    assert png.startswith(b"\x89PNG")
