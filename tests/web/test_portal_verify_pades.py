"""The public verify page judges an uploaded PDF on its two halves side by side — the PAdES signature
(signer, time, intact, whole file, trusted, expiry) and the ledger proof — and shows the seal; a forged,
edited, extended or unsigned file says which part failed and is never called 有效."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from reportlab.pdfgen import canvas

from dangan.services.certify import COVER_SEAL, sign_pdf
from dangan.store.crypto import create_local_ca
from tests.web.conftest import WebEnv, csrf_of, login

_SEAL = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def issued(web_env: WebEnv) -> tuple[bytes, str]:
    """A real certified copy, issued through the archivist's button as the portal tests do."""
    record_id = web_env.ids["a1"]
    with TestClient(web_env.app, follow_redirects=False) as c:
        assert login(c, "archivist").status_code == 303
        page = c.get(f"/records/{record_id}")
        response = c.post(
            f"/records/{record_id}/certify", data={"csrf_token": csrf_of(page.text), "purpose": "诉讼"}
        )
    assert response.status_code == 200, response.text
    with pikepdf.open(io.BytesIO(response.content)) as doc:
        cert_id = str(doc.docinfo["/Title"]).removeprefix("档案证明 ")
    return response.content, cert_id


def _upload(client: TestClient, cert_id: str, pdf: bytes) -> str:
    token = csrf_of(client.get(f"/verify/{cert_id}").text)
    response = client.post(
        f"/verify/{cert_id}",
        data={"csrf_token": token},
        files={"file": ("收到的证明.pdf", pdf, "application/pdf")},
    )
    assert response.status_code == 200, response.text
    return response.text


def _unsigned_part(pdf: bytes) -> bytes:
    """The copy as it was before its signature: body plus the proof's update."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        start = int(doc.Root.AcroForm.Fields[0].V.ByteRange[1])
    return pdf[: pdf.rindex(b"%%EOF", 0, start) + len(b"%%EOF\n")]


def _red(pixel: Any) -> bool:
    r, g, b = (int(v) for v in pixel)
    return r > 150 and g < 90 and b < 90


def _signed_body_end(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return int(doc.Root.AcroForm.Fields[0].V.ByteRange[1])


def test_a_genuine_copy_shows_signer_time_proof_and_seal_side_by_side(
    web_env: WebEnv, client: TestClient, issued: tuple[bytes, str]
) -> None:
    pdf, cert_id = issued
    text = _upload(client, cert_id, pdf)
    assert "有效" in text and "未通过" not in text and "不一致" not in text
    assert "PDF 数字签名（PAdES）" in text and "防篡改账本证明" in text
    fonds = web_env.archive.settings.fonds_name
    assert f'<th scope="row">签署者</th><td>{fonds}</td>' in text  # the name, not pyHanko's English labels
    assert "Common Name" not in text
    assert "签署时间" in text and "B-B 级" in text  # no time-stamping authority configured here
    assert "是：签名所覆盖的内容与签署时一致" in text and "是：证书链接到本馆的根证书" in text
    assert f'<td class="mono">{cert_id}</td>' in text  # the proof's certificate id, read from the file
    seal = _SEAL.search(text)
    assert seal, "the signature's seal appearance is shown"
    image = Image.open(io.BytesIO(base64.b64decode(seal.group(1)))).convert("RGB")
    red = sum(1 for x in range(image.width) for y in range(image.height) if _red(image.getpixel((x, y))))
    assert red > 200, "the seal drawn from the signature widget is red"


def test_an_edited_byte_fails_both_halves_and_is_never_valid(
    client: TestClient, issued: tuple[bytes, str]
) -> None:
    pdf, cert_id = issued
    changed = bytearray(pdf)
    at = pdf.index(b"stream", pdf.index(b"/Contents")) + 40  # page content: parseable, digest differs
    assert at < _signed_body_end(pdf)
    changed[at] ^= 0x01
    text = _upload(client, cert_id, bytes(changed))
    assert "有效" not in text and "未通过核验" in text
    assert "<li>PDF 数字签名：未通过</li>" in text and "<li>账本证明：未通过</li>" in text
    assert "签名之后内容已被改动" in text and "证明正文的 SHA-256 与账本登记不符" in text
    assert "无法判断：签名已损坏" in text and "签名者证书不受信任" not in text  # not blamed on the signer
    assert "与本馆登记的本证明文件不一致" in text


def test_bytes_appended_after_the_signature_fail_the_signature_only(
    client: TestClient, issued: tuple[bytes, str]
) -> None:
    pdf, cert_id = issued
    text = _upload(client, cert_id, pdf + b"\n% added after signing\n")
    assert "有效" not in text and "<li>PDF 数字签名：未通过</li>" in text
    assert "<li>账本证明：未通过</li>" not in text  # the proof's body is untouched: it is the signature
    assert "只覆盖前" in text


def test_a_copy_resigned_by_a_stranger_is_not_trusted(
    client: TestClient, issued: tuple[bytes, str], tmp_path: Path
) -> None:
    pdf, cert_id = issued
    stranger = create_local_ca(tmp_path / "elsewhere", "某伪造单位", "X999")
    forged = sign_pdf(_unsigned_part(pdf), stranger, seal_name="秦皇岛市行政审批档案馆", placement=COVER_SEAL,
                      reason="伪造")  # fmt: skip
    text = _upload(client, cert_id, forged)
    assert "有效" not in text and "<li>PDF 数字签名：未通过</li>" in text
    assert "某伪造单位" in text and "证书不能链接到本馆或已配置的可信根证书" in text
    assert _SEAL.search(text), "the forged seal is shown, next to the verdict that it proves nothing"


def test_an_unsigned_pdf_with_a_drawn_seal_has_neither_half(
    client: TestClient, issued: tuple[bytes, str]
) -> None:
    _pdf, cert_id = issued
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setStrokeColorRGB(0.8, 0, 0)
    c.setLineWidth(4)
    c.circle(300, 400, 60)  # a seal picture, no signature
    c.drawString(260, 400, "SEAL")
    c.showPage()
    c.save()
    text = _upload(client, cert_id, buf.getvalue())
    assert "有效" not in text and "未通过核验" in text
    assert (
        "PDF 数字签名：文件中没有可验证的数字签名" in text and "账本证明：文件中没有可读取的账本证明" in text
    )
    assert "文件中没有带印章外观的数字签名" in text and not _SEAL.search(text)
    garbage = _upload(client, cert_id, b"not a pdf at all")
    assert "有效" not in garbage and "未通过核验" in garbage
