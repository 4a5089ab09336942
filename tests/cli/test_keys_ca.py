"""`dangan keys ca` / `keys import-cert` / `keys certs`: JSON and text modes, key files 0600 only under
DATA/keys, a mismatched key refused with nothing changed, and the doctor's expiry check."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dangan.core import load_settings
from dangan.services.oversight import run_doctor
from dangan.store.crypto import build_certificate
from tests.cli.invoke import invoke
from tests.helpers import json_of


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())  # fmt: skip


def test_keys_ca_json_files_and_rotation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = invoke("keys", "ca", "--days", "400", "--data", str(data), "--json")
    assert made.returncode == 0, made.stderr
    doc = json_of(made)
    cert = doc["certificate"]
    assert "秦皇岛市行政审批档案馆" in cert["subject"] and "全宗号 Z001" in cert["subject"]
    assert cert["algorithm"] == "ecdsa-p256" and 399 < cert["days_left"] <= 400 and doc["previous"] is None
    keys = data / "keys" / "signing"
    private = sorted(keys.glob("*/*/key.pem"))
    assert len(private) == 3  # root, signing, time-stamping
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in private)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    holders = [p for p in tmp_path.rglob("*") if p.is_file() and b"PRIVATE KEY" in p.read_bytes()]
    assert set(holders) == set(private)  # nowhere else, no temporary left behind
    again = invoke("keys", "ca", "--days", "20", "--data", str(data))  # text mode: a rotation
    assert again.returncode == 0, again.stderr
    assert "已生成签名证书" in again.stderr and "已保留" in again.stdout
    listed = json_of(invoke("keys", "certs", "--data", str(data), "--json"))
    assert len(listed["certificates"]) == 2 and listed["current"] == listed["certificates"][-1]["id"]
    checks = {c.name: c for c in run_doctor(load_settings(data)).checks}
    assert checks["signing_certificate"].ok is False and "过期" in checks["signing_certificate"].message
    sm2 = invoke("keys", "ca", "--algorithm", "sm2", "--data", str(data), "--json")
    assert sm2.returncode == 2 and "SM2" in sm2.stderr and not sm2.stdout.strip()


def _outside_ca(tmp: Path) -> tuple[Path, Path, Path, ec.EllipticCurvePrivateKey]:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "某省电子认证服务中心根证书")])
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = build_certificate(name, root_key.public_key(), None, root_key, now - timedelta(days=1),
                             now + timedelta(days=3650), ca=True)  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "秦皇岛市行政审批档案馆")])
    cert = build_certificate(subject, key.public_key(), root, root_key, now - timedelta(days=1),
                             now + timedelta(days=365))  # fmt: skip
    paths = tmp / "cert.pem", tmp / "key.pem", tmp / "chain.pem"
    paths[0].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(_pem_key(key))
    paths[2].write_bytes(root.public_bytes(serialization.Encoding.PEM))
    return *paths, key


def test_import_cert_checks_the_key_and_then_signs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cert, key, chain, _ = _outside_ca(tmp_path)
    wrong = tmp_path / "wrong.pem"
    wrong.write_bytes(_pem_key(ec.generate_private_key(ec.SECP256R1())))
    refused = invoke("keys", "import-cert", str(cert), "--key", str(wrong), "--data", str(data), "--json")
    assert refused.returncode == 2 and "不匹配" in refused.stderr and not refused.stdout.strip()
    assert not (data / "keys" / "signing" / "current").exists()  # nothing adopted
    done = invoke("keys", "import-cert", str(cert), "--key", str(key), "--chain", str(chain), "--data", str(data),
                  "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json_of(done)
    assert doc["certificate"]["source"] == "imported" and doc["chain"] == ["CN=某省电子认证服务中心根证书"]
    stored = data / "keys" / "signing" / "id" / doc["certificate"]["id"] / "key.pem"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    checks = {c.name: c for c in run_doctor(load_settings(data)).checks}
    assert checks["signing_certificate"].ok, checks["signing_certificate"].message
    text = invoke("keys", "certs", "--data", str(data))
    assert text.returncode == 0 and "* " in text.stdout and "秦皇岛市行政审批档案馆" in text.stdout
