"""A private Redis server for the test session: a real `redis-server`, started and stopped by the tests.

Uses Debian's `redis-server` (installed by scripts/setup.sh). It listens on a free loopback port with its
files in a temporary directory, without persistence, so it never clashes with anything else.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class RedisUnavailable(RuntimeError):
    pass


def redis_binary() -> str:
    found = shutil.which("redis-server", path=os.environ.get("PATH", "") + ":/usr/bin:/usr/sbin")
    if not found:
        raise RedisUnavailable(
            "redis-server not found: run scripts/setup.sh (apt-get install redis-server) "
            "or set DANGAN_TEST_REDIS_URL to a server"
        )
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateRedis:
    def __init__(self) -> None:
        self.dir: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        binary = redis_binary()
        self.dir = Path(tempfile.mkdtemp(prefix="dangan-redis-"))
        port = _free_port()
        self.log = open(self.dir / "redis.log", "wb")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return url
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                log = (self.dir / "redis.log").read_text(errors="replace")[-2000:]
                self.stop()
                raise RuntimeError(f"redis-server did not start:\n{log}")
            time.sleep(0.1)

    def stop(self) -> None:
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
            if self.proc:
                self.log.close()
        finally:
            if self.dir is not None:
                shutil.rmtree(self.dir, ignore_errors=True)
