"""Scanned cases for the digitization tests: pages rendered here (PIL + the system's CJK font)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from dangan.demo import write_case
from dangan.digitize import find_cjk_font
from dangan.domain import id_check_char
from tests.factories import demo_case

ID17 = "13030219850607123"
ID_NUMBER = ID17 + id_check_char(ID17)
RARE_WORD = "蟋蟀养殖"
DOC_NUMBER = "秦市监许〔2024〕77号"


def text_page(lines: list[str], size: tuple[int, int] = (900, 420), font_px: int = 34) -> Image.Image:
    font_path = find_cjk_font()
    assert font_path is not None, "the tests need a CJK font"
    font = ImageFont.truetype(str(font_path), font_px)
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        draw.text((40, 30 + i * int(font_px * 1.8)), line, font=font, fill="black")
    return img


def decision_lines() -> list[str]:
    return [DOC_NUMBER, f"经审查，{RARE_WORD}场所符合规定", f"身份证号 {ID_NUMBER}"]


def scanned_case(root: Path, seed: int, pages: list[Image.Image], name: str = "决定书扫描件.tif",
                 **overrides: Any) -> Path:  # fmt: skip
    """A case package whose extra file `name` is a (multi-page) scan of `pages`."""
    pkg = write_case(demo_case(seed, **overrides), root)
    out = pkg / name
    pages[0].save(out, save_all=True, append_images=pages[1:], dpi=(300, 300), compression="tiff_lzw")
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    doc["files"].append({"path": name, "role": "决定书（扫描件）"})
    (pkg / "case.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return pkg
