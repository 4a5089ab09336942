"""The CLI contract of DESIGN.md §4: --data, --json (one JSON document on stdout), exit codes 0/1/2.

The tests named `..._in_a_process` run the real `python -m dangan`, so that stdout, stderr and the exit
status are those a calling script sees; the others run the same app in this process (`invoke`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.invoke import invoke
from tests.factories import package_dir, rewrite_case_json
from tests.helpers import json_of, run_dangan


def test_import_json_contract_and_exit_codes_in_a_process(tmp_path: Path) -> None:
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
    proc = invoke("import", "--json", str(package_dir(tmp_path / "in", 3)), env={"DANGAN_HOME": str(home)})
    assert proc.returncode == 0, proc.stderr
    assert (home / "catalog.db").exists()


def test_search_json_contract_and_as_user(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 4, security_level="内部", open_to_public=False)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert invoke("import", "--data", data, str(pkg)).returncode == 0
    assert invoke("user", "add", "arc", "--role", "archivist", "--clearance", "秘密", "--password-stdin",
                      "--data", data, input="Secret-123\n").returncode == 0  # fmt: skip
    name = doc["applicant"]["name"]
    as_archivist = json_of(invoke("search", name, "--as", "arc", "--json", "--data", data))
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
        "department",
        "matter",
        "decided_at",
        "snippet",
        "highlights",
        "shared",  # another department's record: its sharing type (null for one's own)
    }
    assert (hit["source_system"], hit["source_id"]) == (doc["source_system"], doc["source_id"])
    assert {"keywords", "time_from", "time_to", "district", "department", "matter", "industry"} <= set(
        as_archivist["parsed"]
    )
    anonymous = json_of(invoke("search", name, "--json", "--data", data))
    assert anonymous["total"] == 0 and anonymous["hits"] == []


def test_user_add_errors_are_usage_errors_in_a_process(tmp_path: Path) -> None:
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


def test_unknown_user_for_as_in_a_process(tmp_path: Path) -> None:
    proc = run_dangan("search", "许可", "--as", "nobody", "--json", "--data", str(tmp_path / "d"))
    assert proc.returncode == 1 and "不存在" in proc.stderr and proc.stdout == ""


def test_json_is_one_document_with_progress_on_stderr_in_a_process(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkgs = [str(package_dir(tmp_path / "in", n)) for n in (5, 6)]
    proc = run_dangan("import", "--data", data, "--json", *pkgs, env={"DANGAN_PROGRESS": "1"})
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["accepted"]) == 2  # the whole of stdout is one document
    assert "2/2" in proc.stderr  # the progress bar went to stderr


@pytest.mark.parametrize(
    "args",
    [
        ["handover", "list"],
        ["handover", "show", "B1"],
        ["request", "list"],
        ["request", "create", "--purpose", "核实"],
        ["request", "approve", "R1"],
    ],
)
def test_a_command_that_acts_for_a_user_needs_as(tmp_path: Path, args: list[str]) -> None:
    proc = invoke(*args, "--json", "--data", str(tmp_path / "data"))
    assert proc.returncode == 2 and "--as" in proc.stderr and "用户" in proc.stderr and proc.stdout == ""


def test_certify_without_as_is_a_usage_error(tmp_path: Path) -> None:
    proc = invoke("certify", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "--out", str(tmp_path / "c.pdf"),
                  "--data", str(tmp_path / "data"))  # fmt: skip
    assert proc.returncode == 2 and "--as" in proc.stderr and not (tmp_path / "c.pdf").exists()
