"""OFD (GB/T 33190): every sample of ../shared/vectors/docs/ofd opens; signatures are found and their
digests recomputed, so a change after signing is caught."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from dangan.checks import OfdError, Verdict, read_ofd
from tests.conftest import VECTORS

from .conftest import add_file, item_of, run

OFD_DIR = VECTORS / "docs" / "ofd"
SAMPLES = sorted(OFD_DIR.glob("*.ofd"))
SIGNED = {"ofdrw-sign__DigitalSign.ofd", "ofdrw-sign__v4signed.ofd", "ofdrw-reader__SESV4SignDoc.ofd"}


def test_the_vectors_are_there() -> None:
    assert len(SAMPLES) == 10


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_sample_opens_with_its_pages_and_text(sample: Path) -> None:
    doc = read_ofd(sample)
    assert doc.pages >= 1
    assert doc.text.strip()
    assert not doc.encrypted
    assert (sample.name in SIGNED) == bool(doc.signatures)
    for sig in doc.signatures:
        assert sig.references > 0 and not sig.mismatched and not sig.unchecked


def test_integrity_entries_are_noticed() -> None:
    assert read_ofd(OFD_DIR / "ofdrw-crypto__hello-integrity.ofd").integrity_entries


def _rewrite(src: Path, dest: Path, change: dict[str, bytes | None]) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in change:
                data = change[info.filename]
                if data is not None:
                    zout.writestr(info.filename, data)
            else:
                zout.writestr(info, zin.read(info))
    return dest


def test_broken_ofds_are_refused(tmp_path: Path) -> None:
    src = OFD_DIR / "ofdrw-reader__helloworld.ofd"
    with pytest.raises(OfdError, match=r"OFD\.xml"):
        read_ofd(_rewrite(src, tmp_path / "no-entry.ofd", {"OFD.xml": None}))
    with pytest.raises(OfdError, match="页面"):
        read_ofd(_rewrite(src, tmp_path / "no-page.ofd", {"Doc_0/Pages/Page_0/Content.xml": None}))
    with pytest.raises(OfdError, match="XML"):
        read_ofd(_rewrite(src, tmp_path / "bad-xml.ofd", {"Doc_0/Document.xml": b"<ofd:Document"}))
    (tmp_path / "not-zip.ofd").write_bytes(b"PK\x03\x04 but not really")
    with pytest.raises(OfdError):
        read_ofd(tmp_path / "not-zip.ofd")


def test_ofd_in_a_package_opens_and_is_an_accepted_format(pkg: Path) -> None:
    add_file(pkg, "证照.ofd", (OFD_DIR / "ofdrw-reader__helloworld.ofd").read_bytes(), "其他材料")
    report = run(pkg)
    assert item_of(report, "3-2").evidence["opened"]["证照.ofd"] == {"kind": "ofd", "pages": 1}
    fmt = item_of(report, "3-3").evidence["formats"]["证照.ofd"]
    assert fmt["puid"] == "dangan-fmt/ofd" and fmt["pronom"] == "x-fmt/263"
    assert item_of(report, "1-1").verdict is Verdict.NOT_APPLICABLE
    assert report.passed


def test_signed_ofd_is_reported_and_warned_as_unverified(pkg: Path) -> None:
    add_file(pkg, "签名.ofd", (OFD_DIR / "ofdrw-sign__DigitalSign.ofd").read_bytes(), "其他材料")
    item = item_of(run(pkg), "1-1")
    assert item.verdict is Verdict.WARN
    assert item.evidence["signatures"]["签名.ofd"][0]["method"] == "SM3"


def test_ofd_changed_after_signing_fails(pkg: Path, tmp_path: Path) -> None:
    src = OFD_DIR / "ofdrw-sign__DigitalSign.ofd"
    with zipfile.ZipFile(src) as zf:
        page = zf.read("Doc_0/Pages/Page_0/Content.xml").replace("你好呀".encode(), "改过了".encode())
    tampered = _rewrite(src, tmp_path / "t.ofd", {"Doc_0/Pages/Page_0/Content.xml": page})
    add_file(pkg, "签名.ofd", tampered.read_bytes(), "其他材料")
    item = item_of(run(pkg), "1-1")
    assert item.verdict is Verdict.FAIL
    assert item.evidence["signatures"]["签名.ofd"][0]["mismatched"] == ["/Doc_0/Pages/Page_0/Content.xml"]


def test_encrypted_ofd_entries_fail_usability(pkg: Path, tmp_path: Path) -> None:
    src = tmp_path / "enc.ofd"
    shutil.copy(OFD_DIR / "ofdrw-reader__helloworld.ofd", src)
    data = bytearray(src.read_bytes())
    # Set the "encrypted" flag bit in every local and central directory header.
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (i := data.find(sig, start)) != -1:
            data[i + offset] |= 0x01
            start = i + 4
    add_file(pkg, "加密.ofd", bytes(data), "其他材料")
    report = run(pkg)
    assert "加密" in item_of(report, "3-4").evidence["problems"]["加密.ofd"]
