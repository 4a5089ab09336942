"""Preservation commands: fixity audit, backup, restore, master-key rotation."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import DataOpt, JsonOpt, archive_from, err, finish, progress_bar

keys_app = typer.Typer(help="主密钥管理", no_args_is_help=True)


def verify(
    repair: Annotated[bool, typer.Option("--repair", help="用完好的副本修复损坏或缺失的副本")] = False,
    mb_per_s: Annotated[
        float | None, typer.Option("--rate", help="限速（MB/s），与日常业务并行时使用")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="本次最多检查的对象数（最久未检查的优先）")
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """检查所有对象在每个存储位置的完整性（SHA-256），可选修复；并校验防篡改日志。"""
    from dangan.services.preservation import audit_fixity, ledger_summary, raise_alerts

    with archive_from(data) as archive, progress_bar("校验") as bar:
        task = bar.add_task("校验对象", total=None, note="")
        report = audit_fixity(archive, repair=repair, mb_per_s=mb_per_s, limit=limit,
                              on_object=lambda n, total: bar.update(task, completed=n, total=total))  # fmt: skip
        raise_alerts(archive, report, actor="cli")  # an object bad in every copy alerts the security officer
        ledger = ledger_summary(archive)
    doc = {**report.as_json(), "ledger": ledger}
    bad = (
        bool(report.unrecoverable)
        or (not repair and bool(report.damaged or report.missing))
        or not ledger["ok"]
    )

    def human() -> None:
        err.print(
            f"检查对象 {report.objects_checked} 个：损坏 {len(report.damaged)}，缺失 {len(report.missing)}，"
            f"已修复 {len(report.repaired)}，无法修复 {len(report.unrecoverable)}；日志 {'正常' if ledger['ok'] else '异常'}"
        )

    finish(doc, json_out, human)
    if bad:
        raise typer.Exit(1)


def backup_cmd(
    dest: Annotated[Path, typer.Argument(help="备份目录（须为空或不存在）")],
    keys_dest: Annotated[
        Path | None, typer.Option("--keys", help="主密钥备份目录（默认 DEST.keys，请与备份分开保管）")
    ] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """备份目录库、全部对象与日志（主密钥另存）。"""
    from dangan.core import DanganError
    from dangan.services.preservation import backup

    with archive_from(data) as archive, progress_bar("备份") as bar:
        task = bar.add_task("复制对象", total=None, note="")
        try:
            info = backup(archive, dest, keys_dest=keys_dest,
                          on_file=lambda n, total: bar.update(task, completed=n, total=total))  # fmt: skip
        except DanganError as exc:
            err.print(f"[red]错误：[/red]{exc.message}")
            raise typer.Exit(1) from None

    def human() -> None:
        err.print(
            f"已备份 {info.records} 件档案、{info.files} 个对象到 {dest}；主密钥备份在 {info.keys_dest}（请单独保管）"
        )

    finish(info, json_out, human)


def restore_cmd(
    src: Annotated[Path, typer.Argument(help="备份目录")],
    keys_src: Annotated[Path | None, typer.Option("--keys", help="主密钥备份目录（默认 SRC.keys）")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """从备份恢复一个完整的数据目录（目标须为空）。"""
    from dangan.core import DanganError, load_settings
    from dangan.services.preservation import audit_fixity, restore

    settings = load_settings(data)
    try:
        doc = restore(
            settings.home,
            src,
            keys_src=keys_src,
            keys_dest=settings.master_key_path.parent,
            settings=settings,
        )
    except DanganError as exc:
        err.print(f"[red]错误：[/red]{exc.message}")
        raise typer.Exit(1) from None
    with archive_from(data) as archive:
        report = audit_fixity(archive)
    doc["verified_objects"] = report.objects_checked
    doc["ok"] = not (report.damaged or report.missing)

    def human() -> None:
        err.print(
            f"已恢复 {doc['records']} 件档案、{doc['objects']} 个对象，校验{'通过' if doc['ok'] else '未通过'}"
        )

    finish(doc, json_out, human)
    if not doc["ok"]:
        raise typer.Exit(1)


@keys_app.command("rotate")
def keys_rotate(data: DataOpt = None, json_out: JsonOpt = False) -> None:
    """轮换主密钥：重新包装所有数据密钥，不重写文件内容。旧密钥保留在 retired/ 中。"""
    from dangan.services.preservation import rotate_master_key

    with archive_from(data) as archive:
        doc = rotate_master_key(archive)

    def human() -> None:
        err.print(
            f"主密钥已由 {doc['old_key_id']} 轮换为 {doc['new_key_id']}，重新包装 {doc['rewrapped']} 个数据密钥。请立即备份新主密钥。"
        )

    finish(doc, json_out, human)
