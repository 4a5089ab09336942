"""Text mode: the same text as with the real substitute font, and rendering never sees the box font.

Each test compares against PDFium with its own system-font lookup (the fonts-wqy-* packages the setup
script installs), in the same process, so a PDFium or font change that makes the box differ fails here.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from dangan.core import PDFIUM
from dangan.digitize import pdf_text
from dangan.digitize.text import _pdf_text
from dangan.digitize.textfont import box_font, font_bytes, text_mode
from tests.factories import demo_case


def _real_font_text(path: Path) -> str:
    with PDFIUM:  # PDFium's own substitution: what pdf_text returned before text mode existed
        return _pdf_text(path, 200)


def _cid_pdf(face: str, encoding: str, lines: list[str], *, rotated: str = "") -> bytes:
    """Non-embedded Adobe CID fonts as reportlab (and iText) write them, in several layouts."""
    name = f"{face}-{encoding}"
    if name not in pdfmetrics.getRegisteredFontNames():
        font = UnicodeCIDFont(face, isVertical=encoding.endswith("V"))
        font.name = font.fontName = name
        pdfmetrics.registerFont(font)
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont(name, 12)
    for i, line in enumerate(lines):
        c.drawString(60, 760 - 22 * i, line)
    c.setFont(name, 20)
    c.drawString(60, 500, lines[0][:4])  # a second size of the same font
    c.drawString(60.4, 500.3, lines[0][:4])  # drawn twice, slightly offset: "fake bold"
    for i, ch in enumerate(rotated):  # a seal's rim: one rotated character at a time
        angle = 150 - i * 20
        c.saveState()
        c.translate(300 + 60 * math.cos(math.radians(angle)), 300 + 60 * math.sin(math.radians(angle)))
        c.rotate(angle - 90)
        c.drawCentredString(0, 0, ch)
        c.restoreState()
    c.showPage()
    c.save()
    return buf.getvalue()


LINES = [
    "行政许可决定书 宁审批〔2024〕第0117号",
    "申请人：南京市鼓楼区蓝海客运有限公司，统一社会信用代码 91320106MA1X2Y3Z4K。",
    "经审查，你单位提交的申请材料齐全、符合法定形式，决定准予许可。Version 2.0 (A-11)",
    "空格  两个，标点：“引号”《书名》——破折号……省略号 100%",
]


@pytest.mark.parametrize(
    ("face", "encoding", "lines"),
    [
        ("STSong-Light", "UniGB-UCS2-H", LINES),
        ("STSong-Light", "UniGB-UCS2-V", LINES[:2]),
        ("MSung-Light", "UniCNS-UCS2-H", ["行政許可決定書 經審查，準予許可。", "臺北市 Taipei 101"]),
        ("HeiseiMin-W3", "UniJIS-UCS2-H", ["許可決定通知書 東京都千代田区", "カタカナ ひらがな ABC"]),
        ("HYSMyeongJo-Medium", "UniKS-UCS2-H", ["허가 결정서 서울특별시", "한국어 텍스트 123"]),
    ],
)
def test_text_mode_reads_what_the_real_font_reads(
    tmp_path: Path, face: str, encoding: str, lines: list[str]
) -> None:
    path = tmp_path / "cid.pdf"
    path.write_bytes(_cid_pdf(face, encoding, lines, rotated="秦皇岛市交通运输局"))
    expected = _real_font_text(path)
    assert lines[0].split()[0] in expected.replace("\r\n", "")  # the comparison is about real text
    assert pdf_text(path) == expected


def test_demo_documents_read_the_same_in_text_mode(tmp_path: Path) -> None:
    """Every kind of demo PDF (申请书, 决定书 with its seal, 营业执照, …) over a few cases."""
    compared = 0
    for seed in range(6):
        case = demo_case(300 + seed)
        for entry in case.case["files"]:
            if not entry["path"].endswith(".pdf"):
                continue
            path = tmp_path / f"{seed}-{entry['path']}"
            path.write_bytes(case.files[entry["path"]])
            assert pdf_text(path) == _real_font_text(path), entry["path"]
            compared += 1
    assert compared >= 12


def _render(path: Path) -> bytes:
    with PDFIUM:
        doc = pdfium.PdfDocument(str(path))
        try:
            return bytes(doc[0].render(scale=1).to_pil().tobytes())
        finally:
            doc.close()


def test_rendering_keeps_the_real_font_before_during_and_after_text_mode(tmp_path: Path) -> None:
    path = tmp_path / "cid.pdf"
    path.write_bytes(_cid_pdf("STSong-Light", "UniGB-UCS2-H", LINES))
    before = _render(path)
    pdf_text(path)
    assert _render(path) == before  # no box face cached under a name a rendering looks up
    with text_mode():
        boxed = _render(path)
    assert boxed != before  # inside text mode the box font really stands in (else no gain)
    assert _render(path) == before


def test_shipped_box_font_is_the_one_the_builder_makes() -> None:
    """data/textbox.ttf is generated: rebuild it with `box_font()` when this fails after a change."""
    from fontTools.ttLib import TTFont

    data = font_bytes()
    assert data == box_font()
    assert len(data) < 4096
    font = TTFont(io.BytesIO(data))
    assert font.getBestCmap()[ord("审")] == "box"
    assert font["name"].getDebugName(1) == "DanganTextBox"


def _hand_made(path: Path, font: dict[str, Any], content: bytes) -> None:
    import pikepdf

    pdf = pikepdf.new()
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pdf.make_indirect(pikepdf.Dictionary(font)))),
        Contents=pdf.make_stream(content),
    )  # fmt: skip
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)


def _descriptor(name: str, flags: int) -> Any:
    import pikepdf

    return pikepdf.Dictionary(Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/" + name), Flags=flags,
                              FontBBox=[0, -120, 1000, 880], ItalicAngle=0, Ascent=880, Descent=-120,
                              CapHeight=700, StemV=80)  # fmt: skip


def _font_cases() -> dict[str, tuple[dict[str, Any], bytes]]:
    """Font dictionaries other generators write: simple TrueType fonts named after Chinese system fonts
    (one with GBK bytes), a Latin font without widths, a CIDFontType2 over a UCS-2 CMap; none embedded."""
    from pikepdf import Dictionary, Name, String

    def truetype(base: str, flags: int, **extra: Any) -> dict[str, Any]:
        return {"/Type": Name.Font, "/Subtype": Name.TrueType, "/BaseFont": Name("/" + base),
                "/FontDescriptor": _descriptor(base, flags), **extra}  # fmt: skip

    cid = Dictionary(Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name("/SimHei"),
                     CIDSystemInfo=Dictionary(Registry=String("Adobe"), Ordering=String("GB1"), Supplement=2),
                     FontDescriptor=_descriptor("SimHei", 4))  # fmt: skip
    return {
        "SimSun, WinAnsi": (
            truetype("SimSun", 32, **{"/Encoding": Name.WinAnsiEncoding, "/FirstChar": 32, "/LastChar": 126,
                                      "/Widths": [500] * 95}),
            b"BT /F1 12 Tf 50 800 Td (Hello World 2024 ABC) Tj ET",
        ),
        "宋体 by its GBK name, GBK bytes": (
            truetype("#CB#CE#CC#E5", 4, **{"/FirstChar": 32, "/LastChar": 255, "/Widths": [500] * 224}),
            b"BT /F1 12 Tf 50 800 Td (Plain text 123) Tj 0 -20 Td <C9EAC7EBC8CB> Tj ET",
        ),
        "Arial without widths": (
            truetype("Arial", 32, **{"/Encoding": Name.WinAnsiEncoding}),
            b"BT /F1 12 Tf 50 800 Td (Arial without widths, spaced  words) Tj ET",
        ),
        "SimHei CIDFontType2": (
            {"/Type": Name.Font, "/Subtype": Name.Type0, "/BaseFont": Name("/SimHei"),
             "/Encoding": Name("/UniGB-UCS2-H"), "/DescendantFonts": [cid]},
            b"BT /F1 12 Tf 50 800 Td <7533 8BF7 4EBA 0020 0041 0042> Tj ET",
        ),
    }  # fmt: skip


@pytest.mark.parametrize("name", list(_font_cases()))
def test_other_generators_font_dictionaries_read_the_same(tmp_path: Path, name: str) -> None:
    font, content = _font_cases()[name]
    path = tmp_path / "hand.pdf"
    _hand_made(path, font, content)
    expected = _real_font_text(path)
    assert expected.strip()
    assert pdf_text(path) == expected
