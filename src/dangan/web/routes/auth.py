"""Login and logout: a session that holds only the username (the principal is reloaded per request).

An account with a second factor logs in in two steps: the right password leaves a short-lived "pending"
mark in the session (no principal), and only a valid TOTP or recovery code turns it into a session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from dangan.core import AuthenticationFailed
from dangan.services.accounts import begin_login, finish_login, is_first_login, session_stamp
from dangan.services.archive import Archive, log_event
from dangan.services.intake import DEMO_PASSWORD, demo_accounts

from ..deps import FIRST_LOGIN, ArchiveDep, OptionalUser, now, start_session
from ..ratelimit import FailureLimiter
from ..render import render
from ..security import safe_next

router = APIRouter(include_in_schema=False)
PENDING_USER, PENDING_AT, PENDING_NEXT = "mfa_user", "mfa_at", "mfa_next"
PENDING_SECONDS = 300  # time allowed between the password and the code


def _login_page(
    request: Request, target: str, *, error: str | None = None, username: str = "", status_code: int = 200
) -> Response:
    archive = request.app.state.archive
    demo = archive.settings.env == "development"
    accounts = demo_accounts() if demo else []
    people = [(a.username, a.display_name) for a in accounts if a.role not in ("clerk", "dept_head")]
    heads = {a.department: a.username for a in accounts if a.role == "dept_head"}
    departments = [
        (a.department, a.username, heads.get(a.department, "")) for a in accounts if a.role == "clerk"
    ]
    context = {
        "next": target,
        "error": error,
        "username": username,
        "logged_out": request.query_params.get("logged_out") == "1",
        "demo_users": people,
        "demo_departments": departments,
        "demo_password": DEMO_PASSWORD if demo else None,
        "lockout_threshold": archive.settings.lockout_threshold,
    }
    return render(request, "login.html", context, status_code=status_code)


def _limiter(request: Request) -> FailureLimiter:
    """The app's failed-login counter per client address (made on first use)."""
    limiter = getattr(request.app.state, "login_limiter", None)
    if not isinstance(limiter, FailureLimiter):
        settings = request.app.state.archive.settings
        limiter = FailureLimiter(settings.login_max_failures, float(settings.login_window_seconds))
        request.app.state.login_limiter = limiter
    return limiter


def _throttled(request: Request, page: str, target: str, username: str = "") -> Response | None:
    """The 429 page while this client address has failed too often, else None."""
    source = request.client.host if request.client else ""
    limiter = _limiter(request)
    if not limiter.blocked(source):
        return None
    wait = limiter.retry_after(source)
    error = f"登录失败次数过多，请 {-(-wait // 60)} 分钟后再试"
    response: Response
    if page == "totp":
        response = render(request, "login_totp.html", {"error": error}, status_code=429)
    else:
        response = _login_page(request, target, error=error, username=username, status_code=429)
    response.headers["Retry-After"] = str(wait)
    return response


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
    if (refused := _throttled(request, "password", target, username)) is not None:
        return refused
    source = request.client.host if request.client else ""
    try:
        step = begin_login(archive, username, password, source=source)
    except AuthenticationFailed as exc:
        _limiter(request).failed(source)
        return _login_page(request, target, error=exc.message, username=username, status_code=401)
    if step.second_factor:
        request.session.clear()
        request.session.update({PENDING_USER: username, PENDING_AT: int(now()), PENDING_NEXT: target})
        return RedirectResponse("/login/totp", status_code=303)
    _start(request, archive, step.principal.username)
    return RedirectResponse(target, status_code=303)


def _start(request: Request, archive: Archive, username: str) -> None:
    start_session(request, username, session_stamp(archive, username))
    if is_first_login(archive, username):
        request.session[FIRST_LOGIN] = True  # the guided tour starts by itself (see routes/help.py)


def _pending(request: Request) -> str | None:
    """The username waiting for its second factor, while the password step is recent enough."""
    username, at = request.session.get(PENDING_USER), request.session.get(PENDING_AT)
    if not isinstance(username, str) or not isinstance(at, int) or now() - at > PENDING_SECONDS:
        return None
    return username


@router.get("/login/totp")
def totp_form(request: Request) -> Response:
    if _pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "login_totp.html", {"error": None})


@router.post("/login/totp")
def totp_login(
    request: Request, archive: ArchiveDep, code: Annotated[str, Form(max_length=64)] = ""
) -> Response:
    username = _pending(request)
    if username is None:
        for key in (PENDING_USER, PENDING_AT, PENDING_NEXT):
            request.session.pop(key, None)
        return _login_page(request, "/", error="登录已超时，请重新输入用户名和密码", status_code=401)
    if (refused := _throttled(request, "totp", "/")) is not None:
        return refused
    if not code.strip():
        return render(request, "login_totp.html", {"error": "请输入动态口令"}, status_code=400)
    source = request.client.host if request.client else ""
    try:
        principal = finish_login(archive, username, code, source=source)
    except AuthenticationFailed as exc:
        _limiter(request).failed(source)
        return render(request, "login_totp.html", {"error": exc.message}, status_code=401)
    target = safe_next(request.session.get(PENDING_NEXT))
    _start(request, archive, principal.username)
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request, archive: ArchiveDep, user: OptionalUser) -> Response:
    if user is not None:
        log_event(archive, "logout", user.username)
    request.session.clear()
    return RedirectResponse("/login?logged_out=1", status_code=303)
