"""Our PDF/A checker agrees with the veraPDF corpus samples (manifest in ../shared/vectors/docs/pdf/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pikepdf
import pytest

from dangan.digitize import check_pdfa
from tests.conftest import VECTORS
from tests.factories import package_dir

PDF_DIR = VECTORS / "docs" / "pdf"
MANIFEST = json.loads((PDF_DIR / "manifest.json").read_text(encoding="utf-8"))["files"]
# Only the clauses the checker covers may appear in the manifest: a new sample for another clause
# must be looked at (and the checker extended) before it counts as agreement.
COVERED = {"6.1.2", "6.1.3", "6.1.4", "6.7.2", "6.7.11"}


def _clause(entry: dict[str, str]) -> str:
    found = re.findall(r"/(\d+(?:\.\d+)+) ", entry["corpus_path"])  # the innermost folder's clause
    assert found, entry
    return str(found[-1])


def test_every_sample_is_for_a_covered_clause_of_pdfa_1b() -> None:
    assert len(MANIFEST) >= 10
    assert {_clause(e) for e in MANIFEST} <= COVERED
    assert all(e["corpus_path"].startswith("PDF_A-1b/") for e in MANIFEST)


@pytest.mark.parametrize("entry", MANIFEST, ids=lambda e: e["file"])
def test_verdict_agrees_with_verapdf_expectation(entry: dict[str, str]) -> None:
    report = check_pdfa(PDF_DIR / entry["file"], part=1)
    clause = _clause(entry)
    if entry["expected"].startswith("pass"):
        assert report.passed, report.as_json()
    else:
        assert entry["expected"].startswith("fail")
        assert not report.passed
        # rejected for the clause the sample is about, not by accident for another one
        assert report.failed(clause), (clause, report.as_json())
        assert {f.clause for f in report.failures} == {clause}, report.as_json()


def test_declared_part_is_used_when_none_is_given() -> None:
    report = check_pdfa(PDF_DIR / "PDFA-1b_6-1-4-t03-fail-a.pdf")
    assert report.part == 1 and report.failed("6.1.4")


def test_cross_reference_streams_are_allowed_from_part_2() -> None:
    report = check_pdfa(PDF_DIR / "PDFA-1b_6-1-4-t03-fail-a.pdf", part=2)
    assert not report.failed("6.1.4")
    assert report.failed("6.7.11")  # it declares part 1, not 2


def test_a_plain_demo_pdf_fails_metadata_fonts_and_identification(tmp_path: Path) -> None:
    pdf = package_dir(tmp_path, 3) / "决定书.pdf"
    report = check_pdfa(pdf, part=2)
    clauses = {f.clause for f in report.failures}
    assert {"6.6.2.1", "6.2.11.4"} <= clauses, report.as_json()
    assert any("STSong-Light" in f.message for f in report.failures)


def test_encryption_and_javascript_are_rejected(tmp_path: Path) -> None:
    src = PDF_DIR / "PDFA-1b_6-1-3-t01-pass-a.pdf"
    with pikepdf.open(src) as pdf:
        pdf.save(tmp_path / "enc.pdf", encryption=pikepdf.Encryption(owner="o", user=""))
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        pdf.save(tmp_path / "js.pdf")
    enc = check_pdfa(tmp_path / "enc.pdf", part=1)
    assert enc.failed("6.1.3") and any("加密" in f.message for f in enc.failures)
    js = check_pdfa(tmp_path / "js.pdf", part=1)
    assert js.failed("6.6.1")


def test_header_not_at_offset_zero_fails_6_1_2(tmp_path: Path) -> None:
    data = (PDF_DIR / "PDFA-1b_6-1-3-t01-pass-a.pdf").read_bytes()
    (tmp_path / "shifted.pdf").write_bytes(b"\n" + data)
    assert check_pdfa(tmp_path / "shifted.pdf", part=1).failed("6.1.2")
