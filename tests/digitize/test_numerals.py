"""Numerals as Chinese documents write them: one reading for the OCR's repairs and the proposals alike."""

from __future__ import annotations

from datetime import date

import pytest

from dangan.digitize.numerals import CN_ZERO, calendar_date, cn_integer, parse_amount, scan_dates


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("二十五", 25),
        ("十", 10),
        ("一百零五", 105),
        ("壹拾万", 100_000),
        ("一亿二千万", 120_000_000),
        ("叁仟肆佰", 3400),
        ("两万", 20_000),
    ],
)
def test_chinese_integers(written: str, value: int) -> None:
    assert cn_integer(written) == value


@pytest.mark.parametrize("text", ["公司", "", "万", "十x"])
def test_what_is_not_a_numeral_reads_as_none(text: str) -> None:
    assert cn_integer(text) is None


def test_calendar_date_refuses_days_the_calendar_lacks() -> None:
    assert calendar_date(2024, 2, 29) == date(2024, 2, 29)
    assert calendar_date(2023, 2, 29) is None
    assert calendar_date(2023, 13, 1) is None


def test_impossible_dates_are_not_dates() -> None:
    assert scan_dates("2023年2月30日 二〇二三年十三月一日 2023-13-01") == []


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("二〇二三年三月十五日", date(2023, 3, 15)),
        ("二○二三年十二月三十一日", date(2023, 12, 31)),
        ("二O二四年二月二十九日", date(2024, 2, 29)),
        ("2023 年 3 月 5 日", date(2023, 3, 5)),
        ("2023-03-15", date(2023, 3, 15)),
        ("2023.3.15", date(2023, 3, 15)),
        ("2023/3/15", date(2023, 3, 15)),
    ],
)
def test_dates_in_any_numerals(text: str, day: date) -> None:
    assert scan_dates(f"于{text}提出") == [(1, 1 + len(text), day)]


@pytest.mark.parametrize("zero", list(CN_ZERO))
def test_every_zero_form_reads_in_a_chinese_year(zero: str) -> None:
    assert [d for _s, _e, d in scan_dates(f"二{zero}二三年三月十日")] == [date(2023, 3, 10)]


def test_dates_come_in_text_order_with_their_spans() -> None:
    text = "有效期限：2023年3月10日至二〇二八年三月九日"
    got = scan_dates(text)
    assert [d for _s, _e, d in got] == [date(2023, 3, 10), date(2028, 3, 9)]
    assert [text[s:e] for s, e, _d in got] == ["2023年3月10日", "二〇二八年三月九日"]


@pytest.mark.parametrize(
    ("written", "yuan"),
    [
        ("叁拾万圆整", 300_000),
        ("大写 壹仟元伍角", 1000.5),
        ("￥ 88.8元", 88.8),
        ("3亿元", 300_000_000),
        ("2,000,000元", 2_000_000),
        ("一百二十万", 1_200_000),
    ],
)
def test_amounts_in_yuan_and_where_they_end(written: str, yuan: float) -> None:
    text = f"注册资本：{written}，其余"
    got = parse_amount(text, 5)
    assert got is not None
    assert got[0] == yuan
    assert text[got[1] :].startswith("，其余")


@pytest.mark.parametrize("text", ["12345 件", "三个", "公司", ""])
def test_a_bare_number_is_not_money(text: str) -> None:
    assert parse_amount(text, 0) is None
