"""Monitoring rules as pure functions: events in, findings out (no database, no clock, no I/O).

Each finding names its rule, its subject (usually a username) and a window key. The engine stores one
alert per (rule, subject, window), so the rules may see the same events on every run: a finding must
come out with the same key each time. Burst rules therefore key a burst by the time of its first event,
and day rules by the local calendar date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from dangan.core import DEFAULT_ZONE

READ_KINDS = frozenset({"view", "download"})
ACCESS_KINDS = frozenset({"view", "download", "unmask", "login"})
DENIAL_KINDS = frozenset({"denied", "login_failed", "login_locked"})
FIXITY_KINDS = frozenset({"fixity_failure", "fixity_alert"})  # fixity audit, job runner
CONFIG_KINDS = frozenset({
    "key_rotation", "apikey_create", "apikey_revoke", "matter_rule", "password_reset", "totp_reset", "totp_disabled",
})  # fmt: skip
CONFIG_PREFIXES = ("user_",)  # user_add, user_update (role, department, clearance), user_deactivate, …
NOT_PEOPLE = frozenset({"", "anonymous", "system"})
# Setting up the demo archive creates 21 accounts: an archive's first look is not 21 alerts to close.
SETUP_ACTORS = frozenset({"demo:setup"})  # services.demo.DEMO_ACTOR; no username can contain a colon


@dataclass(frozen=True)
class Ev:
    id: int
    at: datetime  # timezone-aware
    kind: str
    actor: str
    record_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    window_key: str
    severity: str  # 高 / 中
    summary: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Thresholds:
    bulk_downloads: int = 50
    bulk_minutes: int = 10
    denials: int = 5
    denial_minutes: int = 10
    work_start: time = time(8, 0)
    work_end: time = time(18, 0)
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    tz: str = DEFAULT_ZONE
    peer_factor: float = 5.0
    peer_min_reads: int = 100


def parse_hours(text: str) -> tuple[time, time]:
    """ "08:00-18:00" → (08:00, 18:00); ValueError for anything else."""
    start, _, end = text.replace("–", "-").partition("-")
    a = time.fromisoformat(start.strip())
    b = time.max if end.strip() == "24:00" else time.fromisoformat(end.strip())
    if a >= b:
        raise ValueError(text)
    return a, b


def parse_days(text: str) -> frozenset[int]:
    """ "1-5" or "1,2,3,6" (1 = Monday … 7 = Sunday) → the set of ISO weekdays."""
    days: set[int] = set()
    for part in text.replace("，", ",").split(","):
        lo, _, hi = part.strip().partition("-")
        days.update(range(int(lo), int(hi or lo) + 1))
    if not days or not days <= set(range(1, 8)):
        raise ValueError(text)
    return frozenset(days)


def _minute(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%MZ")


def _bursts(times: Sequence[datetime], n: int, span: timedelta) -> list[tuple[datetime, datetime, int]]:
    """Non-overlapping bursts of at least n events within `span`: (first, last, count), oldest first."""
    out: list[tuple[datetime, datetime, int]] = []
    i = 0
    while i + n <= len(times):
        if times[i + n - 1] - times[i] <= span:
            j = i + n
            while j < len(times) and times[j] - times[i] <= span:
                j += 1
            out.append((times[i], times[j - 1], j - i))
            i = j
        else:
            i += 1
    return out


def _by_actor(events: Iterable[Ev], kinds: frozenset[str]) -> dict[str, list[datetime]]:
    groups: dict[str, list[datetime]] = defaultdict(list)
    for e in events:
        if e.kind in kinds and e.actor not in NOT_PEOPLE:
            groups[e.actor].append(e.at)
    return {actor: sorted(times) for actor, times in groups.items()}


def bulk_downloads(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    span = timedelta(minutes=t.bulk_minutes)
    return [
        Finding("bulk_download", actor, _minute(first), "高",
                f"用户 {actor} 在 {t.bulk_minutes} 分钟内下载 {count} 次（阈值 {t.bulk_downloads}）",
                {"count": count, "first": first.isoformat(), "last": last.isoformat()})
        for actor, times in _by_actor(events, frozenset({"download"})).items()
        for first, last, count in _bursts(times, t.bulk_downloads, span)
    ]  # fmt: skip


def repeated_denials(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    span = timedelta(minutes=t.denial_minutes)
    groups: dict[str, list[datetime]] = defaultdict(list)
    for e in events:  # failed logins of unknown names count too: guessing is what this rule is for
        if e.kind in DENIAL_KINDS and e.actor:
            groups[e.actor].append(e.at)
    return [
        Finding("repeated_denials", actor, _minute(first), "高",
                f"用户 {actor} 在 {t.denial_minutes} 分钟内被拒绝 {count} 次（阈值 {t.denials}）",
                {"count": count, "first": first.isoformat(), "last": last.isoformat()})
        for actor, times in groups.items()
        for first, last, count in _bursts(sorted(times), t.denials, span)
    ]  # fmt: skip


def off_hours(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    """Access or login outside working hours: one finding per user and local day."""
    zone = ZoneInfo(t.tz)
    days: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for e in events:
        if e.kind not in ACCESS_KINDS or e.actor in NOT_PEOPLE:
            continue
        local = e.at.astimezone(zone)
        if local.isoweekday() in t.workdays and t.work_start <= local.time() < t.work_end:
            continue
        days[(e.actor, local.date().isoformat())].append(local)
    hours = f"{t.work_start:%H:%M}-{t.work_end:%H:%M}"
    return [
        Finding("off_hours", actor, day, "中",
                f"用户 {actor} 在工作时间（{hours}，工作日）之外访问 {len(times)} 次（{day}）",
                {"count": len(times), "first": min(times).isoformat(), "last": max(times).isoformat()})
        for (actor, day), times in sorted(days.items())
    ]  # fmt: skip


def heavy_readers(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    """A user whose reads in a local day exceed both the minimum and k × the median of the other readers."""
    zone = ZoneInfo(t.tz)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in events:
        if e.kind in READ_KINDS and e.actor not in NOT_PEOPLE:
            per_day[e.at.astimezone(zone).date().isoformat()][e.actor] += 1
    out = []
    for day, counts in sorted(per_day.items()):
        for actor, count in sorted(counts.items()):
            peers = [c for a, c in counts.items() if a != actor]
            typical = median(peers) if peers else 0
            if count >= t.peer_min_reads and count > t.peer_factor * typical:
                out.append(Finding(
                    "heavy_reader", actor, day, "中",
                    f"用户 {actor} 当日阅读 {count} 次，其他 {len(peers)} 位用户的中位数为 {typical:g}",
                    {"count": count, "peer_median": typical, "peers": len(peers)},
                ))  # fmt: skip
    return out


def fixity_failures(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    """One finding per failure event; record ids stay out (the security officer reads no records)."""
    return [
        Finding("fixity_failure", str(e.detail.get("sha256") or f"event-{e.id}"), f"event-{e.id}", "高",
                f"固定性校验失败：对象 {str(e.detail.get('sha256', ''))[:16]}… 在 "
                f"{', '.join(sorted(e.detail.get('locations', {})))} 损坏或缺失",
                {"event_id": e.id, "record_count": len(e.detail.get("records", [])),
                 "locations": e.detail.get("locations", {})})
        for e in events if e.kind in FIXITY_KINDS
    ]  # fmt: skip


def is_config_kind(kind: str) -> bool:
    return kind in CONFIG_KINDS or kind.startswith(CONFIG_PREFIXES)


def _target(e: Ev) -> str:
    target = e.detail.get("username") or e.detail.get("system") or e.detail.get("to")
    return f" {target}" if target else ""


def config_changes(events: Iterable[Ev], t: Thresholds) -> list[Finding]:
    return [
        Finding("config_change", e.actor or "system", f"event-{e.id}", "中",
                f"密钥或配置变更：{e.kind}{_target(e)}（操作人 {e.actor or 'system'}）",
                {"event_id": e.id, "kind": e.kind, **({"username": e.detail["username"]} if "username" in e.detail else {})})
        for e in events if is_config_kind(e.kind) and e.actor not in SETUP_ACTORS
    ]  # fmt: skip


RULES = {
    "bulk_download": (bulk_downloads, "批量下载"),
    "off_hours": (off_hours, "非工作时间访问"),
    "repeated_denials": (repeated_denials, "反复被拒"),
    "heavy_reader": (heavy_readers, "阅读量异常"),
    "fixity_failure": (fixity_failures, "固定性校验失败"),
    "config_change": (config_changes, "密钥或配置变更"),
}
RULE_LABELS = {code: label for code, (_, label) in RULES.items()}
WATCHED_KINDS = READ_KINDS | ACCESS_KINDS | DENIAL_KINDS | FIXITY_KINDS | CONFIG_KINDS


def evaluate(events: Sequence[Ev], t: Thresholds) -> list[Finding]:
    return [f for rule, _ in RULES.values() for f in rule(events, t)]
