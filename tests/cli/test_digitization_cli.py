"""`dangan digitize run|status|show` as a user runs them: one JSON document, Chinese messages, 0/1/2."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from tests.helpers import json_of, run_dangan
from tests.services.digitization_helpers import RARE_WORD, decision_lines, scanned_case, text_page

PASSWORD = "Correct-Horse-9\n"


def test_run_status_and_show_through_the_cli(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    scanned_case(tmp_path / "in", 4303, [text_page(decision_lines()), Image.new("RGB", (1, 1))])
    imported = json_of(run_dangan("import", str(tmp_path / "in"), "--data", data, "--json"))
    record_id = imported["accepted"][0]["record_id"]
    for name, role, extra in (
        ("arch", "archivist", []),
        ("stranger", "clerk", ["--department", "某县自然资源和规划局"]),
    ):
        added = run_dangan("user", "add", name, "--role", role, *extra, "--password-stdin", "--data", data,
                           input=PASSWORD)  # fmt: skip
        assert added.returncode == 0, added.stderr

    usage = run_dangan("digitize", "run", "--as", "arch", "--data", data)
    assert usage.returncode == 2 and "--all" in usage.stderr

    ran = run_dangan("digitize", "run", record_id, "--as", "arch", "--data", data, "--json")
    doc = json_of(ran)
    assert ran.returncode == 1, "a failed page is a problem found: exit 1"
    assert doc["pages_failed"] == 1 and doc["pages_read"] >= 2
    assert {f["status"] for f in doc["files"]} <= {"done", "failed"}

    status = json_of(
        run_dangan("digitize", "status", str(doc["batch"]), "--as", "arch", "--data", data, "--json")
    )
    assert status["finished"] and status["pages"]["failed"] == 1

    shown = run_dangan("digitize", "show", record_id, "--as", "arch", "--data", data, "--json")
    assert shown.returncode == 0, shown.stderr
    pages = [p for f in json_of(shown)["files"] for p in f["page_results"]]
    assert any(RARE_WORD in (p["ocr"] or {}).get("text", "").replace(" ", "") for p in pages)
    assert any(p["status"] == "failed" and p["error"] for p in pages)

    refused = run_dangan("digitize", "show", record_id, "--as", "stranger", "--data", data, "--json")
    missing = run_dangan("digitize", "show", "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "--as", "stranger", "--data", data)
    assert refused.returncode == missing.returncode == 1
    assert refused.stdout == "" and refused.stderr == missing.stderr, "not allowed reads as not found"
    denied = run_dangan("digitize", "run", record_id, "--as", "stranger", "--data", data)
    assert denied.returncode == 1 and "档案管理员" in denied.stderr
