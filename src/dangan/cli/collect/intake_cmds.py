"""Collection channels on the command line: API keys of business systems and the watched drop folder."""

from __future__ import annotations

import re
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._common import DataOpt, JsonOpt, archive_from, err, finish

if TYPE_CHECKING:
    from dangan.services.intake import DropResult, DropWatcher

apikey_app = typer.Typer(help="业务系统接口密钥（API Key）管理", no_args_is_help=True)
_SPLIT = re.compile(r"[,，、;；]+")
CLI_ACTOR = "cli"


@apikey_app.command("create")
def apikey_create(
    system: Annotated[
        str, typer.Option("--system", help="来源系统标识（与 case.json 的 source_system 一致）")
    ],
    department: Annotated[
        str, typer.Option("--department", help="所属部门（与 case.json 的 department 一致）")
    ],
    matters: Annotated[
        str | None, typer.Option("--matters", help="限定的审批事项名称或编码，逗号分隔；不填则不限")
    ] = None,
    label: Annotated[str | None, typer.Option("--label", help="备注，如“市场监管审批系统（生产）”")] = None,
    scope: Annotated[
        str, typer.Option("--scope", help="用途：ingest 仅推送案卷（默认）、read 仅查询、both 推送和查询")
    ] = "ingest",
    clearance: Annotated[
        str, typer.Option("--clearance", help="查询时的密级上限：公开、内部（默认）、秘密、机密")
    ] = "内部",
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """为一个业务系统创建 API Key。密钥只显示这一次，系统只保存其摘要。"""
    from dangan.services.accounts import create_api_key

    chosen = [m for m in _SPLIT.split(matters or "") if m.strip()]
    with archive_from(data) as archive:
        info, key = create_api_key(
            archive,
            system,
            department,
            chosen,
            label=label,
            actor=CLI_ACTOR,
            scope=scope,
            clearance=clearance,
        )

    def human() -> None:
        err.print(
            f"已创建 API Key {info.id}（{info.system} · {info.department}）。请立即保存，之后无法再次查看："
        )
        typer.echo(key)

    doc = {"key": key, "id": info.id, "system": info.system, "department": info.department,
           "matters": list(info.matters), "scope": info.scope, "clearance": info.clearance}  # fmt: skip
    finish(doc, json_out, human)


@apikey_app.command("list")
def apikey_list(
    active: Annotated[bool, typer.Option("--active", help="只列出未吊销的密钥")] = False,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出 API Key（不含密钥本身）。"""
    from dangan.services.accounts import list_api_keys

    with archive_from(data) as archive:
        keys = list_api_keys(archive, include_revoked=not active)

    def human() -> None:
        if not keys:
            err.print("还没有 API Key。用 dangan apikey create 创建。")
        for k in keys:
            state = (
                "有效" if k.active else f"已吊销 {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "已吊销"
            )
            scope = "、".join(k.matters) if k.matters else "不限事项"
            typer.echo(f"{k.id}  {k.system}  {k.department}  {scope}  {state}")

    finish({"keys": [k.as_json() for k in keys]}, json_out, human)


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[str, typer.Argument(help="密钥 ID（dgk_<ID>_… 中的 ID）")],
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """立即吊销一个 API Key；之后用它的推送一律返回 401。"""
    from dangan.services.accounts import revoke_api_key

    with archive_from(data) as archive:
        info = revoke_api_key(archive, key_id, actor=CLI_ACTOR)
    finish(info, json_out, lambda: err.print(f"API Key {info.id} 已吊销。"))


def _print_result(result: DropResult) -> None:
    labels = {
        "accepted": "已归档",
        "duplicate": "重复（已归档过）",
        "rejected": "拒收",
        "error": "出错，稍后重试",
    }
    line = f"{result.name}：{labels.get(result.status, result.status)}"
    if code := result.report.get("archival_code"):
        line += f"，档号 {code}"
    for reason in result.report.get("reasons", []):
        line += f"\n  - {reason['message']}"
    err.print(line)


def watch(
    folder: Annotated[
        Path | None, typer.Option("--dir", help="投递目录（默认取 DANGAN_DROP_DIR）", file_okay=False)
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="只处理当前已就绪的案卷包，然后退出")] = False,
    stable: Annotated[
        float | None,
        typer.Option("--stable", min=0, help="案卷包静止多少秒后才导入（默认取 DANGAN_DROP_STABLE_SECONDS）"),
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """监视投递目录：放入的案卷包（文件夹或 ZIP）就绪后自动导入，移入 done/ 或 failed/ 并附报告。

    就绪：旁边有同名 .ready 标记文件（如 案卷1.ready），或包内文件在设定秒数内没有变化。"""
    from dangan.core import DanganError
    from dangan.services.intake import DropWatcher, drop_lock

    with archive_from(data) as archive:
        drop = folder or archive.settings.drop_dir
        if drop is None:
            err.print("[red]错误：[/red]请用 --dir 指定投递目录，或设置 DANGAN_DROP_DIR")
            raise typer.Exit(2)
        results: list[DropResult] = []

        def on_result(r: DropResult) -> None:
            results.append(r)
            _print_result(r)

        watcher = DropWatcher(archive, drop, stable_seconds=stable, on_result=on_result)
        try:
            with drop_lock(drop):
                if once:
                    watcher.scan()
                else:
                    _run_until_signalled(watcher, drop)
        except DanganError as exc:
            err.print(f"[red]错误：[/red]{exc.message}")
            raise typer.Exit(1) from None
    summary = _summary(results)
    finish(summary, json_out, lambda: None)  # the human form was printed package by package
    if summary["failed"] or summary["errors"]:
        raise typer.Exit(1)


def _run_until_signalled(watcher: DropWatcher, drop: Path) -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    err.print(f"正在监视投递目录 {drop.resolve()}（Ctrl+C 停止）")
    while not stop.is_set():
        watcher.scan()
        stop.wait(watcher.poll_seconds)


def _summary(results: list[DropResult]) -> dict[str, Any]:
    return {
        "done": [r.report for r in results if r.status in ("accepted", "duplicate")],
        "failed": [r.report for r in results if r.status == "rejected"],
        "errors": [r.report for r in results if r.status == "error"],
    }
