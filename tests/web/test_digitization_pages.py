"""The record page's scans, the page viewer, its image and table exports, re-reading and the batch list:
shown to whoever may read the record (personal data masked as the record page masks it), "not found"
for anyone else, and the archivist's work only where it changes anything."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw, ImageFont

from dangan.digitize import find_cjk_font
from dangan.services.archive import Archive
from tests.services.digitization_helpers import (
    DOC_NUMBER,
    ID_NUMBER,
    PASSWORD,
    RARE_WORD,
    decision_lines,
    scanned_archive,
    text_page,
)
from tests.web.conftest import csrf_of, login

CELLS = [["品名", "数量"], ["面粉", "120"], ["食用油", "35"]]


@dataclass
class Env:
    archive: Archive
    client_of: dict[str, TestClient]
    record_id: str
    position: int  # of the scan among the record's files


def _page_with_table() -> Image.Image:
    img = text_page([*decision_lines(), ""], size=(900, 760))
    draw = ImageDraw.Draw(img)
    x, y, w, h = 60, 420, 300, 70
    for r in range(len(CELLS) + 1):
        draw.line((x, y + r * h, x + 2 * w, y + r * h), fill="black", width=3)
    for c in range(3):
        draw.line((x + c * w, y, x + c * w, y + len(CELLS) * h), fill="black", width=3)
    font = ImageFont.truetype(str(find_cjk_font()), 34)
    for r, row in enumerate(CELLS):
        for c, cell in enumerate(row):
            draw.text((x + c * w + 20, y + r * h + 15), cell, font=font, fill="black")
    return img


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from dangan.web import create_app

    with scanned_archive(tmp_path_factory.mktemp("scan-web"), 4301, [_page_with_table()]) as scanned:
        scanned.user("keeper", "archivist", clearance="秘密")
        scanned.user("clerk", "clerk", department=scanned.department)
        scanned.user("stranger", "clerk", department="秦皇岛市生态环境局")
        app = create_app(scanned.archive)
        clients = {}
        for name in ("keeper", "clerk", "stranger"):
            c = TestClient(app, follow_redirects=False)
            assert login(c, name, PASSWORD).status_code == 303
            clients[name] = c
        try:
            yield Env(scanned.archive, clients, scanned.record_id, scanned.position())
        finally:
            for c in clients.values():
                c.close()


def _url(env: Env, tail: str = "") -> str:
    return f"/records/{env.record_id}/scans/{env.position}/pages/1{tail}"


def test_the_record_page_lists_its_scan_with_the_qc_of_each_page(env: Env) -> None:
    page = env.client_of["keeper"].get(f"/records/{env.record_id}")
    assert page.status_code == 200
    assert "扫描件识别" in page.text and "决定书扫描件.tif" in page.text
    assert _url(env) in page.text and "重新识别" in page.text
    assert "重新识别" not in env.client_of["clerk"].get(f"/records/{env.record_id}").text  # not his work


def test_the_page_viewer_shows_lines_boxes_and_the_table(env: Env) -> None:
    page = env.client_of["keeper"].get(_url(env))
    assert page.status_code == 200
    assert RARE_WORD in page.text and ID_NUMBER in page.text  # the archivist may see it in clear
    assert page.text.count('class="box-line"') >= 4 and 'class="box-table"' in page.text
    assert "面粉" in page.text and "导出 Excel" in page.text
    image = env.client_of["keeper"].get(_url(env, "/image"))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_tables_export_as_csv_and_xlsx(env: Env) -> None:
    got = env.client_of["keeper"].get(_url(env, "/tables/1.csv"))
    assert got.status_code == 200 and got.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert rows == CELLS
    book = env.client_of["keeper"].get(_url(env, "/tables.xlsx"))
    assert book.status_code == 200 and book.content[:2] == b"PK"
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None and sheet.cell(row=2, column=1).value == "面粉"
    assert env.client_of["keeper"].get(_url(env, "/tables/9.csv")).status_code == 404


def test_personal_data_is_masked_for_whoever_must_see_it_masked(env: Env) -> None:
    clerk = env.client_of["clerk"]
    page = clerk.get(_url(env))
    assert page.status_code == 200 and RARE_WORD in page.text
    assert ID_NUMBER not in page.text and "个人信息已遮蔽" in page.text
    api = clerk.get("/api/v1/digitization" + _url(env)).json()
    assert ID_NUMBER not in str(api) and api["masked"] is True


def test_another_department_gets_not_found_everywhere(env: Env) -> None:
    stranger = env.client_of["stranger"]
    missing = "/records/01M00000000000000000000000/scans/1/pages/1"
    for tail in ("", "/image", "/tables/1.csv", "/tables.xlsx"):
        got, absent = stranger.get(_url(env, tail)), stranger.get(missing + tail)
        assert got.status_code == absent.status_code == 404, tail
        assert got.content == absent.content, tail
    assert stranger.get("/api/v1/digitization" + _url(env)).status_code == 404


def test_fields_are_confirmed_beside_the_page_they_were_read_from(env: Env) -> None:
    keeper = env.client_of["keeper"]
    page = keeper.get(f"/records/{env.record_id}/describe")
    assert page.status_code == 200 and DOC_NUMBER in page.text
    assert 'class="box-field" data-field="doc_number"' in page.text  # the source, boxed on the image
    token = csrf_of(page.text)
    form = {"csrf_token": token, "use": ["doc_number", "legal_representative"], "v-doc_number": DOC_NUMBER,
            "v-legal_representative": "张三", "note": "据原件核对"}  # fmt: skip
    saved = keeper.post(f"/records/{env.record_id}/describe", data=form)
    assert saved.status_code == 303 and "saved=1" in saved.headers["location"]
    after = keeper.get(saved.headers["location"])
    assert "第 1 版" in after.text and "据原件核对" in after.text and "张三" in after.text
    bad = {"csrf_token": token, "use": ["uscc"], "v-uscc": "91130302MA0D1K2P0X"}
    refused = keeper.post(f"/records/{env.record_id}/describe", data=bad)
    assert refused.status_code == 422 and "未做任何更改" in refused.text
    assert "第 2 版" not in keeper.get(f"/records/{env.record_id}/describe").text


def test_confirmation_is_the_archivists_and_masked_or_hidden_for_others(env: Env) -> None:
    clerk = env.client_of["clerk"]
    page = clerk.get(f"/records/{env.record_id}/describe")
    assert page.status_code == 200 and ID_NUMBER not in page.text and 'name="v-' not in page.text
    token = csrf_of(page.text)
    form = {"csrf_token": token, "use": ["doc_number"], "v-doc_number": DOC_NUMBER}
    assert clerk.post(f"/records/{env.record_id}/describe", data=form).status_code == 403
    stranger = env.client_of["stranger"]
    assert stranger.get(f"/records/{env.record_id}/describe").status_code == 404


def test_the_scan_is_delivered_as_a_searchable_pdf(env: Env) -> None:
    import pypdfium2 as pdfium

    got = env.client_of["keeper"].get(f"/records/{env.record_id}/scans/{env.position}/pdf")
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(got.content)
    text = pdf[0].get_textpage().get_text_range()
    assert RARE_WORD in text
    masked = env.client_of["clerk"].get(f"/records/{env.record_id}/scans/{env.position}/pdf")
    assert (
        masked.status_code == 200
        and ID_NUMBER not in pdfium.PdfDocument(masked.content)[0].get_textpage().get_text_range()
    )
    assert (
        env.client_of["stranger"].get(f"/records/{env.record_id}/scans/{env.position}/pdf").status_code == 404
    )


def test_training_on_too_few_records_says_so(env: Env) -> None:
    keeper = env.client_of["keeper"]
    token = csrf_of(keeper.get("/digitization").text)
    got = keeper.post("/digitization/classifier", data={"csrf_token": token})
    assert got.status_code in (400, 422) and "尚未训练" in got.text


def test_only_the_archivist_reruns_and_watches_batches(env: Env) -> None:
    """Last: the re-read it starts queues the scan again (no worker here), so its results are gone."""
    clerk, keeper = env.client_of["clerk"], env.client_of["keeper"]
    token = csrf_of(clerk.get(f"/records/{env.record_id}").text)
    refused = clerk.post(f"/records/{env.record_id}/digitize", data={"csrf_token": token, "enhance": "1"})
    assert refused.status_code == 403
    assert clerk.get("/digitization").status_code == 403
    assert clerk.get("/api/v1/digitization/batches").status_code == 403
    token = csrf_of(keeper.get(f"/records/{env.record_id}").text)
    started = keeper.post(f"/records/{env.record_id}/digitize", data={"csrf_token": token})
    assert started.status_code == 303 and started.headers["location"].startswith("/digitization?batch=")
    batch = int(started.headers["location"].rsplit("=", 1)[1])
    listed = keeper.get("/digitization")
    assert listed.status_code == 200 and "网页" in listed.text
    progress = keeper.get(f"/api/v1/digitization/batches/{batch}").json()
    assert progress["files"]["total"] == 1 and progress["settings"]["enhance"] is False
