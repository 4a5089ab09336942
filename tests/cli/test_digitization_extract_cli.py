"""`dangan digitize propose|confirm|classifier` as a user runs them: one JSON document, Chinese messages,
exit 0 / 1 (not found, not allowed) / 2 (bad input, nothing changed)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import json_of, run_dangan
from tests.services.digitization_helpers import DOC_NUMBER, decision_lines, scanned_case, text_page

PASSWORD = "Correct-Horse-9\n"


def test_propose_confirm_and_classifier_through_the_cli(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    scanned_case(
        tmp_path / "in", 4311, [text_page(["准予行政许可决定书", *decision_lines()], size=(900, 360))]
    )
    imported = json_of(run_dangan("import", str(tmp_path / "in"), "--data", data, "--json"))
    record_id = imported["accepted"][0]["record_id"]
    for name, role, extra in (
        ("arch", "archivist", ["--clearance", "秘密"]),
        ("stranger", "clerk", ["--department", "某县自然资源和规划局"]),
    ):
        added = run_dangan("user", "add", name, "--role", role, *extra, "--password-stdin", "--data", data,
                           input=PASSWORD)  # fmt: skip
        assert added.returncode == 0, added.stderr
    ran = run_dangan("digitize", "run", record_id, "--as", "arch", "--data", data, "--json")
    assert ran.returncode == 0, ran.stderr

    shown = run_dangan("digitize", "propose", record_id, "--as", "arch", "--data", data, "--json")
    assert shown.returncode == 0, shown.stderr
    fields = {f["field"]: f for f in json_of(shown)["fields"]}
    number = next(p for p in fields["doc_number"]["proposals"] if p["value"] == DOC_NUMBER)
    assert number["box"] and number["page"] == 1 and fields["doc_number"]["label"] == "文号"
    human = run_dangan("digitize", "propose", record_id, "--as", "arch", "--data", data)
    assert "文号" in human.stdout and DOC_NUMBER in human.stdout

    bad = run_dangan("digitize", "confirm", record_id, "--set", "uscc=91130302MA0C8K4L30", "--as", "arch",
                     "--data", data)  # fmt: skip
    assert bad.returncode == 2 and "统一社会信用代码" in bad.stderr and "未做任何更改" in bad.stderr
    confirmed = run_dangan("digitize", "confirm", record_id, "--set", "文号=秦市监许〔2024〕78号", "--note", "更正",
                           "--as", "arch", "--data", data, "--json")  # fmt: skip
    assert confirmed.returncode == 0, confirmed.stderr
    doc = json_of(confirmed)
    assert doc["version"] == 1 and doc["history"][0]["changes"][0]["corrected"]
    refused = run_dangan(
        "digitize", "confirm", record_id, "--set", "文号=X", "--as", "stranger", "--data", data
    )
    missing = run_dangan("digitize", "confirm", "01ZZZZZZZZZZZZZZZZZZZZZZZZ", "--set", "文号=X", "--as", "stranger",
                         "--data", data)  # fmt: skip
    assert refused.returncode == missing.returncode == 1 and refused.stderr == missing.stderr

    too_few = run_dangan("digitize", "classifier", "train", "--as", "arch", "--data", data)
    assert too_few.returncode == 2 and "太少" in too_few.stderr, "one record cannot train a classifier"
    status = run_dangan("digitize", "classifier", "status", "--as", "arch", "--data", data, "--json")
    assert status.returncode == 0 and json_of(status) == {"matter": None, "category": None}
    assert "尚未训练" in run_dangan("digitize", "classifier", "status", "--as", "arch", "--data", data).stdout
