"""The lifecycle's papers (销毁清册, 鉴定报告) carry the archive's PAdES signature with its seal at the foot
of the last page, as handover papers do: a receiving office's check accepts them, one edited byte fails."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
import pytest

from dangan.access import Principal, Role
from dangan.core import load_settings
from dangan.domain import SecurityLevel
from dangan.services.archive import Archive, open_archive
from dangan.services.certify import RECEIPT_SEAL, check_pades, signing_roots
from dangan.services.intake import import_paths
from dangan.services.lifecycle import (
    appraisal_report_pdf,
    approve,
    execute,
    propose,
    register_entries,
    register_pdf,
)
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年"}
ARCH1 = Principal("arch1", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
ARCH2 = Principal("arch2", Role.ARCHIVIST, clearance=SecurityLevel.SECRET)
HEAD = Principal("head", Role.DEPT_HEAD, department=DEPT, clearance=SecurityLevel.SECRET)


@dataclass
class Papers:
    archive: Archive
    register: bytes
    report: bytes


@pytest.fixture(scope="module")
def papers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Papers]:
    """One disposal run shared by the module's tests, which only read the two PDFs."""
    tmp_path = tmp_path_factory.mktemp("papers")
    archive = open_archive(load_settings(tmp_path / "data"))
    try:
        report = import_paths(archive, [package_dir(tmp_path / "in", 41, department=DEPT, **OLD)])
        record_id = str(report.accepted[0].record_id)
        batch = propose(archive, ARCH1, [record_id], "保管期限已满，无继续保存价值").id
        approve(archive, ARCH2, batch)
        approve(archive, HEAD, batch)
        execute(archive, ARCH1, batch, ["张监销", "李监销"])
        entries = register_entries(archive, None)
        assert [e.record_id for e in entries] == [record_id]
        yield Papers(archive, register_pdf(archive, entries), appraisal_report_pdf(archive, None, batch)[1])
    finally:
        archive.close()


def _signed_body_length(pdf: bytes) -> int:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return int(doc.Root.AcroForm.Fields[0].V.ByteRange[1])


@pytest.mark.parametrize("which", ["register", "report"])
def test_lifecycle_papers_carry_a_valid_whole_file_signature_with_the_seal_on_the_last_page(
    papers: Papers, which: str
) -> None:
    pdf: bytes = getattr(papers, which)
    verdict = check_pades(pdf, signing_roots(papers.archive.settings))
    assert verdict["ok"] is True, verdict["problems"]
    assert verdict["intact"] and verdict["trusted"] and verdict["whole_file"] and not verdict["expired"]
    assert papers.archive.settings.fonds_name in verdict["signer"]
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.check_pdf_syntax() == []
        field = doc.Root.AcroForm.Fields[0]
        assert field.FT == "/Sig" and field.V.SubFilter == "/ETSI.CAdES.detached"
        last = doc.pages[len(doc.pages) - 1]
        assert any(a.objgen == field.objgen for a in last.Annots)  # at the foot of the last page
        assert tuple(float(v) for v in field.Rect) == pytest.approx(RECEIPT_SEAL.box)
        assert "/N" in field.AP  # the red seal is the signature's appearance


@pytest.mark.parametrize("which", ["register", "report"])
def test_one_edited_byte_of_a_lifecycle_paper_fails_its_signature(papers: Papers, which: str) -> None:
    pdf: bytes = getattr(papers, which)
    signed = _signed_body_length(pdf)
    text = pdf.index(b"ReportLab")  # a byte the parser does not need: only the digest can notice it
    assert text < signed
    changed = bytearray(pdf)
    changed[text + 7] ^= 0x01
    verdict = check_pades(bytes(changed), signing_roots(papers.archive.settings))
    assert verdict["ok"] is False and verdict["intact"] is False
    assert any("改动" in p for p in verdict["problems"])
    structural = bytearray(pdf)  # anywhere else: unreadable or altered, but never valid
    structural[signed // 2] ^= 0x01
    verdict = check_pades(bytes(structural), signing_roots(papers.archive.settings))
    assert verdict["ok"] is False and verdict["problems"]


def test_lifecycle_papers_signed_by_a_stranger_are_not_trusted(papers: Papers) -> None:
    verdict = check_pades(papers.register, [])  # a reader that trusts no root at all
    assert verdict["ok"] is False and verdict["trusted"] is False and verdict["intact"] is True
