"""The report as a printable PDF: every item code and verdict in its text; from the record page's
link (access-checked), the quarantine page's link and `dangan check --pdf`."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
from fastapi.testclient import TestClient

from dangan.core import PDFIUM, load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import open_archive
from dangan.services.intake import import_paths
from tests.factories import package_dir
from tests.helpers import run_dangan
from tests.web.conftest import login

PASSWORD = "Dangan@2024"
CODES = [f"{p}-{n}" for p, top in ((1, 5), (2, 4), (3, 4), (4, 3)) for n in range(1, top + 1)]


def pdf_text(data: bytes) -> str:
    """All pages' text; the PDF must open in PDFium (the same library the archive reads PDFs with)."""
    with PDFIUM:
        doc = pdfium.PdfDocument(data)
        try:
            return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        finally:
            doc.close()


def test_record_and_quarantine_reports_download_as_pdf(tmp_path: Path) -> None:
    from dangan.web import create_app

    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
        add_user(archive, "other", PASSWORD, "clerk", department="秦皇岛市生态环境局")
        pkg = package_dir(tmp_path / "in", 60, department="秦皇岛市市场监督管理局")
        record_id = import_paths(archive, [pkg]).accepted[0].record_id
        bad = package_dir(tmp_path / "in2", 62)
        (bad / "多余.txt").write_text("x")
        reasons = import_paths(archive, [bad]).as_json()["rejected"][0]["reasons"]
        qid = reasons[-1]["message"].split("编号 ")[1].split("）")[0]
        with TestClient(create_app(archive), follow_redirects=False) as client:
            login(client, "archivist")
            assert f"/records/{record_id}/checks.pdf" in client.get(f"/records/{record_id}").text
            got = client.get(f"/records/{record_id}/checks.pdf")
            assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
            text = pdf_text(got.content)
            assert "电子档案四性检测报告" in text and "归档" in text
            assert all(code in text for code in CODES), [c for c in CODES if c not in text]
            assert "结论" in text and "不通过（" not in text and "通过" in text
            assert f"/quarantine/{qid}/report.pdf" in client.get(f"/quarantine/{qid}").text
            held = pdf_text(client.get(f"/quarantine/{qid}/report.pdf").content)
            assert "不通过（阻断）" in held and "多余.txt" in held and "隔离案卷包" in held
        with TestClient(create_app(archive), follow_redirects=False) as client:
            login(client, "other")
            assert client.get(f"/records/{record_id}/checks.pdf").status_code == 404
            assert client.get(f"/quarantine/{qid}/report.pdf").status_code in (403, 404)
    finally:
        archive.close()


def test_cli_writes_the_pdf(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 61)
    (pkg / "多余.txt").write_text("x")
    out = tmp_path / "报告.pdf"
    proc = run_dangan("check", str(pkg), "--pdf", str(out), "--data", str(tmp_path / "data"))
    assert proc.returncode == 1
    text = pdf_text(out.read_bytes())
    assert all(code in text for code in CODES)
    assert "不通过（阻断）" in text and "多余.txt" in text and str(pkg.name) in text
