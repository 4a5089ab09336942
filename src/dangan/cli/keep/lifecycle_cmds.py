"""`dangan disposal` (到期、鉴定、审批、销毁、销毁清册) and `dangan hold` (冻结): the lifecycle services,
acting as the user named by --as (without --as, `due` and `register` answer for the whole archive)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .._common import (
    AsOpt,
    DataOpt,
    JsonOpt,
    archive_from,
    err,
    finish,
    principal_from,
    run_as,
    write_file_atomically,
)

if TYPE_CHECKING:
    from dangan.services.lifecycle import DisposalBatch

disposal_app = typer.Typer(help="保管期限到期、鉴定、审批与销毁，销毁清册", no_args_is_help=True)
hold_app = typer.Typer(help="冻结（法律保全）：被冻结的档案不能鉴定销毁", no_args_is_help=True)
BatchArg = Annotated[str, typer.Argument(help="鉴定销毁批次编号")]
ReasonOpt = Annotated[str, typer.Option("--reason", help="理由")]


def _on(value: str | None) -> date:
    if not value:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        err.print(f"[red]错误：[/red]日期“{value}”无效，请写成 YYYY-MM-DD")
        raise typer.Exit(2) from None


def _show(batch: DisposalBatch, json_out: bool) -> None:
    from dangan.services.lifecycle import batch_json

    doc = batch_json(batch)
    finish(doc, json_out, lambda: typer.echo(f"{doc['batch_id']}  {doc['status']}"))


@disposal_app.command("due")
def disposal_due(
    on: Annotated[
        str | None, typer.Option("--on", help="以该日期计算是否到期（YYYY-MM-DD，默认今天）")
    ] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出保管期限已届满（到指定日期为止）的档案。"""
    from dangan.services.lifecycle import due_records

    day = _on(on)
    with archive_from(data) as archive:
        user = principal_from(archive, as_user) if as_user else None
        found = due_records(archive, user, day)

    def human() -> None:
        for d in found:
            flags = ("（冻结）" if d.on_hold else "") + ("（已在批次中）" if d.in_batch else "")
            typer.echo(f"{d.archival_code}  {d.retention}  到期 {d.expires_on}  {d.title}{flags}")
        err.print(f"共 {len(found)} 件到期")

    finish({"records": [d.as_json() for d in found]}, json_out, human)


@disposal_app.command("propose")
def disposal_propose(
    records: Annotated[list[str] | None, typer.Argument(help="拟销毁档案的编号或档号")] = None,
    reason: ReasonOpt = "",
    keep: Annotated[
        list[str] | None, typer.Option("--keep", help="鉴定为保留：档案编号:新保管期限:理由（可多次）")
    ] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """提出鉴定销毁批次（待审批）；任何一件不符合条件时整批拒绝，不做任何改动。"""
    from dangan.services.lifecycle import Keep, propose

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        keeps = [Keep.parse(k) for k in keep or []]
        batch = propose(archive, user, list(records or []), reason, keeps)
    _show(batch, json_out)


@disposal_app.command("approve")
def disposal_approve(batch_id: BatchArg, as_user: AsOpt = None, data: DataOpt = None,
                     json_out: JsonOpt = False) -> None:  # fmt: skip
    """按审批链审批鉴定销毁批次（提出人不能审批自己的批次）。"""
    from dangan.services.lifecycle import approve

    batch = run_as(data, as_user, lambda archive, user: approve(archive, user, batch_id))
    _show(batch, json_out)


@disposal_app.command("reject")
def disposal_reject(batch_id: BatchArg, reason: ReasonOpt = "", as_user: AsOpt = None, data: DataOpt = None,
                    json_out: JsonOpt = False) -> None:  # fmt: skip
    """驳回鉴定销毁批次，批次中的档案可重新鉴定。"""
    from dangan.services.lifecycle import reject

    batch = run_as(data, as_user, lambda archive, user: reject(archive, user, batch_id, reason))
    _show(batch, json_out)


@disposal_app.command("execute")
def disposal_execute(
    batch_id: BatchArg,
    witness: Annotated[list[str] | None, typer.Option("--witness", help="监销人姓名（须两人）")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """执行已批准批次的销毁：删除所有副本及加密数据密钥，目录信息保留并登记销毁清册；中断后再次执行即可续完。"""
    from dangan.services.lifecycle import execute

    done = run_as(data, as_user, lambda archive, user: execute(archive, user, batch_id, list(witness or [])))

    def human() -> None:
        err.print(f"批次 {done.batch_id}：已销毁 {len(done.destroyed)} 件")
        for s in done.skipped:
            err.print(f"  未销毁 {s['record_id']}：{s['reason']}")

    finish(done, json_out, human)


@disposal_app.command("report")
def disposal_report(batch_id: BatchArg, out: Annotated[Path, typer.Option("--out", help="鉴定报告 PDF 的保存路径")],
                    as_user: AsOpt = None, data: DataOpt = None) -> None:  # fmt: skip
    """导出鉴定销毁批次的鉴定报告（PDF）。"""
    from dangan.services.lifecycle import appraisal_report_pdf

    with archive_from(data) as archive:
        user = principal_from(archive, as_user) if as_user else None
        _name, pdf = appraisal_report_pdf(archive, user, batch_id)
    write_file_atomically(out, pdf)
    err.print(f"鉴定报告已导出：{out}")


@disposal_app.command("register")
def disposal_register(
    out: Annotated[Path | None, typer.Option("--out", help="导出清册：以 .pdf、.csv 或 .xlsx 结尾")] = None,
    batch: Annotated[str | None, typer.Option("--batch", help="只列该批次")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """销毁清册（永久保存）：列出、打印或导出。"""
    from dangan.services.lifecycle import (
        entry_json,
        register_csv,
        register_entries,
        register_pdf,
        register_xlsx,
    )

    writers = {".pdf": register_pdf, ".csv": register_csv, ".xlsx": register_xlsx}
    if out is not None and out.suffix.lower() not in writers:
        err.print("[red]错误：[/red]--out 须以 .pdf、.csv 或 .xlsx 结尾")
        raise typer.Exit(2)
    with archive_from(data) as archive:
        user = principal_from(archive, as_user) if as_user else None
        entries = register_entries(archive, user, batch)
        body = writers[out.suffix.lower()](archive, entries) if out is not None else None
    if out is not None and body is not None:
        write_file_atomically(out, body)
        err.print(f"销毁清册已导出：{out}")

    def human() -> None:
        for e in entries:
            typer.echo(f"{e.archival_code}  {e.title}  批次 {e.batch_id}  {e.destroyed_at:%Y-%m-%d %H:%M}")

    finish({"entries": [entry_json(e) for e in entries]}, json_out, human)


def _hold(
    action: str, record: str, as_user: str | None, reason: str, data: Path | None, json_out: bool
) -> None:
    from dangan.services.lifecycle import add_hold, remove_hold

    act = add_hold if action == "add" else remove_hold
    view = run_as(data, as_user, lambda archive, user: act(archive, user, record, reason))
    finish(
        view,
        json_out,
        lambda: typer.echo(f"{view.archival_code}：{'已冻结' if view.on_hold else '已解除冻结'}"),
    )


RecordArg = Annotated[str, typer.Argument(help="档案编号或档号")]


@hold_app.command("add")
def hold_add(record: RecordArg, reason: ReasonOpt = "", as_user: AsOpt = None, data: DataOpt = None,
             json_out: JsonOpt = False) -> None:  # fmt: skip
    """冻结档案（如涉诉、审计、调查），冻结期间不能鉴定销毁。"""
    _hold("add", record, as_user, reason, data, json_out)


@hold_app.command("remove")
def hold_remove(record: RecordArg, reason: ReasonOpt = "", as_user: AsOpt = None, data: DataOpt = None,
                json_out: JsonOpt = False) -> None:  # fmt: skip
    """解除冻结（历史记录保留）。"""
    _hold("remove", record, as_user, reason, data, json_out)
