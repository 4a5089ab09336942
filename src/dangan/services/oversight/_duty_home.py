"""What the three administrators (三员) see on their home page: their own work, never record content.

The 系统管理员 sees whether the system is healthy and set up; the 安全保密管理员 the alerts and accounts
that need him; the 安全审计员 what the trail holds today. Counts only — no titles, applicants or record
ids — so the separation of duties holds on the home page as everywhere else.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from dangan.access import Principal, Role
from dangan.core import utcnow
from dangan.domain import AlertStatus
from dangan.services.archive import Archive
from dangan.store.catalog import Alert, ApiKey, Event, User

from ._health import check_clamav, guarded

DENIAL_KINDS = ("denied", "login_failed", "login_locked")


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | str
    link: str | None = None
    warn: bool = False


@dataclass
class DutyHome:
    """The home page of one of the three administrators."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    shortcuts: list[tuple[str, str]] = field(default_factory=list)  # (label, href)


def _count(s: object, stmt: object) -> int:
    return int(s.scalar(stmt) or 0)  # type: ignore[attr-defined]


def _locked(s: object, archive: Archive) -> int:
    return _count(s, select(func.count()).select_from(User).where(
        User.failed_logins >= archive.settings.lockout_threshold))  # fmt: skip


def _system(archive: Archive, home: DutyHome) -> None:
    settings = archive.settings
    with archive.db.read() as s:
        users = _count(s, select(func.count()).select_from(User).where(User.active.is_(True)))
        locked = _locked(s, archive)
        keys = _count(s, select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None)))
        events = _count(s, select(func.count()).select_from(Event))
    backend = "PostgreSQL" if settings.db_url.startswith("postgresql") else "SQLite（嵌入式）"
    places = [settings.primary_store, *(r.strip() for r in settings.replicas.split(",") if r.strip())]
    copies = " + ".join({"local": "本地", "s3": "对象存储"}.get(p, p) for p in places)
    try:
        usage = shutil.disk_usage(settings.home)
        free, low = f"{usage.free / 2**30:,.1f} GB", usage.free < 0.05 * usage.total
    except OSError:
        free, low = "无法读取", True
    home.figures += [
        Figure("目录数据库", backend),
        Figure("存储副本", f"{len(places)} 份（{copies}）", warn=len(places) < 2),
        Figure("数据目录可用空间", free, warn=low),
        Figure("启用的账户", users),
        Figure("被锁定的账户", locked, warn=locked > 0),
        Figure("有效的接口密钥", keys, "/admin/apikeys"),
        Figure("审计事件（账本条目）", events),
    ]
    home.warnings += settings.warnings()
    clamav = guarded("clamav", lambda: check_clamav(settings))  # a fresh machine has no signatures yet
    if not clamav.ok:
        home.warnings.append(f"病毒检测：{clamav.message}")
    home.shortcuts += [("接口密钥", "/admin/apikeys"), ("接口文档", "/api/docs")]


def _security(archive: Archive, home: DutyHome) -> None:
    with archive.db.read() as s:
        alerts = _count(s, select(func.count()).select_from(Alert).where(Alert.status == AlertStatus.OPEN))
        locked = _locked(s, archive)
    home.figures += [
        Figure("未处理的告警", alerts, "/alerts", warn=alerts > 0),
        Figure("被锁定的账户", locked, "/admin/users", warn=locked > 0),
    ]
    home.shortcuts += [("监控告警", "/alerts"), ("用户授权与密级", "/admin/users")]


def _audit(archive: Archive, home: DutyHome) -> None:
    since = utcnow() - timedelta(hours=24)
    with archive.db.read() as s:
        today = _count(s, select(func.count()).select_from(Event).where(Event.at >= since))
        denials = _count(s, select(func.count()).select_from(Event).where(
            Event.at >= since, Event.kind.in_(DENIAL_KINDS)))  # fmt: skip
        downloads = _count(s, select(func.count()).select_from(Event).where(
            Event.at >= since, Event.kind == "download"))  # fmt: skip
    home.figures += [
        Figure("近 24 小时事件", today, "/audit"),
        Figure("近 24 小时拒绝与登录失败", denials, "/audit?outcome=denied", warn=denials > 0),
        Figure("近 24 小时下载", downloads, "/audit?kind=download"),
    ]
    home.shortcuts += [("审计记录", "/audit"), ("被拒绝的访问", "/audit?outcome=denied"),
                       ("登录记录", "/audit?kind=login"), ("登录失败", "/audit?kind=login_failed")]  # fmt: skip


_BUILDERS = {Role.SYSADMIN: ("系统运行状况", _system), Role.SECADMIN: ("安全保密工作", _security),
             Role.AUDITOR: ("审计工作", _audit)}  # fmt: skip


def duty_home(archive: Archive, user: Principal) -> DutyHome | None:
    """The home of a 三员 user; None for everyone else (who see the holdings instead)."""
    found = _BUILDERS.get(user.role)
    if found is None:
        return None
    title, build = found
    home = DutyHome(title)
    build(archive, home)
    return home
