"""Certified copies (出证): the PDF, its ledger entry, and the proof an outsider checks with hashlib alone."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import inspect, select, text

from dangan.access import Principal, Role
from dangan.core import PDFIUM, NotFound, PermissionDenied, ValidationFailed, load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import (
    archive_keys,
    certificate_pdf,
    check_certificate,
    issue_certificate,
    verify_certificate_file,
)
from dangan.services.intake import import_paths
from dangan.services.preservation import verify_ledger
from dangan.store.catalog import Certificate, Database, Event, downgrade, upgrade
from tests.factories import package_dir
from tests.helpers import json_of, run_dangan

DEPT = "秦皇岛市市场监督管理局"
ARCHIVIST = Principal("arch", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")
PUBLIC_URL = "https://dangan.example.gov.cn/portal"


def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _root_from_path(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes:
    """RFC 9162 §2.1.3.1, written independently of dangan.ledger."""
    if size == 1:
        assert not path
        return leaf
    assert path
    k = 1 << ((size - 1).bit_length() - 1)
    *below, top = path
    if index < k:
        return _h(b"\x01" + _root_from_path(leaf, index, k, below) + top)
    return _h(b"\x01" + top + _root_from_path(leaf, index - k, size - k, below))


def _outsider_verifies(pdf: bytes, keys_dir: Path) -> dict[str, Any]:
    """What anyone can do with the PDF and the archive's published public key — no dangan code."""
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            proof = json.loads(doc.get_metadata_value("DanganProof"))
        finally:
            doc.close()
    body = base64.b64decode(proof["entry"])
    entry = json.loads(body)
    assert entry["kind"] == "certify" and entry["detail"]["certificate_id"] == proof["certificate_id"]
    assert hashlib.sha256(pdf[: proof["signed_length"]]).hexdigest() == entry["detail"]["body_sha256"]
    leaf = _h(b"\x00" + body)
    assert leaf.hex() == proof["leaf_hash"]
    path = [bytes.fromhex(p) for p in proof["proof"]]
    assert _root_from_path(leaf, proof["leaf_index"], proof["tree_size"], path).hex() == proof["root"]
    cp = proof["checkpoint"]
    assert (cp["tree_size"], cp["root"]) == (proof["tree_size"], proof["root"])
    note = f"{cp['origin']}\n{cp['tree_size']}\n{base64.b64encode(bytes.fromhex(cp['root'])).decode()}\n{cp['issued_at']}\n"
    key = serialization.load_pem_public_key((keys_dir / "ledger-ed25519.pub").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    key.verify(bytes.fromhex(cp["signature"]), note.encode())  # raises when forged
    return entry


QR_X, QR_Y, QR_SIZE, QR_BORDER = 56.0, 70.0, 96.0, 2  # where the cover draws it (points, from bottom-left)


def _expected_modules(url: str) -> list[list[bool]]:
    return [
        [bool(m) for m in row] for row in segno.make(url, error="m").matrix_iter(scale=1, border=QR_BORDER)
    ]


def _qr_modules(pdf: bytes, count: int) -> list[list[bool]]:
    """Read a `count`×`count` QR code back off the rendered cover, module by module (no decoder installed)."""
    scale = 4.0
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            page = doc[0]
            height = page.get_height()
            image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        finally:
            doc.close()
    top, cell = (height - QR_Y - QR_SIZE) * scale, QR_SIZE * scale / count
    return [
        [
            image.getpixel((int(QR_X * scale + (j + 0.5) * cell), int(top + (i + 0.5) * cell))) < 128
            for j in range(count)
        ]
        for i in range(count)
    ]


def _edit_proof(pdf: bytes, change: Any) -> bytes:
    """Rewrite the `/DanganProof` JSON in place (same encoding), as a forger would."""
    start = pdf.rindex(b"/DanganProof <") + len(b"/DanganProof <")
    end = pdf.index(b">", start)
    doc = json.loads(bytes.fromhex(pdf[start:end].decode()))
    change(doc)
    return pdf[:start] + json.dumps(doc).encode().hex().encode() + pdf[end:]


def _flip_path(doc: dict[str, Any]) -> None:
    doc["proof"][0] = ("0" if doc["proof"][0][0] != "0" else "1") + doc["proof"][0][1:]


def _flip_signature(doc: dict[str, Any]) -> None:
    sig = doc["checkpoint"]["signature"]
    doc["checkpoint"]["signature"] = ("0" if sig[0] != "0" else "1") + sig[1:]


def _other_entry(doc: dict[str, Any]) -> None:
    entry = json.loads(base64.b64decode(doc["entry"]))
    entry["detail"]["body_sha256"] = "0" * 64
    doc["entry"] = base64.b64encode(json.dumps(entry).encode()).decode()


@pytest.fixture
def certified(tmp_path: Path, db_url: str) -> Iterator[tuple[Archive, str]]:
    """An archive (SQLite, then PostgreSQL) with three closed records of one department."""
    settings = load_settings(tmp_path / "data", public_url=PUBLIC_URL + "/", database_url=db_url)
    archive = open_archive(settings)
    pkgs = [package_dir(tmp_path / "in", s, department=DEPT, open_to_public=False) for s in range(3)]
    report = import_paths(archive, pkgs)
    assert not report.rejected
    try:
        yield archive, str(report.accepted[1].record_id)
    finally:
        archive.close()


def test_issued_pdf_opens_shows_the_record_and_proves_itself_offline(certified: tuple[Archive, str]) -> None:
    archive, record_id = certified
    cert = issue_certificate(archive, ARCHIVIST, record_id, "办理不动产登记")
    assert hashlib.sha256(cert.pdf).hexdigest() == cert.pdf_sha256
    assert cert.verify_url == f"{PUBLIC_URL}/verify/{cert.id}"
    expected = _expected_modules(cert.verify_url)
    assert _qr_modules(cert.pdf, len(expected)) == expected  # the drawn QR is segno's code of the URL
    with archive.db.read() as s:
        record = s.execute(text("SELECT archival_code FROM record WHERE id = :i"), {"i": record_id}).one()
        files = (
            s.execute(
                text(
                    "SELECT f.sha256 FROM record_file f JOIN record r ON r.seq = f.record_seq WHERE r.id = :i"
                ),
                {"i": record_id},
            )
            .scalars()
            .all()
        )
    with PDFIUM:
        doc = pdfium.PdfDocument(cert.pdf)
        try:
            pages = len(doc)
            cover = doc[0].get_textpage().get_text_range()
            last = doc[pages - 1].get_textpage().get_text_range()
        finally:
            doc.close()
    assert pages > 1  # the record's PDF files follow the cover
    cover_flat = cover.replace("\r", "").replace("\n", "")
    assert record[0] in cover_flat and cert.id in cover_flat and "档案证明专用章" in cover_flat
    assert "仅供办理不动产登记使用" in cover_flat  # the watermark
    assert all(h in cover_flat for h in files)
    assert cert.verify_url in cover_flat  # printed under the QR code, which encodes the same URL
    assert f"档案证明 {cert.id} 附页" in last  # every appended page carries the certificate's mark
    entry = _outsider_verifies(cert.pdf, archive.settings.home / "keys")
    assert entry["record_id"] == record_id
    assert sorted(f["sha256"] for f in entry["detail"]["files"]) == sorted(files)
    assert verify_certificate_file(cert.pdf, archive_keys(archive.settings.home))["valid"] is True


def test_issue_is_logged_stored_encrypted_and_the_ledger_still_verifies(
    certified: tuple[Archive, str],
) -> None:
    archive, record_id = certified
    cert = issue_certificate(archive, ARCHIVIST, record_id)
    with archive.db.read() as s:
        row = s.get(Certificate, cert.id)
        event = s.scalars(select(Event).where(Event.kind == "certify")).one()
    assert row is not None and row.record_id == record_id and row.pdf_sha256 == cert.pdf_sha256
    assert row.encrypted is True and row.leaf_index == cert.leaf_index
    assert event.actor == "arch" and event.detail["certificate_id"] == cert.id
    assert not archive.objects.path_for(cert.pdf_sha256).exists()  # only the encrypted object is stored
    assert certificate_pdf(archive, ARCHIVIST, cert.id)[1] == cert.pdf
    report = verify_ledger(archive)
    assert report.ok, [p.as_json() for p in report.problems]
    view = check_certificate(archive, cert.id)
    assert view["valid"] is True and view["pdf_sha256"] == cert.pdf_sha256
    assert "id_number" not in json.dumps(view) and "phone" not in json.dumps(view)


def test_tampering_is_caught(certified: tuple[Archive, str]) -> None:
    archive, record_id = certified
    cert = issue_certificate(archive, ARCHIVIST, record_id)
    keys = archive_keys(archive.settings.home)
    changed = bytearray(cert.pdf)
    changed[len(changed) // 3] ^= 0x01
    report = verify_certificate_file(bytes(changed), keys)
    assert report["valid"] is False and any("改动" in p for p in report["problems"])
    for change in (_flip_path, _flip_signature, _other_entry):
        forged = _edit_proof(cert.pdf, change)
        assert verify_certificate_file(forged, keys)["valid"] is False, change.__name__
    assert verify_certificate_file(b"%PDF-1.4 not a certificate", keys)["valid"] is False
    assert verify_certificate_file(cert.pdf, {})["valid"] is False  # no trusted key, no trust
    with archive.db.write() as s:  # someone rewrites the certify entry in the database
        s.execute(
            text("UPDATE ledger_entry SET body = :b WHERE leaf_index = :i"),
            {"b": b'{"v":1}', "i": cert.leaf_index},
        )
    assert check_certificate(archive, cert.id)["valid"] is False


def test_only_an_archivist_who_may_read_the_record_issues(certified: tuple[Archive, str]) -> None:
    archive, record_id = certified
    clerk = Principal("clerk", Role.CLERK, department=DEPT, clearance=SecurityLevel.SECRET)
    other = Principal("clerk_b", Role.CLERK, department="秦皇岛市生态环境局", clearance=SecurityLevel.SECRET)
    with pytest.raises(PermissionDenied):
        issue_certificate(archive, clerk, record_id)  # may read it, may not certify it
    with pytest.raises(NotFound):
        issue_certificate(archive, other, record_id)  # may not even know it exists
    with pytest.raises(ValidationFailed):
        issue_certificate(archive, ARCHIVIST, record_id, "   ")
    with pytest.raises(NotFound):
        check_certificate(archive, "01NOSUCHCERTIFICATE0000000")
    with archive.db.read() as s:
        assert s.scalars(select(Certificate)).all() == []
        assert s.scalars(select(Event).where(Event.kind == "certify")).all() == []


def test_cli_issues_and_verifies_offline(tmp_path: Path) -> None:
    data = tmp_path / "data"
    archive = open_archive(load_settings(data))
    try:
        report = import_paths(archive, [package_dir(tmp_path / "in", 7, department=DEPT)])
        record_id = str(report.accepted[0].record_id)
    finally:
        archive.close()
    made = run_dangan("user", "add", "arch", "--role", "archivist", "--clearance", "机密",
                      "--password-stdin", "--data", str(data), input="Dangan@2024x\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "证明.pdf"
    issued = run_dangan(
        "certify", record_id, "--as", "arch", "--out", str(out), "--data", str(data), "--json"
    )
    assert issued.returncode == 0, issued.stderr
    doc = json_of(issued)
    assert doc["pdf_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    checked = run_dangan("certify", "verify", str(out), "--data", str(data), "--json")
    assert checked.returncode == 0, checked.stderr
    assert json_of(checked)["valid"] is True and json_of(checked)["certificate_id"] == doc["certificate_id"]
    said = run_dangan("certify", "verify", str(out), "--data", str(data))
    signer = json_of(checked)["pades"]["signer_name"]
    assert said.returncode == 0 and f"PDF 签名：{signer}，" in said.stderr, (
        "the signer by name, not an X.500 dump"
    )
    assert "Common Name" not in said.stderr
    pdf = bytearray(out.read_bytes())
    pdf[200] ^= 0x20
    out.write_bytes(bytes(pdf))
    bad = run_dangan("certify", "verify", str(out), "--data", str(data), "--json")
    assert bad.returncode == 1 and json_of(bad)["valid"] is False
    refused = run_dangan(
        "certify", record_id, "--as", "nobody", "--out", str(tmp_path / "x.pdf"), "--data", str(data)
    )
    assert refused.returncode == 1 and not (tmp_path / "x.pdf").exists()


def test_migration_0007_creates_and_drops_the_table(db_url: str) -> None:
    upgrade(db_url, "0007")
    db = Database(db_url)
    try:
        assert "certificate" in inspect(db.engine).get_table_names()
        downgrade(db_url, "0006")
        assert "certificate" not in inspect(db.engine).get_table_names()
        upgrade(db_url, "0007")
        assert {"id", "pdf_sha256", "leaf_index", "summary"} <= {
            c["name"] for c in inspect(db.engine).get_columns("certificate")
        }
    finally:
        db.dispose()


def test_appended_pages_keep_their_size_rotation_and_text() -> None:
    """Pages with a shifted media box or a /Rotate are copied as they look, with the overlay on top."""
    from reportlab.pdfgen import canvas

    from dangan.services.certify._certify_pdf import CertifiedFile, CoverInfo, assemble

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(400, 300))
    c.drawString(150, 150, "first page")
    c.showPage()
    c.drawString(250, 250, "second page")
    c.showPage()
    c.save()
    with PDFIUM:
        src = pdfium.PdfDocument(buf.getvalue())
        try:
            src[1].set_mediabox(100, 100, 500, 400)
            src[1].set_rotation(90)
            out = io.BytesIO()
            src.save(out)
        finally:
            src.close()
    info = CoverInfo("01TESTCERT", "档案馆", "Z001-2024-D30-X-0001", "题名", "", "某公司", "2024-01-02",
                     "2026-11-26 10:00 UTC", "王档案", "核验", "http://x/verify/01TESTCERT",
                     [CertifiedFile("a.pdf", "0" * 64, 1, "application/pdf", True)])  # fmt: skip
    pdf = assemble(info, [out.getvalue()])
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            assert len(doc) == 3
            first, second = doc[1], doc[2]
            assert (first.get_width(), first.get_height()) == (400, 300)
            assert second.get_rotation() == 90 and tuple(second.get_mediabox()) == (0, 0, 400, 300)
            assert "first page" in first.get_textpage().get_text_range()
            text = second.get_textpage().get_text_range()
            assert "second page" in text and "附页 2/2" in text
        finally:
            doc.close()
