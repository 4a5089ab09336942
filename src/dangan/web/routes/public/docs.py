"""`/api/docs`: Swagger UI served from the local `swagger-ui-bundle-v2` wheel (no CDN).

Without that package a plain reference page is rendered from the same OpenAPI document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from ...render import render

try:
    from swagger_ui_bundle import swagger_ui_path as _swagger_path  # type: ignore[import-untyped,unused-ignore]
except ImportError:  # pragma: no cover - the fallback page is tested by switching SWAGGER_DIR off
    _swagger_path = None

SWAGGER_DIR: Path | None = Path(_swagger_path) if _swagger_path else None
SWAGGER_MOUNT = "/static/swagger-ui"
router = APIRouter(include_in_schema=False)


def mount_assets(app: FastAPI) -> None:
    """Mount the Swagger UI files (before `/static`, which would otherwise shadow them)."""
    if SWAGGER_DIR is not None and SWAGGER_DIR.is_dir():
        app.mount(SWAGGER_MOUNT, StaticFiles(directory=SWAGGER_DIR), name="swagger-ui")


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    ops = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = [
                {
                    "name": p.get("name"),
                    "where": p.get("in"),
                    "required": p.get("required", False),
                    "description": p.get("description") or "",
                }
                for p in op.get("parameters", [])
            ]
            ops.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "params": params,
                    "responses": sorted(op.get("responses", {})),
                }
            )
    return ops


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    app: FastAPI = request.app
    mounted = any(getattr(r, "path", None) == SWAGGER_MOUNT for r in app.routes)
    if mounted:
        context: dict[str, Any] = {"openapi_url": app.openapi_url, "assets": SWAGGER_MOUNT}
        return render(request, "api_docs.html", context)
    spec = app.openapi()
    context = {"spec": spec, "operations": _operations(spec), "openapi_url": app.openapi_url}
    return render(request, "api_reference.html", context)
