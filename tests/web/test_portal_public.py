"""The public portal without login: search and record pages show only records open to the public, with
personal data masked; the progress lookup answers the applicant, answers everyone else with one 404,
counts wrong factors like unknown numbers, refuses with 429 past its limits, and audits every lookup."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import load_settings
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.store.catalog import Event
from tests.factories import package_dir

DEPT = "秦皇岛市市场监督管理局"
PHONE = "13916381378"
PERSON_ID = "13030219980925243X"
PERSON_ADDRESS = "秦皇岛市海港区和平大街287号3单元501室"
PERSON_NAME = "李明远"
USCC = "91130302MA2X57DG01"
API = "/api/v1/public/progress"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Portal:
    archive: Archive
    client_app: Any
    ids: dict[str, str]
    sources: dict[str, str]


def _case(seed: int, label: str, **overrides: Any) -> dict[str, Any]:
    return {"seed": seed, "label": label, **overrides}


CASES = [
    _case(1, "open_firm", security_level="公开", open_to_public=True,
          title=f"关于港城安泰饭店有限公司食品经营许可的审批（联系电话{PHONE}）",
          applicant={"name": "港城安泰饭店有限公司", "type": "企业", "uscc": USCC, "legal_representative": "钟文博",
                     "id_number": PERSON_ID, "phone": PHONE, "address": "秦皇岛市海港区和平大街287号"}),
    _case(2, "open_person", security_level="公开", open_to_public=True,
          title="关于港城个人食品摊贩登记的审批",
          applicant={"name": PERSON_NAME, "type": "个人", "id_number": PERSON_ID, "phone": "13512345678",
                     "address": PERSON_ADDRESS}),
    _case(3, "internal", security_level="内部", open_to_public=False, title="关于港城内部事项的审批",
          accepted_at="2024-05-06", decided_at="2024-05-20", result="准予许可"),
    _case(4, "secret", security_level="秘密", open_to_public=False, title="关于港城涉密事项的审批"),
    _case(5, "rate", security_level="内部", open_to_public=False, title="关于限流测试的审批"),
]  # fmt: skip


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("portal")
    for case in CASES:
        fields = {k: v for k, v in case.items() if k not in ("seed", "label")}
        package_dir(root / "in", case["seed"] + 7000, department=DEPT, **fields)
    archive = open_archive(load_settings(root / "data"))
    report = import_paths(archive, [root / "in"])
    assert not report.rejected, report.as_json()["rejected"]
    by_title = {c["title"]: c["label"] for c in CASES}
    ids, sources = {}, {}
    from dangan.store.catalog import Record

    with archive.db.read() as s:
        for r in s.scalars(select(Record)):
            ids[by_title[r.title]] = r.id
            sources[by_title[r.title]] = r.source_id
    try:
        yield Portal(archive, create_app(archive), ids, sources)
    finally:
        archive.close()


def _client(portal: Portal, ip: str) -> TestClient:
    return TestClient(portal.client_app, follow_redirects=False, client=(ip, 40000))


def _lookup(c: TestClient, application: str, check: str) -> Any:
    return c.get(API, params={"application": application, "check": check})


def test_the_portal_pages_need_no_login_and_use_their_own_layout(portal: Portal) -> None:
    with _client(portal, "10.1.0.1") as c:
        for path in ("/portal", "/portal/search", "/portal/progress"):
            page = c.get(path)
            assert page.status_code == 200, path
            assert 'name="viewport"' in page.text and "portal-nav" in page.text and "mainnav" not in page.text
        home = c.get("/portal").text
        assert 'href="/portal/progress"' in home and 'action="/portal/verify"' in home
        assert c.get("/public").headers["location"] == "/portal"
        assert (
            c.get("/portal/verify", params={"certificate": "ABC 1"}).headers["location"] == "/verify/ABC%201"
        )


def test_search_shows_only_public_records_with_personal_data_masked(portal: Portal) -> None:
    with _client(portal, "10.1.0.2") as c:
        page = c.get("/portal/search", params={"q": "港城"})
    assert page.status_code == 200
    html = page.text
    for label in ("open_firm", "open_person"):
        assert f'/portal/records/{portal.ids[label]}"' in html
    for label in ("internal", "secret", "rate"):
        assert portal.ids[label] not in html
    assert "内部事项" not in html and "涉密事项" not in html
    assert PHONE not in html and "139****1378" in html  # the phone in the title, masked
    assert PERSON_ID not in html and PERSON_ADDRESS not in html


def test_search_has_empty_states_and_refuses_overlong_queries(portal: Portal) -> None:
    with _client(portal, "10.1.0.3") as c:
        none = c.get("/portal/search", params={"q": "完全不存在的词语甲乙丙"})
        long = c.get("/portal/search", params={"q": "档" * 300})
        bad_page = c.get("/portal/search", params={"q": "港城", "page": "abc"})
    assert none.status_code == 200 and "没有找到" in none.text
    assert "检索词过长" in long.text
    assert bad_page.status_code == 200 and "共找到 2 件公开档案" in bad_page.text


def test_the_public_record_page_is_masked_and_hides_what_is_not_open(portal: Portal) -> None:
    with _client(portal, "10.1.0.4") as c:
        person = c.get(f"/portal/records/{portal.ids['open_person']}")
        firm = c.get(f"/portal/records/{portal.ids['open_firm']}")
        internal = c.get(f"/portal/records/{portal.ids['internal']}")
        missing = c.get("/portal/records/01AAAAAAAAAAAAAAAAAAAAAAAA")
    assert person.status_code == 200
    for raw in (PERSON_ID, PERSON_ADDRESS, "13512345678", PERSON_NAME):
        assert raw not in person.text
    assert "李**" in person.text and "/download" not in person.text
    assert firm.status_code == 200 and USCC in firm.text and PHONE not in firm.text
    assert (internal.status_code, internal.content) == (missing.status_code, missing.content)
    assert internal.status_code == 404


def test_the_applicant_gets_status_result_and_date_and_nothing_personal(portal: Portal) -> None:
    with _client(portal, "10.2.0.1") as c:
        by_uscc = _lookup(c, portal.sources["open_firm"], USCC[-6:].lower())
        by_id = _lookup(c, portal.sources["open_person"], PERSON_ID[-6:].lower())
        internal = _lookup(c, portal.sources["internal"], "  " + _factor(portal, "internal") + " ")
    assert by_uscc.status_code == 200, by_uscc.text
    body = by_uscc.json()
    assert set(body) == {"application", "matter", "department", "status", "result", "decided_at"}
    assert body["application"] == portal.sources["open_firm"] and body["status"] == "已办结"
    assert body["department"] == DEPT and body["result"] and body["decided_at"]
    assert by_id.status_code == 200
    assert internal.status_code == 200  # not open to the public, yet its applicant may see its progress
    assert internal.json() == {"application": portal.sources["internal"], "matter": internal.json()["matter"],
                               "department": DEPT, "status": "已办结", "result": "准予许可",
                               "decided_at": "2024-05-20"}  # fmt: skip
    for raw in (USCC, PHONE, "港城安泰饭店"):
        assert raw not in by_uscc.text


def _factor(portal: Portal, label: str) -> str:
    from dangan.store.catalog import Record

    with portal.archive.db.read() as s:
        r = s.scalar(select(Record).where(Record.id == portal.ids[label]))
        assert r is not None
        return (r.applicant_uscc or r.id_number or "")[-6:]


def test_wrong_factor_unknown_number_and_secret_record_answer_alike(portal: Portal) -> None:
    with _client(portal, "10.3.0.1") as c:
        wrong = _lookup(c, portal.sources["open_firm"], "000000")
        unknown = _lookup(c, "NO-SUCH-APPLICATION-1", "000000")
        malformed = _lookup(c, "NO-SUCH-APPLICATION-2", "12")
        secret = _lookup(c, portal.sources["secret"], _factor(portal, "secret"))
    assert wrong.status_code == 404
    for other in (unknown, malformed, secret):
        assert (other.status_code, other.content) == (wrong.status_code, wrong.content)

        def alike(r: Any) -> dict[str, str]:  # every request gets its own id: not an oracle
            return {k: v for k, v in r.headers.items() if k.lower() != "x-request-id"}

        assert alike(other) == alike(wrong) and other.headers["x-request-id"] != wrong.headers["x-request-id"]
    assert "未查到该办件" in wrong.json()["error"]["message"]
    with _client(portal, "10.3.0.2") as c:
        missing = c.get(API, params={"application": "X"})
    assert missing.status_code == 422


def test_the_form_page_answers_like_the_api(portal: Portal) -> None:
    with _client(portal, "10.4.0.1") as c:
        token = _CSRF.search(c.get("/portal/progress").text)
        assert token
        data = {"csrf_token": token.group(1), "application": portal.sources["open_firm"]}
        right = c.post("/portal/progress", data={**data, "check": USCC[-6:]})
        wrong = c.post("/portal/progress", data={**data, "check": "ABCDEF"})
        unknown = c.post("/portal/progress", data={**data, "application": "NO-SUCH-3", "check": "ABCDEF"})
    assert right.status_code == 200 and "已办结" in right.text and USCC not in right.text
    assert wrong.status_code == unknown.status_code == 404
    assert "未查到该办件" in wrong.text and "ABCDEF" not in wrong.text
    assert wrong.text.replace(portal.sources["open_firm"], "N") == unknown.text.replace("NO-SUCH-3", "N")


def test_a_client_address_is_limited_to_ten_tries(portal: Portal) -> None:
    with _client(portal, "10.5.0.1") as c:
        answers = [_lookup(c, f"IP-LIMIT-{n}", "000000").status_code for n in range(10)]
        refused = _lookup(c, portal.sources["open_firm"], USCC[-6:])
    assert answers == [404] * 10
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "查询过于频繁" in refused.json()["error"]["message"]
    with _client(portal, "10.5.0.2") as other:  # another address is not affected
        assert _lookup(other, portal.sources["open_firm"], USCC[-6:]).status_code == 200


def test_wrong_factors_count_per_number_like_unknown_numbers(portal: Portal) -> None:
    real, factor = portal.sources["rate"], _factor(portal, "rate")
    for n in range(5):  # five wrong factors, each from another address
        with _client(portal, f"10.6.0.{n + 1}") as c:
            assert _lookup(c, real, "ZZZZZ" + str(n)).status_code == 404
    for n in range(5):
        with _client(portal, f"10.6.1.{n + 1}") as c:
            assert _lookup(c, "NO-SUCH-RATE", "ZZZZZ" + str(n)).status_code == 404
    with _client(portal, "10.6.2.1") as c:
        blocked_real = _lookup(c, real, factor)  # even the right factor waits now
        blocked_unknown = _lookup(c, "NO-SUCH-RATE", factor)
    assert blocked_real.status_code == blocked_unknown.status_code == 429
    assert blocked_real.json() == blocked_unknown.json()
    assert int(blocked_real.headers["Retry-After"]) > 600
    with _client(portal, "10.6.2.2") as c:
        token = _CSRF.search(c.get("/portal/progress").text)
        assert token
        page = c.post(
            "/portal/progress", data={"csrf_token": token.group(1), "application": real, "check": factor}
        )
    assert page.status_code == 429 and "Retry-After" in page.headers and "查询过于频繁" in page.text


def test_every_lookup_is_audited_without_the_factor(portal: Portal) -> None:
    with _client(portal, "10.7.0.1") as c:
        _lookup(c, portal.sources["open_person"], PERSON_ID[-6:])
        _lookup(c, "AUDIT-UNKNOWN", "Q1W2E3")
    with portal.archive.db.read() as s:
        events = s.scalars(select(Event).where(Event.kind == "public_progress")).all()
        mine = [e for e in events if e.detail.get("client") == "10.7.0.1"]
        assert [(e.detail["application"], e.detail["outcome"]) for e in mine] == [
            (portal.sources["open_person"], "found"),
            ("AUDIT-UNKNOWN", "not_found"),
        ]
        assert mine[0].record_id == portal.ids["open_person"] and mine[1].record_id is None
        text = json.dumps([e.detail for e in events])
    assert PERSON_ID[-6:] not in text and "Q1W2E3" not in text


def test_the_lookup_service_counts_on_both_catalogue_backends(any_archive: Archive, tmp_path: Any) -> None:
    """The limits are counted from the audit events by JSON fields: the same on SQLite and PostgreSQL."""
    from dangan.core import NotFound
    from dangan.services.utilisation import ProgressLimits, TooManyLookups, lookup_progress

    pkg = package_dir(tmp_path / "in", 7101, security_level="内部")
    doc = json.loads((pkg / "case.json").read_text(encoding="utf-8"))
    assert not import_paths(any_archive, [tmp_path / "in"]).rejected
    factor = (doc["applicant"].get("uscc") or doc["applicant"]["id_number"])[-6:]
    limits = ProgressLimits(per_client=3, failures_per_application=2)
    answer = lookup_progress(any_archive, doc["source_id"], factor.lower(), "192.0.2.1", limits=limits)
    assert answer.as_json()["status"] == "已办结" and answer.result == doc["result"]
    for _ in range(2):
        with pytest.raises(NotFound):
            lookup_progress(any_archive, doc["source_id"], "000000", "192.0.2.1", limits=limits)
    with pytest.raises(TooManyLookups) as per_client:
        lookup_progress(any_archive, "OTHER-NUMBER", "000000", "192.0.2.1", limits=limits)
    with pytest.raises(
        TooManyLookups
    ) as per_number:  # two wrong factors: the number waits, the right one too
        lookup_progress(any_archive, doc["source_id"], factor, "192.0.2.2", limits=limits)
    assert 0 < per_client.value.retry_after <= 600 and 600 < per_number.value.retry_after <= 3600
