"""GB/T 4754-2017 国民经济行业分类 (with its 2019 amendment): industries by code and by name.

The table ships with the package as ``dangan/domain/data/gbt4754_2017.csv`` (columns
``code,level,name,parent_code``): 20 门类 sections ('A'..'T'), 97 大类 divisions ('01'), 473 中类
groups ('011') and their 小类 classes ('0111'). A group with a single class (e.g. 022 造林和更新) is
printed in the standard on one row with its class code (0220); the table holds both rows.

Codes are accepted as written on forms and in case packages: '0111', 'A0111', 'H6210', '62', 'H62',
'H'. A leading section letter must be the right section for the code that follows it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = [
    "Industry",
    "IndustryLevel",
    "all_industries",
    "industries_by_name",
    "industry_by_code",
    "industry_path",
]

IndustryLevel = Literal["section", "division", "group", "class"]

_DATA_PACKAGE = "dangan.domain.data"
_DATA_FILE = "gbt4754_2017.csv"
_LEVEL_BY_LENGTH: dict[int, IndustryLevel] = {1: "section", 2: "division", 3: "group", 4: "class"}
_CODE_RE = re.compile(r"([A-T])?(\d{2,4})?")
# The standard itself mixes half- and full-width brackets (194 羽毛(绒)加工及制品制造 next to
# 1941 羽毛（绒）加工); a name typed either way should find the entry.
_BRACKETS = str.maketrans({"（": "(", "）": ")"})


@dataclass(frozen=True, slots=True)
class Industry:
    """One entry of the classification. ``section`` is the 门类 letter the entry belongs to."""

    code: str
    level: IndustryLevel
    name: str
    parent_code: str | None
    section: str

    @property
    def qualified_code(self) -> str:
        """The code with its section letter in front ('H6210'); a section is just its letter."""
        return self.code if self.level == "section" else self.section + self.code


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, Industry]
    by_name: dict[str, tuple[Industry, ...]]
    ordered: tuple[Industry, ...]


def _name_key(name: str) -> str:
    return "".join(name.split()).translate(_BRACKETS)


@cache
def _table() -> _Table:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    by_code: dict[str, Industry] = {}
    ordered: list[Industry] = []
    for row in csv.DictReader(io.StringIO(text)):
        code = row["code"].strip()
        level = _LEVEL_BY_LENGTH.get(len(code))
        if level is None or level != row["level"].strip():
            raise ValueError(f"{_DATA_FILE}: code {code!r} does not fit level {row['level']!r}")
        parent = row["parent_code"].strip() or None
        if level == "section":
            section = code
        else:
            if parent is None or parent not in by_code:
                raise ValueError(f"{_DATA_FILE}: parent of {code!r} missing or listed after it")
            section = by_code[parent].section
        industry = Industry(
            code=code, level=level, name=row["name"].strip(), parent_code=parent, section=section
        )
        if code in by_code:
            raise ValueError(f"{_DATA_FILE}: duplicate code {code!r}")
        by_code[code] = industry
        ordered.append(industry)
    by_name: dict[str, list[Industry]] = {}
    for industry in ordered:
        by_name.setdefault(_name_key(industry.name), []).append(industry)
    return _Table(
        by_code=by_code,
        by_name={key: tuple(values) for key, values in by_name.items()},
        ordered=tuple(ordered),
    )


def industry_by_code(code: str) -> Industry | None:
    """The entry for ``code`` ('0111', 'A0111', '62', 'H62', 'H'), or None.

    A section letter in front of a numeric code is accepted only when it is that code's section:
    'H6210' gives 6210 正餐服务, 'A6210' gives None.
    """
    if not isinstance(code, str):
        return None
    text = code.strip().upper()
    match = _CODE_RE.fullmatch(text)
    if not text or match is None:
        return None
    letter, digits = match.group(1), match.group(2)
    by_code = _table().by_code
    if digits is None:
        return by_code.get(letter) if letter else None
    industry = by_code.get(digits)
    if industry is None or (letter is not None and industry.section != letter):
        return None
    return industry


def industries_by_name(name: str) -> list[Industry]:
    """All entries, at every level, whose name is exactly ``name``, in table order.

    Whitespace is ignored and full-width brackets count as half-width ones. One name can belong to
    several levels: 其他采矿业 is division 12, group 120 and class 1200.
    """
    if not isinstance(name, str):
        return []
    return list(_table().by_name.get(_name_key(name), ()))


def industry_path(code: str) -> list[Industry]:
    """The chain from the section down to ``code`` (section, division, group, class); [] if unknown."""
    industry = industry_by_code(code)
    by_code = _table().by_code
    path: list[Industry] = []
    while industry is not None:
        path.append(industry)
        industry = by_code[industry.parent_code] if industry.parent_code else None
    path.reverse()
    return path


def all_industries() -> tuple[Industry, ...]:
    """Every entry, in the order of the standard (each section followed by its divisions...)."""
    return _table().ordered
