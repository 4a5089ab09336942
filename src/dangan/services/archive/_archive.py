"""`Archive`: one data directory opened — settings, catalogue, objects, keys — handed to every use case."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from dangan.core import ConfigurationError, Settings
from dangan.domain import ArchivalCodeRule
from dangan.store.catalog import Database, RecordFile, ensure_fonds, upgrade
from dangan.store.crypto import KeyRing, create_master_key_file, load_keyring
from dangan.store.objects import LocalLocation, Location, ObjectStore, S3Location


@dataclass
class Archive:
    settings: Settings
    db: Database
    objects: ObjectStore
    code_rule: ArchivalCodeRule
    master_key_created: bool = False

    @property
    def staging(self) -> Path:
        path = self.settings.home / "staging"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def close(self) -> None:
        self.db.dispose()


def _keyring(settings: Settings, db: Database) -> tuple[KeyRing, bool]:
    """Load the master key; create one only for an archive that holds no encrypted object yet.

    An archive with encrypted objects and no key must stop with a clear message rather than quietly
    start a new key: that would leave the old objects unreadable for good.
    """
    path = settings.master_key_path
    retired = path.parent / "retired"
    if settings.master_key:
        return load_keyring(path, settings.master_key.get_secret_value(), retired), False
    if path.exists():
        return load_keyring(path, None, retired), False
    with db.read() as s:
        has_encrypted = (
            s.scalar(select(RecordFile.id).where(RecordFile.encrypted.is_(True)).limit(1)) is not None
        )
    if has_encrypted:
        raise ConfigurationError(
            f"找不到主密钥文件 {path}，而档案中已有加密文件。请从备份恢复主密钥（或设置 DANGAN_MASTER_KEY_FILE）。"
        )
    if settings.home.resolve() in path.resolve().parents:
        raise ConfigurationError("主密钥不能放在数据目录之内：请把 DANGAN_MASTER_KEY_FILE 指到数据目录以外")
    created = False
    with contextlib.suppress(FileExistsError):
        create_master_key_file(path, f"k{date.today():%Y%m%d}")
        created = True
    return load_keyring(path, None, retired), created


def store_location(settings: Settings, kind: str, role: str) -> Location:
    if kind == "local":
        return LocalLocation(settings.objects_dir if role == "primary" else settings.replica_path, role)
    if kind == "s3":
        if not settings.s3_endpoint:
            raise ConfigurationError("已选择 S3 存储，但未设置 DANGAN_S3_ENDPOINT")
        loc = S3Location.connect(settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key,
                                 settings.s3_secret_key.get_secret_value(), settings.s3_region,
                                 prefix=f"{settings.s3_prefix.strip('/')}/{role}".lstrip("/"), name=f"s3-{role}")  # fmt: skip
        loc.ensure_bucket()
        return loc
    raise ConfigurationError(f"未知的存储位置：{kind}（可选 local、s3）")


def build_object_store(settings: Settings, keyring: KeyRing) -> ObjectStore:
    """Primary plus replicas as configured; two copies in separate locations at the least."""
    primary = store_location(settings, settings.primary_store.strip(), "primary")
    kinds = [k.strip() for k in settings.replicas.split(",") if k.strip()]
    if not kinds:
        raise ConfigurationError("至少需要一个副本位置（DANGAN_REPLICAS）")
    replicas = [
        store_location(settings, kind, "replica" if i == 0 else f"replica{i + 1}")
        for i, kind in enumerate(kinds)
    ]
    return ObjectStore(primary, replicas, keyring, settings.cipher, tmp_dir=settings.home / "tmp")


def open_archive(settings: Settings, *, migrate: bool = True) -> Archive:
    """Open (and, on first use, create) the archive at `settings.home`."""
    settings.home.mkdir(parents=True, exist_ok=True)
    if migrate:
        upgrade(settings.db_url)
    db = Database(settings.db_url)
    with db.write() as session:
        ensure_fonds(session, settings.fonds_code, settings.fonds_name)
    keyring, created = _keyring(settings, db)
    objects = build_object_store(settings, keyring)
    return Archive(settings, db, objects, ArchivalCodeRule(settings.archival_code_rule), created)
