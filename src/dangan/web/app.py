"""The application factory: one FastAPI app per opened archive (nothing is built at import time)."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from dangan import __version__
from dangan.services.archive import Archive

from . import disk_full
from .client_address import ClientAddressMiddleware
from .errors import install_error_handlers
from .render import STATIC_DIR, make_templates
from .request_id import RequestIdMiddleware
from .routes import account, api, auth, help, practice
from .routes.collect import digitization, handover, intake, matters, quarantine, upload
from .routes.manage import (
    admin_users,
    alerts,
    apikeys,
    audit,
    health,
    lifecycle,
    sharing,
    subscriptions,
    synonyms,
)
from .routes.public import docs, oai, portal, proof
from .routes.use import files, graph, insight, pages, reports, requests
from .schemas import declare_common_errors
from .security import SESSION_COOKIE, SecurityHeadersMiddleware, csrf_protect, reject_nul

API_DESCRIPTION = (
    "档案管理系统对外接口。查询接口以浏览器会话（登录后的 Cookie）认证，或以业务系统的查询用 API Key"
    "（用途 read/both）认证：按该部门业务系统的权限（本部门档案及共享目录向其开放的档案）读取；业务系统推送案卷"
    "（`POST /api/v1/cases`）以推送用 API Key 认证：`Authorization: Bearer KEY`。"
    '所有错误均以 `{"error": {"code": "...", "message": "..."}}` 返回，并带相应的 HTTP 状态码。'
)


def create_app(archive: Archive, *, https_only: bool = False) -> FastAPI:
    """Build the web app (pages, files, `/api/v1`) serving `archive`.

    `https_only` marks the session cookie Secure; turn it on when the app is served over HTTPS.
    """
    app = FastAPI(
        title="Dangan 档案 API",
        version=__version__,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        dependencies=[Depends(reject_nul), Depends(csrf_protect)],
    )
    app.state.archive = archive
    app.state.templates = make_templates()
    install_error_handlers(app)
    disk_full.install(app)  # 507 in Chinese when the disk is full, whichever write hit it

    app.add_middleware(
        SessionMiddleware,
        secret_key=archive.settings.secret_key.get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=archive.settings.session_max_age,
        same_site="lax",
        https_only=https_only or archive.settings.secure_cookies,
    )
    app.add_middleware(ClientAddressMiddleware)  # the client address for the audit trail
    app.add_middleware(SecurityHeadersMiddleware)  # added last: outermost, so every response gets them

    docs.mount_assets(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    routes = (auth, pages, files, docs, api, intake, upload, apikeys, proof, quarantine, reports, matters,
              handover, portal, requests, account, audit, alerts, admin_users, synonyms, digitization, graph, insight, oai)  # fmt: skip
    for module in routes:
        app.include_router(module.router)
    app.include_router(lifecycle.router)  # 到期鉴定、销毁批次、销毁清册、冻结 (issue #20)
    app.include_router(sharing.router)  # 共享目录 (issue #19)
    app.include_router(subscriptions.router)  # 订阅：变更源与 Webhook (issue #19)
    app.include_router(help.router)  # 帮助：用户手册、错误说明、系统管理员手册 (issue #21)
    app.include_router(practice.router)  # 练习模式 (issue #21)
    health.install(app)  # /healthz, /readyz, /metrics and the request-latency middleware
    app.add_middleware(
        RequestIdMiddleware
    )  # outermost: X-Request-ID on every answer, its id in every log line
    declare_common_errors(app)  # after every router: documents the app-wide error answers
    return app
