"""四性检测 reports as printable PDFs (the XLSX downloads live with the quarantine routes)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from dangan.services.quality import quarantine_report_pdf, record_report_pdf

from ...deps import ArchiveDep, CurrentUser
from ...present import content_disposition

router = APIRouter(include_in_schema=False)


def pdf_response(name: str, data: bytes) -> Response:
    headers = {"Content-Disposition": content_disposition(name), "Cache-Control": "no-store"}
    return Response(data, media_type="application/pdf", headers=headers)


@router.get("/records/{record_id}/checks.pdf")
def record_report_download(archive: ArchiveDep, user: CurrentUser, record_id: str) -> Response:
    return pdf_response(*record_report_pdf(archive, user, record_id))


@router.get("/quarantine/{qid}/report.pdf")
def quarantine_report_download(archive: ArchiveDep, user: CurrentUser, qid: str) -> Response:
    return pdf_response(*quarantine_report_pdf(archive, user, qid))
