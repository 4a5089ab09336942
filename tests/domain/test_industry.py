"""GB/T 4754-2017 industries: the shipped table, lookups, and a comparison with a third-party vector."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from dangan.domain.industry import (
    Industry,
    all_industries,
    industries_by_name,
    industry_by_code,
    industry_path,
)
from tests.conftest import VECTORS

VECTOR_FILE = VECTORS / "refdata" / "gbt4754_2017_industry_codes.csv"


def _vector() -> dict[str, dict[str, str]]:
    with VECTOR_FILE.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def _ours() -> dict[str, Industry]:
    return {industry.code: industry for industry in all_industries()}


# --- the table itself -------------------------------------------------------------------------


def test_table_has_the_shape_of_the_standard() -> None:
    counts = Counter(industry.level for industry in all_industries())
    # The foreword of GB/T 4754-2017 counts 1380 小类, but the code table of the standard (and the
    # independent third-party transcription in the vectors) lists 1381 distinct class codes; no
    # class could be identified as spurious, so the table keeps all 1381.
    assert counts == {"section": 20, "division": 97, "group": 473, "class": 1381}
    assert [i.code for i in all_industries() if i.level == "section"] == list("ABCDEFGHIJKLMNOPQRST")


def test_every_entry_hangs_under_its_parent() -> None:
    ours = _ours()
    for industry in all_industries():
        if industry.level == "section":
            assert industry.parent_code is None
            assert industry.section == industry.code
            continue
        parent = ours[industry.parent_code or ""]
        assert parent.section == industry.section
        expected_parent_level = {"division": "section", "group": "division", "class": "group"}
        assert parent.level == expected_parent_level[industry.level]
        if industry.level in ("group", "class"):
            assert industry.code[:-1] == parent.code


def test_every_group_has_a_class_and_single_class_groups_use_code_0() -> None:
    children: dict[str, list[Industry]] = {}
    for industry in all_industries():
        if industry.level == "class":
            children.setdefault(industry.parent_code or "", []).append(industry)
    groups = [i for i in all_industries() if i.level == "group"]
    assert all(children.get(g.code) for g in groups)
    for group in groups:
        kids = children[group.code]
        if len(kids) == 1:
            # The standard prints such a group and its class on one row: 022 / 0220 造林和更新.
            assert kids[0].code == group.code + "0"
            assert kids[0].name == group.name


# --- comparison with the third-party transcription ---------------------------------------------


def test_sections_and_divisions_agree_with_the_vector() -> None:
    ours, vector = _ours(), _vector()
    for code, row in vector.items():
        if row["level"] in ("section", "division"):
            assert code in ours, f"{code} {row['name']} missing from our table"
            assert ours[code].level == row["level"]
            assert ours[code].name == row["name"], code


def test_every_class_code_of_the_vector_is_ours() -> None:
    ours, vector = _ours(), _vector()
    missing = sorted(c for c, r in vector.items() if r["level"] == "class" and c not in ours)
    assert missing == []
    # ...and, conversely, we invent no class the vector lacks.
    extra = sorted(c for c, i in ours.items() if i.level == "class" and c not in vector)
    assert extra == []


def test_class_names_agree_with_the_vector() -> None:
    ours, vector = _ours(), _vector()
    classes = {c: r for c, r in vector.items() if r["level"] == "class"}
    disagreements = [
        (code, ours[code].name, row["name"])
        for code, row in classes.items()
        if ours[code].name != row["name"]
    ]
    for code, our_name, their_name in disagreements:
        print(f"{code}: ours {our_name!r} / vector {their_name!r}")
    # Tolerance: the vector is an unofficial transcription, so up to 1% of class names (about 13)
    # may differ where the standard's own text says otherwise. After investigating every
    # difference, none remains (the strict test below pins that); the 1% is only the floor the
    # comparison must never fall under.
    assert len(disagreements) <= len(classes) * 0.01


# Differences that were investigated and where our table follows the standard rather than the
# vector: none are left. Three were found in our first draft and corrected in OUR table because the
# standard agrees with the vector: 194 羽毛(绒)加工及制品制造 (the standard prints this group name
# with half-width brackets, its classes with full-width ones), 2456 儿童乘骑玩耍的童车类产品制造,
# 3445 液力动力机械元件制造 (no 及).
KNOWN_DIFFERENCES: dict[str, str] = {}


def test_all_names_and_parents_agree_with_the_vector_exactly() -> None:
    ours, vector = _ours(), _vector()
    differences = {
        code: f"ours {ours[code].name!r}/{ours[code].parent_code} vector {row['name']!r}/{row['parent_code']}"
        for code, row in vector.items()
        if code in ours
        and (ours[code].name != row["name"] or (ours[code].parent_code or "") != row["parent_code"])
    }
    assert {c: d for c, d in differences.items() if c not in KNOWN_DIFFERENCES} == {}
    assert set(ours) == set(vector)


# --- lookups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected_code", "expected_name"),
    [
        ("0111", "0111", "稻谷种植"),
        ("A0111", "0111", "稻谷种植"),
        ("H6210", "6210", "正餐服务"),
        ("h6210", "6210", "正餐服务"),
        (" 6210 ", "6210", "正餐服务"),
        ("62", "62", "餐饮业"),
        ("H62", "62", "餐饮业"),
        ("621", "621", "正餐服务"),
        ("H", "H", "住宿和餐饮业"),
        ("I6513", "6513", "应用软件开发"),
        ("0532", "0532", "畜禽粪污处理活动"),
        ("6571", "6571", "地理遥感信息服务"),
        ("3962", "3962", "智能车载设备制造"),
        ("05", "05", "农、林、牧、渔专业及辅助性活动"),
        ("T9700", "9700", "国际组织"),
    ],
)
def test_industry_by_code(code: str, expected_code: str, expected_name: str) -> None:
    industry = industry_by_code(code)
    assert industry is not None
    assert (industry.code, industry.name) == (expected_code, expected_name)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "A6210",
        "C62",
        "B0111",
        "Z",
        "U",
        "6",
        "99",
        "0110",
        "9999",
        "62100",
        "H62100",
        "HH62",
        "62H",
        "H-62",
    ],
)
def test_industry_by_code_rejects_unknown_and_mismatched_codes(code: str) -> None:
    assert industry_by_code(code) is None


def test_industry_fields() -> None:
    industry = industry_by_code("H6210")
    assert industry == Industry(code="6210", level="class", name="正餐服务", parent_code="621", section="H")
    assert industry.qualified_code == "H6210"
    section = industry_by_code("H")
    assert section is not None and section.qualified_code == "H"


def test_industries_by_name_spans_levels() -> None:
    assert [(i.code, i.level) for i in industries_by_name("其他采矿业")] == [
        ("12", "division"),
        ("120", "group"),
        ("1200", "class"),
    ]
    assert [i.code for i in industries_by_name("正餐服务")] == ["621", "6210"]
    assert [i.code for i in industries_by_name("应用软件开发")] == ["6513"]
    assert [i.code for i in industries_by_name("制造业")] == ["C"]


def test_industries_by_name_is_exact_but_tolerates_bracket_width_and_spaces() -> None:
    assert industries_by_name("软件开发 ") == industries_by_name("软件开发")
    assert [i.code for i in industries_by_name("软件开发")] == ["651"]
    assert industries_by_name("软件") == []
    assert industries_by_name("") == []
    assert [i.code for i in industries_by_name("羽毛（绒）加工及制品制造")] == ["194"]
    assert [i.code for i in industries_by_name("羽毛(绒)加工")] == ["1941"]


def test_industry_path() -> None:
    path = industry_path("H6210")
    assert [(i.level, i.code, i.name) for i in path] == [
        ("section", "H", "住宿和餐饮业"),
        ("division", "62", "餐饮业"),
        ("group", "621", "正餐服务"),
        ("class", "6210", "正餐服务"),
    ]
    assert [i.code for i in industry_path("0111")] == ["A", "01", "011", "0111"]
    assert [i.code for i in industry_path("65")] == ["I", "65"]
    assert [i.code for i in industry_path("Q")] == ["Q"]
    assert industry_path("A6210") == []
    assert industry_path("0000") == []


def test_every_class_resolves_with_its_section_letter() -> None:
    for industry in all_industries():
        assert industry_by_code(industry.qualified_code) == industry
        assert industry_by_code(industry.code) == industry
        wrong = "A" if industry.section != "A" else "B"
        if industry.level != "section":
            assert industry_by_code(wrong + industry.code) is None
