"""The archivist's confirmation of proposed fields, and what the confirmation page shows.

Where a confirmed value goes (a deliberate choice): the record as ingested is never rewritten. Its
catalogue fields are bound by the ingest entry of the ledger (verification reports any later edit as
tampering), the 档号 is derived from them, and certificates hash them; the archive has no amendment path.
So a confirmation adds a version of the record's *confirmed description* (`ConfirmedDescription`): the
whole description after the change, and per field what was proposed, what stood before and what was
set. Each version is a ledger event (`description_confirm`) written in the same transaction — in the
audit trail with who and when — and versions are never changed: corrections are kept, and are what
the classifier learns from. Input is checked whole before anything is written (USCC and ID numbers by
their check characters, ISO dates, amounts, known matters and departments); one bad value and nothing
changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dangan.access import Principal, mask_address, mask_id_number, mask_phone, mask_text, should_mask
from dangan.core import Problem, ValidationFailed, utcnow
from dangan.domain import (
    APPLICANT_TYPES,
    BusinessType,
    category_label,
    id_number_problem,
    industry_by_code,
    uscc_problem,
)
from dangan.graph import add_record_to_graph
from dangan.services.archive import Archive, log_access, record_event
from dangan.services.records import record_for
from dangan.store.catalog import ConfirmedDescription, Department, ExtractionProposal, Matter, Record

from ._proposals import compute_proposals, current_values
from ._results import require_digitizer

DATE_FIELDS = ("written_at", "decided_at", "accepted_at", "licence_valid_from", "licence_valid_until")
AMOUNT_FIELDS = ("registered_capital", "investment", "amount")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "address": mask_address}


def _labels() -> dict[str, str]:
    from dangan.digitize import FIELD_LABELS

    return dict(FIELD_LABELS)


def field_key(name: str) -> str | None:
    """A field named by its key (uscc) or its Chinese label (统一社会信用代码)."""
    labels = _labels()
    name = name.strip()
    if name in labels:
        return name
    return next((k for k, label in labels.items() if label == name), None)


def _check(s: Session, field: str, raw: Any) -> tuple[str | None, str | None]:
    """(normalised value, problem) of one field's input."""
    value = str(raw if raw is not None else "").strip()
    if not value:
        return None, "值不能为空"
    if len(value) > 500:
        return None, "值过长（最多 500 个字符）"
    if field == "uscc":
        value = value.upper()
        return (value, None) if (problem := uscc_problem(value)) is None else (None, problem)
    if field == "id_number":
        value = value.upper()
        return (value, None) if (problem := id_number_problem(value)) is None else (None, problem)
    if field in DATE_FIELDS:
        try:
            if not _ISO.match(value):
                raise ValueError(value)
            date.fromisoformat(value)
        except ValueError:
            return None, "日期应为 YYYY-MM-DD 格式的有效日期，例如 2024-03-15"
        return value, None
    if field in AMOUNT_FIELDS:
        try:
            amount = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None, "金额应为数字（单位：元）"
        if not amount.is_finite() or amount < 0:
            return None, "金额应为不小于 0 的数字（单位：元）"
        return format(amount.normalize(), "f"), None
    if field == "applicant_type" and value not in APPLICANT_TYPES:
        return None, "申请人类型应为：" + "、".join(APPLICANT_TYPES)
    if (
        field == "matter"
        and s.scalar(select(func.count()).select_from(Matter).where(Matter.name == value)) == 0
    ):
        return None, f"审批事项“{value}”不在本馆的事项目录中"
    if (
        field == "department"
        and s.scalar(select(func.count()).select_from(Department).where(Department.name == value)) == 0
    ):
        return None, f"办理部门“{value}”不在本馆的部门目录中"
    if field == "category":
        btype, _, section = value.partition("-")
        if (
            btype not in {b.code for b in BusinessType}
            or not section
            or (section != "Z" and industry_by_code(section) is None)
        ):
            return None, "分类应为“业务类型代码-行业门类”，例如 XK-H（行政许可/住宿和餐饮业）"
    if field == "industry" and industry_by_code(value) is None:
        return None, "所属行业应为 GB/T 4754 行业代码，例如 H6210"
    return value, None


def _latest(s: Session, record_id: str) -> ConfirmedDescription | None:
    return s.scalars(
        select(ConfirmedDescription)
        .where(ConfirmedDescription.record_id == record_id)
        .order_by(ConfirmedDescription.version.desc())
    ).first()


def _proposed(s: Session, record_id: str) -> dict[str, list[str]]:
    """Per field, the proposed values, most confident first."""
    rows = s.execute(
        select(ExtractionProposal.field, ExtractionProposal.value)
        .where(ExtractionProposal.record_id == record_id)
        .order_by(ExtractionProposal.confidence.desc(), ExtractionProposal.id)
    ).all()
    out: dict[str, list[str]] = {}
    for field, value in rows:
        if value not in out.setdefault(field, []):
            out[field].append(value)
    return out


def confirm(
    archive: Archive,
    user: Principal,
    record_id: str,
    values: Mapping[str, Any],
    note: str | None = None,
    *,
    accept: Iterable[str] = (),
) -> dict[str, Any]:
    """Confirm or correct fields of the record's description (see the module docstring).

    `values` sets fields (by key or Chinese label); `accept` takes the best proposal of the named fields
    ("all": of every proposed field) as it stands. Returns the confirmation page's data after the change."""
    record = record_for(archive, user, record_id)
    require_digitizer(user)
    problems: list[Problem] = []
    wanted: dict[str, Any] = {}
    for name, raw in values.items():
        key = field_key(name)
        if key is None:
            problems.append(Problem("unknown_field", f"未知字段：{name}", name))
        else:
            wanted[key] = raw
    with archive.db.write() as s:
        proposed = _proposed(s, record.id)
        accepted = set(proposed) if "all" in set(accept) else {field_key(a) or a for a in accept}
        for key in sorted(accepted):
            if key not in wanted:
                if key in proposed:
                    wanted[key] = proposed[key][0]
                else:
                    problems.append(
                        Problem("nothing_proposed", f"“{_labels().get(key, key)}”没有可接受的推荐值", key)
                    )
        clean: dict[str, str] = {}
        for key, raw in wanted.items():
            value, problem = _check(s, key, raw)
            if problem is not None:
                problems.append(Problem("invalid_value", f"{_labels().get(key, key)}：{problem}", key))
            elif value is not None:
                clean[key] = value
        if problems:
            raise ValidationFailed(
                "确认未保存，未做任何更改：" + "；".join(p.message for p in problems), problems=problems
            )
        if not clean:
            raise ValidationFailed("没有给出要确认的字段", code="nothing_to_confirm")
        latest = _latest(s, record.id)
        fields = dict(latest.fields) if latest else {}
        current = current_values(record)
        changes = []
        for k, v in sorted(clean.items()):
            offered = proposed.get(k, [])
            shown = v if v in offered else offered[0] if offered else None  # the one taken, else the best
            changes.append({"field": k, "proposed": shown, "before": fields.get(k, current.get(k)), "confirmed": v,
                            "accepted": v in offered, "corrected": bool(offered) and v not in offered})  # fmt: skip
        fields.update(clean)
        version = (latest.version if latest else 0) + 1
        s.add(ConfirmedDescription(record_id=record.id, version=version, fields=fields, changes=changes,
                                   note=(note or None) and note[:1000], actor=user.username, at=utcnow()))  # fmt: skip
        record_event(s, "description_confirm", user.username, record.id,
                     {"version": version, "changes": changes, **({"note": note} if note else {})})  # fmt: skip
        # the knowledge graph follows the confirmed description (confirmed values win), same transaction
        add_record_to_graph(s, record, fields)
    return proposals_for(archive, user, record.id, log=False)


def _mask(record: Record, field: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    masker = _MASKERS.get(field)
    return mask_text(masker(value) if masker else value, record)


def proposals_for(archive: Archive, user: Principal, record_id: str, *, log: bool = True) -> dict[str, Any]:
    """Per field: the proposals (value, confidence, page and box, note), the record's value as
    ingested and as last confirmed, with its Chinese label; personal data masked as for the record."""
    record = record_for(archive, user, record_id)
    masked = should_mask(user, record)
    labels = _labels()
    with archive.db.read() as s:
        rows = s.scalars(
            select(ExtractionProposal)
            .where(ExtractionProposal.record_id == record.id)
            .order_by(ExtractionProposal.field, ExtractionProposal.confidence.desc(), ExtractionProposal.id)
        ).all()
        history = s.scalars(
            select(ConfirmedDescription)
            .where(ConfirmedDescription.record_id == record.id)
            .order_by(ConfirmedDescription.version)
        ).all()
        history_json = [
            {"version": h.version, "actor": h.actor, "at": h.at.isoformat() if h.at else None, "note": h.note,
             "changes": [{**c, "label": labels.get(c["field"], c["field"]),
                          **({k: _mask(record, c["field"], c.get(k)) for k in ("proposed", "before", "confirmed")}
                             if masked else {})} for c in h.changes]}
            for h in history
        ]  # fmt: skip
        confirmed = dict(history[-1].fields) if history else {}
    current = current_values(record)
    by_field: dict[str, list[dict[str, Any]]] = {}
    for p in rows:
        by_field.setdefault(p.field, []).append({
            "value": _read_back(p.value, p.kind), "confidence": p.confidence, "source": p.source,
            "file": p.file_path, "position": p.file_position, "page": p.page,
            "box": p.box, "span": [p.span_start, p.span_end] if p.span_start is not None else None,
            "note": p.note,
        })  # fmt: skip
    order = list(labels)
    names = [f for f in order if f in by_field or current.get(f) or f in confirmed]
    fields = []
    for f in names:
        props = by_field.get(f, [])
        entry = {"field": f, "label": labels[f], "current": current.get(f), "confirmed": confirmed.get(f),
                 "proposals": props}  # fmt: skip
        if masked:
            entry["current"] = _mask(record, f, entry["current"])
            entry["confirmed"] = _mask(record, f, entry["confirmed"])
            entry["proposals"] = [{**p, "value": _mask(record, f, p["value"]),
                                   "note": _mask(record, f, p["note"])} for p in props]  # fmt: skip
        if f == "category":
            entry["value_labels"] = {p["value"]: category_label(str(p["value"])) for p in props}
        fields.append(entry)
    if log:
        log_access(archive, user.username, "view", record.id, {"via": "extraction"})
    return {"record_id": record.id, "archival_code": record.archival_code, "masked": masked,
            "version": history[-1].version if history else 0, "fields": fields, "history": history_json}  # fmt: skip


def _read_back(value: str, kind: str) -> Any:
    try:
        return int(value) if kind == "int" else float(value) if kind == "float" else value
    except ValueError:
        return value


def confirmed_description(archive: Archive, user: Principal, record_id: str) -> dict[str, Any]:
    """The record's latest confirmed description (empty before any confirmation), masked as the record."""
    doc = proposals_for(archive, user, record_id)
    return {"record_id": doc["record_id"], "version": doc["version"],
            "fields": {f["field"]: f["confirmed"] for f in doc["fields"] if f["confirmed"] is not None},
            "history": doc["history"]}  # fmt: skip


def propose_record(
    archive: Archive, user: Principal, record_id: str, *, born_digital: bool | None = None
) -> dict[str, Any]:
    """Propose the record's fields again now (from its OCR'd pages, or its PDFs' text layer) and show
    them: an archivist's on-demand run, e.g. for a born-digital record or after new names were added."""
    record = record_for(archive, user, record_id)
    require_digitizer(user)
    compute_proposals(archive, record.id, born_digital=born_digital)
    return proposals_for(archive, user, record.id)
