"""The background jobs of `dangan serve`, in a child process of their own at a low CPU priority.

Why not threads of the web server, as before: the jobs are mostly OCR of pushed scans, and between the
OCR engine's calls (which release the GIL) they run Python — font embedding, image clean-up, quality
checks — holding the web process's GIL. Niced threads made it worse: a job thread descheduled while
holding the GIL kept every web thread waiting. Measured with bench/load.py (16 users, pushes with
scans): the job threads used ~190 ms of CPU per pushed case inside the web process, and browse, a 5 ms
request when alone, had a p95 of 360 ms. In a process of its own at nice 10 the jobs take the idle
cycles and the web process's GIL stays its own.

The server keeps holding the queue's lock (`worker_lock`) on the child's behalf, so a `dangan worker`
started later still sees that jobs are taken care of; it hands the child its exact settings over a pipe
(secrets never in the environment or on the command line), restarts it if it dies, and on shutdown asks
it to finish what it is doing (SIGINT) and, after `GRACE_S`, to hand its work back to the queue
(SIGTERM). The child dies with the server (`die_with_parent`): a killed server leaves no orphan.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence

from pydantic import SecretStr

from dangan.core import Settings, die_with_parent
from dangan.services.archive import Archive

from ._jobs import worker_lock

log = logging.getLogger("dangan.jobs")

JOB_NICE = 10
CHILD_FLAG = "DANGAN_JOBS_CHILD"  # set for the child only: "read your settings from standard input"
GRACE_S = 5.0  # to finish the task in hand before it is handed back
_RESTART_S = 2.0


def _settings_json(settings: Settings) -> str:
    doc = {
        k: (v.get_secret_value() if isinstance(v, SecretStr) else v) for k, v in settings.model_dump().items()
    }
    return json.dumps(doc, default=str)


def lower_priority(nice: int = JOB_NICE) -> None:
    """Run this process at least `nice`: on a machine shared with web processes, the pages people wait
    for come first; alone, nothing changes. Linux keeps a nice value per thread, inherited by the threads
    and processes started later; threads already running (a BLAS pool started by an import) are set one
    by one."""
    tasks = [int(t) for t in os.listdir("/proc/self/task")] if os.path.isdir("/proc/self/task") else [0]
    for tid in tasks:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), nice))


def child_settings() -> Settings | None:
    """In a job child: the server's settings, once this process yields the CPU and dies with its parent;
    None when this process was not started by `JobProcess`."""
    parent = os.environ.pop(CHILD_FLAG, None)
    if not parent:
        return None
    die_with_parent(int(parent))
    lower_priority(JOB_NICE)
    return Settings(**json.loads(sys.stdin.read()))


class JobProcess:
    """One supervised job child: `argv` runs the consumer (the command layer knows which tasks exist).

    Every child is started, watched and stopped by one thread of its own: Linux delivers the
    parent-death signal when the *thread* that started a process ends, so the thread that starts the
    children must outlive them."""

    def __init__(self, argv: Sequence[str], settings: Settings) -> None:
        self.argv = list(argv)
        self.settings = settings
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dangan-job-process", daemon=True)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        self._thread.start()
        self._started.wait(30)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _spawn(self) -> None:
        proc = subprocess.Popen(
            self.argv, env={**os.environ, CHILD_FLAG: str(os.getpid())}, stdin=subprocess.PIPE
        )
        assert proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it died at once: seen below, and started again
            proc.stdin.write(_settings_json(self.settings).encode())
            proc.stdin.close()
        self.process = proc

    def _run(self) -> None:
        try:
            self._spawn()
        finally:
            self._started.set()
        while not self._stopping.wait(0.5):
            proc = self.process
            if proc is None or proc.poll() is None:
                continue
            log.warning("后台任务进程意外退出（退出码 %s），%s 秒后重新启动", proc.returncode, _RESTART_S)
            if self._stopping.wait(_RESTART_S):
                break
            self.restarts += 1
            self._spawn()
        self._end()

    def _end(self) -> None:
        """Ask the child to finish its task in hand; after the grace, to hand it back; then kill."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, GRACE_S + 5), (signal.SIGTERM, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(sig)
            try:
                proc.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                log.warning("后台任务进程未在 %s 秒内退出", wait)
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def serve_jobs(archive: Archive, argv: Sequence[str]) -> Iterator[JobProcess | None]:
    """While inside: background jobs run in a child process (`argv`), in embedded mode and only when no
    `dangan worker` holds the lock. Scaled (Redis), `dangan worker` processes run them."""
    if archive.settings.redis_url:
        yield None
        return
    with worker_lock(archive.settings) as got:
        if not got:
            yield None
            return
        job = JobProcess(argv, archive.settings)
        job.start()
        try:
            yield job
        finally:
            job.stop()
