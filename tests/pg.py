"""A private PostgreSQL server for the test session: a real server, started and stopped by the tests.

Uses the Debian `postgresql` binaries (installed by scripts/setup.sh / .ci/run). The cluster lives in a
temporary directory and listens on a Unix socket only, so it never clashes with anything else.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found: run scripts/setup.sh (apt-get install postgresql) "
            "or set DANGAN_TEST_PG_URL to a server"
        )
    return found[-1]


class PrivateCluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dangan-pg-"))
        self.data = self.dir / "data"
        self.sock = self.dir / "sock"
        self.sock.mkdir()
        self.run_as: str | None = "postgres" if os.geteuid() == 0 else None

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.run_as:
            cmd = ["runuser", "-u", self.run_as, "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> str:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chmod(self.dir, 0o755)
            for p in (self.dir, self.sock):
                os.chown(p, user.pw_uid, user.pw_gid)
        self._run(
            _bin("initdb"), "-D", str(self.data), "-U", "dangan", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        opts = f"-k {self.sock} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=60"
        self._run(
            _bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-l", str(self.dir / "log"), "start"
        )
        return f"postgresql://dangan@/postgres?host={self.sock}"

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """A fresh, empty database on the server; returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conninfo = admin_url.replace("postgresql://", "postgresql://", 1)
    for attempt in range(20):
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.25)
    base, _, query = admin_url.partition("?")
    return base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
