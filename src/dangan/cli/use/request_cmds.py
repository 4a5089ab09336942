"""`dangan request`: utilization requests (利用申请) from the command line — file one, list them, approve,
reject or revoke — the same services as the /requests pages, acting as the user named by --as."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, run_as

request_app = typer.Typer(
    help="利用申请：申请利用档案，部门负责人或档案管理员审批，授权限期自动失效", no_args_is_help=True
)
RequestArg = Annotated[str, typer.Argument(help="利用申请编号")]


def _show(doc: dict[str, Any], json_out: bool) -> None:
    def human() -> None:
        until = f"，有效期至 {doc['expires_at']}" if doc["expires_at"] else ""
        err.print(f"利用申请 {doc['id']}：{doc['status']}{until}", markup=False)
        typer.echo(doc["id"])

    finish(doc, json_out, human)


@request_app.command("create")
def request_create(
    purpose: Annotated[str, typer.Option("--purpose", help="利用目的（必填）")],
    as_user: AsOpt = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="档号（可重复）")] = None,
    department: Annotated[str, typer.Option("--department", help="按范围申请：形成部门")] = "",
    matter: Annotated[str, typer.Option("--matter", help="按范围申请：审批事项")] = "",
    year: Annotated[int | None, typer.Option("--year", help="按范围申请：年度")] = None,
    keyword: Annotated[str, typer.Option("--keyword", help="按范围申请：题名、申请人或文号中的关键词")] = "",
    scope: Annotated[str, typer.Option("--scope", help="view 仅查看；download 查看并下载")] = "view",
    days: Annotated[int, typer.Option("--days", help="利用期限（天，1–365）")] = 30,
    unmask: Annotated[bool, typer.Option("--unmask", help="申请查看未遮蔽的个人信息")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """提交利用申请：按档号（--code，可重复），或按部门/事项/年度/关键词描述一组档案。"""
    from dangan.services.utilisation import RequestForm, create_request, request_json

    form = RequestForm(purpose=purpose, scope=scope, days=days, codes=tuple(code or ()), department=department,
                       matter=matter, year=year, keyword=keyword, unmask=unmask)  # fmt: skip
    req = run_as(data, as_user, lambda archive, user: create_request(archive, user, form))
    _show(request_json(req), json_out)


@request_app.command("list")
def request_list(
    as_user: AsOpt = None,
    pending: Annotated[
        bool, typer.Option("--pending", help="列出待本人审批的申请（部门负责人、档案管理员）")
    ] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出本人的利用申请；加 --pending 列出待本人审批的申请及其将授权的档案。"""
    from dangan.services.utilisation import approval_queue, my_requests, request_json

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        if pending:
            docs = [{**request_json(e.request), "resolved": [r.id for r in e.records]}
                    for e in approval_queue(archive, user)]  # fmt: skip
        else:
            docs = [request_json(r) for r in my_requests(archive, user)]

    def human() -> None:
        for d in docs:
            typer.echo(f"{d['id']}  {d['requester']}  {d['status']}  {d['purpose']}")

    finish({"requests": docs}, json_out, human)


@request_app.command("approve")
def request_approve(
    request_id: RequestArg,
    as_user: AsOpt = None,
    scope: Annotated[str | None, typer.Option("--scope", help="缩小为 view（仅查看）")] = None,
    days: Annotated[int | None, typer.Option("--days", help="缩短期限（天）")] = None,
    no_unmask: Annotated[bool, typer.Option("--no-unmask", help="不允许查看未遮蔽的个人信息")] = False,
    note: Annotated[str, typer.Option("--note", help="审批意见")] = "",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """批准利用申请（可缩小利用方式、缩短期限，不能超出申请）；授权即时生效，到期自动失效。"""
    from dangan.services.utilisation import approve_request, request_json

    with archive_from(data) as archive:
        req = approve_request(archive, principal_from(archive, as_user), request_id, scope=scope, days=days,
                              unmask=False if no_unmask else None, note=note)  # fmt: skip
    _show(request_json(req), json_out)


@request_app.command("reject")
def request_reject(
    request_id: RequestArg,
    as_user: AsOpt = None,
    reason: Annotated[str, typer.Option("--reason", help="驳回理由（必填）")] = "",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """驳回利用申请，须填写理由。"""
    from dangan.services.utilisation import reject_request, request_json

    req = run_as(data, as_user, lambda archive, user: reject_request(archive, user, request_id, reason))
    _show(request_json(req), json_out)


@request_app.command("revoke")
def request_revoke(
    request_id: RequestArg,
    as_user: AsOpt = None,
    reason: Annotated[str, typer.Option("--reason", help="撤销理由")] = "",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """撤销生效中的授权（批准人或档案管理员）。"""
    from dangan.services.utilisation import request_json, revoke_request

    req = run_as(data, as_user, lambda archive, user: revoke_request(archive, user, request_id, reason))
    _show(request_json(req), json_out)
