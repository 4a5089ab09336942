"""Numbers as Chinese documents write them: 二〇二三年三月十日, ２０２３年３月１０日, 壹拾万元整, 500万元.

One home for reading them, so that the OCR's repairs and the metadata proposals agree on what a date or a
sum of money is. Pure regular expressions and arithmetic, no model.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date

__all__ = ["CN_ZERO", "calendar_date", "cn_integer", "parse_amount", "scan_dates"]

# What stands for zero in a year written in Chinese: 〇 as printed, and the circles and letters a font or a
# recogniser puts in its place (Cyrillic О and full-width Ｏ included).
CN_ZERO = "〇零○Oo\u041e\uff2f0"
_CN_DIGITS = {**dict.fromkeys(CN_ZERO, 0), **dict.fromkeys("一壹1", 1), **dict.fromkeys("二贰貳两2", 2),
              **dict.fromkeys("三叁參3", 3), **dict.fromkeys("四肆4", 4), **dict.fromkeys("五伍5", 5),
              **dict.fromkeys("六陆陸6", 6), **dict.fromkeys("七柒7", 7), **dict.fromkeys("八捌8", 8),
              **dict.fromkeys("九玖9", 9)}  # fmt: skip
_CN_UNITS = {**dict.fromkeys("十拾", 10), **dict.fromkeys("百佰", 100), **dict.fromkeys("千仟", 1000)}
_CN_BIG = {**dict.fromkeys("万萬", 10**4), **dict.fromkeys("亿億", 10**8)}
_CN_NUM = "零〇○一壹二贰貳两三叁參四肆五伍六陆陸七柒八捌九玖十拾百佰千仟万萬亿億"
_DATE_AR = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|([-./])(\d{1,2})\4(\d{1,2})(?!\d))"
)
_DATE_CN = re.compile(
    rf"([{CN_ZERO}一二三四五六七八九]{{4}})\s*年\s*([一二三四五六七八九十]{{1,2}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*日"
)
_AMOUNT = re.compile(
    rf"(?:人民币|\(大写\)|大写|[¥￥]|\s)*(?:(?P<ar>\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.(?P<frac>\d+))?\s*(?P<big>亿|万)?\s*(?P<yuan>元|圆)?"
    rf"|(?P<cn>[{_CN_NUM}]+)\s*(?P<cnyuan>元|圆)?(?:(?P<jiao>[{_CN_NUM}])角)?(?:(?P<fen>[{_CN_NUM}])分)?整?)"
)


def cn_integer(text: str) -> int | None:
    """二十五 → 25, 壹拾万 → 100000, 一亿二千万 → 120000000; None when `text` is not a numeral."""
    total = section = number = 0
    seen = False
    for ch in text:
        if ch in _CN_DIGITS:
            number, seen = _CN_DIGITS[ch], True
        elif ch in _CN_UNITS:
            section += (number or 1) * _CN_UNITS[ch]
            number, seen = 0, True
        elif ch in _CN_BIG and seen:
            if _CN_BIG[ch] > 10**4:
                total = (total + section + number) * _CN_BIG[ch]
            else:
                total += (section + number) * _CN_BIG[ch]
            section = number = 0
        else:
            return None
    return total + section + number if seen else None


def calendar_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when the calendar has no such day (2月30日, 13月): a misread is not a date."""
    with contextlib.suppress(ValueError):
        return date(year, month, day)
    return None


def scan_dates(text: str) -> list[tuple[int, int, date]]:
    """Every real calendar date in `text` as (start, end, date), Arabic and Chinese numerals alike.

    Full-width digits (２０２３年) are the caller's to fold first (NFKC), as extraction folds all its text."""
    found: list[tuple[int, int, date]] = []
    for m in _DATE_AR.finditer(text):
        month, day = (m.group(2), m.group(3)) if m.group(2) else (m.group(5), m.group(6))
        _add_date(found, m, int(m.group(1)), int(month), int(day))
    for m in _DATE_CN.finditer(text):
        year = "".join(str(_CN_DIGITS[c]) for c in m.group(1))
        cn_month, cn_day = cn_integer(m.group(2)), cn_integer(m.group(3))
        if cn_month and cn_day:
            _add_date(found, m, int(year), cn_month, cn_day)
    return sorted(found)


def _add_date(found: list[tuple[int, int, date]], m: re.Match[str], year: int, month: int, day: int) -> None:
    day_ = calendar_date(year, month, day)
    if day_ is not None:
        found.append((m.start(), m.end(), day_))


def parse_amount(text: str, start: int) -> tuple[int | float, int] | None:
    """The sum of money at `start` in 元 and where it ends: 500万元, 1,234.5元, 壹拾万元整, 十万元.

    A bare number is not money: 元 or 万 must be written."""
    m = _AMOUNT.match(text, start)
    if not m:
        return None
    if m.group("ar"):
        if not (m.group("big") or m.group("yuan")):
            return None
        value = float(m.group("ar").replace(",", "") + "." + (m.group("frac") or "0"))
        value *= {"亿": 10**8, "万": 10**4}.get(m.group("big") or "", 1)
    elif m.group("cn") and (m.group("cnyuan") or m.group("cn")[-1:] in "万萬亿億"):
        whole = cn_integer(m.group("cn"))
        if whole is None:
            return None
        jiao, fen = cn_integer(m.group("jiao") or "零"), cn_integer(m.group("fen") or "零")
        value = whole + (jiao or 0) / 10 + (fen or 0) / 100
    else:
        return None
    value = round(value, 2)
    return (int(value) if value.is_integer() else value), m.end()
