"""'Scanned' paper: a page of Chinese text drawn with Pillow, then tilted, toned and speckled.

The demo needs raster pages for the digitization pipeline (QC, deskew, OCR). Text is drawn with a
CJK TrueType font found on the system; without one the generator stops with a clear message
instead of drawing empty boxes.
"""

from __future__ import annotations

import io
import math
import random
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageOps

from dangan.core import ConfigurationError
from dangan.digitize import find_cjk_font as find_system_cjk_font

FONT_MISSING = "未找到中文字体，请安装 fonts-wqy-zenhei"
A4_INCHES = (8.27, 11.69)


def find_cjk_font(dirs: Iterable[Path] | None = None) -> Path:
    """The CJK font the scans are drawn with; demo data without Chinese text would be worthless."""
    found = find_system_cjk_font(dirs)
    if found is None:
        raise ConfigurationError(FONT_MISSING, code="cjk_font_missing")
    return found


@lru_cache(maxsize=16)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=0)


def _tone_table(low: int, high: int) -> list[int]:
    return [low + (high - low) * v // 255 for v in range(256)]


def _seal(page: Image.Image, font_path: Path, name: str, cx: int, cy: int, radius: int) -> None:
    """An official seal ring with the issuer's name along the rim (grey, as a grey scan shows red)."""
    ink = 105
    draw = ImageDraw.Draw(page)
    draw.ellipse(
        (cx - radius, cy - radius, cx + radius, cy + radius), outline=ink, width=max(radius // 18, 2)
    )
    star = []
    for k in range(10):
        r = radius * (0.3 if k % 2 == 0 else 0.12)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    draw.polygon(star, fill=ink)
    size = max(int(radius * 0.26), 8)
    font = _font(font_path, size)
    arc = min(250.0, 22.0 * len(name))
    step = arc / max(len(name) - 1, 1)
    for i, ch in enumerate(name):
        angle = 90 + arc / 2 - i * step  # counter-clockwise degrees from east, as in maths
        glyph = Image.new("L", (size * 2, size * 2), 0)
        ImageDraw.Draw(glyph).text((size // 2, size // 2), ch, font=font, fill=255)
        glyph = glyph.rotate(angle - 90, resample=Image.Resampling.BILINEAR)
        rad = math.radians(angle)
        gx = cx + (radius - size * 1.1) * math.cos(rad) - size
        gy = cy - (radius - size * 1.1) * math.sin(rad) - size
        page.paste(ink, (round(gx), round(gy)), glyph)


def render_scan(
    title: str,
    rows: list[tuple[str, str]],
    paragraphs: list[str],
    *,
    issuer: str,
    date_line: str,
    rng: random.Random,
    fmt: str = "JPEG",
    dpi: int = 110,
    frame: bool = False,
) -> bytes:
    """One A4 page at `dpi`, grey, slightly rotated and noisy; JPEG or PNG bytes."""
    font_path = find_cjk_font()
    w, h = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    page = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(page)
    margin = int(dpi * 0.9)
    if frame:
        draw.rectangle((margin // 2, margin // 2, w - margin // 2, h - margin // 2), outline=40, width=3)
        draw.rectangle(
            (margin // 2 + 8, margin // 2 + 8, w - margin // 2 - 8, h - margin // 2 - 8), outline=90
        )
    title_font = _font(font_path, int(dpi * 0.36))
    body = int(dpi * 0.17)
    font = _font(font_path, body)
    y = margin + int(dpi * 0.3)
    tw = draw.textlength(title, font=title_font)
    draw.text(((w - tw) / 2, y), title, font=title_font, fill=25)
    y += int(dpi * 0.8)
    label_w = int(max((draw.textlength(k, font=font) for k, _ in rows), default=0)) + body
    usable = w - 2 * margin
    for label, value in rows:
        draw.text((margin, y), label, font=font, fill=30)
        for part in _wrap(draw, value, font, usable - label_w):
            draw.text((margin + label_w, y), part, font=font, fill=30)
            y += int(body * 1.6)
        y += int(body * 0.4)
    y += body
    for text in paragraphs:
        for k, part in enumerate(_wrap(draw, text, font, usable - 2 * body)):
            draw.text((margin + (2 * body if k == 0 else 0), y), part, font=font, fill=30)
            y += int(body * 1.6)
        y += int(body * 0.6)
    sy = max(y + body * 2, h - margin - int(dpi * 1.9))
    if issuer:  # signed and sealed by the issuer; a copied ID card is neither
        iw = draw.textlength(issuer, font=font)
        draw.text((w - margin - iw - body, sy), issuer, font=font, fill=30)
        dw = draw.textlength(date_line, font=font)
        draw.text((w - margin - dw - body, sy + int(body * 1.8)), date_line, font=font, fill=30)
        _seal(page, font_path, issuer, int(w - margin - iw / 2 - body), sy, int(dpi * 0.62))
    return _age(page, rng, fmt)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    lines, line = [], ""
    for ch in text:
        if line and draw.textlength(line + ch, font=font) > width:
            lines.append(line)
            line = ""
        line += ch
    return [*lines, line] if line else lines


def _age(page: Image.Image, rng: random.Random, fmt: str) -> bytes:
    """Make a clean page look scanned: dust, a slight tilt (whose resampling softens the edges as a
    scanner's optics do), paper tone and uneven lighting."""
    w, h = page.size
    draw = ImageDraw.Draw(page)
    for _ in range(rng.randint(150, 400)):
        x, y = rng.randrange(w), rng.randrange(h)
        r = rng.choice((1, 1, 1, 2))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(60, 170))
    page = page.rotate(rng.uniform(-1.6, 1.6), resample=Image.Resampling.BILINEAR, fillcolor=255)
    page = page.point(_tone_table(rng.randint(12, 28), rng.randint(236, 250)))
    small = (max(w // 24, 1), max(h // 24, 1))
    blotch = Image.frombytes("L", small, rng.randbytes(small[0] * small[1]))
    blotch = blotch.resize((w, h), Image.Resampling.BILINEAR).point(_tone_table(0, rng.randint(8, 16)))
    page = ImageChops.subtract(page, blotch)
    out = io.BytesIO()
    dpi = (round(w / A4_INCHES[0]), round(h / A4_INCHES[1]))
    if fmt.upper() == "PNG":
        # Eight grey levels, as a document scanner's "greyscale text" mode saves them: small files.
        ImageOps.posterize(page, 3).save(out, format="PNG", compress_level=6, dpi=dpi)
    else:
        page.save(out, format="JPEG", quality=rng.randint(62, 72), dpi=dpi)
    return out.getvalue()
