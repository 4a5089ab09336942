"""`dangan check PATH [--json]` as a user runs it: the contract, exit codes, folders and ZIPs."""

from __future__ import annotations

from pathlib import Path

from tests.checks.conftest import EICAR, add_file, write_eicar_database
from tests.cli.invoke import invoke
from tests.collect._bags import bag_of_package
from tests.factories import package_dir, rewrite_case_json, zip_package
from tests.helpers import json_of

CODES = ["1-1", "1-2", "1-3", "1-4", "1-5", "2-1", "2-2", "2-3", "2-4", "3-1", "3-2", "3-3", "3-4", "4-1", "4-2",
         "4-3"]  # fmt: skip


def test_check_json_on_a_good_folder_and_zip(tmp_path: Path) -> None:
    data = tmp_path / "data"
    pkg = package_dir(tmp_path / "in", 40)
    for target in (pkg, zip_package(pkg, tmp_path / "p.zip")):
        proc = invoke("check", str(target), "--json", "--data", str(data))
        assert proc.returncode == 0, proc.stderr
        doc = json_of(proc)
        assert doc["passed"] is True
        assert [i["code"] for i in doc["items"]] == CODES
        assert all({"code", "property", "verdict", "message"} <= set(i) for i in doc["items"])


def test_check_reports_failures_with_exit_1(tmp_path: Path) -> None:
    db = write_eicar_database(tmp_path / "sigs.ndb")
    pkg = package_dir(tmp_path / "in", 41)
    add_file(pkg, "附件.txt", EICAR, "其他材料")
    proc = invoke(
        "check", str(pkg), "--json", "--data", str(tmp_path / "data"), env={"DANGAN_CLAMAV_DB": str(db)}
    )
    assert proc.returncode == 1
    items = {i["code"]: i for i in json_of(proc)["items"]}
    assert items["4-1"]["verdict"] == "不通过" and "附件.txt" in items["4-1"]["message"]
    human = invoke("check", str(pkg), "--data", str(tmp_path / "data"), env={"DANGAN_CLAMAV_DB": str(db)})
    assert human.returncode == 1 and "4-1" in human.stderr and "检测未通过" in human.stderr


def test_check_of_a_package_that_does_not_open(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 42)
    rewrite_case_json(pkg, lambda d: d.pop("title"))
    proc = invoke("check", str(pkg), "--json", "--data", str(tmp_path / "data"))
    assert proc.returncode == 1
    items = {i["code"]: i for i in json_of(proc)["items"]}
    assert items["2-2"]["verdict"] == "不通过" and "题名" in items["2-2"]["message"]
    assert items["3-2"]["verdict"] == "不适用"


def test_unknown_stage_is_a_usage_error(tmp_path: Path) -> None:
    proc = invoke(
        "check", str(package_dir(tmp_path / "in", 43)), "--stage", "入库", "--data", str(tmp_path / "d")
    )
    assert proc.returncode == 2 and "检测环节" in proc.stderr


def test_import_json_lists_rejected_with_check_reasons(tmp_path: Path) -> None:
    pkg = package_dir(tmp_path / "in", 44)
    (pkg / "多余.txt").write_text("x")
    proc = invoke("import", str(pkg), "--json", "--data", str(tmp_path / "data"))
    assert proc.returncode == 1
    rejected = json_of(proc)["rejected"]
    assert rejected[0]["reasons"][0]["code"] == "check:2-4"
    assert rejected[0]["reasons"][-1]["code"] == "quarantined"


def test_check_of_a_bagit_bag_checks_its_payload(tmp_path: Path) -> None:
    bag = bag_of_package(package_dir(tmp_path / "in", 45), tmp_path / "bag")
    proc = invoke("check", str(bag), "--json", "--data", str(tmp_path / "data"))
    assert proc.returncode == 0, proc.stdout
    items = {i["code"]: i for i in json_of(proc)["items"]}
    assert items["2-4"]["verdict"] == "通过"  # bagit.txt and the manifests are not "unlisted files"
