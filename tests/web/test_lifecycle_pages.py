"""The lifecycle pages: 到期鉴定 (filters, propose with keep/destroy per record), a batch through its
approval chain to execution with two witnesses, the register (page and downloads), holds (from the
list and from the record page), and that the one policy decides who sees and does what."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from dangan.core import load_settings
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from tests.factories import package_dir
from tests.web.conftest import PASSWORD, csrf_of, login

DEPT = "秦皇岛市市场监督管理局"
OTHER = "秦皇岛市生态环境局"
OLD = {"accepted_at": "2010-03-01", "decided_at": "2010-03-05", "retention": "10年", "security_level": "内部",
       "open_to_public": False}  # fmt: skip


@dataclass
class Env:
    archive: Archive
    client: Callable[[str], TestClient]
    ids: dict[str, str]


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    from dangan.web import create_app

    inbox = tmp_path / "in"
    pkgs = {
        "a": package_dir(inbox, 801, department=DEPT, **OLD),
        "b": package_dir(inbox, 802, department=DEPT, **OLD),
        "c": package_dir(inbox, 803, department=DEPT, **(OLD | {"decided_at": "2012-06-01"})),
        "other": package_dir(inbox, 804, department=OTHER, **OLD),
        "young": package_dir(inbox, 805, department=DEPT, accepted_at="2023-03-01", decided_at="2023-03-05",
                             retention="10年"),
    }  # fmt: skip
    archive = open_archive(load_settings(tmp_path / "data"))
    report = import_paths(archive, list(pkgs.values()), workers=1)
    assert not report.rejected, report.as_json()["rejected"]
    ids = {k: o.record_id or "" for k, o in zip(pkgs, report.accepted, strict=True)}
    for name, role, dept in (("arch1", "archivist", None), ("arch2", "archivist", None), ("head", "dept_head", DEPT),
                             ("head_b", "dept_head", OTHER), ("clerk", "clerk", DEPT)):  # fmt: skip
        add_user(archive, name, PASSWORD, role, department=dept, clearance="秘密")
    app = create_app(archive)
    clients: list[TestClient] = []

    def client(username: str) -> TestClient:
        c = TestClient(app, follow_redirects=False)
        clients.append(c)
        assert login(c, username).status_code == 303
        return c

    try:
        yield Env(archive, client, ids)
    finally:
        for c in clients:
            c.close()
        archive.close()


def _post(c: TestClient, page: str, url: str, data: dict[str, object]) -> object:
    return c.post(url, data={**data, "csrf_token": csrf_of(c.get(page).text)})


def _propose(
    c: TestClient, destroy: list[str], keep: dict[str, tuple[str, str]], reason: str = "期满"
) -> object:
    """The 到期鉴定 form as a browser sends it: every row of the page, the chosen ones ticked."""
    page = c.get("/lifecycle/due?on=2024-06-01")
    rows = re.findall(r'name="row" value="([^"]+)"', page.text)
    form: dict[str, object] = {"row": rows, "pick": destroy + list(keep), "reason": reason, "on": "2024-06-01",
                               "decision": ["保留" if r in keep else "销毁" for r in rows],
                               "retention": [keep[r][0] if r in keep else "" for r in rows],
                               "why": [keep[r][1] if r in keep else "" for r in rows],
                               "csrf_token": csrf_of(page.text)}  # fmt: skip
    return c.post("/lifecycle/batches", data=form)


def test_due_page_filters_and_who_may_open_it(env: Env) -> None:
    arch = env.client("arch1")
    home = arch.get("/records").text
    assert 'href="/lifecycle/due"' in home
    page = arch.get("/lifecycle/due?on=2024-06-01")
    assert page.status_code == 200
    for key in ("a", "b", "c", "other"):
        assert env.ids[key] in page.text
    assert env.ids["young"] not in page.text
    by_dept = arch.get("/lifecycle/due", params={"on": "2024-06-01", "department": OTHER}).text
    assert env.ids["other"] in by_dept and env.ids["a"] not in by_dept
    by_year = arch.get("/lifecycle/due", params={"on": "2024-06-01", "year": "2012"}).text
    assert env.ids["c"] in by_year and env.ids["a"] not in by_year
    early = arch.get("/lifecycle/due?on=2020-12-30").text
    assert "没有到期的档案" in early
    bad = arch.get("/lifecycle/due?on=2024-13-01")
    assert bad.status_code == 422 and "日期" in bad.text
    head = env.client("head").get("/lifecycle/due?on=2024-06-01").text  # his department only
    assert env.ids["a"] in head and env.ids["other"] not in head
    clerk = env.client("clerk")
    assert 'href="/lifecycle/due"' not in clerk.get("/records").text
    assert clerk.get("/lifecycle/due").status_code == 403
    assert clerk.get("/lifecycle/holds").status_code == 403


def test_propose_approve_execute_and_the_register(env: Env) -> None:
    ids = env.ids
    arch1, arch2, head = env.client("arch1"), env.client("arch2"), env.client("head")
    assert arch1.post("/lifecycle/batches", data={"row": [ids["a"]], "pick": [ids["a"]], "reason": "x"}).status_code == 403  # fmt: skip  # no CSRF token
    refused = _propose(arch1, [ids["a"]], {ids["b"]: ("30年", "")})  # keep without a reason
    assert refused.status_code == 409 and "理由" in refused.text  # type: ignore[attr-defined]
    made = _propose(arch1, [ids["a"]], {ids["b"]: ("30年", "涉及在办案件")})
    assert made.status_code == 303  # type: ignore[attr-defined]
    url = made.headers["location"]  # type: ignore[attr-defined]
    page = arch1.get(url).text
    assert (
        "待审批" in page and "涉及在办案件" in page and "/approve" not in page
    )  # not the proposer's to approve
    assert "第 1 步审批" in page and "report.pdf" in page
    assert env.client("head_b").get(url).status_code == 404  # a head of another department: not his records
    assert "/approve" in arch2.get(url).text
    first = _post(arch2, url, f"{url}/approve", {"comment": "同意"})
    assert first.status_code == 200 and "等待下一步审批" in first.text  # type: ignore[attr-defined]
    again = _post(arch2, url, f"{url}/approve", {})
    assert again.status_code == 409  # type: ignore[attr-defined]
    second = _post(head, url, f"{url}/approve", {})
    assert "已批准" in second.text and "head" in second.text  # type: ignore[attr-defined]
    assert 'name="witness1"' in arch1.get(url).text and 'name="witness1"' not in head.get(url).text
    one = _post(arch1, url, f"{url}/execute", {"witness1": "张监销", "witness2": ""})
    assert one.status_code == 422 and "监销人" in one.text  # type: ignore[attr-defined]
    assert "已批准" in arch1.get(url).text  # nothing changed
    done = _post(arch1, url, f"{url}/execute", {"witness1": "张监销", "witness2": "李监销"})
    assert done.status_code == 200 and "已销毁 1 件" in done.text  # type: ignore[attr-defined]
    record = arch1.get(f"/records/{ids['a']}").text
    assert "已销毁" in record and f"/records/{ids['a']}/files" not in record and "/download" not in record
    assert "/preview" not in record and f"/lifecycle/records/{ids['a']}" in record
    life = arch1.get(f"/lifecycle/records/{ids['a']}").text
    assert "张监销、李监销" in life and "arch2" in life
    register = arch1.get("/lifecycle/register").text
    assert ids["a"] in register and ids["b"] not in register and "张监销" in register
    assert env.client("clerk").get("/lifecycle/register").status_code == 200  # his department's lines
    assert ids["a"] not in env.client("head_b").get("/lifecycle/register").text
    csv = arch1.get("/lifecycle/register.csv")
    assert csv.status_code == 200 and "档号" in csv.content.decode("utf-8-sig")
    assert arch1.get("/lifecycle/register.xlsx").content[:2] == b"PK"
    assert arch1.get("/lifecycle/register.pdf").content.startswith(b"%PDF")
    assert arch1.get(f"{url}/report.pdf").content.startswith(b"%PDF")
    batches = arch1.get("/lifecycle/batches?status=已执行").text
    assert url in batches


def test_holds_from_the_list_and_the_record_page(env: Env) -> None:
    ids = env.ids
    arch = env.client("arch1")
    record_url = f"/records/{ids['c']}"
    assert 'action="/lifecycle/holds"' in arch.get(record_url).text
    placed = _post(arch, record_url, "/lifecycle/holds", {"record": ids["c"], "reason": "涉诉冻结",
                                                          "next": f"/lifecycle/records/{ids['c']}"})  # fmt: skip
    assert placed.status_code == 303  # type: ignore[attr-defined]
    life = arch.get(placed.headers["location"]).text  # type: ignore[attr-defined]
    assert "冻结中" in life and "涉诉冻结" in life
    listed = arch.get("/lifecycle/holds").text
    assert ids["c"] in listed and "涉诉冻结" in listed
    assert "冻结" in arch.get("/lifecycle/due?on=2024-06-01").text
    refused = _propose(arch, [ids["c"]], {})
    assert refused.status_code == 409 and "冻结" in refused.text  # type: ignore[attr-defined]
    twice = _post(arch, "/lifecycle/holds", "/lifecycle/holds", {"record": ids["c"], "reason": "再次"})
    assert twice.status_code == 409  # type: ignore[attr-defined]
    no_reason = _post(
        arch, "/lifecycle/holds", "/lifecycle/holds/remove", {"record": ids["c"], "reason": " "}
    )
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    lifted = _post(
        arch, "/lifecycle/holds", "/lifecycle/holds/remove", {"record": ids["c"], "reason": "结案"}
    )
    assert lifted.status_code == 200 and "已解除冻结" in lifted.text  # type: ignore[attr-defined]
    assert "没有冻结中的档案" in lifted.text  # type: ignore[attr-defined]
    head_b = env.client("head_b")  # may not read the record: cannot hold it, nor see its lifecycle page
    blocked = _post(
        head_b, "/lifecycle/holds", "/lifecycle/holds", {"record": ids["c"], "reason": "试图冻结"}
    )
    assert blocked.status_code == 422 and "无权" in blocked.text  # type: ignore[attr-defined]
    assert head_b.get(f"/lifecycle/records/{ids['c']}").status_code == 404
