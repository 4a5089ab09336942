"""case.json of a quarantined package as a form: the fields a clerk fixes, by their Chinese names.

Raw JSON is no way to ask a department's clerk to correct a date. The form shows the catalogue fields of
case package v1; saving merges them into the package's case.json and keeps every other field (files,
`extra`, unknown fields) as it was. The re-check then validates the result like any import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dangan.access import Principal
from dangan.collect import decode_case_json
from dangan.core import DanganError
from dangan.domain import APPLICANT_TYPES, RETENTION_LABELS, SECURITY_LABELS
from dangan.services.archive import Archive

from ._quarantine_fix import MAX_CASE_JSON, edit_quarantined_case, quarantined_case_text


@dataclass(frozen=True)
class CaseField:
    key: str  # dotted path in case.json: 'applicant.id_number'
    label: str
    kind: str = "text"  # text, date, choice, flag
    required: bool = False
    choices: tuple[str, ...] = ()
    value: Any = None


CASE_FIELDS = (
    CaseField("title", "题名", required=True),
    CaseField("doc_number", "文号"),
    CaseField("matter.name", "审批事项", required=True),
    CaseField("matter.code", "事项编码"),
    CaseField("applicant.name", "申请人", required=True),
    CaseField(
        "applicant.type",
        "申请人类型",
        "choice",
        choices=APPLICANT_TYPES,
    ),
    CaseField("applicant.uscc", "统一社会信用代码"),
    CaseField("applicant.legal_representative", "法定代表人（负责人）"),
    CaseField("applicant.id_number", "身份证件号码"),
    CaseField("applicant.phone", "联系电话"),
    CaseField("applicant.address", "住所（地址）"),
    CaseField("district", "行政区划代码（GB/T 2260）"),
    CaseField("industry", "行业代码（GB/T 4754）"),
    CaseField("accepted_at", "受理日期", "date", required=True),
    CaseField("decided_at", "办结日期", "date", required=True),
    CaseField("result", "办理结果", required=True),
    CaseField("retention", "保管期限", "choice", choices=tuple(RETENTION_LABELS)),
    CaseField("security_level", "密级", "choice", choices=tuple(SECURITY_LABELS)),
    CaseField("open_to_public", "向社会开放", "flag"),
)


def _get(doc: dict[str, Any], key: str) -> Any:
    value: Any = doc
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node = doc
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value


def case_fields(archive: Archive, user: Principal, qid: str) -> tuple[list[CaseField], str | None]:
    """The form's fields with the package's values, and the department (shown, not edited); no fields
    when case.json cannot be read (the raw editor is then the way to repair it)."""
    text = quarantined_case_text(archive, user, qid)
    try:
        doc = decode_case_json(text)
    except DanganError:  # not a JSON object: the raw editor is the way to repair it
        return [], None
    fields = [CaseField(f.key, f.label, f.kind, f.required, f.choices, _get(doc, f.key)) for f in CASE_FIELDS]
    return fields, str(doc.get("department") or "") or None


def save_case_fields(archive: Archive, user: Principal, qid: str, values: dict[str, str]) -> None:
    """Merge the submitted fields into case.json (blank optional fields are removed, a blank required
    one is kept blank so the re-check names it) and save it like the raw editor does."""
    doc = decode_case_json(quarantined_case_text(archive, user, qid))
    for f in CASE_FIELDS:
        raw = values.get(f.key)
        if f.kind == "flag":
            _set(doc, f.key, raw in ("1", "on", "true"))
            continue
        if raw is None:
            continue
        text = raw.strip()
        _set(doc, f.key, text if text or f.required else None)
    edit_quarantined_case(archive, user, qid, json.dumps(doc, ensure_ascii=False)[:MAX_CASE_JSON])
