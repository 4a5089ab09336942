"""Opening scanned images: big archival scans are legitimate, decompression bombs are not.

Pillow guards against bombs by pixel count alone: it warns over 89 MP and refuses over 179 MP,
whatever a pixel costs. That refused an A0 drawing scanned at 600 dpi (19,866 × 28,087 = 558 MP; 450 KB
as a bilevel CCITT G4 TIFF, 558 MB decoded), the kind of file a building-permit case carries, while a
170 MP RGB photo (680 MB decoded) passed. Dangan limits what decoding would cost in memory instead: the
bytes Pillow would allocate for the frame (1 per pixel for bilevel, grey and palette images, 2 for 16-bit
grey, 4 otherwise, after any JPEG draft reduction), plus what the caller will allocate beside it.

Pillow's own guard stays as an outer one, raised in this process so that it only speaks where the budget
refuses anyway (more pixels than budget bytes): it warns above that and refuses above twice that.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from PIL import Image

from dangan.core import DanganError

MAX_DECODED_BYTES = 1024 * 1024 * 1024
Image.MAX_IMAGE_PIXELS = MAX_DECODED_BYTES  # at one byte a pixel, the most the budget could ever allow


class ImageTooLarge(DanganError):
    code = "image_too_large"
    status = 422


def bytes_per_pixel(mode: str) -> int:
    """What Pillow allocates per pixel of a frame in `mode`."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def decoded_bytes(img: Image.Image, extra_per_pixel: int = 0) -> int:
    width, height = img.size
    return width * height * (bytes_per_pixel(img.mode) + extra_per_pixel)


def ensure_decodable(img: Image.Image, extra_per_pixel: int = 0, budget: int | None = None) -> None:
    """Refuse, before any pixel is decoded, an image whose decoding would take more than `budget`
    (default `MAX_DECODED_BYTES`), with `extra_per_pixel` bytes the caller will allocate for each pixel
    beside Pillow's frame."""
    budget = MAX_DECODED_BYTES if budget is None else budget
    need = decoded_bytes(img, extra_per_pixel)
    if need > budget:
        width, height = img.size
        raise ImageTooLarge(
            f"图像过大：{width}×{height} 像素（{img.mode} 模式），处理约需 {need / 2**20:,.0f} MB 内存，"
            f"超过上限 {budget / 2**20:,.0f} MB（可能是“解压炸弹”；真实的大幅面扫描件请分幅或降低分辨率）"
        )


@contextmanager
def open_image(source: Path | IO[bytes]) -> Iterator[Image.Image]:
    """`Image.open`, where a size beyond even Pillow's raised guard is `ImageTooLarge` like any other
    over the budget. Nothing is decoded yet: call `ensure_decodable` before touching pixels."""
    try:
        img = Image.open(source)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"图像过大，超过可处理的像素上限（可能是“解压炸弹”）：{exc}") from exc
    with img:
        yield img
