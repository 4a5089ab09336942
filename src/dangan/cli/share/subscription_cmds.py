"""`dangan subscription`: webhook subscriptions of business systems and their delivery log."""

from __future__ import annotations

from typing import Annotated

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish

subscription_app = typer.Typer(help="业务系统的数据订阅（Webhook）与投递记录", no_args_is_help=True)
CLI_ACTOR = "cli"
SystemOpt = Annotated[str, typer.Option("--system", help="业务系统标识（其 API Key 的来源系统）")]
STATES = {"pending": "待投递", "delivered": "已送达", "failed": "已放弃", "cancelled": "已取消"}


@subscription_app.command("add")
def subscription_add(
    system: SystemOpt,
    url: Annotated[str, typer.Option("--url", help="回调地址（http:// 或 https://）")],
    department: Annotated[
        str | None, typer.Option("--department", help="部门；该系统只有一个部门的查询密钥时可不填")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="备注")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """为业务系统登记 Webhook：此后新增、变更、销毁的、该系统有权查看的档案将签名投递到回调地址。签名密钥只显示这一次。"""
    from dangan.services.share import add_subscription

    with archive_from(data) as archive:
        info, secret = add_subscription(
            archive, system, url, department=department, label=label, actor=CLI_ACTOR
        )

    def human() -> None:
        err.print(f"已创建订阅 {info.id}（{info.system} · {info.department}）。签名密钥只显示这一次：")
        typer.echo(secret)

    finish({**info.as_json(), "secret": secret}, json_out, human)


@subscription_app.command("list")
def subscription_list(
    system: Annotated[str | None, typer.Option("--system", help="只列出该业务系统的订阅")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出订阅（不含签名密钥）。"""
    from dangan.services.share import list_subscriptions

    with archive_from(data) as archive:
        subs = list_subscriptions(archive, system)

    def human() -> None:
        if not subs:
            err.print("还没有订阅。用 dangan subscription add 创建。")
        for s in subs:
            state = "有效" if s.active else "已停止"
            typer.echo(
                f"{s.id}  {s.system}  {s.department}  {s.url}  待投递 {s.pending}  失败 {s.failed}  {state}"
            )

    finish({"subscriptions": [s.as_json() for s in subs]}, json_out, human)


@subscription_app.command("remove")
def subscription_remove(
    subscription_id: Annotated[str, typer.Argument(help="订阅 ID")],
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """停止一个订阅；尚未送达的投递随之取消，投递记录保留。"""
    from dangan.services.share import remove_subscription

    with archive_from(data) as archive:
        info = remove_subscription(archive, subscription_id, actor=CLI_ACTOR)
    finish(info, json_out, lambda: err.print(f"订阅 {info.id} 已停止。"))


@subscription_app.command("deliveries")
def subscription_deliveries(
    system: Annotated[str | None, typer.Option("--system", help="只看该业务系统的投递")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="最多列出几次投递")] = 50,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """投递记录：每次投递的条数、状态、尝试次数、各次状态码与下次重试时间。"""
    from dangan.services.share import delivery_log

    with archive_from(data) as archive:
        rows = delivery_log(archive, system=system, limit=limit)

    def human() -> None:
        if not rows:
            err.print("还没有投递。")
        for d in rows:
            codes = "、".join(str(t["status_code"] or t["error"]) for t in d["tries"]) or "—"
            later = f"  下次 {d['next_try_at']}" if d["next_try_at"] else ""
            typer.echo(f"#{d['id']}  {d['system']}  {d['entries']} 条  {STATES.get(d['status'], d['status'])}"
                       f"  尝试 {d['attempts']} 次（{codes}）{later}")  # fmt: skip

    finish({"deliveries": rows}, json_out, human)
