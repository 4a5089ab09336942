"""Rendered scans with known content: the OCR bench's pages, generated rather than downloaded.

Every page comes with its truth (the text lines in reading order, the seal's ring text, the table's
cells), so error rates are exact. Kinds follow issue #17: a clean 300 dpi page; a 200 dpi scan with noise
and 1–2° skew; a poor 150 dpi scan with blur, −3° skew and a red round seal over the issuer and date; a
300 dpi page with a ruled table.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from dangan.digitize.fonts import find_cjk_font
from dangan.domain import id_check_char, uscc_check_char

A4_INCHES = (8.27, 11.69)
KINDS = ("clean", "scanned", "poor", "table")
SEAL_RED = (215, 30, 35)

CITIES = ["秦皇岛市", "石家庄市", "保定市", "唐山市", "邯郸市", "廊坊市", "沧州市", "承德市"]
SHORT = {
    "秦皇岛市": "秦",
    "石家庄市": "石",
    "保定市": "保",
    "唐山市": "唐",
    "邯郸市": "邯",
    "廊坊市": "廊",
    "沧州市": "沧",
    "承德市": "承",
}
MATTERS = [
    ("食品经营许可", "食品经营许可证"),
    ("药品零售许可", "药品经营许可证"),
    ("建设工程规划许可", "建设工程规划许可证"),
    ("排污许可", "排污许可证"),
    ("道路运输经营许可", "道路运输经营许可证"),
]
OFFICES = [
    ("市场监督管理局", "市监许"),
    ("行政审批局", "审批许"),
    ("生态环境局", "环许"),
    ("交通运输局", "交许"),
]
FIRMS = [
    "华北食品有限公司",
    "海港医药连锁有限公司",
    "长城建设工程有限公司",
    "渤海环保科技有限公司",
    "燕山物流有限责任公司",
    "北戴河餐饮管理有限公司",
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "孙丽"]
STREETS = ["海港区文化路", "北戴河区保二路", "开发区龙海道", "山海关区南关大街", "抚宁区金山大街"]
CN_DIGITS = "〇一二三四五六七八九"


@dataclass
class Scan:
    kind: str
    image: np.ndarray  # H×W×3 uint8 RGB
    dpi: int
    lines: list[str]  # the page's text in reading order
    seal: dict[str, object] | None = None  # {"box", "shape", "text"} in page pixels
    cells: list[list[str]] = field(default_factory=list)
    doc_number: str = ""
    uscc: str = ""


def cn_year(y: int) -> str:
    return "".join(CN_DIGITS[int(c)] for c in str(y))


def cn_number(n: int) -> str:
    if n < 10:
        return "十" if n == 10 else CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def cn_date(y: int, m: int, d: int) -> str:
    return f"{cn_year(y)}年{cn_number(m)}月{cn_number(d)}日"


def make_uscc(rng: random.Random) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "130302" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc_check_char(body)


def make_id(rng: random.Random) -> str:
    body = f"130302{rng.randint(1960, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + id_check_char(body)


def font(px: int) -> ImageFont.FreeTypeFont:
    path = find_cjk_font()
    if path is None:
        raise RuntimeError("no CJK font on this machine")
    return ImageFont.truetype(str(path), px, index=0)


def _wrap(text: str, f: ImageFont.FreeTypeFont, width: int) -> list[str]:
    out, cur = [], ""
    for ch in text:
        if f.getlength(cur + ch) > width:
            out.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def decision(rng: random.Random) -> dict[str, object]:
    city = rng.choice(CITIES)
    office, prefix = rng.choice(OFFICES)
    matter, licence = rng.choice(MATTERS)
    year, num = rng.randint(2016, 2025), rng.randint(1, 999)
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    firm = rng.choice(CITIES)[:-1] + rng.choice(FIRMS)
    uscc = make_uscc(rng)
    issuer = city + office
    doc_number = f"{SHORT[city]}{prefix}〔{year}〕{num}号"
    amount = f"{rng.randint(1, 999)},{rng.randint(0, 999):03d}.{rng.randint(0, 99):02d}"
    body = [
        f"申请人：{firm}",
        f"统一社会信用代码：{uscc}",
        f"法定代表人：{rng.choice(NAMES)}　身份证号码：{make_id(rng)}",
        f"住所：{city}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        f"　　你单位于{year}年{m}月{d}日提出的{matter}申请，本机关已于当日受理。经审查，申请材料齐全、"
        f"符合法定形式，根据《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予行政许可，"
        f"核发{licence}，有效期五年。注册资本人民币{amount}元。",
        "　　如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法提起行政诉讼。",
    ]
    return {
        "issuer": issuer,
        "title": "准予行政许可决定书",
        "doc_number": doc_number,
        "uscc": uscc,
        "body": body,
        "date": cn_date(year, m, min(28, d + rng.randint(0, 5))),
    }


def render_decision(
    rng: random.Random, dpi: int
) -> tuple[Image.Image, list[str], tuple[int, int, int, int], dict[str, object]]:
    """A decision page; returns the image, its lines, the box around issuer and date, and the facts."""
    doc = decision(rng)
    w, h = int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi)
    img = Image.new("RGB", (w, h), "white")
    draw = ImageDraw.Draw(img)
    pt = dpi / 72
    margin = int(1.1 * dpi)
    big, mid, body_f = font(int(20 * pt)), font(int(16 * pt)), font(int(13 * pt))
    lines: list[str] = []
    y = int(1.0 * dpi)

    def centred(text: str, f: ImageFont.FreeTypeFont, colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        nonlocal y
        draw.text(((w - f.getlength(text)) / 2, y), text, font=f, fill=colour)
        lines.append(text)
        y += int(f.size * 1.9)

    centred(str(doc["issuer"]), big)
    centred(str(doc["title"]), big)
    centred(str(doc["doc_number"]), mid)
    y += int(0.2 * dpi)
    for para in doc["body"]:  # type: ignore[attr-defined]
        for line in _wrap(str(para), body_f, w - 2 * margin):
            draw.text((margin, y), line, font=body_f, fill=(0, 0, 0))
            lines.append(line)
            y += int(body_f.size * 1.75)
    y += int(0.6 * dpi)
    x_right = w - margin
    top = y
    for text in (str(doc["issuer"]), str(doc["date"])):
        draw.text((x_right - body_f.getlength(text), y), text, font=body_f, fill=(0, 0, 0))
        lines.append(text)
        y += int(body_f.size * 1.75)
    box = (int(x_right - body_f.getlength(str(doc["issuer"]))), top, x_right, y)
    return img, [ln.replace("　", "") for ln in lines], box, doc


def draw_seal(
    page: Image.Image, centre: tuple[int, int], radius: int, text: str, shape: str
) -> tuple[int, int, int, int]:
    """Stamps a red seal (multiplied over what is printed, as ink is) and returns its box."""
    size = 2 * radius + 8
    layer = Image.new("L", (size, size), 0)  # ink coverage
    d = ImageDraw.Draw(layer)
    c = size / 2
    ry = radius if shape != "oval" else int(radius * 0.72)
    rx = radius
    ring = max(3, radius // 18)
    if shape == "square":
        d.rectangle((c - rx, c - rx, c + rx, c + rx), outline=255, width=ring)
        rows = [text[: (len(text) + 1) // 2], text[(len(text) + 1) // 2 :]]
        f = font(int(radius * 0.62))
        for i, row in enumerate(rows):
            tw = f.getlength(row)
            d.text((c - tw / 2, c - radius * 0.78 + i * radius * 0.8), row, font=f, fill=255)
    else:
        d.ellipse((c - rx, c - ry, c + rx, c + ry), outline=255, width=ring)
        char_px = int(radius * (0.27 if shape == "round" else 0.2))
        f = font(char_px)
        span = math.radians(220 if shape == "round" else 160)
        n = len(text)
        for i, ch in enumerate(text):
            a = -math.pi / 2 - span / 2 + span * (i + 0.5) / n  # clockwise from the left, over the top
            glyph = Image.new("L", (char_px * 2, char_px * 2), 0)
            ImageDraw.Draw(glyph).text((char_px / 2, char_px / 2), ch, font=f, fill=255)
            glyph = glyph.rotate(-math.degrees(a) - 90, resample=Image.Resampling.BICUBIC)
            gx = c + (rx - ring - char_px * 0.75) * math.cos(a)
            gy = c + (ry - ring - char_px * 0.75) * math.sin(a)
            layer.paste(255, (int(gx - char_px), int(gy - char_px)), glyph)
        star = [
            (
                c + radius * 0.22 * (1 if k % 2 == 0 else 0.4) * math.cos(-math.pi / 2 + k * math.pi / 5),
                c + radius * 0.22 * (1 if k % 2 == 0 else 0.4) * math.sin(-math.pi / 2 + k * math.pi / 5),
            )
            for k in range(10)
        ]
        d.polygon(star, fill=255)
    x0, y0 = int(centre[0] - size / 2), int(centre[1] - size / 2)
    ink = Image.new("RGB", (size, size), "white")
    ink.paste(Image.new("RGB", (size, size), SEAL_RED), (0, 0), layer)
    region = page.crop((x0, y0, x0 + size, y0 + size))
    page.paste(ImageChops.multiply(region, ink), (x0, y0))
    bx = (int(c - rx), int(c - (rx if shape == "square" else ry)))
    return (x0 + bx[0], y0 + bx[1], x0 + size - bx[0], y0 + size - bx[1])


def _degrade(
    img: Image.Image, rng: random.Random, skew: float, blur: float, noise: float, paper: int
) -> Image.Image:
    img = img.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    if blur:
        img = img.filter(ImageFilter.GaussianBlur(blur))
    a = np.asarray(img).astype(np.float32) * (paper / 255.0)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    a += nrng.normal(0, noise, a.shape[:2])[:, :, None]
    specks = nrng.random(a.shape[:2]) < 0.0004
    a[specks] = 40
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _rotate_box(
    box: tuple[int, int, int, int], deg: float, size: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Where a box lands after PIL's rotate(deg) about the centre (counter-clockwise, y down)."""
    cx, cy = size[0] / 2, size[1] / 2
    t = math.radians(deg)
    pts = [(box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])]
    out = [
        (
            cx + (x - cx) * math.cos(t) + (y - cy) * math.sin(t),
            cy - (x - cx) * math.sin(t) + (y - cy) * math.cos(t),
        )
        for x, y in pts
    ]
    xs, ys = [p[0] for p in out], [p[1] for p in out]
    return (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))


SEAL_TEXTS = {"round": None, "oval": None, "square": "审批专用"}


def render(kind: str, seed: int) -> Scan:
    rng = random.Random(f"{kind}-{seed}")
    if kind == "table":
        return render_table(rng)
    dpi = {"clean": 300, "scanned": 200, "poor": 150}[kind]
    img, lines, box, doc = render_decision(rng, dpi)
    seal: dict[str, object] | None = None
    if kind != "clean":
        shape = "round" if kind == "poor" else ("oval", "square", "round")[seed % 3]
        text = SEAL_TEXTS[shape] or str(doc["issuer"])
        radius = int((0.8 if shape != "square" else 0.5) * dpi)
        centre = ((box[0] + box[2]) // 2, (box[1] + box[3]) // 2)
        sbox = draw_seal(img, centre, radius, text, shape)
        seal = {"box": sbox, "shape": shape, "text": text}
    skew = {"clean": 0.0, "scanned": rng.choice([-1, 1]) * rng.uniform(1.0, 2.0), "poor": -3.0}[kind]
    if kind == "scanned":
        img = _degrade(img, rng, skew, 0.0, 8.0, 246)
    elif kind == "poor":
        img = _degrade(img, rng, skew, 0.9, 12.0, 236)
    if seal is not None and skew:
        seal["box"] = _rotate_box(seal["box"], skew, img.size)  # type: ignore[arg-type]
    return Scan(
        kind,
        np.asarray(img.convert("RGB")),
        dpi,
        lines,
        seal,
        doc_number=str(doc["doc_number"]),
        uscc=str(doc["uscc"]),
    )


def render_table(rng: random.Random) -> Scan:
    dpi = 300
    w, h = int(A4_INCHES[0] * dpi), int(A4_INCHES[1] * dpi)
    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    pt = dpi / 72
    title_f, f = font(int(18 * pt)), font(int(11 * pt))
    title = f"{rng.choice(CITIES)}行政许可办结情况统计表"
    d.text(((w - title_f.getlength(title)) / 2, int(1.0 * dpi)), title, font=title_f, fill="black")
    header = ["序号", "申请人", "许可事项", "办结日期", "金额（元）"]
    cells = [header]
    for i in range(1, 9):
        cells.append(
            [
                str(i),
                rng.choice(FIRMS)[:6],
                rng.choice(MATTERS)[0],
                f"{rng.randint(2018, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                f"{rng.randint(100, 99999)}.{rng.randint(0, 99):02d}",
            ]
        )
    col_w = [int(x * dpi) for x in (0.7, 1.9, 2.2, 1.4, 1.4)]
    row_h = int(0.45 * dpi)
    x0, y0 = int((w - sum(col_w)) / 2), int(1.8 * dpi)
    lw = max(2, dpi // 100)
    for r, row in enumerate(cells):
        x = x0
        for c, text in enumerate(row):
            d.rectangle((x, y0 + r * row_h, x + col_w[c], y0 + (r + 1) * row_h), outline="black", width=lw)
            d.text(
                (x + (col_w[c] - f.getlength(text)) / 2, y0 + r * row_h + (row_h - f.size) / 2),
                text,
                font=f,
                fill="black",
            )
            x += col_w[c]
    lines = [title] + ["".join(row) for row in cells]
    return Scan("table", np.asarray(img), dpi, lines, None, cells)
