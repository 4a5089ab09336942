"""`/sharing` (共享目录): the archive department keeps the sharing catalogue — the rules by category,
add / edit / retire (each a new version), and a rule's history. Departments' staff may read it, so they
know what they may use and what they must ask for. The rules and who may change them are the service's
(`services.share`), so this page and `dangan share rule` cannot disagree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError
from dangan.services.archive import Archive
from dangan.services.share import (
    SHARING_KINDS,
    RuleForm,
    catalogue_revision,
    list_rules,
    may_edit_catalogue,
    retire_rule,
    rule_history,
    rule_json,
    set_rule,
    version_json,
)

from ...deps import ArchiveDep, CurrentUser
from ...paging import make_pager, to_int
from ...render import render

router = APIRouter(include_in_schema=False)
PER_PAGE = 30
Name = Annotated[str, Form(max_length=200)]
LEVELS = ("公开", "内部", "秘密", "机密")


def _page(
    request: Request, archive: Archive, user: Principal, *, page: int = 1, retired: bool = False,
    values: dict[str, Any] | None = None, **extra: Any,
) -> Response:  # fmt: skip
    rows, total = list_rules(
        archive, user, include_retired=retired, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    pages = max(1, -(-total // PER_PAGE))
    pager = make_pager("/sharing", {"retired": "1" if retired else None}, min(page, pages), pages)
    context = {
        "rules": [rule_json(r) for r in rows], "total": total, "pager": pager, "retired": retired,
        "revision": catalogue_revision(archive), "editable": may_edit_catalogue(user), "kinds": SHARING_KINDS,
        "levels": LEVELS, "values": values or {"kind": SHARING_KINDS[0]}, **extra,
    }  # fmt: skip
    return render(request, "sharing.html", context)


@router.get("/sharing")
def sharing_page(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    page: Annotated[str | None, Query(max_length=10)] = None,
    retired: Annotated[str, Query(max_length=2)] = "",
    edit: Annotated[str, Query(max_length=26)] = "",
) -> Response:
    values = None
    if edit and may_edit_catalogue(user):
        try:
            rule, _ = rule_history(archive, user, edit)
        except DanganError as exc:
            return _page(request, archive, user, error=exc)
        values = rule_json(rule)
        values["departments_text"] = "\n".join(values["departments"])
    return _page(request, archive, user, page=to_int(page, 1) or 1, retired=retired == "1", values=values)


@router.post("/sharing")
def sharing_save(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    department: Name = "",
    matter: Name = "",
    security_level: Annotated[str, Form(max_length=8)] = "",
    kind: Annotated[str, Form(max_length=8)] = "",
    departments: Annotated[str, Form(max_length=20_000)] = "",
    to_all: Annotated[str, Form(max_length=2)] = "",
    download: Annotated[str, Form(max_length=2)] = "",
    conditions: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    names = tuple(
        n.strip() for n in departments.replace("，", "\n").replace(",", "\n").splitlines() if n.strip()
    )
    form = RuleForm(
        department, kind, reason, matter, security_level, names, to_all == "1", download == "1", conditions
    )
    values = {"department": department, "matter": matter, "security_level": security_level, "kind": kind,
              "departments_text": "\n".join(names), "to_all": to_all == "1", "download": download == "1",
              "conditions": conditions, "reason": reason}  # fmt: skip
    try:
        rule = set_rule(archive, user, form)
    except DanganError as exc:
        return _page(request, archive, user, values=values, error=exc)
    return RedirectResponse(f"/sharing/{rule.id}?saved=1", status_code=303)


@router.post("/sharing/{rule_id}/retire")
def sharing_retire(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    rule_id: str,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        retire_rule(archive, user, rule_id[:26], reason)
    except DanganError as exc:
        return _history(request, archive, user, rule_id[:26], error=exc)
    return RedirectResponse(f"/sharing/{rule_id[:26]}?retired=1", status_code=303)


def _history(request: Request, archive: Archive, user: Principal, rule_id: str, **extra: Any) -> Response:
    rule, versions = rule_history(archive, user, rule_id)
    context = {"rule": rule_json(rule), "versions": [version_json(v) for v in versions],
               "editable": may_edit_catalogue(user), **extra}  # fmt: skip
    return render(request, "sharing_history.html", context)


@router.get("/sharing/{rule_id}")
def sharing_history(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    rule_id: str,
    saved: Annotated[str, Query(max_length=2)] = "",
    retired: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    notice = (
        "已保存，生成新版本；各部门下一次访问即按新规则"
        if saved
        else "已停用，生成新版本"
        if retired
        else None
    )
    return _history(request, archive, user, rule_id[:26], notice=notice)
