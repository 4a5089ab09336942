"""Jinja2 templates (autoescaped) and the helpers and filters every page shares."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from dangan.access import Principal
from dangan.domain import category_label

from .security import csrf_token

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"
_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")
LOCAL_TZ = timezone(timedelta(hours=8), "CST")  # stored in UTC, shown in Beijing time (no DST)


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


def datefmt(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


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
        filesize=filesize, datefmt=datefmt, show=show, category_label=category_label, json_text=json_text
    )
    return Jinja2Templates(env=env)


def page_user(request: Request) -> Principal | None:
    user = getattr(request.state, "user", None)
    return user if isinstance(user, Principal) else None


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page with what the layout needs: the user, the CSRF token, the archive's settings."""
    templates: Jinja2Templates = request.app.state.templates
    archive = request.app.state.archive
    ctx: dict[str, Any] = {
        "user": page_user(request),
        "csrf_token": csrf_token(request),
        "settings": archive.settings,
        "path": request.url.path,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    response.headers.setdefault("Cache-Control", "no-store")
    return response
