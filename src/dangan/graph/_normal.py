"""Normalised forms under which the graph decides that two records speak of the same thing.

Only spelling differences that cannot change the referent are folded: full-width forms (NFKC: ０-９,
Ａ-Ｚ, （）, －), traditional characters (OpenCC t2s: 河北省秦皇島市 → 河北省秦皇岛市), white space, the
building word (12号楼, 12幢, 12座, 12# → 12栋) and the administrative prefix of the record's own district
(海港区…, 秦皇岛市海港区…, 河北省秦皇岛市海港区… → 河北省秦皇岛市海港区…). Anything else stays as written,
so two addresses that merely look alike are never merged.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from dangan.domain import district_by_code

_SPACE = re.compile(r"\s+")
_BUILDING = re.compile(r"(\d+)\s*(?:号楼|幢|座|#楼|#)")


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc  # the tables load in a few milliseconds, once per process

    return opencc.OpenCC("t2s")


def simplify(text: str) -> str:
    """NFKC (full-width to half-width), traditional to simplified, no white space."""
    folded = unicodedata.normalize("NFKC", text)
    return _SPACE.sub("", str(_t2s().convert(folded)))


def normalise_name(name: str) -> str:
    """The matching form of an enterprise's or a person's name (the label keeps the name as written)."""
    return simplify(name).upper()


@lru_cache(maxsize=4096)
def _prefixes(district: str) -> tuple[str, tuple[str, ...]]:
    """The district's full name and every component-aligned tail of it, longest first."""
    found = district_by_code(district)
    if found is None:
        return "", ()
    parts = [found.province]
    if found.level == "county" and found.prefecture:
        parts.append(found.prefecture)
    if found.level != "province":
        parts.append(found.name)
    full = "".join(parts)
    tails = tuple("".join(parts[i:]) for i in range(len(parts)))
    return full, tails


def normalise_address(address: str, district: str | None = None) -> str:
    """The matching form of an address; the record's district (GB/T 2260) fixes the prefix."""
    text = simplify(address)
    text = _BUILDING.sub(r"\1栋", text)
    if district:
        full, tails = _prefixes(district)
        for tail in tails:
            if tail and text.startswith(tail):
                return full + text[len(tail) :]
    return text


def is_change(matter: str | None, result: str | None) -> bool:
    """A 变更登记 (or any approval of a change): its values hold from its decision date on."""
    return "变更" in (matter or "") or "变更" in (result or "")
