"""What extraction hands out: proposals the record page shows beside each catalogue field."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.digitize.tables import TextLine

# Keys as the catalogue names them where it has a name (store.catalog Record, case.json applicant).
FIELD_LABELS = {
    "doc_number": "文号",
    "written_at": "成文日期",
    "decided_at": "办结日期",
    "accepted_at": "申请日期",
    "applicant": "申请人",
    "applicant_type": "申请人类型",
    "uscc": "统一社会信用代码",
    "legal_representative": "法定代表人",
    "id_number": "身份证件号码",
    "phone": "联系电话",
    "address": "住所",
    "licence_number": "许可证编号",
    "licence_valid_from": "有效期起",
    "licence_valid_until": "有效期至",
    "registered_capital": "注册资本（元）",
    "investment": "投资额（元）",
    "amount": "金额（元）",
    "matter": "审批事项",
    "result": "审批结果",
    "department": "办理部门",
    "industry": "所属行业",
    "category": "分类",
}
ORDER = {name: i for i, name in enumerate(FIELD_LABELS)}

Value = str | int | float


# An OCR line (text, box, confidence): the page text handed to `propose` is these lines' texts joined by
# "\n". One protocol for every consumer of OCR lines in digitize (tables read the same lines).
LineLike = TextLine


@dataclass(frozen=True)
class MatterRef:
    """A matter the archive knows (from its catalogue), with the short names staff write for it."""

    name: str
    department: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    field: str
    value: Value
    confidence: float
    start: int  # character offsets of the value in the text given to `propose`
    end: int
    box: tuple[int, int, int, int] | None = None  # union of the OCR line boxes the value came from
    note: str | None = None  # for the archivist, in Chinese: why the value is doubtful or was corrected

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field, "label": FIELD_LABELS.get(self.field, self.field), "value": self.value,
            "confidence": self.confidence, "start": self.start, "end": self.end,
            "box": list(self.box) if self.box else None, "note": self.note,
        }  # fmt: skip


def best(proposals: Sequence[Proposal]) -> dict[str, Proposal]:
    """The most confident proposal of each field."""
    top: dict[str, Proposal] = {}
    for p in proposals:
        if p.field not in top or p.confidence > top[p.field].confidence:
            top[p.field] = p
    return top
