"""API keys of business systems: created by an administrator, shown once, stored hashed, revocable.

A key reads `dgk_<id>_<secret>`: the id is public (it names the key in lists, logs and events), the
secret is 256 random bits of which only the SHA-256 is kept. A key is bound to one source system and
one department, optionally to some approval matters, so a leaked key can only push that department's
cases under that system's name.

A key also has a scope (migration 0028): `ingest` (push cases, the default and what every older key
is), `read` (search, metadata, downloads and feeds as that department's business system, through the
one access policy within the key's clearance) or `both`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    ProblemList,
    ValidationFailed,
    utcnow,
)
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import ApiKey

KEY_PREFIX = "dgk"
_KEY = re.compile(r"^dgk_([0-9a-f]{12})_([A-Za-z0-9_\-]{20,100})$")
_SYSTEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:\-/]{0,127}$")
# Writing last_used_at on every push would take the catalogue's write lock once more per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
KEY_ADMINS = frozenset({Role.SYSADMIN})
SCOPE_INGEST, SCOPE_READ, SCOPE_BOTH = "ingest", "read", "both"
KEY_SCOPES = {SCOPE_INGEST: "仅推送", SCOPE_READ: "仅查询", SCOPE_BOTH: "推送和查询"}


@dataclass(frozen=True)
class ApiKeyInfo:
    """A key as everyone but its holder sees it: never the secret."""

    id: str
    system: str
    department: str
    matters: tuple[str, ...]
    label: str | None
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None
    last_used_at: datetime | None = None
    scope: str = SCOPE_INGEST
    clearance: str = SecurityLevel.INTERNAL.label

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    @property
    def may_ingest(self) -> bool:
        return self.scope in (SCOPE_INGEST, SCOPE_BOTH)

    @property
    def may_read(self) -> bool:
        return self.scope in (SCOPE_READ, SCOPE_BOTH)

    @property
    def actor(self) -> str:
        """How events name what this key did."""
        return f"apikey:{self.id}"

    def allows_matter(self, name: str | None, code: str | None) -> bool:
        return not self.matters or name in self.matters or (code is not None and code in self.matters)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "system": self.system, "department": self.department,
            "matters": list(self.matters), "label": self.label, "active": self.active,
            "created_at": self.created_at.isoformat(), "created_by": self.created_by,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revoked_by": self.revoked_by,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "scope": self.scope, "clearance": self.clearance,
        }  # fmt: skip


def may_manage_api_keys(user: Principal) -> bool:
    """Keys are system configuration: the 系统管理员's duty under 三员分立."""
    return user.role in KEY_ADMINS


def require_api_key_admin(user: Principal) -> None:
    if not may_manage_api_keys(user):
        raise PermissionDenied("只有系统管理员可以管理接口密钥", code="forbidden")


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every time we store is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _info(row: ApiKey) -> ApiKeyInfo:
    created = _aware(row.created_at)
    assert created is not None
    return ApiKeyInfo(
        id=row.id, system=row.system, department=row.department, matters=tuple(row.matters or ()),
        label=row.label, created_at=created, created_by=row.created_by, revoked_at=_aware(row.revoked_at),
        revoked_by=row.revoked_by, last_used_at=_aware(row.last_used_at),
        scope=row.scope or SCOPE_INGEST, clearance=row.clearance or SecurityLevel.INTERNAL.label,
    )  # fmt: skip


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _clean_matters(matters: list[str] | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for m in matters or []:
        if m.strip():
            seen.setdefault(m.strip(), None)
    return tuple(seen)


def create_api_key(
    archive: Archive,
    system: str,
    department: str,
    matters: list[str] | None = None,
    *,
    label: str | None = None,
    actor: str = "system",
    scope: str = SCOPE_INGEST,
    clearance: str = SecurityLevel.INTERNAL.label,
) -> tuple[ApiKeyInfo, str]:
    """A new key and its full text; the text is never stored and cannot be shown again."""
    system, department, label = system.strip(), department.strip(), (label or "").strip() or None
    problems = ProblemList()
    if not _SYSTEM.match(system):
        problems.add(
            "invalid_system", "来源系统标识只能含字母、数字和 . _ : - /，且不超过128个字符", "system"
        )
    if not department or len(department) > 200:
        problems.add(
            "invalid_department", "请填写所属部门名称（与案卷包中的部门名称一致，最多200字）", "department"
        )
    chosen = _clean_matters(matters)
    if any(len(m) > 200 for m in chosen) or len(chosen) > 200:
        problems.add("invalid_matters", "审批事项过多或名称过长", "matters")
    if label and len(label) > 200:
        problems.add("too_long", "备注最多200个字符", "label")
    scope = (scope or SCOPE_INGEST).strip().lower()
    if scope not in KEY_SCOPES:
        problems.add(
            "invalid_scope", "密钥用途只能是 ingest（仅推送）、read（仅查询）或 both（推送和查询）", "scope"
        )
    try:
        level = SecurityLevel.parse(clearance).label
    except ValueError:
        level = ""
        problems.add("invalid_clearance", "密级上限只能是 公开、内部、秘密 或 机密", "clearance")
    if problems:
        raise ValidationFailed("API Key 信息有误", problems=problems.items)
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with archive.db.write() as s:
        row = ApiKey(
            id=key_id, secret_sha256=_digest(secret), system=system, department=department,
            matters=list(chosen), label=label, created_at=utcnow(), created_by=actor, scope=scope, clearance=level,
        )  # fmt: skip
        s.add(row)
        detail = {"key_id": key_id, "system": system, "department": department, "matters": list(chosen),
                  "scope": scope, "clearance": level}  # fmt: skip
        record_event(s, "apikey_create", actor, None, detail)
        s.flush()
        info = _info(row)
    return info, f"{KEY_PREFIX}_{key_id}_{secret}"


def list_api_keys(archive: Archive, *, include_revoked: bool = True) -> list[ApiKeyInfo]:
    query = select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    with archive.db.read() as s:
        return [_info(row) for row in s.scalars(query)]


def revoke_api_key(archive: Archive, key_id: str, *, actor: str = "system") -> ApiKeyInfo:
    """Revoke a key at once; revoking a revoked key is a no-op that reports the first revocation."""
    with archive.db.write() as s:
        row = s.get(ApiKey, key_id.strip().lower())
        if row is None:
            raise NotFound(f"API Key {key_id} 不存在", code="unknown_api_key")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            row.revoked_by = actor
            record_event(s, "apikey_revoke", actor, None, {"key_id": row.id, "system": row.system})
        s.flush()
        return _info(row)


def _invalid() -> AuthenticationFailed:
    return AuthenticationFailed("API Key 无效或已被吊销", code="invalid_api_key")


def authenticate_api_key(archive: Archive, token: str) -> ApiKeyInfo:
    """The key's scope for a valid, unrevoked key; one answer for every failure so nothing leaks."""
    match = _KEY.match(token.strip())
    if match is None:
        raise _invalid()
    key_id, secret = match.groups()
    with archive.db.read() as s:
        row = s.get(ApiKey, key_id)
        info = _info(row) if row is not None else None
        stored = row.secret_sha256 if row is not None else _digest("")
    # Compare even when the id is unknown, so timing does not tell which ids exist.
    good = hmac.compare_digest(stored, _digest(secret))
    if info is None or not good or not info.active:
        raise _invalid()
    now = utcnow()
    if info.last_used_at is None or now - info.last_used_at > LAST_USED_RESOLUTION:
        with archive.db.write() as s:
            row = s.get(ApiKey, key_id)
            if row is not None:
                row.last_used_at = now
    return info
