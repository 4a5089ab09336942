"""Validation of `case.json` against case package v1, with per-field Chinese messages and stable codes.

Every problem is collected before failing, so a clerk fixes a package in one round, not ten.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from dangan.core import ProblemList, ValidationFailed
from dangan.domain import (
    Applicant,
    CaseFile,
    CaseMetadata,
    Retention,
    SecurityLevel,
    district_by_code,
    id_number_problem,
    industry_by_code,
    uscc_problem,
)

from .safepath import normal_path, path_problem

TOP_LEVEL = {
    "source_system", "source_id", "department", "matter", "title", "doc_number", "applicant",
    "district", "industry", "accepted_at", "decided_at", "result", "retention", "security_level",
    "open_to_public", "files", "extra",
}  # fmt: skip
APPLICANT_FIELDS = {"name", "type", "uscc", "legal_representative", "id_number", "phone", "address"}
FILE_FIELDS = {"path", "role", "sha256"}
FIELD_LABELS = {
    "source_system": "来源系统",
    "source_id": "来源编号",
    "department": "形成部门",
    "matter.name": "审批事项名称",
    "title": "题名",
    "applicant.name": "申请人名称",
    "accepted_at": "受理日期",
    "decided_at": "办结日期",
    "result": "办理结果",
    "files": "文件列表",
}
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_KEY_TEXT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$")
_MAX_TEXT = 2000


def _text(
    doc: dict[str, Any], key: str, problems: ProblemList, prefix: str = "", *, required: bool
) -> str | None:
    name = f"{prefix}{key}"
    value = doc.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.add("missing_field", f"缺少必填字段“{FIELD_LABELS.get(name, name)}”（{name}）", name)
        return None
    if not isinstance(value, str):
        problems.add("invalid_type", f"字段 {name} 应为文本", name)
        return None
    if len(value) > _MAX_TEXT:
        problems.add("too_long", f"字段 {name} 过长（最多 {_MAX_TEXT} 个字符）", name)
        return None
    if "\x00" in value and key != "path":  # a path's characters are judged by path_problem
        # No database text column can hold NUL (PostgreSQL refuses it outright); other control
        # characters are the 1-2 check's to report, so the package can be fixed in quarantine.
        problems.add("invalid_characters", f"字段 {name} 含有空字符（NUL，\\u0000），无法保存", name)
        return None
    return value.strip()


def _date(doc: dict[str, Any], key: str, problems: ProblemList) -> date | None:
    raw = _text(doc, key, problems, required=True)
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        problems.add(
            "invalid_date", f"{FIELD_LABELS.get(key, key)}（{key}）不是有效日期：{raw}，应为 YYYY-MM-DD", key
        )
        return None


def _applicant(doc: dict[str, Any], problems: ProblemList) -> Applicant | None:
    raw = doc.get("applicant")
    if not isinstance(raw, dict):
        code = "missing_field" if raw is None else "invalid_type"
        problems.add(code, "缺少申请人信息（applicant），应为对象并包含 name", "applicant")
        return None
    name = _text(raw, "name", problems, "applicant.", required=True)
    values = {k: _text(raw, k, problems, "applicant.", required=False) for k in APPLICANT_FIELDS - {"name"}}
    if values["uscc"] and (reason := uscc_problem(values["uscc"])):
        problems.add("invalid_uscc", reason, "applicant.uscc")
    if values["id_number"] and (reason := id_number_problem(values["id_number"])):
        problems.add("invalid_id_number", reason, "applicant.id_number")
    if name is None:
        return None
    extra = {k: v for k, v in raw.items() if k not in APPLICANT_FIELDS}
    return Applicant(name=name, extra=extra, **values)


def _files(doc: dict[str, Any], problems: ProblemList) -> tuple[CaseFile, ...]:
    raw = doc.get("files")
    if not isinstance(raw, list) or not raw:
        code = "missing_field" if raw in (None, []) else "invalid_type"
        problems.add(code, "文件列表（files）不能为空，每项须有 path", "files")
        return ()
    files: list[CaseFile] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        where = f"files[{i}]"
        if not isinstance(entry, dict):
            problems.add("invalid_type", f"{where} 应为对象", where)
            continue
        path = _text(entry, "path", problems, f"{where}.", required=True)
        role = _text(entry, "role", problems, f"{where}.", required=False)
        sha = entry.get("sha256")
        if sha is not None and (not isinstance(sha, str) or not _SHA256.match(sha)):
            problems.add("invalid_hash", f"{where}.sha256 不是64位十六进制 SHA-256 值", f"{where}.sha256")
            sha = None
        if path is None:
            continue
        if reason := path_problem(path):
            problems.add("unsafe_path", f"文件路径“{path}”不安全：{reason}", f"{where}.path")
            continue
        path = normal_path(path)
        if path.casefold() in seen:
            problems.add("duplicate_path", f"文件路径“{path}”重复出现", f"{where}.path")
            continue
        seen.add(path.casefold())
        extra = {k: v for k, v in entry.items() if k not in FILE_FIELDS}
        files.append(CaseFile(path=path, role=role, sha256=sha.lower() if sha else None, extra=extra))
    return tuple(files)


def _level(doc: dict[str, Any], problems: ProblemList) -> tuple[Retention, SecurityLevel, bool]:
    retention, level = Retention.Y30, SecurityLevel.INTERNAL
    if doc.get("retention") is not None:
        try:
            retention = Retention.parse(doc["retention"])
        except ValueError:
            problems.add("invalid_retention", "保管期限（retention）应为 永久、30年 或 10年", "retention")
    if doc.get("security_level") is not None:
        try:
            level = SecurityLevel.parse(doc["security_level"])
        except ValueError:
            problems.add(
                "invalid_security_level",
                "密级（security_level）应为 公开、内部、秘密 或 机密",
                "security_level",
            )
    open_ = doc.get("open_to_public", False)
    if not isinstance(open_, bool):
        problems.add("invalid_type", "是否向社会开放（open_to_public）应为 true 或 false", "open_to_public")
        open_ = False
    if open_ and level is not SecurityLevel.PUBLIC:
        problems.add("open_not_public", "只有密级为“公开”的档案才能向社会开放", "open_to_public")
    return retention, level, open_


def parse_case(doc: Any) -> CaseMetadata:
    """Validate a decoded case.json; raise `ValidationFailed` listing every problem found."""
    problems = ProblemList()
    if not isinstance(doc, dict):
        raise ValidationFailed("case.json 的顶层应为 JSON 对象", code="invalid_case_json")
    source_system = _text(doc, "source_system", problems, required=True)
    source_id = _text(doc, "source_id", problems, required=True)
    for key, value in (("source_system", source_system), ("source_id", source_id)):
        if value and not _KEY_TEXT.match(value):
            problems.add(
                "invalid_key",
                f"{FIELD_LABELS[key]}（{key}）只能含字母、数字和 . _ : - /，且不超过128个字符",
                key,
            )
    department = _text(doc, "department", problems, required=True)
    matter = doc.get("matter")
    matter_name = matter_code = None
    if isinstance(matter, dict):
        matter_name = _text(matter, "name", problems, "matter.", required=True)
        matter_code = _text(matter, "code", problems, "matter.", required=False)
    else:
        problems.add(
            "missing_field" if matter is None else "invalid_type",
            "缺少审批事项（matter.name）",
            "matter.name",
        )
    title = _text(doc, "title", problems, required=True)
    doc_number = _text(doc, "doc_number", problems, required=False)
    applicant = _applicant(doc, problems)
    district = _text(doc, "district", problems, required=False)
    if district and district_by_code(district) is None:
        problems.add("unknown_district", f"行政区划代码 {district} 不在 GB/T 2260 中", "district")
    industry = _text(doc, "industry", problems, required=False)
    if industry and industry_by_code(industry) is None:
        problems.add("unknown_industry", f"行业代码 {industry} 不在 GB/T 4754-2017 中", "industry")
    accepted_at = _date(doc, "accepted_at", problems)
    decided_at = _date(doc, "decided_at", problems)
    if accepted_at and decided_at and decided_at < accepted_at:
        problems.add("date_order", "办结日期（decided_at）早于受理日期（accepted_at）", "decided_at")
    result = _text(doc, "result", problems, required=True)
    retention, level, open_ = _level(doc, problems)
    files = _files(doc, problems)
    extra_in = doc.get("extra", {})
    if not isinstance(extra_in, dict):
        problems.add("invalid_type", "扩展信息（extra）应为对象", "extra")
        extra_in = {}
    extra = dict(extra_in)
    extra.update({k: v for k, v in doc.items() if k not in TOP_LEVEL})
    if problems:
        raise ValidationFailed("case.json 校验未通过", problems=problems.items)
    assert source_system and source_id and department and matter_name and title and applicant
    assert accepted_at and decided_at and result
    return CaseMetadata(
        source_system=source_system, source_id=source_id, department=department,
        matter_name=matter_name, matter_code=matter_code, title=title, doc_number=doc_number,
        applicant=applicant, district=district, industry=industry, accepted_at=accepted_at,
        decided_at=decided_at, result=result, retention=retention, security_level=level,
        open_to_public=open_, files=files, extra=extra,
    )  # fmt: skip
