"""Pages of a scan as pixels: images (multi-page TIFF included) and PDFs whose pages are images.

Everything downstream (QC, enhancement, OCR) wants one thing: H×W×3 uint8 RGB. Sources are anything but:
bilevel CCITT TIFFs, palette PNGs, Adobe's inverted CMYK JPEGs, 16-bit grey TIFFs from book scanners,
RGBA exports. The source's mode, bit depth, resolution and format are kept beside the pixels because the
archival checks (DA/T 31) judge the scan as it was made, not as we decoded it.

A file never raises out of `iter_pages` / `load_pages`: a batch of hundreds of scans must go on past one broken file, so
each failure becomes a page with a Chinese `error` — per page where the rest of the file is readable (a
truncated multi-page TIFF keeps the pages before the break), one page when nothing is. `iter_pages`
decodes a page only when the caller asks for it, so a long file costs the memory of one page.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageOps, UnidentifiedImageError

from dangan.digitize.images import MAX_DECODED_BYTES, ImageTooLarge, ensure_decodable, open_image

log = logging.getLogger(__name__)

MIN_SIDE = 16  # px: below this a "page" is a pixel, a spacer or a thumbnail, not a scan
PDF_DEFAULT_DPI = 300.0
PDF_MAX_DPI = 600.0
# Beside Pillow's frame we hold an RGB copy in Pillow (4 B) and the numpy array (3 B).
EXTRA_BYTES_PER_PIXEL = 7

_BITS_BY_MODE = {"1": 1, "L": 8, "P": 8, "LA": 8, "PA": 8, "RGB": 8, "RGBA": 8, "RGBX": 8, "CMYK": 8,
                 "YCbCr": 8, "LAB": 8, "HSV": 8, "I": 32, "F": 32}  # fmt: skip


@dataclass
class PageImage:
    index: int  # 1-based page number in the file
    image: np.ndarray | None  # H×W×3 uint8 RGB, None when the page could not be read
    dpi: tuple[float, float] | None  # as declared (or derived from the PDF page size); None when unknown
    mode: str  # the source's colour mode as Pillow names it ("1", "L", "RGB", "CMYK", "I;16" …)
    bits: int  # bits per sample of the source
    format: str  # "TIFF", "PNG", "JPEG", "PDF" …
    error: str | None = None  # a Chinese reason when the page could not be read

    @property
    def ok(self) -> bool:
        return self.image is not None and self.error is None


class _PageError(Exception):
    """A reason, in Chinese, that one page (or the whole file) cannot be read."""


def load_pages(path: Path, max_pages: int = 500) -> list[PageImage]:
    """Every page of `path` (at most `max_pages`), each either pixels or a reason it has none."""
    return list(iter_pages(path, max_pages))


def iter_pages(path: Path, max_pages: int = 500) -> Iterator[PageImage]:
    """The pages of `path` one by one, as `load_pages` gives them, each decoded only when asked for.

    A 500-page PDF at 300 dpi is gigabytes of pixels: a caller that handles one page before taking the
    next holds one page. Warnings are silenced around each decoding step only, never while the caller
    has control (a `catch_warnings` held across a yield would silence the caller too)."""
    pages = _iter(Path(path), max_pages)
    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns on corrupt EXIF; the page error says it all
            page = next(pages, None)
        if page is None:
            return
        yield page
        del page  # not kept while the next page is decoded


def count_pages(path: Path, max_pages: int = 500) -> int:
    """How many pages `iter_pages` will give, without decoding any: a progress bar's total.

    PDF pages are counted by the document, image frames by walking their headers; a file that cannot be
    opened is the one page that says why. A truncated file may end up a page shorter than counted."""
    path = Path(path)
    try:
        head = _head(path)
        if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
            pdf = pdfium.PdfDocument(path)
            try:
                return max(1, min(len(pdf), max_pages))
            finally:
                pdf.close()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with open_image(path) as img:
                return max(1, sum(1 for _ in _frames(img, max_pages)))
    except Exception:  # iter_pages says why, as a page
        return 1


def _iter(path: Path, max_pages: int) -> Iterator[PageImage]:
    last = 0
    try:
        head = _head(path)
        pdf = head.startswith(b"%PDF") or b"%PDF-" in head[:1024]
        for page in _iter_pdf(path, max_pages) if pdf else _iter_image(path, max_pages):
            last = page.index
            yield page
            del page
    except _PageError as exc:
        yield _failed(last + 1, "", str(exc))
    except Exception as exc:  # a batch must survive any decoder's surprise
        log.exception("unexpected failure loading %s", path)
        yield _failed(last + 1, "", f"无法读取文件（内部错误：{type(exc).__name__}）")


def _failed(index: int, fmt: str, reason: str, mode: str = "", bits: int = 0) -> PageImage:
    return PageImage(index=index, image=None, dpi=None, mode=mode, bits=bits, format=fmt, error=reason)


def _head(path: Path) -> bytes:
    if not path.exists():
        raise _PageError(f"文件不存在：{path.name}")
    if not path.is_file():
        raise _PageError(f"不是普通文件：{path.name}")
    size = path.stat().st_size
    if size == 0:
        raise _PageError("文件为空（0 字节），没有可读取的内容")
    with path.open("rb") as f:
        return f.read(2048)


# --- images ---------------------------------------------------------------------------------------


def _iter_image(path: Path, max_pages: int) -> Iterator[PageImage]:
    try:
        with open_image(path) as img:
            fmt = img.format or ""
            any_page = False
            for index, frame_error in _frames(img, max_pages):
                any_page = True
                if frame_error is not None:
                    yield _failed(index, fmt, frame_error)
                    break
                yield _frame_page(img, index, fmt)
            if not any_page:
                yield _failed(1, fmt, "文件中没有可读取的图像帧")
    except ImageTooLarge as exc:
        if isinstance(exc.__cause__, Image.DecompressionBombError):
            log.info("refused %s: %s", path, exc.__cause__)
            yield _failed(1, "", "图像声明的尺寸超过可处理的像素上限（可能是“解压炸弹”），已拒绝解码")
            return
        yield _failed(1, "", str(exc))
    except UnidentifiedImageError as exc:
        raise _PageError(
            "无法识别的文件格式：既不是支持的图像（TIFF/JPEG/PNG/BMP/WebP），也不是 PDF"
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        log.info("cannot open %s: %s", path, exc)
        raise _PageError("图像文件已损坏或不完整，无法打开") from exc


def _frames(img: Image.Image, max_pages: int) -> Iterator[tuple[int, str | None]]:
    """Frame numbers (1-based) with None, then — when a frame cannot be reached — its number and why.

    Frames are walked one by one rather than counted first: counting (`n_frames`) walks every IFD of a
    TIFF, so one truncated frame would lose the whole file instead of the pages after the break."""
    for i in range(max_pages):
        if i:
            try:
                img.seek(i)
            except EOFError:
                return  # no more frames
            except Exception as exc:  # Pillow reports a broken IFD as TypeError, OSError, KeyError …
                log.info("frame %d unreachable: %s", i + 1, exc)
                yield i + 1, f"第 {i + 1} 页数据不完整（文件可能被截断），此页及之后的页无法读取"
                return
        yield i + 1, None


def _frame_page(img: Image.Image, index: int, fmt: str) -> PageImage:
    mode = img.mode
    bits = _bits(img)
    dpi = _declared_dpi(img)
    try:
        w, h = img.size
        if min(w, h) < MIN_SIDE:
            raise _PageError(f"图像尺寸过小（{w}×{h} 像素），不是有效的扫描页")
        ensure_decodable(img, EXTRA_BYTES_PER_PIXEL)
        img.load()
        rgb = to_rgb(img)
    except ImageTooLarge as exc:
        return _failed(index, fmt, str(exc), mode, bits)
    except _PageError as exc:
        return _failed(index, fmt, str(exc), mode, bits)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        log.info("page %d undecodable: %s", index, exc)
        reason = f"第 {index} 页图像数据不完整或已损坏（文件可能被截断）"
        return _failed(index, fmt, reason, mode, bits)
    return PageImage(index=index, image=rgb, dpi=dpi, mode=mode, bits=bits, format=fmt)


def _bits(img: Image.Image) -> int:
    if img.mode.startswith("I;16"):
        return 16
    tags = getattr(img, "tag_v2", None)
    if tags is not None and 258 in tags:
        value = tags[258]
        samples = value if isinstance(value, tuple) else (value,)
        try:
            return int(max(samples))
        except (TypeError, ValueError):
            pass
    if img.format == "PNG" and img.mode in ("L", "P"):
        raw = str(img.info.get("bits", "")) or ""
        if raw.isdigit():
            return int(raw)
    return _BITS_BY_MODE.get(img.mode, 8)


def _declared_dpi(img: Image.Image) -> tuple[float, float] | None:
    raw = img.info.get("dpi")
    if not raw:
        return None
    try:
        x, y = float(raw[0]), float(raw[1])
    except (TypeError, ValueError, IndexError):
        return None
    if not (1.0 < x < 20000.0 and 1.0 < y < 20000.0):
        return None  # 0/1 means "aspect ratio only" in JFIF; absurd values mean nothing
    return (round(x, 2), round(y, 2))


def to_rgb(img: Image.Image) -> np.ndarray:
    """H×W×3 uint8 RGB of one decoded frame: 16-bit grey scaled (not clipped), alpha laid on white
    paper, EXIF orientation applied so the page stands as a viewer shows it."""
    img = ImageOps.exif_transpose(img) or img
    mode = img.mode
    if mode.startswith("I;16") or mode == "I":
        a = np.asarray(img).astype(np.float32)
        top = 65535.0 if mode.startswith("I;16") or a.max(initial=0) > 255 else 255.0
        grey = np.clip(a * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode == "F":
        a = np.asarray(img).astype(np.float32)
        top = 1.0 if a.max(initial=0) <= 1.0 else 255.0
        grey = np.clip(a * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
        return np.repeat(grey[:, :, None], 3, axis=2)
    if mode in ("P", "PA"):
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        paper = Image.new("RGB", rgba.size, (255, 255, 255))
        paper.paste(rgba, mask=rgba.getchannel("A"))
        return np.asarray(paper, dtype=np.uint8).copy()
    return np.asarray(img.convert("RGB"), dtype=np.uint8).copy()


# --- PDFs -----------------------------------------------------------------------------------------


def _iter_pdf(path: Path, max_pages: int) -> Iterator[PageImage]:
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise _PageError("PDF 已加密（需要密码），无法读取页面；请提供未加密的文件") from exc
        log.info("cannot open PDF %s: %s", path, exc)
        raise _PageError("PDF 文件已损坏或格式不正确，无法打开") from exc
    try:
        count = min(len(pdf), max_pages)
        if count == 0:
            yield _failed(1, "PDF", "PDF 中没有页面")
        for i in range(count):
            yield _pdf_page(pdf, i)
    finally:
        pdf.close()


def _pdf_page(pdf: pdfium.PdfDocument, i: int) -> PageImage:
    index = i + 1
    page = pdf[i]
    try:
        images = list(page.get_objects(filter=(pdfium.raw.FPDF_PAGEOBJ_IMAGE,), max_depth=4))
        if not images:
            return _failed(index, "PDF", f"第 {index} 页没有扫描图像（只有文字或矢量内容），不是扫描件")
        width_pt, height_pt = page.get_size()
        best = max(images, key=_displayed_area)
        dpi, mode, bits = _image_object_facts(best)
        scale = min(dpi or PDF_DEFAULT_DPI, PDF_MAX_DPI) / 72.0
        w, h = round(width_pt * scale), round(height_pt * scale)
        need = w * h * (4 + 3)
        if need > MAX_DECODED_BYTES:
            reason = (f"第 {index} 页渲染后过大：{w}×{h} 像素，约需 {need / 2**20:,.0f} MB 内存，"
                      f"超过上限 {MAX_DECODED_BYTES / 2**20:,.0f} MB")  # fmt: skip
            return _failed(index, "PDF", reason, mode, bits)
        if min(w, h) < MIN_SIDE:
            return _failed(
                index, "PDF", f"第 {index} 页尺寸过小（{w}×{h} 像素），不是有效的扫描页", mode, bits
            )
        bitmap = page.render(scale=scale, rev_byteorder=True, may_draw_forms=True)
        arr = bitmap.to_numpy()
        rgb = np.ascontiguousarray(arr[:, :, :3], dtype=np.uint8)
        real = round(scale * 72.0, 2)
        return PageImage(index=index, image=rgb, dpi=(real, real), mode=mode, bits=bits, format="PDF")
    except pdfium.PdfiumError as exc:
        log.info("page %d of PDF unrenderable: %s", index, exc)
        return _failed(index, "PDF", f"第 {index} 页无法渲染（页面内容已损坏）")
    finally:
        page.close()


def _displayed_area(obj: pdfium.PdfObject) -> float:
    try:
        left, bottom, right, top = obj.get_bounds()
    except pdfium.PdfiumError:
        return 0.0
    return float(abs(right - left) * abs(top - bottom))


def _image_object_facts(obj: pdfium.PdfImage) -> tuple[float | None, str, int]:
    """The embedded image's effective resolution as placed on the page, and its colour mode."""
    try:
        px_w, px_h = obj.get_px_size()
        left, bottom, right, top = obj.get_bounds()
    except pdfium.PdfiumError:
        return None, "", 0
    dpi: float | None = None
    shown_w, shown_h = abs(right - left) / 72.0, abs(top - bottom) / 72.0
    if shown_w > 0 and shown_h > 0 and px_w > 0 and px_h > 0:
        dpi = max(px_w / shown_w, px_h / shown_h)
        dpi = _snap_dpi(dpi)
    mode, bits = "", 8
    try:
        meta = obj.get_metadata()
        bpp = int(meta.bits_per_pixel)
        mode = {1: "1", 8: "L", 24: "RGB", 32: "CMYK"}.get(bpp, "")
        bits = 1 if bpp == 1 else 16 if bpp in (16, 48) else 8
        if bpp == 16:
            mode = "I;16"
    except (pdfium.PdfiumError, AttributeError, TypeError, ValueError):
        pass
    return dpi, mode, bits


def _snap_dpi(dpi: float) -> float:
    """Round a computed resolution to the scanner setting it almost surely was (299.98 → 300)."""
    for common in (72, 96, 100, 150, 200, 240, 250, 300, 350, 400, 600, 1200):
        if abs(dpi - common) / common < 0.01:
            return float(common)
    return round(dpi, 1)
