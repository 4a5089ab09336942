"""The enterprise 360° page, the graph view and their API: one enterprise's approvals across departments
for whoever may read them, only his own department's for a clerk, and an enterprise he knows only from
records he may not read answering exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from tests.services.graph_helpers import add_case, id_number, uscc
from tests.web.conftest import PASSWORD, login

DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
SHARED = uscc("91130302MA0C8G1A2")  # registered in A, permitted in B
ONLY_B = uscc("91130302MA0C8G2B2")  # known to B only
MISSING = uscc("91130302MA0C8G3C2")  # nowhere
SHARED_NAME = "全景测试实业有限公司"
ONLY_B_NAME = "仅生态环境局可见有限公司"
REP = {"legal_representative": "赵全景", "id_number": id_number("13030219750101002")}


@dataclass
class Env:
    archive: Archive
    records: dict[str, str]
    client_of: dict[str, TestClient]


def _applicant(name: str, code: str) -> dict[str, str]:
    return {"name": name, "type": "企业", "uscc": code, **REP}


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("graph-web")
    archive = open_archive(load_settings(root / "data"))
    common = {"security_level": "内部", "open_to_public": False}
    records = {
        "a": add_case(archive, root, 501, department=DEPT_A, applicant=_applicant(SHARED_NAME, SHARED),
                      matter={"code": "SCJG-XK-101", "name": "食品经营许可"}, **common),
        "b": add_case(archive, root, 502, department=DEPT_B, applicant=_applicant(SHARED_NAME, SHARED),
                      matter={"code": "STHJ-XK-201", "name": "排污许可证核发"}, **common),
        "b_only": add_case(archive, root, 503, department=DEPT_B, applicant=_applicant(ONLY_B_NAME, ONLY_B),
                           matter={"code": "STHJ-XK-201", "name": "排污许可证核发"}, **common),
    }  # fmt: skip
    add_user(archive, "keeper", PASSWORD, "archivist", clearance="秘密")
    add_user(archive, "clerk_a", PASSWORD, "clerk", department=DEPT_A)
    app = create_app(archive)
    clients = {}
    for name in ("keeper", "clerk_a"):
        c = TestClient(app, follow_redirects=False)
        assert login(c, name, PASSWORD).status_code == 303
        clients[name] = c
    try:
        yield Env(archive, records, clients)
    finally:
        for c in clients.values():
            c.close()
        archive.close()


def test_the_360_page_lists_the_approvals_of_both_departments(env: Env) -> None:
    page = env.client_of["keeper"].get(f"/graph/enterprise/{SHARED}")
    assert page.status_code == 200, page.text[-2000:]
    html = page.text
    assert SHARED_NAME in html and SHARED in html
    assert DEPT_A in html and DEPT_B in html
    assert f'href="/records/{env.records["a"]}"' in html and f'href="/records/{env.records["b"]}"' in html
    assert "审批时间线" in html and "许可证及有效期" in html and "关联企业" in html
    # the enterprise sharing the representative is related, and links to its own 360° page
    assert f'href="/graph/enterprise/{ONLY_B}"' in html


def test_a_clerk_sees_only_his_department_and_a_hidden_enterprise_is_not_found(env: Env) -> None:
    c = env.client_of["clerk_a"]
    html = c.get(f"/graph/enterprise/{SHARED}").text
    assert f"/records/{env.records['a']}" in html
    assert env.records["b"] not in html and env.records["b_only"] not in html
    assert DEPT_B not in html and ONLY_B not in html and ONLY_B_NAME not in html
    hidden, missing = c.get(f"/graph/enterprise/{ONLY_B}"), c.get(f"/graph/enterprise/{MISSING}")
    assert hidden.status_code == 404
    assert (hidden.status_code, hidden.content) == (missing.status_code, missing.content)
    api_hidden = c.get(f"/api/v1/graph/enterprise/{ONLY_B}")
    api_missing = c.get(f"/api/v1/graph/enterprise/{MISSING}")
    assert api_hidden.status_code == 404
    assert (api_hidden.status_code, api_hidden.content) == (api_missing.status_code, api_missing.content)
    rel_hidden = c.get("/api/v1/graph/related", params={"center": ONLY_B})
    rel_missing = c.get("/api/v1/graph/related", params={"center": MISSING})
    assert rel_hidden.status_code == rel_missing.status_code == 404
    assert rel_hidden.text.replace(ONLY_B, "X") == rel_missing.text.replace(MISSING, "X")  # echoes the query


def test_the_api_contract(env: Env) -> None:
    c = env.client_of["keeper"]
    doc = c.get("/api/v1/graph/related", params={"center": SHARED, "hops": 2}).json()
    assert {"center", "nodes", "edges", "truncated"} <= set(doc)
    assert doc["center"] == {"id": SHARED, "kind": "enterprise", "label": SHARED_NAME}
    assert all(set(n) == {"id", "kind", "label"} for n in doc["nodes"])
    assert all({"kind", "from", "to", "records"} <= set(e) for e in doc["edges"])
    ids = {n["id"] for n in doc["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in doc["edges"])
    assert {env.records["a"], env.records["b"], ONLY_B} <= ids  # the other enterprise: via the person
    view = c.get(f"/api/v1/graph/enterprise/{SHARED}").json()
    assert view["enterprise"]["id"] == SHARED
    assert {"approvals", "licences", "representatives", "addresses", "changes", "related", "names"} <= set(
        view
    )
    assert {a["department"] for a in view["approvals"]} == {DEPT_A, DEPT_B}
    bad = c.get("/api/v1/graph/related", params={"center": SHARED, "hops": 3})
    assert bad.status_code == 422 and "error" in bad.json()
    assert c.get("/api/v1/graph/related", params={"center": MISSING}).json()["error"]["code"]


def test_the_graph_page_loads_its_scripts_from_this_server(env: Env) -> None:
    c = env.client_of["keeper"]
    page = c.get("/graph", params={"center": SHARED_NAME, "hops": "2"})
    assert page.status_code == 200
    html = page.text
    assert '<script src="/static/vendor/echarts/echarts.min.js"' in html
    assert '<script src="/static/js/graph.js"' in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert c.get("/static/vendor/echarts/echarts.min.js").status_code == 200
    assert c.get("/static/js/graph.js").status_code == 200
    assert "企业名称" in html and 'data-center="' + SHARED_NAME + '"' in html
    empty = c.get("/graph").text
    assert "请输入企业名称" in empty


def test_the_record_page_links_the_enterprise_360(env: Env) -> None:
    html = env.client_of["keeper"].get(f"/records/{env.records['a']}").text
    assert f'href="/graph/enterprise/{SHARED}"' in html and "企业全景" in html


def test_pages_need_a_signed_in_user(env: Env, tmp_path: Path) -> None:
    from dangan.web import create_app

    with TestClient(create_app(env.archive), follow_redirects=False) as anonymous:
        assert anonymous.get(f"/graph/enterprise/{SHARED}").status_code == 303
        assert anonymous.get("/graph").status_code == 303
        assert anonymous.get("/api/v1/graph/related", params={"center": SHARED}).status_code == 401
