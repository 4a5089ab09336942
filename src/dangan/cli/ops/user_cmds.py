"""Account commands: the operator at the server's shell (actor `system`), who alone manages the accounts
of the three administrators (三员); everything else the 安全保密管理员 can also do at /admin/users."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish

if TYPE_CHECKING:
    from dangan.services.accounts import UserInfo

user_app = typer.Typer(help="用户管理", no_args_is_help=True)
# The codes of dangan.access.ROLE_CODES, written out so that `--help` need not load the access layer
# (and the catalogue under it); a test keeps the two equal.
ROLE_CODES = ("sysadmin", "secadmin", "auditor", "archivist", "clerk", "dept_head", "reader", "public")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help=f"角色：{', '.join(ROLE_CODES)}")],
    department: Annotated[
        str | None, typer.Option("--department", help="所属部门（与案卷包中的部门名称一致）")
    ] = None,
    clearance: Annotated[str, typer.Option("--clearance", help="可阅密级：公开、内部、秘密、机密")] = "内部",
    display_name: Annotated[str | None, typer.Option("--display-name", help="显示名称")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """新增用户。密码只能从标准输入读取，不会出现在命令行历史中。"""
    from dangan.services.accounts import add_user

    password = _read_password(password_stdin)
    with archive_from(data) as archive:
        p = add_user(archive, name, password, role, department=department, clearance=clearance,
                     display_name=display_name)  # fmt: skip
    doc = {
        "username": p.username,
        "role": p.role.code,
        "department": p.department,
        "clearance": p.clearance.label,
    }
    finish(doc, json_out, lambda: err.print(f"已创建用户 {p.username}（{p.role.label}）"))


def _read_password(password_stdin: bool) -> str:
    if not password_stdin:
        err.print("[red]错误：[/red]请使用 --password-stdin 从标准输入提供密码")
        raise typer.Exit(2)
    return sys.stdin.readline().rstrip("\r\n")


def _report(info: UserInfo, message: str, json_out: bool) -> None:
    finish(info, json_out, lambda: err.print(message))


@user_app.command("list")
def user_list(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """列出全部用户（角色、部门、密级、状态、是否启用动态口令）。"""
    from dangan.services.accounts import list_users

    with archive_from(data) as archive:
        users = list_users(archive, None)

    def human() -> None:
        for u in users:
            state = "已停用" if not u.active else "已锁定" if u.locked else "正常"
            totp = "动态口令" if u.totp else "仅密码"
            print(f"{u.username}\t{u.role.label}\t{u.department or '-'}\t{u.clearance}\t{state}\t{totp}")

    finish({"users": [u.as_json() for u in users]}, json_out, human)


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="用户名")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取新密码")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """重置用户密码（同时解锁账户，原有登录全部失效）。"""
    from dangan.services.accounts import reset_password

    password = _read_password(password_stdin)
    with archive_from(data) as archive:
        info = reset_password(archive, None, name, password)
    _report(info, f"已重置 {name} 的密码", json_out)


@user_app.command("totp-reset")
def user_totp_reset(
    name: Annotated[str, typer.Argument(help="用户名")], data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """重置用户的动态口令（手机丢失时）；用户登录后可重新启用。"""
    from dangan.services.accounts import reset_totp

    with archive_from(data) as archive:
        info = reset_totp(archive, None, name)
    _report(info, f"已重置 {name} 的动态口令", json_out)


@user_app.command("unlock")
def user_unlock(
    name: Annotated[str, typer.Argument(help="用户名")], data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """解锁因密码或动态口令连续错误而锁定的账户。"""
    from dangan.services.accounts import unlock_user

    with archive_from(data) as archive:
        info = unlock_user(archive, None, name)
    _report(info, f"已解锁 {name}", json_out)


@user_app.command("deactivate")
def user_deactivate(
    name: Annotated[str, typer.Argument(help="用户名")],
    enable: Annotated[bool, typer.Option("--enable", help="重新启用已停用的账户")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """停用账户（其所有登录立即失效）；加 --enable 重新启用。"""
    from dangan.services.accounts import set_active

    with archive_from(data) as archive:
        info = set_active(archive, None, name, enable)
    _report(info, f"已{'启用' if enable else '停用'} {name}", json_out)
