"""`dangan search-eval` replays a judged set through the CLI, and `--simulate` shows learning at work;
`dangan reindex` brings the embedded engine in step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dangan.demo import generate_cases, write_case
from tests.cli.invoke import invoke
from tests.helpers import json_of


def _archive(tmp_path: Path) -> tuple[Path, list[dict[str, Any]]]:
    cases = []
    for demo_case in generate_cases(24, seed=41):
        write_case(demo_case, tmp_path / "in")
        cases.append(demo_case.case)
    data = tmp_path / "data"
    assert invoke("import", str(tmp_path / "in"), "--data", str(data)).returncode == 0
    user = invoke("user", "add", "judge", "--role", "archivist", "--clearance", "机密", "--password-stdin",
                  "--data", str(data), input="Eval-Ranking#2024x\n")  # fmt: skip
    assert user.returncode == 0, user.stderr
    return data, cases


def test_search_eval_measures_and_learns(tmp_path: Path) -> None:
    data, cases = _archive(tmp_path)
    matter = str(cases[0]["matter"]["name"])
    judged = tmp_path / "judged.jsonl"
    lines = [
        {"query": matter, "relevant": [c["source_id"] for c in cases if c["matter"]["name"] == matter]},
        {"query": f"{cases[1]['applicant']['name']}", "relevant": [cases[1]["source_id"]]},
    ]
    judged.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8")
    done = invoke(
        "search-eval", str(judged), "--as", "judge", "--simulate", "3", "--data", str(data), "--json"
    )
    assert done.returncode == 0, done.stderr
    report = json_of(done)
    assert report["before"]["queries"] == 2
    assert report["before"]["f1"] == 1.0  # a matter and a company name: exactly their records
    assert report["simulated_sessions"] == 6 and report["after"]["ndcg@10"] >= report["before"]["ndcg@10"]
    judged.write_text("not json\n", encoding="utf-8")
    bad = invoke("search-eval", str(judged), "--as", "judge", "--data", str(data))
    assert bad.returncode == 2 and "第 1 行" in bad.stderr


def test_reindex_reports_the_engine_in_step(tmp_path: Path) -> None:
    data, cases = _archive(tmp_path)
    done = invoke("reindex", "--rebuild", "--data", str(data), "--json")
    assert done.returncode == 0, done.stderr
    report = json_of(done)
    assert report["engine"] is True and report["pending"] == 0 and report["documents"] == len(cases)
