"""`dangan keys ca` / `keys import-cert` / `keys list`: the archive's signing certificate, made by a
local CA or adopted from an outside one; `keys seal`: the electronic seal of OFD copies, with each change written to the ledger so that which
certificate signed when can be shown later, next to the copies it signed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes

from dangan.core import ValidationFailed
from dangan.services.archive import Archive, record_event
from dangan.store.crypto import (
    SigningIdentity,
    create_local_ca,
    create_seal,
    current_identity,
    current_seal,
    import_certificate,
    seal_identities,
    signing_identities,
)

from ._ofd_seal import seal_picture


def _log(archive: Archive, actor: str, action: str, identity: SigningIdentity) -> None:
    detail = {
        "action": action,
        "certificate_sha256": identity.cert.fingerprint(hashes.SHA256()).hex(),
        "subject": identity.subject,
        "not_after": identity.not_after.isoformat(),
    }
    with archive.db.write() as s:
        record_event(s, "signing_certificate", actor, None, detail)


def make_signing_ca(archive: Archive, *, algorithm: str = "ecdsa-p256", days: int = 730,
                    new_root: bool = False, actor: str = "cli") -> dict[str, Any]:  # fmt: skip
    """A new signing certificate from the local CA (rotation: the old one stays for old copies)."""
    keys = archive.settings.home / "keys"
    previous = current_identity(keys)
    made = create_local_ca(keys, archive.settings.fonds_name, archive.settings.fonds_code,
                           algorithm=algorithm, days=days, new_root=new_root)  # fmt: skip
    _log(archive, actor, "local_ca", made)
    return {"certificate": made.as_json(), "chain": [c.subject.rfc4514_string() for c in made.chain],
            "previous": previous.id if previous else None, "keys_dir": str(keys / "signing")}  # fmt: skip


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"无法读取{what} {path}：{exc.strerror}", code="unreadable") from None


def import_signing_certificate(archive: Archive, cert: Path, key: Path, chain: Path | None = None,
                               *, actor: str = "cli") -> dict[str, Any]:  # fmt: skip
    """Adopt a certificate an outside CA issued; the key is copied into ``DATA/keys`` (0600)."""
    keys = archive.settings.home / "keys"
    previous = current_identity(keys)
    made = import_certificate(keys, _read(cert, "证书文件"), _read(key, "私钥文件"),
                              _read(chain, "证书链文件") if chain else None)  # fmt: skip
    _log(archive, actor, "import", made)
    return {"certificate": made.as_json(), "chain": [c.subject.rfc4514_string() for c in made.chain],
            "previous": previous.id if previous else None, "keys_dir": str(keys / "signing")}  # fmt: skip


def signing_certificates(archive: Archive) -> dict[str, Any]:
    keys = archive.settings.home / "keys"
    current = current_identity(keys)
    return {
        "current": current.id if current else None,
        "certificates": [i.as_json() for i in signing_identities(keys)],
    }


def make_seal(
    archive: Archive, *, days: int = 730, new_root: bool = False, actor: str = "cli"
) -> dict[str, Any]:
    """A new electronic seal for OFD copies (rotation: the old seal stays for the copies it sealed)."""
    settings = archive.settings
    keys = settings.home / "keys"
    previous = current_seal(keys)
    made = create_seal(keys, settings.fonds_name, settings.fonds_code, seal_picture(settings.fonds_name),
                       days=days, new_root=new_root)  # fmt: skip
    detail = {"action": "seal", "certificate_sha256": hashlib.sha256(made.cert).hexdigest(), "seal": made.name,
              "es_id": made.es_id, "not_after": made.not_after.isoformat()}  # fmt: skip
    with archive.db.write() as s:
        record_event(s, "signing_certificate", actor, None, detail)
    return {"seal": made.as_json(), "previous": previous.id if previous else None,
            "seals": len(seal_identities(keys)), "keys_dir": str(keys / "seal")}  # fmt: skip
