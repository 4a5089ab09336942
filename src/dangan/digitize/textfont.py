"""Text extraction without loading a CJK system font's glyphs.

A PDF whose Chinese font is not embedded (reportlab's and iText's `STSong-Light`, common in business
systems' generated 决定书) makes PDFium substitute a system font: for every document it opens the 16 MB
WenQuanYi collection with FreeType and loads hinted glyphs, about 60 % of the text extraction time. Text
extraction does not need those glyphs: the Unicode comes from the PDF's CMap and the advances from its
`/W` widths; only each character's box comes from the glyph. So while `text_mode()` is active, a CJK
substitution gets a 700-byte font whose every character is one full-width box; everything else (and all
rendering: previews, watermarks, certificates) still goes to PDFium's own system-font lookup.

The mapper is PDFium's `FPDF_SYSFONTINFO` interface. Ours delegates to the default implementation for
everything but the box, and gives the box its own face name, so PDFium's face cache never hands a
rendering the box (or a text extraction the real font) under a shared key. Same text as with the real
font on the demo corpus and the generated cases in tests/digitize/test_textfont.py.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from importlib import resources
from typing import Any

from dangan.core import PDFIUM

# FXFONT_SHIFTJIS_CHARSET, FXFONT_HANGEUL_CHARSET, FXFONT_GB2312_CHARSET, FXFONT_CHINESEBIG5_CHARSET
CJK_CHARSETS = (128, 129, 134, 136)
FACE_NAME = b"DanganTextBox"

_state: dict[str, Any] = {"installed": False, "text": False}
_keep: list[Any] = []  # the structure and callbacks PDFium calls, alive for the process


def font_bytes() -> bytes:
    """The box font as shipped (`data/textbox.ttf`, written by `box_font`): importing fontTools to build
    it would cost every import worker ~0.2 s. tests/digitize/test_textfont.py rebuilds and compares."""
    return resources.files("dangan.digitize").joinpath("data/textbox.ttf").read_bytes()


def box_font() -> bytes:
    """A TrueType font of one glyph, a full-width box, mapped from every BMP character (cmap format 13).

    Deterministic (fixed timestamps), so the shipped file can be checked against it.
    """
    from io import BytesIO

    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib.tables._c_m_a_p import CmapSubtable

    def box() -> Any:
        pen = TTGlyphPen(None)
        for x, y in ((50, -120), (50, 880), (950, 880), (950, -120)):
            (pen.lineTo if pen.points else pen.moveTo)((x, y))
        pen.closePath()
        return pen.glyph()

    fb = FontBuilder(1000, isTTF=True)
    fb.updateHead(created=0, modified=0)
    fb.setupGlyphOrder([".notdef", "box"])
    fb.setupCharacterMap({0x20: "box"})
    many_to_one = CmapSubtable.newSubtable(13)
    many_to_one.platformID, many_to_one.platEncID, many_to_one.language = 3, 10, 0
    many_to_one.cmap = {cp: "box" for cp in range(0x20, 0x10000) if not 0xD800 <= cp < 0xE000}
    fb.font["cmap"].tables.append(many_to_one)
    fb.setupGlyf({".notdef": box(), "box": box()})
    fb.setupHorizontalMetrics({".notdef": (1000, 50), "box": (1000, 50)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": FACE_NAME.decode(), "styleName": "Regular"})
    # The Unicode ranges are given (CJK ideographs bit 59) so fontTools does not walk the 63k-entry cmap.
    fb.setupOS2(sTypoAscender=880, sTypoDescender=-120, usWinAscent=880, usWinDescent=120, ulUnicodeRange1=1,
                ulUnicodeRange2=1 << (59 - 32), ulUnicodeRange3=0, ulUnicodeRange4=0)  # fmt: skip
    fb.setupPost()
    out = BytesIO()
    fb.save(out)
    return out.getvalue()


def _install() -> None:
    """Put our mapper in front of PDFium's default one (once per process, under the PDFium lock)."""
    import pypdfium2  # noqa: F401  (initialises the library)
    import pypdfium2.raw as c

    info_t = c.FPDF_SYSFONTINFO
    default = c.FPDF_GetDefaultSystemFontInfo()
    if not default:  # a build without system fonts: nothing to substitute, nothing to speed up
        _state["installed"] = True
        return
    d = default.contents
    data = font_bytes()
    buffers = {cs: ctypes.create_string_buffer(1) for cs in CJK_CHARSETS}  # one handle per charset
    handles = {ctypes.addressof(b): cs for cs, b in buffers.items()}
    by_charset = {cs: ctypes.addressof(b) for cs, b in buffers.items()}

    def fill(buffer: Any, size: int, payload: bytes) -> int:
        """PDFium's convention: copy when the buffer is big enough, always answer the size needed."""
        if buffer and size >= len(payload):
            ctypes.memmove(buffer, payload, len(payload))
        return len(payload)

    def map_font(
        this: Any, weight: int, italic: int, charset: int, pitch: int, face: bytes, exact: Any
    ) -> Any:
        if _state["text"] and charset in by_charset:
            return by_charset[charset]
        return d.MapFont(default, weight, italic, charset, pitch, face, exact)

    def get_font(this: Any, face: bytes) -> Any:
        return d.GetFont(default, face)

    def get_font_data(this: Any, handle: Any, table: int, buffer: Any, size: int) -> int:
        if handle in handles:
            return fill(buffer, size, data) if table == 0 else 0  # a whole font, not a collection
        return int(d.GetFontData(default, handle, table, buffer, size))

    def get_face_name(this: Any, handle: Any, buffer: Any, size: int) -> int:
        if handle in handles:
            return fill(buffer, size, FACE_NAME + b"\0")
        return int(d.GetFaceName(default, handle, buffer, size))

    def get_charset(this: Any, handle: Any) -> int:
        if handle in handles:
            return handles[handle]
        return int(d.GetFontCharset(default, handle))

    def delete_font(this: Any, handle: Any) -> None:
        if handle not in handles:
            d.DeleteFont(default, handle)

    def enum_fonts(this: Any, mapper: Any) -> None:
        d.EnumFonts(default, mapper)

    callbacks = {
        "EnumFonts": enum_fonts, "MapFont": map_font, "GetFont": get_font, "GetFontData": get_font_data,
        "GetFaceName": get_face_name, "GetFontCharset": get_charset, "DeleteFont": delete_font,
    }  # fmt: skip
    prototypes = dict(info_t._fields_)
    info = info_t()
    info.version = 1
    wrapped = {name: prototypes[name](fn) for name, fn in callbacks.items()}
    for name, fn in wrapped.items():
        setattr(info, name, fn)
    _keep.extend([default, info, buffers, data, wrapped])
    c.FPDF_SetSystemFontInfo(ctypes.byref(info))
    _state["installed"] = True


@contextlib.contextmanager
def text_mode() -> Iterator[None]:
    """Hold the PDFium lock with CJK substitutions mapped to the box font: for text extraction only."""
    with PDFIUM:
        if not _state["installed"]:
            _install()
        outer = _state["text"]
        _state["text"] = True
        try:
            yield
        finally:
            _state["text"] = outer
