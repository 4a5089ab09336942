"""Jinja2 templates (autoescaped) and the helpers and filters every page shares."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from dangan.access import Principal
from dangan.core import DEFAULT_ZONE, DanganError, local_text, plain_message, zone_label
from dangan.domain import category_label, district_by_code
from dangan.services.quality import origin_label
from dangan.services.utilisation import awaiting_count

from .security import csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def filesize(n: int | None) -> str:
    """1536 -> '1.5 KB' (binary multiples, one decimal)."""
    if n is None:
        return "—"
    value = float(n)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _zone(context: Any) -> str:
    settings = context.get("settings") if context is not None else None
    return str(getattr(settings, "timezone", DEFAULT_ZONE))


@pass_context
def datefmt(context: Any, value: date | datetime | str | None, seconds: bool = False) -> str:
    """A stored time in the archive's zone (ISO strings from JSON included); a date as it is."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str) and len(value) > 10:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return local_text(value, _zone(context), seconds=seconds)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@pass_context
def zonename(context: Any, _value: Any = None) -> str:
    """'北京时间': the zone every time on the page is shown in."""
    return zone_label(_zone(context))


_FORMAT_LABELS = (  # PRONOM names, most specific first, as people in an archive call them
    ("PDF/A", "PDF/A 长期保存格式"), ("Acrobat PDF/A", "PDF/A 长期保存格式"), ("Acrobat PDF/X", "PDF/X 印刷格式"),
    ("Portable Document Format", "PDF 文档"), ("JPEG 2000", "JPEG 2000 图像"), ("JPEG", "JPEG 图像"),
    ("Exchangeable Image File Format", "JPEG 图像（含拍摄信息）"), ("Portable Network Graphics", "PNG 图像"),
    ("Tagged Image File Format", "TIFF 图像"), ("Graphics Interchange Format", "GIF 图像"), ("Windows Bitmap", "BMP 图像"),
    ("OFD", "OFD 版式文档"), ("Open Fixed-layout Document", "OFD 版式文档"), ("Microsoft Word", "Word 文档"),
    ("Microsoft Excel", "Excel 表格"), ("Office Open XML Document", "Word 文档"), ("Office Open XML Spreadsheet", "Excel 表格"),
    ("OpenDocument Text", "ODF 文字文档"), ("Plain Text", "纯文本"), ("Extensible Markup Language", "XML 文档"),
    ("JSON", "JSON 数据"), ("Comma Separated Values", "CSV 表格"), ("ZIP Format", "ZIP 压缩包"),
)  # fmt: skip


def format_label(name: str | None) -> str:
    """A Chinese name beside PRONOM's English one ('Acrobat PDF 1.7 - Portable Document Format' -> 'PDF 文档')."""
    text = name or ""
    for key, label in _FORMAT_LABELS:
        if key.lower() in text.lower():
            return label
    return text or "未知格式"


def district_label(code: str | None) -> str:
    """'130302' -> '海港区（130302）'; an unknown code as it is."""
    found = district_by_code(code) if code else None
    return f"{found.name}（{code}）" if found else str(code or "—")


def show(value: Any) -> str:
    """A metadata value for a table cell: dashes for empty, JSON for structures."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def json_text(value: Any) -> str:
    """A value as readable JSON (Chinese as characters, not \\u escapes); autoescape makes it HTML-safe."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def make_templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        filesize=filesize,
        datefmt=datefmt,
        show=show,
        category_label=category_label,
        json_text=json_text,
        zonename=zonename,
        origin_label=origin_label,
        plain=plain_message,
        district_label=district_label,
        format_label=format_label,
    )
    return Jinja2Templates(env=env)


def page_user(request: Request) -> Principal | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, Principal) else None


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int | None = None
) -> HTMLResponse:
    """Render a page with what the layout needs: the user, the CSRF token, the archive's settings.

    Every page may show an `error` (a DanganError, whose status the page answers with unless told
    otherwise) and a `notice`; both default to nothing, so a route that catches an error passes just
    `error=exc`."""
    templates: Jinja2Templates = request.app.state.templates
    archive = getattr(request.state, "archive", None) or request.app.state.archive  # a sandbox in 练习模式
    ctx: dict[str, Any] = {
        "user": page_user(request),
        "csrf_token": csrf_token(request),
        "settings": archive.settings,
        "path": request.url.path,
        "error": None,
        "notice": None,
    }
    user = ctx["user"]
    if user is not None and user.role.code in ("archivist", "dept_head"):
        ctx["awaiting"] = awaiting_count(archive, user)  # the nav badge: requests awaiting him
    ctx.update(context or {})
    if status_code is None:
        error = ctx["error"]
        status_code = error.status if isinstance(error, DanganError) else 200
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
