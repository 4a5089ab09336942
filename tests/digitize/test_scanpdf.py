"""The searchable PDF/A of a scanned record: pictures at their physical size, OCR lines as invisible text
that PDFium reads back with CJK intact at the right place, PDF/A-2b by our check and by structure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from dangan.core import PDFIUM, DanganError
from dangan.digitize import check_pdfa
from dangan.digitize.fonts import pil_cjk_font
from dangan.digitize.scanpdf import ScanPage, scan_pdfa

TEXTS = ("秦市监许〔2023〕128号", "准予行政许可决定书", "统一社会信用代码 91130302MA0ABCDE12")
SEAL_RED = (215, 30, 35)


@dataclass(frozen=True)
class Ln:
    text: str
    box: tuple[float, float, float, float]
    confidence: float = 0.99


@dataclass(frozen=True)
class Page:
    image: np.ndarray
    lines: list[Ln]


def _render(texts: tuple[str, ...] = TEXTS, size: tuple[int, int] = (800, 400), seal: bool = False) -> Page:
    """A small page with the texts one per row, and each row's true box."""
    img = Image.new("RGB", size, (250, 248, 244))
    draw = ImageDraw.Draw(img)
    font = pil_cjk_font(36)
    lines = []
    for i, text in enumerate(texts):
        x, y = 40, 40 + 110 * i
        draw.text((x, y), text, font=font, fill=(20, 20, 20))
        x0, y0, x1, y1 = draw.textbbox((x, y), text, font=font)
        lines.append(Ln(text, (x0 - 4, y0 - 4, x1 + 4, y1 + 4)))
    if seal:
        draw.ellipse((560, 200, 760, 380), outline=SEAL_RED, width=10)
    return Page(np.asarray(img), lines)


@contextmanager
def _pdf(data: bytes) -> Iterator[pdfium.PdfDocument]:
    with PDFIUM:
        doc = pdfium.PdfDocument(data)
        try:
            yield doc
        finally:
            doc.close()


def _page_text(data: bytes) -> list[str]:
    out = []
    with _pdf(data) as doc:
        for i in range(len(doc)):
            out.append(doc[i].get_textpage().get_text_range())
    return out


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def page() -> Page:
    return _render(seal=True)


@pytest.fixture(scope="module")
def built(page: Page) -> bytes:
    return scan_pdfa([ScanPage(page.image, 200.0, page.lines)], title="准予行政许可决定书")


@pytest.fixture(scope="module")
def saved(built: bytes, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scanpdf") / "scan.pdf"
    path.write_bytes(built)
    return path


def test_real_ocr_lines_come_back_out_with_cjk_intact() -> None:
    from dangan.digitize.ocr import recognise

    page = _render(TEXTS[:2], size=(700, 260))
    read = recognise(page.image, read_seals=False)
    assert read.lines, "OCR found no lines"
    data = scan_pdfa([ScanPage(page.image, 200.0, read.lines)])
    (text,) = _page_text(data)
    assert _squash(text) == _squash("".join(line.text for line in read.lines))
    assert "准予行政许可决定书" in text


def test_text_is_extracted_line_by_line(built: bytes) -> None:
    (text,) = _page_text(built)
    assert [line.strip() for line in text.splitlines()] == list(TEXTS)


def test_each_character_sits_inside_its_line_box(built: bytes, page: Page) -> None:
    scale = 72.0 / 200.0
    height_pt = page.image.shape[0] * scale
    with _pdf(built) as doc:
        textpage = doc[0].get_textpage()
        text = textpage.get_text_range()
        chars = [(i, c) for i, c in enumerate(text) if not c.isspace()]
        lines = iter(page.lines)
        line = next(lines)
        seen = ""
        for i, c in chars:
            if len(seen) == len(line.text.replace(" ", "")):
                line, seen = next(lines), ""
            seen += c
            left, bottom, right, top = textpage.get_charbox(i)
            x0, y0, x1, y1 = line.box
            tol = 0.5
            assert x0 * scale - tol <= left <= right <= x1 * scale + tol, (c, line.text)
            low, high = height_pt - y1 * scale, height_pt - y0 * scale
            assert low - tol <= bottom <= top <= high + tol, (c, line.text)
        assert seen == line.text.replace(" ", "")
        first, last = textpage.get_charbox(chars[0][0]), textpage.get_charbox(chars[len(TEXTS[0]) - 1][0])
        # scaled to the box width: the first line's run spans (nearly) its whole box
        assert last[2] - first[0] > 0.9 * (page.lines[0].box[2] - page.lines[0].box[0]) * scale


@pytest.mark.parametrize("x1", [640.0, 120.0])
def test_text_is_stretched_or_squeezed_to_its_box_width(x1: float) -> None:
    image = np.full((200, 800, 3), 250, np.uint8)
    data = scan_pdfa([ScanPage(image, 72.0, [Ln("行政许可", (40.0, 40.0, x1, 90.0))])])
    with _pdf(data) as doc:
        textpage = doc[0].get_textpage()
        first, last = textpage.get_charbox(0), textpage.get_charbox(3)
    assert first[0] == pytest.approx(40.0, abs=(x1 - 40) * 0.08)
    assert last[2] == pytest.approx(x1, abs=(x1 - 40) * 0.08)


def test_passes_the_project_pdfa_check(saved: Path) -> None:
    report = check_pdfa(saved, 2)
    assert report.passed, report.failures


def test_pdfa_structure(saved: Path) -> None:
    with pikepdf.open(saved) as pdf:
        assert not pdf.is_encrypted
        (intent,) = list(pdf.Root.OutputIntents)
        assert intent.S == "/GTS_PDFA1"
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        assert int(intent.DestOutputProfile.N) == 3
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2"
        assert meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] == "准予行政许可决定书"
        fonts = list(pdf.pages[0].Resources.Font.values())
        assert len(fonts) == 1
        font = fonts[0]
        assert font.Subtype == "/Type0" and "/ToUnicode" in font
        assert "/FontFile2" in font.DescendantFonts[0].FontDescriptor
        assert b" 3 Tr" in pdf.pages[0].Contents.read_bytes()  # invisible text


def test_colour_page_is_jpeg_and_the_seal_stays_red(saved: Path, page: Page) -> None:
    with pikepdf.open(saved) as pdf:
        (image,) = list(pdf.pages[0].Resources.XObject.values())
        assert image.Filter == "/DCTDecode" and image.ColorSpace == "/DeviceRGB"
        assert (int(image.Width), int(image.Height)) == (800, 400)
    with _pdf(saved.read_bytes()) as doc:
        shown = np.asarray(doc[0].render(scale=200 / 72).to_pil().convert("RGB")).astype(int)
    assert shown.shape[:2] == (400, 800)
    r, g, b = shown[290, 565]  # on the seal's ring
    assert r > 150 and g < 90 and b < 90
    assert np.abs(shown - page.image.astype(int)).mean() < 3


def test_page_size_follows_the_resolution() -> None:
    blank = np.full((2200, 1700, 3), 255, np.uint8)
    blank[100:200, 100:300] = (30, 60, 200)  # colour: not bilevel
    data = scan_pdfa([ScanPage(blank, 200.0, []), ScanPage(blank[:1100, :850], (100.0, 50.0), [])])
    with _pdf(data) as doc:
        assert doc[0].get_size() == pytest.approx((612.0, 792.0), abs=0.01)
        assert doc[1].get_size() == pytest.approx((612.0, 1584.0), abs=0.01)


def test_two_pages_with_their_own_text_from_a_generator() -> None:
    one, two = _render(TEXTS[:1]), _render(TEXTS[1:2])
    data = scan_pdfa(ScanPage(p.image, 300.0, p.lines) for p in (one, two))
    assert [t.strip() for t in _page_text(data)] == [TEXTS[0], TEXTS[1]]


def test_image_only_page(tmp_path: Path) -> None:
    data = scan_pdfa([ScanPage(_render().image, 200.0, [])])
    path = tmp_path / "plain.pdf"
    path.write_bytes(data)
    assert check_pdfa(path, 2).passed
    assert _page_text(data) == [""]
    with pikepdf.open(path) as pdf:
        assert "/Font" not in pdf.pages[0].Resources


def test_bilevel_page_is_stored_losslessly(tmp_path: Path) -> None:
    page = _render()
    grey = np.asarray(Image.fromarray(page.image).convert("L"))
    bilevel = np.where(grey > 128, 255, 0).astype(np.uint8)
    data = scan_pdfa([ScanPage(np.dstack([bilevel] * 3), 200.0, page.lines)])
    path = tmp_path / "bw.pdf"
    path.write_bytes(data)
    assert check_pdfa(path, 2).passed
    with pikepdf.open(path) as pdf:
        (image,) = list(pdf.pages[0].Resources.XObject.values())
        assert isinstance(image, pikepdf.Stream)
        assert image.ColorSpace == "/DeviceGray" and int(image.BitsPerComponent) == 1
        assert image.Filter in ("/CCITTFaxDecode", "/FlateDecode")
        back = np.asarray(pikepdf.PdfImage(image).as_pil_image().convert("L"))
    assert np.array_equal(back, bilevel)
    with _pdf(data) as doc:  # a reader shows it the same way round: black text on white
        shown = np.asarray(doc[0].render(scale=200 / 72).to_pil().convert("L")).astype(int)
    assert np.abs(shown - bilevel.astype(int)).mean() < 2


def test_grey_page_is_grey_jpeg() -> None:
    grey = np.asarray(Image.fromarray(_render().image).convert("L"))
    data = scan_pdfa([ScanPage(np.dstack([grey] * 3), 200.0, [])])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        (image,) = list(pdf.pages[0].Resources.XObject.values())
        assert image.Filter == "/DCTDecode" and image.ColorSpace == "/DeviceGray"


def test_untypable_characters_are_dropped_and_columns_are_laid_downwards() -> None:
    page = _render(TEXTS[:1])
    odd = Ln("许可\x00\u200b𠀀证", page.lines[0].box)  # a control, a format char, a character beyond the BMP
    column = Ln("行政审批", (720, 40, 760, 360))  # tall and narrow: a vertical column
    outside = Ln("页外", (-50, -50, -10, -10))  # wholly off the page: nothing to place
    data = scan_pdfa([ScanPage(page.image, 200.0, [odd, column, outside])])
    (text,) = _page_text(data)
    assert _squash(text) == "许可证行政审批"
    scale = 72.0 / 200.0
    with _pdf(data) as doc:
        textpage = doc[0].get_textpage()
        boxes = [textpage.get_charbox(i) for i, c in enumerate(text) if c in "行政审批"]
    assert len(boxes) == 4
    assert [b[3] for b in boxes] == sorted((b[3] for b in boxes), reverse=True)  # top to bottom
    for left, bottom, right, top in boxes:
        assert 720 * scale - 0.5 <= left <= right <= 760 * scale + 0.5
        assert 400 * scale - 360 * scale - 0.5 <= bottom <= top <= 400 * scale - 40 * scale + 0.5


@pytest.mark.parametrize(
    ("pages", "code"),
    [
        ([], "scan_no_pages"),
        ([ScanPage(np.zeros((0, 10, 3), np.uint8), 300.0, [])], "scan_empty_image"),
        ([ScanPage(None, 300.0, [])], "scan_no_image"),  # type: ignore[arg-type]
        ([ScanPage(np.zeros((10, 10, 3), np.float32), 300.0, [])], "scan_bad_image"),
        ([ScanPage(np.zeros((10, 10, 4), np.uint8), 300.0, [])], "scan_bad_image"),
        ([ScanPage(np.zeros((100, 100, 3), np.uint8), 0.0, [])], "scan_bad_dpi"),
        ([ScanPage(np.zeros((100, 100, 3), np.uint8), float("nan"), [])], "scan_bad_dpi"),
        ([ScanPage(np.zeros((1, 1, 3), np.uint8), 300.0, [])], "scan_page_too_small"),
        ([ScanPage(np.zeros((100, 100, 3), np.uint8), 0.1, [])], "scan_page_too_large"),
    ],
)
def test_bad_input_is_refused_in_chinese(pages: list[ScanPage], code: str) -> None:
    with pytest.raises(DanganError) as info:
        scan_pdfa(pages)
    assert info.value.code == code
    assert re.search(r"[\u4e00-\u9fff]", str(info.value))
