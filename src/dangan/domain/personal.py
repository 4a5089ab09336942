"""Personal data in free text: where ID-card and phone numbers (and a record's own personal values) stand.

Masking of catalogue values and redaction of rendered pages must find the same things, so the patterns
live here once. `personal_spans` answers character ranges of the text it is given; a renderer maps them to
boxes. Numbers are also looked for with white space removed, because a PDF often sets an ID number in
spaced groups or breaks a phone number across lines, and text extraction then returns the pieces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

ID_18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
ID_15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5}(\d{4})(?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})([- ]?)(\d{3,4})(\d{4})(?!\d)")
PATTERNS = (ID_18, ID_15, MOBILE, LANDLINE)
_SPACE = re.compile(r"\s")
# Full-width digits and letters read as their ASCII forms (a Chinese form often sets numbers full width).
_FOLD = {ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸｘＡＢＣＤＥＦ"}


@dataclass(frozen=True)
class PersonalTerms:
    """What to hide in one record's renderings: the patterns always, and the record's own values.

    `values` are literal strings (an ID or phone number as catalogued, the street part of a home
    address): they are hidden wherever they occur, also when the document sets them differently from
    the patterns (a phone number without its area code, an address)."""

    values: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Iterable[str | None]) -> PersonalTerms:
        kept = {v.strip() for v in values if v and len(v.strip()) >= 4}
        return cls(tuple(sorted(kept, key=lambda v: (-len(v), v))))


def _plausible_birth(digits: str) -> bool:
    """YYYYMMDD that could be a birth date: licence and acceptance numbers of the same length rarely are
    (许可证编号 130302202211441 is not an old ID). The check digit is not required: a mistyped ID
    number is still somebody's."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    return 1900 <= year <= 2099 and 1 <= month <= 12 and 1 <= day <= 31


def _pattern_spans(text: str) -> Iterable[tuple[int, int]]:
    for pattern in PATTERNS:
        for m in pattern.finditer(text):
            number = m.group(0)
            if pattern is ID_18 and not _plausible_birth(number[6:14]):
                continue
            if pattern is ID_15 and not _plausible_birth("19" + number[6:12]):
                continue
            yield m.start(), m.end()


def _value_spans(text: str, values: Iterable[str]) -> Iterable[tuple[int, int]]:
    for value in values:
        start = text.find(value)
        while start >= 0:
            yield start, start + len(value)
            start = text.find(value, start + 1)


def personal_spans(text: str, terms: PersonalTerms = PersonalTerms()) -> list[tuple[int, int]]:
    """Sorted, merged character ranges `[start, end)` of `text` that hold personal data."""
    folded = text.translate(_FOLD)
    values = [v.translate(_FOLD) for v in terms.values]
    spans = [*_pattern_spans(folded), *_value_spans(folded, values)]
    # The same search over the text without white space, mapped back to the original positions.
    kept = [i for i, ch in enumerate(folded) if not _SPACE.match(ch)]
    if len(kept) < len(folded):
        compact = "".join(folded[i] for i in kept)
        compact_values = [_SPACE.sub("", v) for v in values]
        for start, end in [*_pattern_spans(compact), *_value_spans(compact, compact_values)]:
            spans.append((kept[start], kept[end - 1] + 1))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
