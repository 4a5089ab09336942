"""GB/T 2260 行政区划代码: districts by code and by name, with their history.

The data is the table python-stdnum ships in its wheel (``stdnum/cn/loc.dat``, compiled from
zh.wikipedia's lists of the codes). Its format::

    13 province="河北省"
      0300 county="[1983-]秦皇岛市"
      0302 county="[1983-]海港区"
      0110 county="[-1991]东郊区,[1992-]东丽区"

The bracket gives the years a name was valid under that code: ``[-2010]`` until 2010, ``[1983-]``
since 1983, ``[1983-1984]`` both; no bracket means valid throughout. One code can carry several
names over time. ``XX0000`` is a province, ``XXXX00`` a prefecture, anything else a county.
Placeholder names (市辖区, 县, 省直辖县级行政单位 ...) keep their codes resolvable but are not found
by name and do not appear in full names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = [
    "PLACEHOLDER_NAMES",
    "District",
    "DistrictLevel",
    "all_districts",
    "district_by_code",
    "district_history",
    "districts_by_name",
]

DistrictLevel = Literal["province", "prefecture", "county"]

_DATA_PACKAGE = "stdnum.cn"
_DATA_FILE = "loc.dat"
_PROVINCE_RE = re.compile(r'(\d{2}) province="([^"]*)"')
_ENTRY_RE = re.compile(r'\s+(\d{4}) county="([^"]*)"')
_NAME_RE = re.compile(r"(?:\[(\d{4})?-(\d{4})?\])?(.+)")
_CODE_RE = re.compile(r"\d{6}")
# A few names in loc.dat were copied from zh.wikipedia in traditional characters (加格達奇區,
# 松嶺區, 冷湖行政委員會, 丹稜县); the codes are simplified-Chinese names, so they are converted.
_TRADITIONAL = str.maketrans("區嶺達員會稜", "区岭达员会棱")
# Names that stand for "the districts / counties / directly administered units of ..." rather than
# for a place.
PLACEHOLDER_NAMES = frozenset(
    {
        "市辖区",
        "县",
        "省直辖县级行政单位",
        "省直辖行政单位",
        "省直辖行政区划",
        "自治区直辖县级行政单位",
        "自治区直辖县级行政区划",
        "市直辖行政区划",
    }
)


@dataclass(frozen=True, slots=True)
class District:
    """One name a GB/T 2260 code carried, with the years it carried it.

    ``province`` and ``prefecture`` name the units it lies in (a province's ``province`` and a
    prefecture's ``prefecture`` are its own name; ``prefecture`` is None for a province and where
    the level above is a placeholder such as 市辖区).
    """

    code: str
    name: str
    level: DistrictLevel
    province: str
    prefecture: str | None
    valid_from: int | None
    valid_to: int | None

    @property
    def current(self) -> bool:
        return self.valid_to is None

    @property
    def placeholder(self) -> bool:
        return self.name in PLACEHOLDER_NAMES

    @property
    def full_name(self) -> str:
        """The name with the units above it: 河北省秦皇岛市海港区, 北京市东城区, 河北省秦皇岛市."""
        if self.level == "province":
            return self.name
        parts = [self.province]
        if self.level == "county" and self.prefecture:
            parts.append(self.prefecture)
        parts.append(self.name)
        return "".join(parts)


@dataclass(frozen=True, slots=True)
class _Raw:
    code: str
    name: str
    valid_from: int | None
    valid_to: int | None


@dataclass(frozen=True, slots=True)
class _Table:
    by_code: dict[str, tuple[District, ...]]
    ordered: tuple[District, ...]


def _level(code: str) -> DistrictLevel:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "prefecture"
    return "county"


def region_prefix(code: str) -> str:
    """What the code of every place inside `code` starts with: 13 for the province 130000, 1303 for the
    prefecture 130300, a county's own code."""
    level = _level(code)
    return code[:2] if level == "province" else code[:4] if level == "prefecture" else code


def _parse(text: str) -> list[_Raw]:
    entries: list[_Raw] = []
    province_code: str | None = None
    province_name = ""
    seen_province_entry = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if match := _PROVINCE_RE.fullmatch(line.rstrip()):
            if province_code and not seen_province_entry:
                entries.append(_Raw(province_code + "0000", province_name, None, None))
            province_code, province_name = match.group(1), match.group(2).translate(_TRADITIONAL)
            seen_province_entry = False
            continue
        match = _ENTRY_RE.fullmatch(line.rstrip())
        if match is None or province_code is None:
            raise ValueError(f"{_DATA_FILE}: cannot read line {line!r}")
        code = province_code + match.group(1)
        seen_province_entry = seen_province_entry or code.endswith("0000")
        for part in match.group(2).split(","):
            name_match = _NAME_RE.fullmatch(part.strip())
            if name_match is None:
                raise ValueError(f"{_DATA_FILE}: cannot read name {part!r}")
            start, end, name = name_match.groups()
            entries.append(
                _Raw(
                    code,
                    name.strip().translate(_TRADITIONAL),
                    int(start) if start else None,
                    int(end) if end else None,
                )
            )
    if province_code and not seen_province_entry:
        entries.append(_Raw(province_code + "0000", province_name, None, None))
    return entries


def _overlaps(a: _Raw, b: _Raw) -> bool:
    a_from, a_to = a.valid_from or 0, a.valid_to or 9999
    b_from, b_to = b.valid_from or 0, b.valid_to or 9999
    return a_from <= b_to and b_from <= a_to


def _recency(entry: _Raw) -> tuple[int, int]:
    """Sort key: current entries last, then by the last year of validity, then by the first."""
    return (entry.valid_to or 10_000, entry.valid_from or 0)


def _parent(candidates: Iterable[_Raw], child: _Raw) -> _Raw | None:
    pool = list(candidates)
    overlapping = [c for c in pool if _overlaps(c, child)] or pool
    return max(overlapping, key=_recency, default=None)


@cache
def _table() -> _Table:
    text = resources.files(_DATA_PACKAGE).joinpath(_DATA_FILE).read_text(encoding="utf-8")
    raws = _parse(text)
    raw_by_code: dict[str, list[_Raw]] = {}
    for raw in raws:
        raw_by_code.setdefault(raw.code, []).append(raw)

    districts: list[District] = []
    for raw in raws:
        level = _level(raw.code)
        province_raw = _parent(raw_by_code.get(raw.code[:2] + "0000", ()), raw)
        province = province_raw.name if province_raw else ""
        prefecture: str | None = None
        if level == "prefecture":
            prefecture = None if raw.name in PLACEHOLDER_NAMES else raw.name
        elif level == "county":
            prefecture_raw = _parent(raw_by_code.get(raw.code[:4] + "00", ()), raw)
            if prefecture_raw is not None and prefecture_raw.name not in PLACEHOLDER_NAMES:
                prefecture = prefecture_raw.name
        districts.append(
            District(
                code=raw.code,
                name=raw.name,
                level=level,
                province=province,
                prefecture=prefecture,
                valid_from=raw.valid_from,
                valid_to=raw.valid_to,
            )
        )
    districts.sort(key=lambda d: (d.code, d.valid_to or 10_000, d.valid_from or 0))

    by_code: dict[str, list[District]] = {}
    for district in districts:
        by_code.setdefault(district.code, []).append(district)
    return _Table(by_code={k: tuple(v) for k, v in by_code.items()}, ordered=tuple(districts))


@cache
def _by_name() -> dict[str, tuple[District, ...]]:
    """Built on the first look-up by name: checking a code (every ingest) never needs it."""
    by_name: dict[str, list[District]] = {}
    for district in _table().ordered:
        if district.placeholder:
            continue
        for key in _name_keys(district):
            bucket = by_name.setdefault(key, [])
            if district not in bucket:
                bucket.append(district)
    return {k: tuple(v) for k, v in by_name.items()}


def _name_keys(district: District) -> set[str]:
    keys = {district.name, district.full_name, district.province + district.name}
    if district.level == "county" and district.prefecture:
        keys.add(district.prefecture + district.name)
    return keys


def district_by_code(code: str) -> District | None:
    """The district a 6-digit code stands for: its current name, else the latest one; None if unknown."""
    if not isinstance(code, str) or not _CODE_RE.fullmatch(code.strip()):
        return None
    history = _table().by_code.get(code.strip())
    if not history:
        return None
    # Entries are sorted with the current one (valid_to None) last, else by the year they ended.
    return history[-1]


def district_history(code: str) -> tuple[District, ...]:
    """Every name a code has carried, oldest first."""
    if not isinstance(code, str):
        return ()
    return _table().by_code.get(code.strip(), ())


def districts_by_name(name: str, *, current_only: bool = True) -> list[District]:
    """Districts called ``name``: the short name ('海港区'), the full name ('河北省秦皇岛市海港区')
    or the name under its prefecture or province ('秦皇岛市海港区', '北京市东城区').

    With ``current_only`` (the default) names no longer in use are left out. Ordered by code.
    """
    if not isinstance(name, str):
        return []
    found = _by_name().get("".join(name.split()), ())
    return [d for d in found if d.current or not current_only]


def all_districts(*, current_only: bool = False) -> tuple[District, ...]:
    """Every entry (one per code and name over time), ordered by code."""
    table = _table().ordered
    return tuple(d for d in table if d.current) if current_only else table
