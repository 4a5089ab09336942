"""Red seals: told apart from the black print, located, shaped, and their ring text read.

No wheel ships a seal model (PaddleOCR's are downloaded on first use), so this is classic vision: a red
mask in HSV (red wraps around hue 0, so both ends of the hue circle), connected components closed into
blobs, an ellipse fit and rectangularity for the shape, then the ring unrolled by a polar warp into a
straight strip that the ordinary line recogniser can read.

The same mask serves the text: a seal stamped over the issuer and date made the recogniser drop or garble
those lines (≈ 10 % CER raw). In the red channel red ink is as bright as paper while black toner stays
dark, so rebuilding the masked pixels from the red channel removes the seal and keeps the strokes under it.
"""

from __future__ import annotations

import cv2
import numpy as np

from ._engine import detect_and_read, read_strips
from ._types import Box, Seal

# OpenCV hue runs 0–180: red is both below ~12 and above ~160.
_HUE_LOW, _HUE_HIGH = 12, 160
_MIN_SAT, _MIN_VAL = 60, 70


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """255 where the pixel is red ink (either end of the hue circle), else 0."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    h, s, v = hsv[:, :, 0], hsv[:, :, 1], hsv[:, :, 2]
    red = ((h <= _HUE_LOW) | (h >= _HUE_HIGH)) & (s >= _MIN_SAT) & (v >= _MIN_VAL)
    return red.astype(np.uint8) * 255


def remove_red(rgb: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """A copy for reading the black print: red ink becomes the paper around it, dark strokes stay."""
    mask = red_mask(rgb) if mask is None else mask
    if not mask.any():
        return rgb
    near = cv2.dilate(mask, np.ones((5, 5), np.uint8)) > 0
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    paper_px = rgb[~near & (grey > np.percentile(grey, 50))]
    paper = paper_px.mean(axis=0) if len(paper_px) else np.array([255.0, 255.0, 255.0])
    paper_grey = float(paper.mean())
    red = rgb[:, :, 0].astype(np.float32)
    ink_r = float(np.median(red[mask > 0]))
    # scale so the seal's own red reads as paper; anything clearly darker (toner under it) stays dark
    level = np.clip(red * (paper_grey / max(ink_r, 1.0)), 0, 255)
    level = np.where(level > 0.8 * paper_grey, paper_grey, level)
    out = rgb.copy()
    rebuilt = (level[:, :, None] / max(paper_grey, 1.0)) * paper[None, None, :]
    out[near] = np.clip(rebuilt[near], 0, 255).astype(np.uint8)
    return out


def find_seals(rgb: np.ndarray, mask: np.ndarray | None = None, read: bool = True) -> list[Seal]:
    """Red seals on the page, largest first; `read` also reads their text (~0.1 s a seal)."""
    mask = red_mask(rgb) if mask is None else mask
    h, w = mask.shape
    short = min(h, w)
    k = max(3, short // 120)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    seals: list[Seal] = []
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if min(bw, bh) < max(24, short * 0.04) or max(bw, bh) > short * 0.7:
            continue
        if max(bw, bh) / min(bw, bh) > 2.2:  # a red title or rule, not a seal
            continue
        ink = mask[y : y + bh, x : x + bw]
        if (ink > 0).mean() < 0.04:
            continue
        found = _shape(contour)
        if found is None:
            continue
        shape, confidence, ellipse = found
        seal = Seal((x, y, x + bw, y + bh), shape, "", confidence)
        if read:
            seal.text, seal.text_confidence = _read(mask, seal.box, shape, ellipse)
        seals.append(seal)
    seals.sort(key=lambda s: -(s.box[2] - s.box[0]) * (s.box[3] - s.box[1]))
    return seals


_Ellipse = tuple[tuple[float, float], tuple[float, float], float]


def _shape(contour: np.ndarray) -> tuple[str, float, _Ellipse] | None:
    hull = cv2.convexHull(contour)
    if len(hull) < 5:
        return None
    area = float(cv2.contourArea(hull))
    (_, (rw, rh), _) = cv2.minAreaRect(hull)
    rect_fill = area / max(rw * rh, 1.0)
    (ecx, ecy), (ea, eb), eangle = cv2.fitEllipse(hull)
    ellipse: _Ellipse = ((float(ecx), float(ecy)), (float(ea), float(eb)), float(eangle))
    ell_fill = area / max(np.pi / 4 * ea * eb, 1.0)
    if rect_fill > 0.9:
        return "square", float(min(1.0, rect_fill)), ellipse
    if not 0.8 < ell_fill < 1.15:
        return None
    ratio = max(ea, eb) / max(min(ea, eb), 1.0)
    confidence = float(max(0.0, 1.0 - abs(1.0 - ell_fill) * 3))
    return ("round" if ratio < 1.2 else "oval"), confidence, ellipse


def _ink(mask: np.ndarray, box: Box, pad: int) -> np.ndarray:
    """Dark seal ink on white, the black print gone: what the recogniser reads best."""
    x0, y0, x1, y1 = box
    crop = mask[max(0, y0 - pad) : y1 + pad, max(0, x0 - pad) : x1 + pad]
    return cv2.GaussianBlur(255 - crop, (3, 3), 0)


def _read(mask: np.ndarray, box: Box, shape: str, ellipse: _Ellipse) -> tuple[str, float]:
    if shape == "square":
        lines = detect_and_read(_ink(mask, box, 4))
        if not lines:
            return "", 0.0
        lines.sort(key=lambda ln: (float(ln.quad[:, 1].mean()), float(ln.quad[:, 0].mean())))
        return "".join(ln.text for ln in lines), float(np.mean([ln.score for ln in lines]))
    strip = ring_strip(mask, ellipse)
    if strip is None:
        return "", 0.0
    # ring text runs clockwise with tops outward; a lower arc may run the other way: read both
    candidates = read_strips([strip, cv2.rotate(strip, cv2.ROTATE_180)])
    text, score = max(candidates, key=lambda c: (c[1] * min(len(c[0]), 4), len(c[0])))
    return text, score


def ring_strip(mask: np.ndarray, ellipse: _Ellipse) -> np.ndarray | None:
    """The ring band unrolled into one horizontal line of text, outer edge up, starting at the gap."""
    (cx, cy), (ea, eb), angle = ellipse
    radius = max(ea, eb) / 2
    if radius < 12:
        return None
    # make the ellipse a circle: rotate its axes onto x/y, stretch the short one
    size = int(2 * radius + 8)
    rot = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    sx, sy = radius / max(ea / 2, 1.0), radius / max(eb / 2, 1.0)
    scale = np.array([[sx, 0, 0], [0, sy, 0]], dtype=np.float64)
    m = scale @ np.vstack([rot, [0, 0, 1]])
    m[:, 2] += [
        size / 2 - (m[0, 0] * cx + m[0, 1] * cy + m[0, 2]),
        size / 2 - (m[1, 0] * cx + m[1, 1] * cy + m[1, 2]),
    ]
    circle = cv2.warpAffine(mask, m, (size, size), flags=cv2.INTER_LINEAR)
    n_angle = max(64, int(2 * np.pi * radius * 0.72))
    n_radius = int(radius)
    polar = cv2.warpPolar(circle, (n_radius, n_angle), (size / 2, size / 2), radius, cv2.WARP_POLAR_LINEAR)
    band = _text_band(polar)
    if band is None:
        return None
    r0, r1 = band
    strip = polar[:, r0:r1].T[::-1]  # x = angle (clockwise), y = radius with the outer edge on top
    cols = (strip > 96).sum(axis=0)
    start = _gap_centre(cols)
    strip = np.roll(strip, -start, axis=1)
    inked = np.nonzero((strip > 96).sum(axis=0) > 0)[0]
    if len(inked) == 0:
        return None
    strip = strip[:, max(0, inked[0] - 4) : inked[-1] + 5]
    strip = 255 - strip
    pad = max(4, (r1 - r0) // 6)
    return cv2.copyMakeBorder(strip, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _text_band(polar: np.ndarray) -> tuple[int, int] | None:
    """Radii of the ring text: inside the border ring, outside the centre emblem."""
    n = polar.shape[1]
    profile = (polar > 96).mean(axis=0)
    outer_zone = profile[int(n * 0.75) :]
    border = int(n * 0.75) + int(np.argmax(outer_zone))  # the border ring is the densest radius out there
    r1 = border
    while r1 > n * 0.6 and profile[r1] > 0.5 * profile[border]:
        r1 -= 1  # step inside the border line
    r0 = max(int(n * 0.35), r1 - int(n * 0.4))
    if r1 - r0 < 8:
        return None
    return r0, r1


def _gap_centre(cols: np.ndarray) -> int:
    """Centre of the longest run of empty columns around the circle (where the ring text starts)."""
    empty = cols == 0
    if empty.all() or not empty.any():
        return 0
    n = len(empty)
    doubled = np.concatenate([empty, empty])
    best_len, best_start, run = 0, 0, 0
    for i, e in enumerate(doubled):
        run = run + 1 if e else 0
        if run > best_len and run <= n:
            best_len, best_start = run, i - run + 1
    return (best_start + best_len // 2) % n
