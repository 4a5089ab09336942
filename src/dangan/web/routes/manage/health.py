"""Probes and metrics for operators: `/healthz`, `/readyz`, `/metrics` (no login, never a 500).

`/healthz` says only that the process answers (no database, so a slow catalogue cannot get a live
process restarted). `/readyz` runs the cached readiness checks of `services.oversight` and answers 503
when a required one fails. `/metrics` is the Prometheus text format: request latency per route template
(kept here, per process) and the catalogue's figures (computed at scrape time, exact across processes).
It answers only loopback clients or a request with `Authorization: Bearer <DANGAN_METRICS_TOKEN>`;
anyone else gets the same 404 as an unknown address. A loopback request that was forwarded (it carries
`X-Forwarded-For` or `Forwarded`) came from a reverse proxy's client and needs the token too.
"""

from __future__ import annotations

import logging
import secrets
import time
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dangan.services.oversight import CatalogueCollector, Readiness

log = logging.getLogger("dangan.web")
router = APIRouter(include_in_schema=False)
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
NO_STORE = {"Cache-Control": "no-store"}
UNMATCHED = "<unmatched>"  # every address no route knows shares one label: cardinality stays bounded


class _Metrics:
    def __init__(self, app: FastAPI) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.latency = Histogram("dangan_http_request_duration_seconds", "HTTP 请求耗时（秒），按路由模板",
                                 ["method", "route", "status"], registry=self.registry)  # fmt: skip
        ProcessCollector(namespace="dangan", registry=self.registry)
        self.registry.register(CatalogueCollector(app.state.archive))


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) and template else UNMATCHED


class RequestMetricsMiddleware:
    """Times every HTTP request, labelled by the matched route's template (`/records/{record_id}`)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), {"code": 500}

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            method = str(scope.get("method", "GET"))
            self.histogram.labels(method, _route_template(scope), str(status["code"])).observe(
                time.perf_counter() - started
            )


def install(app: FastAPI) -> None:
    """The probes' routes and the latency middleware (outermost, so it times everything)."""
    app.state.metrics = _Metrics(app)
    app.state.readiness = Readiness(app.state.archive)
    app.add_middleware(RequestMetricsMiddleware, histogram=app.state.metrics.latency)
    app.include_router(router)


@router.get("/healthz")
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=NO_STORE)


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    try:
        doc: dict[str, Any] = request.app.state.readiness.report().as_json()
    except Exception:  # a probe must answer; not ready is the honest answer
        log.exception("readiness check failed")
        doc = {"ready": False, "checks": {}, "advisory": []}
    return JSONResponse(doc, status_code=200 if doc["ready"] else 503, headers=NO_STORE)


def _may_scrape(request: Request) -> bool:
    token = request.app.state.archive.settings.metrics_token
    sent = request.headers.get("authorization", "")
    if token is not None and sent.lower().startswith("bearer "):
        return secrets.compare_digest(sent[7:].strip().encode(), token.get_secret_value().encode())
    forwarded = "x-forwarded-for" in request.headers or "forwarded" in request.headers
    return request.client is not None and request.client.host in LOOPBACK and not forwarded and not sent


@router.get("/metrics")
def metrics(request: Request) -> Response:
    if not _may_scrape(request):
        raise StarletteHTTPException(404)  # answered exactly like an address that does not exist
    body = generate_latest(request.app.state.metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
