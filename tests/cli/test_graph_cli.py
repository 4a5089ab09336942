"""`dangan graph related|enterprise|rebuild` as a user runs them: the JSON contract of DESIGN.md §4,
Chinese messages, exit 0 / 1 (nothing the user may see) / 2 (bad input, a name naming several nodes)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.services.graph_helpers import uscc

PASSWORD = "Correct-Horse-9\n"
A = uscc("91130302MA0C8K4L3")
B = uscc("91130302MA0C8K4M3")


def test_graph_commands_keep_the_contract(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    people = {"legal_representative": "张伟"}  # no ID number: two people of one name
    for seed, name, code in ((1, "甲公司", A), (2, "乙公司", B)):
        package_dir(tmp_path / "in", seed, applicant={"name": name, "type": "企业", "uscc": code, **people},
                    security_level="内部", open_to_public=False)  # fmt: skip
    imported = invoke("import", str(tmp_path / "in"), "--data", data, "--json")
    assert imported.returncode == 0, imported.stderr
    added = invoke("user", "add", "keeper", "--role", "archivist", "--clearance", "机密", "--password-stdin",
                   "--data", data, input=PASSWORD)  # fmt: skip
    assert added.returncode == 0, added.stderr

    shown = invoke("graph", "related", A, "--as", "keeper", "--hops", "2", "--data", data, "--json")
    assert shown.returncode == 0, shown.stderr
    doc = json.loads(shown.stdout)
    assert {"center", "nodes", "edges"} <= set(doc)
    assert doc["center"] == {"id": A, "kind": "enterprise", "label": "甲公司"}
    assert all(set(n) == {"id", "kind", "label"} for n in doc["nodes"])
    assert all({"kind", "from", "to", "records"} <= set(e) and e["records"] for e in doc["edges"])
    person = next(n for n in doc["nodes"] if n["kind"] == "person")
    assert person["label"] == "张伟" and person["id"].startswith("person:")
    assert {n["kind"] for n in doc["nodes"]} >= {"enterprise", "record", "person", "matter", "department"}

    ambiguous = invoke("graph", "related", "张伟", "--as", "keeper", "--data", data, "--json")
    assert ambiguous.returncode == 2 and ambiguous.stdout == ""
    assert "2 个图谱节点" in ambiguous.stderr and person["id"] in ambiguous.stderr
    by_id = invoke("graph", "related", person["id"], "--as", "keeper", "--data", data, "--json")
    assert json.loads(by_id.stdout)["center"]["id"] == person["id"]

    public = invoke("graph", "related", A, "--data", data, "--json")
    assert public.returncode == 1 and "无权查看" in public.stderr, "the public reads no 内部 record"
    assert invoke("graph", "related", A, "--hops", "3", "--as", "keeper", "--data", data).returncode == 2

    view = invoke("graph", "enterprise", A, "--as", "keeper", "--data", data, "--json")
    assert view.returncode == 0, view.stderr
    enterprise = json.loads(view.stdout)
    assert enterprise["enterprise"]["id"] == A and len(enterprise["approvals"]) == 1
    assert {"licences", "representatives", "addresses", "changes", "related", "names"} <= set(enterprise)
    human = invoke("graph", "enterprise", A, "--as", "keeper", "--data", data)
    assert "甲公司" in human.stdout and "法定代表人：张伟" in human.stdout

    rebuilt = invoke("graph", "rebuild", "--data", data, "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert json.loads(rebuilt.stdout)["records"] == 2
    again = invoke("graph", "related", A, "--as", "keeper", "--hops", "2", "--data", data, "--json")
    assert json.loads(again.stdout) == doc
