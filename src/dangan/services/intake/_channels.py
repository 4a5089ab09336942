"""Cases arriving one at a time: pushed by a business system, or uploaded by a person in the web UI.

Both end where bulk import ends: the received files and a case.json are put together in a private
staging folder and handed to `import_one`, so the checks, the 档号 and the idempotency on
`(source_system, source_id)` are the same whichever way a case came in.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from dangan.access import DEPARTMENT_SCOPED, Principal, Role
from dangan.collect import decode_case_json, parse_case
from dangan.core import Conflict, PermissionDenied, Problem, ValidationFailed, new_id
from dangan.domain import SecurityLevel, org_code
from dangan.services.accounts import ApiKeyInfo
from dangan.services.archive import Archive
from dangan.store.catalog import Department, Matter

from ._ingest import IngestOutcome
from ._ingest_pool import ingest_folder
from ._receive import ReceivedUpload

WEB_SOURCE_SYSTEM = "web-upload"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
UPLOAD_ROLES = frozenset({Role.ARCHIVIST, Role.CLERK, Role.DEPT_HEAD})


def _problem(code: str, message: str, where: str | None = None) -> ValidationFailed:
    return ValidationFailed(message, problems=[Problem(code, message, where)])


def _decode_case(text: str | None) -> dict[str, Any]:
    if text is None:
        raise _problem("missing_part", "缺少 case 部分（案卷元数据 case.json 的内容）", "case")
    return decode_case_json(text, "case")


def check_scope(key: ApiKeyInfo, doc: dict[str, Any]) -> None:
    """Refuse (403) a case this key may not push; fields that are absent or malformed are left to
    validation (422), so the client learns everything wrong with the package in one answer."""
    system, dept, matter = doc.get("source_system"), doc.get("department"), doc.get("matter")
    if isinstance(system, str) and system.strip() != key.system:
        raise PermissionDenied(
            f"该 API Key 属于来源系统“{key.system}”，不能以“{system}”的名义推送案卷",
            code="system_out_of_scope",
        )
    if isinstance(dept, str) and dept.strip() != key.department:
        raise PermissionDenied(
            f"该 API Key 只能推送“{key.department}”的案卷，不能推送“{dept}”的", code="department_out_of_scope"
        )
    if isinstance(matter, dict):
        name, code = matter.get("name"), matter.get("code")
        name = name.strip() if isinstance(name, str) else None
        code = code.strip() if isinstance(code, str) else None
        if name and not key.allows_matter(name, code):
            raise PermissionDenied(f"该 API Key 未获准推送审批事项“{name}”的案卷", code="matter_out_of_scope")


def early_scope_check(key: ApiKeyInfo) -> Callable[[str, str], None]:
    """An `on_field` hook for the receiver: refuse out-of-scope cases before their files arrive."""

    def hook(name: str, value: str) -> None:
        if name != "case":
            return
        try:
            doc = decode_case_json(value, "case")
        except ValidationFailed:
            return  # reported with every other problem once the body is in
        check_scope(key, doc)

    return hook


def _unlisted(doc: dict[str, Any], upload: ReceivedUpload) -> list[Problem]:
    entries = doc.get("files")
    listed = {e.get("path") for e in entries if isinstance(e, dict)} if isinstance(entries, list) else set()
    return [
        Problem("unlisted_file", f"上传了 case.json 未列出的文件“{path}”", "files")
        for path in upload.files
        if path not in listed
    ]


def validation_problems(doc: dict[str, Any]) -> list[Problem]:
    try:
        parse_case(doc)
    except ValidationFailed as exc:
        return exc.problems or [Problem(exc.code, exc.message)]
    return []


def _ingest(archive: Archive, doc: dict[str, Any], upload: ReceivedUpload, actor: str) -> IngestOutcome:
    """Put case.json beside the received files and ingest the folder like any other package."""
    problems = _unlisted(doc, upload) + validation_problems(doc)
    if problems:
        raise ValidationFailed("案卷包校验未通过", problems=problems)
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    (upload.package / "case.json").write_text(text, encoding="utf-8")
    outcome = ingest_folder(archive, upload.package, actor)
    if outcome.status != "rejected":
        return outcome
    if any(p.code == "changed_package" for p in outcome.problems):
        raise Conflict(outcome.problems[0].message, code="changed_package", problems=outcome.problems)
    raise ValidationFailed("案卷包校验未通过", problems=outcome.problems)


def push_case(archive: Archive, key: ApiKeyInfo, upload: ReceivedUpload) -> IngestOutcome:
    """A case pushed by a business system: accepted or duplicate, else an error with every problem."""
    doc = _decode_case(upload.field("case"))
    check_scope(key, doc)
    return _ingest(archive, doc, upload, key.actor)


# --- the web upload form ----------------------------------------------------------------------------
TEXT_FIELDS = ("title", "doc_number", "result", "district", "industry", "accepted_at", "decided_at",
               "retention", "security_level")  # fmt: skip
APPLICANT_FIELDS = ("name", "type", "uscc", "legal_representative", "id_number", "phone", "address")


def may_upload(user: Principal) -> bool:
    return user.role in UPLOAD_ROLES


def require_uploader(user: Principal) -> None:
    if not may_upload(user):
        raise PermissionDenied("只有部门经办人、部门负责人和档案管理员可以上传案卷", code="upload_forbidden")


def new_upload_token() -> str:
    """The source_id of one form: a resubmitted form is a duplicate, not a second record."""
    return f"WEB-{new_id()}"


def _form_value(upload: ReceivedUpload, name: str) -> str | None:
    value = upload.field(name)
    return value.strip() if value and value.strip() else None


def _per_file(upload: ReceivedUpload, name: str) -> dict[str, str]:
    """A form field holding a JSON object of file path -> text (the page's script writes it); anything
    else reads as empty, so a hand-made post cannot break the case, only lose the extras."""
    raw = upload.field(name)
    try:
        value = json.loads(raw) if raw else {}
    except (json.JSONDecodeError, RecursionError):
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(k): v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}


def _roles(upload: ReceivedUpload) -> dict[str, str]:
    return _per_file(upload, "file_roles")


def _hashes(upload: ReceivedUpload) -> dict[str, str]:
    """SHA-256 of each file as the browser computed it before sending (checked by 1-3 at ingest)."""
    hashes = {k: v.lower() for k, v in _per_file(upload, "file_hashes").items()}
    return {k: v for k, v in hashes.items() if _SHA256.match(v)}


def form_key(department: str | None, number: str | None, token: str) -> tuple[str, str]:
    """(source_system, source_id) of a web form: with a 办件编号, the department's web channel and that
    number — so the same case uploaded from two fresh forms is stored once; without, the form's token."""
    if department and number:
        digest = hashlib.sha256(department.encode("utf-8")).hexdigest()[:6].upper()
        return f"{WEB_SOURCE_SYSTEM}:{org_code(department)}-{digest}", number
    return WEB_SOURCE_SYSTEM, token


def case_from_form(user: Principal, upload: ReceivedUpload) -> dict[str, Any]:
    """case.json from the upload form's fields: named like the case.json paths they fill."""
    token = _form_value(upload, "source_id") or ""
    if not token.startswith("WEB-") or len(token) > 64:
        token = new_upload_token()
    department = user.department if user.role in DEPARTMENT_SCOPED else _form_value(upload, "department")
    source_system, source_id = form_key(department, _form_value(upload, "application_number"), token)
    doc: dict[str, Any] = {
        "source_system": source_system,
        "source_id": source_id,
        "department": department,
        "matter": {"name": _form_value(upload, "matter.name"), "code": _form_value(upload, "matter.code")},
        "applicant": {k: _form_value(upload, f"applicant.{k}") for k in APPLICANT_FIELDS},
    }
    for name in TEXT_FIELDS:
        doc[name] = _form_value(upload, name)
    doc["open_to_public"] = _form_value(upload, "open_to_public") in ("on", "true", "1")
    roles, hashes = _roles(upload), _hashes(upload)
    doc["files"] = [{"path": p, "role": roles.get(p), "sha256": hashes.get(p)} for p in upload.files]
    extra = {"上传人": user.username}
    if number := _form_value(upload, "application_number"):
        extra["办件编号"] = number
    doc["extra"] = extra
    return _drop_empty(doc)


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


def upload_case(archive: Archive, user: Principal, upload: ReceivedUpload) -> IngestOutcome:
    """A case uploaded by a clerk (for their own department) or an archivist (for any department)."""
    require_uploader(user)
    doc = case_from_form(user, upload)
    problems: list[Problem] = []
    number = _form_value(upload, "application_number")
    if number and not _NUMBER.match(number):
        problems.append(Problem(
            "invalid_application_number", "办件编号只能含字母、数字和 . _ : - /，且不超过 128 个字符",
            "application_number",
        ))  # fmt: skip
        doc["source_id"] = new_upload_token()  # one problem, not a second one for the same field
    level = doc.get("security_level")
    try:
        too_secret = level is not None and SecurityLevel.parse(level).rank > user.clearance.rank
    except ValueError:
        too_secret = False  # reported by validation
    if too_secret:
        problems.append(
            Problem(
                "above_clearance", f"密级不能高于您的可阅密级（{user.clearance.label}）", "security_level"
            )
        )
    if problems:
        raise ValidationFailed("案卷信息有误", problems=problems + validation_problems(doc))
    return _ingest(archive, doc, upload, user.username)


def form_choices(archive: Archive, user: Principal) -> dict[str, list[Any]]:
    """What the upload form offers: known departments, and matters (the user's department's only)."""
    with archive.db.read() as s:
        departments = list(s.scalars(select(Department.name).order_by(Department.name)))
        query = select(Matter.name, Matter.code).join(Department, Department.id == Matter.department_id)
        if user.role in DEPARTMENT_SCOPED:
            query = query.where(Department.name == (user.department or ""))
        matters = sorted({(name, code or "") for name, code in s.execute(query)})
    levels = [lv.label for lv in SecurityLevel if lv.rank <= user.clearance.rank]
    return {"departments": departments, "matters": matters, "security_levels": levels}
