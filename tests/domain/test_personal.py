"""Where personal data stands in free text: the one finder that masking and redaction share."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from dangan.domain import PersonalTerms, personal_spans

ID = "13030219630821030X"


NO_TERMS = PersonalTerms()


def _covered(text: str, terms: PersonalTerms = NO_TERMS) -> str:
    chars = list(text)
    for start, end in personal_spans(text, terms):
        chars[start:end] = "#" * (end - start)
    return "".join(chars)


def test_numbers_found_as_set_in_documents() -> None:
    assert (
        _covered(f"身份证件号码 {ID} 联系电话 18081201838")
        == "身份证件号码 " + "#" * 18 + " 联系电话 " + "#" * 11
    )
    assert _covered("电话：0335-3051234。") == "电话：" + "#" * 12 + "。"
    assert _covered("旧证号 130302630821031") == "旧证号 " + "#" * 15


def test_spaced_broken_and_full_width_numbers_are_found() -> None:
    assert "1303" not in _covered("身份证 1303 0219 6308 2103 0X 号")
    assert "1808" not in _covered("电话 180812\n01838")
    assert _covered("电话１８０８１２０１８３８") == "电话" + "#" * 11


def test_record_values_found_where_no_pattern_would() -> None:
    terms = PersonalTerms.of(["迎宾路55号", "3051234", None, "ab"])
    assert terms.values == (
        "3051234",
        "迎宾路55号",
    )  # longest first; too short or empty values are not searched
    assert (
        _covered("住所 秦皇岛市海港区迎宾路55号 电话3051234", terms)
        == "住所 秦皇岛市海港区###### 电话#######"
    )


def test_codes_that_are_not_personal_stay() -> None:
    text = "统一社会信用代码 92130302MA58KJAK1B 档号 Z001-2023-D30-SCJG-0035 日期 2023年3月1日 文号 秦市监许〔2023〕128号"
    assert personal_spans(text) == []
    # Same length as an ID number, but no birth date inside: a licence or acceptance number.
    assert personal_spans("许可证编号 130302202211441 受理编号 1303002021122903578") == []


@given(st.text(alphabet="0123456789 -\n号码电话", max_size=60))
def test_spans_are_sorted_disjoint_and_inside(text: str) -> None:
    spans = personal_spans(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in itertools.pairwise(spans))
