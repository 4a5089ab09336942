"""Dependency aliases for routes: the archive, who is asking, and what they must be."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from dangan.access import Principal
from dangan.core import AuthenticationFailed, NotFound
from dangan.services.accounts import (
    ApiKeyInfo,
    authenticate_api_key,
    require_api_key_admin,
    require_user_admin,
    session_principal,
)
from dangan.services.archive import Archive
from dangan.services.intake import require_uploader
from dangan.services.oversight import require_alerts_admin, require_auditor
from dangan.services.quality import require_archivist, require_quarantine_access
from dangan.services.utilisation import require_synonym_editor

from .ratelimit import RateLimiter

SESSION_USER = "username"
SESSION_STAMP = "stamp"  # fingerprint of the password at login: a password change revokes the session
SESSION_STARTED = "iat"  # when the session was made (absolute expiry, DANGAN_SESSION_MAX_AGE)
SESSION_SEEN = "seen"  # last request (idle expiry, DANGAN_SESSION_IDLE_SECONDS)
SEEN_RESOLUTION = 60  # refresh `seen` at most once a minute: the cookie is not rewritten on every request


def now() -> float:
    """The clock sessions are timed by (tests move it)."""
    return time.time()


def start_session(request: Request, username: str, stamp: str) -> None:
    """A fresh session (and CSRF token) for a completed login."""
    request.session.clear()
    at = int(now())
    request.session.update(
        {SESSION_USER: username, SESSION_STAMP: stamp, SESSION_STARTED: at, SESSION_SEEN: at}
    )


def _session_expired(request: Request) -> bool:
    """Past the absolute lifetime or idle too long; refreshes the idle clock otherwise."""
    settings = request.app.state.archive.settings
    started, seen, at = request.session.get(SESSION_STARTED), request.session.get(SESSION_SEEN), now()
    if not isinstance(started, int) or not isinstance(seen, int):
        return True
    if at - started > settings.session_max_age or at - seen > settings.session_idle_seconds:
        return True
    if at - seen >= SEEN_RESOLUTION:
        request.session[SESSION_SEEN] = int(at)
    return False


class LoginRequired(AuthenticationFailed):
    """No valid session: pages answer with a redirect to /login, the API with 401."""

    def __init__(self) -> None:
        super().__init__("请先登录", code="unauthenticated")


def get_archive(request: Request) -> Archive:
    archive: Archive = request.app.state.archive
    return archive


ArchiveDep = Annotated[Archive, Depends(get_archive)]


def load_user(request: Request) -> Principal | None:
    """The principal of the session's user, loaded afresh per request (so deactivation takes effect now)."""
    cached = getattr(request.state, "user", None)
    if isinstance(cached, Principal):
        return cached
    username = request.session.get(SESSION_USER)
    if not isinstance(username, str) or not username:
        return None
    if _session_expired(request):
        request.session.clear()
        return None
    stamp = request.session.get(SESSION_STAMP)
    try:
        principal = session_principal(
            request.app.state.archive, username, stamp if isinstance(stamp, str) else ""
        )
    except NotFound:
        request.session.clear()
        return None
    request.state.user = principal
    return principal


def optional_user(request: Request) -> Principal | None:
    return load_user(request)


def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise LoginRequired()
    return user


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]
# The API authenticates people by session for now; per-system API keys will be accepted here too.
ApiUser = CurrentUser


def _signed_in_as(require: Callable[[Principal], None]) -> Any:
    """A signed-in user who passes one of the services' role checks (with the services' own message).

    Resolved before the route reads its query or form, so someone without the role learns nothing from
    validation errors."""

    def dependency(user: CurrentUser) -> Principal:
        require(user)
        return user

    return Depends(dependency)


Auditor = Annotated[Principal, _signed_in_as(require_auditor)]
UserAdmin = Annotated[Principal, _signed_in_as(require_user_admin)]
AlertsAdmin = Annotated[Principal, _signed_in_as(require_alerts_admin)]
ApiKeyAdmin = Annotated[Principal, _signed_in_as(require_api_key_admin)]
Uploader = Annotated[Principal, _signed_in_as(require_uploader)]
Archivist = Annotated[Principal, _signed_in_as(require_archivist)]
QuarantineUser = Annotated[Principal, _signed_in_as(require_quarantine_access)]
SynonymEditor = Annotated[Principal, _signed_in_as(require_synonym_editor)]


def api_key(request: Request) -> ApiKeyInfo:
    """The business system's key from `Authorization: Bearer KEY` (401 when absent, wrong or revoked)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("请在 Authorization 头中提供 API Key（Bearer）", code="api_key_required")
    info = authenticate_api_key(request.app.state.archive, token)
    limiter = getattr(request.app.state, "api_limiter", None)
    if not isinstance(limiter, RateLimiter):
        limiter = request.app.state.api_limiter = RateLimiter(
            request.app.state.archive.settings.api_rate_limit
        )
    if wait := limiter.hit(info.id):
        raise HTTPException(429, detail="rate_limited", headers={"Retry-After": str(wait)})
    return info


ApiKeyDep = Annotated[ApiKeyInfo, Depends(api_key)]
