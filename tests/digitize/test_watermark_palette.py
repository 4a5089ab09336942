"""Preview pages are palette images, and the watermark is burnt into them as palette entries: the same
mark as on an RGB page (within the rounding of its anti-aliasing to four levels), at one byte a pixel."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from dangan.demo import make_case
from dangan.digitize import render_pdf_page
from dangan.digitize.preview import PAGE_COLOURS
from dangan.digitize.watermark import INK, OPACITY, Watermark, _stamp, watermark_png

MARK = Watermark("王档案", "archivist", "2026-12-07 10:00:00 北京时间", "req-7f3a")


def _page(tmp_path: Path) -> bytes:
    case = make_case(7001, department="秦皇岛市市场监督管理局", source_system="t")
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(next(b for p, b in case.files.items() if "决定书" in p))
    return render_pdf_page(pdf, 0, 1000)


def _rgb(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def test_a_preview_page_is_a_palette_of_at_most_64_colours(tmp_path: Path) -> None:
    with Image.open(io.BytesIO(_page(tmp_path))) as img:
        assert img.mode == "P" and img.size[0] == 1000
        highest = img.getextrema()[1]
        assert isinstance(highest, int) and 2 < highest + 1 <= PAGE_COLOURS


def test_the_palette_mark_matches_the_rgb_mark(tmp_path: Path) -> None:
    png = _page(tmp_path)
    marked = watermark_png(png, MARK)
    with Image.open(io.BytesIO(marked)) as img:
        assert img.mode == "P", "the mark stays one byte a pixel"
    with Image.open(io.BytesIO(png)) as page:
        reference = np.asarray(_stamp(page.convert("RGB"), MARK), dtype=np.int16)  # the RGB path
    plain, got = _rgb(png), _rgb(marked)
    assert got.shape == reference.shape == plain.shape
    inked = np.abs(reference - plain).max(axis=2) > 0
    assert inked.mean() > 0.02, "the mark covers the page"
    # Only where the RGB mark inks, and redder there: the ink is red.
    changed = np.abs(got - plain).max(axis=2) > 2  # (a red pixel blended with red ink may round by one)
    assert not (changed & ~inked).any()
    assert (got[changed][:, 0] - got[changed][:, 1]).mean() > (
        plain[changed][:, 0] - plain[changed][:, 1]
    ).mean()
    # Within the rounding of the coverage to four levels (half a step of the mark's opacity), but where
    # two tiles' letters cross: the RGB path inks those twice, the palette once.
    step = 255 * OPACITY * 1.6 / 3 / 255
    bound = max(abs(255 - c) for c in INK) * step / 2 + 2
    off = np.abs(got - reference).max(axis=2)[inked]
    assert np.median(off) <= bound / 2 and (off > bound).mean() < 0.03


def test_a_page_of_many_colours_is_marked_the_rgb_way(tmp_path: Path) -> None:
    gradient = Image.linear_gradient("L").resize((600, 400)).convert("RGB")
    rich = gradient.quantize(colors=200, method=Image.Quantize.MEDIANCUT)
    highest = rich.getextrema()[1]
    assert isinstance(highest, int) and highest + 1 > 256 // 4
    buf = io.BytesIO()
    rich.save(buf, format="PNG")
    with Image.open(io.BytesIO(watermark_png(buf.getvalue(), MARK))) as img:
        assert img.mode != "P", "too many colours for four ink levels each: blended as RGB"
        assert np.abs(np.asarray(img.convert("RGB"), dtype=np.int16) - _rgb(buf.getvalue())).max() > 20
