from __future__ import annotations

import pytest

from dangan.domain import BusinessType, category_label, classify


@pytest.mark.parametrize(
    ("matter", "expected"),
    [
        ("食品经营许可", BusinessType.LICENSING),
        ("建设项目环境影响报告表审批", BusinessType.LICENSING),
        ("排污登记", BusinessType.CONFIRMATION),
        ("固定污染源排污登记备案", BusinessType.FILING),
        ("政府信息公开", BusinessType.OTHER),
    ],
)
def test_business_type_from_matter_name(matter: str, expected: BusinessType) -> None:
    assert classify(matter, None).business_type is expected


def test_category_code_and_label_use_the_industry_section() -> None:
    cat = classify("食品经营许可", "H6210")
    assert (cat.code, cat.label) == ("XK-H", "行政许可/住宿和餐饮业")
    assert category_label("XK-H") == cat.label
    assert classify("食品经营许可", None).code == "XK-Z"
    assert category_label("XK-Z") == "行政许可/行业未明"
    assert classify("道路货物运输经营许可", "G5431").label == "行政许可/交通运输、仓储和邮政业"
