"""The record page's 出证 form with 格式=OFD: the browser gets a sealed OFD, and the register's download
serves it as OFD again (not as a PDF by name)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

from fastapi.testclient import TestClient

from tests.web.conftest import WebEnv, csrf_of

Client = Callable[[str], TestClient]


def test_form_issues_an_ofd_and_the_download_keeps_its_kind(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("archivist")
    record_id = web_env.ids["a1"]
    page = c.get(f"/records/{record_id}")
    data = {"csrf_token": csrf_of(page.text), "purpose": "核验", "format": "ofd"}
    response = c.post(f"/records/{record_id}/certify", data=data)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/ofd" and response.content[:2] == b"PK"
    found = re.search(r"([0-9A-Z]{26})\.ofd", unquote(response.headers["content-disposition"]))
    assert found is not None
    again = c.get(f"/certificates/{found.group(1)}.pdf")
    assert again.status_code == 200 and again.headers["content-type"] == "application/ofd"
    assert again.content == response.content


def _verify_upload(c: TestClient, cert_id: str, ofd: bytes) -> str:
    token = csrf_of(c.get(f"/verify/{cert_id}").text)
    response = c.post(
        f"/verify/{cert_id}",
        data={"csrf_token": token},
        files={"file": ("收到的证明.ofd", ofd, "application/ofd")},
    )
    assert response.status_code == 200, response.text
    return response.text


def test_the_portal_verifies_an_uploaded_ofd_copy_by_its_seal_and_proof(
    web_env: WebEnv, as_user: Client
) -> None:
    import io
    import zipfile

    c = as_user("archivist")
    record_id = web_env.ids["a1"]
    page = c.get(f"/records/{record_id}")
    data = {"csrf_token": csrf_of(page.text), "purpose": "诉讼", "format": "ofd"}
    issued = c.post(f"/records/{record_id}/certify", data=data)
    assert issued.status_code == 200, issued.text
    found = re.search(r"([0-9A-Z]{26})\.ofd", unquote(issued.headers["content-disposition"]))
    assert found is not None
    cert_id = found.group(1)
    text = _verify_upload(c, cert_id, issued.content)
    assert "OFD 电子印章（SES 签章）" in text and "防篡改账本证明" in text
    assert "电子印章（SES 签章）和账本证明都通过了核验" in text and "未通过" not in text
    assert (
        web_env.archive.settings.fonds_name in text and "data:image/png;base64," in text
    )  # the seal's picture
    # One page's bytes changed (re-zipped as a forger would): the seal's digest and the proof both fail.
    src = zipfile.ZipFile(io.BytesIO(issued.content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename.endswith("Content.xml") and "Page_0" in info.filename:
                body = body.replace(b"</ofd:Page>", b"<!-- x --></ofd:Page>")
            dst.writestr(info, body)
    forged = _verify_upload(c, cert_id, out.getvalue())
    assert "未通过核验" in forged and "电子印章：未通过" in forged and "有效：上传的" not in forged
