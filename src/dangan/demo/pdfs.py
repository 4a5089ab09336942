"""A small, deterministic A4 page writer over reportlab with the built-in Chinese CID font.

`STSong-Light` is one of the Adobe CID fonts every PDF reader knows, so nothing is embedded and a
page stays a few KB. `invariant=1` fixes the document id and dates: the same content gives the
same bytes.
"""

from __future__ import annotations

import io
import math
import threading
from datetime import date
from typing import ClassVar

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase._cidfontdata import CIDFontInfo
from reportlab.pdfbase.cidfonts import UnicodeCIDFont, structToPDF
from reportlab.pdfgen import canvas

FACE = "STSong-Light"
FONT = "DanganDemo-STSong-Light"  # our registration of FACE, see _Song
PAGE_W, PAGE_H = A4
MARGIN = 72.0
_WIDTHS: dict[tuple[str, float], float] = {}
_SAVE_LOCK = threading.Lock()


class _Raw(pdfdoc.PDFObject):
    """An object already formatted as PDF bytes."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document: pdfdoc.PDFDocument) -> bytes:
        return self.data


class _Song(UnicodeCIDFont):
    """STSong-Light whose font dictionary (a long widths array) is formatted once, not per document.

    reportlab without its C accelerator spends about a millisecond per PDF formatting that array;
    the bytes written are the same as UnicodeCIDFont's.
    """

    _formatted: ClassVar[dict[tuple[str, str], bytes]] = {}

    def __init__(self) -> None:
        super().__init__(FACE)
        self.name = self.fontName = FONT

    def addObjects(self, doc: pdfdoc.PDFDocument) -> None:
        internal = "F" + repr(len(doc.fontMapping) + 1)
        key = (internal, self.encodingName)
        data = self._formatted.get(key)
        if data is None:
            big = dict(CIDFontInfo[self.face.name], Name="/" + internal, Encoding="/" + self.encodingName)
            data = self._formatted[key] = pdfdoc.format(structToPDF(big), doc, toplevel=1)
        ref = doc.Reference(_Raw(data), internal)
        doc.idToObject["BasicFonts"].dict[internal] = ref
        doc.fontMapping[self.name] = "/" + internal


def _ensure_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(_Song())


def text_width(text: str, size: float) -> float:
    total = 0.0
    for ch in text:
        w = _WIDTHS.get((ch, size))
        if w is None:
            w = _WIDTHS[(ch, size)] = pdfmetrics.stringWidth(ch, FONT, size)
        total += w
    return total


def wrap(text: str, size: float, width: float, first_indent: float = 0.0) -> list[str]:
    """Break Chinese text into lines no wider than `width`, character by character."""
    lines, line, used, limit = [], "", 0.0, width - first_indent
    for ch in text:
        w = text_width(ch, size)
        if used + w > limit and line:
            carry = ""
            if ch in "，。；：、）》”":  # no line starts with closing punctuation
                line += ch
                ch, w = "", 0.0
            elif line[-1] in "《（“":  # and none ends with opening punctuation
                line, carry = line[:-1], line[-1]
            lines.append(line)
            line, used, limit = carry, text_width(carry, size), width
        line += ch
        used += w
    if line:
        lines.append(line)
    return lines


class Sheet:
    """One document being written top to bottom; `finish()` returns the PDF bytes."""

    def __init__(self, title: str, author: str, subject: str = "", *, when: date | None = None):
        _ensure_font()
        self._buf = io.BytesIO()
        self.c = canvas.Canvas(self._buf, pagesize=A4, invariant=1, pageCompression=1)
        self.c.setTitle(title)
        self.c.setAuthor(author)
        self.c.setSubject(subject or title)
        self.c.setCreator("Dangan 演示数据生成器")
        if when is not None:
            self.c.setKeywords(f"成文日期:{when.isoformat()}")
        self.y = PAGE_H - MARGIN

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.c.showPage()
            self.y = PAGE_H - MARGIN

    def gap(self, height: float) -> None:
        self.y -= height

    def centred(self, text: str, size: float = 12, *, red: bool = False, after: float = 8) -> None:
        self._room(size)
        self.y -= size
        self.c.setFont(FONT, size)
        if red:
            self.c.setFillColorRGB(0.8, 0.05, 0.05)
        self.c.drawCentredString(PAGE_W / 2, self.y, text)
        self.c.setFillColorRGB(0, 0, 0)
        self.y -= after

    def right(self, text: str, size: float = 12, *, after: float = 6) -> None:
        self._room(size)
        self.y -= size
        self.c.setFont(FONT, size)
        self.c.drawRightString(PAGE_W - MARGIN - 2 * size, self.y, text)
        self.y -= after

    def line(self, text: str, size: float = 12, *, after: float = 6) -> None:
        self._room(size)
        self.y -= size
        self.c.setFont(FONT, size)
        self.c.drawString(MARGIN, self.y, text)
        self.y -= after

    def para(self, text: str, size: float = 12, *, indent: bool = True, leading: float = 1.7) -> None:
        """A paragraph, first line indented by two characters as Chinese documents are."""
        first = 2 * size if indent else 0.0
        self.c.setFont(FONT, size)
        for i, part in enumerate(wrap(text, size, PAGE_W - 2 * MARGIN, first)):
            self._room(size * leading)
            self.y -= size * leading
            self.c.drawString(MARGIN + (first if i == 0 else 0.0), self.y, part)
        self.y -= size * 0.5

    def rows(self, rows: list[tuple[str, str]], size: float = 11, *, label_width: float = 120) -> None:
        """A two-column grid (label | value) like the forms applicants fill in."""
        left, right = MARGIN, PAGE_W - MARGIN
        value_width = right - left - label_width - 12
        self.c.setLineWidth(0.6)
        for label, value in rows:
            lines = wrap(value, size, value_width) or [""]
            height = max(len(lines), 1) * size * 1.5 + size * 0.8
            self._room(height)
            top = self.y
            self.c.setFont(FONT, size)
            self.c.drawString(left + 6, top - size * 1.3, label)
            for i, part in enumerate(lines):
                self.c.drawString(left + label_width + 6, top - size * 1.3 - i * size * 1.5, part)
            self.c.rect(left, top - height, label_width, height)
            self.c.rect(left + label_width, top - height, right - left - label_width, height)
            self.y = top - height
        self.y -= size

    def seal(self, name: str, *, x: float | None = None, y: float | None = None, radius: float = 44) -> None:
        """A red round official seal: the issuer's name along the rim around a five-pointed star."""
        # By default over the signature block that right() just wrote: name above, date below.
        cx = x if x is not None else PAGE_W - MARGIN - 24 - 7 * 12 / 2 - 12
        cy = y if y is not None else self.y + 30
        c = self.c
        c.saveState()
        c.setStrokeColorRGB(0.85, 0.1, 0.1)
        c.setFillColorRGB(0.85, 0.1, 0.1)
        c.setFillAlpha(0.85)  # seal ink lets the signature below show through
        c.setStrokeAlpha(0.85)
        c.setLineWidth(2.2)
        c.circle(cx, cy, radius)
        star = c.beginPath()
        for k in range(10):
            r = radius * (0.3 if k % 2 == 0 else 0.12)
            a = math.pi / 2 + k * math.pi / 5
            (star.moveTo if k == 0 else star.lineTo)(cx + r * math.cos(a), cy + r * math.sin(a))
        star.close()
        c.drawPath(star, stroke=0, fill=1)
        size = radius * 0.24
        c.setFont(FONT, size)
        arc = min(250.0, 22.0 * len(name))
        step = arc / max(len(name) - 1, 1)
        for i, ch in enumerate(name):
            angle = 90 + arc / 2 - i * step
            rad = math.radians(angle)
            c.saveState()
            c.translate(
                cx + (radius - size * 1.15) * math.cos(rad), cy + (radius - size * 1.15) * math.sin(rad)
            )
            c.rotate(angle - 90)
            c.drawCentredString(0, -size * 0.35, ch)
            c.restoreState()
        c.restoreState()

    def finish(self) -> bytes:
        self.c.showPage()
        # Flate alone, without reportlab's default ASCII85 layer on top: smaller and much faster
        # in pure Python. The setting is global in reportlab, so it is switched only while saving.
        with _SAVE_LOCK:
            saved = rl_config.useA85
            rl_config.useA85 = 0
            try:
                self.c.save()
            finally:
                rl_config.useA85 = saved
        return self._buf.getvalue()
