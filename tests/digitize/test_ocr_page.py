"""A small rendered page read end to end: corrected 文号 and USCC, text under a seal, the seal itself,
boxes on the page as scanned. Two real OCR calls in all (each ~1 s)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from dangan.digitize.fonts import find_cjk_font
from dangan.digitize.ocr import PageText, read_page, recognise
from dangan.domain import is_valid_uscc, uscc_check_char

_BODY = "91130302MA0D1K2P0"
USCC = _BODY + uscc_check_char(_BODY)
SEAL_TEXT = "保定市行政审批局"
SEAL_CENTRE, SEAL_R = (560, 330), 110


def _font(px: int) -> ImageFont.FreeTypeFont:
    path = find_cjk_font()
    if path is None:
        pytest.skip("no CJK font on this machine")
    return ImageFont.truetype(str(path), px, index=0)


def _stamp(page: Image.Image) -> None:
    """A red round seal, ring text over the top, multiplied over the print as stamped ink is."""
    size = 2 * SEAL_R + 8
    ink = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(ink)
    c = size / 2
    d.ellipse((c - SEAL_R, c - SEAL_R, c + SEAL_R, c + SEAL_R), outline=255, width=6)
    px = int(SEAL_R * 0.27)
    f = _font(px)
    span = math.radians(220)
    for i, ch in enumerate(SEAL_TEXT):
        a = -math.pi / 2 - span / 2 + span * (i + 0.5) / len(SEAL_TEXT)
        glyph = Image.new("L", (2 * px, 2 * px), 0)
        ImageDraw.Draw(glyph).text((px / 2, px / 2), ch, font=f, fill=255)
        glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
        r = SEAL_R - 6 - px * 0.75
        ink.paste(255, (int(c + r * math.cos(a) - px), int(c + r * math.sin(a) - px)), glyph)
    d.regular_polygon((c, c, SEAL_R * 0.2), 5, fill=255)
    x0, y0 = SEAL_CENTRE[0] - size // 2, SEAL_CENTRE[1] - size // 2
    red = Image.new("RGB", (size, size), "white")
    red.paste(Image.new("RGB", (size, size), (215, 30, 35)), (0, 0), ink)
    page.paste(ImageChops.multiply(page.crop((x0, y0, x0 + size, y0 + size)), red), (x0, y0))


def _page() -> np.ndarray:
    img = Image.new("RGB", (900, 480), "white")
    d = ImageDraw.Draw(img)
    f = _font(30)
    d.text((40, 30), "秦市监许[2023]128号", font=f, fill="black")
    d.text((40, 100), f"统一社会信用代码：{USCC.replace('0', 'O')}", font=f, fill="black")
    d.text((440, 300), "保定市行政审批局", font=f, fill="black")
    d.text((420, 360), "二〇二三年三月十五日", font=f, fill="black")
    _stamp(img)
    return np.asarray(img)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return _page()


@pytest.fixture(scope="module")
def read(page: np.ndarray) -> PageText:
    return recognise(page)


def test_doc_number_and_uscc_come_back_corrected(read: PageText) -> None:
    assert "秦市监许〔2023〕128号" in read.text
    assert is_valid_uscc(USCC) and USCC in read.text
    assert {c.kind for c in read.corrections} >= {"doc_number", "uscc"}


def test_text_under_the_seal_is_still_read(read: PageText) -> None:
    assert "保定市行政审批局" in read.text
    assert "二〇二三年三月十五日" in read.text


def test_the_seal_is_found_with_its_shape_box_and_ring_text(read: PageText) -> None:
    assert len(read.seals) == 1
    seal = read.seals[0]
    assert seal.shape == "round"
    cx, cy = (seal.box[0] + seal.box[2]) / 2, (seal.box[1] + seal.box[3]) / 2
    assert abs(cx - SEAL_CENTRE[0]) < 10 and abs(cy - SEAL_CENTRE[1]) < 10
    assert abs((seal.box[2] - seal.box[0]) / 2 - SEAL_R) < 10
    assert sum(ch in seal.text for ch in SEAL_TEXT) >= len(SEAL_TEXT) - 1


def test_lines_carry_boxes_and_confidences(read: PageText) -> None:
    first = read.lines[0]
    assert first.text.startswith("秦市监许")
    x0, y0, x1, y1 = first.box
    assert 25 <= x0 <= 60 and 20 <= y0 <= 45 and x1 > 300 and y1 < 80
    assert 0.5 < first.confidence <= 1.0


def test_boxes_of_a_skewed_page_are_in_pixels_of_the_scan(page: np.ndarray) -> None:
    skewed = np.asarray(
        Image.fromarray(page).rotate(3, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    )
    doc: dict[str, Any] = read_page(skewed)
    assert doc["skew_degrees"] != 0
    line = next(ln for ln in doc["lines"] if "信用代码" in ln["text"])
    # where the line's middle went when the page was turned 3° counter-clockwise about its centre
    mx, my = 40 + 230, 100 + 17
    cx, cy = 450, 240
    t = math.radians(3)
    x = cx + (mx - cx) * math.cos(t) + (my - cy) * math.sin(t)
    y = cy - (mx - cx) * math.sin(t) + (my - cy) * math.cos(t)
    x0, y0, x1, y1 = line["box"]
    assert x0 <= x <= x1 and y0 <= y <= y1
    assert USCC in line["text"]


def test_a_page_scanned_upside_down_is_read_the_right_way_round(page: np.ndarray) -> None:
    turned = np.ascontiguousarray(page[::-1, ::-1])
    read = recognise(turned, read_seals=False)
    assert "秦市监许〔2023〕128号" in read.text and USCC in read.text
    first = read.lines[0]  # in the reading order of the page the right way round
    assert first.text.startswith("秦市监许")
    x0, y0, x1, y1 = first.box  # in pixels of the page as scanned: near the bottom right
    assert x0 > 900 // 2 - 60 and x1 > 900 - 60 and y1 > 480 - 45 and y0 > 480 - 90
