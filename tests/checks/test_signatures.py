"""PDF digital signatures (pyHanko): intact and trusted, intact but untrusted, changed after signing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from dangan.checks import Verdict

from .conftest import add_file, item_of, run


@pytest.fixture(scope="module")
def signer_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed signing certificate of the kind a department's seal system would hold."""
    root = tmp_path_factory.mktemp("pki")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "秦皇岛市市场监督管理局（测试）")])
    now = dt.datetime.now(dt.UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False)  # fmt: skip
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365)).add_extension(usage, critical=True)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    key_path, cert_path = root / "key.pem", root / "cert.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _signed(pdf: bytes, key: Path, cert: Path) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load(str(key), str(cert))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="审批专用章"), signer=signer)
    return out.getvalue()


def _decision(pkg: Path) -> Path:
    return pkg / "决定书.pdf"


def test_signed_decision_without_a_trust_root_warns(pkg: Path, signer_files: tuple[Path, Path]) -> None:
    signed = _signed(_decision(pkg).read_bytes(), *signer_files)
    add_file(pkg, "签章件.pdf", signed, "其他材料")
    item = item_of(run(pkg), "1-1")
    assert item.verdict is Verdict.WARN
    sig = item.evidence["signatures"]["签章件.pdf"][0]
    assert sig["intact"] and sig["valid"] and not sig["trusted"]
    assert "秦皇岛市市场监督管理局" in sig["signer"]


def test_signed_decision_with_its_trust_root_passes(pkg: Path, signer_files: tuple[Path, Path]) -> None:
    add_file(pkg, "签章件.pdf", _signed(_decision(pkg).read_bytes(), *signer_files), "其他材料")
    item = item_of(run(pkg, trust_roots=(signer_files[1],)), "1-1")
    assert item.verdict is Verdict.PASS, item.message
    assert item.evidence["signatures"]["签章件.pdf"][0]["trusted"]


def test_pdf_changed_after_signing_fails(pkg: Path, signer_files: tuple[Path, Path]) -> None:
    signed = bytearray(_signed(_decision(pkg).read_bytes(), *signer_files))
    at = signed.find(b"/Length")  # a byte inside the signed range, before the signature
    signed[at + 8] = ord("9") if signed[at + 8] != ord("9") else ord("8")
    add_file(pkg, "签章件.pdf", bytes(signed), "其他材料")
    report = run(pkg)
    item = item_of(report, "1-1")
    assert item.verdict is Verdict.FAIL and item.evidence["broken"] == ["签章件.pdf"]
    assert not report.passed
