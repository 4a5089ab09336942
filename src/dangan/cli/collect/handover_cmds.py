"""`dangan handover`: departments batch and hand over their records; the archivist checks, accepts or
returns batches. The same services as the /handover pages, acting as the user named by --as."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
    from dangan.services.handover import HandoverBatch

handover_app = typer.Typer(help="档案移交：部门生成移交批次，档案部门检测、接收或退回", no_args_is_help=True)
BatchArg = Annotated[str, typer.Argument(help="移交批次编号")]


def batch_json(batch: HandoverBatch, items: bool = True) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": batch.id, "department": batch.department, "status": batch.status, "carrier": batch.carrier,
        "record_count": batch.record_count, "file_count": batch.file_count, "total_bytes": batch.total_bytes,
        "first_code": batch.first_code, "last_code": batch.last_code, "note": batch.note,
        "created_by": batch.created_by, "created_at": batch.created_at.isoformat(),
        "check_passed": batch.check_passed, "reasons": batch.reasons,
    }  # fmt: skip
    if items:
        doc["items"] = [
            {"record_id": i.record_id, "archival_code": i.archival_code, "title": i.title,
             "file_count": i.file_count, "total_bytes": i.total_bytes}
            for i in batch.items
        ]  # fmt: skip
    return doc


def _show(batch: HandoverBatch, json_out: bool) -> None:
    def human() -> None:
        err.print(
            f"移交批次 {batch.id}（{batch.department}）：{batch.status}，{batch.record_count} 件，"
            f"{batch.file_count} 个文件，{batch.total_bytes} 字节，档号 {batch.first_code} 至 {batch.last_code}"
        )
        typer.echo(batch.id)

    finish(batch_json(batch), json_out, human)


@handover_app.command("create")
def handover_create(
    as_user: AsOpt = None,
    year: Annotated[int | None, typer.Option("--year", help="只移交该年度的档案（默认全部）")] = None,
    carrier: Annotated[str, typer.Option("--carrier", help="载体，如“光盘（DVD-R）”")] = "在线移交（网络）",
    note: Annotated[str, typer.Option("--note", help="备注")] = "",
    submit: Annotated[bool, typer.Option("--submit", help="生成后立即确认移交")] = False,
    form: Annotated[Path | None, typer.Option("--form", help="把移交登记表写入该 PDF 文件")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """把本部门尚未移交的档案编成一个移交批次（待移交），可同时确认移交并导出移交登记表。"""
    from dangan.services.handover import create_batch, handover_form_pdf, submit_batch

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        batch = create_batch(archive, user, year=year, carrier=carrier, note=note)
        if submit:
            batch = submit_batch(archive, user, batch.id)
        pdf = handover_form_pdf(archive, user, batch.id)[1] if form else None
    if form and pdf:
        write_file_atomically(form, pdf)
        err.print(f"移交登记表已导出：{form}")
    _show(batch, json_out)


@handover_app.command("list")
def handover_list(
    as_user: AsOpt = None,
    status: Annotated[str | None, typer.Option("--status", help="待移交、已移交、已接收 或 已退回")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出该用户可见的移交批次（档案管理员见全部，部门用户见本部门）。"""
    from dangan.services.handover import list_batches

    batches = run_as(data, as_user, lambda archive, user: list_batches(archive, user, status))

    def human() -> None:
        for b in batches:
            typer.echo(f"{b.id}  {b.department}  {b.status}  {b.record_count} 件  {b.total_bytes} 字节")

    finish({"batches": [batch_json(b, items=False) for b in batches]}, json_out, human)


@handover_app.command("submit")
def handover_submit(
    batch_id: BatchArg, as_user: AsOpt = None, data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """部门确认移交（待移交 → 已移交）。"""
    from dangan.services.handover import submit_batch

    batch = run_as(data, as_user, lambda archive, user: submit_batch(archive, user, batch_id))
    _show(batch, json_out)


@handover_app.command("check")
def handover_check(
    batch_id: BatchArg, as_user: AsOpt = None, data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """档案管理员对已移交的批次做移交环节四性检测；未通过时退出码为 1。"""
    from dangan.services.handover import check_batch

    outcome = run_as(data, as_user, lambda archive, user: check_batch(archive, user, batch_id))

    def human() -> None:
        for r in outcome.records:
            err.print(f"{r['archival_code']}：{'通过' if r['passed'] else '[red]不通过[/red]'}")
            for f in r["failures"]:
                err.print(f"    {f['code']} {f['message']}", markup=False)

    finish(outcome, json_out, human)
    if not outcome.passed:
        raise typer.Exit(1)


@handover_app.command("accept")
def handover_accept(
    batch_id: BatchArg,
    as_user: AsOpt = None,
    receipt: Annotated[Path | None, typer.Option("--receipt", help="把接收回执写入该 PDF 文件")] = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """档案管理员接收批次（已接收）；尚未通过移交检测的先检测，未通过则拒绝接收。"""
    from dangan.services.handover import accept_batch, handover_receipt_pdf

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        batch = accept_batch(archive, user, batch_id)
        pdf = handover_receipt_pdf(archive, user, batch_id)[1] if receipt else None
    if receipt and pdf:
        write_file_atomically(receipt, pdf)
        err.print(f"接收回执已导出：{receipt}")
    _show(batch, json_out)


@handover_app.command("return")
def handover_return(
    batch_id: BatchArg,
    reason: Annotated[str, typer.Option("--reason", help="退回理由（必填）")],
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """档案管理员附理由退回批次（已退回）；其中的档案可重新编入新的批次。"""
    from dangan.services.handover import return_batch

    batch = run_as(data, as_user, lambda archive, user: return_batch(archive, user, batch_id, reason))
    _show(batch, json_out)


@handover_app.command("show")
def handover_show(
    batch_id: BatchArg, as_user: AsOpt = None, data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """显示一个移交批次及其清单。"""
    from dangan.services.handover import get_batch

    batch = run_as(data, as_user, lambda archive, user: get_batch(archive, user, batch_id))
    _show(batch, json_out)
