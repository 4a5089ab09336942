"""Virus scanning with ClamAV (DA/T 70 item 4-1): the `clamd` daemon when one is configured, else `clamscan`.

`clamscan -d DB` takes a signature file or directory: production points it at the official database
(kept current by freshclam), tests at a small database they write themselves. One process scans a
whole package folder, so its start-up and database load are paid once per package: cheap with a small
database, about ten seconds with the official one. That is what `clamd` is for: it loads the database
once and each file is streamed to it (INSTREAM, about 0.2 ms for a small file).
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import struct
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

ScanStatus = Literal["clean", "infected", "unavailable", "error"]
_LIMITS = ["--max-filesize=4000M", "--max-scansize=4000M", "--max-files=100000"]
TIMEOUT_S = 600


@dataclass(frozen=True)
class ScanResult:
    status: ScanStatus
    message: str
    found: dict[str, str] = field(default_factory=dict)  # relative path -> signature name
    engine: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "found": self.found, "engine": self.engine, "message": self.message}


def _relative(root: Path, reported: str) -> str:
    try:
        return Path(reported).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return reported


# Debian's DatabaseDirectory, filled by freshclam. Checked before starting clamscan so that a machine
# without signatures costs nothing per package (the item then warns instead of scanning).
DEFAULT_DATABASE_DIR = Path("/var/lib/clamav")
_DB_SUFFIXES = {
    ".cvd",
    ".cld",
    ".cud",
    ".hdb",
    ".hsb",
    ".mdb",
    ".msb",
    ".ndb",
    ".ldb",
    ".cdb",
    ".yar",
    ".yara",
}


@lru_cache(maxsize=8)
def _default_database_missing(directory: Path) -> bool:
    if not directory.is_dir():
        return False  # not Debian's layout: let clamscan find its own
    return not any(p.suffix in _DB_SUFFIXES for p in directory.iterdir())


def scan_tree(root: Path, database: str | None, clamscan: str = "clamscan") -> ScanResult:
    """Scan every file under `root`; `database` None means clamscan's configured default."""
    exe = shutil.which(clamscan)
    if exe is None:
        return ScanResult("unavailable", "未安装 ClamAV 病毒扫描程序（clamscan）")
    if database is not None and not Path(database).exists():
        return ScanResult("unavailable", f"病毒特征库 {database} 不存在")
    if database is None and _default_database_missing(DEFAULT_DATABASE_DIR):
        return ScanResult(
            "unavailable",
            f"{DEFAULT_DATABASE_DIR} 中没有病毒特征库（请运行 freshclam 或设置 DANGAN_CLAMAV_DB）",
        )
    cmd = [exe, "--no-summary", "--stdout", "-r", *_LIMITS]
    if database is not None:
        cmd.append(f"--database={database}")
    cmd += ["--", str(root)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        return ScanResult("error", f"病毒扫描超时（超过 {TIMEOUT_S} 秒）")
    found: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        if line.endswith(" FOUND") and ": " in line:
            where, name = line[: -len(" FOUND")].rsplit(": ", 1)
            found[_relative(root, where)] = name
    if proc.returncode == 1 or found:
        names = "、".join(f"{p}（{n}）" for p, n in sorted(found.items()))
        return ScanResult("infected", f"发现病毒或恶意代码：{names}", found)
    if proc.returncode == 0:
        return ScanResult("clean", "未发现病毒")
    detail = (proc.stderr or proc.stdout).strip().splitlines()
    reason = detail[-1] if detail else f"退出码 {proc.returncode}"
    if "database" in (proc.stderr or "").lower():
        return ScanResult("unavailable", f"病毒特征库不可用：{reason}")
    return ScanResult("error", f"病毒扫描出错：{reason}")


CHUNK = 64 * 1024
CLAMD_TIMEOUT_S = 120


def _clamd_connect(address: str) -> socket.socket:
    """`/run/clamav/clamd.ctl` (a unix socket) or `tcp://host:port`."""
    if address.startswith("tcp://"):
        host, _, port = address[len("tcp://") :].rpartition(":")
        return socket.create_connection((host, int(port)), timeout=CLAMD_TIMEOUT_S)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(CLAMD_TIMEOUT_S)
    sock.connect(address)
    return sock


def _instream(address: str, path: Path) -> str:
    with _clamd_connect(address) as sock:
        sock.sendall(b"zINSTREAM\0")
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
        sock.sendall(struct.pack("!I", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace")


def scan_tree_clamd(root: Path, address: str) -> ScanResult:
    """Stream every regular file under `root` to clamd; links and special files are not followed."""
    found: dict[str, str] = {}
    scanned = 0
    try:
        for dirpath, _dirs, names in os.walk(root, followlinks=False):
            for name in names:
                path = Path(dirpath) / name
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                reply = _instream(address, path)
                scanned += 1
                if reply.endswith(" FOUND"):
                    found[path.relative_to(root).as_posix()] = reply[len("stream: ") : -len(" FOUND")]
                elif not reply.endswith(": OK"):
                    return ScanResult("error", f"clamd 扫描 {name} 出错：{reply}", found, "clamd")
    except OSError as exc:
        return ScanResult("unavailable", f"无法连接 clamd（{address}）：{exc}", found, "clamd")
    if found:
        listed = "、".join(f"{p}（{n}）" for p, n in sorted(found.items()))
        return ScanResult("infected", f"发现病毒或恶意代码：{listed}", found, "clamd")
    return ScanResult("clean", f"clamd 扫描 {scanned} 个文件，未发现病毒", engine="clamd")
