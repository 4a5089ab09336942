"""Issue #23's bad input "a revoked signing certificate": once the archive revokes a certificate (its
local root re-signs a real CRL) or imports an outside CA's CRL, a copy that certificate signed is
reported as revoked — by `certify verify`'s service, the portal's upload check, and the OFD checker —
while a copy by a rotated, unrevoked certificate stays 有效; a damaged CRL is refused when loaded."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from dangan.access import Principal, Role
from dangan.core import ConfigurationError, ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.ledger import ledger_entry
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import (
    archive_keys,
    check_uploaded_copy,
    import_revocation_list,
    import_signing_certificate,
    issue_certificate,
    issue_ofd_certificate,
    make_seal,
    make_signing_ca,
    ofd_roots,
    revoke_certificate,
    signing_crls,
    signing_roots,
    verify_certificate_file,
    verify_ofd_file,
)
from dangan.services.intake import import_paths
from dangan.services.quality import check_path
from dangan.store.crypto import build_certificate, current_identity, current_seal
from tests.factories import package_dir, rewrite_case_json

DEPT = "秦皇岛市市场监督管理局"
ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[Archive, str]]:
    opened = open_archive(load_settings(tmp_path / "data"))
    try:
        report = import_paths(
            opened, [package_dir(tmp_path / "in", 0, department=DEPT, open_to_public=False)]
        )
        yield opened, str(report.accepted[0].record_id)
    finally:
        opened.close()


def _verify(archive: Archive, pdf: bytes) -> dict[str, Any]:
    s = archive.settings
    return verify_certificate_file(pdf, archive_keys(s.home), signing_roots(s), signing_crls(s))


def _events(archive: Archive) -> list[dict[str, Any]]:
    with archive.db.read() as s:
        bodies = s.connection().execute(select(ledger_entry.c.body)).scalars().all()
    return [json.loads(b) for b in bodies]


def test_revoked_pades_certificate_is_reported_and_a_rotated_one_stays_valid(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    arch, record_id = archive
    first = issue_certificate(arch, ARCHIVIST, record_id)
    assert _verify(arch, first.pdf)["valid"] is True
    keys = arch.settings.home / "keys"
    old = current_identity(keys)
    assert old is not None
    done = revoke_certificate(arch, old.id, "keyCompromise")
    assert done["was_current"] is True and done["next_step"] == "dangan keys ca"
    crl_file = next((keys / "signing" / "crl").glob("*.crl"))
    assert crl_file.read_bytes().startswith(b"-----BEGIN X509 CRL-----")
    report = _verify(arch, first.pdf)
    assert report["valid"] is False and report["proof_valid"] is True  # the ledger half still holds
    pades = report["pades"]
    assert pades["revoked"]["reason"] == "keyCompromise" and pades["revoked"]["effective"] is True
    assert any("被吊销" in p and "私钥泄露" in p for p in pades["problems"]), pades["problems"]
    assert not any("不受信任" in p for p in pades["problems"])  # said as what it is, once
    events = [e for e in _events(arch) if e["kind"] == "signing_certificate"]
    assert events[-1]["detail"]["action"] == "revoke" and events[-1]["detail"]["id"] == old.id
    with pytest.raises(ConfigurationError, match=r"已于 .* 被吊销.*dangan keys ca"):
        issue_certificate(arch, ARCHIVIST, record_id)  # no copy is born with a revoked signer
    upload = check_uploaded_copy(arch, first.pdf, first.id)
    assert upload["valid"] is False and upload["pades"]["revoked"]["effective"] is True
    # an independent tool agrees that the CRL revokes the certificate
    root = next((keys / "signing" / "roots").glob("*.pem"))
    leaf = tmp_path / "leaf.pem"
    leaf.write_bytes(old.cert.public_bytes(serialization.Encoding.PEM))
    openssl = subprocess.run(["openssl", "verify", "-crl_check", "-CAfile", str(root), "-CRLfile", str(crl_file),
                              str(leaf)], capture_output=True, text=True, timeout=30)  # fmt: skip
    assert openssl.returncode != 0 and "certificate revoked" in openssl.stderr
    make_signing_ca(arch)
    second = issue_certificate(arch, ARCHIVIST, record_id)
    fresh = _verify(arch, second.pdf)
    assert fresh["valid"] is True and fresh["pades"]["revoked"] is None, fresh["problems"]
    assert check_uploaded_copy(arch, second.pdf, second.id)["valid"] is True


def test_superseded_certificate_keeps_earlier_signatures_valid_with_a_note(
    archive: tuple[Archive, str],
) -> None:
    arch, record_id = archive
    before = issue_certificate(arch, ARCHIVIST, record_id)
    current = current_identity(arch.settings.home / "keys")
    assert current is not None
    revoke_certificate(arch, current.id, "superseded")
    report = _verify(arch, before.pdf)
    assert report["valid"] is True, report["problems"]
    assert report["pades"]["revoked"]["effective"] is False and "吊销之前" in report["pades"]["notes"][0]
    with pytest.raises(ValidationFailed, match="已被吊销"):
        revoke_certificate(arch, current.id, "keyCompromise")  # once is enough


def test_tampered_crl_is_refused_at_load(archive: tuple[Archive, str]) -> None:
    arch, record_id = archive
    copy = issue_certificate(arch, ARCHIVIST, record_id)
    keys = arch.settings.home / "keys"
    ident = current_identity(keys)
    assert ident is not None
    revoke_certificate(arch, ident.id, "keyCompromise")
    path = next((keys / "signing" / "crl").glob("*.crl"))
    lines = path.read_bytes().splitlines(keepends=True)
    body = bytearray(lines[2])  # a line of the base64 body, well inside the signed list
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    path.write_bytes(b"".join([*lines[:2], bytes(body), *lines[3:]]))
    with pytest.raises(ConfigurationError, match=r"吊销列表 .*拒绝使用"):
        signing_crls(arch.settings)
    with pytest.raises(ConfigurationError, match="吊销列表"):
        check_uploaded_copy(arch, copy.pdf, copy.id)  # never judged as if nothing were revoked


def _outside_ca(
    tmp: Path, name: str = "某省电子认证服务中心根证书"
) -> tuple[Any, ec.EllipticCurvePrivateKey]:
    now = datetime.now(UTC)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    key = ec.generate_private_key(ec.SECP256R1())
    root = build_certificate(subject, key.public_key(), None, key, now - timedelta(days=1),
                             now + timedelta(days=3650), ca=True)  # fmt: skip
    return root, key


def _crl(root: x509.Certificate, key: ec.EllipticCurvePrivateKey, serials: list[int]) -> bytes:
    now = datetime.now(UTC) - timedelta(minutes=1)
    builder = x509.CertificateRevocationListBuilder().issuer_name(root.subject).last_update(now)
    builder = builder.next_update(now + timedelta(days=7))
    for serial in serials:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
        entry = entry.add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def test_outside_ca_crl_is_honoured_and_a_forged_one_refused(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    arch, record_id = archive
    root, root_key = _outside_ca(tmp_path)
    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "秦皇岛市行政审批档案馆")])
    cert = build_certificate(subject, key.public_key(), root, root_key, now - timedelta(days=1),
                             now + timedelta(days=365))  # fmt: skip
    files = {"cert.pem": cert.public_bytes(serialization.Encoding.PEM),
             "key.pem": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()),
             "chain.pem": root.public_bytes(serialization.Encoding.PEM)}  # fmt: skip
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    import_signing_certificate(arch, tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "chain.pem")
    copy = issue_certificate(arch, ARCHIVIST, record_id)
    assert _verify(arch, copy.pdf)["valid"] is True
    with pytest.raises(ValidationFailed, match="外部 CA"):
        revoke_certificate(arch, current_identity(arch.settings.home / "keys").id)  # type: ignore[union-attr]
    forger, forger_key = _outside_ca(tmp_path)  # same name, another key: not the CA that issued the chain
    (tmp_path / "forged.crl").write_bytes(_crl(forger, forger_key, [cert.serial_number]))
    with pytest.raises(ValidationFailed, match="不是由本馆持有的任何 CA 证书签署"):
        import_revocation_list(arch, tmp_path / "forged.crl")
    assert not (arch.settings.home / "keys" / "signing" / "crl").exists() or not any(
        (arch.settings.home / "keys" / "signing" / "crl").iterdir()
    )  # nothing written
    assert _verify(arch, copy.pdf)["valid"] is True
    (tmp_path / "real.crl").write_bytes(_crl(root, root_key, [12345, cert.serial_number]))
    done = import_revocation_list(arch, tmp_path / "real.crl")
    assert done["revoked"] == 2 and len(done["identities_revoked"]) == 1
    report = _verify(arch, copy.pdf)
    assert report["valid"] is False and any("被吊销" in p for p in report["pades"]["problems"])


def test_revoked_seal_signer_is_reported_by_ofd_checkers(
    archive: tuple[Archive, str], tmp_path: Path
) -> None:
    arch, record_id = archive
    sealed = issue_ofd_certificate(arch, ARCHIVIST, record_id, "办理不动产登记").pdf
    keys = arch.settings.home / "keys"
    seal = current_seal(keys)
    assert seal is not None
    done = revoke_certificate(arch, seal.id, "keyCompromise")
    assert done["kind"] == "seal" and done["next_step"] == "dangan keys seal"
    report = verify_ofd_file(sealed, archive_keys(arch.settings.home), ofd_roots(arch.settings))
    assert report["valid"] is False and report["proof_valid"] is True
    assert report["seal"]["revoked"]["effective"] is True
    assert any("被吊销" in p and "私钥泄露" in p for p in report["problems"]), report["problems"]
    assert check_uploaded_copy(arch, sealed, "whatever")["seal"]["revoked"]["effective"] is True
    # the incoming 四性检测 check uses the same trust material
    pkg = package_dir(tmp_path / "back", 7, department=DEPT)
    (pkg / "档案证明.ofd").write_bytes(sealed)
    rewrite_case_json(pkg, lambda doc: doc["files"].append({"path": "档案证明.ofd", "role": "其他"}))
    item = next(i for i in check_path(arch, pkg).items if i.code == "1-1")
    assert item.verdict.value == "不通过" and "被吊销" in item.message, item.message
    with pytest.raises(ConfigurationError, match="dangan keys seal"):
        issue_ofd_certificate(arch, ARCHIVIST, record_id, "核验")
    make_seal(arch)
    fresh = issue_ofd_certificate(arch, ARCHIVIST, record_id, "核验").pdf
    ok = verify_ofd_file(fresh, archive_keys(arch.settings.home), ofd_roots(arch.settings))
    assert ok["valid"] is True and ok["seal"]["revoked"] is None, ok["problems"]
    crl = next((keys / "seal" / "crl").glob("*.crl"))
    data = bytearray(crl.read_bytes())
    data[120] = ord("A") if data[120] != ord("A") else ord("B")
    crl.write_bytes(bytes(data))
    with pytest.raises(ConfigurationError, match="吊销列表"):
        ofd_roots(arch.settings)


def test_superseded_seal_spares_what_it_sealed_before(archive: tuple[Archive, str]) -> None:
    arch, record_id = archive
    sealed = issue_ofd_certificate(arch, ARCHIVIST, record_id, "核验").pdf
    seal = current_seal(arch.settings.home / "keys")
    assert seal is not None
    revoke_certificate(arch, seal.id, "superseded")
    report = verify_ofd_file(sealed, archive_keys(arch.settings.home), ofd_roots(arch.settings))
    assert report["valid"] is True, report["problems"]
    assert report["seal"]["revoked"]["effective"] is False and report["seal"]["revoked"]["reason_code"] == 4
    assert "吊销之前" in report["seal"]["signatures"][0]["message"]
