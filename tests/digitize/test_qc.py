"""Image QC after DA/T 31-2017: each check reports its measured value against its threshold, and a page
that cannot be read fails with the reason instead of stopping the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from dangan.digitize.pages import PageImage
from dangan.digitize.qc import PageQC, check_page, qc_file
from tests.digitize.test_enhance import rotated, text_page

A4_AT_100_DPI = (827, 1169)


def page_of(
    img: np.ndarray, dpi: float | None = 300.0, mode: str = "RGB", bits: int = 8, fmt: str = "TIFF"
) -> PageImage:
    return PageImage(
        index=1, image=img, dpi=None if dpi is None else (dpi, dpi), mode=mode, bits=bits, format=fmt
    )


def verdict(qc: PageQC, code: str) -> str:
    item = qc.item(code)
    assert item is not None, code
    return item.verdict


def test_resolution_fails_an_archival_copy_below_150_dpi_and_only_warns_an_access_copy() -> None:
    img = np.asarray(text_page()).copy()
    assert verdict(check_page(page_of(img, 300)), "resolution") == "pass"
    assert verdict(check_page(page_of(img, 180)), "resolution") == "warn"
    low = check_page(page_of(img, 120))
    assert verdict(low, "resolution") == "fail" and low.verdict == "fail"
    item = low.item("resolution")
    assert item is not None and item.value == 120 and "120" in item.message and "150" in item.message
    assert verdict(check_page(page_of(img, 120), archival=False), "resolution") == "warn"


def test_unknown_resolution_warns_with_what_a4_would_mean() -> None:
    img = np.full((3508, 2480, 3), 255, np.uint8)
    item = check_page(page_of(img, None)).item("resolution")
    assert item is not None and item.verdict == "warn" and "300" in item.message


def test_a_bilevel_or_grey_page_with_red_content_should_have_been_colour() -> None:
    img = np.asarray(text_page(seal=True)).copy()
    assert verdict(check_page(page_of(img, mode="1", bits=1)), "colour_mode") == "warn"
    assert verdict(check_page(page_of(img, mode="L", bits=8)), "colour_mode") == "warn"
    assert verdict(check_page(page_of(img, mode="RGB", bits=8)), "colour_mode") == "pass"
    plain = np.asarray(text_page()).copy()
    assert verdict(check_page(page_of(plain, mode="1", bits=1)), "colour_mode") == "pass"


def test_blank_pages_are_found_and_text_pages_are_not() -> None:
    blank = np.full((400, 800, 3), 242, np.uint8)
    rng = np.random.default_rng(5)
    blank[rng.integers(0, 400, 60), rng.integers(0, 800, 60)] = 0  # dust
    blank[:, :25] = 10  # a scanner edge is not content
    assert verdict(check_page(page_of(blank)), "blank_page") == "warn"
    assert verdict(check_page(page_of(np.asarray(text_page()).copy())), "blank_page") == "pass"


def test_skew_thresholds() -> None:
    page = text_page()
    assert verdict(check_page(page_of(rotated(page, 0.0))), "skew") == "pass"
    assert verdict(check_page(page_of(rotated(page, 1.5))), "skew") == "warn"
    tilted = check_page(page_of(rotated(page, -5.0)))
    item = tilted.item("skew")
    assert item is not None and item.verdict == "fail" and abs(item.value + 5.0) < 0.3


def test_dark_borders_and_content_cut_at_the_edge_warn() -> None:
    clean = np.asarray(text_page(size=(900, 400))).copy()  # rows end 90 px before the right edge
    assert verdict(check_page(page_of(clean)), "borders") == "pass"
    dark = clean.copy()
    dark[:, :60] = 12
    assert verdict(check_page(page_of(dark)), "borders") == "warn"
    cut = np.ascontiguousarray(clean[:, :700])  # rows of text now run into the right edge
    item = check_page(page_of(cut)).item("borders")
    assert item is not None and item.verdict == "warn" and "右" in item.value["cut_edges"]


def test_page_size_is_named_from_pixels_and_dpi() -> None:
    a4 = np.full((A4_AT_100_DPI[1], A4_AT_100_DPI[0], 3), 255, np.uint8)
    item = check_page(page_of(a4, 100)).item("page_size")
    assert item is not None and item.value["name"] == "A4" and "A4" in item.message
    a3_landscape = np.full((1169, 1654, 3), 255, np.uint8)
    item = check_page(page_of(a3_landscape, 100)).item("page_size")
    assert item is not None and item.value["name"] == "A3"


def test_file_formats_outside_the_standard_warn() -> None:
    img = np.asarray(text_page()).copy()
    assert verdict(check_page(page_of(img, fmt="TIFF")), "file_format") == "pass"
    assert verdict(check_page(page_of(img, fmt="BMP")), "file_format") == "warn"


def test_qc_file_reports_every_page_and_fails_only_the_broken_one(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tif"
    frames = [text_page() for _ in range(3)]
    frames[0].save(whole, save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_lzw")
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.7)])
    doc = qc_file(cut)
    pages = doc["pages"]
    assert pages[0]["page"] == 1 and pages[0]["verdict"] in ("pass", "warn")
    assert {i["code"] for i in pages[0]["items"]} >= {
        "readable", "resolution", "colour_mode", "blank_page", "skew", "borders", "page_size", "file_format"
    }  # fmt: skip
    assert pages[-1]["verdict"] == "fail"
    readable = next(i for i in pages[-1]["items"] if i["code"] == "readable")
    assert readable["verdict"] == "fail" and "截断" in readable["message"]
    for p in pages:
        ranks = {"pass": 0, "warn": 1, "fail": 2}
        assert p["verdict"] == max((i["verdict"] for i in p["items"]), key=ranks.__getitem__)
        assert all(set(i) == {"code", "verdict", "value", "message"} for i in p["items"])


def test_qc_file_on_an_empty_file_fails_readable(tmp_path: Path) -> None:
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    doc = qc_file(path)
    assert doc["pages"][0]["verdict"] == "fail"
    assert "0 字节" in doc["pages"][0]["items"][0]["message"]


def test_a_saved_image_page_round_trips_through_qc(tmp_path: Path) -> None:
    path = tmp_path / "p.png"
    text_page().save(path, dpi=(300, 300))
    doc = qc_file(path)
    codes = {i["code"]: i["verdict"] for i in doc["pages"][0]["items"]}
    assert codes["readable"] == "pass" and codes["resolution"] == "pass" and codes["blank_page"] == "pass"
    assert Image.open(path).size == (800, 400)
