"""Identifier repairs: only ever into a valid value, and always recorded."""

from __future__ import annotations

import pytest

from dangan.digitize.ocr import correct_line, fix_id_number, fix_uscc
from dangan.domain import id_check_char, is_valid_uscc, uscc_check_char

USCC = "91130302MA0D1B2K" + "0"  # 17 characters; the check character is added below
VALID_USCC = USCC + uscc_check_char(USCC)
ID_BODY = "13030219800101001"
VALID_ID = ID_BODY + id_check_char(ID_BODY)


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("秦市监许[2023]12号", "秦市监许〔2023〕12号"),
        ("秦市监许(2023)12号", "秦市监许〔2023〕12号"),
        ("秦市监许［2023］12号", "秦市监许〔2023〕12号"),
        ("秦市监许【2023】12号", "秦市监许〔2023〕12号"),
        ("秦市监许（2O23）128号", "秦市监许〔2023〕128号"),
    ],
)
def test_doc_number_brackets_become_hexagonal(raw: str, want: str) -> None:
    text, fixes = correct_line(raw)
    assert text == want
    assert [f.kind for f in fixes] == ["doc_number"]


def test_a_bracketed_year_that_is_not_a_doc_number_is_left_alone() -> None:
    text, fixes = correct_line("见附件(2023)")
    assert "〔" not in text and fixes == []


def test_uscc_letter_o_for_zero_is_fixed_by_the_check_character() -> None:
    misread = VALID_USCC.replace("0", "O")
    assert misread != VALID_USCC
    text, fixes = correct_line(f"统一社会信用代码：{misread}")
    assert text == f"统一社会信用代码：{VALID_USCC}"
    assert fixes[0].kind == "uscc" and fixes[0].before == misread and fixes[0].after == VALID_USCC


def test_uscc_b_for_eight_is_fixed_only_when_the_check_character_then_holds() -> None:
    misread = VALID_USCC[:4] + "B" + VALID_USCC[5:]  # a district digit 0 read as B is forced to 8…
    assert fix_uscc(misread) != misread
    assert fix_uscc(VALID_USCC.replace("B", "8")) == VALID_USCC  # …and 8 for B is tried in the body


def test_an_invalid_uscc_is_never_corrected_into_a_different_code() -> None:
    wrong = VALID_USCC[:17] + ("1" if VALID_USCC[17] != "1" else "2")
    assert not is_valid_uscc(wrong)
    text, fixes = correct_line(f"统一社会信用代码：{wrong}")
    assert text.endswith(wrong)
    assert fixes == []


def test_uscc_lower_case_l_in_the_district_code_is_read_as_1() -> None:
    misread = VALID_USCC[:2] + "l" + VALID_USCC[3:]  # the 1 of 130302
    text, fixes = correct_line(f"统一社会信用代码：{misread}")
    assert text == f"统一社会信用代码：{VALID_USCC}"
    assert [(f.kind, f.before) for f in fixes] == [("uscc", misread)]


def test_a_repair_that_two_readings_allow_is_not_made() -> None:
    token = "9B1303020000006088"  # a single B/8 swap at either end validates: which one is unknowable
    assert correct_line(f"统一社会信用代码：{token}") == (f"统一社会信用代码：{token}", [])


def test_id_number_letters_for_digits_and_lower_x() -> None:
    misread = VALID_ID[:6] + "l98O" + VALID_ID[10:17] + VALID_ID[17].lower()
    assert fix_id_number(misread) == VALID_ID
    text, fixes = correct_line(f"身份证号码：{misread}")
    assert text == f"身份证号码：{VALID_ID}"
    assert fixes[0].kind == "id_number"


def test_an_id_number_with_a_wrong_check_digit_is_left_alone() -> None:
    wrong = VALID_ID[:17] + ("0" if VALID_ID[17] != "0" else "1")
    assert correct_line(f"身份证号码：{wrong}") == (f"身份证号码：{wrong}", [])


def test_dates_in_chinese_and_arabic_numerals() -> None:
    assert correct_line("二〇二三年三月十五日") == ("二〇二三年三月十五日", [])
    assert correct_line("二O二三年三月十五日")[0] == "二〇二三年三月十五日"
    assert correct_line("2O23年3月l5日")[0] == "2023年3月15日"
    assert correct_line("2023年13月1日")[0] == "2023年13月1日"  # no such date: not touched


def test_amounts_and_punctuation() -> None:
    assert correct_line("注册资本人民币12，345.00元")[0] == "注册资本人民币12,345.00元"
    assert correct_line("住所:秦皇岛市(海港区)")[0] == "住所：秦皇岛市（海港区）"
    assert correct_line("12,345.00 (a)")[0] == "12,345.00 (a)"
