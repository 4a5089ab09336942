"""`dangan synonym`: the search synonyms (检索同义词) from the server's shell — list the table search reads,
add or change the archive's entries, remove them — the same services as the /admin/synonyms page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .._common import AsOpt, DataOpt, JsonOpt, archive_from, err, finish, principal_from, run_as

if TYPE_CHECKING:
    from dangan.services.utilisation import SynonymEntry

synonym_app = typer.Typer(
    help="检索同义词：日常说法与档案中的部门、审批事项、行业、办理结果的对应关系", no_args_is_help=True
)
# The kinds of dangan.services.utilisation.SYNONYM_KIND_LABELS, written out so that `--help` need not
# load the services; a test keeps the two equal.
KINDS = {"departments": "部门别称", "matters": "事项简称", "industries": "行业用语", "results": "结果用语"}
_KIND_HELP = "类别：" + "、".join(f"{code}（{label}）" for code, label in KINDS.items())
KindArg = Annotated[str, typer.Argument(help=_KIND_HELP, show_default=False)]
AliasArg = Annotated[str, typer.Argument(help="检索用语（日常说法，2–30 字），如 老工商", show_default=False)]
_TARGET_HELP = "对应名称：部门全称的结尾、事项名称中的文字、行业代码（如 H62）或办理结果"
TargetArg = Annotated[str, typer.Argument(help=_TARGET_HELP, show_default=False)]


def _line(e: SynonymEntry, zone: str) -> str:
    from dangan.core import local_text

    who = f"\t{e.updated_by} {local_text(e.updated_at, zone, seconds=False)}" if e.updated_at else ""
    over = f"（覆盖默认：{e.default_target}）" if e.overrides else ""
    return f"{e.kind_label}\t{e.alias}\t→ {e.target}{over}\t{e.source}{who}"


@synonym_app.command("list")
def synonym_list(
    kind: Annotated[str | None, typer.Option("--kind", help="只列出一类（英文或中文名称均可）")] = None,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """列出检索同义词：系统默认的与本馆添加的（本馆条目优先于同一用语的系统默认条目）。"""
    from dangan.services.utilisation import list_synonyms

    with archive_from(data) as archive:
        user = principal_from(archive, as_user) if as_user else None  # None: the operator at the shell
        entries, zone = list_synonyms(archive, user, kind=kind), archive.settings.timezone

    def human() -> None:
        for e in entries:
            typer.echo(_line(e, zone))

    finish({"synonyms": [e.as_json() for e in entries]}, json_out, human)


@synonym_app.command("set")
def synonym_set(
    kind: KindArg,
    alias: AliasArg,
    target: TargetArg,
    as_user: AsOpt = None,
    data: DataOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """添加或修改本馆的检索同义词（档案管理员），下一次检索即生效；修改记入账本。"""
    from dangan.services.utilisation import set_synonym

    entry = run_as(data, as_user, lambda archive, user: set_synonym(archive, user, kind, alias, target))

    def human() -> None:
        over = f"（覆盖系统默认“{entry.default_target}”）" if entry.overrides else ""
        err.print(f"已保存{entry.kind_label}：“{entry.alias}” → “{entry.target}”{over}", markup=False)
        if entry.note:
            err.print(f"提示：{entry.note}", markup=False)

    finish(entry, json_out, human)


@synonym_app.command("remove")
def synonym_remove(
    kind: KindArg, alias: AliasArg, as_user: AsOpt = None, data: DataOpt = None, json_out: JsonOpt = False
) -> None:
    """删除本馆的检索同义词（档案管理员）；系统默认的条目不能删除，只能以同一用语覆盖。"""
    from dangan.services.utilisation import remove_synonym

    removed = run_as(data, as_user, lambda archive, user: remove_synonym(archive, user, kind, alias))

    def human() -> None:
        again = f"，恢复使用系统默认“{removed.default_target}”" if removed.overrides else ""
        err.print(f"已删除本馆的{removed.kind_label}“{removed.alias}”{again}", markup=False)

    finish(removed, json_out, human)
