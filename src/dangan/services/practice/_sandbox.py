"""Sandbox archives for practice mode: one template built once from demo data, copied per trainee.

A sandbox is a whole Dangan archive of its own (SQLite catalogue, objects, replica, index, ledger keys
and master key) under `HOME/practice/`, so nothing a trainee does can reach the real one: the sandbox's
settings are the real settings with every place that could lead outside the sandbox (database URL,
S3, Redis, witness folder, alert webhook, drop folder, injected master key) switched to the sandbox's
own folder or off. Generating ~200 demo cases takes tens of seconds, so it is done once, in the
background, into `practice/_template`; entering practice mode then is a folder copy.

Layout of one sandbox folder: `data/` (the archive's home), `keys/master.key` (outside the home, as
the keyring requires) and `progress.json` (the trainee's exercise answers).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from dangan.access import Principal, hash_password
from dangan.core import Conflict, Settings
from dangan.index import forget_engine
from dangan.services.accounts import get_principal
from dangan.services.archive import Archive, open_archive, record_event
from dangan.services.intake import load_demo
from dangan.services.utilisation import reindex
from dangan.store.catalog import User

TEMPLATE_CASES = 200
TEMPLATE = "_template"
READY = "READY"
PRACTICE_ACTOR = "practice:setup"  # not a possible username: the sandbox account's creation
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_NOT_COPIED = shutil.ignore_patterns("*.lock", "jobs.db*", READY, "*-wal", "*-shm")


def practice_root(settings: Settings) -> Path:
    return settings.home / "practice"


def folder_name(username: str) -> str:
    """A folder name that no username can turn into a path outside `practice/` (or into the template)."""
    if _SAFE_NAME.fullmatch(username) and username not in (".", ".."):
        return f"u-{username}"
    return "h-" + hashlib.sha256(username.encode("utf-8")).hexdigest()[:24]


def sandbox_settings(real: Settings, folder: Path) -> Settings:
    """The real settings, with every way out of the sandbox's folder closed."""
    return real.model_copy(
        update={
            "home": folder / "data",
            "database_url": None,  # always SQLite inside the sandbox, even when the real one is PostgreSQL
            "master_key_file": folder / "keys" / "master.key",
            "master_key": None,
            "primary_store": "local",
            "replicas": "local",
            "replica_dir": None,
            "s3_endpoint": None,
            "redis_url": None,  # its queue is a file in the sandbox that no worker reads: no OCR here
            "drop_dir": None,
            "witness_dir": None,
            "alert_webhook_url": None,
            "embed_interval": 0,
            "checkpoint_interval": 0,
            "audit_interval": 0,
            "alert_interval_seconds": 0.0,
            "fonds_name": f"{real.fonds_name}（练习）",
        }
    )


@dataclass(frozen=True)
class TemplateStatus:
    """Where building the template stands: absent, building, ready or failed (with a message)."""

    state: str
    phase: str = ""
    done: int = 0
    total: int = 0
    message: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


def _checkpoint(db_file: Path) -> None:
    """Fold the WAL into the database file so a plain file copy is the whole catalogue."""
    if db_file.exists():
        con = sqlite3.connect(db_file)
        try:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()


def _close(archive: Archive) -> None:
    forget_engine(archive.settings.home)
    archive.close()
    _checkpoint(archive.settings.home / "catalog.db")


def _remove(path: Path) -> None:
    """Renamed first (atomic), then deleted: a crash never leaves half a sandbox under its name."""
    if path.exists():
        trash = path.with_name(f".trash-{path.name}-{secrets.token_hex(4)}")
        os.replace(path, trash)
        shutil.rmtree(trash, ignore_errors=True)


def _ensure_account(archive: Archive, real: Principal) -> None:
    """The trainee's same-named account in the sandbox, with the role, department and clearance he has.

    Its password is random and never shown: nobody signs in to a sandbox, the real session is used."""
    fields = {"display_name": real.display_name or real.username, "role": real.role.code,
              "department": real.department, "clearance": real.clearance.label}  # fmt: skip
    with archive.db.write() as s:
        user = s.scalar(select(User).where(User.username == real.username))
        if user is None:
            password = hash_password(secrets.token_urlsafe(32))
            s.add(User(username=real.username, password_hash=password, **fields))
            record_event(s, "user_add", PRACTICE_ACTOR, None, {"username": real.username, **fields})
            return
        for key, value in fields.items():
            setattr(user, key, value)
        user.active, user.failed_logins = True, 0


class PracticeHub:
    """The practice sandboxes of one real archive: the template, and each trainee's opened copy."""

    def __init__(self, settings: Settings, *, cases: int = TEMPLATE_CASES, seed: int = 2024) -> None:
        self.settings = settings
        self.root = practice_root(settings)
        self.cases, self.seed = cases, seed
        self._lock = threading.RLock()
        self._open: dict[str, Archive] = {}
        self._status = TemplateStatus("absent")
        self._thread: threading.Thread | None = None

    @property
    def template(self) -> Path:
        return self.root / TEMPLATE

    def folder(self, username: str) -> Path:
        return self.root / folder_name(username)

    def status(self) -> TemplateStatus:
        if (self.template / READY).exists():
            return TemplateStatus("ready", done=self.cases, total=self.cases)
        with self._lock:
            return self._status

    def prepare(self) -> TemplateStatus:
        """Start building the template in the background unless it is there or under way."""
        with self._lock:
            current = self.status()
            if current.ready or (self._thread is not None and self._thread.is_alive()):
                return current
            self._status = TemplateStatus("building", "生成演示案卷", 0, self.cases)
            self._thread = threading.Thread(target=self._build_quietly, name="practice-template", daemon=True)
            self._thread.start()
            return self._status

    def build_now(
        self, on_status: Callable[[TemplateStatus], None] | None = None, *, poll: float = 0.2
    ) -> TemplateStatus:
        """Build the template and wait for it (the command line, tests); `on_status` sees its progress.

        A template already there is left as it is, so running this again is a no-op."""
        current = self.prepare()
        thread = self._thread
        while thread is not None and thread.is_alive() and not current.ready:
            thread.join(poll)
            current = self.status()
            if on_status is not None:
                on_status(current)
        return self.status()

    def _progress(self, phase: str, total: int) -> Callable[[int], None]:
        def report(done: int) -> None:
            with self._lock:
                self._status = TemplateStatus("building", phase, done, total)

        return report

    def _build_quietly(self) -> None:
        try:
            self._build()
        except Exception as exc:  # a failed build is shown on the practice page, and may be retried
            with self._lock:
                self._status = TemplateStatus("failed", message=f"练习环境准备失败：{exc}")

    def _build(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        work = self.root / f".build-{secrets.token_hex(4)}"
        archive = open_archive(sandbox_settings(self.settings, work))
        try:
            imported = [0]

            def one_done(_outcome: object) -> None:
                imported[0] += 1
                self._progress("导入并检测案卷", self.cases)(imported[0])

            load_demo(archive, self.cases, self.seed, on_generated=self._progress("生成演示案卷", self.cases),
                      on_done=one_done)  # fmt: skip
            self._progress("建立检索索引", self.cases)(self.cases)
            reindex(archive)
        except BaseException:
            _close(archive)
            shutil.rmtree(work, ignore_errors=True)
            raise
        _close(archive)
        (work / READY).write_text("ok\n", encoding="utf-8")
        with self._lock:
            if (self.template / READY).exists():
                shutil.rmtree(work, ignore_errors=True)
            else:
                _remove(self.template)
                os.replace(work, self.template)

    def _open_folder(self, username: str) -> Archive | None:
        folder = self.folder(username)
        if not (folder / "data" / "catalog.db").exists():
            return None
        archive = open_archive(sandbox_settings(self.settings, folder))
        self._open[username] = archive
        return archive

    def sandbox(self, username: str) -> Archive | None:
        """The trainee's sandbox when he has one (opened once, then kept), else None."""
        with self._lock:
            return self._open.get(username) or self._open_folder(username)

    def enter(self, real: Principal) -> Archive:
        """The trainee's sandbox, copied from the template on first use; his account made there."""
        with self._lock:
            archive = self.sandbox(real.username)
            if archive is None:
                if not self.status().ready:
                    raise Conflict("练习环境正在准备中，请稍候再进入", code="practice_not_ready")
                work = self.root / f".copy-{secrets.token_hex(4)}"
                shutil.copytree(self.template, work, ignore=_NOT_COPIED)
                os.replace(work, self.folder(real.username))
                archive = self._open_folder(real.username)
            assert archive is not None
            _ensure_account(archive, real)
            return archive

    def reset(self, real: Principal) -> Archive:
        """Throw the trainee's sandbox (and exercise answers) away and copy the template again."""
        with self._lock:
            if not self.status().ready:
                raise Conflict("练习环境正在准备中，请稍候再重置", code="practice_not_ready")
            self.discard(real.username)
            return self.enter(real)

    def discard(self, username: str) -> None:
        with self._lock:
            archive = self._open.pop(username, None)
            if archive is not None:
                _close(archive)
            _remove(self.folder(username))

    def principal(self, archive: Archive, username: str) -> Principal:
        """Who the trainee is inside his sandbox (grants given there included)."""
        return get_principal(archive, username)

    def close(self) -> None:
        with self._lock:
            for archive in self._open.values():
                _close(archive)
            self._open.clear()
