"""`dangan request` end to end: a reader files a request, the department head lists it
as pending, a rejection without a reason is a usage error, approval makes `search --as` find the record."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of

PASSWORD = "Dangan@2024\n"
DEPT = "秦皇岛市市场监督管理局"


def test_request_cli_round_trip(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 610, department=DEPT, security_level="内部", open_to_public=False)
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    imported = json_of(invoke("import", str(pkg), "--data", data, "--json"))
    code, record_id = imported["accepted"][0]["archival_code"], imported["accepted"][0]["record_id"]
    for args in (["reader1", "--role", "reader"], ["head", "--role", "dept_head", "--department", DEPT]):
        added = invoke("user", "add", *args, "--password-stdin", "--data", data, input=PASSWORD)
        assert added.returncode == 0, added.stderr
    word = doc["title"][:6]

    def hits() -> list[str]:
        found = json_of(invoke("search", word, "--as", "reader1", "--data", data, "--json"))
        return [h["record_id"] for h in found["hits"]]

    assert hits() == []
    created = invoke("request", "create", "--as", "reader1", "--purpose", "核实许可依据", "--code", code,
                         "--days", "7", "--data", data, "--json")  # fmt: skip
    assert created.returncode == 0, created.stderr
    rid = json_of(created)["id"]
    pending = json_of(invoke("request", "list", "--as", "head", "--pending", "--data", data, "--json"))
    assert [(r["id"], r["resolved"]) for r in pending["requests"]] == [(rid, [record_id])]
    no_reason = invoke("request", "reject", rid, "--as", "head", "--data", data, "--json")
    assert no_reason.returncode == 2 and "理由" in no_reason.stderr
    selfish = invoke("request", "approve", rid, "--as", "reader1", "--data", data, "--json")
    assert selfish.returncode == 1 and not selfish.stdout
    approved = json_of(
        invoke("request", "approve", rid, "--as", "head", "--days", "3", "--data", data, "--json")
    )
    assert approved["status"] == "已批准" and approved["records"] == [
        {"record_id": record_id, "archival_code": code}
    ]
    assert hits() == [record_id]
    mine = json_of(invoke("request", "list", "--as", "reader1", "--data", data, "--json"))
    assert [r["status"] for r in mine["requests"]] == ["已批准"]
