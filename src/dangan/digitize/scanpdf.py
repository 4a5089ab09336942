"""The searchable PDF/A-2b of a scanned record: each page picture at its physical size, our OCR lines
over it as invisible text (render mode 3), so a reader finds, selects and reads aloud what is on paper.

The text is written the way reportlab writes Chinese (a named `STSong-Light` Type0 font over the
`UniGB-UCS2-H` CMap, one UTF-16 code per character) and then handed to `fontembed.embed_fonts`, which the
PDF → PDF/A conversion already relies on: it swaps the named font for an embedded subset of the system's
CJK font with a ToUnicode map, so the text comes back out exactly as OCR read it. pikepdf's PDF/A module
adds the sRGB output intent and the XMP identification and validates the bytes it wrote; our own
`check_pdfa` must pass as well, or there is no copy.

Pictures are stored the way scans compress best: CCITT G4 (lossless) for bilevel pages, JPEG for grey
and colour photos of paper (red seals stay red). Pages are consumed one at a time, so a caller can stream
a long record's pages from a generator without holding every decoded picture at once.
"""

from __future__ import annotations

import io
import logging
import math
import tempfile
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
import pikepdf
from pikepdf import Array, Dictionary, Name

from .fontembed import ConversionFailed, embed_fonts
from .fonts import find_cjk_font
from .pdfa_check import check_pdfa

log = logging.getLogger(__name__)

FLAVOUR = "2b"
DEFAULT_DPI = 300.0  # assumed when a scan does not declare its resolution (the usual archival setting)
# A4 at 300 dpi, measured: a clean colour page 341 KB at 75 (PSNR 42.6 dB), 367 KB at 80; a noisy scan
# 1.13 MB at 75, 1.39 MB at 80, 1.79 MB at 85, where the extra bytes mostly keep the scanner's noise.
JPEG_QUALITY = 75
# ISO 32000-1 Annex C: a page is at least 3 and at most 14,400 units on each side.
_MIN_SIDE_PT, _MAX_SIDE_PT = 3.0, 14400.0
_PLACEHOLDER_FONT = "STSong-Light"  # replaced by an embedded subset in `embed_fonts`
_GREY_SPREAD = 2  # channel spread at or below which a colour array is grey (JPEG round-off)
_VERTICAL_RATIO = 1.5  # a box this much taller than wide, holding several characters, is a column


class LineLike(Protocol):
    """One OCR line: `dangan.digitize.ocr.Line` fits."""

    @property
    def text(self) -> str: ...

    @property
    def box(self) -> tuple[float, float, float, float]: ...  # x0, y0, x1, y1: image pixels, top-left

    @property
    def confidence(self) -> float: ...


@dataclass(frozen=True)
class ScanPage:
    image: np.ndarray  # H×W×3 uint8 RGB (H×W grey is accepted too)
    dpi: float | tuple[float, float] | None  # as `PageImage.dpi`; None: DEFAULT_DPI
    lines: Sequence[LineLike] = field(default_factory=tuple)


@dataclass(frozen=True)
class _Picture:
    data: bytes
    filter: Name
    colour: Name
    bits: int
    parms: Dictionary | None = None


@dataclass(frozen=True)
class _Metrics:
    """What laying out invisible text needs from the font that will be embedded."""

    advance: dict[int, float]  # code point -> advance in em
    ascent: float  # em
    descent: float  # em, negative


@lru_cache(maxsize=2)
def _metrics(path: str) -> _Metrics:
    """The font's Unicode cmap (the one `fontembed` embeds from) and advances, loaded lazily: ~0.1 s."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=0, lazy=True)
    table = font["cmap"].getcmap(3, 10) or font["cmap"].getcmap(3, 1)
    cmap = dict(table.cmap) if table is not None else {}
    hmtx, upm = font["hmtx"], font["head"].unitsPerEm
    hhea = font["hhea"]
    return _Metrics(
        {cp: hmtx[name][0] / upm for cp, name in cmap.items() if cp <= 0xFFFF},
        hhea.ascent / upm,
        hhea.descent / upm,
    )


def _fail(message: str, code: str) -> ConversionFailed:
    return ConversionFailed(message, code=code)


def _as_pixels(image: object, n: int) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise _fail(f"第 {n} 页没有图像", "scan_no_image")
    if image.size == 0:
        raise _fail(f"第 {n} 页图像为空（0 像素）", "scan_empty_image")
    if image.dtype != np.uint8:
        raise _fail(f"第 {n} 页图像须为 8 位像素（实为 {image.dtype}）", "scan_bad_image")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise _fail(f"第 {n} 页图像须为 RGB 或灰度（形状 {image.shape}）", "scan_bad_image")
    return image


def _resolution(dpi: float | tuple[float, float] | None, n: int) -> tuple[float, float]:
    raw = (DEFAULT_DPI, DEFAULT_DPI) if dpi is None else dpi if isinstance(dpi, tuple) else (dpi, dpi)
    try:
        x, y = (float(v) for v in raw)  # numpy scalars too
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y) and x > 0 and y > 0):
        raise _fail(f"第 {n} 页分辨率无效：{dpi}", "scan_bad_dpi")
    return x, y


def _page_size(width: int, height: int, dpi: tuple[float, float], n: int) -> tuple[float, float]:
    w_pt, h_pt = width * 72.0 / dpi[0], height * 72.0 / dpi[1]
    if min(w_pt, h_pt) < _MIN_SIDE_PT:
        raise _fail(
            f"第 {n} 页过小：{width}×{height} 像素在 {dpi[0]:g} dpi 下不足 3 点（约 1 毫米）",
            "scan_page_too_small",
        )
    if max(w_pt, h_pt) > _MAX_SIDE_PT:
        raise _fail(
            f"第 {n} 页过大：{width}×{height} 像素在 {dpi[0]:g} dpi 下超过 PDF 页面上限 200 英寸，请核对分辨率",
            "scan_page_too_large",
        )
    return w_pt, h_pt


def _grey(image: np.ndarray) -> np.ndarray | None:
    """The single channel when the picture carries no colour, else None."""
    if image.ndim == 2:
        return image
    r, g, b = (image[:, :, i] for i in range(3))
    if np.array_equal(r, g) and np.array_equal(g, b):
        return g
    spread = np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)
    return g if int(spread.max()) <= _GREY_SPREAD else None


def _g4(grey: np.ndarray) -> tuple[bytes, bool] | None:
    """CCITT Group 4 data of a bilevel picture via libtiff and whether its 1 bits are black (libtiff codes
    0 bits as white runs, and Pillow writes bilevel as min-is-black), or None when Pillow cannot."""
    from PIL import Image, TiffImagePlugin

    height = grey.shape[0]
    buf = io.BytesIO()
    try:
        Image.fromarray(grey).convert("1").save(buf, "TIFF", compression="group4", tiffinfo={278: height})
        with Image.open(buf) as tiff:
            if not isinstance(tiff, TiffImagePlugin.TiffImageFile):
                return None
            tags = tiff.tag_v2
            offsets, counts = tags.get(273), tags.get(279)
            fill = tags.get(266, 1)
            photometric = tags.get(262, 1)
    except (OSError, ValueError) as exc:
        log.debug("no CCITT G4 encoder: %s", exc)
        return None
    if not isinstance(offsets, tuple) or not isinstance(counts, tuple) or len(offsets) != 1 or fill != 1:
        return None
    data = buf.getvalue()
    return data[offsets[0] : offsets[0] + counts[0]], photometric == 1


def _picture(image: np.ndarray) -> _Picture:
    from PIL import Image

    grey = _grey(image)
    if grey is not None and bool(((grey == 0) | (grey == 255)).all()):
        height, width = grey.shape
        g4 = _g4(grey)
        if g4 is not None:
            parms = Dictionary(K=-1, Columns=width, Rows=height, BlackIs1=g4[1])
            return _Picture(g4[0], Name.CCITTFaxDecode, Name.DeviceGray, 1, parms)
        packed = np.packbits(grey > 127, axis=1)  # PDF 1-bit grey: 1 is white
        return _Picture(zlib.compress(packed.tobytes(), 9), Name.FlateDecode, Name.DeviceGray, 1)
    pil = Image.fromarray(grey if grey is not None else np.ascontiguousarray(image))
    buf = io.BytesIO()
    pil.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True)
    colour = Name.DeviceGray if grey is not None else Name.DeviceRGB
    return _Picture(buf.getvalue(), Name.DCTDecode, colour, 8)


def _clean_text(text: str, metrics: _Metrics) -> str:
    """The line as the embedded font can carry it: controls dropped, runs of space made one, characters
    the font lacks (or beyond the BMP) dropped rather than let the whole copy fail."""
    kept: list[str] = []
    for ch in text:
        if ch.isspace():
            if kept and kept[-1] != " ":
                kept.append(" ")
        elif unicodedata.category(ch) not in ("Cc", "Cf", "Cs") and ord(ch) in metrics.advance:
            kept.append(ch)
    out = "".join(kept).strip()
    if len(out) < len(text.strip()):
        log.debug("text layer: dropped characters from %r", text)
    return out


def _hex(text: str) -> str:
    return "<" + text.encode("utf-16-be").hex().upper() + ">"


def _line_ops(
    line: LineLike, scale: tuple[float, float], page: tuple[float, float], metrics: _Metrics
) -> str:
    """Content operators placing one line's text over its box (empty when nothing can be placed)."""
    text = _clean_text(line.text if isinstance(line.text, str) else "", metrics)
    try:
        x0, y0, x1, y1 = (float(v) for v in line.box)
    except (TypeError, ValueError):
        return ""
    if not text or not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        return ""
    # image pixels (top-left origin) -> PDF points (bottom-left origin), kept on the page
    left, right = sorted(min(max(v * scale[0], 0.0), page[0]) for v in (x0, x1))
    bottom, top = sorted(min(max(page[1] - v * scale[1], 0.0), page[1]) for v in (y0, y1))
    width, height = right - left, top - bottom
    if width <= 0.1 or height <= 0.1:
        return ""
    natural = sum(metrics.advance[ord(c)] for c in text) or 1.0
    em = (metrics.ascent - metrics.descent) or 1.0
    if height > _VERTICAL_RATIO * width and len(text) > 1:
        # A column: the run turned to read downwards, its glyphs' height across the box.
        size = width / em
        tz = 100.0 * height / (natural * size)
        matrix = f"0 -1 1 0 {left - metrics.descent * size:.2f} {top:.2f}"
    else:
        size = height / em
        tz = 100.0 * width / (natural * size)
        matrix = f"1 0 0 1 {left:.2f} {bottom - metrics.descent * size:.2f}"
    tz = min(max(tz, 1.0), 1000.0)
    return f"/F0 {size:.2f} Tf {tz:.2f} Tz {matrix} Tm {_hex(text)} Tj\n"


def _placeholder_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    cid = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType0,
        BaseFont=Name("/" + _PLACEHOLDER_FONT),
        CIDSystemInfo=Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("GB1"), Supplement=2
        ),
        DW=1000,
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + _PLACEHOLDER_FONT),
            Encoding=Name("/UniGB-UCS2-H"),
            DescendantFonts=Array([pdf.make_indirect(cid)]),
        )
    )


class _Writer:
    def __init__(self, font: Path | None):
        self.pdf = pikepdf.new()
        self.font_path = font
        self.font: pikepdf.Object | None = None
        self.metrics: _Metrics | None = None
        self.pages = 0
        self.text_lines = 0

    def _font(self) -> tuple[pikepdf.Object, _Metrics]:
        if self.font is None or self.metrics is None:
            path = self.font_path or find_cjk_font()
            if path is None:
                raise _fail("未找到可嵌入的中文字体，请安装 fonts-wqy-zenhei", "cjk_font_missing")
            self.font_path = path
            self.metrics = _metrics(str(path))
            self.font = _placeholder_font(self.pdf)
        return self.font, self.metrics

    def add(self, page: ScanPage) -> None:
        n = self.pages + 1
        image = _as_pixels(page.image, n)
        height, width = image.shape[:2]
        dpi = _resolution(page.dpi, n)
        w_pt, h_pt = _page_size(width, height, dpi, n)
        pic = _picture(image)
        xobj = pikepdf.Stream(self.pdf, b"")
        xobj.write(pic.data, filter=pic.filter, decode_parms=pic.parms)
        xobj.Type, xobj.Subtype = Name.XObject, Name.Image
        xobj.Width, xobj.Height = width, height
        xobj.ColorSpace, xobj.BitsPerComponent = pic.colour, pic.bits
        resources = Dictionary(XObject=Dictionary(Im0=xobj))
        ops = [f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q\n"]
        if page.lines:
            font, metrics = self._font()
            scale = (w_pt / width, h_pt / height)
            placed = [s for s in (_line_ops(line, scale, (w_pt, h_pt), metrics) for line in page.lines) if s]
            if placed:
                resources.Font = Dictionary(F0=font)
                ops += ["BT 3 Tr\n", *placed, "ET\n"]
                self.text_lines += len(placed)
        content = pikepdf.Stream(self.pdf, b"")
        content.write(zlib.compress("".join(ops).encode("ascii")), filter=Name.FlateDecode)
        self.pdf.pages.append(
            pikepdf.Page(
                Dictionary(
                    Type=Name.Page,
                    MediaBox=Array([0, 0, round(w_pt, 4), round(h_pt, 4)]),
                    Resources=resources,
                    Contents=self.pdf.make_indirect(content),
                )
            )
        )
        self.pages = n

    def finish(self, title: str | None) -> bytes:
        import pikepdf.pdfa  # about 0.4 s: loaded by the processes that write copies only

        if self.pages == 0:
            raise _fail("没有可写入的页面", "scan_no_pages")
        if self.font is not None and self.font_path is not None and self.text_lines:
            embed_fonts(self.pdf, self.font_path)
        if title:
            with self.pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                meta["dc:title"] = title
        out = io.BytesIO()
        try:
            pikepdf.pdfa.save(
                self.pdf,
                out,
                FLAVOUR,
                object_stream_mode=pikepdf.ObjectStreamMode.disable,
                deterministic_id=True,
            )
        except pikepdf.pdfa.PdfaError as exc:
            found = "；".join(str(f) for f in exc.report.findings[:5])
            raise _fail(f"扫描件 PDF/A 未通过 PDF/A-2b 校验：{found}", "pdfa_invalid") from exc
        data = out.getvalue()
        _check(data)
        return data


def _check(data: bytes) -> None:
    """Our own PDF/A check on the bytes, which reads a file."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        report = check_pdfa(Path(tmp.name), 2)
    if not report.passed:
        found = "；".join(f"{f.clause} {f.message}" for f in report.failures)
        raise _fail(f"扫描件 PDF/A 未通过 PDF/A 检查：{found}", "pdfa_invalid")


def scan_pdfa(pages: Iterable[ScanPage], *, title: str | None = None, font: Path | None = None) -> bytes:
    """A PDF/A-2b of the scanned pages, one PDF page each, with their OCR lines as searchable text.

    ConversionFailed (a DanganError, message in Chinese) for no pages, an empty or malformed picture, an
    impossible resolution, or a result that fails the PDF/A checks.
    """
    writer = _Writer(font)
    try:
        for page in pages:
            writer.add(page)
        return writer.finish(title)
    finally:
        writer.pdf.close()
