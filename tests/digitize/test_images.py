"""Big scans open, bombs do not: the image budget is what decoding would cost in memory, not a pixel count."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dangan.checks import Verdict
from dangan.digitize import (
    ImageTooLarge,
    Watermark,
    ensure_decodable,
    open_image,
    render_image,
    watermark_image,
)
from dangan.digitize import images as images_module
from tests.checks.conftest import add_file, item_of, run
from tests.factories import package_dir

# An A1 drawing scanned at 600 dpi: 279 MP, over Pillow's own refusal (179 MP), 279 MB decoded as bilevel.
A1_AT_600_DPI = (14043, 19866)


@pytest.fixture(scope="module")
def drawing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bilevel CCITT G4 TIFF, as scanners write engineering drawings (≈ 150 KB on disk)."""
    path = tmp_path_factory.mktemp("scan") / "总平面图.tif"
    img = Image.new("1", A1_AT_600_DPI, 1)
    draw = ImageDraw.Draw(img)
    for x in range(0, A1_AT_600_DPI[0], 700):
        draw.line([(x, 0), (x, A1_AT_600_DPI[1] - 1)], fill=0, width=3)
    img.save(path, compression="group4", dpi=(600, 600))
    return path


def png_header_only(width: int, height: int, colour_type: int = 2) -> bytes:
    """A PNG that claims a size and holds (almost) no pixels: what a decompression bomb looks like to
    a reader that trusts the header."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0"))
        + chunk(b"IEND", b"")
    )


def test_a_large_bilevel_drawing_passes_the_readability_check(drawing: Path, tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 0)
    add_file(pkg, drawing.name, drawing.read_bytes(), "图纸")
    item = item_of(run(pkg), "3-2")
    assert item.verdict is Verdict.PASS, item.message
    assert item.evidence["opened"][drawing.name]["kind"] == "image"


def test_a_large_bilevel_drawing_gets_a_preview_with_every_line(drawing: Path) -> None:
    """Shrunk 14x, the 3-pixel lines must still show (Pillow shrinks bilevel images by nearest neighbour,
    which kept only some of them)."""
    with Image.open(io.BytesIO(render_image(drawing, 1000))) as preview:
        assert preview.width == 1000
        assert abs(preview.height - 1000 * A1_AT_600_DPI[1] / A1_AT_600_DPI[0]) <= 1
        row = preview.convert("L").crop((0, 700, 1000, 701)).tobytes()
    scale = 1000 / A1_AT_600_DPI[0]
    for x in range(0, A1_AT_600_DPI[0], 700):
        near = row[max(0, int(x * scale) - 1) : int(x * scale) + 3]
        assert min(near) < 235, f"the line at x={x} is lost in the preview"
    assert max(row) > 250  # and the paper stays white


def test_a_header_claiming_more_than_pillows_ceiling_is_too_large(tmp_path: Path) -> None:
    bomb = png_header_only(60_000, 60_000)  # 3.6 GP: beyond even the raised Pillow guard
    with pytest.raises(ImageTooLarge, match="图像过大"), open_image(io.BytesIO(bomb)):
        pass
    pkg = package_dir(tmp_path / "in", 0)
    add_file(pkg, "照片.png", bomb, "现场照片")
    item = item_of(run(pkg), "3-2")
    assert item.verdict is Verdict.FAIL and "图像过大" in item.evidence["broken"]["照片.png"]


def test_an_rgb_image_over_the_budget_is_refused_before_decoding(tmp_path: Path) -> None:
    """300 MP of RGB would take 1.2 GB as Pillow holds it (4 bytes a pixel): under Pillow's guard here,
    over the budget, refused by its header alone (the file has no pixels to decode)."""
    bomb = png_header_only(20_000, 15_000)
    with open_image(io.BytesIO(bomb)) as img, pytest.raises(ImageTooLarge, match="RGB"):
        ensure_decodable(img)
    pkg = package_dir(tmp_path / "in", 0)
    add_file(pkg, "照片.png", bomb, "现场照片")
    item = item_of(run(pkg), "3-2")
    assert item.verdict is Verdict.FAIL and "超过上限 1,024 MB" in item.evidence["broken"]["照片.png"]
    (tmp_path / "bomb.png").write_bytes(bomb)
    with pytest.raises(ImageTooLarge):
        render_image(tmp_path / "bomb.png")


@pytest.mark.parametrize(
    ("mode", "per_pixel"), [("1", 1), ("L", 1), ("P", 1), ("I;16", 2), ("RGB", 4), ("RGBA", 4), ("CMYK", 4)]
)
def test_the_cost_counts_what_pillow_allocates_per_mode(mode: str, per_pixel: int) -> None:
    img = Image.new(mode, (10, 10))
    assert images_module.decoded_bytes(img) == 100 * per_pixel
    ensure_decodable(img, budget=100 * per_pixel)
    with pytest.raises(ImageTooLarge):
        ensure_decodable(img, budget=100 * per_pixel - 1)
    with pytest.raises(ImageTooLarge):
        ensure_decodable(img, extra_per_pixel=1, budget=100 * per_pixel)


def test_a_jpeg_is_measured_after_its_draft_reduction(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check decodes JPEGs at 1/8 scale: a JPEG over the budget at full size still passes, a PNG of
    the same size does not."""
    monkeypatch.setattr(images_module, "MAX_DECODED_BYTES", 1_000_000)
    photo = Image.effect_noise((1600, 1200), 40).convert("RGB")  # 7.7 MB as Pillow holds it
    jpeg, png = io.BytesIO(), io.BytesIO()
    photo.save(jpeg, "JPEG")
    photo.save(png, "PNG")
    pkg = package_dir(tmp_path / "in", 0)
    add_file(pkg, "现场.jpg", jpeg.getvalue(), "现场照片")
    add_file(pkg, "现场.png", png.getvalue(), "现场照片")
    item = item_of(run(pkg), "3-2")
    assert set(item.evidence["broken"]) == {"现场.png"}
    assert "现场.jpg" in item.evidence["opened"]


def test_watermarking_counts_its_own_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A non-public image is delivered only with a mark burnt in, which takes several RGBA copies: an
    image whose frame fits the budget but whose stamping would not is refused, not half-done."""
    photo = io.BytesIO()
    Image.new("L", (400, 300), 200).save(photo, "PNG")
    mark = Watermark("张三", "zhangsan", "2026-11-26 10:00:00 UTC", "req-1")
    body, media_type = watermark_image(photo.getvalue(), mark)
    assert media_type == "image/png" and body[:8] == b"\x89PNG\r\n\x1a\n"
    monkeypatch.setattr(
        images_module, "MAX_DECODED_BYTES", 400 * 300 * 4
    )  # the frame fits, the stamp does not
    with pytest.raises(ImageTooLarge):
        watermark_image(photo.getvalue(), mark)
