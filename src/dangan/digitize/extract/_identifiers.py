"""Identifiers: 文号, licence numbers, USCC and ID numbers.

Codes are checked by their check characters (GB 32100, GB 11643); one that fails is still proposed when
labelled, with a low confidence and the reason, never dropped or silently "fixed". A repair is proposed
only when `dangan.domain` finds exactly one valid reading, and it says what the text read.
"""

from __future__ import annotations

import re

from dangan.domain import (
    CODE_18,
    ID_18,
    id_number_problem,
    read_id_number,
    repair_id_number,
    repair_uscc,
    uscc_problem,
)

from ._text import CJK, Found, labelled

_BRACKET = re.compile(
    rf"([{CJK}]{{1,16}})\s*([\[〔【(〈{{<「『])\s*((?:19|20)\d{{2}})\s*([\]〕】)〉}}>」』])\s*第?\s*(\d{{1,6}})\s*号"
)
_LICENCE = re.compile(rf"(?:[{CJK}]{{1,8}}字)?第?[A-Za-z0-9][A-Za-z0-9\-]{{4,29}}号?(?![A-Za-z0-9])")
_USCC_LABELLED = re.compile(r"[0-9A-Za-z]{15,20}(?![0-9A-Za-z])")
_ID_LABELLED = re.compile(r"[0-9OoIlZSB]{14,17}[0-9Xx×OoIl](?![0-9A-Za-z])")


def doc_numbers(found: Found) -> None:
    text = found.view.text
    for m in _BRACKET.finditer(text):
        prefix = re.split(r"书|:|文号|字号|决定|通知|证明|号", m.group(1))[-1][-10:]
        if not prefix:
            continue
        start = m.end(1) - len(prefix)
        conf = 0.9 if m.group(2) == "〔" and m.group(4) == "〕" else 0.8
        conf += 0.05 if start < max(200, len(text) // 5) else -0.1
        if re.search(r"(?:根据|依据|按照|《|\()[^\n]{0,30}$", text[max(0, start - 30) : start]):
            conf -= 0.3  # a cited document, not this one
        found.add("doc_number", f"{prefix}〔{m.group(3)}〕{int(m.group(5))}号", conf, start, m.end())


def licence(found: Found) -> None:
    text = found.view.text
    labels = "许可证编号|许可证号|证书编号|许可编号|证照编号|执照编号|(?<![受理申请备案])编号"
    for start, label in labelled(found.view, labels):
        m = _LICENCE.match(text, start)
        if m:
            found.add("licence_number", m.group(0), 0.9 if len(label) > 2 else 0.7, m.start(), m.end())


def uscc(found: Found) -> None:
    text = found.view.text
    seen: set[int] = set()
    for start, _label in labelled(found.view, "统一社会信用代码|社会信用代码|信用代码"):
        m = _USCC_LABELLED.match(text, start)
        if m:
            seen.add(m.start())
            _uscc_value(found, m.group(0), m.start(), m.end(), labelled=True)
    for m in CODE_18.finditer(text):
        if m.start() not in seen and not re.fullmatch(r"\d{17}[\dXx]", m.group(0)):  # ID-shaped
            _uscc_value(found, m.group(0), m.start(), m.end(), labelled=False)


def _uscc_value(found: Found, raw: str, start: int, end: int, *, labelled: bool) -> None:
    base = 0.95 if labelled else 0.7
    # No B↔8 guesses: a text layer's B or 8 is what was typed, and OCR lines had theirs tried already.
    fixed = repair_uscc(raw, swap_b8=False)
    if fixed == raw:
        found.add("uscc", raw, base, start, end)
    elif fixed is not None:
        note = f"原文为 {raw}，已按 GB 32100 校验位纠正为 {fixed}，请核对"
        found.add("uscc", fixed, base - 0.2, start, end, note)
    elif labelled:
        found.add("uscc", raw, 0.2, start, end, f"{uscc_problem(raw)}，请核对原件")


def id_number(found: Found) -> None:
    text = found.view.text
    seen: set[int] = set()
    labels = "公民身份号码|身份证件号码|身份证号码|身份证号|证件号码"
    for start, _label in labelled(found.view, labels):
        m = _ID_LABELLED.match(text, start)
        if m:
            seen.add(m.start())
            _id_value(found, m.group(0), m.start(), m.end(), labelled=True)
    for m in ID_18.finditer(text):
        # An unlabelled 18-digit number is somebody's ID only when no other number label stands before
        # it and it does not run on over a line break (a wrapped 受理编号 has a valid-looking head 1 in 11).
        before = text[max(0, m.start() - 12) : m.start()]
        if m.start() in seen or re.search(r"(?:编号|单号|流水号|许可证号?|号码)[ \t:]*$", before):
            continue
        if re.match(r"[ \t]*\r?\n[ \t]*\d", text[m.end() :]):
            continue
        _id_value(found, m.group(0), m.start(), m.end(), labelled=False)


def _id_value(found: Found, raw: str, start: int, end: int, *, labelled: bool) -> None:
    reading = read_id_number(raw)
    if len(reading) == 15 and reading.isdigit() and labelled:
        found.add("id_number", reading, 0.6, start, end, "15位旧身份证号码，无校验码")
        return
    fixed = repair_id_number(raw)
    base = 0.95 if labelled else 0.75
    if fixed is not None:
        note = None if fixed == raw else f"原文为 {raw}，已纠正为 {fixed}，请核对"
        found.add("id_number", fixed, base - (0.2 if note else 0.0), start, end, note)
    elif labelled:
        found.add("id_number", raw, 0.2, start, end, f"{id_number_problem(reading)}，请核对原件")
