"""`dangan ocr` / `dangan qc` as a user runs them: the JSON contract, exit codes, bad files per page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfgen import canvas

from dangan.digitize.fonts import find_cjk_font
from tests.cli.invoke import invoke
from tests.helpers import json_of


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.fixture
def page_png(tmp_path: Path) -> Path:
    font_path = find_cjk_font()
    if font_path is None:
        pytest.skip("no CJK font on this machine")
    img = Image.new("RGB", (800, 300), "white")
    ImageDraw.Draw(img).text(
        (40, 100), "准予行政许可决定书", font=ImageFont.truetype(str(font_path), 40, index=0), fill="black"
    )
    path = tmp_path / "page.png"
    img.save(path, dpi=(300, 300))
    return path


def test_ocr_json_contract(page_png: Path) -> None:
    proc = invoke("ocr", str(page_png), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json_of(proc)
    assert len(doc["pages"]) == 1
    page = doc["pages"][0]
    assert {"text", "lines", "seals", "tables", "figures"} <= set(page)
    assert "准予行政许可决定书" in page["text"]
    line = page["lines"][0]
    assert set(line) >= {"text", "box", "confidence"} and len(line["box"]) == 4


def _bad_files(tmp: Path) -> dict[str, Path]:
    empty = tmp / "empty.png"
    empty.write_bytes(b"")
    tiny = tmp / "tiny.png"
    Image.new("RGB", (1, 1), "white").save(tiny)
    whole = tmp / "whole.tif"
    Image.new("RGB", (400, 300), "white").save(whole)
    truncated = tmp / "truncated.tif"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    pdf = tmp / "text-only.pdf"
    c = canvas.Canvas(str(pdf))
    c.drawString(100, 700, "no scanned image here")
    c.showPage()
    c.save()
    return {"empty": empty, "tiny": tiny, "truncated": truncated, "pdf": pdf}


@pytest.mark.parametrize("kind", ["empty", "tiny", "truncated", "pdf"])
def test_bad_files_get_a_chinese_reason_per_page_and_exit_1(tmp_path: Path, kind: str) -> None:
    proc = invoke("ocr", str(_bad_files(tmp_path)[kind]), "--json")
    assert proc.returncode == 1, proc.stderr
    doc = json_of(proc)
    assert doc["pages"], doc
    for page in doc["pages"]:
        assert _has_chinese(page["error"])
        assert page["lines"] == [] and page["seals"] == [] and page["tables"] == []
    assert "Traceback" not in proc.stderr


def test_bad_file_human_output_is_chinese(tmp_path: Path) -> None:
    proc = invoke("ocr", str(_bad_files(tmp_path)["empty"]))
    assert proc.returncode == 1
    assert "识别失败" in proc.stdout


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    for command in ("ocr", "qc"):
        proc = invoke(command, str(tmp_path / "nope.png"), "--json")
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert "文件不存在" in proc.stderr


def test_qc_json_contract(page_png: Path) -> None:
    proc = invoke("qc", str(page_png), "--json")
    assert proc.returncode in (0, 1), proc.stderr
    doc = json_of(proc)
    page = doc["pages"][0]
    assert page["page"] == 1 and page["verdict"] in ("pass", "warn", "fail")
    assert all({"code", "verdict", "value", "message"} <= set(item) for item in page["items"])
    assert (proc.returncode == 1) == any(p["verdict"] == "fail" for p in doc["pages"])
