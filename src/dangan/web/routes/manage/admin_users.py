"""`/admin/users` (pages) and `/api/v1/users` (JSON): account administration by the 安全保密管理员.

Who may do what is decided in services (`may_manage_users`, the self-change and 三员 rules); these
routes only translate forms and JSON into those calls, so page, API and CLI cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from dangan.access import THREE_ADMINS, Principal, Role
from dangan.core import DanganError
from dangan.domain import SecurityLevel
from dangan.services.accounts import (
    create_user,
    get_user,
    list_users,
    reset_password,
    reset_totp,
    set_active,
    unlock_user,
    update_user,
)
from dangan.services.archive import Archive
from dangan.services.intake import form_choices

from ...deps import ArchiveDep, UserAdmin
from ...render import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/users", tags=["用户管理"])
ROLE_CHOICES = [r for r in Role if r not in THREE_ADMINS]
CLEARANCES = [lv.label for lv in SecurityLevel]


def _context(archive: Archive, user: Principal) -> dict[str, Any]:
    return {
        "roles": ROLE_CHOICES,
        "clearances": CLEARANCES,
        "departments": form_choices(archive, user)["departments"],
        "values": {},
    }


def _list_page(
    request: Request, archive: Archive, user: Principal, status_code: int | None = None, **extra: Any
) -> Response:
    context = {**_context(archive, user), "users": list_users(archive, user), **extra}
    return render(request, "admin_users.html", context, status_code=status_code)


def _detail_page(
    request: Request,
    archive: Archive,
    user: Principal,
    username: str,
    status_code: int | None = None,
    **extra: Any,
) -> Response:
    context = {**_context(archive, user), "target": get_user(archive, user, username), **extra}
    return render(request, "admin_users_detail.html", context, status_code=status_code)


@pages.get("/admin/users")
def users_page(request: Request, archive: ArchiveDep, user: UserAdmin) -> Response:
    return _list_page(request, archive, user)


@pages.post("/admin/users")
def users_create(
    request: Request,
    archive: ArchiveDep,
    user: UserAdmin,
    username: Annotated[str, Form(max_length=64)] = "",
    display_name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    clearance: Annotated[str, Form(max_length=8)] = "内部",
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    values = {"username": username, "display_name": display_name, "role": role, "department": department,
              "clearance": clearance}  # fmt: skip
    try:
        created = create_user(archive, user, username.strip(), password, role, department=department or None,
                              clearance=clearance, display_name=display_name.strip() or None)  # fmt: skip
    except DanganError as exc:
        return _list_page(request, archive, user, error=exc, values=values)
    notice = f"已创建用户 {created.username}（{created.role.label}）"
    return _list_page(request, archive, user, notice=notice, status_code=201)


@pages.get("/admin/users/{username}")
def user_page(request: Request, archive: ArchiveDep, user: UserAdmin, username: str) -> Response:
    return _detail_page(request, archive, user, username)


@pages.post("/admin/users/{username}")
def user_update(
    request: Request,
    archive: ArchiveDep,
    user: UserAdmin,
    username: str,
    display_name: Annotated[str, Form(max_length=100)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    clearance: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    try:
        update_user(archive, user, username, role=role or None, department=department,
                    clearance=clearance or None, display_name=display_name or None)  # fmt: skip
    except DanganError as exc:
        if exc.status == 404:
            raise
        return _detail_page(request, archive, user, username, error=exc)
    return _detail_page(request, archive, user, username, notice="已保存")


def _action(
    request: Request,
    archive: Archive,
    user: Principal,
    username: str,
    action: Callable[[], object],
    notice: str,
) -> Response:
    try:
        action()
    except DanganError as exc:
        if exc.status == 404:
            raise
        return _detail_page(request, archive, user, username, error=exc)
    return _detail_page(request, archive, user, username, notice=notice)


@pages.post("/admin/users/{username}/deactivate")
def user_deactivate(request: Request, archive: ArchiveDep, user: UserAdmin, username: str) -> Response:
    done = "账户已停用，其所有登录已失效"
    return _action(request, archive, user, username, lambda: set_active(archive, user, username, False), done)


@pages.post("/admin/users/{username}/activate")
def user_activate(request: Request, archive: ArchiveDep, user: UserAdmin, username: str) -> Response:
    return _action(
        request, archive, user, username, lambda: set_active(archive, user, username, True), "账户已启用"
    )


@pages.post("/admin/users/{username}/unlock")
def user_unlock(request: Request, archive: ArchiveDep, user: UserAdmin, username: str) -> Response:
    return _action(
        request, archive, user, username, lambda: unlock_user(archive, user, username), "账户已解锁"
    )


@pages.post("/admin/users/{username}/totp-reset")
def user_totp_reset(request: Request, archive: ArchiveDep, user: UserAdmin, username: str) -> Response:
    done = "动态口令已重置：该用户下次登录只需密码，可在“我的账户”中重新启用"
    return _action(request, archive, user, username, lambda: reset_totp(archive, user, username), done)


@pages.post("/admin/users/{username}/password")
def user_password(
    request: Request,
    archive: ArchiveDep,
    user: UserAdmin,
    username: str,
    password: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    done = "密码已重置，账户已解锁，其原有登录已失效；请将新密码当面或以安全方式交给本人"
    return _action(
        request, archive, user, username, lambda: reset_password(archive, user, username, password), done
    )


# ---- JSON API ----


class NewUser(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=256)
    role: str = Field(max_length=20)
    department: str | None = Field(default=None, max_length=200)
    clearance: str = Field(default="内部", max_length=8)
    display_name: str | None = Field(default=None, max_length=100)


class UserChange(BaseModel):
    role: str | None = Field(default=None, max_length=20)
    department: str | None = Field(default=None, max_length=200)
    clearance: str | None = Field(default=None, max_length=8)
    display_name: str | None = Field(default=None, max_length=100)
    active: bool | None = None


class NewPassword(BaseModel):
    password: str = Field(max_length=256)


@api.get("", summary="用户列表（安全保密管理员）")
def api_users(archive: ArchiveDep, user: UserAdmin) -> dict[str, Any]:
    return {"users": [u.as_json() for u in list_users(archive, user)]}


@api.post("", status_code=201, summary="新增用户（安全保密管理员）")
def api_create(archive: ArchiveDep, user: UserAdmin, body: NewUser) -> dict[str, Any]:
    created = create_user(archive, user, body.username, body.password, body.role, department=body.department,
                          clearance=body.clearance, display_name=body.display_name)  # fmt: skip
    return created.as_json()


@api.get("/{username}", summary="用户详情（安全保密管理员）")
def api_user(archive: ArchiveDep, user: UserAdmin, username: str) -> dict[str, Any]:
    return get_user(archive, user, username).as_json()


@api.patch("/{username}", summary="修改角色、部门、密级、显示名称或启用状态")
def api_update(archive: ArchiveDep, user: UserAdmin, username: str, body: UserChange) -> dict[str, Any]:
    if body.role or body.department is not None or body.clearance or body.display_name is not None:
        update_user(archive, user, username, role=body.role, department=body.department,
                    clearance=body.clearance, display_name=body.display_name)  # fmt: skip
    if body.active is not None:
        set_active(archive, user, username, body.active)
    return get_user(archive, user, username).as_json()


@api.post("/{username}/password-reset", summary="重置密码（同时解锁，原有会话失效）")
def api_password(archive: ArchiveDep, user: UserAdmin, username: str, body: NewPassword) -> dict[str, Any]:
    return reset_password(archive, user, username, body.password).as_json()


@api.post("/{username}/totp-reset", summary="重置动态口令")
def api_totp_reset(archive: ArchiveDep, user: UserAdmin, username: str) -> dict[str, Any]:
    return reset_totp(archive, user, username).as_json()


@api.post("/{username}/unlock", summary="解锁账户")
def api_unlock(archive: ArchiveDep, user: UserAdmin, username: str) -> dict[str, Any]:
    return unlock_user(archive, user, username).as_json()


router = APIRouter()  # the one router the app includes: pages and API together
router.include_router(pages)
router.include_router(api)
