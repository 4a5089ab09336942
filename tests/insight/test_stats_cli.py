"""`dangan stats` keeps the contract of DESIGN.md §4: one JSON document, exact counts as the --as user
sees them, and bad input refused with a Chinese message and exit status 2."""

from __future__ import annotations

import json

import pytest

from tests.cli.invoke import invoke
from tests.insight.material import SCJG, write_material

PASSWORD = "Correct-Horse-9\n"


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("stats-cli")
    write_material(root / "in", 30, seed=7)
    d = str(root / "data")
    assert invoke("import", str(root / "in"), "--data", d, "--json").returncode == 0
    for name, role, extra in (("keeper", "archivist", []), ("clerk", "clerk", ["--department", SCJG])):
        added = invoke("user", "add", name, "--role", role, "--clearance", "机密", *extra, "--password-stdin",
                       "--data", d, input=PASSWORD)  # fmt: skip
        assert added.returncode == 0, added.stderr
    return d


def test_stats_json_contract(data: str) -> None:
    done = invoke("stats", "--by", "month", "--as", "keeper", "--data", data, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert {"total", "rows"} <= set(doc) and doc["total"] == 36
    assert all(set(r) >= {"key", "label", "count", "median_days", "on_time_rate"} for r in doc["rows"])
    assert [r["key"] for r in doc["rows"]] == sorted(r["key"] for r in doc["rows"])
    assert sum(r["count"] for r in doc["rows"]) == 36

    mine = json.loads(invoke("stats", "--by", "department", "--as", "clerk", "--data", data, "--json").stdout)
    assert [r["key"] for r in mine["rows"]] == [SCJG] and mine["total"] < 36
    filtered = invoke("stats", "--by", "matter", "--matter", "企业设立登记", "--from", "2024", "--to", "2024-12",
                      "--as", "clerk", "--data", data, "--json")  # fmt: skip
    assert json.loads(filtered.stdout)["rows"] == [
        {"key": "企业设立登记", "label": "企业设立登记", "count": 3, "median_days": 6.0, "on_time_rate": 1.0}
    ]
    text = invoke("stats", "--by", "result", "--as", "keeper", "--data", data)
    assert text.returncode == 0 and "按审批结果统计" in text.stdout and "不予受理" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024-02-01", "--to", "2024-01-01"], "晚于截止日期"),
        (["--from", "2024-13-01"], "无法识别"),
        (["--department", "不存在的局"], "未知的部门"),
        (["--matter", "不存在的事项"], "未知的审批事项"),
        (["--district", "139999"], "未知的行政区划"),
        (["--industry", "Z99"], "未知的行业"),
        (["--by", "weekday"], "未知的统计维度"),
    ],
)
def test_bad_input_exits_2_with_a_chinese_message(data: str, args: list[str], message: str) -> None:
    done = invoke("stats", *args, "--as", "keeper", "--data", data, "--json")
    assert done.returncode == 2 and done.stdout == ""
    assert message in done.stderr
