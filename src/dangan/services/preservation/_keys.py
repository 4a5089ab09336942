"""Master-key rotation: new data keys are wrapped by the new key, old wraps are re-wrapped, content stays.

Order matters for crash safety: the old key is retired (kept, still able to unwrap) and the new key made
current on disk *before* any data key is re-wrapped. A crash half-way leaves every object readable, and
running the rotation again finishes the re-wrapping.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy import select

from dangan.core import ConfigurationError
from dangan.services.archive import Archive, record_event
from dangan.store.catalog import (
    AuthFactor,
    Certificate,
    PreservationCopy,
    RecordFile,
    Subscription,
    derivative_objects,
)
from dangan.store.crypto import KeyRing, MasterKey, is_sealed, load_keyring, rewrap_text


def _write_key(path: os.PathLike[str] | str, key: MasterKey, *, exclusive: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.to_text())
        f.flush()
        os.fsync(f.fileno())


def rotate_master_key(archive: Archive, actor: str = "system") -> dict[str, Any]:
    settings = archive.settings
    if settings.master_key:
        raise ConfigurationError(
            "主密钥由外部密钥管理系统注入（DANGAN_MASTER_KEY），请在该系统中轮换", code="external_key"
        )
    path = settings.master_key_path
    retired = path.parent / "retired"
    retired.mkdir(exist_ok=True)
    old = archive.objects.keyring.current
    if not (retired / f"{old.key_id}.key").exists():
        _write_key(retired / f"{old.key_id}.key", old, exclusive=True)
    new = MasterKey.generate(f"k{datetime.now():%Y%m%d%H%M%S}")
    pending = path.with_suffix(".pending")
    _write_key(pending, new, exclusive=False)
    os.replace(pending, path)
    ring = load_keyring(path, None, retired)
    archive.objects.use_keyring(ring)
    rewrapped = _rewrap_all(archive, ring)
    secrets = _rewrap_secrets(archive, ring)
    with archive.db.write() as s:
        record_event(s, "key_rotation", actor, None, {"from": old.key_id, "to": new.key_id, "rewrapped": rewrapped,
                                                      "secrets_rewrapped": secrets})  # fmt: skip
    return {"old_key_id": old.key_id, "new_key_id": new.key_id, "rewrapped": rewrapped,
            "secrets_rewrapped": secrets}  # fmt: skip


def _rewrap_secrets(archive: Archive, ring: KeyRing) -> int:
    """The sealed secrets the catalogue keeps (TOTP seeds, webhook signing secrets): their data keys
    re-wrapped, so discarding the retired key later locks nobody out and stops no webhook."""
    count = 0
    with archive.db.write() as s:
        for factor in s.scalars(select(AuthFactor).where(AuthFactor.totp_secret.is_not(None))).all():
            if factor.totp_secret and (text := rewrap_text(ring, factor.totp_secret)) is not None:
                factor.totp_secret, count = text, count + 1
        for sub in s.scalars(select(Subscription)).all():
            if is_sealed(sub.secret) and (text := rewrap_text(ring, sub.secret)) is not None:
                sub.secret, count = text, count + 1
    return count


def _rewrap_all(archive: Archive, ring: KeyRing) -> int:
    """Every encrypted object the catalogue names: record files, preservation copies, certified copies,
    enhanced page images and scan PDF/As.

    Missing one would leave it wrapped only by the retired key, unreadable once that key is discarded."""
    with archive.db.read() as s:
        shas: set[str | None] = set(
            s.scalars(select(RecordFile.sha256).where(RecordFile.encrypted.is_(True))).all()
        )
        shas |= set(
            s.scalars(
                select(PreservationCopy.sha256).where(
                    PreservationCopy.encrypted.is_(True), PreservationCopy.sha256.is_not(None)
                )
            ).all()
        )
        shas |= set(s.scalars(select(Certificate.pdf_sha256).where(Certificate.encrypted.is_(True))).all())
        shas |= {row[0] for row in derivative_objects(s, encrypted_only=True)}
    return sum(1 for sha in sorted(x for x in shas if x) if archive.objects.rewrap(sha, ring))
