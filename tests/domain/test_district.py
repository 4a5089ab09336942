"""GB/T 2260 districts from python-stdnum's loc.dat, checked against the jionlp table in the vectors."""

from __future__ import annotations

import csv

import pytest

from dangan.domain.district import (
    District,
    all_districts,
    district_by_code,
    district_history,
    districts_by_name,
)
from tests.conftest import VECTORS

JIONLP_FILE = VECTORS / "refdata" / "gb2260_admin_divisions_jionlp.csv"


def _jionlp(level: str) -> list[dict[str, str]]:
    with JIONLP_FILE.open(encoding="utf-8", newline="") as handle:
        return [row for row in csv.DictReader(handle) if row["level"] == level]


# --- Qinhuangdao, the example of the case-package contract -------------------------------------


def test_haigang_district() -> None:
    district = district_by_code("130302")
    assert district == District(
        code="130302",
        name="海港区",
        level="county",
        province="河北省",
        prefecture="秦皇岛市",
        valid_from=1983,
        valid_to=None,
    )
    assert district.current
    assert district.full_name == "河北省秦皇岛市海港区"


def test_prefecture_and_province_levels() -> None:
    prefecture = district_by_code("130300")
    assert prefecture is not None
    assert (prefecture.name, prefecture.level, prefecture.province) == ("秦皇岛市", "prefecture", "河北省")
    assert prefecture.full_name == "河北省秦皇岛市"
    province = district_by_code("130000")
    assert province is not None
    assert (province.name, province.level, province.prefecture) == ("河北省", "province", None)
    assert province.full_name == "河北省"


@pytest.mark.parametrize("name", ["海港区", "秦皇岛市海港区", "河北省秦皇岛市海港区", " 海港区 "])
def test_haigang_by_name(name: str) -> None:
    assert [d.code for d in districts_by_name(name)] == ["130302"]


def test_qinhuangdao_by_name() -> None:
    assert [d.code for d in districts_by_name("秦皇岛市")] == ["130300"]
    assert [d.code for d in districts_by_name("河北省秦皇岛市")] == ["130300"]
    assert [d.code for d in districts_by_name("河北省")] == ["130000"]


def test_ambiguous_short_name_gives_every_match_and_the_long_name_one() -> None:
    codes = [d.code for d in districts_by_name("鼓楼区")]
    assert len(codes) >= 3 and codes == sorted(codes)
    assert all(district_by_code(c).name == "鼓楼区" for c in codes)  # type: ignore[union-attr]
    assert [d.code for d in districts_by_name("福建省福州市鼓楼区")] == ["350102"]


# --- history ------------------------------------------------------------------------------------


def test_historic_code_resolves_and_is_not_current() -> None:
    district = district_by_code("110103")
    assert district is not None
    assert (district.name, district.valid_to, district.current) == ("崇文区", 2010, False)
    assert district.full_name == "北京市崇文区"
    assert districts_by_name("崇文区") == []
    assert [d.code for d in districts_by_name("崇文区", current_only=False)] == ["110103"]


def test_code_with_several_names_gives_the_current_one() -> None:
    district = district_by_code("120110")
    assert district is not None and (district.name, district.valid_from) == ("东丽区", 1992)
    assert [(d.name, d.valid_from, d.valid_to) for d in district_history("120110")] == [
        ("东郊区", None, 1991),
        ("东丽区", 1992, None),
    ]
    assert districts_by_name("东郊区") == []
    assert [d.code for d in districts_by_name("东郊区", current_only=False)] == ["120110"]


def test_code_no_longer_in_use_gives_its_latest_name() -> None:
    # 110221 was 昌平县 from 1982 to 1999 (then 110114 昌平区).
    district = district_by_code("110221")
    assert district is not None and (district.name, district.valid_from, district.valid_to) == (
        "昌平县",
        1982,
        1999,
    )


# --- placeholders, municipalities, odd data -----------------------------------------------------


def test_placeholders_resolve_by_code_but_not_by_name() -> None:
    placeholder = district_by_code("110100")
    assert placeholder is not None and placeholder.name == "市辖区" and placeholder.placeholder
    assert districts_by_name("市辖区") == []
    assert districts_by_name("县", current_only=False) == []


def test_municipality_district_has_no_prefecture() -> None:
    district = district_by_code("110101")
    assert district is not None
    assert (district.name, district.province, district.prefecture) == ("东城区", "北京市", None)
    assert district.full_name == "北京市东城区"
    assert [d.code for d in districts_by_name("北京市东城区")] == ["110101"]


def test_county_directly_under_a_province() -> None:
    district = district_by_code("429004")
    assert district is not None
    assert (district.name, district.prefecture, district.full_name) == ("仙桃市", None, "湖北省仙桃市")


def test_traditional_characters_of_the_source_are_simplified() -> None:
    district = district_by_code("232761")
    assert district is not None and district.name == "加格达奇区"
    assert not any("區" in d.name for d in all_districts())


@pytest.mark.parametrize("code", ["999999", "130399", "", "13030", "1303020", "13030x", "H6210"])
def test_unknown_or_malformed_code(code: str) -> None:
    assert district_by_code(code) is None


def test_unknown_name() -> None:
    assert districts_by_name("不存在区") == []
    assert districts_by_name("") == []


def test_all_districts() -> None:
    everything = all_districts()
    current = all_districts(current_only=True)
    assert len(everything) > len(current) > 3000
    assert all(d.current for d in current)
    assert [d.code for d in everything] == sorted(d.code for d in everything)
    assert {d.level for d in everything} == {"province", "prefecture", "county"}
    provinces = [d for d in current if d.level == "province"]
    assert len(provinces) == 34


# --- comparison with the jionlp table -----------------------------------------------------------

# jionlp county-level rows whose code is absent from stdnum's table for a reason other than being
# a functional zone (NBS codes xxxx7x, e.g. 130371 秦皇岛市经济技术开发区 / 130372 北戴河新区, which are
# statistical areas, not GB/T 2260 divisions): districts created after the stdnum data was compiled
# or that stdnum files elsewhere, and Taiwan codes that jionlp made up.
ABSENT_FROM_STDNUM = {
    "330113": "临平区, created 2021",
    "330114": "钱塘区, created 2021",
    "460321": "西沙区 (三沙市), created 2020",
    "460322": "南沙区 (三沙市), created 2020",
    "460323": "中沙群岛的岛礁及其海域, not a division",
    "510156": "天府新区 (成都), a national new area that NBS codes outside the xxxx7x range",
    "632857": "大柴旦行政委员会: stdnum lists 冷湖 / 茫崖 行政委员会 (632858/632859) but not 大柴旦",
    "650929": "新星市: stdnum has it as 659011, the code GB/T 2260 gave it",
}

# Codes where the names differ for a reason other than a renaming stdnum records.
NAME_EXCEPTIONS = {
    "510102": "jionlp puts 成都高新技术产业开发区 on the code of 东城区 (abolished 1990)",
}


def _is_functional_zone(code: str) -> bool:
    return code[4] == "7"


def test_jionlp_counties_resolve_with_the_same_name() -> None:
    problems: list[str] = []
    checked = 0
    for row in _jionlp("county"):
        code, name = row["code"], row["name"]
        if code.endswith("00"):
            # jionlp lists Hong Kong / Macao districts under 810000 / 820000 and the towns of
            # 东莞 / 中山 / 儋州 / 嘉峪关 as 市直辖行政区划 under the prefecture code: not county codes.
            continue
        district = district_by_code(code)
        if district is None:
            if not _is_functional_zone(code) and code not in ABSENT_FROM_STDNUM and code[:2] != "71":
                problems.append(f"{code} {name}: unknown to us")
            continue
        checked += 1
        if district.name == name or code in NAME_EXCEPTIONS:
            continue
        if district.valid_to is not None and district.valid_to >= 2019:
            # stdnum records that this code's name ended (禄丰县 [-2021], 蓬莱市 [-2020], ...) and
            # jionlp carries the successor (禄丰市, 蓬莱区) on the same code: a renaming both agree on.
            continue
        problems.append(f"{code}: jionlp {name!r}, ours {district.name!r} ({district.valid_to})")
    print("\n".join(problems))
    assert checked > 2800
    assert problems == []


def test_jionlp_prefectures_and_provinces_agree() -> None:
    problems: list[str] = []
    for row in _jionlp("prefecture") + _jionlp("province"):
        code, name = row["code"], row["name"]
        if code[:2] == "71" and code != "710000":
            continue  # stdnum has Taiwan only as one province entry
        district = district_by_code(code)
        if district is None:
            problems.append(f"{code} {name}: unknown to us")
            continue
        if district.placeholder and "直辖" in name:
            continue  # 省直辖行政区划 / 省直辖县级行政单位: both are placeholders
        if code in ("810000", "820000") and district.name.startswith(name):
            continue  # jionlp abbreviates 香港 / 澳门 at prefecture level
        if district.name != name or not district.current:
            problems.append(f"{code}: jionlp {name!r}, ours {district.name!r} ({district.valid_to})")
    print("\n".join(problems))
    assert problems == []
