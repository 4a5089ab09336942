"""A node's label, flags and history as the records asserting it say, oldest first.

One rule for the stored graph and for a viewer's view of it: the label of an enterprise, person,
address or licence is what the latest asserting record (by decision date, then record id) calls it, its
flags are the union of what its records flag plus a name conflict — so the stored node does not depend on
the order records arrived in, and a viewer's label comes only from records he may read.

Change events come from 变更 records: on its decision date such a record's value (name, representative,
address) replaces the one the records before it asserted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

FLAG_MESSAGES = {
    "invalid_uscc": "统一社会信用代码无效（校验不通过），按办理部门内的名称归并，请档案管理员核实",
    "missing_uscc": "未提供统一社会信用代码，按办理部门内的名称归并",
    "uscc_name_conflict": "同一统一社会信用代码下出现不同名称且无变更登记，可能有代码填写错误，请档案管理员核实",
    "invalid_id_number": "身份证件号码无效（校验不通过），按姓名与所在企业匹配",
}


@dataclass(frozen=True)
class Assertion:
    """One edge as history reads it: who says what about the target, and when."""

    record_id: str
    asserted_on: date | None
    attributes: dict[str, Any]
    other: int = 0  # the node at the other end (the person, the address, the enterprise)

    @property
    def order(self) -> tuple[str, str]:
        return (self.asserted_on.isoformat() if self.asserted_on else "", self.record_id)


@dataclass
class Period:
    """A value held over time: first and last dates asserted, by which records, since which change."""

    value: Any
    label: str
    first: date | None = None
    last: date | None = None
    records: list[str] = field(default_factory=list)
    changed_on: date | None = None


def settle(kind: str, assertions: Iterable[Assertion]) -> tuple[str | None, list[str]]:
    """(label, flags) of a node from the labelled edges that reach it; label None when none does."""
    ordered = sorted(assertions, key=lambda a: a.order)
    labelled = [a for a in ordered if a.attributes.get("label")]
    if not labelled:
        return None, []
    flags = {f for a in labelled for f in a.attributes.get("flags", [])}
    if kind == "enterprise" and name_conflict(labelled):
        flags.add("uscc_name_conflict")
    return str(labelled[-1].attributes["label"]), sorted(flags)


def name_conflict(assertions: list[Assertion]) -> bool:
    """True when a name appears that no 变更 record introduced (assertions oldest first)."""
    current: str | None = None
    for a in assertions:
        name = a.attributes.get("label")
        if current is not None and name != current and not a.attributes.get("change"):
            return True
        current = name
    return False


def periods(assertions: Iterable[Assertion], key: str = "other") -> list[Period]:
    """Successive values (by `key`: the other node, or an attribute), each with its dates and records.

    A value asserted again after another one opens a new period, so A → B → A reads as three."""
    out: list[Period] = []
    for a in sorted(assertions, key=lambda a: a.order):
        value = a.other if key == "other" else a.attributes.get(key)
        label = str(a.attributes.get("label", ""))
        if not out or out[-1].value != value:
            out.append(Period(value, label, a.asserted_on, a.asserted_on, [a.record_id],
                              a.asserted_on if a.attributes.get("change") and out else None))  # fmt: skip
        else:
            last = out[-1]
            last.last = a.asserted_on or last.last
            last.label = label or last.label
            if a.record_id not in last.records:
                last.records.append(a.record_id)
    return out


def change_events(field_name: str, history: list[Period]) -> list[dict[str, Any]]:
    """The changes a 变更 record made: the value before, the value after, the date and the record."""
    return [
        {
            "on": now.changed_on.isoformat(),
            "field": field_name,
            "from": before.label,
            "to": now.label,
            "record_id": now.records[0],
        }
        for before, now in pairwise(history)
        if now.changed_on is not None
    ]
