"""Login and logout: a session that holds only the username (the principal is reloaded per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.core import AuthenticationFailed
from dangan.services import DEMO_PASSWORD, authenticate, demo_accounts, session_stamp

from ..deps import SESSION_STAMP, SESSION_USER, ArchiveDep, OptionalUser
from ..ratelimit import FailureLimiter
from ..render import render
from ..security import safe_next

router = APIRouter(include_in_schema=False)
DEMO_USERS = ("archivist", "clerk1", "auditor")


def _login_page(
    request: Request, target: str, *, error: str | None = None, username: str = "", status_code: int = 200
) -> Response:
    archive = request.app.state.archive
    demo = archive.settings.env == "development"
    accounts = (
        [(a.username, a.display_name) for a in demo_accounts() if a.username in DEMO_USERS] if demo else []
    )
    context = {
        "next": target,
        "error": error,
        "username": username,
        "logged_out": request.query_params.get("logged_out") == "1",
        "demo_users": accounts,
        "demo_password": DEMO_PASSWORD if demo else None,
    }
    return render(request, "login.html", context, status_code=status_code)


def _limiter(request: Request) -> FailureLimiter:
    """The app's failed-login counter per client address (made on first use)."""
    limiter = getattr(request.app.state, "login_limiter", None)
    if not isinstance(limiter, FailureLimiter):
        limiter = request.app.state.login_limiter = FailureLimiter()
    return limiter


@router.get("/login")
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    target = safe_next(next)
    if user is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, target)


@router.post("/login")
def login(
    request: Request,
    archive: ArchiveDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    next_: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    target = safe_next(next_)
    username = username.strip()
    if not username or not password:
        return _login_page(request, target, error="请输入用户名和密码", username=username, status_code=400)
    source = request.client.host if request.client else ""
    limiter = _limiter(request)
    if limiter.blocked(source):
        minutes = -(-limiter.retry_after(source) // 60)
        error = f"登录失败次数过多，请 {minutes} 分钟后再试"
        response = _login_page(request, target, error=error, username=username, status_code=429)
        response.headers["Retry-After"] = str(limiter.retry_after(source))
        return response
    try:
        principal = authenticate(archive, username, password, source=source)
    except AuthenticationFailed as exc:
        limiter.failed(source)
        return _login_page(request, target, error=exc.message, username=username, status_code=401)
    request.session.clear()  # a fresh session (and CSRF token) on every login
    request.session[SESSION_USER] = principal.username
    request.session[SESSION_STAMP] = session_stamp(archive, principal.username)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login?logged_out=1", status_code=303)
