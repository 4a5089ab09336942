"""`dangan keys ca` / `keys import-cert` / `keys list`: the archive's signing certificate, made by a
local CA or adopted from an outside one; `keys seal`: the electronic seal of OFD copies; `keys revoke` /
`keys import-crl`: revocations — each change written to the ledger so that which certificate signed
when, and when it stopped being trusted, can be shown later, next to the copies it signed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes

from dangan.core import NotFound, ValidationFailed
from dangan.services.archive import Archive, record_event
from dangan.store.crypto import (
    SealIdentity,
    SigningIdentity,
    create_local_ca,
    create_seal,
    current_identity,
    current_seal,
    import_certificate,
    import_crl,
    revocation_of,
    revoke_identity,
    revoke_seal,
    seal_identities,
    seal_revocation,
    signing_crls,
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


def _revoked(found: Any) -> dict[str, object] | None:
    return found.as_json() if found is not None else None


def signing_certificates(archive: Archive) -> dict[str, Any]:
    """Every signing certificate and seal held, with its revocation (null when none)."""
    keys = archive.settings.home / "keys"
    current, seal = current_identity(keys), current_seal(keys)
    crls = signing_crls(keys, archive.settings.trust_roots)
    return {
        "current": current.id if current else None,
        "certificates": [i.as_json() | {"revoked": _revoked(revocation_of(i.cert, crls))}
                         for i in signing_identities(keys)],
        "current_seal": seal.id if seal else None,
        "seals": [s.as_json() | {"revoked": _revoked(seal_revocation(keys, s))} for s in seal_identities(keys)],
    }  # fmt: skip


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


def _find(keys: Path, cert_id: str) -> SigningIdentity | SealIdentity:
    for ident in signing_identities(keys):
        if ident.id == cert_id:
            return ident
    for seal in seal_identities(keys):
        if seal.id == cert_id:
            return seal
    raise NotFound(
        f"没有编号为 {cert_id} 的签名证书或电子印章（见 dangan keys certs）", code="certificate_not_found"
    )


def revoke_certificate(archive: Archive, cert_id: str, reason: str = "unspecified", *,
                       actor: str = "cli") -> dict[str, Any]:  # fmt: skip
    """Revoke a signing certificate or a seal's signer certificate: its root's CRL is re-signed, the
    revocation is a ledger event, and a revoked current one stops signing until `keys ca` / `keys seal`
    makes a new one (chosen over rotating silently, so that the archivist sees the change)."""
    keys = archive.settings.home / "keys"
    found = _find(keys, cert_id)
    if isinstance(found, SealIdentity):
        done = revoke_seal(keys, found, reason)
        seal = current_seal(keys)
        current_id = seal.id if seal else None
        kind, sha, next_step = "seal", hashlib.sha256(found.cert).hexdigest(), "dangan keys seal"
    else:
        done = revoke_identity(keys, found, reason)
        ident = current_identity(keys)
        current_id = ident.id if ident else None
        kind, sha, next_step = "signing", found.cert.fingerprint(hashes.SHA256()).hex(), "dangan keys ca"
    was_current = current_id == found.id
    detail = {"action": "revoke", "kind": kind, "id": found.id, "certificate_sha256": sha} | done.as_json()
    with archive.db.write() as s:
        record_event(s, "signing_certificate", actor, None, detail)
    return {"id": found.id, "kind": kind, "certificate_sha256": sha, "revocation": done.as_json(),
            "was_current": was_current, "next_step": next_step if was_current else None}  # fmt: skip


def import_revocation_list(archive: Archive, path: Path, *, actor: str = "cli") -> dict[str, Any]:
    """Adopt an outside CA's CRL (refused, nothing written, unless a CA the archive holds signed it)."""
    keys = archive.settings.home / "keys"
    crl = import_crl(keys, _read(path, "吊销列表文件"), extra=archive.settings.trust_roots)
    revoked = [format(item.serial_number, "x") for item in crl]
    held = [i.id for i in signing_identities(keys) if revocation_of(i.cert, [crl]) is not None]
    detail = {"action": "import_crl", "issuer": crl.issuer.rfc4514_string(), "revoked": len(revoked),
              "this_update": crl.last_update_utc.isoformat(), "identities_revoked": held}  # fmt: skip
    with archive.db.write() as s:
        record_event(s, "signing_certificate", actor, None, detail)
    return detail | {"serials": revoked,
                     "next_update": crl.next_update_utc.isoformat() if crl.next_update_utc else None}  # fmt: skip
