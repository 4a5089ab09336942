"""The public portal (公众服务): no login, its own look (`portal_base.html`), the same answer for everyone.

Everything is asked as the anonymous public (`ANONYMOUS`), whoever is signed in, so the portal shows
exactly what the one access policy gives the public: records open to the public at 公开, personal data
masked by the services (`search`, `read_record`). Files are listed but not served here: the public reads
the catalogue; originals are consulted through the archive.

The progress lookup (办件进度查询) is `services.utilisation.lookup_progress`: a page with a POST form (the
second factor stays out of URLs and logs) and `GET /api/v1/public/progress` for other sites and apps.
Both answer an unknown number and a wrong factor with the same 404, and 429 with Retry-After past the
limits.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from dangan.access import ANONYMOUS
from dangan.core import NotFound, ValidationFailed
from dangan.services.records import read_record
from dangan.services.utilisation import (
    ApplicationProgress,
    SearchResult,
    TooManyLookups,
    lookup_progress,
    search,
)

from ...deps import ArchiveDep
from ...errors import error_json
from ...paging import make_pager, to_int
from ...render import render
from ...schemas import ErrorResponse

pages = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/public", tags=["公众服务"])
router = APIRouter()
PER_PAGE = 10
MAX_QUERY = 200
MAX_PAGE = 1000  # deeper pages are refused as unusable: nobody reads past 10 000 hits
NATURAL_PERSON = "个人"


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def public_applicant(view: Any) -> str:
    """A natural person's name is personal data the public need not see: the surname stays."""
    name = str(view.applicant_name or "")
    if view.applicant_type == NATURAL_PERSON and name:
        return name[0] + "*" * max(1, len(name) - 1)
    return name


@pages.get("/portal")
def portal_home(request: Request) -> Response:
    return render(request, "portal_home.html")


@pages.get("/public")
def public_alias() -> Response:
    return RedirectResponse("/portal", status_code=307)


@pages.get("/portal/search")
def portal_search(request: Request, archive: ArchiveDep, q: str = "", page: str = "") -> Response:
    query = q.strip()
    if len(query) > MAX_QUERY:
        error = ValidationFailed(f"检索词过长（不超过 {MAX_QUERY} 个字符）", code="query_too_long")
        return render(request, "portal_search.html", {"q": query[:MAX_QUERY], "result": None, "error": error})
    number = to_int(page, 1, high=MAX_PAGE) or 1

    def run(n: int) -> SearchResult:
        return search(archive, ANONYMOUS, query, limit=PER_PAGE, offset=(n - 1) * PER_PAGE, learn=False)

    result = run(number) if query else None
    pages_total = max(1, -(-result.total // PER_PAGE)) if result else 1
    if result is not None and not result.hits and number > pages_total:  # past the end: the last page
        number = min(pages_total, MAX_PAGE)
        result = run(number)
    context = {
        "q": query,
        "result": result,
        "offset": (number - 1) * PER_PAGE,
        "pager": make_pager("/portal/search", {"q": query}, number, min(pages_total, MAX_PAGE)),
    }
    return render(request, "portal_search.html", context)


@pages.get("/portal/records/{record_id}")
def portal_record(request: Request, archive: ArchiveDep, record_id: str) -> Response:
    try:
        read = read_record(archive, ANONYMOUS, record_id[:64], via="portal")
    except NotFound:  # missing and not open look alike, on the portal's own page
        return render(request, "portal_record.html", {"r": None}, status_code=404)
    context = {"r": read.view, "applicant": public_applicant(read.view), "files": read.record.files}
    return render(request, "portal_record.html", context)


@pages.get("/portal/verify")
def portal_verify(certificate: str = "") -> Response:
    """The certificate number typed on the portal leads to its verification page (`/verify/{id}`)."""
    wanted = certificate.strip()[:64]
    if not wanted:
        return RedirectResponse("/portal#verify", status_code=303)
    return RedirectResponse("/verify/" + quote(wanted, safe=""), status_code=303)


def _progress_page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    base = {"application": "", "answer": None, "error": None}
    return render(request, "portal_progress.html", {**base, **context}, status_code=status)


@pages.get("/portal/progress")
def progress_form(request: Request) -> Response:
    return _progress_page(request, {})


@pages.post("/portal/progress")
def progress_submit(
    request: Request,
    archive: ArchiveDep,
    application: Annotated[str, Form(max_length=200)] = "",
    check: Annotated[str, Form(max_length=50)] = "",
) -> Response:
    shown = application.strip()[:128]
    try:
        answer = lookup_progress(archive, application, check, _client(request))
    except TooManyLookups as exc:
        response = _progress_page(request, {"application": shown, "error": exc}, exc.status)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except (NotFound, ValidationFailed) as exc:
        return _progress_page(request, {"application": shown, "error": exc}, exc.status)
    return _progress_page(request, {"application": shown, "answer": answer})


class ProgressOut(BaseModel):
    application: str = Field(description="办件编号（业务系统中的 source_id）")
    matter: str = Field(description="审批事项")
    department: str = Field(description="办理部门")
    status: str = Field(description="办理状态：已受理、办理中或已办结")
    result: str | None = Field(description="办理结果（办结后才有）")
    decided_at: str | None = Field(description="办结日期（ISO 日期，办结后才有）")


@api.get(
    "/progress",
    response_model=ProgressOut,
    summary="办件进度与结果查询（无需登录）",
    description=(
        "以办件编号和申请人统一社会信用代码或身份证号码的后 6 位（不区分大小写）查询办理状态、结果和办结日期，"
        "不返回任何个人信息。编号不存在与校验码错误的回答完全相同（404）；同一来源地址和同一编号的尝试次数受限（429，"
        "附 Retry-After）。秘密及以上密级的办件不提供查询。"
    ),
    responses={
        404: {"model": ErrorResponse, "description": "未查到该办件（编号不存在或校验码不符）"},
        429: {"model": ErrorResponse, "description": "查询过于频繁"},
    },
)
def progress_api(
    request: Request,
    archive: ArchiveDep,
    application: Annotated[str, Query(min_length=1, max_length=128, description="办件编号")],
    check: Annotated[str, Query(min_length=1, max_length=50, description="申请人证件号码后 6 位")],
) -> Any:
    """Unknown numbers and wrong factors raise the same NotFound (the app's error envelope answers it)."""
    try:
        answer: ApplicationProgress = lookup_progress(archive, application, check, _client(request))
    except TooManyLookups as exc:
        body = exc.as_dict()
        headers = {"Retry-After": str(exc.retry_after)}
        return error_json(exc.status, body["code"], body["message"], headers=headers)
    return ProgressOut.model_validate(answer.as_json())


router.include_router(pages)
router.include_router(api)
