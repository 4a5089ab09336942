"""XSS: a case package whose every text field is hostile is shown as inert text on every page.

The payloads travel the whole way — case.json → catalogue → search index → pages, quarantine,
check reports, handover and the certificate portal — and each page must show them escaped: no tag,
no event handler, no `javascript:` link and no template evaluation of their own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.services.accounts import add_user, get_principal
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import issue_certificate
from dangan.services.handover import create_batch
from dangan.services.intake import import_paths
from tests.factories import demo_case, package_dir, rewrite_case_json
from tests.web.conftest import PASSWORD, login

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
JINJA = "{{7*7}}"
DEPT = f"海港区{SCRIPT}市场监督管理局"
TITLE = f"关于海鸥{SCRIPT}{IMG}餐饮有限公司的审批"
HOSTILE_FILE = f"{IMG}.txt"


def _hostile_package(dest: Path, seed: int, *, list_file: bool) -> Path:
    """A package with a payload in every text field; the documents are rendered with them (check 1-4)."""
    applicant = {**demo_case(seed).case["applicant"], "name": f"海鸥{SCRIPT}公司",
                 "legal_representative": f"张三{IMG}", "address": f"{JS_URL} {JINJA} {SCRIPT}"}  # fmt: skip
    pkg = package_dir(dest, seed, applicant=applicant, doc_number=f"秦市监许〔2024〕{IMG}号", title=TITLE,
                      department=DEPT, matter={"code": "XK-<b>1</b>", "name": f"食品经营许可{IMG}"},
                      result=f"准予许可{SCRIPT}",
                      extra={f"备注{SCRIPT}": f"{JINJA}{IMG}", "链接": JS_URL, "模板": "{% raw %}{{ config }}"})  # fmt: skip
    (pkg / HOSTILE_FILE).write_text("hello", encoding="utf-8")
    if list_file:  # else the file is there but unlisted: check 2-4 sends the package to quarantine
        rewrite_case_json(
            pkg, lambda doc: doc["files"].append({"path": HOSTILE_FILE, "role": f"其他{SCRIPT}"})
        )
    return pkg


class _Inspector(HTMLParser):
    """Collects what would execute: script elements, event-handler attributes, script URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                ("javascript:", "data:text")
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith(("/static/", "/api/docs/")):
                self.problems.append(f"<script src={src!r}>")
        if tag in ("img", "iframe", "object", "embed") and dict(attrs).get("src") == "x":
            self.problems.append(f"<{tag} src=x>")


def assert_inert(response: httpx.Response, *shown: str) -> None:
    """The page parses without anything executable, and each of `shown` is visible as escaped text."""
    text = response.text
    assert response.status_code == 200, (response.request.url, response.status_code)
    inspector = _Inspector()
    inspector.feed(text)
    assert not inspector.problems, (response.request.url, inspector.problems)
    assert SCRIPT not in text and "<img src=x" not in text
    for fragment in shown:
        escaped = fragment.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert escaped in text or escaped.replace('"', "&#34;") in text, (response.request.url, fragment)


@dataclass
class Hostile:
    archive: Archive
    app: FastAPI
    record_id: str
    quarantine_id: str
    batch_id: str
    certificate_id: str


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("xss")
    archive = open_archive(load_settings(root / "data"))
    accepted = _hostile_package(root / "in", 71, list_file=True)
    held = _hostile_package(root / "held", 72, list_file=False)
    report = import_paths(archive, [accepted, held])
    assert len(report.accepted) == 1 and len(report.rejected) == 1, report.as_json()["rejected"][0]["reasons"]
    record_id = report.accepted[0].record_id
    assert record_id
    quarantine_id = report.as_json()["rejected"][0]["reasons"][-1]["message"].split("编号 ")[1].split("）")[0]
    add_user(archive, "archivist", PASSWORD, "archivist", clearance="秘密")
    add_user(archive, "clerk", PASSWORD, "clerk", department=DEPT)
    batch = create_batch(archive, get_principal(archive, "clerk"), record_ids=[record_id],
                         carrier=f"光盘{SCRIPT}", note=f"{IMG}{JINJA}")  # fmt: skip
    cert = issue_certificate(archive, get_principal(archive, "archivist"), record_id, f"核验{SCRIPT}")
    try:
        yield Hostile(archive, create_app(archive), record_id, quarantine_id, batch.id, cert.id)
    finally:
        archive.close()


def _client(env: Hostile, name: str | None) -> TestClient:
    client = TestClient(env.app, follow_redirects=False)
    if name:
        assert login(client, name).status_code == 303
    return client


def test_record_and_list_pages_show_payloads_as_text(hostile: Hostile) -> None:
    c = _client(hostile, "archivist")
    assert_inert(c.get(f"/records/{hostile.record_id}"), TITLE, f"张三{IMG}", SCRIPT, JINJA, HOSTILE_FILE,
                 f"备注{SCRIPT}", f"食品经营许可{IMG}")  # fmt: skip
    assert_inert(c.get("/records"), TITLE)
    assert_inert(c.get("/records", params={"department": DEPT}), TITLE, DEPT)
    assert_inert(c.get("/"), DEPT)
    files = c.get(f"/api/v1/records/{hostile.record_id}").json()["files"]
    preview = next(f["preview_url"] for f in files if f["path"] == HOSTILE_FILE)
    assert_inert(c.get(preview), HOSTILE_FILE)


def test_search_results_and_echoed_queries_are_escaped(hostile: Hostile) -> None:
    c = _client(hostile, "archivist")
    found = c.get("/search", params={"q": "海鸥 餐饮"})
    assert_inert(found, TITLE)
    assert 'class="total">1<' in found.text
    for q in (SCRIPT, IMG, f"海鸥{IMG}", JINJA, JS_URL):
        assert_inert(c.get("/search", params={"q": q}), q)


def test_quarantine_and_check_reports_are_escaped(hostile: Hostile) -> None:
    c = _client(hostile, "archivist")
    assert_inert(c.get("/quarantine"), HOSTILE_FILE)
    assert_inert(c.get(f"/quarantine/{hostile.quarantine_id}"), HOSTILE_FILE, f"备注{SCRIPT}")
    assert_inert(c.get("/admin/matters"), f"食品经营许可{IMG}")


def test_handover_pages_are_escaped(hostile: Hostile) -> None:
    for name in ("clerk", "archivist"):
        c = _client(hostile, name)
        assert_inert(c.get("/handover"), DEPT)
        assert_inert(c.get(f"/handover/{hostile.batch_id}"), f"光盘{SCRIPT}", TITLE)


def test_certificate_portal_is_escaped_for_anyone(hostile: Hostile) -> None:
    assert_inert(_client(hostile, None).get(f"/verify/{hostile.certificate_id}"), TITLE)


def test_login_never_redirects_to_a_script_url(hostile: Hostile) -> None:
    c = TestClient(hostile.app, follow_redirects=False)
    for target in (JS_URL, f"/{IMG}", "//evil.example/", "/\\evil.example", f"/records?x={SCRIPT}"):
        page = c.get("/login", params={"next": target})
        assert page.status_code == 200
        inspector = _Inspector()
        inspector.feed(page.text)
        assert not inspector.problems and SCRIPT not in page.text and "<img src=x" not in page.text
        response = login(c, "archivist", next_=target)
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), location
        c.cookies.clear()


def _pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    from dangan.core import PDFIUM

    with PDFIUM:
        document = pdfium.PdfDocument(data)
        try:
            return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        finally:
            document.close()


def test_report_and_handover_pdfs_carry_payloads_as_literal_text(hostile: Hostile) -> None:
    """PDF makers that take markup (reportlab paragraphs) must neither crash on nor interpret them."""
    archivist, clerk = _client(hostile, "archivist"), _client(hostile, "clerk")
    for client, url in (
        (archivist, f"/records/{hostile.record_id}/checks.pdf"),
        (archivist, f"/quarantine/{hostile.quarantine_id}/report.pdf"),
        (clerk, f"/handover/{hostile.batch_id}/form.pdf"),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf", url
        text = _pdf_text(response.content)
        assert SCRIPT in text or "<img src=x onerror=alert(1)>" in text, (url, text[:300])
    for url in (
        f"/records/{hostile.record_id}/checks.xlsx",
        f"/quarantine/{hostile.quarantine_id}/report.xlsx",
    ):
        response = archivist.get(url)
        assert response.status_code == 200 and response.content[:2] == b"PK", url
