"""Seal finding and separation without the recogniser: red in both hue wraps, shapes, what stays dark."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dangan.digitize.ocr import find_seals, red_mask, remove_red


def _page(shape: str, colour: tuple[int, int, int] = (210, 30, 40)) -> np.ndarray:
    img = Image.new("RGB", (700, 500), (250, 250, 248))
    d = ImageDraw.Draw(img)
    d.rectangle((40, 40, 660, 60), fill=(20, 20, 20))  # black print
    box = {"round": (250, 150, 450, 350), "oval": (220, 180, 480, 340), "square": (270, 170, 430, 330)}[shape]
    if shape == "square":
        d.rectangle(box, outline=colour, width=8)
        d.rectangle((310, 210, 390, 290), fill=colour)
    else:
        d.ellipse(box, outline=colour, width=8)
        cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        d.ellipse((cx - 30, cy - 30, cx + 30, cy + 30), fill=colour)
    return np.asarray(img)


@pytest.mark.parametrize("shape", ["round", "oval", "square"])
def test_seal_shape_and_box(shape: str) -> None:
    seals = find_seals(_page(shape), read=False)
    assert len(seals) == 1
    want = {"round": (250, 150, 450, 350), "oval": (220, 180, 480, 340), "square": (270, 170, 430, 330)}[
        shape
    ]
    assert seals[0].shape == shape
    assert all(abs(a - b) <= 6 for a, b in zip(seals[0].box, want, strict=True))
    assert 0.5 < seals[0].confidence <= 1.0


def test_red_on_both_sides_of_hue_zero_is_seal_ink() -> None:
    px = np.array(
        [[[220, 40, 20], [220, 20, 60], [30, 30, 30], [250, 250, 250], [40, 60, 220]]], dtype=np.uint8
    )
    assert red_mask(px).tolist() == [[255, 255, 0, 0, 0]]


def test_a_red_title_or_rule_is_not_a_seal() -> None:
    img = Image.new("RGB", (800, 600), "white")
    d = ImageDraw.Draw(img)
    d.rectangle((50, 40, 750, 110), fill=(210, 30, 40))  # 红头: wide
    d.rectangle((50, 130, 750, 134), fill=(210, 30, 40))  # red rule
    assert find_seals(np.asarray(img), read=False) == []


def test_removing_red_keeps_the_black_strokes_under_it() -> None:
    img = Image.new("RGB", (300, 200), "white")
    d = ImageDraw.Draw(img)
    d.ellipse((50, 20, 250, 180), fill=(215, 30, 35))
    d.rectangle((100, 95, 200, 105), fill=(15, 15, 15))  # a stroke printed before the seal was stamped
    out = remove_red(np.asarray(img))
    assert out[60, 150].min() > 200  # seal ink gone to paper
    assert out[100, 150].max() < 80  # the stroke under it stays dark
    assert out[5, 5].tolist() == [255, 255, 255]  # paper away from the seal untouched
