"""Certified copies as OFD with the archive's electronic seal (issue #23 item 3): the container reads
like the ofdrw samples, the archive's own OFD checker says the seal is valid and trusted, and every
forgery an office could meet — a changed page, a seal picture with a garbage signature, a seal made
by a root nobody trusts — is reported as what it is."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from dangan.access import Principal, Role
from dangan.checks import read_ofd, verify_ofd_signatures
from dangan.checks.ses import parse_ses
from dangan.core import NotFound, PermissionDenied, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import (
    archive_keys,
    issue_ofd_certificate,
    make_seal,
    ofd_roots,
    verify_ofd_file,
)
from dangan.services.intake import import_paths
from dangan.services.quality import check_path
from dangan.store.crypto import seal_root_files
from tests.cli.invoke import invoke
from tests.conftest import VECTORS
from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of

DEPT = "秦皇岛市市场监督管理局"
ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")
SAMPLE = VECTORS / "docs" / "ofd" / "ofdrw-reader__SESV4SignDoc.ofd"
PAGE = "Doc_0/Pages/Page_0/Content.xml"
SIGNED_VALUE = "Doc_0/Signs/Sign_0/SignedValue.dat"


def _archive(root: Path) -> tuple[Archive, str]:
    archive = open_archive(load_settings(root / "data"))
    report = import_paths(archive, [package_dir(root / "in", 0, department=DEPT, open_to_public=False)])
    assert not report.rejected
    return archive, str(report.accepted[0].record_id)


@pytest.fixture
def issued(tmp_path: Path) -> Iterator[tuple[Archive, str, bytes]]:
    archive, record_id = _archive(tmp_path)
    try:
        yield archive, record_id, issue_ofd_certificate(archive, ARCHIVIST, record_id, "办理不动产登记").pdf
    finally:
        archive.close()


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist() if not i.is_dir()}


def _rezip(data: bytes, change: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in _members(data).items():
            zf.writestr(name, change.get(name, body))
    return out.getvalue()


def _seal_entries(data: bytes, tmp: Path, roots: list[Any]) -> list[dict[str, Any]]:
    path = tmp / "x.ofd"
    path.write_bytes(data)
    return verify_ofd_signatures(read_ofd(path), roots)


def _tags(xml: bytes) -> set[str]:
    return {e.tag.rsplit("}", 1)[-1] for e in ET.fromstring(xml).iter()}


def test_the_copy_reads_and_its_seal_is_valid_and_trusted(
    issued: tuple[Archive, str, bytes], tmp_path: Path
) -> None:
    archive, record_id, ofd = issued
    path = tmp_path / "copy.ofd"
    path.write_bytes(ofd)
    doc = read_ofd(path)
    with archive.db.read() as s:
        from dangan.store.catalog import Certificate, Record

        row = s.query(Certificate).one()
        code = s.query(Record).filter(Record.id == record_id).one().archival_code
    assert doc.pages >= 2 and code in doc.text and row.id in doc.text  # the cover, then the files' pages
    (entry,) = verify_ofd_signatures(doc, ofd_roots(archive.settings))
    assert (entry["status"], entry["trusted"], entry["verdict"]) == ("有效", True, "通过"), entry
    assert entry["format"].startswith("GB/T 38540") and entry["algorithm"] == "SM3withSM2"
    assert entry["seal"]["name"] == f"{archive.settings.fonds_name}档案证明专用章"
    assert entry["references"] == len(_members(ofd)) - 3  # all but Signatures.xml, Signature.xml, the value
    report = verify_ofd_file(ofd, archive_keys(archive.settings.home), ofd_roots(archive.settings))
    assert report["valid"] and report["proof_valid"] and report["seal"]["ok"], report["problems"]
    assert report["certificate_id"] == row.id and report["record_id"] == record_id
    assert row.pdf_sha256 == report["sha256"] and row.summary["format"] == "ofd"
    assert report["seal"]["pages"] == doc.pages


def test_the_container_has_what_the_ofdrw_sample_has(issued: tuple[Archive, str, bytes]) -> None:
    ours, sample = _members(issued[2]), _members(SAMPLE.read_bytes())
    assert set(sample) <= set(ours)  # OFD.xml, Document.xml, PublicRes, Page_0, Signs/… , Seal.esl
    assert next(iter(ours)) == "OFD.xml"
    for name in (
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/Signs/Signatures.xml",
        "Doc_0/Signs/Sign_0/Signature.xml",
    ):
        assert _tags(sample[name]) <= _tags(ours[name]), name
    assert {"ImageObject", "TextObject", "TextCode"} <= _tags(ours[PAGE])
    mine, theirs = parse_ses(ours[SIGNED_VALUE]), parse_ses(sample[SIGNED_VALUE])
    assert mine.version == theirs.version == 4 and mine.seal.version == theirs.seal.version == 4
    assert mine.seal.raw == ours["Doc_0/Signs/Sign_0/Seal.esl"]
    stamp = next(
        e
        for e in ET.fromstring(ours["Doc_0/Signs/Sign_0/Signature.xml"]).iter()
        if e.tag.endswith("StampAnnot")
    )
    first_page = next(e for e in ET.fromstring(ours["Doc_0/Document.xml"]).iter() if e.tag.endswith("}Page"))
    assert stamp.get("PageRef") == first_page.get("ID")  # the seal sits on the cover


def test_one_changed_byte_of_a_page_fails_the_seal_and_the_proof(
    issued: tuple[Archive, str, bytes], tmp_path: Path
) -> None:
    archive, _record_id, ofd = issued
    page = _members(ofd)[PAGE]
    at = page.index(b"<ofd:TextCode") + 40
    forged = _rezip(ofd, {PAGE: page[:at] + bytes([page[at] ^ 0x01]) + page[at + 1 :]})
    (entry,) = _seal_entries(forged, tmp_path, ofd_roots(archive.settings))
    assert entry["verdict"] == "不通过" and entry["mismatched"] == [f"/{PAGE}"]
    report = verify_ofd_file(forged, archive_keys(archive.settings.home), ofd_roots(archive.settings))
    assert not report["valid"] and not report["proof_valid"] and not report["seal"]["ok"]
    assert any("已被改动" in p for p in report["problems"])


def test_a_seal_picture_with_a_garbage_signature_is_not_valid(
    issued: tuple[Archive, str, bytes], tmp_path: Path
) -> None:
    archive, _record_id, ofd = issued
    forged = _rezip(ofd, {SIGNED_VALUE: b"\x30\x82\x01\x00" + b"\x00" * 256})
    (entry,) = _seal_entries(forged, tmp_path, ofd_roots(archive.settings))
    assert entry["status"] == "无效" and entry["verdict"] == "不通过"
    report = verify_ofd_file(forged, archive_keys(archive.settings.home), ofd_roots(archive.settings))
    assert report["proof_valid"] and not report["valid"]  # the ledger half holds; the seal does not


def test_a_seal_from_an_untrusted_root_is_valid_but_not_trusted(
    issued: tuple[Archive, str, bytes], tmp_path: Path
) -> None:
    archive, _record_id, ofd = issued
    other, _ = _archive(tmp_path / "other")
    try:
        make_seal(other)
        foreign_roots = ofd_roots(other.settings)
    finally:
        other.close()
    (entry,) = _seal_entries(ofd, tmp_path, foreign_roots)
    assert (entry["status"], entry["trusted"], entry["verdict"]) == ("有效", False, "警告")
    assert any("不能链接到可信根证书" in n for n in entry["trust_notes"])
    report = verify_ofd_file(ofd, archive_keys(archive.settings.home), foreign_roots)
    assert not report["valid"] and report["proof_valid"] and report["seal"]["status"] == "有效"


def test_a_clerk_gets_no_ofd_copy(tmp_path: Path) -> None:
    archive, record_id = _archive(tmp_path)
    try:
        with pytest.raises(NotFound):  # another department's record: as if it did not exist
            issue_ofd_certificate(
                archive, Principal("c2", Role.CLERK, department="秦皇岛市税务局"), record_id
            )
        with pytest.raises(PermissionDenied):  # readable, but only archivists certify
            issue_ofd_certificate(
                archive,
                Principal("c1", Role.CLERK, department=DEPT, clearance=SecurityLevel.SECRET),
                record_id,
            )
        assert not (archive.settings.home / "keys" / "seal").exists()  # refused before anything was made
    finally:
        archive.close()


def test_rotation_keeps_old_copies_valid_and_keys_are_private(
    issued: tuple[Archive, str, bytes],
) -> None:
    archive, record_id, old = issued
    keys = archive.settings.home / "keys"
    rotated = make_seal(archive, new_root=True)
    assert rotated["previous"] is not None and rotated["seals"] == 2 and len(seal_root_files(keys)) == 2
    new = issue_ofd_certificate(archive, ARCHIVIST, record_id).pdf
    for copy in (old, new):
        assert verify_ofd_file(copy, archive_keys(keys.parent), ofd_roots(archive.settings))["valid"]
    private = sorted((keys / "seal").glob("*/*/key.pem"))
    assert len(private) == 4 and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in private)
    assert all(b"EC PRIVATE KEY" in p.read_bytes() for p in private)


def test_the_copy_passes_item_1_1_when_it_comes_back(
    issued: tuple[Archive, str, bytes], tmp_path: Path
) -> None:
    """四性检测 trusts the archive's own seal roots: a copy it sealed, handed back in a package, passes."""
    archive, _record_id, ofd = issued
    pkg = package_dir(tmp_path / "back", 7, department=DEPT)
    (pkg / "档案证明.ofd").write_bytes(ofd)
    rewrite_case_json(pkg, lambda doc: doc["files"].append({"path": "档案证明.ofd", "role": "其他"}))
    item = next(i for i in check_path(archive, pkg).items if i.code == "1-1")
    assert item.verdict.value == "通过", item.message


def test_cli_issues_by_suffix_and_verifies_ofd(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 2, department=DEPT, open_to_public=False)
    imported = json_of(invoke("import", "--data", data, str(pkg), "--json"))
    record_id = imported["accepted"][0]["record_id"]
    assert invoke("user", "add", "arc", "--role", "archivist", "--clearance", "秘密", "--password-stdin",
                  "--data", data, input="Secret-123\n").returncode == 0  # fmt: skip
    out = tmp_path / "copy.ofd"
    made = invoke("certify", record_id, "--as", "arc", "--out", str(out), "--data", data, "--json")
    assert made.returncode == 0, made.stderr
    assert json_of(made)["format"] == "ofd" and out.read_bytes()[:2] == b"PK"
    checked = invoke("certify", "verify", str(out), "--data", data, "--json")
    assert checked.returncode == 0, checked.stdout
    doc = json_of(checked)
    assert doc["valid"] and doc["seal"]["status"] == "有效" and doc["seal"]["trusted"]
    text = invoke("certify", "verify", str(out), "--data", data)
    assert "电子签章：有效，可信" in text.stderr and "账本证明：成立" in text.stderr
    bad = tmp_path / "bad.ofd"
    bad.write_bytes(_rezip(out.read_bytes(), {SIGNED_VALUE: b"garbage"}))
    failed = invoke("certify", "verify", str(bad), "--data", data, "--json")
    assert failed.returncode == 1 and json_of(failed)["valid"] is False
    wrong = invoke("certify", record_id, "--as", "arc", "--out", str(out), "--format", "xps", "--data", data)
    assert wrong.returncode == 2 and "pdf 或 ofd" in wrong.stderr


def test_proof_attachment_is_covered_by_the_seal(issued: tuple[Archive, str, bytes], tmp_path: Path) -> None:
    archive, _record_id, ofd = issued
    name = "Doc_0/Attachs/DanganProof.json"
    proof = json.loads(_members(ofd)[name])
    proof["leaf_index"] += 1
    forged = _rezip(ofd, {name: json.dumps(proof).encode()})
    (entry,) = _seal_entries(forged, tmp_path, ofd_roots(archive.settings))
    assert entry["mismatched"] == [f"/{name}"]
    assert not verify_ofd_file(forged, archive_keys(archive.settings.home), ofd_roots(archive.settings))[
        "valid"
    ]


def test_a_time_stamped_pdf_copy_after_an_ofd_copy_in_one_fresh_process(tmp_path: Path) -> None:
    """asn1crypto caches name → OID maps when a value is first built by name (checking a garbage
    SignedValue.dat as CMS does); pyHanko's time-stamping needs names asn1crypto.tsp adds. In a fresh
    process (a web server's) an OFD copy and a forged one checked first must not break a B-T PDF copy
    after it. A subprocess: this test run has long imported everything."""
    import subprocess
    import sys

    archive, record_id = _archive(tmp_path)
    archive.close()
    script = f"""
from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import open_archive
from dangan.services.certify import archive_keys, issue_certificate, issue_ofd_certificate, ofd_roots
from dangan.services.certify import verify_ofd_file
import io, zipfile
user = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")
archive = open_archive(load_settings({str(tmp_path / "data")!r}, signing_timestamp="local"))
ofd = issue_ofd_certificate(archive, user, {record_id!r}, "核验").pdf
with zipfile.ZipFile(io.BytesIO(ofd)) as src, zipfile.ZipFile(out := io.BytesIO(), "w") as dst:
    for info in src.infolist():
        body = src.read(info)
        garbage = bytes([0x30, 0x82, 0x01, 0x00]) + bytes(256)
        dst.writestr(info, garbage if info.filename == {SIGNED_VALUE!r} else body)
roots = ofd_roots(archive.settings)
assert not verify_ofd_file(out.getvalue(), archive_keys(archive.settings.home), roots)["valid"]
pdf = issue_certificate(archive, user, {record_id!r}, "核验").pdf
archive.close()
print(len(pdf))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) > 1000
