"""Browser-facing safeguards: security headers, CSRF tokens and safe redirect targets."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dangan.core import PermissionDenied, ValidationFailed

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'"
)
SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
}
SESSION_COOKIE = "dangan_session"
CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def apply_security_headers(headers: MutableHeaders) -> None:
    for name, value in SECURITY_HEADERS.items():
        if name not in headers:
            headers[name] = value


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that passes through (pure ASGI: streams stay streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


async def csrf_protect(request: Request) -> None:
    """App-wide dependency: every unsafe request made with the session cookie must carry the token.

    Requests authenticated by an `Authorization` header (API keys of business systems) carry no
    ambient credentials and are exempt.
    """
    if request.method not in UNSAFE_METHODS or "authorization" in request.headers:
        return
    if request.url.path.startswith("/api/") and SESSION_COOKIE not in request.cookies:
        return  # no ambient credential to abuse: the route's own authentication answers (401)
    expected = request.session.get(CSRF_SESSION_KEY)
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise PermissionDenied("页面已过期或请求来源无法验证，请刷新页面后重试", code="csrf_failed")


async def reject_nul(request: Request) -> None:
    """App-wide dependency: a NUL character in the path or the query string is refused up front (422).

    No legitimate identifier or search term contains one, and PostgreSQL cannot even compare text with
    it: left through, it would surface as a database error (500) instead of a clear answer.
    """
    params = request.query_params.multi_items()
    if "\x00" in request.scope.get("path", "") or any("\x00" in k or "\x00" in v for k, v in params):
        raise ValidationFailed("请求地址或参数中含有不允许的空字符（NUL）", code="invalid_characters")


def safe_next(target: str | None, default: str = "/") -> str:
    """`target` when it is a path on this site; `default` for anything that could leave it."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 for c in target):
        return default
    return target
