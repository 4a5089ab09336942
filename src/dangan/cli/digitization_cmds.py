"""`dangan digitize run|status|show`: the digitization pipeline over stored records, from the terminal.

`run` reads in the foreground with a progress bar per page (what a worker would do in the background);
`status` shows a batch's progress, `show` one record's pages as the given user may see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, progress_bar

if TYPE_CHECKING:
    from dangan.services.digitization import PageDone

digitization_app = typer.Typer(help="扫描件数字化：对已归档案卷中的扫描件做质量检查、图像增强与文字识别")


@digitization_app.command("run")
def run(
    record_ids: Annotated[list[str] | None, typer.Argument(help="案卷 ID（可多个）")] = None,
    all_records: Annotated[bool, typer.Option("--all", help="处理所有尚未识别的扫描件")] = False,
    redo: Annotated[bool, typer.Option("--redo", help="已识别的扫描件也重新识别（按本次设置）")] = False,
    no_enhance: Annotated[bool, typer.Option("--no-enhance", help="不做图像增强，按原样识别")] = False,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """在前台逐页识别案卷中的扫描件（图像，以及没有文字层的 PDF），结果逐页保存，中断后再次执行时从未完成的页继续。"""
    if not record_ids and not all_records:
        err.print("[red]错误：[/red]请给出案卷 ID，或使用 --all")
        raise typer.Exit(2)
    from dangan.services.digitization import DigitizeSettings, run_open, start

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        settings = DigitizeSettings(enhance=not no_enhance)
        started = start(
            archive, user, record_ids or [], all_records=all_records, redo=redo, settings=settings
        )
        with progress_bar("数字化") as bar:
            task = bar.add_task("识别页面", total=None, note="")
            count = 0

            def step(page: PageDone) -> None:
                nonlocal count
                count += 1
                state = "完成" if page.status == "done" else f"失败：{page.error}"
                bar.update(task, completed=count, note=f"{page.path} 第 {page.page}/{page.pages} 页 {state}")

            summary = run_open(archive, started.record_ids, batch_id=started.batch_id, actor=user.username,
                               progress=step)  # fmt: skip
    doc = {**started.as_json(), **summary.as_json()}

    def human() -> None:
        err.print(
            f"批次 {doc['batch']}：案卷 {doc['records']} 件，排队文件 {doc['files_queued']} 个；"
            f"本次识别 {doc['pages_read']} 页，其中失败 {doc['pages_failed']} 页"
        )
        for f in summary.files:
            if f.status == "busy":
                err.print(f"  - {f.path}（{f.record_id}）：另一进程正在识别，已跳过")
            elif f.failed:
                err.print(
                    f"  - {f.path}（{f.record_id}）：{f.failed} 页失败{('：' + f.error) if f.error else ''}"
                )

    finish(doc, json_out, human)
    if doc["pages_failed"] or any(f.status == "failed" for f in summary.files):
        raise typer.Exit(1)


@digitization_app.command("status")
def status(
    batch: Annotated[int | None, typer.Argument(help="批次号（不填则列出最近的批次）")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """查看数字化批次的进度：文件与页面按状态计数。"""
    from dangan.services.digitization import batch_progress, batches

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        doc: dict[str, Any] = (
            batch_progress(archive, user, batch) if batch is not None else {"batches": batches(archive, user)}
        )

    def line(b: dict[str, Any]) -> str:
        f, p = b["files"], b["pages"]
        state = "已完成" if b["finished"] else "进行中"
        return (
            f"批次 {b['batch']}（{b['actor']}，{b['created_at'] or ''}）{state}：案卷 {b['records']} 件；文件 {f['total']} 个"
            f"（完成 {f['done']}，失败 {f['failed']}，识别中 {f['running']}，排队 {f['queued']}）；"
            f"页面 已完成 {p['done']} / 失败 {p['failed']} / 已知共 {p['known']}"
        )

    def human() -> None:
        for b in doc.get("batches", [doc]):
            typer.echo(line(b))

    finish(doc, json_out, human)


@digitization_app.command("show")
def show(
    record_id: Annotated[str, typer.Argument(help="案卷 ID")],
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """查看一件案卷各扫描件逐页的质量检查、识别结果（含文字位置）与失败原因；个人信息按该用户的权限脱敏。"""
    from dangan.services.digitization import record_digitization

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        doc = record_digitization(archive, user, record_id)

    def human() -> None:
        typer.echo(f"案卷 {doc['archival_code']}（{doc['record_id']}）")
        if not doc["files"]:
            typer.echo("  没有扫描件，或尚未安排识别")
        for f in doc["files"]:
            typer.echo(
                f"  {f['path']}：{f['status_label']}，共 {f['pages'] if f['pages'] is not None else '?'} 页"
            )
            for p in f["page_results"]:
                qc = (p["qc"] or {}).get("verdict", "—")
                typer.echo(
                    f"    第 {p['page']} 页：{p['status_label']}，质量 {qc}"
                    + (f"，{p['error']}" if p["error"] else "")
                )
                if p["ocr"] and p["ocr"].get("text"):
                    typer.echo("      " + p["ocr"]["text"].replace("\n", "\n      "))

    finish(doc, json_out, human)
