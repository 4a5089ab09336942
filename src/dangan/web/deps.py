"""Dependency aliases for routes: the archive, who is asking, and what they must be."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from dangan.access import Principal
from dangan.core import AuthenticationFailed, NotFound, PermissionDenied
from dangan.services.accounts import (
    ApiKeyInfo,
    authenticate_api_key,
    key_reader,
    require_api_key_admin,
    require_user_admin,
    session_principal,
)
from dangan.services.archive import Archive
from dangan.services.intake import require_uploader
from dangan.services.oversight import require_alerts_admin, require_auditor
from dangan.services.practice import PracticeHub
from dangan.services.quality import require_archivist, require_quarantine_access
from dangan.services.utilisation import require_synonym_editor

from .ratelimit import RateLimiter

SESSION_USER = "username"
SESSION_STAMP = "stamp"  # fingerprint of the password at login: a password change revokes the session
SESSION_STARTED = "iat"  # when the session was made (absolute expiry, DANGAN_SESSION_MAX_AGE)
SESSION_SEEN = "seen"  # last request (idle expiry, DANGAN_SESSION_IDLE_SECONDS)
SEEN_RESOLUTION = 60  # refresh `seen` at most once a minute: the cookie is not rewritten on every request
FIRST_LOGIN = "first_login"  # this session began with the user's first login: the guided tour starts itself
SESSION_PRACTICE = "practice"  # practice mode (练习模式): this session's requests are served by a sandbox
_hub_guard = threading.Lock()


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


def practice_hub(request: Request) -> PracticeHub:
    """The app's practice sandboxes (made on first use)."""
    with _hub_guard:
        hub = getattr(request.app.state, "practice", None)
        if not isinstance(hub, PracticeHub):
            hub = request.app.state.practice = PracticeHub(request.app.state.archive.settings)
        return hub


def get_archive(request: Request) -> Archive:
    """The real archive, or the user's sandbox while his session is in practice mode (练习模式).

    Loading the user first settles which one: the session is checked against the real archive, and
    `load_user` puts the sandbox on `request.state.archive` when practice mode is on."""
    load_user(request)
    archive = getattr(request.state, "archive", None)
    if isinstance(archive, Archive):
        return archive
    real: Archive = request.app.state.archive
    return real


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
    if request.session.get(SESSION_PRACTICE):
        principal = _in_practice(request, principal)
    request.state.user = principal
    return principal


def _in_practice(request: Request, real: Principal) -> Principal:
    """The same-named account in the user's sandbox; the sandbox serves the rest of the request."""
    hub = practice_hub(request)
    sandbox = hub.sandbox(real.username)
    if sandbox is None:  # thrown away meanwhile: back to the real archive, never half in both
        request.session.pop(SESSION_PRACTICE, None)
        return real
    try:
        principal = hub.principal(sandbox, real.username)
    except NotFound:
        request.session.pop(SESSION_PRACTICE, None)
        return real
    request.state.archive = sandbox
    return principal


def optional_user(request: Request) -> Principal | None:
    return load_user(request)


def current_user(user: Annotated[Principal | None, Depends(optional_user)]) -> Principal:
    if user is None:
        raise LoginRequired()
    return user


OptionalUser = Annotated[Principal | None, Depends(optional_user)]
CurrentUser = Annotated[Principal, Depends(current_user)]
# People by session only (utilization requests, proofs); what business systems may read takes `ApiReader`.
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


def _bearer_key(request: Request) -> ApiKeyInfo:
    """The business system's key from `Authorization: Bearer KEY` (401 when absent, wrong or revoked),
    counted against its per-minute budget (429 beyond it)."""
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


def api_key(request: Request) -> ApiKeyInfo:
    """A key that may push cases (scope ingest or both); a read-only key is refused with 403."""
    info = _bearer_key(request)
    if not info.may_ingest:
        raise PermissionDenied("该 API Key 仅用于查询，不能推送案卷", code="api_key_scope")
    return info


ApiKeyDep = Annotated[ApiKeyInfo, Depends(api_key)]


def api_reader(request: Request) -> Principal:
    """Who reads through `/api/v1`: a business system by its read-scoped key (`Authorization: Bearer`,
    its department's system under the one policy), else the signed-in person."""
    if request.headers.get("authorization", "").strip():
        cached = getattr(request.state, "api_reader", None)
        if isinstance(cached, Principal):
            return cached
        principal = key_reader(request.app.state.archive, _bearer_key(request))
        request.state.api_reader = principal
        return principal
    return current_user(load_user(request))


ApiReader = Annotated[Principal, Depends(api_reader)]
