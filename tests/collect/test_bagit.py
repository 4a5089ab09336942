"""BagIt validation on bags built here, one defect at a time (the suite covers the LoC's cases)."""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from pathlib import Path

import bagit as bagit_python  # type: ignore[import-untyped]  # cross-check only: the reference implementation, never used by the product
import pytest

from dangan.collect import BagInvalid, require_valid_bag, validate_bag
from tests.collect._bags import make_bag, write_tag_manifests, zip_folder

FILES = {"决定书.pdf": b"%PDF-1.7 decision", "附件/申请书.txt": "申请人：秦皇岛某某有限公司".encode()}


def _codes(path: Path, *, fast: bool = False) -> tuple[set[str], set[str]]:
    return validate_bag(path, fast=fast).codes()


def test_a_clean_bag_is_valid_without_warnings(tmp_path: Path) -> None:
    algs = ("md5", "sha1", "sha224", "sha256", "sha384", "sha512")
    report = validate_bag(make_bag(tmp_path / "b", FILES, algorithms=algs, tag_algorithms=algs))
    assert report.valid and not report.warnings
    assert (report.version, report.payload_files, report.payload_bytes) == (
        "1.0",
        2,
        sum(map(len, FILES.values())),
    )
    assert report.info["Source-Organization"] == ["秦皇岛市市场监督管理局"]


@pytest.mark.parametrize("encoding", ["UTF-16", "ISO-8859-1", "UTF-8"])
def test_tag_files_are_read_in_the_declared_encoding(tmp_path: Path, encoding: str) -> None:
    files = {"café.txt": b"x"} if encoding == "ISO-8859-1" else {"卷宗.txt": b"x", "café.txt": b"y"}
    bag = make_bag(tmp_path / "b", files, encoding=encoding, info=[("Contact-Name", "José")])
    report = validate_bag(bag)
    assert report.valid and not report.warnings, report.errors
    assert report.info["Contact-Name"] == ["José"]


def test_tag_file_that_does_not_decode_is_an_error(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    (bag / "manifest-sha256.txt").write_bytes(
        f"{hashlib.sha256(b'a').hexdigest()}  data/卷.txt\n".encode("gbk")
    )
    assert "bag_tag_file_encoding" in _codes(bag)[0]


def test_utf8_bom_in_a_tag_file_is_a_warning_but_in_bagit_txt_an_error(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    manifest = bag / "manifest-sha256.txt"
    manifest.write_bytes(b"\xef\xbb\xbf" + manifest.read_bytes())
    write_tag_manifests(bag)
    assert _codes(bag) == (set(), {"bag_tag_file_bom"})
    (bag / "bagit.txt").write_bytes(b"\xef\xbb\xbf" + (bag / "bagit.txt").read_bytes())
    assert "bag_declaration_bom" in _codes(bag)[0]


def test_percent_encoded_cr_lf_and_percent_in_paths(tmp_path: Path) -> None:
    files = {"a%b.txt": b"1", "line\nbreak.txt": b"2", "cr\rname.txt": b"3", "%0A.txt": b"4"}
    bag = make_bag(tmp_path / "b", files)
    manifest = (bag / "manifest-sha256.txt").read_text(encoding="utf-8")
    assert "%0A" in manifest and "%25" in manifest and "%250A" in manifest
    assert validate_bag(bag).valid


def test_bags_before_1_0_list_percent_signs_literally(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"50%.txt": b"x", "%7Edir/a.txt": b"y"}, version="0.97")
    assert validate_bag(bag).valid


def test_bag_info_continuation_lines_and_separators(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"}, version="0.97")
    (bag / "bag-info.txt").write_text(
        "External-Description: 第一行\n  第二行\n\tand more\nTest : 3\nTest:   4\nPayload-Oxum: 1.1\n",
        encoding="utf-8",
    )
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert report.valid and not report.warnings
    assert report.info["External-Description"] == ["第一行 第二行 and more"]
    assert report.info["Test"] == ["3", "4"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("  orphan continuation\n", "bag_info_malformed"), ("no separator here\n", "bag_info_malformed"),
     ("Payload-Oxum: 12 bytes\n", "bag_oxum_malformed"), ("Payload-Oxum: 99.1\n", "bag_oxum_mismatch")],
)  # fmt: skip
def test_bad_bag_info(tmp_path: Path, text: str, code: str) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"}, oxum=False)
    (bag / "bag-info.txt").write_text(text, encoding="utf-8")
    write_tag_manifests(bag)
    assert code in _codes(bag)[0]


def test_holey_bag_is_incomplete_until_fetched(tmp_path: Path) -> None:
    fetch = ["https://example.org/bag/data/b.txt 1 data/b.txt"]
    bag = make_bag(tmp_path / "b", {"a.txt": b"a", "b.txt": b"b"}, fetch=fetch)
    assert validate_bag(bag).valid  # all present: fetch.txt is only a hint
    (bag / "data" / "b.txt").unlink()
    errors, _ = _codes(bag)
    assert "bag_fetch_pending" in errors and "bag_file_missing" not in errors


@pytest.mark.parametrize(
    ("line", "code"),
    [("not-a-url - data/a.txt", "bag_fetch_malformed"), ("https://x.org/a 12x data/a.txt", "bag_fetch_malformed"),
     ("https://x.org/c - data/c.txt", "bag_fetch_unlisted"), ("https://x.org/c - bag-info.txt", "bag_fetch_outside_payload"),
     ("https://x.org/c - ../../etc/passwd", "bag_unsafe_path"), ("https://x.org/c - /etc/passwd", "bag_unsafe_path")],
)  # fmt: skip
def test_bad_fetch_lines(tmp_path: Path, line: str, code: str) -> None:
    assert code in _codes(make_bag(tmp_path / "b", {"a.txt": b"a"}, fetch=[line]))[0]


def test_completeness_and_fixity_errors(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", FILES, algorithms=("sha256", "sha512"))
    (bag / "data" / "决定书.pdf").write_bytes(b"%PDF-1.7 DECISION")  # same size, other bytes
    (bag / "data" / "附件" / "申请书.txt").unlink()
    (bag / "data" / "多出来的.txt").write_bytes(b"x")
    report = validate_bag(bag)
    errors, _ = report.codes()
    assert {"bag_checksum_mismatch", "bag_file_missing", "bag_file_unlisted", "bag_oxum_mismatch"} <= errors
    mismatch = [e for e in report.errors if e.code == "bag_checksum_mismatch"]
    assert {e.path for e in mismatch} == {"data/决定书.pdf"} and len(mismatch) == 2  # one per algorithm


def test_every_manifest_must_list_every_file(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", FILES, algorithms=("sha256", "md5"))
    lines = (bag / "manifest-md5.txt").read_text(encoding="utf-8").splitlines(keepends=True)
    (bag / "manifest-md5.txt").write_text(lines[0], encoding="utf-8")
    write_tag_manifests(bag)
    assert _codes(bag)[0] == {"bag_file_not_in_manifest"}


@pytest.mark.parametrize(
    "listed",
    ["../outside.txt", "data/../../outside.txt", "/etc/passwd", "~/x", "~root/x", "C:\\x", "data\\..\\x"],
)
def test_paths_escaping_the_bag_are_refused_before_use(tmp_path: Path, listed: str) -> None:
    (tmp_path / "outside.txt").write_bytes(b"secret")
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    with (bag / "manifest-sha256.txt").open("a", encoding="utf-8") as f:
        f.write(f"{hashlib.sha256(b'secret').hexdigest()}  {listed}\n")
    write_tag_manifests(bag)
    report = validate_bag(bag)
    assert "bag_unsafe_path" in report.codes()[0]
    assert report.payload_files == 1


def test_symlinks_in_the_payload_are_refused(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    os.symlink("/etc/hostname", bag / "data" / "link")
    assert "bag_symlink" in _codes(bag)[0]


def test_fast_mode_skips_payload_hashing_but_not_completeness(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"aaaa", "b.txt": b"b"})
    (bag / "data" / "a.txt").write_bytes(b"AAAA")
    assert validate_bag(bag, fast=True).valid
    assert "bag_checksum_mismatch" in _codes(bag)[0]
    (bag / "data" / "b.txt").unlink()
    assert {"bag_file_missing", "bag_oxum_mismatch"} <= _codes(bag, fast=True)[0]


def test_fast_mode_without_oxum_says_so(tmp_path: Path) -> None:
    assert _codes(make_bag(tmp_path / "b", {"a.txt": b"a"}, oxum=False), fast=True) == (
        set(),
        {"bag_oxum_absent"},
    )


def test_unknown_algorithms_and_versions(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    (bag / "manifest-blake3.txt").write_text("00  data/a.txt\n", encoding="utf-8")
    assert _codes(bag) == (set(), {"bag_algorithm_unsupported"})
    (bag / "manifest-sha256.txt").unlink()
    assert "bag_no_manifest" in _codes(bag)[0]
    (bag / "bagit.txt").write_text(
        "BagIt-Version: 2.0\nTag-File-Character-Encoding: UTF-8\n", encoding="utf-8"
    )
    assert _codes(bag)[0] == {"bag_version_unsupported"}


def test_not_a_bag(tmp_path: Path) -> None:
    assert _codes(tmp_path / "nothing")[0] == {"bag_not_found"}
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    assert _codes(tmp_path / "f.txt")[0] == {"bag_not_directory"}
    (tmp_path / "d").mkdir()
    assert _codes(tmp_path / "d")[0] == {"bag_declaration_missing"}


def test_unicode_normalisation_between_manifest_and_disk(tmp_path: Path) -> None:
    nfc_name = unicodedata.normalize("NFC", "Núñez.txt")
    bag = make_bag(tmp_path / "b", {nfc_name: b"x"})
    os.rename(bag / "data" / nfc_name, bag / "data" / unicodedata.normalize("NFD", nfc_name))
    assert _codes(bag) == (set(), {"bag_name_normalization"})
    (bag / "data" / nfc_name).write_bytes(b"x")
    assert "bag_name_conflict" in _codes(bag)[0]


def test_undecodable_file_names_are_reported_readably(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", {"a.txt": b"a"})
    with open(os.path.join(os.fsencode(bag / "data"), b"\xff\xfe.bin"), "wb") as f:
        f.write(b"x")
    report = validate_bag(bag)
    assert "bag_file_unlisted" in report.codes()[0]
    json.dumps(report.as_json(), ensure_ascii=False).encode("utf-8")  # printable, no lone surrogates


def test_a_zip_of_a_bag_is_validated_after_safe_unpacking(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", FILES)
    assert validate_bag(zip_folder(bag, tmp_path / "top.zip")).valid
    assert validate_bag(zip_folder(bag, tmp_path / "flat.zip", top_folder=False)).valid
    (bag / "data" / "决定书.pdf").write_bytes(b"tampered")
    assert "bag_checksum_mismatch" in _codes(zip_folder(bag, tmp_path / "bad.zip"))[0]
    (bag / "bagit.txt").unlink()
    assert "missing_case_json" in _codes(zip_folder(bag, tmp_path / "nobag.zip"))[0]


def test_require_valid_bag_raises_with_every_error(tmp_path: Path) -> None:
    bag = make_bag(tmp_path / "b", FILES)
    for f in (bag / "data").rglob("*.pdf"):
        f.write_bytes(b"changed")
    with pytest.raises(BagInvalid) as caught:
        require_valid_bag(bag)
    assert caught.value.code == "bag_invalid" and caught.value.status == 422
    assert {p.code for p in caught.value.problems} == {"bag_checksum_mismatch", "bag_oxum_mismatch"}


def test_cross_check_with_bagit_python(tmp_path: Path) -> None:
    """Bags made by the reference implementation validate here, and ours validate there."""
    theirs = tmp_path / "theirs"
    (theirs / "子目录").mkdir(parents=True)
    (theirs / "子目录" / "文件 1.txt").write_text("内容", encoding="utf-8")
    (theirs / "b.bin").write_bytes(os.urandom(3000))
    bagit_python.make_bag(str(theirs), {"Contact-Name": "张三"}, checksums=["sha256", "sha512"])
    assert validate_bag(theirs).valid and not validate_bag(theirs).warnings
    ours = make_bag(tmp_path / "ours", FILES, algorithms=("sha256", "md5"))
    assert bagit_python.Bag(str(ours)).is_valid()
    (theirs / "data" / "b.bin").write_bytes(b"tampered")
    assert not validate_bag(theirs).valid and not bagit_python.Bag(str(theirs)).is_valid()
