"""The PostgreSQL half of backup and restore: `pg_dump` (custom format) and `pg_restore`.

The dump is taken from an exported snapshot that the backup's own count of records also reads, so the
count in backup.json and the dump agree even while the archive keeps working. Objects are copied after
the snapshot (services.backup): every object a dumped row names was written before that row.

Restore puts every object into every configured location (S3 included) first and the catalogue last,
into an empty database, in one transaction: a failed restore leaves unreferenced objects only.
"""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

from dangan.core import ConfigurationError, DanganError, Settings, ValidationFailed
from dangan.services.archive import store_location

PG_DUMP = "catalog.pgdump"


class PgToolFailed(DanganError):
    code = "pg_tool_failed"
    status = 500


def libpq_url(url: str) -> str:
    """The SQLAlchemy URL as libpq (pg_dump, psycopg) reads it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def pg_tool(name: str) -> str:
    found = shutil.which(name) or next(
        iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None
    )
    if not found:
        raise ConfigurationError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（postgresql-client）", code="pg_tools_missing"
        )
    return found


def _run(cmd: list[str], what: str) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PgToolFailed(f"{what}失败：{proc.stderr.strip()[-500:]}")


def dump(db_url: str, target: Path) -> int:
    """Dump the catalogue to `target` (custom format); returns the number of records in the dump."""
    import psycopg

    url = libpq_url(db_url)
    with psycopg.connect(url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        count = conn.execute("SELECT count(*) FROM record").fetchone()
        assert row is not None and count is not None
        _run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={row[0]}",
              f"--file={target}", f"--dbname={url}"], "pg_dump 备份目录库")  # fmt: skip
        conn.rollback()
    return int(count[0])


def require_empty_database(settings: Settings) -> None:
    """Refuse (before anything is written) a target database that already holds tables."""
    import psycopg

    with psycopg.connect(libpq_url(settings.db_url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    if row is not None and row[0]:
        raise ValidationFailed(
            "目标 PostgreSQL 数据库不是空库，为避免覆盖已拒绝；请新建一个空数据库并设置 DANGAN_DATABASE_URL",
            code="target_not_empty",
        )


def restore_pg(settings: Settings, src: Path) -> int:
    """Objects into every configured location, then the catalogue into the (empty) database."""
    url = libpq_url(settings.db_url)
    require_empty_database(settings)
    kinds = [settings.primary_store.strip()] + [k.strip() for k in settings.replicas.split(",") if k.strip()]
    roles = ["primary"] + ["replica" if i == 0 else f"replica{i + 1}" for i in range(len(kinds) - 1)]
    locations = [store_location(settings, kind, role) for kind, role in zip(kinds, roles, strict=True)]
    copied = 0
    for path in sorted((src / "objects").rglob("*")):
        if path.is_file():
            key = path.relative_to(src / "objects").as_posix()
            for loc in locations:
                loc.put_file(key, path)
            copied += 1
    _run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={url}", str(src / PG_DUMP)], "pg_restore 恢复目录库")  # fmt: skip
    return copied
