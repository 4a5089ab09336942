"""BagIt bags of case packages through `dangan import` and `dangan bag validate`, as users run them."""

from __future__ import annotations

from pathlib import Path

from dangan.core import load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.collect._bags import bag_of_package, zip_folder
from tests.conftest import VECTORS
from tests.factories import package_dir
from tests.helpers import json_of, run_dangan

SUITE = VECTORS / "bagit" / "conformance-suite"


def test_bags_and_zipped_bags_are_imported(archive: Archive, tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 21), tmp_path / "in" / "bag21")
    zipped = zip_folder(
        bag_of_package(package_dir(tmp_path / "src", 22), tmp_path / "b22"), tmp_path / "in" / "b22.zip"
    )
    report = import_paths(archive, [tmp_path / "in"])
    assert len(report.accepted) == 2 and not report.rejected, report.as_json()
    assert {o.origin for o in report.accepted} == {str(bag), str(zipped)}
    assert list(archive.staging.iterdir()) == []
    again = import_paths(archive, [bag, zipped])
    assert len(again.duplicates) == 2


def test_a_corrupted_bag_is_rejected_and_nothing_is_stored(archive: Archive, tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 23), tmp_path / "bag")
    pdf = next((bag / "data").glob("*.pdf"))
    good = pdf.read_bytes()
    pdf.write_bytes(good.replace(b"%PDF", b"%PDX", 1))
    report = import_paths(archive, [bag])
    assert not report.accepted
    reasons = report.as_json()["rejected"][0]["reasons"]
    assert {r["code"] for r in reasons} == {"bag_checksum_mismatch"}
    assert all(r["message"] for r in reasons)
    pdf.write_bytes(good)
    assert len(import_paths(archive, [bag]).accepted) == 1  # not a duplicate: nothing was kept before


def test_unpack_limits_come_from_the_archives_settings(tmp_path: Path) -> None:
    zipped = zip_folder(
        bag_of_package(package_dir(tmp_path / "src", 24), tmp_path / "bag"), tmp_path / "b.zip"
    )
    arc = open_archive(load_settings(tmp_path / "data", max_package_entries=3))
    try:
        report = import_paths(arc, [zipped])
    finally:
        arc.close()
    assert report.rejected[0].problems[0].code == "zip_too_many_entries"


def test_cli_bag_validate_json_contract(tmp_path: Path) -> None:
    valid = run_dangan("bag", "validate", str(SUITE / "v0.97/warning/made-with-md5sum-tools"), "--json")
    assert valid.returncode == 0, valid.stderr
    doc = json_of(valid)
    assert set(doc) == {"valid", "errors", "warnings"} and doc["valid"] is True and doc["errors"] == []
    assert doc["warnings"] and all(set(w) == {"code", "message", "path"} for w in doc["warnings"])
    assert {w["code"] for w in doc["warnings"]} == {"bag_manifest_binary_marker"}
    invalid = run_dangan(
        "bag", "validate", str(SUITE / "v0.97/invalid/corrupt-data-file"), "--json", "--fast"
    )
    assert invalid.returncode == 1
    assert {e["code"] for e in json_of(invalid)["errors"]} == {"bag_oxum_mismatch"}  # fast: no hashing
    full = run_dangan("bag", "validate", str(SUITE / "v0.97/invalid/corrupt-data-file"))
    assert full.returncode == 1 and "bag_checksum_mismatch" in full.stderr and not full.stdout.strip()


def test_cli_validates_a_zipped_bag_within_the_configured_limits(tmp_path: Path) -> None:
    zipped = zip_folder(
        bag_of_package(package_dir(tmp_path / "src", 25), tmp_path / "bag"), tmp_path / "b.zip"
    )
    ok = run_dangan("bag", "validate", str(zipped), "--json", "--data", str(tmp_path / "d"))
    assert ok.returncode == 0 and json_of(ok)["valid"] is True
    limited = run_dangan("bag", "validate", str(zipped), "--json", env={"DANGAN_MAX_PACKAGE_ENTRIES": "2"})
    assert limited.returncode == 1
    assert [e["code"] for e in json_of(limited)["errors"]] == ["zip_too_many_entries"]
    assert not (tmp_path / "d").exists()  # validating stores nothing


def test_cli_import_of_a_bag(tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "src", 26), tmp_path / "bag")
    proc = run_dangan("import", str(bag), "--json", "--data", str(tmp_path / "d"))
    assert proc.returncode == 0, proc.stderr
    assert len(json_of(proc)["accepted"]) == 1
    (bag / "data" / "case.json").write_text("{}", encoding="utf-8")
    proc = run_dangan("import", str(bag), "--json", "--data", str(tmp_path / "d"))
    assert proc.returncode == 1
    codes = {r["code"] for r in json_of(proc)["rejected"][0]["reasons"]}
    assert codes == {"bag_checksum_mismatch", "bag_oxum_mismatch"}
