"""What the record page and the page viewer show of a record's scans: a summary per file (no text, so the
record page adds nothing the policy must mask), one page in full (masked for whoever must see personal
data masked), and its tables as CSV or XLSX.

Boxes in the stored OCR are in pixels of the scan as kept; the viewer shows the enhanced image (the same
size, turned by the deskew), so `page_detail` maps them onto it through the page's stored matrix.
"""

from __future__ import annotations

from typing import Any

from dangan.access import Principal, can_download
from dangan.core import NotFound, PermissionDenied, ValidationFailed
from dangan.services.archive import Archive, log_access
from dangan.services.records import record_for

from ._results import STATUS_LABELS, record_digitization, scans_of

_VERDICT_LABELS = {"pass": "通过", "warn": "警告", "fail": "不通过"}
_IDENTITY = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def scan_summary(archive: Archive, user: Principal, record_id: str) -> list[dict[str, Any]]:
    """Per scanned file: its state and, per page, the QC verdict with the items that did not pass and how
    much was read — counts only. Empty when the record has no scans. The caller has read the record
    under the policy (and logged the view); this never reveals more than that read allowed."""
    record = record_for(archive, user, record_id)
    with archive.db.read() as s:
        rows, pages = scans_of(s, record.id)
    out = []
    for f, rf in rows:
        done = {p.page: p for p in pages.get(f.id, [])}
        listed = []
        for n in range(1, max([f.pages or 0, *done]) + 1):
            p = done.get(n)
            qc = (p.qc or {}) if p else {}
            ocr = (p.ocr or {}) if p else {}
            listed.append({
                "page": n,
                "status": p.status if p else "queued",
                "status_label": STATUS_LABELS.get(p.status if p else "queued", ""),
                "error": p.error if p else None,
                "verdict": qc.get("verdict"),
                "verdict_label": _VERDICT_LABELS.get(qc.get("verdict") or "", ""),
                "problems": [i for i in qc.get("items", []) if i.get("verdict") != "pass"],
                "lines": len(ocr.get("lines", [])),
                "seals": len(ocr.get("seals", [])),
                "tables": len(ocr.get("tables", [])),
                "figures": len(ocr.get("figures", [])),
                "has_image": bool(p and p.image_sha256),
            })  # fmt: skip
        out.append({
            "position": rf.position, "path": rf.path, "status": f.status,
            "status_label": STATUS_LABELS.get(f.status, f.status), "error": f.error, "pages": listed,
            "done": sum(1 for p in listed if p["status"] in ("done", "failed")),
            "pdf": f.pdf_sha256 is not None, "pdf_size": f.pdf_size, "pdf_error": f.pdf_error,
        })  # fmt: skip
    return out


def _map(box: list[float], matrix: list[list[float]]) -> list[float]:
    """The axis-aligned bounds of `box` after the 2×3 affine `matrix` (scan pixels → enhanced image)."""
    x0, y0, x1, y1 = box[:4]
    xs, ys = [], []
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        xs.append(matrix[0][0] * x + matrix[0][1] * y + matrix[0][2])
        ys.append(matrix[1][0] * x + matrix[1][1] * y + matrix[1][2])
    return [round(min(xs), 1), round(min(ys), 1), round(max(xs), 1), round(max(ys), 1)]


def page_detail(
    archive: Archive, user: Principal, record_id: str, position: int, page: int
) -> dict[str, Any]:
    """One page as the viewer shows it: the file, the page's QC and OCR (masked as this user must see
    them), its neighbours, and every box mapped onto the enhanced image. The view is logged."""
    whole = record_digitization(archive, user, record_id)  # under the policy, masked, logged as a view
    scan = next((f for f in whole["files"] if f["position"] == position), None)
    if scan is None:
        raise NotFound("该文件不是扫描件或尚未识别")
    numbers = [p["page"] for p in scan["page_results"]]
    found = next((p for p in scan["page_results"] if p["page"] == page), None)
    if found is None:
        raise NotFound(f"第 {page} 页不存在")
    ocr = found.get("ocr") or {}
    matrix = ocr.get("matrix") or _IDENTITY
    overlay = {
        "lines": [{"n": i, "box": _map(line["box"], matrix)} for i, line in enumerate(ocr.get("lines", []))],
        "seals": [{"n": i, "box": _map(seal["box"], matrix)} for i, seal in enumerate(ocr.get("seals", []))],
        "tables": [{"n": i, "box": _map(t["box"], matrix)} for i, t in enumerate(ocr.get("tables", []))],
        "figures": [{"n": i, "box": _map(f["box"], matrix), "kind": f.get("kind")}
                    for i, f in enumerate(ocr.get("figures", []))],
    }  # fmt: skip
    qc = found.get("qc") or {}
    return {
        "record_id": whole["record_id"],
        "archival_code": whole["archival_code"],
        "masked": whole["masked"],
        "file": {k: scan[k] for k in ("position", "path", "status", "status_label", "pages")},
        "page": found,
        "qc_items": [{**i, "verdict_label": _VERDICT_LABELS.get(i.get("verdict", ""), "")} for i in qc.get("items", [])],
        "verdict_label": _VERDICT_LABELS.get(qc.get("verdict") or "", ""),
        "overlay": overlay,
        "previous": max((n for n in numbers if n < page), default=None),
        "next": min((n for n in numbers if n > page), default=None),
    }  # fmt: skip


def page_tables(
    archive: Archive,
    user: Principal,
    record_id: str,
    position: int,
    page: int,
    fmt: str,
    index: int | None = None,
) -> tuple[bytes, str, str]:
    """(bytes, file name, media type) of the page's tables: one as CSV (UTF-8 with BOM, for Excel on
    Chinese Windows), or all as XLSX with merged cells merged again. Masked as the page is."""
    if fmt not in ("csv", "xlsx"):
        raise ValidationFailed("导出格式只能是 csv 或 xlsx", code="bad_format")
    if not can_download(user, record_for(archive, user, record_id)):
        raise PermissionDenied("您对该档案只有查看权限，不能导出", code="download_forbidden")
    from dangan.digitize.tables import table_csv, table_from_json, tables_xlsx

    detail = page_detail(archive, user, record_id, position, page)
    found = (detail["page"].get("ocr") or {}).get("tables", [])
    if not found:
        raise NotFound("该页没有识别出表格")
    stem = f"{detail['archival_code']}-文件{position + 1}-第{page}页"
    log_access(archive, user.username, "download", detail["record_id"],
               {"via": "digitization_tables", "position": position, "page": page, "format": fmt})  # fmt: skip
    if fmt == "xlsx":
        book = tables_xlsx([table_from_json(t) for t in found])
        return book, f"{stem}-表格.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    n = index or 1
    if not 1 <= n <= len(found):
        raise NotFound(f"该页没有第 {n} 个表格")
    text = table_csv(table_from_json(found[n - 1]))
    return text.encode("utf-8-sig"), f"{stem}-表{n}.csv", "text/csv; charset=utf-8"


def describe_view(
    archive: Archive, user: Principal, record_id: str, position: int | None = None, page: int | None = None
) -> dict[str, Any]:
    """The confirmation page: every field's proposals beside the page image they came from. The page
    shown is the one asked for, else the one most proposals point at; the proposals on it carry their
    box mapped onto its enhanced image, so the source of each value is highlighted where it was read."""
    from ._confirm import proposals_for

    doc = proposals_for(archive, user, record_id)
    counted: dict[tuple[int, int], int] = {}
    for f in doc["fields"]:
        for p in f["proposals"]:
            if p.get("position") is not None and p.get("page") is not None and p.get("box"):
                key = (int(p["position"]), int(p["page"]))
                counted[key] = counted.get(key, 0) + 1
    if position is None or page is None:
        position, page = max(counted, key=lambda k: (counted[k], -k[0], -k[1])) if counted else (None, None)
    shown = None
    if position is not None and page is not None:
        try:
            shown = page_detail(archive, user, record_id, position, page)
        except NotFound:
            shown = None
    matrix = ((shown or {}).get("page", {}).get("ocr") or {}).get("matrix") or _IDENTITY
    for f in doc["fields"]:
        for p in f["proposals"]:
            here = (
                shown is not None and p.get("position") == position and p.get("page") == page and p.get("box")
            )
            p["overlay"] = _map(p["box"], matrix) if here else None
    doc["shown"] = shown
    doc["pages"] = [{"position": k[0], "page": k[1], "proposals": n} for k, n in sorted(counted.items())]
    doc["position"], doc["page"] = position, page
    return doc
