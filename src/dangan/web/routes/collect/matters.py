"""`/admin/matters`: the 档案管理员 edits the required materials of each approval matter (四性检测 2-3)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.core import DanganError
from dangan.services.quality import list_matter_rules, matter_rule_view, set_matter_rule

from ...deps import ArchiveDep, CurrentUser
from ...render import render

router = APIRouter(include_in_schema=False)


@router.get("/admin/matters")
def matters_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, edit: str = "", saved: str = ""
) -> Response:
    rules = list_matter_rules(archive, user)
    editing = matter_rule_view(archive, user, edit) if edit.strip() else None
    context = {"rules": rules, "editing": editing, "saved": saved, "error": None, "text": None}
    return render(request, "matters.html", context)


@router.post("/admin/matters")
def matters_save(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    matter: Annotated[str, Form(max_length=200)] = "",
    required: Annotated[str, Form(max_length=20_000)] = "",
) -> Response:
    try:
        set_matter_rule(archive, user, matter, required.splitlines())
    except DanganError as exc:
        rules = list_matter_rules(archive, user)  # a clerk's PermissionDenied surfaces here as 403
        editing = matter_rule_view(archive, user, matter)
        context = {"rules": rules, "editing": editing, "saved": "", "error": exc, "text": required}
        return render(request, "matters.html", context)
    return RedirectResponse(f"/admin/matters?saved={quote(matter.strip(), safe='')}", status_code=303)
