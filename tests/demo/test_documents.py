"""The documents carry the facts of their case as real, extractable Chinese text."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from dangan.core import ConfigurationError
from dangan.demo import FONT_MISSING, DemoCase, find_cjk_font, generate_cases, make_case
from dangan.demo.documents import capital_text
from dangan.demo.scans import render_scan


def _text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    try:
        return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def _cn(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year}年{d.month}月{d.day}日"


def _picked(sample: list[DemoCase]) -> list[DemoCase]:
    """Every result and applicant type at least once, plus the first cases."""
    chosen = {c.case["source_id"]: c for c in sample[:20]}
    for key in ("result", "department"):
        for c in sample:
            chosen.setdefault(f"{key}:{c.case[key]}", c)
    for c in sample:
        chosen.setdefault(f"type:{c.case['applicant']['type']}", c)
    return list(chosen.values())


def test_decision_names_number_applicant_matter_result_and_date(sample: list[DemoCase]) -> None:
    for c in _picked(sample):
        text = _text(c.files["决定书.pdf"])
        case = c.case
        for needle in (
            case["doc_number"],
            case["applicant"]["name"],
            case["matter"]["name"],
            case["result"],
            _cn(case["decided_at"]),
            case["department"],
        ):
            assert needle in text, f"{case['source_id']}: {needle!r} not in decision text"


def test_application_names_applicant_code_and_matter(sample: list[DemoCase]) -> None:
    for c in _picked(sample):
        text = _text(c.files["申请书.pdf"])
        a = c.case["applicant"]
        assert a["name"] in text and c.case["matter"]["name"] in text
        assert a.get("uscc", a["id_number"]) in text
        assert _cn(c.case["accepted_at"]) in text


def test_supporting_pdfs_have_text(sample: list[DemoCase]) -> None:
    seen = 0
    for c in sample[:60]:
        for f in c.case["files"][1:-1]:
            if f["path"].endswith(".pdf"):
                assert c.case["applicant"]["name"] in _text(c.files[f["path"]])
                seen += 1
    assert seen > 20


def test_refusal_explains_the_appeal_route(sample: list[DemoCase]) -> None:
    refused = [c for c in sample if c.case["result"] == "不予许可"]
    assert refused
    text = _text(refused[0].files["决定书.pdf"]).replace("\r\n", "")  # joined across line breaks
    assert "不予行政许可决定书" in text and "行政复议" in text


def test_overridden_applicant_shows_in_documents() -> None:
    base = make_case(5)
    applicant = dict(base.case["applicant"], name="秦皇岛测试替换有限公司")
    c = make_case(5, applicant=applicant)
    assert "秦皇岛测试替换有限公司" in _text(c.files["决定书.pdf"])
    assert "秦皇岛测试替换有限公司" in _text(c.files["申请书.pdf"])


def test_pdf_bytes_do_not_depend_on_the_clock() -> None:
    a = next(generate_cases(1, seed=5))
    b = next(generate_cases(1, seed=5))
    assert a.files == b.files
    for data in a.files.values():
        if data.startswith(b"%PDF"):
            assert b"/CreationDate (D:20000101000000" in data  # reportlab invariant mode


def test_missing_cjk_font_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as err:
        find_cjk_font([tmp_path])
    assert err.value.message == FONT_MISSING == "未找到中文字体，请安装 fonts-wqy-zenhei"
    assert err.value.code == "cjk_font_missing"


def test_system_has_a_cjk_font() -> None:
    assert find_cjk_font().is_file()


def test_scan_is_deterministic_and_small() -> None:
    rows = [("名称", "秦皇岛市海港区海悦餐饮有限公司"), ("统一社会信用代码", "91130302MA0C8G7X4Q")]
    kwargs: dict[str, Any] = {"issuer": "秦皇岛市海港区市场监督管理局", "date_line": "2023年3月1日"}
    for fmt in ("JPEG", "PNG"):
        one = render_scan("营业执照", rows, ["（副本）"], rng=random.Random(1), fmt=fmt, **kwargs)
        two = render_scan("营业执照", rows, ["（副本）"], rng=random.Random(1), fmt=fmt, **kwargs)
        other = render_scan("营业执照", rows, ["（副本）"], rng=random.Random(2), fmt=fmt, **kwargs)
        assert one == two != other
        assert len(one) < 150_000


def test_capital_in_financial_numerals() -> None:
    assert capital_text(500) == "伍佰万元整"
    assert capital_text(10) == "壹拾万元整"
    assert capital_text(3000) == "叁仟万元整"
    assert capital_text(None) == ""
