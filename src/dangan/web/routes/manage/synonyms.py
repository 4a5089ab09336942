"""`/admin/synonyms` (page) and `/api/v1/search/synonyms` (JSON): the archivist teaches search the words
staff actually type. The rules (who, which kinds, what a valid target is) are the service's, so the page,
the API and `dangan synonym` cannot disagree."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from dangan.access import Principal
from dangan.core import DanganError
from dangan.services.archive import Archive
from dangan.services.utilisation import (
    SYNONYM_KIND_LABELS,
    list_synonyms,
    remove_synonym,
    set_synonym,
    synonym_kind,
)

from ...deps import ArchiveDep, SynonymEditor
from ...render import render

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/search/synonyms", tags=["检索"])
KindText = Annotated[str, Form(max_length=20)]
AliasText = Annotated[str, Form(max_length=100)]
TargetText = Annotated[str, Form(max_length=200)]


def _page(
    request: Request,
    archive: Archive,
    user: Principal,
    *,
    kind: str = "",
    q: str = "",
    values: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """The whole table, or one kind of it; a kind the filter does not know is said, not a blank page."""
    error = extra.pop("error", None)
    try:
        shown = [synonym_kind(kind)] if kind.strip() else list(SYNONYM_KIND_LABELS)
    except DanganError as exc:
        shown, kind, error = list(SYNONYM_KIND_LABELS), "", error or exc
    entries = list_synonyms(archive, user, text=q)
    groups = [(k, SYNONYM_KIND_LABELS[k], [e for e in entries if e.kind == k]) for k in shown]
    context = {"groups": groups, "kinds": SYNONYM_KIND_LABELS, "filter_kind": shown[0] if kind else "",
               "q": q, "values": values or {}, "error": error, **extra}  # fmt: skip
    return render(request, "synonyms.html", context)


@pages.get("/admin/synonyms")
def synonyms_page(
    request: Request,
    archive: ArchiveDep,
    user: SynonymEditor,
    kind: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    edit_kind: Annotated[str, Query(max_length=20)] = "",
    edit_alias: Annotated[str, Query(max_length=100)] = "",
    edit_target: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    values = {"kind": edit_kind, "alias": edit_alias, "target": edit_target}
    return _page(request, archive, user, kind=kind, q=q, values=values)


@pages.post("/admin/synonyms")
def synonyms_save(
    request: Request,
    archive: ArchiveDep,
    user: SynonymEditor,
    kind: KindText = "",
    alias: AliasText = "",
    target: TargetText = "",
) -> Response:
    values = {"kind": kind, "alias": alias, "target": target}
    try:
        entry = set_synonym(archive, user, kind, alias, target)
    except DanganError as exc:
        return _page(request, archive, user, values=values, error=exc)
    replaced = f"（覆盖系统默认“{entry.default_target}”）" if entry.overrides else ""
    notice = f"已保存{entry.kind_label}：“{entry.alias}” → “{entry.target}”{replaced}，下一次检索即按此理解"
    return _page(request, archive, user, notice=notice, note=entry.note)


@pages.post("/admin/synonyms/remove")
def synonyms_remove(
    request: Request, archive: ArchiveDep, user: SynonymEditor, kind: KindText = "", alias: AliasText = ""
) -> Response:
    try:
        removed = remove_synonym(archive, user, kind, alias)
    except DanganError as exc:
        return _page(request, archive, user, error=exc)
    notice = f"已删除本馆的{removed.kind_label}“{removed.alias}”"
    if removed.overrides:
        notice += f"，恢复使用系统默认：“{removed.alias}” → “{removed.default_target}”"
    return _page(request, archive, user, notice=notice)


# ---- JSON API ----


class SynonymBody(BaseModel):
    kind: str = Field(max_length=20, description="departments、matters、industries、results 或其中文名称")
    alias: str = Field(max_length=100, description="检索用语（2–30 字）")
    target: str = Field(
        max_length=200, description="对应名称：部门全称结尾、事项名称片段、行业代码或办理结果"
    )


@api.get("", summary="检索同义词表（系统默认与本馆添加，档案管理员）")
def api_synonyms(
    archive: ArchiveDep,
    user: SynonymEditor,
    kind: Annotated[str | None, Query(max_length=20, description="只列出一类")] = None,
    q: Annotated[str, Query(max_length=100, description="检索用语或对应名称包含的文字")] = "",
) -> dict[str, Any]:
    return {"synonyms": [e.as_json() for e in list_synonyms(archive, user, kind=kind or None, text=q)]}


@api.put("", summary="添加或修改本馆的检索同义词（下一次检索生效）")
def api_set_synonym(archive: ArchiveDep, user: SynonymEditor, body: SynonymBody) -> dict[str, Any]:
    return set_synonym(archive, user, body.kind, body.alias, body.target).as_json()


@api.delete("", summary="删除本馆的检索同义词，返回被删除的条目（系统默认的不能删除）")
def api_remove_synonym(
    archive: ArchiveDep,
    user: SynonymEditor,
    kind: Annotated[str, Query(max_length=20)],
    alias: Annotated[str, Query(max_length=100)],
) -> dict[str, Any]:
    return remove_synonym(archive, user, kind, alias).as_json()


router = APIRouter()  # the one router the app includes: page and API together
router.include_router(pages)
router.include_router(api)
