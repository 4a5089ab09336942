"""Personal data through the doors of the web app: masked for a clerk, clear (and logged) for a cleared
archivist or the record's own department head."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.access import mask_address, mask_id_number, mask_phone
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive
from dangan.services.intake import import_paths
from dangan.services.records import record_for
from dangan.services.utilisation import search
from dangan.store.catalog import Event
from tests.factories import package_dir
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv

Client = Callable[[str], TestClient]
TITLE_ID = "130322197001010038"


@pytest.fixture(scope="module")
def head_a(web_env: WebEnv) -> str:
    add_user(web_env.archive, "head_a", PASSWORD, "dept_head", department=DEPT_A, clearance="内部")
    return "head_a"


def _raw(web_env: WebEnv, label: str) -> Any:
    record = record_for(web_env.archive, get_principal(web_env.archive, "archivist"), web_env.ids[label])
    assert record.id_number and record.phone and record.address  # the demo applicant has all three
    return record


def _events(web_env: WebEnv, record_id: str, actor: str, kind: str) -> list[Event]:
    with web_env.archive.db.read() as s:
        return list(
            s.scalars(
                select(Event).where(Event.record_id == record_id, Event.actor == actor, Event.kind == kind)
            ).all()
        )


def test_clerk_sees_masked_values_on_the_page_and_never_the_raw_ones(
    web_env: WebEnv, as_user: Client
) -> None:
    record = _raw(web_env, "a1")
    page = as_user("clerk_a").get(f"/records/{record.id}")
    assert page.status_code == 200
    assert mask_id_number(record.id_number) in page.text
    assert mask_phone(record.phone) in page.text
    assert mask_address(record.address) in page.text
    for raw in (record.id_number, record.phone, record.address):
        assert raw not in page.text
    assert not _events(web_env, record.id, "clerk_a", "unmask")


def test_clerk_sees_masked_values_in_the_api(web_env: WebEnv, as_user: Client) -> None:
    record = _raw(web_env, "a1")
    response = as_user("clerk_a").get(f"/api/v1/records/{record.id}")
    body = response.json()
    assert body["applicant"]["id_number"] == mask_id_number(record.id_number)
    assert body["applicant"]["phone"] == mask_phone(record.phone)
    assert body["applicant"]["address"] == mask_address(record.address)
    for raw in (record.id_number, record.phone, record.address):
        assert raw not in response.text


def test_cleared_archivist_sees_clear_values_and_the_unmasking_is_logged(
    web_env: WebEnv, as_user: Client
) -> None:
    record = _raw(web_env, "a2")
    c = as_user("archivist")  # clearance 秘密
    page = c.get(f"/records/{record.id}")
    assert record.id_number in page.text and record.phone in page.text and record.address in page.text
    api = c.get(f"/api/v1/records/{record.id}").json()
    assert api["applicant"]["id_number"] == record.id_number
    events = _events(web_env, record.id, "archivist", "unmask")
    assert sorted(e.detail["via"] for e in events) == ["api", "web"]
    assert events[0].detail["fields"] == ["id_number", "phone", "address"]


def test_own_department_head_sees_clear_values(web_env: WebEnv, as_user: Client, head_a: str) -> None:
    record = _raw(web_env, "a4")
    body = as_user(head_a).get(f"/api/v1/records/{record.id}").json()
    assert body["applicant"]["phone"] == record.phone
    assert len(_events(web_env, record.id, head_a, "unmask")) == 1


def test_search_hits_mask_numbers_in_titles(tmp_path: Path, archive: Archive) -> None:
    title = f"关于张三（身份证{TITLE_ID}，电话13312349905）食品经营许可的审批"
    package_dir(tmp_path, 7, department=DEPT_A, title=title, security_level="内部", open_to_public=False)
    assert import_paths(archive, [tmp_path]).accepted
    add_user(archive, "clerk", PASSWORD, "clerk", department=DEPT_A)
    add_user(archive, "keeper", PASSWORD, "archivist", clearance="秘密")
    clerk = search(archive, get_principal(archive, "clerk"), "食品经营许可")
    assert clerk.total == 1
    shown = json.dumps(clerk.as_json(), ensure_ascii=False)
    assert TITLE_ID not in shown and "13312349905" not in shown
    assert "130322********0038" in shown and "133****9905" in shown
    keeper = search(archive, get_principal(archive, "keeper"), "食品经营许可")
    assert keeper.hits[0].title == title


def test_lists_of_records_mask_numbers_in_titles_on_every_door(tmp_path: Path, archive: Archive) -> None:
    """The list page and `GET /api/v1/records` show the titles `browse` hands them: already masked."""
    from dangan.services.records import BrowseFilter, browse
    from dangan.web import create_app
    from tests.web.conftest import login

    title = f"关于李四（身份证{TITLE_ID}）食品经营许可的审批"
    package_dir(tmp_path, 8, department=DEPT_A, title=title, security_level="内部", open_to_public=False)
    assert import_paths(archive, [tmp_path]).accepted
    add_user(archive, "clerk", PASSWORD, "clerk", department=DEPT_A)
    add_user(archive, "keeper", PASSWORD, "archivist", clearance="秘密")
    clerk = get_principal(archive, "clerk")
    assert [r.title for r in browse(archive, clerk, BrowseFilter()).items] == [
        title.replace(TITLE_ID, "130322********0038")
    ]
    assert browse(archive, get_principal(archive, "keeper"), BrowseFilter()).items[0].title == title
    with TestClient(create_app(archive), follow_redirects=False) as c:
        login(c, "clerk")
        for door in ("/records", "/api/v1/records"):
            shown = c.get(door)
            assert shown.status_code == 200
            assert TITLE_ID not in shown.text and "130322********0038" in shown.text, door


def test_check_report_exports_hold_no_raw_personal_data(web_env: WebEnv, as_user: Client) -> None:
    import io

    import pypdfium2 as pdfium
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    from dangan.core import PDFIUM

    record = _raw(web_env, "a3")
    c = as_user("clerk_a")
    xlsx = c.get(f"/records/{record.id}/checks.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = " ".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    pdf = c.get(f"/records/{record.id}/checks.pdf")
    assert pdf.status_code == 200
    with PDFIUM:
        doc = pdfium.PdfDocument(pdf.content)
        text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
        doc.close()
    assert record.archival_code in cells  # the export is about this record
    for raw in (record.id_number, record.phone, record.address):
        assert raw not in cells and raw not in text
