"""SM2 with SM3 (GB/T 32918, GM/T 0009) for the seals and signatures found in OFD files.

`cryptography` has no SM2 curve, so the arithmetic is GmSSL's through `gmssl-fast` (already used by
the ledger for checkpoint keys); certificates are read with asn1crypto. Signatures are checked with
the default signer id "1234567812345678" (GM/T 0009), which every OFD signing product uses, and are
accepted DER-encoded (SEQUENCE {r, s}, the usual form) or raw r‖s.

Certificate trust is deliberately simple and offline: a certificate is trusted when it is one of the
configured trust roots, or when its issuer is one and that issuer's key verifies its signature
(through at most a few intermediates that travel with the signature).
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import gmssl_fast
from asn1crypto import algos, crl, x509  # type: ignore[import-untyped]

# asn1crypto caches each OID class's name → OID map the first time a value is built by name; asn1crypto.tsp
# (which pyHanko's time-stamping needs) adds names such as tst_info to those classes when imported. Import it
# before anything here builds a value, or a PDF time-stamped later in this process fails ("tst_info").
from asn1crypto import tsp as _tsp  # noqa: F401

SM2_CURVE = "1.2.156.10197.1.301"
SM3_WITH_SM2 = "1.2.156.10197.1.501"
SM2_SIGN = "1.2.156.10197.1.301.1"
SM2_ALGORITHMS = frozenset({SM3_WITH_SM2, SM2_SIGN})
ALGORITHM_NAMES = {SM3_WITH_SM2: "SM3withSM2", SM2_SIGN: "SM2", "1.2.156.10197.1.401": "SM3"}
MAX_CHAIN = 4
_FD2_LOCK = threading.Lock()


def algorithm_name(oid: str | None) -> str | None:
    return None if oid is None else ALGORITHM_NAMES.get(oid, oid)


def load_certificate(der: bytes) -> x509.Certificate | None:
    """The certificate in `der`, or None when it is not one (a damaged or foreign blob)."""
    try:
        cert = x509.Certificate.load(der, strict=True)
        cert.native  # noqa: B018  (force a full parse now, not later in a report)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):  # asn1crypto on garbage
        return None
    return cert


def public_point(cert: x509.Certificate) -> str | None:
    """The SM2 public key of `cert` as hex 04‖X‖Y; None for a key of another kind."""
    try:
        info = cert.public_key
        if info.algorithm != "ec":
            return None
        params = info["algorithm"]["parameters"]
        if params.name != "named" or params.chosen.dotted != SM2_CURVE:
            return None
        point = bytes(info["public_key"].native)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    if len(point) == 64:
        point = b"\x04" + point
    return point.hex() if len(point) == 65 and point[0] == 4 else None


def raw_signature(value: bytes) -> bytes | None:
    """r‖s (64 bytes) from a DER SEQUENCE {r, s} or from raw r‖s; None when neither."""
    if len(value) == 64 and value[:1] != b"\x30":
        return value
    try:
        sig = algos.DSASignature.load(value, strict=True)
        r, s = int(sig["r"].native), int(sig["s"].native)
    except (ValueError, TypeError, KeyError):
        return value if len(value) == 64 else None
    if not (0 < r < 2**256 and 0 < s < 2**256):
        return None
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


@contextmanager
def _quiet_fd2() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while GmSSL runs.

    GmSSL is built with its debug trace on: every verification that *fails* (a tampered file, a
    trust root that is not the signer) writes three `sm2_lib.c:…` lines straight to fd 2, under the
    JSON of `dangan check` and into server logs. The verdict carries the reason, so the trace is
    dropped. Anything another thread writes to stderr during those few milliseconds is dropped too;
    the lock keeps two verifications from restoring each other's descriptor.
    """
    with _FD2_LOCK:
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):
            yield  # no usable fd 2 (a daemon): nothing to protect
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 2)
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(devnull)


def verify(point_hex: str, message: bytes, signature: bytes) -> bool:
    """Whether `signature` (DER or raw) is the SM3withSM2 signature of `message` under the key."""
    raw = raw_signature(signature)
    if raw is None:
        return False
    try:
        with _quiet_fd2():
            return bool(gmssl_fast.SM2(public_key=point_hex).verify(message, raw))
    except (gmssl_fast.GmsslError, ValueError):
        return False


def verify_with(cert: x509.Certificate, message: bytes, signature: bytes) -> bool:
    point = public_point(cert)
    return point is not None and verify(point, message, signature)


def subject(cert: x509.Certificate | None) -> str | None:
    return None if cert is None else str(cert.subject.human_friendly)


def issuer(cert: x509.Certificate | None) -> str | None:
    return None if cert is None else str(cert.issuer.human_friendly)


def valid_at(cert: x509.Certificate, when: datetime | None) -> bool | None:
    """Whether `when` lies in the certificate's validity period; None when `when` is unknown."""
    if when is None:
        return None
    validity = cert["tbs_certificate"]["validity"]
    start, end = validity["not_before"].native, validity["not_after"].native
    return bool(start <= when <= end)


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def _issued_by(cert: x509.Certificate, parent: x509.Certificate) -> bool:
    if cert.issuer != parent.subject:
        return False
    algorithm = cert["signature_algorithm"]["algorithm"].dotted
    if algorithm not in SM2_ALGORITHMS:
        return False
    return verify_with(parent, cert["tbs_certificate"].dump(), bytes(cert["signature_value"].native))


def chains_to(
    cert: x509.Certificate, roots: Sequence[x509.Certificate], others: Iterable[x509.Certificate] = ()
) -> bool:
    """Whether `cert` is a trust root or is issued, through at most MAX_CHAIN SM2 links, by one."""
    anchors = {fingerprint(r) for r in roots}
    pool = [*roots, *others]
    current = cert
    for _ in range(MAX_CHAIN):
        if fingerprint(current) in anchors:
            return True
        parent = next(
            (p for p in pool if fingerprint(p) != fingerprint(current) and _issued_by(current, p)), None
        )
        if parent is None:
            return False
        current = parent
    return fingerprint(current) in anchors


def _common_name(cert: x509.Certificate) -> str | None:
    """The subject's CN alone, which a Chinese page shows (asn1crypto's friendly form has English labels)."""
    try:
        name = cert.subject.native.get("common_name")
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return str(name[0] if isinstance(name, list) and name else name) if name else None


def describe(cert: x509.Certificate | None) -> dict[str, Any] | None:
    """What a report shows of a certificate: subject, issuer, serial and validity."""
    if cert is None:
        return None
    validity = cert["tbs_certificate"]["validity"]
    return {
        "subject": subject(cert),
        "subject_name": _common_name(cert),
        "issuer": issuer(cert),
        "serial": format(cert.serial_number, "x"),
        "not_before": validity["not_before"].native.isoformat(),
        "not_after": validity["not_after"].native.isoformat(),
        "sha256": fingerprint(cert),
    }


# -- revocation ----------------------------------------------------------------------------------
# An offline reader learns of revocations only from CRLs it is handed beside its trust roots (the
# archive keeps its seal roots' CRLs in DATA/keys/seal/crl). RFC 5280 §5.3.1: when the reason says the
# key was never compromised (affiliation changed, superseded, cessation of operation) a signature made
# before the revocation date still stands; any other reason condemns every signature of the key,
# since whoever holds a compromised key can also write any signing time.

REASON_LABELS = {0: "未说明原因", 1: "私钥泄露", 2: "CA 私钥泄露", 3: "隶属关系变更", 4: "已被新证书取代",
                 5: "停止使用", 6: "证书冻结", 9: "权限被撤销", 10: "属性机构私钥泄露"}  # fmt: skip
BENIGN_REASONS = frozenset({3, 4, 5})
_REASON_CODE = "2.5.29.21"


def load_crl(der: bytes) -> crl.CertificateList | None:
    """The CRL in `der`, or None when it is not one."""
    try:
        item = crl.CertificateList.load(der, strict=True)
        item.native  # noqa: B018  (force a full parse now)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return None
    return item


def crl_signed_by(item: crl.CertificateList, cert: x509.Certificate) -> bool:
    """Whether `cert` (an SM2 CA) signed the CRL."""
    if item["tbs_cert_list"]["issuer"] != cert.subject:
        return False
    if item["signature_algorithm"]["algorithm"].dotted not in SM2_ALGORITHMS:
        return False
    return verify_with(cert, item["tbs_cert_list"].dump(), bytes(item["signature"].native))


def _reason_code(entry: Any) -> int:
    for ext in entry["crl_entry_extensions"] or []:
        if ext["extn_id"].dotted == _REASON_CODE:
            return int.from_bytes(bytes(ext["extn_value"].contents)[2:], "big")
    return 0


def revocation(cert: x509.Certificate, crls: Sequence[crl.CertificateList],
               when: datetime | None) -> dict[str, Any] | None:  # fmt: skip
    """The CRL entry for `cert`, if any: when and why, and whether it condemns a signature made at
    `when` (``effective``)."""
    for item in crls:
        tbs = item["tbs_cert_list"]
        if tbs["issuer"] != cert.issuer:
            continue
        for entry in tbs["revoked_certificates"] or []:
            if entry["user_certificate"].native != cert.serial_number:
                continue
            at, code = entry["revocation_date"].native, _reason_code(entry)
            benign = code in BENIGN_REASONS and when is not None and when < at
            return {"revoked_at": at.isoformat(), "reason_code": code,
                    "reason_label": REASON_LABELS.get(code, str(code)), "effective": not benign}  # fmt: skip
    return None


def split_trust(material: Sequence[Any]) -> tuple[list[x509.Certificate], list[crl.CertificateList]]:
    """Trust roots and CRLs handed over together (see `signatures.ofd_trust_roots`)."""
    crls = [m for m in material if isinstance(m, crl.CertificateList)]
    return [m for m in material if not isinstance(m, crl.CertificateList)], crls
