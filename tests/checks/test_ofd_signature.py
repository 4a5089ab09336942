"""OFD signatures verified for real (GB/T 33190 §18, GB/T 38540, GM/T 0031, GB/T 35275, SM2/SM3).

The ofdrw samples are genuine: the two seals (V4) verify mathematically, the bare "DigitalSign" SM2
signature verifies with the OFD R&W test certificate (which the SESV4SignDoc sample carries), and
the integrity protection of hello-integrity verifies. SESV4SignDoc was re-signed by ofdrw's tests
in 2026 with its 2020–2022 test certificate and seal, so it stays a 警告 even when trusted.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import pem, x509  # type: ignore[import-untyped]

from dangan.checks import Verdict, read_ofd, sm2
from dangan.checks.ses import parse_ses
from dangan.checks.signatures import ofd_trust_roots, verify_ofd_signatures
from tests.conftest import VECTORS
from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of, run_dangan

from .conftest import add_file, item_of, run

OFD = VECTORS / "docs" / "ofd"
V4 = OFD / "ofdrw-sign__v4signed.ofd"
SES_DOC = OFD / "ofdrw-reader__SESV4SignDoc.ofd"
DIGITAL = OFD / "ofdrw-sign__DigitalSign.ofd"
INTEGRITY = OFD / "ofdrw-crypto__hello-integrity.ofd"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"
SIGNATURE_XML = "Doc_0/Signs/Sign_0/Signature.xml"


def _member(src: Path, name: str) -> bytes:
    with zipfile.ZipFile(src) as zf:
        return zf.read(name)


def _rewrite(src: Path, dest: Path, change: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, change.pop(info.filename, b"") or zin.read(info))
        for name, data in change.items():
            zout.writestr(name, data)
    return dest


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _pem(path: Path, *certs: bytes) -> Path:
    path.write_bytes(b"".join(pem.armor("CERTIFICATE", c) for c in certs))
    return path


@pytest.fixture
def v4_roots(tmp_path: Path) -> Path:
    """The signer's and the seal maker's certificates of the tax invoice, pinned as trust roots."""
    ses = parse_ses(_member(V4, SIGNED_VALUE))
    return _pem(tmp_path / "v4-roots.pem", ses.cert, ses.seal.maker_cert)


@pytest.fixture
def ofdrw_cert(tmp_path: Path) -> Path:
    """The OFD R&W test certificate (USER.p12 of ofdrw), taken from the seal sample that carries it."""
    return _pem(tmp_path / "ofdrw.pem", parse_ses(_member(SES_DOC, SIGNED_VALUE)).cert)


def _entries(path: Path, *roots: Path) -> list[dict[str, Any]]:
    loaded, problem = ofd_trust_roots(roots)
    assert problem is None
    return verify_ofd_signatures(read_ofd(path), loaded)


def test_the_tax_invoice_seal_is_valid_and_reported() -> None:
    (entry,) = _entries(V4)
    assert entry["format"].startswith("GB/T 38540") and entry["status"] == "有效"
    assert entry["verdict"] == "警告" and entry["message"].startswith("签名有效但证书不受信任")
    assert not entry["trusted"] and entry["algorithm"] == "SM3withSM2"
    assert "国家税务总局重庆市税务局" in entry["signer"]["subject"]
    assert entry["seal"]["name"] == "测试全国统一发票监制章国家税务总局重庆市税务局"
    assert "电子印章测试系统" in entry["seal"]["maker"]["subject"]
    assert entry["signed_at"] == "2020-10-10T07:11:20+00:00"
    assert entry["references"] == 13 and not entry["mismatched"]


def test_the_tax_invoice_passes_with_its_roots(pkg: Path, v4_roots: Path) -> None:
    add_file(pkg, "发票.ofd", V4.read_bytes(), "其他材料")
    item = item_of(run(pkg, trust_roots=(v4_roots,)), "1-1")
    assert item.verdict is Verdict.PASS, item.message
    assert item.evidence["signatures"]["发票.ofd"][0]["trusted"]


def test_only_the_signer_pinned_is_not_enough(tmp_path: Path) -> None:
    ses = parse_ses(_member(V4, SIGNED_VALUE))
    (entry,) = _entries(V4, _pem(tmp_path / "signer.pem", ses.cert))
    assert entry["verdict"] == "警告" and any("制章者证书" in n for n in entry["trust_notes"])


def test_the_resigned_ofdrw_seal_is_valid_but_outside_its_validity(ofdrw_cert: Path) -> None:
    (entry,) = _entries(SES_DOC, ofdrw_cert)
    assert entry["status"] == "有效" and entry["verdict"] == "警告"
    assert entry["seal"]["name"] == "OFD R&W 测试用印章"
    assert any("签署时签名者证书不在有效期内" in n for n in entry["trust_notes"])
    assert any("签章时电子印章不在有效期内" in n for n in entry["trust_notes"])


def test_a_bare_sm2_signature_needs_the_signer_certificate(ofdrw_cert: Path) -> None:
    (entry,) = _entries(DIGITAL)
    assert entry["status"] == "无法验证" and entry["verdict"] == "警告"
    assert "DANGAN_TRUST_ROOTS" in entry["message"]
    (entry,) = _entries(DIGITAL, ofdrw_cert)
    assert entry["status"] == "有效" and entry["verdict"] == "通过", entry["message"]
    assert entry["signer"]["subject"].startswith("Common Name: Test Certificate")


def test_integrity_protection_is_verified() -> None:
    (entry,) = _entries(INTEGRITY)
    assert entry["type"] == "OFDEntries" and entry["status"] == "有效" and entry["verdict"] == "警告"
    assert entry["format"].startswith("GB/T 35275") and entry["unlisted"] == []


def test_integrity_protection_catches_a_smuggled_file_and_a_changed_list(tmp_path: Path) -> None:
    smuggled = _rewrite(INTEGRITY, tmp_path / "s.ofd", {"Doc_0/extra.xml": b"<x/>"})
    (entry,) = _entries(smuggled)
    assert entry["verdict"] == "不通过" and entry["unlisted"] == ["Doc_0/extra.xml"]
    entries = _member(INTEGRITY, "OFDEntries.xml")
    changed = _rewrite(INTEGRITY, tmp_path / "c.ofd", {"OFDEntries.xml": entries.replace(b"2023", b"2024")})
    (entry,) = _entries(changed)
    assert entry["verdict"] == "不通过" and "杂凑值不符" in entry["message"]


@pytest.mark.parametrize("src", [V4, SES_DOC, DIGITAL], ids=lambda p: p.name)
def test_a_changed_covered_part_fails(src: Path, tmp_path: Path, pkg: Path) -> None:
    page = "Doc_0/Pages/Page_0/Content.xml"
    content = _member(src, page)
    tampered = _rewrite(src, tmp_path / "t.ofd", {page: _flip(content, content.index(b"0", 150))})  # 0 → 1
    add_file(pkg, "签章.ofd", tampered.read_bytes(), "其他材料")
    report = run(pkg)
    item = item_of(report, "1-1")
    assert item.verdict is Verdict.FAIL and "签章.ofd" in item.evidence["broken"]
    assert item.evidence["signatures"]["签章.ofd"][0]["mismatched"] == [f"/{page}"]
    assert not report.passed


def _seal_offsets(data: bytes) -> dict[str, int]:
    ses = parse_ses(data)
    picture = data.find(b"\x89PNG") if b"\x89PNG" in data else data.find(b"PK\x03\x04")
    return {
        "signature": len(data) - 1,
        "seal picture": picture + 100,
        "data hash": data.find(ses.data_hash) + 5,
        "signing time": data.find(b"\x18\x0f") + 4,
        "signer certificate": data.rfind(ses.cert[200:260]) + 10,
    }


@pytest.mark.parametrize("src", [V4, SES_DOC], ids=lambda p: p.name)
def test_one_flipped_byte_of_the_seal_signature_fails(src: Path, tmp_path: Path, v4_roots: Path) -> None:
    value = _member(src, SIGNED_VALUE)
    for what, at in _seal_offsets(value).items():
        tampered = _rewrite(src, tmp_path / f"{at}.ofd", {SIGNED_VALUE: _flip(value, at)})
        (entry,) = _entries(tampered, v4_roots)
        assert entry["verdict"] == "不通过", (what, entry)
        assert entry["status"] == "无效"


def test_a_changed_signature_xml_breaks_the_seal(tmp_path: Path) -> None:
    xml = _member(V4, SIGNATURE_XML).replace(b"20201010151120", b"20201011151120")
    (entry,) = _entries(_rewrite(V4, tmp_path / "x.ofd", {SIGNATURE_XML: xml}))
    assert entry["verdict"] == "不通过" and "Signature.xml 在签章后被改动" in entry["message"]


def test_no_flipped_byte_of_the_seal_ever_passes(tmp_path: Path, v4_roots: Path) -> None:
    """Every 53rd byte of the tax invoice's SignedValue.dat flipped: never 通过, never a crash."""
    value = _member(V4, SIGNED_VALUE)
    roots, _ = ofd_trust_roots((v4_roots,))
    verdicts = []
    for at in range(0, len(value), 53):
        tampered = _rewrite(V4, tmp_path / "f.ofd", {SIGNED_VALUE: _flip(value, at)})
        (entry,) = verify_ofd_signatures(read_ofd(tampered), roots)
        verdicts.append(entry["verdict"])
        if entry["verdict"] != "不通过":  # only the algorithm OID outside the signed part can do this
            assert entry["verdict"] == "警告" and "不受支持" in entry["message"], (at, entry["message"])
    assert "通过" not in verdicts and verdicts.count("不通过") >= 0.9 * len(verdicts)


def test_a_removed_covered_part_fails(tmp_path: Path) -> None:
    removed = tmp_path / "r.ofd"
    with zipfile.ZipFile(V4) as zin, zipfile.ZipFile(removed, "w") as zout:
        for info in zin.infolist():
            if info.filename != "Doc_0/Res/qr.png":
                zout.writestr(info, zin.read(info))
    (entry,) = _entries(removed)
    assert entry["verdict"] == "不通过" and entry["missing"] == ["/Doc_0/Res/qr.png"]


def test_a_missing_or_foreign_signed_value(tmp_path: Path) -> None:
    missing = tmp_path / "m.ofd"
    with zipfile.ZipFile(V4) as zin, zipfile.ZipFile(missing, "w") as zout:
        for info in zin.infolist():
            if info.filename != SIGNED_VALUE:
                zout.writestr(info, zin.read(info))
    (entry,) = _entries(missing)
    assert entry["verdict"] == "不通过" and "不存在" in entry["message"]
    foreign = _rewrite(DIGITAL, tmp_path / "f.ofd", {SIGNED_VALUE: b"\x04\x03abc"})
    (entry,) = _entries(foreign)
    assert entry["verdict"] == "警告" and "无法识别" in entry["message"]


def test_dangan_check_json_verifies_a_signed_ofd_end_to_end(tmp_path: Path, v4_roots: Path) -> None:
    pkg = package_dir(tmp_path / "in", 7)
    add_file(pkg, "电子发票.ofd", V4.read_bytes(), "其他材料")
    env = {"DANGAN_TRUST_ROOTS": str(v4_roots)}
    data = str(tmp_path / "data")
    proc = run_dangan("check", str(pkg), "--json", "--data", data, env=env)
    assert proc.returncode == 0, proc.stderr
    items = {i["code"]: i for i in json_of(proc)["items"]}
    assert items["1-1"]["verdict"] == "通过", items["1-1"]["message"]
    (sig,) = items["1-1"]["evidence"]["signatures"]["电子发票.ofd"]
    assert sig["seal"]["name"] == "测试全国统一发票监制章国家税务总局重庆市税务局" and sig["trusted"]

    untrusted = run_dangan("check", str(pkg), "--json", "--data", data)
    item = {i["code"]: i for i in json_of(untrusted)["items"]}["1-1"]
    assert untrusted.returncode == 0 and item["verdict"] == "警告"
    assert item["message"] == "签名有效但证书不受信任：电子发票.ofd"

    value = _member(V4, SIGNED_VALUE)
    tampered = _rewrite(V4, tmp_path / "t.ofd", {SIGNED_VALUE: _flip(value, len(value) - 1)})
    (pkg / "电子发票.ofd").unlink()
    rewrite_case_json(pkg, lambda d: d.update(files=[f for f in d["files"] if f["path"] != "电子发票.ofd"]))
    add_file(pkg, "电子发票.ofd", tampered.read_bytes(), "其他材料")
    proc = run_dangan("check", str(pkg), "--json", "--data", data, env=env)
    assert proc.returncode == 1
    item = {i["code"]: i for i in json_of(proc)["items"]}["1-1"]
    assert item["verdict"] == "不通过" and item["blocking"]
    assert "签章值验证失败" in item["message"] and "电子发票.ofd" in item["message"]
    assert "sm2_lib.c" not in proc.stderr  # GmSSL's debug trace of a failed verification is kept out


def test_a_failed_verification_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    ses = parse_ses(_member(V4, SIGNED_VALUE))
    point = sm2.public_point(x509.Certificate.load(ses.cert))
    assert point is not None and sm2.verify(point, ses.tbs, ses.signature)
    assert not sm2.verify(point, ses.tbs + b"x", ses.signature)
    assert capfd.readouterr().err == ""


def test_an_unreadable_trust_root_file_is_reported_not_fatal(pkg: Path, tmp_path: Path) -> None:
    add_file(pkg, "发票.ofd", V4.read_bytes(), "其他材料")
    item = item_of(run(pkg, trust_roots=(tmp_path / "no-such-roots.pem",)), "1-1")
    assert item.verdict is Verdict.WARN
    assert "可信根证书无法读取" in item.evidence["trust_roots_problem"]
    assert item.evidence["signatures"]["发票.ofd"][0]["status"] == "有效"
