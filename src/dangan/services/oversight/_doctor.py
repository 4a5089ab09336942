"""`dangan doctor`: every way a machine can be set up wrong, checked and explained with its fix.

A city's IT staff run this before calling anyone: each check names what is wrong and the command or
setting that fixes it. It reads the settings and the disk but opens no `Archive` (that would migrate the
catalogue and create a master key — the very things it reports on), so a broken catalogue is reported
rather than crashing the report. Nothing here writes, except the storage probes under their reserved
prefix, removed again.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dangan.core import ConfigurationError, Settings, archive_zone, load_settings, utcnow
from dangan.digitize import find_cjk_font
from dangan.store.catalog import Event, make_engine

from ._health import (
    Check,
    check_clamav,
    check_database,
    check_job_queue,
    check_keys,
    check_seal_certificate,
    check_signing_certificate,
    check_storage,
    guarded,
    sqlite_path,
)

MIN_FREE_RATIO = 0.05
MIN_FREE_BYTES = 2**30
CLOCK_SLACK = timedelta(minutes=2)  # several servers write events: allow their clocks to differ a little


@dataclass
class DoctorReport:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.as_json() for c in self.checks]}


def check_configuration(settings: Settings) -> Check:
    problems = list(settings.warnings())
    if not settings.home.is_dir():
        problems.append(f"数据目录 {settings.home} 不存在：运行 dangan init --data {settings.home} 创建")
    if settings.env == "production":
        if settings.secret_key.get_secret_value() == "dangan-development-only-secret":
            problems.append("生产环境仍在使用开发用会话密钥：设置 DANGAN_SECRET_KEY 为足够长的随机串")
        if not settings.secure_cookies:
            problems.append("生产环境的会话 Cookie 未带 Secure 标记：把 DANGAN_PUBLIC_URL 设为 https:// 地址，"
                            "或设置 DANGAN_COOKIE_SECURE=true")  # fmt: skip
    places = [settings.primary_store, *(r for r in settings.replicas.split(",") if r.strip())]
    if len(places) < 2:
        problems.append("只有一份存储副本：在 DANGAN_REPLICAS 中至少设置一个副本位置（local 或 s3）")
    same = settings.replica_path.resolve() == settings.objects_dir.resolve()
    if "local" in places[1:] and settings.primary_store == "local" and same:
        problems.append("副本目录与主副本是同一目录：把 DANGAN_REPLICA_DIR 指到另一块磁盘")
    if not settings.master_key and settings.home.resolve() in settings.master_key_path.resolve().parents:
        problems.append("主密钥放在数据目录之内：把 DANGAN_MASTER_KEY_FILE 指到数据目录以外")
    if problems:
        return Check("configuration", False, "；".join(problems))
    mode = "生产环境" if settings.env == "production" else "开发环境"
    return Check("configuration", True, f"配置正常（{mode}，数据目录 {settings.home}）")


def check_fonts() -> Check:
    font = find_cjk_font()
    if font is None:
        return Check("fonts", False, "未找到中文字体：PDF、报表与水印中的汉字将无法显示。运行 apt install "
                     "fonts-wqy-zenhei（或 fonts-noto-cjk）")  # fmt: skip
    return Check("fonts", True, f"中文字体：{font}")


def _newest_event(settings: Settings) -> datetime | None:
    path = sqlite_path(settings.db_url)
    if path is not None and not path.is_file():
        return None
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            newest = conn.execute(select(func.max(Event.at))).scalar()
    finally:
        engine.dispose()
    if isinstance(newest, str):  # SQLite may hand back the stored text
        newest = datetime.fromisoformat(newest)
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return newest if isinstance(newest, datetime) else None


def check_clock(settings: Settings, now: datetime | None = None) -> Check:
    """The zones are known, and no event is dated after now (a clock set back would reorder the log)."""
    for name in {settings.timezone, settings.alert_timezone or settings.timezone}:
        try:
            archive_zone(name)
        except ValueError as exc:
            return Check("clock", False, f"{exc}：把 DANGAN_TIMEZONE / DANGAN_ALERT_TIMEZONE 设为 IANA 时区名，"
                         "如 Asia/Shanghai")  # fmt: skip
    now = now or utcnow()
    try:
        newest = _newest_event(settings)
    except Exception:  # the database check reports why
        return Check("clock", True, f"时区 {settings.timezone} 有效（目录数据库不可读，未比对最新事件时间）")
    if newest is not None and newest > now + CLOCK_SLACK:
        return Check("clock", False, f"系统时钟可能被调慢：最新事件时间 {newest:%Y-%m-%d %H:%M:%S} UTC 晚于"
                     f"当前时间 {now:%Y-%m-%d %H:%M:%S} UTC。请用 NTP 校准时钟（如 timedatectl set-ntp true"
                     "，或检查 chrony）后再写入")  # fmt: skip
    return Check("clock", True, f"时区 {settings.timezone} 有效，时钟不早于最新事件时间")


def disk_low(free: int, total: int) -> bool:
    return free < MIN_FREE_BYTES or (total > 0 and free < MIN_FREE_RATIO * total)


def check_disk(settings: Settings) -> Check:
    """Free space where the data directory (and a local replica on another disk) lives."""
    places = [settings.home]
    if "local" in settings.replicas.split(",") and settings.replica_path.is_dir():
        places.append(settings.replica_path)
    seen: set[int] = set()
    notes, low = [], []
    for place in places:
        if not place.exists():
            continue
        device = place.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        usage = shutil.disk_usage(place)
        note = f"{place} 所在磁盘可用 {usage.free / 2**30:,.1f} GiB（{usage.free / max(usage.total, 1):.0%}）"
        notes.append(note)
        if disk_low(usage.free, usage.total):
            low.append(note)
    if not notes:
        return Check(
            "disk", False, f"数据目录 {settings.home} 不存在：运行 dangan init --data {settings.home}"
        )
    if low:
        return Check("disk", False, "；".join(low) + "，低于 5 % 或 1 GiB：清理或扩容磁盘，"
                     "或把对象迁到 S3（DANGAN_PRIMARY_STORE=s3）")  # fmt: skip
    return Check("disk", True, "；".join(notes))


def run_doctor(settings: Settings) -> DoctorReport:
    s = settings
    checks = [guarded("configuration", lambda: check_configuration(s)), guarded("keys", lambda: check_keys(s)),
              guarded("database", lambda: check_database(s)), *check_storage(s),
              guarded("job_queue", lambda: check_job_queue(s)), guarded("clamav", lambda: check_clamav(s)),
              guarded("fonts", check_fonts), guarded("clock", lambda: check_clock(s)),
              guarded("disk", lambda: check_disk(s)),
              guarded("signing_certificate", lambda: check_signing_certificate(s)),
              guarded("seal_certificate", lambda: check_seal_certificate(s))]  # fmt: skip
    return DoctorReport(checks)


def diagnose(home: Path | str | None = None) -> DoctorReport:
    """The doctor for a data directory, even when its settings cannot be read (then what can run does)."""
    try:
        settings = load_settings(home)
    except ConfigurationError as exc:
        message = f"{exc.message}。请改正环境变量或数据目录中 dangan.toml 的设置"
        return DoctorReport([Check("configuration", False, message), guarded("fonts", check_fonts)])
    return run_doctor(settings)
