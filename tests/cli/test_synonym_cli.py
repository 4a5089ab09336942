"""`dangan synonym`: an archivist adds a synonym from the shell and `dangan search` understands it; the
kind may be written in English or Chinese; only archivists change the table; the JSON is one document."""

from __future__ import annotations

from pathlib import Path

from dangan.cli.use.synonym_cmds import KINDS
from dangan.services.utilisation import SYNONYM_KIND_LABELS
from tests.cli.invoke import invoke
from tests.factories import package_dir
from tests.helpers import json_of

PASSWORD = "Dangan@2024\n"
DEPT = "秦皇岛市市场监督管理局"


def _setup(tmp_path: Path) -> str:
    data = str(tmp_path / "data")
    pkg = package_dir(tmp_path / "in", 620, department=DEPT)
    assert invoke("import", str(pkg), "--data", data).returncode == 0
    for name, role in (("keeper", "archivist"), ("clerk", "clerk")):
        extra = ["--department", DEPT] if role == "clerk" else []
        added = invoke(
            "user", "add", name, "--role", role, *extra, "--password-stdin", "--data", data, input=PASSWORD
        )
        assert added.returncode == 0, added.stderr
    return data


def test_set_search_list_remove(tmp_path: Path) -> None:
    data = _setup(tmp_path)

    def department() -> str | None:
        doc = json_of(invoke("search", "老工商的档案", "--as", "keeper", "--data", data, "--json"))
        value = doc["parsed"]["department"]
        assert value is None or isinstance(value, str)
        return value

    assert department() is None
    added = invoke(
        "synonym", "set", "部门别称", "老工商", "市场监督管理局", "--as", "keeper", "--data", data, "--json"
    )
    assert added.returncode == 0, added.stderr
    entry = json_of(added)
    assert (entry["kind"], entry["alias"], entry["source"], entry["updated_by"]) == (
        "departments", "老工商", "本馆添加", "keeper"
    )  # fmt: skip
    assert department() == DEPT
    listed = json_of(invoke("synonym", "list", "--kind", "departments", "--data", data, "--json"))["synonyms"]
    assert listed[0]["alias"] == "老工商" and {e["kind"] for e in listed} == {"departments"}
    assert any(e["alias"] == "工商局" and e["source"] == "系统默认" for e in listed)
    text = invoke("synonym", "list", "--kind", "部门别称", "--as", "keeper", "--data", data)
    assert text.returncode == 0 and "老工商\t→ 市场监督管理局\t本馆添加\tkeeper" in text.stdout
    removed = invoke("synonym", "remove", "departments", "老工商", "--as", "keeper", "--data", data)
    assert removed.returncode == 0 and "已删除本馆的部门别称“老工商”" in removed.stderr and not removed.stdout
    assert department() is None


def test_refusals_and_usage_errors(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    no_user = invoke("synonym", "set", "departments", "老工商", "市场监督管理局", "--data", data, "--json")
    assert no_user.returncode == 2 and "--as" in no_user.stderr and not no_user.stdout
    clerk = invoke(
        "synonym", "set", "departments", "老工商", "市场监督管理局", "--as", "clerk", "--data", data
    )
    assert clerk.returncode == 1 and "只有档案管理员可以维护检索同义词" in clerk.stderr
    clerk_list = invoke("synonym", "list", "--as", "clerk", "--data", data, "--json")
    assert clerk_list.returncode == 1 and not clerk_list.stdout
    bad_kind = invoke(
        "synonym", "set", "places", "老城", "海港区", "--as", "keeper", "--data", data, "--json"
    )
    assert bad_kind.returncode == 2 and "部门别称（departments）" in bad_kind.stderr and not bad_kind.stdout
    bad_code = invoke("synonym", "set", "industries", "馆子", "Z99", "--as", "keeper", "--data", data)
    assert bad_code.returncode == 2 and "不是有效的行业代码" in bad_code.stderr
    shipped = invoke("synonym", "remove", "departments", "工商局", "--as", "keeper", "--data", data)
    assert shipped.returncode == 2 and "不能删除" in shipped.stderr
    missing = invoke("synonym", "remove", "departments", "老工商", "--as", "keeper", "--data", data)
    assert missing.returncode == 1 and "本馆没有“老工商”这一部门别称" in missing.stderr


def test_a_note_and_an_override_are_reported(tmp_path: Path) -> None:
    data = _setup(tmp_path)
    ahead = invoke("synonym", "set", "departments", "老交通", "交通运输局", "--as", "keeper", "--data", data)
    assert ahead.returncode == 0 and "提示：目录中暂无名称含“交通运输局”的部门" in ahead.stderr
    over = invoke(
        "synonym", "set", "departments", "环保局", "市场监督管理局", "--as", "keeper", "--data", data
    )
    assert "覆盖系统默认“生态环境局”" in over.stderr
    back = json_of(invoke("synonym", "remove", "部门", "环保局", "--as", "keeper", "--data", data, "--json"))
    assert back["default_target"] == "生态环境局" and back["overrides"] is True


def test_the_cli_kinds_are_the_services() -> None:
    assert KINDS == SYNONYM_KIND_LABELS
