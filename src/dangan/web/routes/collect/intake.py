"""`POST /api/v1/cases`: business systems push one case package, authenticated by their API key.

The body is parsed as it arrives: files go straight to a private staging folder, so a 2 GB scan costs
64 KB of memory; the folder is removed whatever happens, a client that hangs up mid-body included.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, Response

from dangan.core import DanganError
from dangan.services.accounts import ApiKeyInfo
from dangan.services.archive import Archive
from dangan.services.intake import (
    IngestOutcome,
    ReceivedUpload,
    UploadReceiver,
    UploadTooLarge,
    early_scope_check,
    push_case,
    too_large,
)

from ...deps import ApiKeyDep, ArchiveDep
from ...schemas import ErrorResponse

log = logging.getLogger("dangan.web.intake")


class PushResult(BaseModel):
    record_id: str = Field(description="档案 ID")
    archival_code: str = Field(description="档号")
    source_system: str = Field(description="来源系统")
    source_id: str = Field(description="来源编号（幂等键的一部分）")
    duplicate: bool = Field(default=False, description="是否为已归档案卷的重复推送（此时状态码为 200）")


def _err(text: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": text}


RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": PushResult, "description": "重复推送：该案卷已归档，未重复保存"},
    401: _err("缺少 API Key，或 Key 无效、已吊销"),
    403: _err("案卷超出该 Key 的范围（来源系统、部门或审批事项）"),
    409: _err("同一来源编号的案卷已归档且内容不同（不会覆盖）"),
    413: _err("请求体超过大小上限（DANGAN_MAX_UPLOAD_BYTES）"),
    422: _err("案卷包校验未通过，details 逐项列出问题及字段"),
    429: _err("该 Key 请求过于频繁，请按 Retry-After 稍后再试"),
}
MULTIPART_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["case", "files"],
                    "properties": {
                        "case": {"type": "string", "description": "case.json 的内容（案卷包 v1）"},
                        "files": {
                            "type": "array",
                            "items": {"type": "string", "format": "binary"},
                            "description": "每个文件一个部分，文件名为它在 case.json 中的 path",
                        },
                    },
                }
            }
        },
    }
}
router = APIRouter(prefix="/api/v1", tags=["收集"])


def check_declared_size(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)


async def receive_body(request: Request, receiver: UploadReceiver) -> ReceivedUpload:
    """Feed the request body to `receiver`. When it refuses the upload part-way (out of scope, a bad
    part), the rest of the body is read and dropped, so that the client, still sending, gets to read
    the answer instead of a reset connection; a body over the size limit is not read any further."""
    stream = request.stream()
    try:
        async for chunk in stream:
            receiver.feed(chunk)
    except UploadTooLarge:
        raise
    except DanganError:
        seen = receiver.upload.bytes_received
        async for chunk in stream:
            seen += len(chunk)
            if seen > receiver.max_bytes:
                break
        raise
    return receiver.finish()


def outcome_body(outcome: IngestOutcome) -> dict[str, Any]:
    return PushResult(
        record_id=outcome.record_id or "",
        archival_code=outcome.archival_code or "",
        source_system=outcome.source_system or "",
        source_id=outcome.source_id or "",
        duplicate=outcome.status == "duplicate",
    ).model_dump()


async def _push(request: Request, archive: Archive, receiver: UploadReceiver, key: ApiKeyInfo) -> Response:
    upload = await receive_body(request, receiver)
    outcome = await run_in_threadpool(push_case, archive, key, upload)
    status = 200 if outcome.status == "duplicate" else 201
    return JSONResponse(outcome_body(outcome), status_code=status)


@router.post(
    "/cases",
    status_code=201,
    summary="推送一个案卷（业务系统，API Key 认证）",
    response_model=PushResult,
    responses=RESPONSES,
    openapi_extra=MULTIPART_BODY,
)
async def push_case_route(request: Request, archive: ArchiveDep, key: ApiKeyDep) -> Response:
    """multipart/form-data：一个 `case` 部分（case.json 内容），每个文件一个 `files` 部分（文件名即 path）。
    以 `(source_system, source_id)` 幂等：重复推送返回 200 与原档号，不重复保存。"""
    limit = archive.settings.max_upload_bytes
    check_declared_size(request, limit)
    receiver = UploadReceiver(
        archive.staging,
        request.headers.get("content-type", ""),
        max_bytes=limit,
        on_field=early_scope_check(key),
    )
    try:
        return await _push(request, archive, receiver, key)
    except ClientDisconnect:
        log.info("push from %s abandoned mid-upload by the client", key.actor)
        return Response(status_code=400)
    finally:
        receiver.discard()
