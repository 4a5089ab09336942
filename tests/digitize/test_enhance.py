"""Scan repair: the skew is measured right whatever else is on the page, paper turns white, ink and
seals keep their colour, and boxes found on the repaired page map back to the scan."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from dangan.digitize.enhance import enhance, estimate_skew
from dangan.digitize.fonts import find_cjk_font

LINE = "关于准予行政许可的决定书经审查你单位申请符合法定条件和标准现决定准予许可"
SEAL_RED = (215, 35, 35)


def text_page(
    size: tuple[int, int] = (800, 400),
    paper: tuple[int, int, int] = (255, 255, 255),
    seal: bool = False,
    table: bool = False,
    font_px: int = 22,
) -> Image.Image:
    """A page of Chinese text rows, optionally with a red round seal and a ruled table over part of it."""
    font_path = find_cjk_font()
    if font_path is None:
        pytest.skip("no CJK font on this machine")
    font = ImageFont.truetype(str(font_path), font_px)
    w, h = size
    img = Image.new("RGB", size, paper)
    draw = ImageDraw.Draw(img)
    step = int(font_px * 1.6)
    for i, y in enumerate(range(step, h - step, step)):
        draw.text((w // 20, y), LINE[i % 7 :] + LINE[: i % 7], font=font, fill=(20, 20, 20))
    if table:
        x0, y0, x1, y1 = int(w * 0.4), int(h * 0.5), int(w * 0.95), int(h * 0.9)
        for y in np.linspace(y0, y1, 6):
            draw.line([(x0, int(y)), (x1, int(y))], fill=(0, 0, 0), width=2)
        for x in np.linspace(x0, x1, 5):
            draw.line([(int(x), y0), (int(x), y1)], fill=(0, 0, 0), width=2)
    if seal:
        r = min(w, h) // 4
        cx, cy = int(w * 0.7), int(h * 0.45)
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=SEAL_RED, width=max(4, r // 12))
        draw.regular_polygon((cx, cy, r // 4), 5, fill=SEAL_RED)
    return img


def rotated(img: Image.Image, degrees: float) -> np.ndarray:
    """The page turned counter-clockwise by `degrees`, as a skewed scan on a white lid."""
    turned = img.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
    return np.asarray(turned).copy()


@pytest.mark.parametrize("degrees", [0.0, 0.8, -1.5, 3.0, -6.5, 12.0])
def test_skew_is_found_within_a_fifth_of_a_degree(degrees: float) -> None:
    assert estimate_skew(rotated(text_page(), degrees)) == pytest.approx(degrees, abs=0.2)


@pytest.mark.parametrize("degrees", [1.2, -2.5])
def test_a_red_seal_and_a_ruled_table_do_not_fool_the_skew(degrees: float) -> None:
    page = text_page(seal=True, table=True)
    assert estimate_skew(rotated(page, degrees)) == pytest.approx(degrees, abs=0.2)


def test_a_blank_page_has_no_skew() -> None:
    assert estimate_skew(np.full((400, 800, 3), 250, np.uint8)) == 0.0


def stained(img: Image.Image) -> np.ndarray:
    """Yellowed paper with a brown coffee ring that darkens paper and ink alike (multiplicative)."""
    a = np.asarray(img).astype(np.float32)
    h, w = a.shape[:2]
    yellow = np.array([0.93, 0.87, 0.70], np.float32)
    ring = Image.new("L", (w, h), 0)
    ImageDraw.Draw(ring).ellipse([w // 8, h // 8, w // 2, h - h // 8], fill=255)
    ring = ring.filter(ImageFilter.GaussianBlur(h // 12))
    m = np.asarray(ring).astype(np.float32)[:, :, None] / 255.0
    brown = np.array([0.75, 0.58, 0.38], np.float32)
    tint = yellow * (1 - m) + yellow * brown * m
    return np.clip(a * tint, 0, 255).astype(np.uint8)


def test_enhancement_whitens_stained_paper_keeps_text_dark_and_seals_red() -> None:
    clean = np.asarray(text_page(seal=True))
    scan = stained(Image.fromarray(clean))
    out = enhance(scan)
    paper = clean.min(axis=2) > 250
    text = clean.max(axis=2) < 60
    red = (clean[:, :, 0] > 200) & (clean[:, :, 1] < 60)
    assert scan[paper].mean() < 200
    assert out.image[paper].mean() > 245
    assert out.image[paper].mean() > scan[paper].mean() + 40
    assert out.image[text].mean() < 70
    r, g, b = (out.image[red][:, c].astype(int).mean() for c in range(3))
    assert r > 170 and r - g > 100 and r - b > 100
    assert out.image.shape == scan.shape and out.image.dtype == np.uint8
    assert "background" in out.steps


def test_enhancement_straightens_and_maps_boxes_back() -> None:
    scan = rotated(text_page(), 2.0)
    out = enhance(scan)
    assert out.skew_degrees == pytest.approx(2.0, abs=0.2)
    assert "deskew" in out.steps
    assert abs(estimate_skew(out.image)) < 0.2
    centre = (390.0, 190.0, 410.0, 210.0)  # the centre stays put under a rotation about it
    back = out.to_original(centre)
    assert back == pytest.approx(centre, abs=1.5)
    x0, y0, x1, y1 = out.to_original((700.0, 50.0, 720.0, 70.0))
    t = np.deg2rad(2.0)  # where PIL's counter-clockwise turn about the centre put the point (710, 60)
    dx, dy = 710.0 - 400.0, 60.0 - 200.0
    expected = (400.0 + dx * np.cos(t) + dy * np.sin(t), 200.0 - dx * np.sin(t) + dy * np.cos(t))
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx(expected, abs=2.0)


def test_dark_scanner_borders_become_paper() -> None:
    scan = np.asarray(text_page()).copy()
    scan[:, :40] = 15
    scan[-30:, :] = 20
    out = enhance(scan)
    assert "border" in out.steps
    assert out.image[:, :30].mean() > 245 and out.image[-20:, :].mean() > 245
    assert out.image[:, 60:].min() < 60  # the text is still there


def test_isolated_specks_are_removed_and_strokes_kept() -> None:
    clean = np.asarray(text_page()).copy()
    noisy = clean.copy()
    rng = np.random.default_rng(3)
    ys, xs = rng.integers(5, 395, 400), rng.integers(5, 795, 400)
    far = np.array([clean[y - 3 : y + 4, x - 3 : x + 4].min() > 200 for y, x in zip(ys, xs, strict=True)])
    noisy[ys[far], xs[far]] = 0
    out = enhance(noisy)
    assert "denoise" in out.steps
    assert (out.image[ys[far], xs[far]].min(axis=1) > 128).mean() > 0.9
    text = clean.max(axis=2) < 60
    assert out.image[text].mean() < 70
