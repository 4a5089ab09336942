"""`dangan keys revoke` / `keys import-crl` / `certify verify` / `doctor` on revoked certificates: JSON
on stdout, exit statuses, nothing written on refusal, and a damaged CRL refused with a clear error.

pyHanko's own CLI (`pyhanko sign validate`) takes no CRL file — it reads revocation data only online or
from the PDF's DSS — so the independent check of the archive's CRL is OpenSSL's (`openssl verify
-crl_check`, in tests/services/test_revocation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of

DEPT = "秦皇岛市市场监督管理局"


def _issue(data: str, tmp: Path, n: int) -> Path:
    out = tmp / f"copy{n}.pdf"
    made = invoke("certify", _record(data, tmp), "--as", "arc", "--out", str(out), "--data", data, "--json")
    assert made.returncode == 0, made.stderr
    return out


def _record(data: str, tmp: Path) -> str:
    marker = tmp / "record_id"
    if not marker.exists():
        pkg = package_dir(tmp / "in", 2, department=DEPT, open_to_public=False)
        imported = json_of(invoke("import", "--data", data, str(pkg), "--json"))
        marker.write_text(imported["accepted"][0]["record_id"])
        assert invoke("user", "add", "arc", "--role", "archivist", "--clearance", "秘密", "--password-stdin",
                      "--data", data, input="Secret-123\n").returncode == 0  # fmt: skip
    return marker.read_text()


def test_revoke_then_verify_reports_revoked_and_doctor_says_so(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    first = _issue(data, tmp_path, 1)
    listed = json_of(invoke("keys", "certs", "--data", data, "--json"))
    cert_id = listed["current"]
    assert listed["certificates"][0]["revoked"] is None
    bad = invoke("keys", "revoke", cert_id, "--reason", "stolen", "--data", data, "--json")
    assert bad.returncode == 2 and "吊销原因" in bad.stderr and not bad.stdout.strip()
    assert not (tmp_path / "data" / "keys" / "signing" / "crl").exists()  # nothing written
    done = invoke("keys", "revoke", cert_id, "--reason", "keycompromise", "--data", data, "--json")
    assert done.returncode == 0, done.stderr
    doc = json_of(done)
    assert doc["revocation"]["reason"] == "keyCompromise" and doc["next_step"] == "dangan keys ca"
    checked = invoke("certify", "verify", str(first), "--data", data, "--json")
    assert checked.returncode == 1
    report = json_of(checked)
    assert report["valid"] is False and report["pades"]["revoked"]["effective"] is True
    assert any("被吊销" in p for p in report["problems"])
    text = invoke("keys", "certs", "--data", data)
    assert "吊销" in text.stdout
    doctor = json_of(invoke("doctor", "--data", data, "--json"))
    signing = next(c for c in doctor["checks"] if c["name"] == "signing_certificate")
    assert signing["ok"] is False and "被吊销" in signing["message"]
    refused = invoke("certify", _record(data, tmp_path), "--as", "arc", "--out", str(tmp_path / "x.pdf"),
                     "--data", data, "--json")  # fmt: skip
    assert (
        refused.returncode != 0 and "dangan keys ca" in refused.stderr and not (tmp_path / "x.pdf").exists()
    )
    assert invoke("keys", "ca", "--data", data, "--json").returncode == 0
    second = _issue(data, tmp_path, 2)
    fine = invoke("certify", "verify", str(second), "--data", data, "--json")
    assert fine.returncode == 0 and json_of(fine)["valid"] is True
    crl = next((tmp_path / "data" / "keys" / "signing" / "crl").glob("*.crl"))
    pem = bytearray(crl.read_bytes())
    pem[60] = ord("A") if pem[60] != ord("A") else ord("B")  # one byte of the signed list
    crl.write_bytes(bytes(pem))
    broken = invoke("certify", "verify", str(second), "--data", data, "--json")
    assert broken.returncode == 1 and "吊销列表" in broken.stderr and not broken.stdout.strip()
    doctor = json_of(invoke("doctor", "--data", data, "--json"))
    signing = next(c for c in doctor["checks"] if c["name"] == "signing_certificate")
    assert signing["ok"] is False and "吊销列表" in signing["message"]


def test_import_crl_not_signed_by_the_chain_is_refused(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    assert invoke("keys", "ca", "--data", data, "--json").returncode == 0
    key = ec.generate_private_key(ec.SECP256R1())
    stranger = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "不相干的 CA")])
    now = datetime.now(UTC)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(stranger)
        .last_update(now - timedelta(minutes=1))
        .next_update(now + timedelta(days=7))
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "stranger.crl"
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    refused = invoke("keys", "import-crl", str(path), "--data", data, "--json")
    assert refused.returncode == 2 and "不是由本馆持有的任何CA证书签署" in "".join(refused.stderr.split())
    assert not refused.stdout.strip()
    assert not (tmp_path / "data" / "keys" / "signing" / "crl").exists()
    garbage = tmp_path / "garbage.crl"
    garbage.write_bytes(b"not a crl")
    assert invoke("keys", "import-crl", str(garbage), "--data", data).returncode == 2
    unknown = invoke("keys", "revoke", "no-such-id", "--data", data, "--json")
    assert unknown.returncode != 0 and "没有编号为" in unknown.stderr
