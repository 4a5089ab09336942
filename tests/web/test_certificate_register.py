"""Certified copies point where the portal is, are listed on their record, and a copy issued with
personal data in clear goes only to who may see it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from dangan.access import Principal, Role
from dangan.domain import SecurityLevel
from dangan.services.certify import certificates_for, issue_certificate
from dangan.services.records import record_for
from dangan.store.catalog import Certificate
from tests.web.conftest import PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]


@pytest.fixture(scope="module", autouse=True)
def junior(web_env: WebEnv) -> None:
    from dangan.services.accounts import add_user

    add_user(web_env.archive, "junior", PASSWORD, "archivist", clearance="内部", display_name="见习档案员")


def _issue_in_browser(c: TestClient, record_id: str, base: str = "http://testserver") -> str:
    page = c.get(f"{base}/records/{record_id}")
    response = c.post(
        f"{base}/records/{record_id}/certify", data={"csrf_token": csrf_of(page.text), "purpose": "核验"}
    )
    assert response.status_code == 200, response.text
    return response.content.decode("latin-1")


def test_qr_link_names_the_address_the_archivist_used(web_env: WebEnv, as_user: Client) -> None:
    assert web_env.archive.settings.public_url is None
    c = as_user("archivist")
    record_id = web_env.ids["a1"]
    before = {
        e.id
        for e in certificates_for(
            web_env.archive, _archivist(), record_for(web_env.archive, _archivist(), record_id)
        )
    }
    _issue_in_browser(c, record_id)
    issued = [
        e
        for e in certificates_for(
            web_env.archive, _archivist(), record_for(web_env.archive, _archivist(), record_id)
        )
        if e.id not in before
    ]
    assert len(issued) == 1
    with web_env.archive.db.read() as s:
        row = s.get(Certificate, issued[0].id)
        assert row is not None and row.summary["verify_url"] == f"http://testserver/verify/{row.id}"


def test_public_url_wins_when_set(web_env: WebEnv, as_user: Client) -> None:
    settings = web_env.archive.settings
    settings.public_url = "https://portal.example.gov.cn/"
    try:
        cert = issue_certificate(
            web_env.archive, _archivist(), web_env.ids["a2"], "核验", base_url="http://10.0.0.5:8000/"
        )
        assert cert.verify_url == f"https://portal.example.gov.cn/verify/{cert.id}"
    finally:
        settings.public_url = None


def _archivist() -> Principal:
    return Principal("archivist", Role.ARCHIVIST, clearance=SecurityLevel.SECRET, display_name="王档案")


def test_record_page_lists_its_certificates_and_guards_clear_ones(web_env: WebEnv, as_user: Client) -> None:
    record_id = web_env.ids["a3"]
    clear = issue_certificate(web_env.archive, _archivist(), record_id, "诉讼")
    junior = as_user("junior")
    redacted_pdf = _issue_in_browser(junior, record_id)
    assert "%PDF" in redacted_pdf[:10]
    page = as_user("archivist").get(f"/records/{record_id}").text
    assert "出证登记" in page and clear.id in page and "已遮蔽" in page and "未遮蔽" in page
    assert f"/certificates/{clear.id}.pdf" in page
    junior_page = junior.get(f"/records/{record_id}").text
    assert clear.id in junior_page and f"/certificates/{clear.id}.pdf" not in junior_page
    refused = junior.get(f"/certificates/{clear.id}.pdf")
    assert refused.status_code == 403 and "个人信息" in refused.text
    assert as_user("archivist").get(f"/certificates/{clear.id}.pdf").status_code == 200
