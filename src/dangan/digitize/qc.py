"""Image quality control of scanned pages, after DA/T 31-2017 (纸质档案数字化规范).

What the standard says and we check as it says: resolution not below 200 dpi (300 dpi advised for
small, dense or unclear text); pages with a 红头, a seal or photographs scanned in colour, bilevel only
for clean black-and-white text without illustrations, grey for unclear black-and-white; long-term
formats TIFF, JPEG, JPEG2000; skew corrected until it is not visible; black edges cropped.

Thresholds that are ours, not the standard's (it gives none):
- resolution: fail below 150 dpi when the scan is meant to be the archival copy (OCR and reprint
  degrade sharply there), warn below 200 dpi; an access copy only warns. Unknown dpi warns, with the
  resolution the pixels would have on A4 (the usual size of administrative papers).
- skew: warn above 0.5° (visible on a text line across A4: 1.8 mm rise), fail above 3°.
- blank page: dark ink (any colour) below 0.03 % of the page inside a 4 % margin, specks ignored.
- borders: dark regions joined to the edge over 0.5 % of the page warn; ink cut by the edge warns.
- page size: A4/A3/B5/B4/16开/Letter within ±6 mm; any other size passes, named "其他".
- file format: PNG and PDF are accepted as well (lossless / the archive's own PDF/A derivatives).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from dangan.digitize.enhance import border_mask, darkest, downscale, estimate_skew, paper_level_map
from dangan.digitize.pages import PageImage, load_pages

RANK = {"pass": 0, "warn": 1, "fail": 2}
GOOD_FORMATS = {"TIFF", "JPEG", "JPEG2000", "PNG", "PDF"}
PAPER_SIZES = {  # name → (short, long) in mm
    "A4": (210.0, 297.0),
    "A3": (297.0, 420.0),
    "B5": (176.0, 250.0),
    "B4": (250.0, 353.0),
    "16开": (185.0, 260.0),
    "Letter": (215.9, 279.4),
    "A5": (148.0, 210.0),
}
SIZE_TOLERANCE_MM = 6.0
SKEW_WARN, SKEW_FAIL = 0.5, 3.0
DPI_WARN, DPI_FAIL = 200.0, 150.0
BLANK_INK = 0.0003
_QC_LONG_SIDE = 1000


@dataclass
class QCItem:
    code: str
    verdict: str  # "pass" | "warn" | "fail"
    value: Any
    message: str  # Chinese, with the measured value and the threshold

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "verdict": self.verdict, "value": self.value, "message": self.message}


@dataclass
class PageQC:
    page: int
    items: list[QCItem] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return max((i.verdict for i in self.items), key=RANK.__getitem__, default="pass")

    def item(self, code: str) -> QCItem | None:
        return next((i for i in self.items if i.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "verdict": self.verdict, "items": [i.to_dict() for i in self.items]}


def qc_file(path: Path, archival: bool = True) -> dict[str, Any]:
    """`qc FILE --json`: every page of the file checked; a page that cannot be read fails `readable`."""
    return {"pages": [check_page(p, archival).to_dict() for p in load_pages(Path(path))]}


def check_page(page: PageImage, archival: bool = True) -> PageQC:
    result = PageQC(page=page.index)
    if page.image is None or page.error:
        result.items.append(QCItem("readable", "fail", False, page.error or "页面无法读取"))
        if page.format:
            result.items.append(_file_format(page))
        return result
    img = page.image
    h, w = img.shape[:2]
    result.items.append(QCItem("readable", "pass", True, f"可读取（{w}×{h} 像素）"))
    small, _ = downscale(img, _QC_LONG_SIDE)
    dpi = _dpi(page)
    result.items += [
        _resolution(dpi, w, h, archival),
        _colour_mode(page, small),
        _blank(small),
        _skew(img),
        _borders(small),
        _page_size(dpi, w, h),
        _file_format(page),
    ]
    return result


def _dpi(page: PageImage) -> float | None:
    return min(page.dpi) if page.dpi else None


def _resolution(dpi: float | None, w: int, h: int, archival: bool) -> QCItem:
    if dpi is None:
        guess = max(w, h) / (297.0 / 25.4)
        return QCItem("resolution", "warn", None,
                      f"文件未记录分辨率；若为 A4 幅面，约为 {guess:.0f} dpi（要求不低于 {DPI_WARN:.0f} dpi）")  # fmt: skip
    if dpi < DPI_FAIL and archival:
        return QCItem("resolution", "fail", dpi,
                      f"分辨率 {dpi:.0f} dpi，低于存档要求的最低 {DPI_FAIL:.0f} dpi（DA/T 31 要求不低于 {DPI_WARN:.0f} dpi），应重新扫描")  # fmt: skip
    if dpi < DPI_WARN:
        use = "存档" if archival else "利用"
        return QCItem("resolution", "warn", dpi,
                      f"分辨率 {dpi:.0f} dpi，低于 DA/T 31 要求的 {DPI_WARN:.0f} dpi（{use}副本）")  # fmt: skip
    note = "；文字细小密集时建议不低于 300 dpi" if dpi < 300 else ""
    return QCItem(
        "resolution", "pass", dpi, f"分辨率 {dpi:.0f} dpi，满足不低于 {DPI_WARN:.0f} dpi 的要求{note}"
    )


def red_fraction(small: np.ndarray) -> float:
    """Share of pixels that are clearly red (seal, 红头): red well above both green and blue."""
    r = small[:, :, 0].astype(np.int16)
    g = small[:, :, 1].astype(np.int16)
    b = small[:, :, 2].astype(np.int16)
    red = (r > 110) & (r - g > 60) & (r - b > 50)
    return float(red.mean()) if red.size else 0.0


def _colour_mode(page: PageImage, small: np.ndarray) -> QCItem:
    mode, bits = page.mode or "?", page.bits
    value = f"{mode}/{bits}"
    red = red_fraction(small)
    has_red = red > 0.0005
    if mode == "1" or bits == 1:
        kind = "黑白二值（1 位）"
    elif mode in ("L", "LA", "I", "F") or mode.startswith("I;16"):
        kind = f"灰度（{bits} 位）"
    elif mode in ("P", "PA"):
        kind = "调色板（索引色，8 位）"
    else:
        kind = f"彩色（{mode}，每通道 {bits} 位）"
    bilevel_or_grey = mode == "1" or bits == 1 or mode in ("L", "LA", "I", "F") or mode.startswith("I;16")
    if has_red and bilevel_or_grey:
        return QCItem("colour_mode", "warn", value,
                      f"色彩模式为{kind}，但页面含红色内容（约占 {red * 100:.2f}%，如红头、印章）；"
                      "DA/T 31 要求此类页面采用彩色模式扫描")  # fmt: skip
    if mode in ("P", "PA"):
        return QCItem(
            "colour_mode", "warn", value, f"色彩模式为{kind}，颜色已被量化；建议采用 24 位彩色或 8 位灰度"
        )
    if not bilevel_or_grey and 1 < bits < 8:
        return QCItem(
            "colour_mode", "warn", value, f"色彩模式为{kind}，位深不足；彩色应为每通道 8 位（24 位）"
        )
    if mode == "1" or bits == 1:
        return QCItem("colour_mode", "pass", value, f"色彩模式为{kind}，适用于字迹清晰、无插图的黑白文档")
    return QCItem("colour_mode", "pass", value, f"色彩模式为{kind}")


def ink_share(small: np.ndarray, margin: float = 0.04) -> float:
    """Share of the page (inside `margin`, outside dark borders) covered by ink of any colour, specks
    of one or two pixels not counted."""
    h, w = small.shape[:2]
    dark = darkest(small)
    ink = (dark.astype(np.int32) * 100 < paper_level_map(dark).astype(np.int32) * 65).astype(np.uint8)
    my, mx = max(1, round(h * margin)), max(1, round(w * margin))
    inner = np.zeros_like(ink)
    inner[my : h - my, mx : w - mx] = 1
    ink &= inner
    border = border_mask(small)
    ink[border] = 0
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    return float(areas[areas >= 3].sum()) / float(max(1, inner.sum()))


def _blank(small: np.ndarray) -> QCItem:
    share = ink_share(small)
    value = round(share * 100, 4)
    if share < BLANK_INK:
        return QCItem("blank_page", "warn", value,
                      f"疑似空白页：内容仅占 {value:.3f}%（阈值 {BLANK_INK * 100:.2f}%），请确认是否需要保留")  # fmt: skip
    return QCItem("blank_page", "pass", value, f"非空白页（内容约占 {value:.2f}%）")


def _skew(img: np.ndarray) -> QCItem:
    angle = estimate_skew(img)
    a = abs(angle)
    if a > SKEW_FAIL:
        return QCItem(
            "skew", "fail", angle, f"页面倾斜 {angle:+.1f}°，超过 {SKEW_FAIL:.0f}°，应重新扫描或纠偏"
        )
    if a > SKEW_WARN:
        return QCItem("skew", "warn", angle, f"页面倾斜 {angle:+.1f}°，超过 {SKEW_WARN}°，需纠偏处理")
    return QCItem("skew", "pass", angle, f"倾斜 {angle:+.1f}°，在 {SKEW_WARN}° 以内")


def _borders(small: np.ndarray) -> QCItem:
    border_small, _ = downscale(small)
    dark = border_mask(border_small)
    dark_share = float(dark.mean())
    cut = _cut_edges(small)
    value = {"dark_border_percent": round(dark_share * 100, 2), "cut_edges": cut}
    problems = []
    if dark_share > 0.005:
        problems.append(f"扫描黑边约占页面 {dark_share * 100:.1f}%（阈值 0.5%），需裁边处理")
    if cut:
        problems.append(f"内容触及{'、'.join(cut)}边缘，可能被裁切")
    if problems:
        return QCItem("borders", "warn", value, "；".join(problems))
    return QCItem("borders", "pass", value, "无扫描黑边，内容未触及页面边缘")


_EDGE_NAMES = ("上", "下", "左", "右")


def _cut_edges(small: np.ndarray) -> list[str]:
    """Edges that ink runs into: several separate marks in the outermost strip, outside dark borders."""
    h, w = small.shape[:2]
    dark = darkest(small)
    paper = paper_level_map(dark)
    ink = (dark.astype(np.int32) * 100 < paper.astype(np.int32) * 65).astype(np.uint8)
    border_small, _ = downscale(small)
    if border_small.shape[:2] == small.shape[:2]:
        ink[border_mask(border_small)] = 0
    else:
        grown = cv2.dilate(border_mask(border_small).astype(np.uint8), np.ones((3, 3), np.uint8))
        ink[cv2.resize(grown, (w, h), interpolation=cv2.INTER_NEAREST) > 0] = 0
    t = max(2, round(min(h, w) * 0.004))
    strips = (ink[:t, :], ink[h - t :, :], ink[:, :t].T, ink[:, w - t :].T)
    cut = []
    for name, strip in zip(_EDGE_NAMES, strips, strict=True):
        touched = strip.max(axis=0)
        runs = int(np.count_nonzero(np.diff(np.concatenate(([0], touched))) == 1))
        if runs >= 3 and touched.mean() > 0.01:
            cut.append(name)
    return cut


def _page_size(dpi: float | None, w: int, h: int) -> QCItem:
    if dpi is None:
        return QCItem("page_size", "warn", None, f"分辨率未知，无法确定幅面（{w}×{h} 像素）")
    short, long_ = sorted((w / dpi * 25.4, h / dpi * 25.4))
    value = {"name": "其他", "width_mm": round(w / dpi * 25.4, 1), "height_mm": round(h / dpi * 25.4, 1)}
    for name, (s, lg) in PAPER_SIZES.items():
        if abs(short - s) <= SIZE_TOLERANCE_MM and abs(long_ - lg) <= SIZE_TOLERANCE_MM:
            value["name"] = name
            return QCItem("page_size", "pass", value, f"幅面 {name}（{short:.0f}×{long_:.0f} mm）")
    return QCItem("page_size", "pass", value, f"幅面 {short:.0f}×{long_:.0f} mm，非常见标准幅面")


def _file_format(page: PageImage) -> QCItem:
    fmt = page.format or "未知"
    if fmt in GOOD_FORMATS:
        return QCItem("file_format", "pass", fmt, f"文件格式 {fmt}，符合 DA/T 31 的存储格式要求")
    return QCItem("file_format", "warn", fmt,
                  f"文件格式 {fmt} 不是 DA/T 31 推荐的长期保存格式（TIFF、JPEG、JPEG2000），建议转换")  # fmt: skip
