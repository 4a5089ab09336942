"""`/account`: one's own password and TOTP second factor (enrol with a QR code, confirm, switch off)."""

from __future__ import annotations

from typing import Annotated, Any

import segno
from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from dangan.access import Principal
from dangan.core import DanganError
from dangan.services.accounts import (
    change_own_password,
    confirm_totp,
    disable_own_totp,
    pending_enrolment,
    session_stamp,
    start_totp,
    totp_status,
)
from dangan.services.archive import Archive

from ..deps import ArchiveDep, CurrentUser, start_session
from ..render import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, archive: Archive, user: Principal, status_code: int | None = None, **extra: Any
) -> Response:
    status = totp_status(archive, user.username)
    enrolment = pending_enrolment(archive, user.username) if status.pending else None
    context = {
        "status": status,
        "enrolment": enrolment,
        "qr": segno.make(enrolment.uri, error="m").svg_data_uri(scale=5) if enrolment else None,
        "recovery_codes": None,
        **extra,
    }
    return render(request, "account.html", context, status_code=status_code)


def _renew(request: Request, archive: Archive, user: Principal) -> None:
    """Keep this session after a change that voids the account's sessions (the others stay void)."""
    start_session(request, user.username, session_stamp(archive, user.username))


@router.get("/account")
def account_page(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    return _page(request, archive, user)


@router.post("/account/password")
def account_password(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=256)] = "",
    repeat: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    if not current or not new:
        return _page(request, archive, user, error="请填写当前密码和新密码", status_code=400)
    if new != repeat:
        return _page(request, archive, user, error="两次输入的新密码不一致", status_code=400)
    try:
        change_own_password(archive, user.username, current, new)
    except DanganError as exc:
        return _page(request, archive, user, error=exc)
    _renew(request, archive, user)
    return _page(request, archive, user, notice="密码已修改，其他设备上的登录已全部失效。")


@router.post("/account/totp/start")
def account_totp_start(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    try:
        start_totp(archive, user.username)
    except DanganError as exc:
        return _page(request, archive, user, error=exc)
    return _page(request, archive, user)


@router.post("/account/totp/confirm")
def account_totp_confirm(
    request: Request, archive: ArchiveDep, user: CurrentUser, code: Annotated[str, Form(max_length=16)] = ""
) -> Response:
    try:
        codes = confirm_totp(archive, user.username, code)
    except DanganError as exc:
        return _page(request, archive, user, error=exc)
    _renew(request, archive, user)
    notice = "动态口令已启用：此后登录须在密码之后输入动态口令。其他设备上的登录已全部失效。"
    return _page(request, archive, user, notice=notice, recovery_codes=codes)


@router.post("/account/totp/disable")
def account_totp_disable(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    password: Annotated[str, Form(max_length=256)] = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    try:
        disable_own_totp(archive, user.username, password, code)
    except DanganError as exc:
        return _page(request, archive, user, error=exc)
    _renew(request, archive, user)
    return _page(request, archive, user, notice="动态口令已停用。")
