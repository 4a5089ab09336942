"""Sums of money and dates, told apart by the label before them (注册资本, 有效期至, 受理日期 …).

Reading the numerals themselves is `digitize.numerals`' job; this module decides which field each is.
"""

from __future__ import annotations

import re

from dangan.digitize.numerals import parse_amount, scan_dates

from ._text import Found, labelled

_AMOUNT_LABELS = {
    "registered_capital": "注册资本|注册资金|实缴资本",
    "investment": "投资总额|总投资|投资额",
    "amount": "最高开票限额|收费金额|罚款金额|合同金额|金额",
}


def amounts(found: Found) -> None:
    text = found.view.text
    for field, labels in _AMOUNT_LABELS.items():
        for start, _label in labelled(found.view, labels):
            parsed = parse_amount(text, start)
            if parsed:
                value, end = parsed
                found.add(field, value, 0.9, start, end)


_DATE_LABEL = re.compile(
    r"(?:(?P<until>有效期至|有效期截至|有效日期至)|(?P<range>有效期限|有效期|许可期限)"
    r"|(?P<decided>(?:决定|办结|审批|批准|核准|发证|签发)(?:日期|时间))|(?P<accepted>(?:申请|受理)(?:日期|时间))"
    r"|(?P<written>成文(?:日期|时间)|落款日期)|(?P<other>成立日期|出生|营业期限|日期|期限))"
    r"[ \t:]*(?:自|为)?[ \t]*$"
)


def dates(found: Found, decision: bool) -> None:
    text = found.view.text
    spans = scan_dates(text)
    last_signed = None
    for k, (start, end, day) in enumerate(spans):
        label = _DATE_LABEL.search(text, max(0, start - 12), start)
        kind = label.lastgroup if label else None
        iso = day.isoformat()
        if kind == "until":
            found.add("licence_valid_until", iso, 0.9, start, end)
        elif kind == "range":
            following = spans[k + 1] if k + 1 < len(spans) else None
            if following and re.fullmatch(r"\s*(?:至|到|起至|-|—|–|~|～)\s*", text[end : following[0]]):
                found.add("licence_valid_from", iso, 0.9, start, end)
                found.add("licence_valid_until", following[2].isoformat(), 0.9, following[0], following[1])
        elif kind == "decided":
            found.add("decided_at", iso, 0.92, start, end)
        elif kind == "accepted":
            found.add("accepted_at", iso, 0.9, start, end)
        elif kind == "written":
            found.add("written_at", iso, 0.95, start, end)
        elif re.search(r"于\s*$", text[max(0, start - 3) : start]) and re.match(
            r"\s*(?:提出|提交|申请)", text[end:]
        ):
            found.add("accepted_at", iso, 0.8, start, end)
        elif k > 0 and re.fullmatch(r"\s*(?:至|到|起至|-|—|–|~|～)\s*", text[spans[k - 1][1] : start]):
            continue  # the end of a range whose start is labelled otherwise
        if kind in (None, "decided", "accepted", "written") and start >= len(text) * 0.5:
            last_signed = (start, end, iso)
    if last_signed:
        start, end, iso = last_signed
        own_line = text[:start].rstrip(" \t").endswith("\n") or text[end:].lstrip(" \t")[:1] in ("\n", "")
        found.add("written_at", iso, 0.75 + (0.1 if own_line else 0.0), start, end)
        if decision:
            found.add("decided_at", iso, 0.7, start, end)
