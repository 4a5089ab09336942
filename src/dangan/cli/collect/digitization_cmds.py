"""`dangan digitize run|status|show`: the digitization pipeline over stored records, from the terminal.

`run` reads in the foreground with a progress bar per page (what a worker would do in the background);
`status` shows a batch's progress, `show` one record's pages as the given user may see them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, progress_bar, run_as

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

    doc = run_as(data, as_user, lambda archive, user: record_digitization(archive, user, record_id))

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


# --- extraction: proposed fields, the archivist's confirmation, the classifier ---------------------------


def _show_fields(doc: dict[str, Any]) -> None:
    typer.echo(f"案卷 {doc['archival_code']}（{doc['record_id']}），已确认版本 {doc['version']}")
    if not doc["fields"]:
        typer.echo("  没有推荐的著录项（扫描件尚未识别，或文字中没有找到）")
    for f in doc["fields"]:
        shown = f["confirmed"] if f["confirmed"] is not None else f["current"]
        state = "已确认" if f["confirmed"] is not None else "目录"
        typer.echo(f"  {f['label']}（{f['field']}）：{state} {shown if shown is not None else '—'}")
        for p in f["proposals"][:3]:
            where = f"第 {p['page']} 页 {p['file']}" if p["page"] else (p["file"] or "分类模型")
            box = f" 位置 {p['box']}" if p["box"] else ""
            note = f"（{p['note']}）" if p["note"] else ""
            typer.echo(f"    推荐 {p['value']}  置信度 {p['confidence']:.2f}  {where}{box}{note}")


@digitization_app.command("propose")
def propose(
    record_id: Annotated[str, typer.Argument(help="案卷 ID")],
    pdf: Annotated[bool, typer.Option("--pdf", help="同时读取原生电子 PDF 的文字层")] = False,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """从案卷的识别文字（或原生 PDF 的文字）重新提取著录项推荐值：文号、日期、申请人、统一社会信用代码等。"""
    from dangan.services.digitization import propose_record

    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        doc = propose_record(archive, user, record_id, born_digital=True if pdf else None)
    finish(doc, json_out, lambda: _show_fields(doc))


def _pairs(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            err.print(f"[red]错误：[/red]--set 应写作 字段=值，例如 uscc=91130302MA0C8K4L3X（收到：{item}）")
            raise typer.Exit(2)
        out[name.strip()] = value
    return out


@digitization_app.command("confirm")
def confirm_fields(
    record_id: Annotated[str, typer.Argument(help="案卷 ID")],
    set_values: Annotated[
        list[str] | None,
        typer.Option("--set", help="确认或更正一个著录项：字段=值（字段可用英文键或中文名）"),
    ] = None,
    accept: Annotated[
        list[str] | None, typer.Option("--accept", help="接受某字段的最高置信度推荐值；all 表示全部")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="说明（记入确认记录）")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """档案管理员确认或更正著录项：每次确认保存为一个新版本（谁、何时、推荐值、确认值），并记入账本。"""
    from dangan.services.digitization import confirm

    values = _pairs(set_values or [])
    if not values and not accept:
        err.print("[red]错误：[/red]请用 --set 字段=值 或 --accept 字段 给出要确认的著录项")
        raise typer.Exit(2)
    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        doc = confirm(archive, user, record_id, values, note, accept=accept or ())

    def human() -> None:
        changes = doc["history"][-1]["changes"] if doc["history"] else []
        typer.echo(f"已保存确认版本 {doc['version']}：")
        for c in changes:
            how = "接受推荐" if c["accepted"] else "更正" if c["corrected"] else "填写"
            typer.echo(
                f"  {c['label']}：{c['confirmed']}（{how}；原值 {c['before'] if c['before'] is not None else '—'}）"
            )

    finish(doc, json_out, human)


classifier_app = typer.Typer(help="审批事项与分类的分类模型：用本馆已确认的案卷训练，在留出的案卷上检验")
digitization_app.add_typer(classifier_app, name="classifier")


def _status_line(s: dict[str, Any]) -> str:
    def pct(v: float | None) -> str:
        return "—" if v is None else f"{v:.1%}"

    return (
        f"{s['target_label']}：留出 {s['n_held_back']} 件上准确率 {pct(s['accuracy'])}"
        f"（只答最常见类别为 {pct(s['baseline'])}；前三命中 {pct(s['top3_accuracy'])}），"
        f"训练 {s['n_train']} 件，{s['trained_at']} 由 {s['actor']} 训练"
    )


@classifier_app.command("train")
def classifier_train(
    target: Annotated[
        str, typer.Option("--target", help="matter（审批事项）、category（分类）或 all（两者）")
    ] = "all",
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """用已确认的案卷（及业务系统归档时已知事项的案卷）训练分类模型，并报告留出案卷上的准确率。"""
    from dangan.services.digitization import train_classifier

    targets = ["matter", "category"] if target == "all" else [target]
    with archive_from(data) as archive:
        user = principal_from(archive, as_user)
        doc = {t: train_classifier(archive, user, t) for t in targets}

    def human() -> None:
        for s in doc.values():
            typer.echo(_status_line(s))

    finish(doc, json_out, human)


@classifier_app.command("status")
def classifier_status_cmd(
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """查看分类模型：留出案卷上的准确率、对照基线、训练案卷数与训练时间。"""
    from dangan.services.digitization import classifier_status, require_digitizer

    with archive_from(data) as archive:
        require_digitizer(principal_from(archive, as_user))
        doc = classifier_status(archive)

    def human() -> None:
        for target, s in doc.items():
            typer.echo(_status_line(s) if s else f"{'审批事项' if target == 'matter' else '分类'}：尚未训练")

    finish(doc, json_out, human)
