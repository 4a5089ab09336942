"""The CLI contract of DESIGN.md §4: --data, --json (one JSON document on stdout), exit codes 0/1/2."""

from __future__ import annotations

import json
from pathlib import Path

from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of, run_dangan


def test_import_json_contract_and_exit_codes(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    good = package_dir(tmp_path / "in", 1)
    bad = package_dir(tmp_path / "in", 2)
    rewrite_case_json(bad, lambda d: d.pop("title"))
    first = run_dangan("import", "--data", data, "--json", str(good), str(bad))
    assert first.returncode == 1, first.stderr
    doc = json_of(first)
    assert set(doc) == {"accepted", "duplicates", "rejected"}
    assert set(doc["accepted"][0]) == {"source_system", "source_id", "record_id", "archival_code"}
    assert doc["rejected"][0]["path"] == str(bad)
    assert {"code": "missing_field", "field": "title"}.items() <= doc["rejected"][0]["reasons"][0].items()
    again = run_dangan("import", "--data", data, "--json", str(good))
    assert again.returncode == 0
    dup = json_of(again)["duplicates"]
    assert dup == [{k: doc["accepted"][0][k] for k in ("source_system", "source_id", "record_id")}]


def test_data_dir_from_environment(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = run_dangan(
        "import", "--json", str(package_dir(tmp_path / "in", 3)), env={"DANGAN_HOME": str(home)}
    )
    assert proc.returncode == 0, proc.stderr
    assert (home / "catalog.db").exists()


def test_search_json_contract_and_as_user(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 4, security_level="内部", open_to_public=False)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert run_dangan("import", "--data", data, str(pkg)).returncode == 0
    assert run_dangan("user", "add", "arc", "--role", "archivist", "--clearance", "秘密", "--password-stdin",
                      "--data", data, input="Secret-123\n").returncode == 0  # fmt: skip
    name = doc["applicant"]["name"]
    as_archivist = json_of(run_dangan("search", name, "--as", "arc", "--json", "--data", data))
    assert as_archivist["total"] == 1
    hit = as_archivist["hits"][0]
    assert set(hit) == {
        "record_id",
        "source_system",
        "source_id",
        "archival_code",
        "title",
        "score",
        "matched",
    }
    assert (hit["source_system"], hit["source_id"]) == (doc["source_system"], doc["source_id"])
    assert {"keywords", "time_from", "time_to", "district", "department", "matter", "industry"} <= set(
        as_archivist["parsed"]
    )
    anonymous = json_of(run_dangan("search", name, "--json", "--data", data))
    assert anonymous["total"] == 0 and anonymous["hits"] == []


def test_user_add_errors_are_usage_errors(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    no_stdin = run_dangan("user", "add", "x", "--role", "archivist", "--data", data)
    assert no_stdin.returncode == 2
    bad_role = run_dangan(
        "user", "add", "x", "--role", "boss", "--password-stdin", "--data", data, input="Secret-123\n"
    )
    assert bad_role.returncode == 2 and "未知角色" in bad_role.stderr
    weak = run_dangan(
        "user", "add", "x", "--role", "archivist", "--password-stdin", "--data", data, input="123\n"
    )
    assert weak.returncode == 2 and "密码" in weak.stderr
    clerk = run_dangan(
        "user", "add", "c", "--role", "clerk", "--password-stdin", "--data", data, input="Secret-123\n"
    )
    assert clerk.returncode == 2 and "部门" in clerk.stderr


def test_unknown_user_for_as(tmp_path: Path) -> None:
    proc = run_dangan("search", "许可", "--as", "nobody", "--json", "--data", str(tmp_path / "d"))
    assert proc.returncode == 1 and "不存在" in proc.stderr and proc.stdout == ""
