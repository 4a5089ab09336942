"""`/admin/apikeys`: the 系统管理员 creates, lists and revokes the API keys of business systems."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.access import Principal
from dangan.core import DanganError
from dangan.services.accounts import create_api_key, list_api_keys, revoke_api_key
from dangan.services.archive import Archive
from dangan.services.intake import form_choices

from ...deps import ApiKeyAdmin, ArchiveDep
from ...render import render

router = APIRouter(include_in_schema=False)
_SPLIT = re.compile(r"[,，、;；\n]+")


def _page(
    request: Request, archive: Archive, user: Principal, status_code: int | None = None, **extra: Any
) -> Response:
    context = {
        "keys": list_api_keys(archive),
        "departments": form_choices(archive, user)["departments"],
        "values": {},
        "created": None,
        "new_key": None,
        **extra,
    }
    return render(request, "apikeys.html", context, status_code=status_code)


@router.get("/admin/apikeys")
def apikeys_page(request: Request, archive: ArchiveDep, user: ApiKeyAdmin) -> Response:
    return _page(request, archive, user)


@router.post("/admin/apikeys")
def apikeys_create(
    request: Request,
    archive: ArchiveDep,
    user: ApiKeyAdmin,
    system: Annotated[str, Form(max_length=128)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    matters: Annotated[str, Form(max_length=10_000)] = "",
    label: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {"system": system, "department": department, "matters": matters, "label": label}
    chosen = [m for m in _SPLIT.split(matters) if m.strip()]
    try:
        info, key = create_api_key(archive, system, department, chosen, label=label, actor=user.username)
    except DanganError as exc:
        return _page(request, archive, user, values=values, error=exc)
    return _page(request, archive, user, created=info, new_key=key, status_code=201)


@router.post("/admin/apikeys/{key_id}/revoke")
def apikeys_revoke(request: Request, archive: ArchiveDep, user: ApiKeyAdmin, key_id: str) -> Response:
    revoke_api_key(archive, key_id, actor=user.username)
    return RedirectResponse("/admin/apikeys", status_code=303)
