"""档号 (archival code) rules, DA/T 22 shape by default: 全宗号-年度-保管期限-机构(问题)-件号.

The rule is a format template so an archive can follow its own local practice; the fields available are
fixed here. The item number (件号) is allocated by the catalogue, gap-free within one *series*, which is
the code with the item number left out.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from dangan.core import ConfigurationError

FIELDS = {"fonds", "year", "retention", "org", "item"}


@dataclass(frozen=True)
class ArchivalCodeParts:
    fonds: str
    year: int
    retention: str
    org: str


@dataclass(frozen=True)
class ArchivalCodeRule:
    template: str

    def __post_init__(self) -> None:
        names = {f for _, f, _, _ in string.Formatter().parse(self.template) if f}
        unknown = names - FIELDS
        if unknown:
            raise ConfigurationError(
                f"档号规则含有未知字段：{', '.join(sorted(unknown))}（可用：{', '.join(sorted(FIELDS))}）"
            )
        if "item" not in names:
            raise ConfigurationError("档号规则必须包含件号字段 {item}")

    def series_key(self, parts: ArchivalCodeParts) -> str:
        """The code without its item number: the scope inside which item numbers run 1, 2, 3 …"""
        return f"{parts.fonds}|{parts.year}|{parts.retention}|{parts.org}"

    def format(self, parts: ArchivalCodeParts, item: int) -> str:
        return self.template.format(
            fonds=parts.fonds, year=parts.year, retention=parts.retention, org=parts.org, item=item
        )
