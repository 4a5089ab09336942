"""How a record is shown: labelled metadata rows, code names, file kinds, download headers.

Shared by the pages and the API so both describe a record the same way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from dangan.domain import category_label, district_by_code, industry_by_code
from dangan.services.utilisation import FileKind, file_kind  # noqa: F401  (re-exported for pages and tests)

MAX_PREVIEW_PAGES = 50


def district_name(code: str | None) -> str | None:
    if not code:
        return None
    district = district_by_code(code)
    return district.full_name if district is not None else None


def industry_name(code: str | None) -> str | None:
    if not code:
        return None
    industry = industry_by_code(code)
    return industry.name if industry is not None else None


def coded(code: str | None, name: str | None) -> str | None:
    """'130302 河北省秦皇岛市海港区', or the code alone when it has no known name."""
    if not code:
        return None
    return f"{code} {name}" if name else code


def record_rows(record: Any) -> list[tuple[str, Any]]:
    """The metadata table of the record page, in DA/T 46 order of importance."""
    return [
        ("档号", record.archival_code),
        ("题名", record.title),
        ("文号", record.doc_number),
        ("来源系统 / 来源编号", f"{record.source_system} / {record.source_id}"),
        ("形成部门", record.department.name),
        ("审批事项", record.matter.name + (f"（{record.matter.code}）" if record.matter.code else "")),
        ("统一社会信用代码", record.applicant_uscc),
        ("行政区划", coded(record.district, district_name(record.district))),
        ("行业", coded(record.industry, industry_name(record.industry))),
        ("分类", coded(record.category, category_label(record.category)) if record.category else None),
        ("受理日期", record.accepted_at),
        ("办结日期", record.decided_at),
        ("办理结果", record.result),
        ("保管期限", record.retention),
        ("密级", record.security_level),
        ("是否开放", record.open_to_public),
        ("归档时间", record.created_at),
    ]


def applicant_rows(record: Any) -> list[tuple[str, Any]]:
    return [
        ("申请人", record.applicant_name),
        ("申请人类型", record.applicant_type),
        ("法定代表人", record.legal_representative),
        ("身份证件号码", record.id_number),
        ("联系电话", record.phone),
        ("地址", record.address),
    ]


def file_name(path: str) -> str:
    """The last component of a package path ('材料/决定书.pdf' -> '决定书.pdf')."""
    return path.replace("\\", "/").rsplit("/", 1)[-1] or "file"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """RFC 6266 header with an ASCII fallback and the UTF-8 name as RFC 5987 `filename*`."""
    stem, dot, suffix = filename.rpartition(".")
    if not dot:
        stem, suffix = filename, ""

    def ascii_part(text: str) -> str:
        return "".join(c for c in text if 0x20 < ord(c) < 0x7F and c not in '"\\;%')

    fallback = (ascii_part(stem) or "file") + (f".{ascii_part(suffix)}" if ascii_part(suffix) else "")
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def record_url(record_id: str) -> str:
    return f"/records/{record_id}"


def file_urls(record_id: str, position: int) -> dict[str, str]:
    base = f"/records/{record_id}/files/{position}"
    return {"preview_url": base, "download_url": f"{base}/download"}
