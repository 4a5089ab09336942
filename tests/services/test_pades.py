"""PAdES signatures on certified copies and handover papers: accepted by pyHanko's own validation CLI in
a separate process and by pikepdf's structure checks; a changed byte, a stranger's certificate, an
expired certificate and a signature that no longer covers the whole file are each reported as such."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from dangan.access import Principal, Role
from dangan.core import ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import (
    COVER_SEAL,
    archive_keys,
    check_pades,
    issue_certificate,
    make_signing_ca,
    sign_pdf,
    signing_roots,
    verify_certificate_file,
)
from dangan.services.certify._certify_pdf import read_proof  # the proof's own reader, as certify verify
from dangan.services.handover import (
    accept_batch,
    check_batch,
    create_batch,
    handover_receipt_pdf,
    submit_batch,
)
from dangan.services.intake import import_paths
from dangan.store.crypto import SigningIdentity, build_certificate, create_local_ca, current_identity
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")
CLERK = Principal("clerk", Role.CLERK, department=DEPT, clearance=SecurityLevel.SECRET)
PYHANKO = shutil.which("pyhanko", path=str(Path(sys.executable).parent)) or shutil.which("pyhanko")


@dataclass
class Issued:
    archive: Archive
    record_id: str
    pdf: bytes


@pytest.fixture
def issued(tmp_path: Path) -> Iterator[Issued]:
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        report = import_paths(archive, [package_dir(tmp_path / "in", 3, department=DEPT)])
        record_id = str(report.accepted[0].record_id)
        yield Issued(archive, record_id, issue_certificate(archive, ARCHIVIST, record_id).pdf)
    finally:
        archive.close()


def _verify(archive: Archive, pdf: bytes) -> dict[str, Any]:
    home = archive.settings.home
    return verify_certificate_file(pdf, archive_keys(home), signing_roots(archive.settings))


def _root_file(archive: Archive, tmp: Path) -> Path:
    out = tmp / "roots.pem"
    out.write_bytes(
        b"".join(p.read_bytes() for p in (archive.settings.home / "keys/signing/roots").glob("*.pem"))
    )
    return out


def _pyhanko_validate(pdf: bytes, root: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    """pyHanko's own command line (pyhanko-cli), a separate process that shares nothing with dangan."""
    assert PYHANKO, "pyhanko-cli is a dev dependency"
    path = tmp / "copy.pdf"
    path.write_bytes(pdf)
    cmd = [
        PYHANKO,
        "sign",
        "validate",
        "--trust",
        str(root),
        "--trust-replace",
        "--no-revocation-check",
        str(path),
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _unsigned_part(pdf: bytes) -> bytes:
    """The copy as it was before its signature: body plus the proof's update (ending in %%EOF)."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        start = int(doc.Root.AcroForm.Fields[0].V.ByteRange[1])  # where the signature's /Contents begins
    return pdf[: pdf.rindex(b"%%EOF", 0, start) + len(b"%%EOF\n")]


def test_a_certified_copy_is_a_valid_pades_signature_for_outside_tools(
    issued: Issued, tmp_path: Path
) -> None:
    pdf, archive = issued.pdf, issued.archive
    done = _pyhanko_validate(pdf, _root_file(archive, tmp_path), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert ":INTACT:TRUSTED,UNTOUCHED" in done.stdout
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.check_pdf_syntax() == []
        field = doc.Root.AcroForm.Fields[0]
        assert field.FT == "/Sig" and field.V.Type == "/Sig" and field.V.SubFilter == "/ETSI.CAdES.detached"
        start, _first, second, length = (int(v) for v in field.V.ByteRange)
        assert start == 0 and second + length == len(pdf)  # everything but the signature value itself
        assert any(a.objgen == field.objgen for a in doc.pages[0].Annots)  # the widget is on the cover
        x0, y0, x1, y1 = (float(v) for v in field.Rect)
        assert (x0, y0, x1, y1) == pytest.approx(COVER_SEAL.box)  # on the drawn red seal
        assert "/N" in field.AP  # the seal is its appearance
    report = _verify(archive, pdf)
    assert report["valid"] is True and report["proof_valid"] is True, report["problems"]
    pades = report["pades"]
    assert pades["ok"] and pades["intact"] and pades["trusted"] and pades["whole_file"]
    assert archive.settings.fonds_name in pades["signer"] and "Z001" in pades["signer"]
    assert pades["level"] == "B-B" and pades["signing_time"] and not pades["expired"]
    proof = read_proof(pdf)
    entry = json.loads(base64.b64decode(proof["entry"]))
    body = pdf[: _signed_length(pdf)]  # the first revision, byte for byte, inside the signed file
    assert hashlib.sha256(body).hexdigest() == entry["detail"]["body_sha256"]
    assert entry["detail"]["signature"] == "pades"


def _signed_length(pdf: bytes) -> int:
    return int(read_proof(pdf)["signed_length"])


def test_one_edited_body_byte_fails_both_the_signature_and_the_proof(issued: Issued, tmp_path: Path) -> None:
    changed = bytearray(issued.pdf)
    changed[_signed_length(issued.pdf) // 2] ^= 0x01
    report = _verify(issued.archive, bytes(changed))
    assert report["valid"] is False and report["proof_valid"] is False
    assert report["pades"]["intact"] is False and not report["pades"]["ok"]
    assert any("改动" in p for p in report["pades"]["problems"])
    done = _pyhanko_validate(bytes(changed), _root_file(issued.archive, tmp_path), tmp_path)
    assert done.returncode != 0 and "INTACT" not in done.stdout.replace("NOT_INTACT", "")


def test_a_signature_from_an_unknown_ca_is_untrusted_never_valid(issued: Issued, tmp_path: Path) -> None:
    stranger = create_local_ca(tmp_path / "elsewhere", "某伪造单位", "X999")
    forged = sign_pdf(_unsigned_part(issued.pdf), stranger, seal_name="秦皇岛市行政审批档案馆",
                      placement=COVER_SEAL, reason="伪造")  # fmt: skip
    report = _verify(issued.archive, forged)
    assert report["proof_valid"] is True  # the body is genuine; the signer is not the archive
    assert report["pades"]["intact"] is True and report["pades"]["trusted"] is False
    assert report["valid"] is False and any("不受信任" in p for p in report["problems"])
    assert _pyhanko_validate(forged, _root_file(issued.archive, tmp_path), tmp_path).returncode != 0


def test_an_expired_signing_certificate_is_reported_as_expired(issued: Issued, tmp_path: Path) -> None:
    keys = issued.archive.settings.home / "keys"
    ca_dir = next((keys / "signing" / "ca").iterdir())
    ca_key = serialization.load_pem_private_key((ca_dir / "key.pem").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    ca_cert = current_identity(keys).chain[0]  # type: ignore[union-attr]
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    cert = build_certificate(current_identity(keys).cert.subject, key.public_key(), ca_cert, ca_key,  # type: ignore[union-attr]
                             now - timedelta(days=400), now - timedelta(days=10))  # fmt: skip
    key_path = tmp_path / "old.key"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    old = SigningIdentity("old", cert, (ca_cert,), key_path, "local")
    signed = sign_pdf(
        _unsigned_part(issued.pdf), old, seal_name="档案馆", placement=COVER_SEAL, reason="过期"
    )
    report = _verify(issued.archive, signed)
    assert report["pades"]["expired"] is True and report["pades"]["intact"] is True
    assert report["valid"] is False and any("过期" in p for p in report["problems"])


def test_a_signature_covering_only_part_of_the_file_is_reported(issued: Issued) -> None:
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    appended = issued.pdf + b"\n% appended after signing\n"
    report = _verify(issued.archive, appended)
    assert report["pades"]["whole_file"] is False and report["valid"] is False
    assert any("只覆盖" in p for p in report["problems"])

    writer = IncrementalPdfFileWriter(io.BytesIO(issued.pdf))  # an update that draws on the cover
    stream = generic.StreamObject(stream_data=b"BT /F1 30 Tf 100 500 Td (ADDED) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    report = _verify(issued.archive, out.getvalue())
    assert report["proof_valid"] is True  # the body prefix is untouched ...
    assert (
        report["pades"]["intact"] is True and report["pades"]["whole_file"] is False
    )  # ... but not all is signed
    assert report["valid"] is False

    stripped = _unsigned_part(issued.pdf)  # the signature cut off: the ledger says there was one
    report = _verify(issued.archive, stripped)
    assert report["proof_valid"] is True and report["valid"] is False
    assert any("移除" in p for p in report["problems"])
    assert check_pades(b"%PDF-1.4 nothing", None)["ok"] is False


def test_rotation_keeps_old_copies_verifiable(issued: Issued) -> None:
    archive = issued.archive
    before = current_identity(archive.settings.home / "keys")
    rotated = make_signing_ca(archive, days=365)
    renewed = make_signing_ca(archive, days=365, new_root=True)
    assert rotated["previous"] == before.id and renewed["previous"] == rotated["certificate"]["id"]  # type: ignore[union-attr]
    newer = issue_certificate(archive, ARCHIVIST, issued.record_id).pdf
    old_report, new_report = _verify(archive, issued.pdf), _verify(archive, newer)
    assert old_report["valid"] is True, old_report["problems"]
    assert new_report["valid"] is True, new_report["problems"]
    assert old_report["pades"]["cert_sha256"] != new_report["pades"]["cert_sha256"]
    assert old_report["pades"]["issuer"] != new_report["pades"]["issuer"]  # a new root signed the new one
    assert len(list((archive.settings.home / "keys/signing/id").iterdir())) == 3


def test_b_t_with_the_local_time_stamping_key(issued: Issued, tmp_path: Path) -> None:
    archive = issued.archive
    archive.settings = archive.settings.model_copy(update={"signing_timestamp": "local"})
    pdf = issue_certificate(archive, ARCHIVIST, issued.record_id).pdf
    report = _verify(archive, pdf)
    assert report["valid"] is True, report["problems"]
    assert report["pades"]["level"] == "B-T" and report["pades"]["timestamp"]
    assert _pyhanko_validate(pdf, _root_file(archive, tmp_path), tmp_path).returncode == 0


def test_sm2_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationFailed) as refused:
        create_local_ca(Path("/nonexistent"), "馆", "Z001", algorithm="sm2")
    assert "SM2" in refused.value.message


def test_handover_receipt_is_signed_the_same_way(tmp_path: Path) -> None:
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        import_paths(archive, [package_dir(tmp_path / "in", 5, department=DEPT)])
        batch = create_batch(archive, CLERK)
        submit_batch(archive, CLERK, batch.id)
        assert check_batch(archive, ARCHIVIST, batch.id).passed
        accept_batch(archive, ARCHIVIST, batch.id)
        pdf = handover_receipt_pdf(archive, CLERK, batch.id)[1]
        pades = check_pades(pdf, signing_roots(archive.settings))
        assert pades["ok"] is True, pades["problems"]
        assert archive.settings.fonds_name in pades["signer"]
        done = _pyhanko_validate(pdf, _root_file(archive, tmp_path), tmp_path)
        assert done.returncode == 0, done.stdout
    finally:
        archive.close()
