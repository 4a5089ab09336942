"""The checks `/readyz` and `dangan doctor` share: catalogue, storage locations, job queue, keys, ClamAV.

Each check takes only the settings (or a location already built), never an opened `Archive`: the doctor
must still answer when the archive cannot be opened — a broken catalogue is exactly what it is asked
about. Every message says what is wrong and what to do, in the words an operator types (a command or a
`DANGAN_*` setting). `guarded` turns any exception into a failed check, so neither the doctor nor the
readiness probe ever shows a traceback.
"""

from __future__ import annotations

import contextlib
import functools
import shutil
import socket
import stat
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from dangan.core import DanganError, Settings
from dangan.services.archive import store_location
from dangan.services.preservation import Jobs
from dangan.store.catalog import head_revisions, make_engine, stored_revisions
from dangan.store.crypto import (
    current_identity,
    current_seal,
    load_keyring,
    revocation_of,
    seal_key_files,
    seal_revocation,
    signing_crls,
    signing_key_files,
    stale_crls,
    stale_seal_crls,
)
from dangan.store.objects import LocalLocation, Location

# Object keys are hex digests (`ab/cd/<sha256>`), so nothing the archive stores can begin with this.
PROBE_PREFIX = "_probe/"
PROBE_BYTES = b"dangan storage probe\n"
# Debian's DatabaseDirectory (as checks.virus, which keeps it private), filled by freshclam.
CLAMAV_DIR = Path("/var/lib/clamav")
CLAMAV_SUFFIXES = frozenset({".cvd", ".cld", ".cud", ".hdb", ".hsb", ".mdb", ".msb", ".ndb", ".ldb", ".cdb",
                             ".yar", ".yara"})  # fmt: skip
CLAMAV_MAX_AGE_DAYS = 7
FRESHCLAM = "以 root 运行 freshclam（并启用 clamav-freshclam 服务让它每天更新）"


@dataclass(frozen=True)
class Check:
    """One verdict: `name` is stable (scripts key on it), `message` is for the operator."""

    name: str
    ok: bool
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, DanganError):
        return exc.message
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0][:300]}" if first else type(exc).__name__


def guarded(name: str, check: Callable[[], Check]) -> Check:
    """Run one check; one that raises is a failed check carrying the error, never a traceback."""
    try:
        return check()
    except Exception as exc:  # any failure is the finding itself
        return Check(name, False, f"检查时出错：{_reason(exc)}")


def database_label(url: str) -> str:
    """Where the catalogue is, without its password."""
    if url.startswith("sqlite"):
        return f"SQLite {url.split('///', 1)[-1]}"
    return "PostgreSQL " + make_url(url).render_as_string(hide_password=True).split("@")[-1]


def sqlite_path(url: str) -> Path | None:
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    return Path(path) if path and path != ":memory:" else None


def check_database(settings: Settings) -> Check:
    """Connect, `SELECT 1`, and compare the schema revision with the migrations this program carries."""
    url, label = settings.db_url, database_label(settings.db_url)
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return Check(
            "database", False, f"目录数据库 {path} 不存在：运行 dangan init --data {settings.home} 创建"
        )
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1")).scalar()
    except Exception as exc:  # a driver error of any kind is the finding
        fix = ("文件可能已损坏：用 dangan restore 从最近的备份恢复" if path is not None
               else "检查 DANGAN_DATABASE_URL、数据库服务是否运行、账号与网络")  # fmt: skip
        return Check("database", False, f"无法读取目录数据库（{label}）：{_reason(exc)}。{fix}")
    finally:
        engine.dispose()
    stored, heads = stored_revisions(url), head_revisions()
    if not stored:
        return Check("database", False, f"目录数据库（{label}）尚未初始化：运行 dangan init")
    if heads is not None and stored != heads:
        have, want = "、".join(sorted(stored)), "、".join(sorted(heads))
        return Check("database", False, f"目录数据库结构版本 {have} 与程序的 {want} 不一致：先 dangan backup，"
                     "再运行 dangan init 升级（若数据库来自更新版本的程序，请升级 dangan）")  # fmt: skip
    return Check("database", True, f"{label} 连接正常，结构版本 {'、'.join(sorted(stored))}（最新）")


def location_roles(settings: Settings) -> list[tuple[str, str]]:
    """(role, kind) of every configured location, named as `build_object_store` names them."""
    kinds = [k.strip() for k in settings.replicas.split(",") if k.strip()]
    roles = [("primary", settings.primary_store.strip())]
    return roles + [("replica" if i == 0 else f"replica{i + 1}", kind) for i, kind in enumerate(kinds)]


def _local_root(settings: Settings, role: str) -> Path:
    return settings.objects_dir if role == "primary" else settings.replica_path


def _storage_fix(settings: Settings, role: str, kind: str) -> str:
    if kind == "s3":
        return "检查 DANGAN_S3_ENDPOINT、存储桶 DANGAN_S3_BUCKET 与访问密钥是否正确、服务是否运行"
    setting = "DANGAN_HOME（数据目录）" if role == "primary" else "DANGAN_REPLICA_DIR"
    return f"确认目录已挂载且运行 dangan 的用户可写（chown/chmod），或改正 {setting}"


def probe_location(location: Location) -> None:
    """Write, read back and delete one small object under the reserved prefix; raises on any failure."""
    key = f"{PROBE_PREFIX}{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="dangan-probe-") as tmp:
        source = Path(tmp) / "probe"
        source.write_bytes(PROBE_BYTES)
        try:
            location.put_file(key, source)
            with location.open(key) as f:
                if f.read() != PROBE_BYTES:
                    raise OSError("读回的内容与写入的不同")
        finally:
            location.delete(key)
            if isinstance(location, LocalLocation):  # leave no empty probe folder behind
                with contextlib.suppress(OSError):
                    location.path(key).parent.rmdir()
    if location.exists(key):
        raise OSError("删除后对象仍然存在")


def check_location(settings: Settings, role: str, kind: str, location: Location | None = None) -> Check:
    """One `storage:<role>` verdict; `location` is the one already built (the web app), else made here."""
    name, fix = f"storage:{role}", _storage_fix(settings, role, kind)
    where = "S3 " + f"{settings.s3_bucket}" if kind == "s3" else str(_local_root(settings, role))
    if location is None and kind == "local":
        root = _local_root(settings, role)
        if not root.is_dir():  # never create it here: a missing folder is often an unmounted disk
            return Check(name, False, f"存储目录 {root} 不存在或不是目录：{fix}")
    try:
        probe_location(location or store_location(settings, kind, role))
    except Exception as exc:  # any failure of the probe is the finding
        return Check(name, False, f"存储位置（{where}）写入/读取/删除探测失败：{_reason(exc)}。{fix}")
    return Check(name, True, f"存储位置（{where}）可写、可读、可删除")


def check_storage(settings: Settings) -> list[Check]:
    return [guarded(f"storage:{role}", functools.partial(check_location, settings, role, kind))
            for role, kind in location_roles(settings)]  # fmt: skip


def check_job_queue(settings: Settings, jobs: Jobs | None = None) -> Check:
    """The huey storage answers (Redis ping / the SQLite file), with the number of waiting tasks."""
    if settings.redis_url:
        try:
            huey = (jobs or Jobs(settings)).huey
            huey.storage.conn.ping()
            pending = huey.pending_count()
        except Exception as exc:  # connection errors of every kind
            return Check("job_queue", False, f"无法连接 Redis 队列：{_reason(exc)}。检查 DANGAN_REDIS_URL "
                         "与 redis-server 是否运行")  # fmt: skip
        return Check("job_queue", True, f"Redis 队列可达，等待执行的任务 {pending} 个")
    path = settings.home / "jobs.db"
    if jobs is None and not path.exists():
        return Check(
            "job_queue", True, f"任务队列 {path} 尚未创建（dangan serve 或 dangan worker 首次运行时创建）"
        )
    try:
        pending = (jobs or Jobs(settings)).huey.pending_count()
    except Exception as exc:
        return Check("job_queue", False, f"任务队列 {path} 无法读取：{_reason(exc)}。停止 dangan serve/worker 后"
                     "删除该文件（只丢失尚未执行的后台任务，定期任务会重新排队）再启动")  # fmt: skip
    return Check("job_queue", True, f"任务队列（{path}）可读，等待执行的任务 {pending} 个")


def _key_files(settings: Settings) -> list[Path]:
    """Private key files: the master key, retired master keys, the ledger's checkpoint signing keys."""
    found: list[Path] = []
    if not settings.master_key:
        found.append(settings.master_key_path)
    retired = settings.master_key_path.parent / "retired"
    if retired.is_dir():
        found += sorted(retired.glob("*.key"))
    ledger = settings.home / "keys"
    if ledger.is_dir():
        found += sorted(ledger.glob("ledger-*.key"))
    return found


def check_keys(settings: Settings, *, modes: bool = True) -> Check:
    """The master key loads; with `modes`, no private key file is open to group or others."""
    path = settings.master_key_path
    if not settings.master_key and not path.is_file():
        return Check("keys", False, f"主密钥文件 {path} 不存在：全新档案运行 dangan init 生成；已有加密档案时"
                     "请从密钥备份恢复到该位置（或设置 DANGAN_MASTER_KEY_FILE）")  # fmt: skip
    try:
        secret = settings.master_key.get_secret_value() if settings.master_key else None
        load_keyring(path, secret, path.parent / "retired")
    except Exception as exc:  # unreadable, malformed, wrong owner
        return Check("keys", False, f"主密钥无法读取：{_reason(exc)}。检查 {path} 的属主与内容，"
                     "或从密钥备份恢复")  # fmt: skip
    source = "DANGAN_MASTER_KEY" if settings.master_key else str(path)
    if not modes:
        return Check("keys", True, f"主密钥可用（{source}）")
    loose = [p for p in _key_files(settings) if p.is_file() and stat.S_IMODE(p.stat().st_mode) & 0o077]
    if loose:
        listed = "、".join(f"{p}（{stat.S_IMODE(p.stat().st_mode):04o}）" for p in loose)
        command = "chmod 600 " + " ".join(str(p) for p in loose)
        return Check("keys", False, f"私钥文件对同组或其他用户开放：{listed}。运行 {command}")
    return Check("keys", True, f"主密钥可用（{source}），私钥文件仅属主可读")


SIGNING_MIN_DAYS = 30


def _loose(name: str, what: str, files: list[Path]) -> Check | None:
    loose = [p for p in files if stat.S_IMODE(p.stat().st_mode) & 0o077]
    if not loose:
        return None
    return Check(
        name, False, f"{what}私钥文件对同组或其他用户开放：运行 chmod 600 " + " ".join(str(p) for p in loose)
    )


def _expiry(name: str, what: str, not_after: datetime, days: float, fix: str) -> Check | None:
    """A failed check when `what` has expired or has less than SIGNING_MIN_DAYS left."""
    until = f"{not_after:%Y-%m-%d}"
    if days <= 0:
        return Check(name, False, f"{what}已于 {until} 过期，新出具的证明将无法通过验证：{fix}")
    if days < SIGNING_MIN_DAYS:
        return Check(name, False, f"{what}将于 {until} 过期（剩余 {days:.0f} 天）：{fix}")
    return None


def check_signing_certificate(settings: Settings, now: datetime | None = None) -> Check:
    """The certificate certified copies are signed with: present, private key 0600, not revoked, every
    CRL verifiable and not past its next update, > 30 days left."""
    keys = settings.home / "keys"
    current = current_identity(keys)
    if current is None:
        return Check("signing_certificate", True, "尚无出证签名证书：首次出证时自动由本地 CA 生成；"
                     "正式使用前可运行 dangan keys import-cert 导入外部 CA 签发的证书")  # fmt: skip
    if (loose := _loose("signing_certificate", "签名", signing_key_files(keys))) is not None:
        return loose
    current.private_key()  # raises (→ a failed check) when the key file is missing or unreadable
    revoked = revocation_of(current.cert, signing_crls(keys, settings.trust_roots))  # a damaged CRL raises
    if revoked is not None:
        return Check("signing_certificate", False, f"当前出证签名证书已于 {revoked.revoked_at:%Y-%m-%d} 被吊销"
                     f"（原因：{revoked.label}），出证将被拒绝：运行 dangan keys ca 或 dangan keys import-cert")  # fmt: skip
    stale = stale_crls(keys, now)
    if stale:
        issuer, due = stale[0]
        return Check("signing_certificate", False, f"吊销列表（签发者 {issuer}）的下次更新时间 {due:%Y-%m-%d} 已过："
                     "导入该 CA 的新吊销列表（dangan keys import-crl），本馆根证书的列表在下次吊销时重签")  # fmt: skip
    days = current.days_left(now)
    fix = "运行 dangan keys ca 轮换，或 dangan keys import-cert 导入新证书"
    if (expiring := _expiry("signing_certificate", "出证签名证书", current.not_after, days, fix)) is not None:
        return expiring
    return Check("signing_certificate", True,
                 f"出证签名证书有效至 {current.not_after:%Y-%m-%d}（剩余 {days:.0f} 天）：{current.subject}")  # fmt: skip


def check_seal_certificate(settings: Settings, now: datetime | None = None) -> Check:
    """The SM2 seal that OFD copies carry: its signer certificate and root expire (and are revoked) like
    the PDF one."""
    keys = settings.home / "keys"
    seal = current_seal(keys)
    if seal is None:
        return Check(
            "seal_certificate", True, "尚无电子印章：首次出具 OFD 证明时自动生成，也可运行 dangan keys seal"
        )
    if (loose := _loose("seal_certificate", "电子印章", seal_key_files(keys))) is not None:
        return loose
    seal.private_key()  # raises (→ a failed check) when the key file is missing or unreadable
    revoked = seal_revocation(keys, seal)  # a damaged CRL raises
    if revoked is not None:
        return Check("seal_certificate", False, f"当前电子印章的签章者证书已于 {revoked.revoked_at:%Y-%m-%d} 被吊销"
                     f"（原因：{revoked.label}），OFD 出证将被拒绝：运行 dangan keys seal 生成新印章")  # fmt: skip
    stale = stale_seal_crls(keys, now)
    if stale:
        return Check("seal_certificate", False, f"印章吊销列表的下次更新时间 {stale[0][1]:%Y-%m-%d} 已过："
                     "吊销任一印章即由根证书重签")  # fmt: skip
    days = seal.days_left(now)
    what = f"电子印章“{seal.name}”"
    if (
        expiring := _expiry("seal_certificate", what, seal.not_after, days, "运行 dangan keys seal 轮换")
    ) is not None:
        return expiring
    return Check("seal_certificate", True, f"{what}有效至 {seal.not_after:%Y-%m-%d}（剩余 {days:.0f} 天）")


def _cvd_time(path: Path) -> float:
    """When a signature file was built: the `stime` of a CVD/CLD header, else its modification time."""
    try:
        with open(path, "rb") as f:
            head = f.read(512).decode("ascii", "replace")
        fields = head.split(":")
        if head.startswith("ClamAV-VDB:") and len(fields) > 8 and fields[8].strip().isdigit():
            return float(fields[8].strip())
    except OSError:
        pass
    return path.stat().st_mtime


def _clamd_check(address: str) -> Check:
    try:
        if address.startswith("tcp://"):
            host, _, port = address[len("tcp://") :].rpartition(":")
            sock = socket.create_connection((host, int(port)), timeout=3)
        else:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(3)
            sock.connect(address)
        with sock:
            sock.sendall(b"zVERSION\0")
            reply = sock.recv(4096).rstrip(b"\0").decode("utf-8", "replace")
    except OSError as exc:
        return Check("clamav", False, f"无法连接 clamd（{address}）：{exc}。运行 systemctl start clamav-daemon，"
                     "或改正 DANGAN_CLAMD_SOCKET")  # fmt: skip
    parts = reply.split("/")  # "ClamAV 1.4.2/27483/Tue Dec 10 09:35:01 2024"
    try:
        built = datetime.strptime(parts[2].strip(), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except (IndexError, ValueError):
        return Check("clamav", True, f"clamd 可用（{reply}）")
    return _age_verdict(f"clamd（{address}）", (datetime.now(UTC) - built).total_seconds() / 86400)


def _age_verdict(where: str, days: float) -> Check:
    if days > CLAMAV_MAX_AGE_DAYS:
        return Check("clamav", False, f"病毒特征库（{where}）已 {days:.0f} 天未更新（超过 {CLAMAV_MAX_AGE_DAYS} 天）："
                     f"{FRESHCLAM}")  # fmt: skip
    return Check("clamav", True, f"病毒特征库（{where}）{max(days, 0):.1f} 天前更新")


def check_clamav(settings: Settings) -> Check:
    """The signature database exists and is at most a week old (clamd asked for its own when configured)."""
    if settings.clamd_socket:
        return _clamd_check(settings.clamd_socket)
    if shutil.which("clamscan") is None:
        return Check(
            "clamav", False, f"未安装 ClamAV：运行 apt install clamav clamav-freshclam，再{FRESHCLAM}"
        )
    database = Path(settings.clamav_db) if settings.clamav_db else CLAMAV_DIR
    if database.is_file():
        files = [database]
    elif database.is_dir():
        files = [p for p in database.iterdir() if p.suffix in CLAMAV_SUFFIXES and p.is_file()]
    else:
        files = []
    if not files:
        where = f"DANGAN_CLAMAV_DB 指定的 {database}" if settings.clamav_db else str(database)
        return Check("clamav", False, f"尚未下载病毒特征库（{where} 中没有特征文件）：{FRESHCLAM}。"
                     "在此之前导入时“病毒检测”一项只记为警告")  # fmt: skip
    newest = max(_cvd_time(p) for p in files)
    return _age_verdict(str(database), (time.time() - newest) / 86400)
