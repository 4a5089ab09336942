"""The classification scheme (分类方案): approval business type, then GB/T 4754 industry section.

A category code reads `XK-H` (行政许可 · 住宿和餐饮业). Business types follow the kinds of
administrative power that approval systems publish; the matter's name says which one a case is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dangan.domain.industry import industry_by_code


class BusinessType(Enum):
    LICENSING = ("XK", "行政许可", ("许可", "审批", "核准", "批准", "审查", "准予"))
    CONFIRMATION = ("QR", "行政确认", ("登记", "认定", "确认", "鉴定", "核定", "发证"))
    FILING = ("BA", "行政备案", ("备案",))
    OTHER = ("QT", "其他行政权力", ())

    def __init__(self, code: str, label: str, keywords: tuple[str, ...]):
        self.code = code
        self.label = label
        self.keywords = keywords


@dataclass(frozen=True)
class Category:
    business_type: BusinessType
    section: str | None
    section_name: str | None

    @property
    def code(self) -> str:
        return f"{self.business_type.code}-{self.section or 'Z'}"

    @property
    def label(self) -> str:
        return f"{self.business_type.label}/{self.section_name or '行业未明'}"


def business_type_of(matter_name: str) -> BusinessType:
    # Filing is checked first: "备案" matters often also say "登记".
    for btype in (BusinessType.FILING, BusinessType.LICENSING, BusinessType.CONFIRMATION):
        if any(k in matter_name for k in btype.keywords):
            return btype
    return BusinessType.OTHER


def classify(matter_name: str, industry: str | None) -> Category:
    found = industry_by_code(industry) if industry else None
    section = industry_by_code(found.section) if found else None
    return Category(
        business_type_of(matter_name), section.code if section else None, section.name if section else None
    )


def category_label(code: str) -> str:
    """`XK-H` → 行政许可/住宿和餐饮业; unknown parts are shown as they are."""
    btype_code, _, section = code.partition("-")
    btype = next((b for b in BusinessType if b.code == btype_code), None)
    sec = industry_by_code(section) if section and section != "Z" else None
    return f"{btype.label if btype else btype_code}/{sec.name if sec else '行业未明'}"
