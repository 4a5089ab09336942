"""`/api/v1`: JSON for systems and scripts. People authenticate with their session; business systems
with a read-scoped API key (`Authorization: Bearer`), reading as their department's system under the one
access policy (its own records and what the sharing catalogue shares with it), every read audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from starlette.responses import Response, StreamingResponse

from dangan.access import RecordView
from dangan.services.records import BrowseFilter, browse, overview, read_record, similar_views
from dangan.services.share import log_machine_read
from dangan.services.utilisation import download_file, search

from ..deps import ApiReader, ArchiveDep
from ..present import content_disposition, district_name, file_name, file_urls, industry_name
from ..schemas import (
    Applicant,
    CodedValue,
    ErrorResponse,
    FileInfo,
    RecordDetail,
    RecordList,
    RecordSummary,
    SearchResponse,
    SimilarRecordModel,
    SimilarRecords,
    Stats,
)

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "未登录或 API Key 无效"},
    403: {"model": ErrorResponse, "description": "API Key 无查询权限"},
    422: {"model": ErrorResponse, "description": "参数有误"},
}
router = APIRouter(prefix="/api/v1", tags=["档案"], responses=ERRORS)


def _summary(record: RecordView) -> RecordSummary:
    return RecordSummary(
        record_id=record.id,
        archival_code=record.archival_code,
        title=record.title,
        source_system=record.source_system,
        source_id=record.source_id,
        department=record.department.name,
        matter=record.matter.name,
        year=record.year,
        decided_at=record.decided_at,
        security_level=record.security_level,
        url=f"/api/v1/records/{record.id}",
    )


def _coded(code: str | None, name: str | None) -> CodedValue | None:
    return CodedValue(code=code, name=name) if code else None


def _detail(record: RecordView) -> RecordDetail:
    return RecordDetail(
        record_id=record.id,
        archival_code=record.archival_code,
        fonds_code=record.fonds_code,
        title=record.title,
        doc_number=record.doc_number,
        source_system=record.source_system,
        source_id=record.source_id,
        department=record.department.name,
        matter=record.matter.name,
        matter_code=record.matter.code,
        applicant=Applicant(
            name=record.applicant_name,
            type=record.applicant_type,
            uscc=record.applicant_uscc,
            legal_representative=record.legal_representative,
            id_number=record.id_number,
            phone=record.phone,
            address=record.address,
        ),
        district=_coded(record.district, district_name(record.district)),
        industry=_coded(record.industry, industry_name(record.industry)),
        accepted_at=record.accepted_at,
        decided_at=record.decided_at,
        year=record.year,
        result=record.result,
        retention=record.retention,
        security_level=record.security_level,
        open_to_public=record.open_to_public,
        extra=record.extra or {},
        created_at=record.created_at,
        files=[
            FileInfo(
                position=f.position,
                path=f.path,
                role=f.role,
                media_type=f.media_type,
                size=f.size,
                sha256=f.sha256,
                **file_urls(record.id, f.position),
            )
            for f in record.files
        ],
    )


@router.get("/records", summary="浏览档案（可按部门、事项、年度、分类筛选，分页）")
def list_records(
    archive: ArchiveDep,
    user: ApiReader,
    department: Annotated[str | None, Query(max_length=200, description="形成部门名称")] = None,
    matter: Annotated[str | None, Query(max_length=200, description="审批事项名称")] = None,
    year: Annotated[int | None, Query(ge=1900, le=9999, description="年度")] = None,
    category: Annotated[
        str | None, Query(max_length=16, description="分类代码，如 XK-H（行政许可/住宿和餐饮业）")
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 20,
) -> RecordList:
    result = browse(
        archive,
        user,
        BrowseFilter(department or None, matter or None, year, category or None),
        page,
        per_page,
    )
    log_machine_read(archive, user, "list", {"page": page, "total": result.total,
                                             "records": [r.id for r in result.items]})  # fmt: skip
    return RecordList(
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        pages=result.pages,
        items=[_summary(r) for r in result.items],
    )


@router.get(
    "/records/{record_id}",
    summary="一件档案的元数据与文件",
    responses={404: {"model": ErrorResponse, "description": "档案不存在或无权查看"}},
)
def get_record(archive: ArchiveDep, user: ApiReader, record_id: str) -> RecordDetail:
    return _detail(read_record(archive, user, record_id, "api").view)


@router.get(
    "/records/{record_id}/similar",
    summary="相似档案（按语义，仅含当前用户可查看的档案）",
    responses={404: {"model": ErrorResponse, "description": "档案不存在或无权查看"}},
)
def similar(
    archive: ArchiveDep,
    user: ApiReader,
    record_id: str,
    limit: Annotated[int, Query(ge=1, le=50, description="最多返回几件")] = 10,
) -> SimilarRecords:
    found = similar_views(archive, user, record_id, k=limit)
    log_machine_read(archive, user, "similar", {"record_id": record_id,
                                                "records": [s.view.id for s in found or []]})  # fmt: skip
    items = [
        SimilarRecordModel(**_summary(s.view).model_dump(), score=round(s.score, 4)) for s in found or []
    ]
    return SimilarRecords(record_id=record_id, ready=found is not None, items=items)


@router.get(
    "/search",
    summary="检索（自然语言条件 + 全文；结果与命令行 search --json 相同）",
    response_model_exclude_unset=True,
)
def search_records(
    archive: ArchiveDep,
    user: ApiReader,
    q: Annotated[str, Query(min_length=1, max_length=200, description="检索式")],
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    sort: Annotated[
        Literal["relevance", "date"], Query(description="relevance 相关度 / date 日期")
    ] = "relevance",
    facets: Annotated[bool, Query(description="同时返回分面计数")] = False,
) -> SearchResponse:
    result = search(archive, user, q, limit=limit, offset=offset, sort=sort, facets=facets)
    doc = result.as_json()
    log_machine_read(archive, user, "search", {"query": q, "total": doc.get("total"),
                                               "records": [h.get("record_id") for h in doc.get("hits", [])]})  # fmt: skip
    return SearchResponse.model_validate(doc)


@router.get("/stats", summary="馆藏概况（当前用户可见范围内）")
def stats(archive: ArchiveDep, user: ApiReader) -> Stats:
    figures = overview(archive, user)
    log_machine_read(archive, user, "stats", {"records": figures.get("records")})
    return Stats(**figures)


@router.get(
    "/records/{record_id}/files/{position}",
    summary="下载一件档案的文件（共享类型允许下载时；按查看者打水印、遮盖个人信息）",
    responses={404: {"model": ErrorResponse, "description": "档案或文件不存在或无权查看"},
               410: {"model": ErrorResponse, "description": "档案已销毁"}},
    response_class=Response,
)  # fmt: skip
def download(
    archive: ArchiveDep,
    user: ApiReader,
    record_id: str,
    position: Annotated[int, PathParam(ge=0, le=100_000)],
) -> Response:
    delivery = download_file(archive, user, record_id, position)  # audited as a download by the reader
    headers = {"Cache-Control": "private, no-store"}
    if delivery.request_id:
        headers["X-Request-ID"] = delivery.request_id
    if delivery.filename is not None:
        headers["Content-Disposition"] = content_disposition(file_name(delivery.filename))
    if delivery.chunks is not None:
        if delivery.length is not None:
            headers["Content-Length"] = str(delivery.length)
        return StreamingResponse(delivery.chunks, media_type=delivery.media_type, headers=headers)
    return Response(delivery.body, media_type=delivery.media_type, headers=headers)
