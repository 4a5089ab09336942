"""Embedding a real font program for every font a PDF only names (PDF/A 6.2.11.4 requires them all).

The demo PDFs (reportlab) name the Adobe CID font STSong-Light with the `UniGB-UCS2-H` CMap and the
standard Helvetica without embedding either. The content streams are left byte for byte as they are:

* a Type0 font whose CMap maps UCS-2/UTF-16 codes (`Uni*-UCS2-H`, `Uni*-UTF16-H`) becomes an
  `Identity-H` Type0 font over an embedded CIDFontType2 subset, so each code is its own CID; a
  CIDToGIDMap sends every CID (a Unicode code point) to the subset's glyph, and a ToUnicode CMap keeps
  the text layer exactly as it was;
* a simple font (Type1/TrueType, WinAnsi or Standard encoding) becomes a TrueType font subset with the
  same codes (`WinAnsiEncoding`, with Differences where Standard differs).

Glyphs come from one CJK TrueType font on the system (`find_cjk_font`, WenQuanYi Zen Hei by default);
widths are the embedded program's own, as PDF/A 6.2.11.5 requires. A character the font lacks makes the
conversion fail rather than draw .notdef.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from dangan.core import DanganError

if TYPE_CHECKING:
    from fontTools.ttLib import TTFont

_UNICODE_CMAPS = {f"Uni{o}-{enc}-H" for o in ("GB", "CNS", "JIS", "KS") for enc in ("UCS2", "UTF16")}
_SIMPLE = {"/Type1", "/TrueType", "/MMType1"}
_SIMPLE_ENCODINGS = {"/WinAnsiEncoding", "/StandardEncoding", "None"}  # None: the font's own (Standard)
# StandardEncoding differs from WinAnsiEncoding on these ASCII codes (quotes).
_STANDARD_DIFFERENCES = {0x27: ("quoteright", "\u2019"), 0x60: ("quoteleft", "\u2018")}


class ConversionFailed(DanganError):
    """A file could not be made into its preservation form; the message says why, in Chinese."""

    code = "conversion_failed"
    status = 422


@dataclass
class _Use:
    font: pikepdf.Object
    codes: set[int] = field(default_factory=set)


def _font_program(font: pikepdf.Object) -> bool:
    """True when the font (or its descendant) carries its own program, or needs none (Type3)."""
    if font.get("/Subtype") == Name.Type3:
        return True
    if font.get("/Subtype") == Name.Type0:
        font = font.DescendantFonts[0]
    desc = font.get("/FontDescriptor")
    return desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def resource_dicts(pdf: pikepdf.Pdf) -> Iterator[tuple[pikepdf.Object, pikepdf.Object]]:
    """(resources, content holder) for every page and every form XObject reachable from one."""
    seen: set[tuple[int, int]] = set()
    stack: list[pikepdf.Object] = []
    for page in pdf.pages:
        stack.append(page.obj)
        for annot in page.obj.get("/Annots", Array()):
            for ap in annot.get("/AP", Dictionary()).values():
                stack.extend([ap] if isinstance(ap, pikepdf.Stream) else list(ap.values()))
    while stack:
        holder = stack.pop()
        if holder.is_indirect:
            if holder.objgen in seen:
                continue
            seen.add(holder.objgen)
        res = holder.get("/Resources")
        if res is None:
            continue
        yield res, holder
        for xobj in res.get("/XObject", Dictionary()).values():
            if xobj.get("/Subtype") == Name.Form:
                stack.append(xobj)


def _strings(holder: pikepdf.Object) -> Iterator[tuple[str, bytes]]:
    """(font resource name, shown bytes) for every text-showing operator of one content holder."""
    current = ""
    try:
        ops = pikepdf.parse_content_stream(holder)
    except pikepdf.PdfError as exc:
        raise ConversionFailed(f"页面内容无法解析：{exc}") from exc
    for instr in ops:
        operands, op = instr.operands, instr.operator
        name = str(op)
        if name == "Tf" and operands:
            current = str(operands[0])
        elif name in ("Tj", "'", '"') and operands:
            yield current, bytes(operands[-1])
        elif name == "TJ" and operands:
            for item in operands[0]:
                if isinstance(item, pikepdf.String):
                    yield current, bytes(item)


def _collect(pdf: pikepdf.Pdf) -> dict[tuple[int, int], _Use]:
    """Every font without a program, with the codes its text shows (fonts made indirect to key them)."""
    uses: dict[tuple[int, int], _Use] = {}
    for res, holder in resource_dicts(pdf):
        fonts = res.get("/Font")
        if fonts is None:
            continue
        names: dict[str, tuple[int, int]] = {}
        for key in list(fonts.keys()):
            font = fonts[key]
            if _font_program(font):
                continue
            if not font.is_indirect:
                font = fonts[key] = pdf.make_indirect(font)
            uses.setdefault(font.objgen, _Use(font))
            names[key] = font.objgen
        if not names:
            continue
        for key, data in _strings(holder):
            if key in names:
                use = uses[names[key]]
                if use.font.get("/Subtype") == Name.Type0:
                    use.codes.update(
                        int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)
                    )
                else:
                    use.codes.update(data)
    return uses


@lru_cache(maxsize=2)
def _base_font(path: str) -> bytes:
    """The system font prepared once per process: first face of a collection, one Unicode cmap, no
    glyph names, no layout or bitmap tables. Loading this takes a fraction of the original's time
    (cmap, post and layout tables of a 45,000-glyph CJK font cost seconds on every load)."""
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=0)
    cmap = font["cmap"]
    cmap.tables = [t for t in cmap.tables if (t.platformID, t.platEncID) in ((3, 1), (3, 10))]
    font["post"].formatType = 3.0
    for tag in ("BDF ", "FFTM", "GDEF", "GPOS", "GSUB", "vhea", "vmtx"):
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass
class _Program:
    """One embedded subset serving every replaced font of a document."""

    font: TTFont
    stream: pikepdf.Object
    name: str
    cmap: dict[int, str]
    order: dict[str, int]
    scale: float

    def gid(self, char: str) -> int:
        return self.order[self.cmap[ord(char)]]

    def width(self, char: str) -> int:
        return round(self.font["hmtx"][self.cmap[ord(char)]][0] * self.scale)


def _program(pdf: pikepdf.Pdf, font_path: Path, chars: set[str]) -> _Program:
    """A TrueType subset of `font_path` holding `chars` (plus .notdef), embedded once in `pdf`."""
    from fontTools import subset  # imported here: about 0.3 s, needed only by `dangan preserve`
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(_base_font(str(font_path))))
    cmap = font.getBestCmap()
    missing = sorted(c for c in chars if ord(c) not in cmap)
    if missing:
        shown = "".join(missing[:20])
        raise ConversionFailed(f"嵌入字体 {font_path.name} 缺少字符：{shown}", code="font_missing_glyphs")
    options = subset.Options()
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.layout_features = []
    options.hinting = True  # False would expand every glyph of the whole CJK font first (~40 s)
    sub = subset.Subsetter(options)
    sub.populate(unicodes=[ord(c) for c in chars])
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)  # "table not subset" chatter
    sub.subset(font)
    out = io.BytesIO()
    font.save(out)
    data = out.getvalue()
    parsed = TTFont(io.BytesIO(data))
    stream = pikepdf.Stream(pdf, data)
    stream.Length1 = len(data)
    name = f"{_tag(chars)}+{str(parsed['name'].getDebugName(6) or 'Font').replace(' ', '')}"
    order = {g: i for i, g in enumerate(parsed.getGlyphOrder())}
    scale = 1000 / parsed["head"].unitsPerEm
    return _Program(parsed, pdf.make_indirect(stream), name, parsed.getBestCmap(), order, scale)


def _tag(chars: set[str]) -> str:
    digest = hashlib.sha256("".join(sorted(chars)).encode("utf-8")).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _descriptor(pdf: pikepdf.Pdf, prog: _Program, flags: int) -> pikepdf.Object:
    head, hhea = prog.font["head"], prog.font["hhea"]
    os2 = prog.font.get("OS/2")
    cap = getattr(os2, "sCapHeight", 0) or hhea.ascent
    box = (head.xMin, head.yMin, head.xMax, head.yMax)
    return pdf.make_indirect(
        Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/" + prog.name),
            Flags=flags,
            FontBBox=Array([round(v * prog.scale) for v in box]),
            ItalicAngle=0,
            Ascent=round(hhea.ascent * prog.scale),
            Descent=round(hhea.descent * prog.scale),
            CapHeight=round(cap * prog.scale),
            StemV=80,
            FontFile2=prog.stream,
        )
    )


def _to_unicode(codes: list[int]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]  # fmt: skip
    for i in range(0, len(codes), 100):
        chunk = codes[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{c:04X}> <{c:04X}>" for c in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _chars(use: _Use) -> dict[int, str]:
    """Code → character for the codes a font shows; ConversionFailed for fonts we cannot re-encode."""
    subtype = use.font.get("/Subtype")
    encoding = use.font.get("/Encoding")
    if subtype == Name.Type0:
        if str(encoding)[1:] not in _UNICODE_CMAPS:
            raise ConversionFailed(f"不支持嵌入使用 {encoding} 编码的未嵌入复合字体", code="font_unsupported")
        return {c: chr(c) for c in sorted(use.codes) if not 0xD800 <= c <= 0xDFFF}
    if str(subtype) not in _SIMPLE:
        raise ConversionFailed(f"不支持嵌入类型为 {subtype} 的字体", code="font_unsupported")
    base_name = str(use.font.get("/BaseFont", "/Font"))[1:]
    if base_name in ("Symbol", "ZapfDingbats") or str(encoding) not in _SIMPLE_ENCODINGS:
        raise ConversionFailed(f"不支持嵌入字体 {base_name}（编码 {encoding}）", code="font_unsupported")
    chars: dict[int, str] = {}
    for code in sorted(use.codes):
        if str(encoding) != "/WinAnsiEncoding" and code in _STANDARD_DIFFERENCES:
            chars[code] = _STANDARD_DIFFERENCES[code][1]
            continue
        try:
            chars[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            raise ConversionFailed(
                f"字体 {base_name} 使用了无法映射的字符码 {code}", code="font_unsupported"
            ) from None
    return chars or {0x20: " "}


def _type0(pdf: pikepdf.Pdf, chars: dict[int, str], prog: _Program) -> pikepdf.Object:
    codes = sorted(chars)
    gid_map = bytearray(2 * (max(codes, default=0) + 1))
    widths: list[Any] = []
    for c in codes:
        gid_map[2 * c : 2 * c + 2] = prog.gid(chars[c]).to_bytes(2, "big")
        widths += [c, Array([prog.width(chars[c])])]
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name("/" + prog.name),
        CIDSystemInfo=Dictionary(
            Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0
        ),
        FontDescriptor=_descriptor(pdf, prog, 4),
        DW=1000,
        W=Array(widths),
        CIDToGIDMap=pdf.make_indirect(pikepdf.Stream(pdf, bytes(gid_map))),
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + prog.name),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(cid_font)]),
            ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, _to_unicode(codes))),
        )
    )


def _simple(pdf: pikepdf.Pdf, use: _Use, chars: dict[int, str], prog: _Program) -> pikepdf.Object:
    first, last = min(chars), max(chars)
    widths = [prog.width(chars[c]) if c in chars else 0 for c in range(first, last + 1)]
    encoding: pikepdf.Object = Name.WinAnsiEncoding
    if str(use.font.get("/Encoding")) != "/WinAnsiEncoding":  # Standard: two quotes differ
        diffs = [
            x
            for c in chars
            if c in _STANDARD_DIFFERENCES
            for x in (c, Name("/" + _STANDARD_DIFFERENCES[c][0]))
        ]
        if diffs:
            encoding = Dictionary(
                Type=Name.Encoding, BaseEncoding=Name.WinAnsiEncoding, Differences=Array(diffs)
            )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.TrueType,
            BaseFont=Name("/" + prog.name),
            FirstChar=first,
            LastChar=last,
            Widths=Array(widths),
            Encoding=encoding,
            FontDescriptor=_descriptor(pdf, prog, 32),
        )
    )


def embed_fonts(pdf: pikepdf.Pdf, font_path: Path) -> list[str]:
    """Give every font without a program an embedded subset of `font_path`; the names replaced."""
    uses = _collect(pdf)
    if not uses:
        return []
    chars = {key: _chars(use) for key, use in uses.items()}
    prog = _program(pdf, font_path, {c for m in chars.values() for c in m.values()} | {" "})
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    for key, use in uses.items():
        if use.font.get("/Subtype") == Name.Type0:
            replaced[key] = _type0(pdf, chars[key], prog)
        else:
            replaced[key] = _simple(pdf, use, chars[key], prog)
    for res, _holder in resource_dicts(pdf):
        fonts = res.get("/Font")
        if fonts is None:
            continue
        for name in list(fonts.keys()):
            if fonts[name].is_indirect and fonts[name].objgen in replaced:
                fonts[name] = replaced[fonts[name].objgen]
    return sorted(str(u.font.get("/BaseFont", "?"))[1:] for u in uses.values())
