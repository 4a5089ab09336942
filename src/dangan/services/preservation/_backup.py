"""Backup and restore of a whole archive: catalogue, objects (ledger included: it lives in the catalogue)
and, kept apart, the master keys.

A backup is a folder with `catalog.db` (an online, consistent SQLite snapshot) or, for a PostgreSQL
catalogue, `catalog.pgdump` (pg_dump's custom format, see backup_pg), `objects/` (every stored
object, still encrypted where it was) and `manifest-sha256.txt` over all of it, plus `backup.json`. The
snapshot is taken first and the objects copied after: objects are immutable and written before the rows
that name them, so everything the snapshot refers to is there. The master keys go to a separate folder
(`<DEST>.keys` by default) because whoever holds both holds everything.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dangan.core import DanganError, Problem, Settings, ValidationFailed, utcnow
from dangan.services.archive import Archive
from dangan.store.catalog import Record, RecordFile

from ._backup_pg import PG_DUMP, dump, require_empty_database, restore_pg

MANIFEST = "manifest-sha256.txt"
FORMAT = "dangan-backup/1"


class BackupInvalid(DanganError):
    code = "backup_invalid"
    status = 422


@dataclass
class BackupInfo:
    dest: Path
    keys_dest: Path | None
    records: int
    files: int
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"dest": str(self.dest), "keys": str(self.keys_dest) if self.keys_dest else None,
                "records": self.records, "objects": self.files, "bytes": self.bytes}  # fmt: skip


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as i, open(dst, "wb") as o:
        shutil.copyfileobj(i, o, 1024 * 1024)
        o.flush()
        os.fsync(o.fileno())


def _empty_target(path: Path) -> None:
    if path.exists() and any(path.iterdir()):
        raise ValidationFailed(f"目标目录 {path} 不是空目录，为避免覆盖已拒绝", code="target_not_empty")
    path.mkdir(parents=True, exist_ok=True)


def backup(
    archive: Archive,
    dest: Path,
    *,
    keys_dest: Path | None = None,
    on_file: Callable[[int, int], None] | None = None,
) -> BackupInfo:
    _empty_target(dest)
    work = dest / ".partial"
    work.mkdir()
    if not archive.db.is_sqlite:
        records = dump(archive.settings.db_url, work / PG_DUMP)
    else:
        source_db = archive.settings.db_url.split("///", 1)[1]
        src, dst = sqlite3.connect(source_db), sqlite3.connect(work / "catalog.db")
        try:
            src.backup(dst)  # SQLite's online backup: a consistent snapshot while others keep writing
        finally:
            src.close()
            dst.close()
    names = sorted(archive.objects.primary.list_keys())
    total = 0
    for n, key in enumerate(names, start=1):
        target = work / "objects" / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.objects.primary.open(key) as src_f, open(target, "wb") as out:
            shutil.copyfileobj(src_f, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        total += target.stat().st_size
        if on_file:
            on_file(n, len(names))
    if archive.db.is_sqlite:
        conn = sqlite3.connect(work / "catalog.db")
        try:
            records = conn.execute("SELECT count(*) FROM record").fetchone()[0]
        finally:
            conn.close()
    info = {"format": FORMAT, "catalogue": "sqlite" if archive.db.is_sqlite else "postgresql", "created_at": utcnow().isoformat(), "fonds": archive.settings.fonds_code,
            "records": records, "objects": len(names), "bytes": total}  # fmt: skip
    (work / "backup.json").write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [
        f"{_sha256(p)}  {p.relative_to(work).as_posix()}" for p in sorted(work.rglob("*")) if p.is_file()
    ]
    (work / MANIFEST).write_text("\n".join(lines) + "\n", encoding="utf-8")
    for child in work.iterdir():
        child.rename(dest / child.name)
    work.rmdir()
    keys_out = None
    if archive.settings.master_key_path.parent.is_dir():
        keys_out = keys_dest or dest.with_name(dest.name + ".keys")
        _empty_target(keys_out)
        shutil.copytree(archive.settings.master_key_path.parent, keys_out, dirs_exist_ok=True)
    return BackupInfo(dest, keys_out, records, len(names), total)


def verify_backup(src: Path) -> list[str]:
    """Problems with a backup folder (empty when every file is present and hashes as listed)."""
    manifest = src / MANIFEST
    if not manifest.is_file():
        return [f"缺少清单 {MANIFEST}"]
    problems = []
    listed = set()
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed.add(rel)
        path = src / rel
        if not path.is_file():
            problems.append(f"缺少文件 {rel}")
        elif _sha256(path) != digest:
            problems.append(f"文件已损坏（校验值不符）：{rel}")
    extra = {p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()} - listed - {MANIFEST}
    problems += [f"清单外的文件：{rel}" for rel in sorted(extra)]
    return problems


def restore(
    archive_home: Path,
    src: Path,
    *,
    keys_src: Path | None = None,
    keys_dest: Path | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Rebuild a data directory from a backup; the target must be empty. Objects go to both locations.

    A PostgreSQL backup needs `settings` naming an empty PostgreSQL database (and the object locations).
    """
    problems = verify_backup(src)
    if problems:
        raise BackupInvalid(
            "备份校验未通过，已停止恢复：" + "；".join(problems[:5]),
            problems=[Problem("backup_damaged", p) for p in problems],
        )
    from_pg = (src / PG_DUMP).is_file()
    to_pg = settings is not None and not settings.db_url.startswith("sqlite")
    if from_pg != to_pg:
        msg = ("此备份的目录库是 PostgreSQL，请把 DANGAN_DATABASE_URL 设为一个空的 PostgreSQL 数据库后再恢复"
               if from_pg else "此备份的目录库是 SQLite，恢复时请不要设置 PostgreSQL 的 DANGAN_DATABASE_URL")  # fmt: skip
        raise ValidationFailed(msg, code="backup_catalogue_mismatch")
    if settings is not None and from_pg:
        require_empty_database(settings)
    _empty_target(archive_home)
    if from_pg:
        assert settings is not None
        restore_pg(settings, src)
        return _finish_restore(archive_home, src, keys_src, keys_dest)
    staging = archive_home / ".restoring"
    staging.mkdir()
    _copy(src / "catalog.db", staging / "catalog.db")
    for path in sorted((src / "objects").rglob("*")):
        if path.is_file():
            rel = path.relative_to(src / "objects")
            _copy(path, staging / "objects" / rel)
            _copy(path, staging / "replica" / rel)
    for child in staging.iterdir():
        child.rename(archive_home / child.name)
    staging.rmdir()
    return _finish_restore(archive_home, src, keys_src, keys_dest)


def _finish_restore(
    archive_home: Path, src: Path, keys_src: Path | None, keys_dest: Path | None
) -> dict[str, Any]:
    keys_from = keys_src or src.with_name(src.name + ".keys")
    restored_keys = None
    if keys_from.is_dir() and keys_dest is not None:
        if keys_dest.exists() and any(keys_dest.iterdir()):
            restored_keys = None
        else:
            shutil.copytree(keys_from, keys_dest, dirs_exist_ok=True)
            restored_keys = str(keys_dest)
    info = json.loads((src / "backup.json").read_text(encoding="utf-8"))
    return {
        "restored": str(archive_home),
        "records": info["records"],
        "objects": info["objects"],
        "keys": restored_keys,
    }


def catalogue_fingerprint(archive: Archive) -> dict[str, Any]:
    """What a drill compares before and after: every record and file hash."""
    with archive.db.read() as s:
        records = s.scalar(select(func.count()).select_from(Record)) or 0
        rows = s.execute(
            select(Record.id, Record.archival_code, RecordFile.path, RecordFile.sha256).join(RecordFile)
        ).all()
    return {"records": records, "files": sorted(tuple(r) for r in rows)}
