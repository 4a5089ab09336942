"""Certified copies on the web: the archivist's 出具档案证明 button and the public verification portal.

`/verify/{id}` needs no login — the QR code on the certificate leads there — and shows only what the
certificate's summary holds (档号, 题名, file names and hashes), never the applicant's personal data.
The upload form on it is an ordinary POST with the CSRF token the GET put in the session; an uploaded PDF
is judged by the certify service on its two halves (PAdES signature, ledger proof) shown side by side.
The rest of the public portal (search, record pages, progress lookup) is in `portal_public`, included here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from dangan.services.archive import Archive, ledger_public_keys
from dangan.services.certify import (
    OFD_MEDIA_TYPE,
    certificate_pdf,
    check_certificate,
    check_uploaded_copy,
    issue_certificate,
    issue_ofd_certificate,
)

from ...deps import ArchiveDep, CurrentUser, OptionalUser
from ...present import content_disposition
from ...render import render
from ...schemas import ErrorResponse
from . import portal_public

router = APIRouter()
router.include_router(portal_public.router)
CHUNK = 1024 * 1024


def _pdf(name: str, data: bytes, media_type: str = "application/pdf") -> Response:
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type=media_type, headers=headers)


@router.post("/records/{record_id}/certify", include_in_schema=False)
def certify_record(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    record_id: str,
    purpose: Annotated[str, Form(max_length=200)] = "核验",
    format: Annotated[str, Form(max_length=8)] = "pdf",
) -> Response:
    """Issue a certified copy (PDF, or OFD with the seal when the form says so) and hand it straight
    to the archivist's browser."""
    if format == "ofd":
        cert = issue_ofd_certificate(
            archive, user, record_id, purpose or "核验", base_url=str(request.base_url)
        )
        return _pdf(f"档案证明-{cert.id}.ofd", cert.pdf, OFD_MEDIA_TYPE)
    cert = issue_certificate(archive, user, record_id, purpose or "核验", base_url=str(request.base_url))
    return _pdf(f"档案证明-{cert.id}.pdf", cert.pdf)


@router.get("/certificates/{certificate_id}.pdf", include_in_schema=False)
def certificate_download(archive: ArchiveDep, user: CurrentUser, certificate_id: str) -> Response:
    row, data = certificate_pdf(archive, user, certificate_id)
    if row.summary.get("format") == "ofd":
        return _pdf(f"档案证明-{row.id}.ofd", data, OFD_MEDIA_TYPE)
    return _pdf(f"档案证明-{row.id}.pdf", data)


def _page(
    request: Request,
    archive: Archive,
    certificate_id: str,
    upload: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    context = {
        "cert": check_certificate(archive, certificate_id),
        "upload": upload,
        "keys": ledger_public_keys(archive),
    }
    return render(request, "portal_verify.html", context, status_code=status)


@router.get("/verify/{certificate_id}", include_in_schema=False)
def verify_page(request: Request, archive: ArchiveDep, _user: OptionalUser, certificate_id: str) -> Response:
    return _page(request, archive, certificate_id)


@router.post("/verify/{certificate_id}", include_in_schema=False)
async def verify_upload(
    request: Request,
    archive: ArchiveDep,
    _user: OptionalUser,
    certificate_id: str,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Check the uploaded PDF's signature and ledger proof, and whether it is exactly this certificate."""
    check_certificate(archive, certificate_id)  # 404 for an unknown id before reading the upload
    if file is None or not file.filename:
        return _page(request, archive, certificate_id, {"error": "请选择要核验的证明文件（PDF）"}, 422)
    chunks, size, limit = [], 0, archive.settings.max_upload_bytes
    while chunk := await file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            return _page(request, archive, certificate_id, {"error": "文件过大"}, 413)
        chunks.append(chunk)
    pdf = b"".join(chunks)
    result = await run_in_threadpool(check_uploaded_copy, archive, pdf, certificate_id)
    return _page(request, archive, certificate_id, result | {"name": file.filename})


# -- the machine-readable view ---------------------------------------------------------------------


class CertFile(BaseModel):
    name: str
    sha256: str
    size: int


class CertCheckpoint(BaseModel):
    tree_size: int
    root: str
    issued_at: str
    key_id: str


class CertificateOut(BaseModel):
    certificate_id: str
    issued_at: str = Field(description="出证时间（UTC）")
    issuer: str
    purpose: str
    archive: str | None = Field(description="出证档案馆（全宗名称）")
    fonds_code: str | None
    archival_code: str | None = Field(description="档号")
    title: str | None = Field(description="题名")
    doc_number: str | None
    decided_at: str | None
    files: list[CertFile] = Field(description="所证明的文件及其 SHA-256")
    pdf_sha256: str = Field(description="证明 PDF 的 SHA-256")
    leaf_index: int = Field(description="出证事件在账本中的序号")
    checkpoint: CertCheckpoint = Field(description="据以核验的最新签名检查点")
    valid: bool = Field(description="出证条目是否包含在该检查点之下、检查点签名是否有效")
    problems: list[str]


@router.get(
    "/api/v1/certificates/{certificate_id}",
    tags=["防篡改"],
    summary="档案证明的公开核验信息（无需登录）",
    responses={404: {"model": ErrorResponse, "description": "没有这个档案证明编号"}},
)
def certificate_json(archive: ArchiveDep, certificate_id: str) -> CertificateOut:
    return CertificateOut.model_validate(check_certificate(archive, certificate_id))
