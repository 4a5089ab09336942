"""The 出具档案证明 button and the public verification portal (`/verify/{id}`, `/api/v1/certificates/{id}`)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient

from dangan.access import Principal, Role
from dangan.core import PDFIUM
from dangan.domain import SecurityLevel
from dangan.services.records import record_for
from tests.web.conftest import LONG_PAGES, WebEnv, csrf_of

Client = Callable[[str], TestClient]


def _issue(web_env: WebEnv, as_user: Client, label: str = "odd") -> tuple[bytes, str]:
    archivist = as_user("archivist")
    record_id = web_env.ids[label]
    page = archivist.get(f"/records/{record_id}")
    assert "出具档案证明" in page.text
    response = archivist.post(
        f"/records/{record_id}/certify", data={"csrf_token": csrf_of(page.text), "purpose": "诉讼"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    with PDFIUM:
        doc = pdfium.PdfDocument(response.content)
        try:
            cert_id = doc.get_metadata_value("Title").removeprefix("档案证明 ")
        finally:
            doc.close()
    return response.content, cert_id


@pytest.fixture(scope="module")
def issued(web_env: WebEnv) -> tuple[bytes, str]:
    with TestClient(web_env.app, follow_redirects=False) as c:
        from tests.web.conftest import login

        assert login(c, "archivist").status_code == 303
        page = c.get(f"/records/{web_env.ids['odd']}")
        response = c.post(
            f"/records/{web_env.ids['odd']}/certify",
            data={"csrf_token": csrf_of(page.text), "purpose": "诉讼"},
        )
    assert response.status_code == 200, response.text
    with PDFIUM:
        doc = pdfium.PdfDocument(response.content)
        try:
            cert_id = doc.get_metadata_value("Title").removeprefix("档案证明 ")
            pages = len(doc)
            text = doc[0].get_textpage().get_text_range()
        finally:
            doc.close()
    # cover + the record's PDFs (demo files and the long one) + one page for the photo; 说明.txt listed only
    assert pages > LONG_PAGES + 2
    assert cert_id in text and "此格式不附页" in text
    return response.content, cert_id


def test_the_portal_shows_a_valid_certificate_without_login(
    web_env: WebEnv, client: TestClient, issued: tuple[bytes, str]
) -> None:
    pdf, cert_id = issued
    page = client.get(f"/verify/{cert_id}")
    assert page.status_code == 200, page.text
    assert "有效" in page.text and "无效" not in page.text
    archivist = Principal("x", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
    record = record_for(web_env.archive, archivist, web_env.ids["odd"])
    assert record.archival_code in page.text and cert_id in page.text
    assert hashlib.sha256(pdf).hexdigest() in page.text
    assert all(f.sha256 in page.text for f in record.files) and "现场照片.png" in page.text
    assert web_env.archive.settings.fonds_name in page.text and "仅供诉讼使用" in page.text
    personal = [v for v in (record.id_number, record.phone) if v]
    assert personal, "the test record should carry personal data"
    assert not any(v in page.text for v in personal)
    assert client.get("/verify/01NOSUCHCERTIFICATE0000000").status_code == 404


def test_uploaded_copy_is_matched_and_a_changed_byte_is_not(
    client: TestClient, issued: tuple[bytes, str]
) -> None:
    pdf, cert_id = issued
    token = csrf_of(client.get(f"/verify/{cert_id}").text)
    same = client.post(
        f"/verify/{cert_id}", data={"csrf_token": token}, files={"file": ("证明.pdf", pdf, "application/pdf")}
    )
    assert same.status_code == 200 and "一致" in same.text and "不一致" not in same.text
    changed = bytearray(pdf)
    changed[len(changed) // 2] ^= 0x01
    other = client.post(
        f"/verify/{cert_id}",
        data={"csrf_token": token},
        files={"file": ("证明.pdf", bytes(changed), "application/pdf")},
    )
    assert other.status_code == 200 and "不一致" in other.text
    assert hashlib.sha256(bytes(changed)).hexdigest() in other.text
    no_token = client.post(f"/verify/{cert_id}", files={"file": ("证明.pdf", pdf, "application/pdf")})
    assert no_token.status_code == 403


def test_machine_readable_view_is_public(client: TestClient, issued: tuple[bytes, str]) -> None:
    pdf, cert_id = issued
    doc = client.get(f"/api/v1/certificates/{cert_id}").json()
    assert doc["valid"] is True and doc["problems"] == []
    assert doc["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert doc["checkpoint"]["tree_size"] > doc["leaf_index"]
    missing = client.get("/api/v1/certificates/01NOSUCHCERTIFICATE0000000")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "certificate_not_found"


def test_only_archivists_get_the_button_and_the_action(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.a_ids[0]
    clerk_a, clerk_b = as_user("clerk_a"), as_user("clerk_b")
    page = clerk_a.get(f"/records/{record_id}")
    assert page.status_code == 200 and "出具档案证明" not in page.text
    token = csrf_of(page.text)
    assert clerk_a.post(f"/records/{record_id}/certify", data={"csrf_token": token}).status_code == 403
    token_b = csrf_of(clerk_b.get("/").text)
    assert clerk_b.post(f"/records/{record_id}/certify", data={"csrf_token": token_b}).status_code == 404
    archivist = as_user("archivist")
    assert (
        archivist.post(f"/records/{record_id}/certify", data={"purpose": "核验"}).status_code == 403
    )  # no CSRF
    pdf, cert_id = _issue(web_env, as_user, "a1")
    again = archivist.get(f"/certificates/{cert_id}.pdf")
    assert again.status_code == 200 and again.content == pdf
    assert clerk_b.get(f"/certificates/{cert_id}.pdf").status_code == 404
