"""The graph's insight lists (issue #18 item 7) through the service, the command line and the web: exact
counts on crafted records, thresholds, the expiring window's edges (day 0 and day N in, N+1 out), and the
viewer's rights — a clerk of another department or a lower clearance gets neither the rows nor the counts
of records he may not read. Exports parse back (csv, openpyxl) to the rows the list shows.

The records (T = today in the archive's time zone; P and S have valid ID numbers, so each is one person):

    rec  dept level ent rep   address  licence valid_until
    r1   A    内部  E1  P     ADDR1    L1      T+0
    r2   A    内部  E2  P     ADDR1    L2      T+30
    r3   A    内部  E3  李三  ADDR1′   L3      T+31     (ADDR1′: the same address in full-width digits)
    r4   A    内部  E4  李四  ADDR2    L4      T-1
    r5   B    内部  E5  P     ADDR1    L5      T+10
    r6   A    秘密  E6  P     ADDR2    L6      T+5
    r7   A    内部  E7  李七  ADDR2    L7      T+20     (decided 2023)
    r7b  A    秘密  E7  李七  ADDR2    L7      T+400    (decided 2024: the renewal only the keeper reads)
    r8   A    秘密  E8  S     ADDR3    -
    r9   A    秘密  E9  S     ADDR3    -
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dangan.access import ANONYMOUS, Principal, can_read
from dangan.core import ValidationFailed, as_local, load_settings, utcnow
from dangan.services.accounts import add_user
from dangan.services.archive import Archive, open_archive
from dangan.services.graph import InsightQuery, export_insight, graph_insight, insight_table
from dangan.services.graph import _insight as insight_module
from dangan.store.catalog import Record
from tests.cli.invoke import invoke
from tests.services.graph_helpers import add_case, id_number, uscc
from tests.web.conftest import PASSWORD, login

DEPT_A = "秦皇岛市市场监督管理局"
DEPT_B = "秦皇岛市生态环境局"
MATTER_A = {"code": "SCJG-XK-101", "name": "食品经营许可"}
MATTER_B = {"code": "STHJ-XK-201", "name": "排污许可证核发"}
ADDR1 = "河北省秦皇岛市海港区迎宾路100号"
ADDR2 = "河北省秦皇岛市海港区建设大街8号"
ADDR3 = "河北省秦皇岛市海港区文化路66号"
P = {"legal_representative": "张多企", "id_number": id_number("13030219800101001")}
S = {"legal_representative": "王秘", "id_number": id_number("13030219700101004")}


def _rep(name: str) -> dict[str, Any]:
    return {"legal_representative": name, "id_number": None}


# name -> (dept, level, enterprise, representative, address, licence days from T or None, decided)
CASES: dict[str, tuple[str, str, str, dict[str, Any], str, int | None, str | None]] = {
    "r1": (DEPT_A, "内部", "E1", P, ADDR1, 0, None),
    "r2": (DEPT_A, "内部", "E2", P, ADDR1, 30, None),
    "r3": (DEPT_A, "内部", "E3", _rep("李三"), ADDR1.replace("100", "１００"), 31, None),
    "r4": (DEPT_A, "内部", "E4", _rep("李四"), ADDR2, -1, None),
    "r5": (DEPT_B, "内部", "E5", P, ADDR1, 10, None),
    "r6": (DEPT_A, "秘密", "E6", P, ADDR2, 5, None),
    "r7": (DEPT_A, "内部", "E7", _rep("李七"), ADDR2, 20, "2023-01-10"),
    "r7b": (DEPT_A, "秘密", "E7", _rep("李七"), ADDR2, 400, "2024-01-10"),
    "r8": (DEPT_A, "秘密", "E8", S, ADDR3, None, None),
    "r9": (DEPT_A, "秘密", "E9", S, ADDR3, None, None),
}
CODES = {f"E{i}": uscc(f"91130302MA0D1X{i}A1") for i in range(1, 10)}
NAMES = {f"E{i}": f"洞察测试{i}号有限公司" for i in range(1, 10)}


@dataclass
class Env:
    archive: Archive
    data: Path
    today: date
    ids: dict[str, str]
    users: dict[str, Principal]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    built = _build(tmp_path_factory.mktemp("graph-insight"))
    try:
        yield built
    finally:
        built.archive.close()


def _build(root: Path, **settings: Any) -> Env:
    archive = open_archive(load_settings(root / "data", **settings))
    today = as_local(utcnow(), archive.settings.timezone).date()
    ids = {}
    for seed, (name, (dept, level, ent, rep, address, days, decided)) in enumerate(CASES.items(), start=700):
        extra = (
            {}
            if days is None
            else {"许可证编号": f"LIC-{ent}", "有效期至": (today + timedelta(days=days)).isoformat()}
        )
        dates = {"accepted_at": decided[:8] + "01", "decided_at": decided} if decided else {}
        ids[name] = add_case(
            archive, root, seed, department=dept, matter=MATTER_A if dept == DEPT_A else MATTER_B,
            security_level=level, open_to_public=False, district="130302", extra=extra, **dates,
            applicant={"name": NAMES[ent], "type": "企业", "uscc": CODES[ent], "address": address, **rep},
        )  # fmt: skip
    users = {
        "keeper": add_user(archive, "keeper", PASSWORD, "archivist", clearance="机密"),
        "clerk_a": add_user(archive, "clerk_a", PASSWORD, "clerk", department=DEPT_A),
        "clerk_b": add_user(archive, "clerk_b", PASSWORD, "clerk", department=DEPT_B),
    }
    return Env(archive, root / "data", today, ids, users)


def _list(env: Env, user: str | Principal, which: str, **params: Any) -> dict[str, Any]:
    who = env.users[user] if isinstance(user, str) else user
    return graph_insight(env.archive, who, which, InsightQuery(**params), today=env.today)


def _licences(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(r["department"], r["licence_number"], r["days_left"]) for r in doc["rows"]]


def test_expiring_licences_by_department_with_the_window_edges(env: Env) -> None:
    doc = _list(env, "keeper", "expiring")
    assert doc["total"] == 5
    assert _licences(doc) == [
        (DEPT_A, "LIC-E1", 0), (DEPT_A, "LIC-E6", 5), (DEPT_A, "LIC-E2", 30), (DEPT_A, "LIC-E3", 31),
        (DEPT_B, "LIC-E5", 10),
    ]  # fmt: skip
    assert doc["groups"] == [{"department": DEPT_A, "count": 4}, {"department": DEPT_B, "count": 1}]
    first = doc["rows"][0]
    assert first["enterprise"] == NAMES["E1"] and first["enterprise_id"] == CODES["E1"]
    assert first["records"] == [env.ids["r1"]] and first["valid_until"] == env.today.isoformat()
    # day 0 and day N are in the window, day N+1 is not
    assert [n for _, n, _ in _licences(_list(env, "keeper", "expiring", days=30))] == [
        "LIC-E1", "LIC-E6", "LIC-E2", "LIC-E5"]  # fmt: skip
    assert [n for _, n, _ in _licences(_list(env, "keeper", "expiring", days=0))] == ["LIC-E1"]
    expired = _list(env, "keeper", "expiring", days=30, include_expired=True)
    assert _licences(expired)[0] == (DEPT_A, "LIC-E4", -1) and expired["rows"][0]["expired"]
    assert expired["total"] == 5
    # the renewal r7b (T+400) is the latest record of L7: the keeper is not told it expires
    assert "LIC-E7" not in {r["licence_number"] for r in _list(env, "keeper", "expiring", days=365)["rows"]}
    renewed = next(
        r for r in _list(env, "keeper", "expiring", days=3650)["rows"] if r["licence_number"] == "LIC-E7"
    )
    assert renewed["days_left"] == 400 and renewed["records"] == sorted([env.ids["r7"], env.ids["r7b"]])


def test_a_clerk_sees_his_departments_licences_as_his_records_say(env: Env) -> None:
    doc = _list(env, "clerk_a", "expiring")
    # no 秘密 L6, no department B's L5; L7 by r7 (T+20): the 秘密 renewal is not his to read
    assert _licences(doc) == [(DEPT_A, "LIC-E1", 0), (DEPT_A, "LIC-E7", 20), (DEPT_A, "LIC-E2", 30),
                              (DEPT_A, "LIC-E3", 31)]  # fmt: skip
    assert doc["total"] == 4 and doc["groups"] == [{"department": DEPT_A, "count": 4}]
    assert doc["rows"][1]["records"] == [env.ids["r7"]]
    other = _list(env, "clerk_b", "expiring")
    assert _licences(other) == [(DEPT_B, "LIC-E5", 10)] and other["groups"] == [
        {"department": DEPT_B, "count": 1}
    ]
    assert _list(env, ANONYMOUS, "expiring")["total"] == 0


def test_addresses_with_many_enterprises(env: Env) -> None:
    doc = _list(env, "keeper", "addresses")
    assert [(r["address"], r["count"]) for r in doc["rows"]] == [(ADDR1, 4), (ADDR2, 3)]
    assert doc["total"] == 2
    first = doc["rows"][0]
    assert sorted(e["id"] for e in first["enterprises"]) == sorted(CODES[e] for e in ("E1", "E2", "E3", "E5"))
    assert (
        first["records"] == sorted(env.ids[r] for r in ("r1", "r2", "r3", "r5"))
        and first["record_count"] == 4
    )
    assert all(e["kind"] == "enterprise" and len(e["records"]) == 1 for e in first["enterprises"])
    assert [r["count"] for r in _list(env, "keeper", "addresses", min_count=4)["rows"]] == [4]
    assert [r["count"] for r in _list(env, "keeper", "addresses", min_count=2)["rows"]] == [4, 3, 2]
    # clerk A: ADDR1 through r1-r3 only (3), ADDR2 through r4 and r7 only (2: under the threshold)
    clerk = _list(env, "clerk_a", "addresses")
    assert [(r["count"], len(r["enterprises"]), len(r["records"])) for r in clerk["rows"]] == [(3, 3, 3)]
    assert clerk["rows"][0]["address"] == "河北省秦皇岛市海港区****", "masked as his record pages mask it"
    assert CODES["E5"] not in json.dumps(clerk) and env.ids["r5"] not in json.dumps(clerk)
    assert _list(env, "clerk_b", "addresses")["total"] == 0
    assert [r["count"] for r in _list(env, "clerk_a", "addresses", min_count=2)["rows"]] == [3, 2]


def test_people_who_represent_many_enterprises(env: Env) -> None:
    doc = _list(env, "keeper", "people")
    assert [(r["person"], r["count"]) for r in doc["rows"]] == [("张多企", 4)]
    assert {e["label"] for e in doc["rows"][0]["enterprises"]} == {NAMES[e] for e in ("E1", "E2", "E5", "E6")}
    assert doc["rows"][0]["person_id"].startswith("person:")
    assert [(r["person"], r["count"]) for r in _list(env, "keeper", "people", min_count=2)["rows"]] == [
        ("张多企", 4), ("王秘", 2)]  # fmt: skip
    # a person known only from 秘密 records does not appear for a clerk; P counts 2 for him, 1 for B
    assert _list(env, "clerk_a", "people")["total"] == 0
    clerk = _list(env, "clerk_a", "people", min_count=2)
    assert [(r["person"], r["count"]) for r in clerk["rows"]] == [("张多企", 2)]
    assert "王秘" not in json.dumps(clerk, ensure_ascii=False)
    assert _list(env, "clerk_b", "people", min_count=2)["total"] == 0


def test_every_listed_record_is_readable_and_pages_split_the_list(env: Env) -> None:
    with env.archive.db.read() as s:
        records = {r.id: r for r in s.query(Record).all()}
        for user in env.users.values():
            for which in ("expiring", "addresses", "people"):
                for row in _list(env, user, which, min_count=2, days=3650, include_expired=True)["rows"]:
                    assert row["records"] and all(can_read(user, records[r]) for r in row["records"])
    whole = _list(env, "keeper", "expiring", include_expired=True)["rows"]
    pages = [_list(env, "keeper", "expiring", include_expired=True, per_page=4, page=n) for n in (1, 2)]
    assert pages[0]["pages"] == 2 and pages[0]["rows"] + pages[1]["rows"] == whole


def test_bad_parameters_are_refused_in_chinese(env: Env) -> None:
    for which, params in (("expiring", {"days": -1}), ("people", {"min_count": 1}), ("nope", {}),
                          ("addresses", {"per_page": 0})):  # fmt: skip
        with pytest.raises(ValidationFailed) as caught:
            _list(env, "keeper", which, **params)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads Chinese right"
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def test_exports_parse_back_to_the_rows(env: Env) -> None:
    keeper = env.users["keeper"]
    for which in ("expiring", "addresses", "people"):
        query = InsightQuery(min_count=2, include_expired=True)
        shown = insight_table(which, _list(env, "keeper", which, min_count=2, include_expired=True)["rows"])
        assert len(shown) > 1 and shown[0][0] in ("部门", "地址", "法定代表人")
        data, name, media = export_insight(env.archive, keeper, which, query, "csv", today=env.today)
        assert _csv_rows(data) == shown and name.endswith(".csv") and media.startswith("text/csv")
        book, name, _ = export_insight(env.archive, keeper, which, query, "xlsx", today=env.today)
        assert _xlsx_rows(book) == shown and name.endswith(".xlsx")
    with pytest.raises(ValidationFailed):
        export_insight(env.archive, keeper, "people", InsightQuery(), "pdf")


def test_the_command_line(env: Env, tmp_path: Path) -> None:
    data = str(env.data)
    got = invoke("graph", "insight", "expiring", "--days", "30", "--as", "clerk_a", "--data", data, "--json")
    assert got.returncode == 0, got.stderr
    doc = json.loads(got.stdout)
    assert [r["licence_number"] for r in doc["rows"]] == ["LIC-E1", "LIC-E7", "LIC-E2"]
    keeper = invoke(
        "graph", "insight", "expiring", "--include-expired", "--as", "keeper", "--data", data, "--json"
    )
    assert len(json.loads(keeper.stdout)["rows"]) == 6
    people = invoke("graph", "insight", "people", "--min", "2", "--as", "keeper", "--data", data, "--json")
    assert [r["count"] for r in json.loads(people.stdout)["rows"]] == [4, 2]
    for suffix, read in ((".csv", _csv_rows), (".xlsx", _xlsx_rows)):
        out = tmp_path / f"addresses{suffix}"
        made = invoke("graph", "insight", "addresses", "--as", "clerk_a", "--out", str(out), "--data", data)
        assert made.returncode == 0, made.stderr
        rows = read(out.read_bytes())
        assert rows[0] == ["地址", "企业数", "企业", "档案编号"] and [r[1] for r in rows[1:]] == ["3"]
    human = invoke("graph", "insight", "addresses", "--as", "keeper", "--data", data)
    assert "共 2 条" in human.stderr and ADDR1 in human.stdout
    assert invoke("graph", "insight", "people", "--min", "1", "--data", data).returncode == 2
    bad_out = invoke("graph", "insight", "people", "--out", str(tmp_path / "x.pdf"), "--data", data)
    assert bad_out.returncode == 2 and "csv" in bad_out.stderr


@pytest.fixture(scope="module")
def clients(env: Env) -> Iterator[dict[str, TestClient]]:
    from dangan.web import create_app

    app = create_app(env.archive)
    made = {}
    for name in ("keeper", "clerk_a"):
        c = TestClient(app, follow_redirects=False)
        assert login(c, name, PASSWORD).status_code == 303
        made[name] = c
    yield made
    for c in made.values():
        c.close()


def test_the_insight_page_and_its_api(env: Env, clients: dict[str, TestClient]) -> None:
    keeper, clerk = clients["keeper"], clients["clerk_a"]
    page = keeper.get("/graph/insight", params={"list": "addresses"})
    assert page.status_code == 200, page.text[-2000:]
    assert ADDR1 in page.text and 'id="insight-total">2<' in page.text
    assert "/graph/insight/export.csv?list=addresses" in page.text and "即将到期的许可证" in page.text
    mine = clerk.get("/graph/insight", params={"list": "addresses"}).text
    assert 'id="insight-total">1<' in mine and ADDR1 not in mine and env.ids["r5"] not in mine
    assert NAMES["E5"] not in mine and "****" in mine
    expiring = clerk.get("/graph/insight", params={"days": "30"}).text
    assert "LIC-E7" in expiring and "LIC-E6" not in expiring and "LIC-E5" not in expiring
    empty = clerk.get("/graph/insight", params={"list": "people"}).text
    assert "没有符合条件的人员" in empty and "export.csv" not in empty
    assert 'href="/graph/insight"' in keeper.get("/graph").text, "the graph view links the lists"

    api = keeper.get("/api/v1/graph/insight/people", params={"min": 2}).json()
    assert [r["count"] for r in api["rows"]] == [4, 2] and api["total"] == 2
    assert clerk.get("/api/v1/graph/insight/people", params={"min": 2}).json()["rows"][0]["count"] == 2
    assert clerk.get("/api/v1/graph/insight/expiring", params={"days": 30}).json()["total"] == 3
    assert keeper.get("/api/v1/graph/insight/addresses", params={"min": 1}).status_code == 422

    csv_file = clerk.get("/graph/insight/export.csv", params={"list": "expiring", "days": 30})
    assert csv_file.status_code == 200 and "attachment" in csv_file.headers["content-disposition"]
    assert [r[3] for r in _csv_rows(csv_file.content)[1:]] == ["LIC-E1", "LIC-E7", "LIC-E2"]
    book = keeper.get("/graph/insight/export.xlsx", params={"list": "people", "min": 2})
    assert [r[:2] for r in _xlsx_rows(book.content)] == [
        ["法定代表人", "企业数"],
        ["张多企", "4"],
        ["王秘", "2"],
    ]


@pytest.mark.postgres
def test_the_same_lists_on_postgresql(tmp_path: Path, pg_server: str) -> None:
    from tests.pg import create_database

    pg = _build(tmp_path, database_url=create_database(pg_server))
    try:
        assert _licences(_list(pg, "keeper", "expiring", include_expired=True))[:2] == [
            (DEPT_A, "LIC-E4", -1), (DEPT_A, "LIC-E1", 0)]  # fmt: skip
        assert [n for _, n, _ in _licences(_list(pg, "clerk_a", "expiring", days=30))] == [
            "LIC-E1", "LIC-E7", "LIC-E2"]  # fmt: skip
        assert [r["count"] for r in _list(pg, "keeper", "addresses", min_count=2)["rows"]] == [4, 3, 2]
        assert [r["count"] for r in _list(pg, "clerk_a", "addresses")["rows"]] == [3]
        assert [(r["person"], r["count"]) for r in _list(pg, "keeper", "people", min_count=2)["rows"]] == [
            ("张多企", 4), ("王秘", 2)]  # fmt: skip
        assert [r["count"] for r in _list(pg, "clerk_a", "people", min_count=2)["rows"]] == [2]
    finally:
        pg.archive.close()


def test_a_row_lists_a_few_enterprises_but_counts_them_all(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(insight_module, "MEMBERS", 2)  # a business centre hosting thousands, in small
    row = _list(env, "keeper", "addresses")["rows"][0]
    assert (row["count"], row["record_count"], len(row["enterprises"]), len(row["records"])) == (4, 4, 2, 2)
    assert insight_table("addresses", [row])[1][2].endswith("；等 4 家")
