"""Each check item on real demo packages: what passes, and each way a package fails or warns."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from dangan.checks import (
    DEFAULT_ACCEPTED,
    REGISTRY,
    CheckConfig,
    CheckReport,
    Outcome,
    PackageInput,
    Stage,
    Verdict,
    default_scheme,
    run_scheme,
)
from dangan.checks.authenticity import metadata_accuracy
from dangan.checks.context import CheckContext
from dangan.collect import parse_case
from dangan.domain import SecurityLevel
from tests.factories import demo_case

from .conftest import EICAR, add_file, as_input, edit_case, item_of, run


def _jpeg(size: tuple[int, int] = (400, 300)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (240, 240, 230)).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _pdf(encrypt: object = None) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, encrypt=encrypt)
    pdf.drawString(100, 700, "hello")
    pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _verdicts(report: CheckReport, *codes: str) -> dict[str, str]:
    return {c: item_of(report, c).verdict.value for c in codes}


def test_a_demo_package_passes_every_blocking_item(pkg: Path) -> None:
    report = run(pkg)
    assert report.passed, [i.as_json() for i in report.failures]
    assert item_of(report, "1-3").verdict is Verdict.PASS
    assert item_of(report, "1-4").verdict is Verdict.PASS
    assert item_of(report, "3-3").evidence["formats"]["决定书.pdf"]["puid"] in {"fmt/17", "fmt/18"}
    assert item_of(report, "2-3").verdict is Verdict.NOT_APPLICABLE  # no materials rule configured


def test_changed_bytes_fail_the_hash_item(pkg: Path) -> None:
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    with open(pkg / doc["files"][0]["path"], "ab") as f:
        f.write(b"\n% appended")
    item = item_of(run(pkg), "1-3")
    assert item.verdict is Verdict.FAIL and doc["files"][0]["path"] in item.evidence["hash_mismatch"]


def test_missing_hash_warns_and_wrong_extension_fails(pkg: Path) -> None:
    edit_case(pkg, lambda d: d["files"][0].pop("sha256"))
    assert item_of(run(pkg), "1-3").verdict is Verdict.WARN
    add_file(pkg, "照片.pdf", _jpeg(), "现场照片")
    item = item_of(run(pkg), "1-3")
    assert item.verdict is Verdict.FAIL and item.evidence["extension_mismatch"] == ["照片.pdf"]


def test_metadata_accuracy(pkg: Path) -> None:
    edit_case(pkg, lambda d: d.update(doc_number="某某文件"))
    assert item_of(run(pkg), "1-2").verdict is Verdict.WARN  # 文号 not of the form 代字〔年份〕号
    edit_case(pkg, lambda d: d.update(decided_at="2099-01-01"))
    assert item_of(run(pkg), "1-2").verdict is Verdict.FAIL
    edit_case(pkg, lambda d: d["applicant"].update(uscc="91130302MA0000000X"))
    report = run(pkg)  # case.json no longer validates at all
    assert _verdicts(report, "1-2", "3-1", "2-2") == {"1-2": "不通过", "3-1": "不通过", "2-2": "不通过"}


def test_wrong_uscc_check_character_is_named() -> None:
    case = demo_case(0)
    meta = parse_case(case.case)
    uscc = meta.applicant.uscc
    assert uscc
    bad = uscc[:17] + ("0" if uscc[17] != "0" else "1")
    meta = dataclasses.replace(meta, applicant=dataclasses.replace(meta.applicant, uscc=bad))
    ctx = CheckContext(PackageInput(Path("."), case.case, meta, ()), CheckConfig(DEFAULT_ACCEPTED))
    outcome = metadata_accuracy(ctx)
    assert outcome.verdict is Verdict.FAIL and "校验位" in outcome.message


def test_decision_must_carry_the_doc_number_and_applicant(pkg: Path) -> None:
    edit_case(pkg, lambda d: d.update(doc_number="秦市监许〔2025〕99999号"))
    item = item_of(run(pkg), "1-4")
    assert item.verdict is Verdict.FAIL and "99999" in item.message
    assert list(item.evidence["missing"]) == ["doc_number"]
    edit_case(pkg, lambda d: d["applicant"].update(name="另一家公司"))
    assert set(item_of(run(pkg), "1-4").evidence["missing"]) == {"doc_number", "applicant.name"}


def test_scanned_decision_without_text_warns(pkg: Path) -> None:
    def to_scan(d: dict[str, Any]) -> None:
        entry = next(f for f in d["files"] if f["role"] == "决定书")
        entry.pop("sha256")
        entry["path"] = "决定书.jpg"

    edit_case(pkg, to_scan)
    (pkg / "决定书.pdf").unlink()
    (pkg / "决定书.jpg").write_bytes(_jpeg())
    report = run(pkg)
    assert item_of(report, "1-4").verdict is Verdict.WARN
    assert item_of(report, "3-2").verdict is Verdict.PASS


def test_symlink_inside_the_package_fails_structure(pkg: Path, tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("x")
    os.symlink(tmp_path / "outside.txt", pkg / "link.txt")
    item = item_of(run(pkg), "1-5")
    assert item.verdict is Verdict.FAIL and item.evidence["symlinks"] == ["link.txt"]


def test_declared_totals_must_match(pkg: Path) -> None:
    edit_case(pkg, lambda d: d["extra"].update(file_count=99))
    item = item_of(run(pkg), "2-1")
    assert item.verdict is Verdict.FAIL and "件数登记 99" in item.message
    report = run(pkg, expected={"files": 3, "bytes": 1})  # a handover form's totals win over case.json
    assert item_of(report, "2-1").evidence["declared"] == {"files": 3, "bytes": 1}


def test_missing_recommended_metadata_warns(pkg: Path) -> None:
    edit_case(pkg, lambda d: d.pop("district"))
    item = item_of(run(pkg), "2-2")
    assert item.verdict is Verdict.WARN and "行政区划" in item.message


def test_required_materials_rule(pkg: Path) -> None:
    matter = json.loads((pkg / "case.json").read_text(encoding="utf-8"))["matter"]["name"]
    ok = run(pkg, required_materials={matter: ("申请书", "决定书")})
    assert item_of(ok, "2-3").verdict is Verdict.PASS
    bad = run(pkg, required_materials={matter: ("申请书", "决定书", "卫星图")})
    item = item_of(bad, "2-3")
    assert item.verdict is Verdict.FAIL and item.evidence["missing"] == ["卫星图"]
    assert not bad.passed
    other = run(pkg, required_materials={"别的事项": ("卫星图",)})
    assert item_of(other, "2-3").verdict is Verdict.NOT_APPLICABLE and other.passed


def test_empty_file_fails_content_integrity(pkg: Path) -> None:
    add_file(pkg, "空白.pdf", b"", "其他材料")
    assert item_of(run(pkg), "2-3").verdict is Verdict.FAIL


def test_listed_and_unlisted_files(pkg: Path) -> None:
    (pkg / "多余.pdf").write_bytes(_pdf())
    (pkg / ".DS_Store").write_bytes(b"junk")  # system junk is ignored, not refused
    item = item_of(run(pkg), "2-4")
    assert item.verdict is Verdict.FAIL and item.evidence["unlisted"] == ["多余.pdf"]
    assert item.evidence["ignored"] == [".DS_Store"]
    (pkg / "多余.pdf").unlink()
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    (pkg / doc["files"][0]["path"]).unlink()
    item = item_of(run(pkg), "2-4")
    assert item.verdict is Verdict.FAIL and item.evidence["missing"] == [doc["files"][0]["path"]]


def test_files_that_do_not_open(pkg: Path) -> None:
    add_file(pkg, "坏文件.pdf", b"%PDF-1.4\nthis is not a pdf body", "其他材料")
    add_file(pkg, "截断.jpg", _jpeg((1200, 900))[:4000], "现场照片")
    item = item_of(run(pkg), "3-2")
    assert item.verdict is Verdict.FAIL
    assert set(item.evidence["broken"]) == {"坏文件.pdf", "截断.jpg"}


def test_formats_outside_the_accepted_list(pkg: Path) -> None:
    add_file(pkg, "说明.txt", "办理说明".encode(), "其他材料")
    assert item_of(run(pkg), "3-3").verdict is Verdict.WARN  # plain text: identified by extension only
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
        zf.writestr("[Content_Types].xml", "<Types/>")
    add_file(pkg, "报告.docx", buf.getvalue(), "其他材料")
    item = item_of(run(pkg), "3-3")
    assert item.verdict is Verdict.FAIL and "报告.docx" in item.message
    narrow = run(pkg, accepted_formats=frozenset({"x-fmt/111"}))
    assert item_of(narrow, "3-3").verdict is Verdict.FAIL and "决定书.pdf" in item_of(narrow, "3-3").message


def test_encryption_and_archives_inside(pkg: Path) -> None:
    from reportlab.lib.pdfencrypt import StandardEncryption

    add_file(pkg, "加密.pdf", _pdf(StandardEncryption("", ownerPassword="owner")), "其他材料")
    report = run(pkg)
    assert item_of(report, "3-4").evidence["problems"] == {"加密.pdf": "PDF 已加密"}
    assert item_of(report, "3-2").verdict is Verdict.PASS  # opens without a password, but is encrypted
    add_file(pkg, "锁定.pdf", _pdf("secret"), "其他材料")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", "a")
    add_file(pkg, "附件.zip", buf.getvalue(), "其他材料")
    report = run(pkg)
    problems = item_of(report, "3-4").evidence["problems"]
    assert set(problems) == {"加密.pdf", "锁定.pdf", "附件.zip"}
    assert "密码" in item_of(report, "3-2").evidence["broken"]["锁定.pdf"]


def test_executable_content_fails(pkg: Path) -> None:
    add_file(pkg, "setup.exe", b"MZ\x90\x00" + b"\x00" * 200, "其他材料")
    item = item_of(run(pkg), "4-2")
    assert item.verdict is Verdict.FAIL and "setup.exe" in item.evidence["executables"]


def test_eicar_is_caught_by_clamav(pkg: Path, eicar_db: str) -> None:
    clean = run(pkg, clamav_db=eicar_db)
    assert item_of(clean, "4-1").verdict is Verdict.PASS
    add_file(pkg, "说明.txt", EICAR, "其他材料")
    report = run(pkg, clamav_db=eicar_db)
    item = item_of(report, "4-1")
    assert item.verdict is Verdict.FAIL, item.message
    assert item.evidence["found"] == {"说明.txt": "Dangan.Test.EICAR.UNOFFICIAL"}
    assert not report.passed


def test_eicar_in_an_unlisted_file_is_caught_too(pkg: Path, eicar_db: str) -> None:
    (pkg / "hidden").mkdir()
    (pkg / "hidden" / "x.bin").write_bytes(b"padding" + EICAR)
    assert "hidden/x.bin" in item_of(run(pkg, clamav_db=eicar_db), "4-1").evidence["found"]


def test_scanner_unavailable_warns_instead_of_blocking(pkg: Path, tmp_path: Path) -> None:
    report = run(pkg, clamscan="no-such-clamscan-here")
    assert item_of(report, "4-1").verdict is Verdict.WARN and report.passed
    missing = run(pkg, clamav_db=str(tmp_path / "none.ndb"))
    item = item_of(missing, "4-1")
    assert "不存在" in item.evidence["reason"] and "none.ndb" not in item.message


def test_open_records_must_be_public(pkg: Path) -> None:
    package = as_input(pkg)
    assert package.metadata is not None
    meta = dataclasses.replace(package.metadata, open_to_public=True, security_level=SecurityLevel.INTERNAL)
    wrong = dataclasses.replace(package, metadata=meta)
    report = run_scheme(default_scheme(Stage.ARCHIVING), wrong, CheckConfig(DEFAULT_ACCEPTED))
    assert item_of(report, "4-3").verdict is Verdict.FAIL
    meta = dataclasses.replace(meta, security_level=SecurityLevel.PUBLIC)
    report = run_scheme(default_scheme(Stage.ARCHIVING), dataclasses.replace(package, metadata=meta),
                        CheckConfig(DEFAULT_ACCEPTED))  # fmt: skip
    assert item_of(report, "4-3").verdict is Verdict.WARN  # personal data in an open record


def test_an_item_that_crashes_is_reported_not_raised(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(ctx: CheckContext) -> Outcome:
        raise RuntimeError("坏了")

    monkeypatch.setitem(REGISTRY, "2-2", dataclasses.replace(REGISTRY["2-2"], run=boom))
    item = item_of(run(pkg), "2-2")
    assert item.verdict is Verdict.FAIL and "坏了" in item.message
