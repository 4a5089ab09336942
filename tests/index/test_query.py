"""The query parser: plain Chinese → the filters of the search contract, each a removable chip."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.demo import DEPARTMENTS, DISTRICTS, MATTERS
from dangan.domain import all_districts
from dangan.index import (
    Key,
    ParsedQuery,
    Vocabulary,
    build_keys,
    find_time,
    normalise_query,
    parse_query,
    places,
)

TODAY = date(2026, 12, 7)
VOCAB = Vocabulary(
    departments=tuple(d.name for d in DEPARTMENTS),
    matters=(*(m.name for m in MATTERS), "建设项目环境影响报告书审批"),
    results=("准予许可", "准予变更", "准予延续", "不予许可"),
    districts=tuple(d.code for d in DISTRICTS),
)
KEYS: list[Key] = build_keys(VOCAB)


def _parse(q: str, **kw: object) -> ParsedQuery:
    return parse_query(q, KEYS, TODAY, **kw)  # type: ignore[arg-type]


def _filters(p: ParsedQuery) -> dict[str, object]:
    doc = p.as_json()
    doc.pop("chips")
    return {k: v for k, v in doc.items() if v}


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2023年", "2023-01-01", "2023-12-31"),
        ("2023年3月", "2023-03-01", "2023-03-31"),
        ("2024年2月", "2024-02-01", "2024-02-29"),
        ("2023年上半年", "2023-01-01", "2023-06-30"),
        ("2023年下半年", "2023-07-01", "2023-12-31"),
        ("2023年第三季度", "2023-07-01", "2023-09-30"),
        ("去年", "2025-01-01", "2025-12-31"),
        ("今年", "2026-01-01", "2026-12-31"),
        ("前年", "2024-01-01", "2024-12-31"),
        ("近两年", "2024-12-08", "2026-12-07"),
        ("近三个月", "2026-09-08", "2026-12-07"),
        ("2021年到2023年", "2021-01-01", "2023-12-31"),
        ("2021—2023年", "2021-01-01", "2023-12-31"),
        ("2020年以来", "2020-01-01", "2026-12-07"),
        ("2023年以前", "1900-01-01", "2022-12-31"),
        ("２０２３年", "2023-01-01", "2023-12-31"),
        ("二〇二三年", "2023-01-01", "2023-12-31"),
        ("二零二一年至二零二二年", "2021-01-01", "2022-12-31"),
        ("2023年3月到5月", "2023-03-01", "2023-05-31"),
        ("2023年3月15日", "2023-03-15", "2023-03-15"),
        ("去年下半年", "2025-07-01", "2025-12-31"),
        ("2023年12月至2024年2月", "2023-12-01", "2024-02-29"),
        ("2023年1-3月", "2023-01-01", "2023-03-31"),
        ("上半年", "2026-01-01", "2026-06-30"),
        ("本季度", "2026-10-01", "2026-12-31"),
        ("上季度", "2026-07-01", "2026-09-30"),
        ("去年第四季度", "2025-10-01", "2025-12-31"),
        ("23年", "2023-01-01", "2023-12-31"),
        ("23年3月", "2023-03-01", "2023-03-31"),
        ("21年到23年", "2021-01-01", "2023-12-31"),
        ("19年以来", "2019-01-01", "2026-12-07"),
    ],
)
def test_time_expressions_are_inclusive_date_ranges(text: str, first: str, last: str) -> None:
    found = find_time(normalise_query(text), TODAY)
    assert found is not None, text
    assert (found.first.isoformat(), found.last.isoformat()) == (first, last)
    parsed = _parse(f"{text}的食品经营许可")
    assert (parsed.as_json()["time_from"], parsed.as_json()["time_to"]) == (first, last)


@pytest.mark.parametrize(
    "text",
    [
        "秦市监许〔2023〕128号",
        "SCJG-2023-000123",
        "20230315",
        "2023",
        "3月",
        "保管期限30年",
        "保管期限10年",
        "10年期",
        "30年",
    ],
)
def test_numbers_that_are_not_dates_stay_numbers(text: str) -> None:
    assert find_time(normalise_query(text), TODAY) is None


def test_the_example_of_the_issue_is_exactly_its_filters() -> None:
    parsed = _parse("2023年海港区的食品经营许可")
    assert _filters(parsed) == {"time_from": "2023-01-01", "time_to": "2023-12-31", "district": "130302",
                                "matter": "食品经营许可"}  # fmt: skip
    assert [c.kind for c in parsed.chips] == ["time", "district", "matter"]
    assert [c.label for c in parsed.chips] == ["2023年", "海港区", "食品经营许可"]


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("北戴河的案卷", "district", "130304"),
        ("2021年青龙县的排污许可", "district", "130321"),
        ("秘密级档案", "security_level", "秘密"),
        ("青龙的建筑工程施工许可", "district", "130321"),
        ("海淀区", "district", "110108"),  # another city's place by its full name: an empty set, not words
        ("市场监管局", "department", "秦皇岛市市场监督管理局"),
        ("工商局的", "department", "秦皇岛市市场监督管理局"),
        ("环保局", "department", "秦皇岛市生态环境局"),
        ("税务局", "department", "国家税务总局秦皇岛市税务局"),
        ("住建局", "department", "秦皇岛市住房和城乡建设局"),
        ("预售证", "matter", "商品房预售许可"),
        ("施工许可证", "matter", "建筑工程施工许可"),
        ("排污证", "matter", "排污许可证核发"),
        ("食品經營許可", "matter", "食品经营许可"),
        ("餐饮企业", "industry", "H62"),
        ("房地产", "industry", "K70"),
        ("不予许可的", "result", "不予许可"),
        ("公开的", "security_level", "公开"),
        ("法定代表人张伟的", "person", "张伟"),
        ("法人欧阳娜娜", "person", "欧阳娜娜"),
    ],
)
def test_each_kind_of_filter(query: str, field: str, value: str) -> None:
    assert _parse(query).as_json()[field] == value


def test_an_abbreviation_names_every_matter_it_covers() -> None:
    parsed = _parse("去年的环评")
    assert set(parsed.matters) == {"建设项目环境影响报告表审批", "建设项目环境影响报告书审批"}
    assert parsed.matter in parsed.matters


def test_one_word_can_be_a_matter_or_an_industry() -> None:
    parsed = _parse("货运企业的道路货物运输经营许可")
    assert (parsed.matter, parsed.industry) == ("道路货物运输经营许可", "G543")


def test_words_left_over_are_kept_whole() -> None:
    parsed = _parse("2023年许淑珍的食品经营许可")
    assert parsed.keywords == ("许淑珍",)
    assert _parse("查一下所有的档案").keywords == ()
    assert _parse("-许可").keywords == ("许可",)


def test_enterprises_and_people_come_from_the_catalogue_lookups() -> None:
    names = {"秦皇岛永兴酒店管理有限公司"}
    parsed = _parse(
        "2023年秦皇岛永兴酒店管理有限公司的食品经营许可",
        enterprise_named=lambda cands: max((c for c in cands if c in names), key=len, default=None),
    )
    assert parsed.enterprise == "秦皇岛永兴酒店管理有限公司"
    assert parsed.district is None and parsed.industry is None  # its words are its name, not filters
    assert _parse("王建国", person_named=lambda n: n == "王建国").person == "王建国"
    assert _parse("王建国", person_named=lambda n: False).keywords == ("王建国",)


def test_a_valid_uscc_is_an_enterprise_an_id_number_is_not() -> None:
    assert _parse("91130302MA0A1B2C3D").enterprise is None  # wrong check character
    assert _parse("130322197001010038").enterprise is None  # an ID number has 18 digits too


def test_removing_a_chip_removes_its_filter() -> None:
    parsed = _parse("2023年海港区的环评")
    without = parsed.without("matter")
    assert without.matter is None and without.matters == ()
    assert [c.kind for c in without.chips] == ["time", "district"]
    assert parsed.without("time").as_json()["time_from"] is None


@pytest.mark.parametrize(
    "query", ["", " ", "x" * 10_000, "\ud800许可", "😀😀", "' OR 1=1 --", '"', "NEAR(a b)"]
)
def test_hostile_input_parses_to_something(query: str) -> None:
    parsed = _parse(query)
    assert isinstance(parsed.as_json()["keywords"], list)


def test_the_shipped_places_are_the_current_ones_of_the_domain_table() -> None:
    """index/data/places.tsv is derived from dangan.domain's GB/T 2260 table; regenerate it when that
    table changes (the recipe is in the file's header)."""
    expected = {(d.code, d.name, d.level) for d in all_districts(current_only=True) if not d.placeholder}
    assert set(places()) == expected


def test_a_chain_of_places_is_its_most_specific_and_a_city_before_a_department_names_it() -> None:
    assert _parse("河北省秦皇岛市海港区的食品经营许可").district == "130302"
    assert _parse("秦皇岛市的食品经营许可").district == "130300"
    parsed = _parse("秦皇岛市卫健委的医疗机构执业登记")
    assert parsed.district is None and parsed.department == "秦皇岛市卫生健康委员会"


def test_words_about_the_archive_itself_are_not_searched_for() -> None:
    assert _parse("昌黎县2023年不予受理的案件").keywords == ()
    assert _parse("2023年山海关区秘密级档案").keywords == ()


def test_last_quarter_in_january_is_the_fourth_quarter_of_last_year() -> None:
    found = find_time(normalise_query("上季度"), date(2027, 1, 15))
    assert found is not None and (found.first, found.last) == (date(2026, 10, 1), date(2026, 12, 31))
    future = find_time(normalise_query("29年"), date(2027, 1, 15))  # not yet a year: a length of time
    assert future is None
