"""What a 利用 grant delivers, and how: the 利用申请's id in the watermark of a file read through a
grant (a leaked copy names the approval it came out under; files read by role keep the HTTP request
id, and the access event links both); no download links on the record page for a view-only grant; and
no 档案浏览/检索 in the 三员's navigation.
"""

from __future__ import annotations

from collections.abc import Callable

import pypdfium2 as pdfium
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import PDFIUM
from dangan.services.accounts import add_user, get_principal
from dangan.services.records import record_for
from dangan.services.utilisation import RequestForm, approve_request, create_request
from dangan.store.catalog import Event
from tests.web.conftest import PASSWORD, WebEnv

Client = Callable[[str], TestClient]


def _text(pdf: bytes) -> str:
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf)
        try:
            return "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        finally:
            doc.close()


def _pdf_position(c: TestClient, record_id: str) -> int:
    for position in range(10):
        head = c.get(f"/records/{record_id}/files/{position}/download")
        if head.status_code == 200 and head.headers["content-type"] == "application/pdf":
            return position
    raise AssertionError("the record has no PDF")


def test_download_through_a_grant_is_marked_with_the_utilization_request(
    web_env: WebEnv, as_user: Client
) -> None:
    archive, record_id = web_env.archive, web_env.ids["a0"]
    add_user(archive, "reader_wm", PASSWORD, "reader", clearance="秘密", display_name="查阅者")
    archivist = get_principal(archive, "archivist")
    code = record_for(archive, archivist, record_id).archival_code
    req = create_request(archive, get_principal(archive, "reader_wm"),
                         RequestForm(purpose="核实许可", codes=(code,), scope="download"))  # fmt: skip
    approve_request(archive, archivist, req.id)

    position = _pdf_position(as_user("clerk_a"), record_id)
    by_role = as_user("clerk_a").get(f"/records/{record_id}/files/{position}/download")
    assert by_role.headers["x-request-id"] in _text(by_role.content)
    assert "利用申请" not in _text(by_role.content)

    granted = as_user("reader_wm").get(f"/records/{record_id}/files/{position}/download")
    assert granted.status_code == 200 and granted.headers["content-type"] == "application/pdf"
    text = _text(granted.content)
    assert f"利用申请 {req.id}" in text and "reader_wm" in text
    http_id = granted.headers["x-request-id"]
    assert http_id not in text
    with archive.db.read() as s:
        events = [e for e in s.scalars(select(Event).where(Event.kind == "download")).all()
                  if (e.detail or {}).get("request_id") == http_id]  # fmt: skip
    assert len(events) == 1 and events[0].detail["utilization_request_id"] == req.id


def _grant(web_env: WebEnv, username: str, label: str, scope: str) -> str:
    archive = web_env.archive
    add_user(archive, username, PASSWORD, "reader", clearance="秘密")
    archivist = get_principal(archive, "archivist")
    code = record_for(archive, archivist, web_env.ids[label]).archival_code
    req = create_request(archive, get_principal(archive, username),
                         RequestForm(purpose="核实许可", codes=(code,), scope=scope))  # fmt: skip
    approve_request(archive, archivist, req.id)
    return web_env.ids[label]


def test_record_page_offers_downloads_only_to_who_may_download(web_env: WebEnv, as_user: Client) -> None:
    record_id = _grant(web_env, "reader_view", "a1", "view")
    _grant(web_env, "reader_dl", "a1", "download")
    download_link = f'href="/records/{record_id}/files/0/download"'
    viewer = as_user("reader_view")
    page = viewer.get(f"/records/{record_id}")
    assert page.status_code == 200 and f'href="/records/{record_id}/files/0"' in page.text  # preview stays
    assert download_link not in page.text and ">下载<" not in page.text
    assert viewer.get(f"/records/{record_id}/files/0/download").status_code == 403
    for who in ("reader_dl", "clerk_a"):  # a download grant, and the department's clerk by role
        assert download_link in as_user(who).get(f"/records/{record_id}").text, who


def test_the_three_administrators_have_no_browse_or_search_in_the_nav(
    web_env: WebEnv, as_user: Client
) -> None:
    add_user(web_env.archive, "secadmin_nav", PASSWORD, "secadmin", clearance="机密")
    for who in ("auditor", "secadmin_nav"):
        nav = as_user(who).get("/").text.split('class="mainnav"')[1].split("</nav>")[0]
        assert 'href="/records"' not in nav and 'href="/search"' not in nav, who
    nav = as_user("clerk_a").get("/").text.split('class="mainnav"')[1].split("</nav>")[0]
    assert 'href="/records"' in nav and 'href="/search"' in nav
