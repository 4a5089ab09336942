"""Loading scans: every format becomes RGB pixels with the source's facts kept, and every kind of bad
input becomes a page with a Chinese reason instead of an exception."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw
from reportlab.pdfgen import canvas

from dangan.digitize.pages import PageImage, count_pages, iter_pages, load_pages


def only(pages: list[PageImage]) -> PageImage:
    assert len(pages) == 1
    return pages[0]


def drawn(size: tuple[int, int] = (400, 300)) -> Image.Image:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 40, 120, 100], fill=(0, 0, 0))
    draw.rectangle([200, 40, 300, 140], fill=(220, 30, 30))
    return img


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_a_multi_page_tiff_gives_every_frame_with_its_facts(tmp_path: Path) -> None:
    path = tmp_path / "卷宗.tif"
    frames = [drawn().convert("L"), drawn().convert("1"), drawn()]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_lzw")
    pages = load_pages(path)
    assert [p.index for p in pages] == [1, 2, 3]
    assert [(p.mode, p.bits) for p in pages] == [("L", 8), ("1", 1), ("RGB", 8)]
    for p in pages:
        assert p.error is None and p.format == "TIFF" and p.dpi == (300.0, 300.0)
        assert p.image is not None and p.image.shape == (300, 400, 3) and p.image.dtype == np.uint8
        assert p.image[70, 80].max() < 30 and p.image[250, 350].min() > 225
    assert pages[2].image is not None and tuple(pages[2].image[90, 250]) == (220, 30, 30)
    assert load_pages(path, max_pages=2)[-1].index == 2


def test_a_truncated_multi_page_tiff_keeps_the_pages_before_the_break(tmp_path: Path) -> None:
    whole = tmp_path / "whole.tif"
    frames = [Image.new("L", (400, 300), 255) for _ in range(4)]
    frames[0].save(whole, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    cut = tmp_path / "cut.tif"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])
    pages = load_pages(cut)
    good = [p for p in pages if p.error is None]
    assert len(good) >= 1 and all(p.image is not None for p in good)
    assert pages[-1].error is not None and "截断" in pages[-1].error and pages[-1].image is None
    assert len(pages) < 5


def test_a_truncated_png_says_so(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 400), np.uint8)).save(buf, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    page = only(load_pages(path))
    assert page.image is None and page.error is not None and "截断" in page.error


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "0 字节"),
        (b"not an image at all, just some text\n" * 10, "无法识别"),
        (png_header_only(100_000, 100_000), "解压炸弹"),
        (png_header_only(20_000, 20_000), "解压炸弹"),
    ],
    ids=["empty", "text", "huge-bomb", "over-budget"],
)
def test_unreadable_files_give_one_page_with_a_chinese_reason(
    tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    page = only(load_pages(path))
    assert page.index == 1 and page.image is None
    assert page.error is not None and words in page.error


def test_a_one_pixel_image_is_not_a_page(tmp_path: Path) -> None:
    path = tmp_path / "dot.png"
    Image.new("RGB", (1, 1), "white").save(path)
    page = only(load_pages(path))
    assert page.image is None and page.error is not None and "过小" in page.error


def test_a_missing_file_is_a_reason_not_an_exception(tmp_path: Path) -> None:
    page = only(load_pages(tmp_path / "nowhere.tif"))
    assert page.error is not None and "不存在" in page.error


def test_a_cmyk_jpeg_keeps_white_white_and_black_black(tmp_path: Path) -> None:
    path = tmp_path / "cmyk.jpg"
    img = Image.new("CMYK", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(img).rectangle([40, 40, 120, 100], fill=(0, 0, 0, 255))
    ImageDraw.Draw(img).rectangle([200, 40, 300, 140], fill=(0, 255, 255, 0))
    img.save(path, quality=95, dpi=(200, 200))
    page = only(load_pages(path))
    assert page.mode == "CMYK" and page.format == "JPEG" and page.dpi == (200.0, 200.0)
    assert page.image is not None
    assert page.image[250, 350].min() > 240  # paper stays white (Adobe's inverted CMYK read right)
    assert page.image[70, 80].max() < 40
    r, g, b = (int(v) for v in page.image[90, 250])
    assert r > 200 and g < 60 and b < 60  # magenta + yellow is red


def test_a_16_bit_grey_tiff_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "16.tif"
    a = np.full((300, 400), 65535, np.uint16)
    a[:100] = 0
    a[100:200] = 32768
    Image.fromarray(a).save(path, dpi=(400, 400))
    page = only(load_pages(path))
    assert page.mode.startswith("I;16") and page.bits == 16 and page.error is None
    assert page.image is not None
    assert page.image[250].min() == 255 and page.image[50].max() == 0
    assert 120 <= page.image[150, 10, 0] <= 135


def test_alpha_lies_on_white_paper_and_palettes_expand(tmp_path: Path) -> None:
    rgba = tmp_path / "a.png"
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(rgba)
    pal = tmp_path / "p.png"
    drawn().quantize(4).save(pal)
    clear = only(load_pages(rgba))
    assert clear.mode == "RGBA" and clear.image is not None and clear.image.min() == 255
    palette = only(load_pages(pal))
    assert palette.mode == "P" and palette.image is not None
    assert palette.image[70, 80].max() < 30 and palette.image[90, 250, 0] > 200


def scan_pdf(path: Path, tmp_path: Path, dpi: int = 200) -> None:
    """An A4 PDF: page 1 a scan placed at `dpi`, page 2 text only."""
    w_pt, h_pt = 595.28, 841.89
    scan = tmp_path / "scan.png"
    drawn((round(w_pt / 72 * dpi), round(h_pt / 72 * dpi))).save(scan)
    c = canvas.Canvas(str(path), pagesize=(w_pt, h_pt))
    c.drawImage(str(scan), 0, 0, w_pt, h_pt)
    c.showPage()
    c.drawString(72, 720, "born digital")
    c.save()


def test_a_pdf_scan_renders_at_its_image_resolution_and_text_pages_say_why_not(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    scan_pdf(path, tmp_path, dpi=200)
    first, second = load_pages(path)
    assert first.error is None and first.format == "PDF" and first.dpi == (200.0, 200.0)
    assert first.image is not None and abs(first.image.shape[0] - 2339) <= 2
    assert first.image[70, 80].max() < 40 and tuple(first.image[90, 250]) == pytest.approx(
        (220, 30, 30), abs=6
    )
    assert second.image is None and second.error is not None and "没有扫描图像" in second.error


def test_an_encrypted_pdf_asks_for_the_password(tmp_path: Path) -> None:
    plain = tmp_path / "plain.pdf"
    scan_pdf(plain, tmp_path)
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    page = only(load_pages(locked))
    assert page.image is None and page.error is not None and "加密" in page.error


def _small_scan_pdf(path: Path, tmp_path: Path, pages: int) -> None:
    scan = tmp_path / "small.png"
    drawn((200, 150)).save(scan, dpi=(100, 100))
    c = canvas.Canvas(str(path), pagesize=(144, 108))
    for _ in range(pages):
        c.drawImage(str(scan), 0, 0, 144, 108)
        c.showPage()
    c.save()


def test_iter_pages_decodes_a_page_only_when_it_is_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dangan.digitize.pages as pages_module

    path = tmp_path / "four.pdf"
    _small_scan_pdf(path, tmp_path, 4)
    rendered: list[int] = []
    real = pages_module._pdf_page

    def counting(pdf: object, i: int) -> PageImage:
        rendered.append(i + 1)
        return real(pdf, i)

    monkeypatch.setattr(pages_module, "_pdf_page", counting)
    pages = iter_pages(path)
    assert rendered == [], "nothing is decoded before the first page is asked for"
    first = next(pages)
    assert first.index == 1 and first.image is not None and rendered == [1]
    second = next(pages)
    assert second.index == 2 and rendered == [1, 2]
    assert [p.index for p in pages] == [3, 4] and rendered == [1, 2, 3, 4]
    assert count_pages(path) == 4 and count_pages(path, max_pages=3) == 3


def test_iter_pages_gives_what_load_pages_gives_bad_files_included(tmp_path: Path) -> None:
    frames = [drawn(), drawn((300, 200))]
    tiff = tmp_path / "two.tif"
    frames[0].save(tiff, save_all=True, append_images=frames[1:], dpi=(300, 300))
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    for path in (tiff, empty, tmp_path / "missing.tif"):
        lazy, eager = list(iter_pages(path)), load_pages(path)
        assert [(p.index, p.error, p.mode, p.dpi) for p in lazy] == [
            (p.index, p.error, p.mode, p.dpi) for p in eager
        ]
    assert [p.index for p in iter_pages(tiff)] == [1, 2] and count_pages(tiff) == 2
    assert only(list(iter_pages(empty))).error == only(load_pages(empty)).error
    assert count_pages(empty) == 1


def test_a_page_in_hand_does_not_keep_the_next_pages_decoded(tmp_path: Path) -> None:
    import tracemalloc

    path = tmp_path / "many.tif"
    big = [drawn((1200, 900)) for _ in range(6)]
    big[0].save(path, save_all=True, append_images=big[1:], compression="tiff_lzw")
    one_page = 1200 * 900 * 3
    tracemalloc.start()
    try:
        peak = 0
        for page in iter_pages(path):
            assert page.image is not None
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            del page
    finally:
        tracemalloc.stop()
    assert peak < 3 * one_page, f"peak {peak} bytes for pages of {one_page} bytes each"
