"""Every bag of the Library of Congress BagIt conformance suite gets the suite's verdict.

Labels (vectors/bagit/README.md): valid must pass; invalid must fail with a reason; warning must pass
with at least one warning; linux-only are invalid on POSIX. windows-only bags (drive letters, UNC,
%HomeDrive%) are not asserted by the suite on POSIX; we refuse them everywhere, because an archive
outlives the system it was checked on and such a path escapes the bag as soon as a Windows tool opens it.

The expected codes are pinned per bag, so a change in what we report is a deliberate one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dangan.collect import validate_bag
from tests.conftest import VECTORS

SUITE = VECTORS / "bagit"
ENTRIES: list[dict[str, Any]] = json.loads((SUITE / "manifest.json").read_text(encoding="utf-8"))

# Error codes each invalid bag must be rejected with (the reason the suite made it invalid).
INVALID_BECAUSE = {
    "v0.97/invalid/baginfo-missing-encoding": {"bag_encoding_missing"},
    "v0.97/invalid/bom-in-bagit.txt": {"bag_declaration_bom"},
    "v0.97/invalid/corrupt-data-file": {"bag_checksum_mismatch"},
    "v0.97/invalid/corrupt-tag-file": {"bag_tag_checksum_mismatch"},
    "v0.97/invalid/extra-file-in-bag": {"bag_file_unlisted"},
    "v0.97/invalid/invalid-version-number": {"bag_version_invalid"},
    "v0.97/invalid/missing-baginfo": {"bag_tag_file_missing"},
    "v0.97/invalid/missing-bagit.txt": {"bag_declaration_missing"},
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation": {"bag_unsafe_path"},
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch": {"bag_unsafe_path"},
    "v0.97/invalid/same-filename-listed-twice-with-different-hashes": {"bag_conflicting_entry"},
    "v1.0/invalid/bagit-with-invalid-whitespace": {"bag_declaration_malformed"},
    "v1.0/invalid/notAllManifestsListAllFiles": {"bag_file_unlisted"},
    "v1.0/invalid/same-filename-listed-twice-with-different-hashes": {"bag_conflicting_entry"},
    "v1.0/invalid/same-filename-listed-twice-with-the-same-hash": {"bag_duplicate_entry"},
}
# Warnings, exactly; any bag not listed must produce none.
WARNINGS = {
    "v0.96/valid/bag-with-leading-dot-slash-in-manifest": {"bag_path_not_normalized"},
    "v0.97/valid/bag-with-leading-dot-slash-in-manifest": {"bag_path_not_normalized"},
    "v0.97/warning/duplicate-file-with-different-case": {"bag_duplicate_entry_case"},
    "v0.97/warning/made-with-md5sum-tools": {"bag_manifest_binary_marker"},
    "v0.97/warning/relative-path": {"bag_path_not_normalized"},
    "v0.97/warning/same-filename-listed-twice-with-different-normalization": {
        "bag_duplicate_entry_normalization"
    },
    "v0.97/warning/same-filename-listed-twice-with-the-same-hash": {"bag_duplicate_entry"},
    "v0.97/warning/special-system-files": {
        "bag_system_file",
        "bag_system_file_missing",
        "bag_oxum_system_files",
    },
}


def _name(entry: dict[str, Any]) -> str:
    return entry["path"].removeprefix("conformance-suite/")


def test_the_suite_is_all_there() -> None:
    labels = [e["suite_label"] for e in ENTRIES]
    assert len(ENTRIES) == 60
    assert {lab: labels.count(lab) for lab in set(labels)} == {
        "valid": 27, "invalid": 15, "warning": 6, "linux-only": 6, "windows-only": 6,
    }  # fmt: skip
    assert set(INVALID_BECAUSE) == {_name(e) for e in ENTRIES if e["suite_label"] == "invalid"}


@pytest.mark.parametrize("entry", ENTRIES, ids=_name)
def test_conformance_bag_gets_the_suites_verdict(entry: dict[str, Any]) -> None:
    name, label = _name(entry), entry["suite_label"]
    report = validate_bag(SUITE / entry["path"])
    errors, warnings = report.codes()
    if label in ("valid", "warning"):
        assert report.valid, f"{name}: {[e.message for e in report.errors]}"
        assert warnings == WARNINGS.get(name, set())
        if label == "warning":
            assert report.warnings
    elif label == "invalid":
        assert not report.valid
        assert INVALID_BECAUSE[name] <= errors, f"{name}: {errors}"
    else:  # linux-only (invalid on POSIX) and windows-only (refused everywhere, see the docstring)
        assert not report.valid
        assert "bag_unsafe_path" in errors
    for issue in report.errors + report.warnings:
        assert issue.message and any("\u4e00" <= ch <= "\u9fff" for ch in issue.message)
    assert report.as_json()["valid"] is report.valid


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["suite_label"] == "valid"], ids=_name)
def test_fast_mode_agrees_on_valid_bags(entry: dict[str, Any]) -> None:
    assert validate_bag(SUITE / entry["path"], fast=True).valid
