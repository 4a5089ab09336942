"""Dependency aliases for routes: the archive, who is asking, and what they must be."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dangan.access import Principal
from dangan.core import AuthenticationFailed, NotFound
from dangan.services import ApiKeyInfo, Archive, authenticate_api_key, session_principal

SESSION_USER = "username"
SESSION_STAMP = "stamp"  # fingerprint of the password at login: a password change revokes the session


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


def api_key(request: Request) -> ApiKeyInfo:
    """The business system's key from `Authorization: Bearer KEY` (401 when absent, wrong or revoked)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("请在 Authorization 头中提供 API Key（Bearer）", code="api_key_required")
    return authenticate_api_key(request.app.state.archive, token)


ApiKeyDep = Annotated[ApiKeyInfo, Depends(api_key)]
