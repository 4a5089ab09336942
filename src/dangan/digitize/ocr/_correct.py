"""Repairs of what archives search and check by: 文号 brackets, USCC, ID numbers, dates, amounts.

A recogniser confuses O/0, I/1, Z/2, S/5 and B/8, and reads 〔〕 as [], (), 【】. Each fix here is taken
only when the result is a well-formed value — a USCC or ID number whose check character then holds, a
date that exists — and only when exactly one such value is reachable, so OCR never turns a misread into
a different, plausible identifier. Every change is recorded for the archivist to see. How a USCC or an ID
number is repaired is `dangan.domain`'s rule and how a date is read is `digitize.numerals`': metadata
extraction uses the same, so a line and the field read from it never disagree.
"""

from __future__ import annotations

import re

from dangan.digitize.numerals import CN_ZERO, calendar_date
from dangan.domain import (
    CODE_18,
    is_valid_id_number,
    is_valid_uscc,
    lookalike_digits,
    repair_id_number,
    repair_uscc,
)

from ._types import Correction

_OPEN, _CLOSE = "[(（［【〔<《{｛", "])）］】〕>》}｝"
_DOC_NUMBER = re.compile(
    rf"([\u4e00-\u9fff]{{1,12}})\s*[{re.escape(_OPEN)}]\s*([12][0-9OoIl]{{3}})\s*[{re.escape(_CLOSE)}]\s*([0-9OoIl]{{1,5}})\s*号"
)
_CN_YEAR = re.compile(rf"([一二][{CN_ZERO}一二三四五六七八九]{{3}})年")
_AR_DATE = re.compile(r"([12][0-9OoIl]{3})\s*年\s*([0-9OoIl]{1,2})\s*月\s*([0-9OoIl]{1,2})\s*日")
_AMOUNT = re.compile(r"([0-9][0-9,，OoIl]*(?:[.．。][0-9OoIl]{1,2})?)(?=\s*(?:万元|元))")


def correct_line(text: str) -> tuple[str, list[Correction]]:
    """The line with its identifiers repaired, and what was changed."""
    fixes: list[Correction] = []
    for fix in (_fix_doc_number, _fix_codes, _fix_dates, _fix_amounts):
        text, found = fix(text)
        fixes.extend(found)
    return full_width_punctuation(text), fixes


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_FULL = {":": "：", ";": "；", ",": "，", "!": "！", "?": "？", "(": "（", ")": "）"}


def full_width_punctuation(text: str) -> str:
    """Chinese print uses full-width marks; the recogniser often returns ASCII ones after a hanzi.

    Only a mark touching Chinese is changed, so 12,345.00 and (a) in Latin text stay as they are."""
    out = list(text)
    opened = False
    for i, c in enumerate(out):
        if c not in _FULL:
            continue
        before = out[i - 1] if i else ""
        after = out[i + 1] if i + 1 < len(out) else ""
        if c == ")":
            if opened:
                out[i], opened = "）", False
        elif c == "(":
            if _CJK.match(before) or _CJK.match(after):
                out[i], opened = "（", True
        elif _CJK.match(before) and not (c == "," and after.isdigit() and before.isdigit()):
            out[i] = _FULL[c]
    return "".join(out)


def _fix_doc_number(text: str) -> tuple[str, list[Correction]]:
    fixes: list[Correction] = []

    def repl(m: re.Match[str]) -> str:
        year = lookalike_digits(m.group(2))
        if not year.isdigit() or not 1949 <= int(year) <= 2100:
            return m.group(0)
        after = f"{m.group(1)}〔{year}〕{lookalike_digits(m.group(3))}号"
        if after != m.group(0):
            fixes.append(Correction("doc_number", m.group(0), after))
        return after

    return _DOC_NUMBER.sub(repl, text), fixes


def _fix_codes(text: str) -> tuple[str, list[Correction]]:
    fixes: list[Correction] = []

    def repl(m: re.Match[str]) -> str:
        token = m.group(0)
        if is_valid_uscc(token) or is_valid_id_number(token):
            return token
        context = text[max(0, m.start() - 12) : m.start()]
        fixed = fix_id_number(token) if "身份" in context or "证件" in context else None
        kind = "id_number"
        if fixed is None:
            fixed, kind = fix_uscc(token), "uscc"
        if fixed is None and "信用" not in context:
            fixed, kind = fix_id_number(token), "id_number"
        if fixed is None:
            return token
        fixes.append(Correction(kind, token, fixed))
        return fixed

    return CODE_18.sub(repl, text), fixes


# The names the OCR package has always exported; the repairs themselves live beside the check characters.
fix_uscc = repair_uscc
fix_id_number = repair_id_number


def _fix_dates(text: str) -> tuple[str, list[Correction]]:
    fixes: list[Correction] = []

    def cn(m: re.Match[str]) -> str:
        year = m.group(1)
        after = year[0] + "".join("〇" if c in CN_ZERO else c for c in year[1:]) + "年"
        if after != m.group(0):
            fixes.append(Correction("date", m.group(0), after))
        return after

    def ar(m: re.Match[str]) -> str:
        y, mo, d = (lookalike_digits(g) for g in m.groups())
        if not (y + mo + d).isdigit() or calendar_date(int(y), int(mo), int(d)) is None:
            return m.group(0)
        after = f"{y}年{mo}月{d}日"
        if after != m.group(0):
            fixes.append(Correction("date", m.group(0), after))
        return after

    text = _CN_YEAR.sub(cn, text)
    return _AR_DATE.sub(ar, text), fixes


def _fix_amounts(text: str) -> tuple[str, list[Correction]]:
    fixes: list[Correction] = []

    def repl(m: re.Match[str]) -> str:
        raw = m.group(1)
        after = lookalike_digits(raw).replace("，", ",")
        after = re.sub(r"[．。](?=[0-9]{1,2}$)", ".", after)
        if not re.fullmatch(r"[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?", after):
            return raw
        if after != raw:
            fixes.append(Correction("amount", raw, after))
        return after

    return _AMOUNT.sub(repl, text), fixes
