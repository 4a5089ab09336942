"""OAI-PMH 2.0 at /oai: the six verbs, every error code, resumption across pages, sets, date ranges,
deleted records, and a harvest by a real client (sickle) against the app served by uvicorn.

Every answer is validated against the shipped OAI-PMH.xsd, with the metadata checked strictly against
oai_dc.xsd / dat46.xsd (the schemas import each other by URL: mapped to the shipped copies, no network).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from fastapi.testclient import TestClient
from lxml import etree

from dangan.core import load_settings, utcnow
from dangan.demo import make_case, write_case
from dangan.services.archive import Archive, open_archive
from dangan.services.intake import import_paths
from dangan.services.share import oai_config, public_scope
from dangan.share import NAMESPACE_SCHEMAS, OAI_NS, SCHEMA_URLS, Scope, answer
from dangan.store.catalog import Record

NS = {"o": OAI_NS, "dc": "http://purl.org/dc/elements/1.1/", "d": "urn:x-dangan:dat46:1.0"}
DEPT_A, DEPT_B = "秦皇岛市市场监督管理局", "秦皇岛市生态环境局"
FOOD = {"code": "SCJG-XK-101", "name": "食品经营许可"}
WASTE = {"code": "STHJ-XK-201", "name": "排污许可证核发"}
ID_NUMBER = "130302199001011234"
PAGE = 2
REPO = "archive.qhd.example"


@dataclass
class Env:
    archive: Archive
    client: TestClient
    public: dict[str, str]  # record id -> title
    hidden: list[str]
    root: Path


def _case(seed: int, dept: str, matter: dict[str, str], public: bool, **more: Any) -> Any:
    level = "公开" if public else "内部"
    return make_case(
        seed, department=dept, matter=matter, security_level=level, open_to_public=public, **more
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from dangan.web import create_app

    root = tmp_path_factory.mktemp("oai")
    archive = open_archive(load_settings(root / "data", oai_page_size=PAGE, oai_repository_identifier=REPO))
    cases = [_case(700 + i, DEPT_A, FOOD, True) for i in range(3)]
    cases += [_case(710 + i, DEPT_B, WASTE, True) for i in range(2)]
    cases[0].case["title"] = f"关于申请人（身份证号 {ID_NUMBER}）食品经营许可的审批"
    hidden = [_case(720, DEPT_A, FOOD, False), make_case(721, department=DEPT_A, matter=FOOD,
                                                          security_level="公开", open_to_public=False)]  # fmt: skip
    for case in cases + hidden:
        write_case(case, root / "in")
    report = import_paths(archive, [root / "in"])
    assert not report.rejected, report.as_json()["rejected"]
    by_source = {str(o.source_id): str(o.record_id) for o in report.accepted}
    public = {by_source[c.case["source_id"]]: c.case["title"] for c in cases}
    try:
        yield Env(archive, TestClient(create_app(archive)), public,
                  [by_source[c.case["source_id"]] for c in hidden], root)  # fmt: skip
    finally:
        archive.close()


@cache
def _schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(
        str(NAMESPACE_SCHEMAS[OAI_NS]),
        locations=[(ns, str(path)) for ns, path in NAMESPACE_SCHEMAS.items()],
        uri_mapper={url: path.as_uri() for url, path in SCHEMA_URLS.items()},
        allow="local",  # never the network: every import resolves to a shipped file
    )


def _valid(body: bytes) -> etree._Element:
    _schema().validate(body)
    return etree.fromstring(body)


def oai(env: Env, **params: str) -> etree._Element:
    resp = env.client.get("/oai", params=params)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/xml; charset=utf-8"
    return _valid(resp.content)


def error_of(doc: etree._Element) -> str | None:
    found = doc.find("o:error", NS)
    return None if found is None else str(found.get("code"))


def ids_in(doc: etree._Element) -> list[str]:
    return [str(t).rsplit(":", 1)[1] for t in doc.xpath("//o:header/o:identifier/text()", namespaces=NS)]


def token_of(doc: etree._Element) -> etree._Element | None:
    return doc.find(".//o:resumptionToken", NS)


def harvest(env: Env, verb: str, **args: str) -> tuple[list[str], list[etree._Element]]:
    docs = [oai(env, verb=verb, **args)]
    while (tok := token_of(docs[-1])) is not None and tok.text:
        docs.append(oai(env, verb=verb, resumptionToken=tok.text))
    return [i for d in docs for i in ids_in(d)], docs


# -- the verbs -------------------------------------------------------------------------------------


def test_identify_names_the_repository_and_its_policies(env: Env) -> None:
    doc = oai(env, verb="Identify")
    body = doc.find("o:Identify", NS)
    assert body is not None
    assert body.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert body.findtext("o:deletedRecord", namespaces=NS) == "transient"
    assert body.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert body.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai"
    assert body.findtext("o:adminEmail", namespaces=NS) == f"archive@{REPO}"
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body.findtext("o:earliestDatestamp", namespaces=NS) or ""
    )
    request = doc.find("o:request", NS)
    assert request is not None and request.get("verb") == "Identify"


def test_metadata_formats_and_the_dat46_schema_is_served(env: Env) -> None:
    doc = oai(env, verb="ListMetadataFormats")
    prefixes = doc.xpath("//o:metadataPrefix/text()", namespaces=NS)
    assert prefixes == ["oai_dc", "dat46"]
    schema_url = doc.xpath("//o:metadataFormat[o:metadataPrefix='dat46']/o:schema/text()", namespaces=NS)[0]
    served = env.client.get(str(schema_url).replace("http://testserver", ""))
    assert served.status_code == 200 and served.content == NAMESPACE_SCHEMAS[NS["d"]].read_bytes()
    one = oai(env, verb="ListMetadataFormats", identifier=f"oai:{REPO}:{next(iter(env.public))}")
    assert one.xpath("//o:metadataPrefix/text()", namespaces=NS) == ["oai_dc", "dat46"]


def test_sets_by_department_and_matter_list_only_what_is_open(env: Env) -> None:
    doc = oai(env, verb="ListSets")
    specs = doc.xpath("//o:setSpec/text()", namespaces=NS)
    assert {"department", "matter", "department:SCJG", "department:STHJ", "matter:SCJG-XK-101",
            "matter:STHJ-XK-201"} == set(specs)  # fmt: skip
    names = dict(zip(specs, doc.xpath("//o:setName/text()", namespaces=NS), strict=True))
    assert names["department:SCJG"] == DEPT_A and names["matter:STHJ-XK-201"] == "排污许可证核发"
    a, _ = harvest(env, "ListIdentifiers", metadataPrefix="oai_dc", set="department:SCJG")
    b, _ = harvest(env, "ListIdentifiers", metadataPrefix="oai_dc", set="matter:STHJ-XK-201")
    both, _ = harvest(
        env, "ListIdentifiers", metadataPrefix="oai_dc", set="department:STHJ:matter:STHJ-XK-201"
    )
    assert len(a) == 3 and len(b) == 2 and set(a) | set(b) == set(env.public) and set(both) == set(b)
    for record in oai(env, verb="ListRecords", metadataPrefix="oai_dc", set="matter:SCJG-XK-101").xpath(
        "//o:header", namespaces=NS
    ):
        assert record.xpath("o:setSpec/text()", namespaces=NS) == ["department:SCJG", "matter:SCJG-XK-101"]


@pytest.mark.parametrize("prefix", ["oai_dc", "dat46"])
def test_list_records_pages_through_every_open_record_once(env: Env, prefix: str) -> None:
    ids, docs = harvest(env, "ListRecords", metadataPrefix=prefix)
    assert sorted(ids) == sorted(env.public) and len(docs) == 3  # 5 records, 2 a page
    cursors = [token_of(d).get("cursor") for d in docs]  # type: ignore[union-attr]
    sizes = {token_of(d).get("completeListSize") for d in docs}  # type: ignore[union-attr]
    assert cursors == ["0", "2", "4"] and sizes == {"5"}
    assert token_of(docs[-1]).text is None and token_of(docs[0]).get("expirationDate")  # type: ignore[union-attr]
    assert not set(ids) & set(env.hidden)
    stamps = docs[0].xpath("//o:header/o:datestamp/text()", namespaces=NS)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", s) for s in stamps)


def test_list_identifiers_pages_alike_and_post_forms_are_answered_the_same(env: Env) -> None:
    ids, docs = harvest(env, "ListIdentifiers", metadataPrefix="oai_dc")
    assert sorted(ids) == sorted(env.public) and not docs[0].xpath("//o:metadata", namespaces=NS)
    resp = env.client.post("/oai", data={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    assert resp.status_code == 200 and ids_in(_valid(resp.content)) == ids[:PAGE]
    token = token_of(docs[0]).text  # type: ignore[union-attr]
    resp = env.client.post("/oai", data={"verb": "ListIdentifiers", "resumptionToken": token})
    assert ids_in(_valid(resp.content)) == ids[PAGE : 2 * PAGE]


def test_get_record_carries_title_record_id_and_archival_code(env: Env) -> None:
    record_id = next(iter(env.public))
    with env.archive.db.read() as s:
        code = s.query(Record.archival_code).filter(Record.id == record_id).scalar()
    doc = oai(env, verb="GetRecord", identifier=f"oai:{REPO}:{record_id}", metadataPrefix="oai_dc")
    assert doc.xpath("//dc:identifier/text()", namespaces=NS) == [record_id, code]
    title = doc.xpath("//dc:title/text()", namespaces=NS)[0]
    assert ID_NUMBER not in title and "130302********1234" in title  # masked as the public sees it
    dat = oai(env, verb="GetRecord", identifier=f"oai:{REPO}:{record_id}", metadataPrefix="dat46")
    assert dat.xpath("//d:电子文件号/text()", namespaces=NS) == [record_id]
    assert dat.xpath("//d:档号/@代码", namespaces=NS) == [code]
    other = next(i for i in env.public if i != record_id)
    got = oai(env, verb="GetRecord", identifier=f"oai:{REPO}:{other}", metadataPrefix="oai_dc")
    assert got.xpath("//dc:title/text()", namespaces=NS) == [env.public[other]]


def test_a_record_not_open_to_the_public_never_appears(env: Env) -> None:
    for record_id in env.hidden:
        doc = oai(env, verb="GetRecord", identifier=f"oai:{REPO}:{record_id}", metadataPrefix="oai_dc")
        assert error_of(doc) == "idDoesNotExist"
        doc = oai(env, verb="ListMetadataFormats", identifier=f"oai:{REPO}:{record_id}")
        assert error_of(doc) == "idDoesNotExist"
    for verb in ("ListIdentifiers", "ListRecords"):
        ids, docs = harvest(env, verb, metadataPrefix="dat46")
        assert not set(ids) & set(env.hidden)
        assert all(h not in etree.tostring(d).decode() for d in docs for h in env.hidden)


# -- dates -----------------------------------------------------------------------------------------


def test_from_and_until_at_day_and_second_granularity(env: Env) -> None:
    stamps = sorted(oai(env, verb="ListIdentifiers", metadataPrefix="oai_dc").xpath(
        "//o:datestamp/text()", namespaces=NS))  # fmt: skip
    first, day = stamps[0], stamps[0][:10]
    ids, _ = harvest(env, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": day, "until": day})
    assert sorted(ids) == sorted(env.public)
    ids, _ = harvest(
        env, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": first, "until": "2999-01-01T00:00:00Z"}
    )
    assert sorted(ids) == sorted(env.public)
    assert (
        error_of(oai(env, verb="ListRecords", metadataPrefix="oai_dc", until="2000-01-01"))
        == "noRecordsMatch"
    )
    assert (
        error_of(oai(env, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2999-01-01"}))
        == "noRecordsMatch"
    )


@pytest.mark.parametrize(
    "args",
    [
        {"from": "2024-02-01", "until": "2024-01-01"},  # from after until
        {"from": "2024-01-01", "until": "2024-02-01T00:00:00Z"},  # mixed granularity
        {"from": "2024-13-01"},
        {"from": "2024-01-01T00:00:00"},  # no Z
        {"until": "2024-01-01T00:00Z"},  # minutes granularity
        {"from": "yesterday"},
    ],
)
def test_bad_dates_are_bad_arguments(env: Env, args: dict[str, str]) -> None:
    doc = oai(env, verb="ListIdentifiers", metadataPrefix="oai_dc", **args)
    assert error_of(doc) == "badArgument"
    request = doc.find("o:request", NS)
    assert request is not None and not request.attrib


# -- errors ----------------------------------------------------------------------------------------

ERRORS: list[tuple[str, str, str]] = [
    ("", "badVerb", "no verb"),
    ("verb=Frobnicate", "badVerb", "unknown verb"),
    ("verb=Identify&verb=Identify", "badVerb", "repeated verb"),
    ("verb=Identify&identifier=oai:x:y", "badArgument", "illegal argument"),
    ("verb=ListRecords", "badArgument", "missing metadataPrefix"),
    ("verb=GetRecord&metadataPrefix=oai_dc", "badArgument", "missing identifier"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=dat46", "badArgument", "repeated argument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=abc", "badArgument", "token with other args"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=bad%20set", "badArgument", "setSpec syntax"),
    ("verb=ListRecords&metadataPrefix=", "badArgument", "empty value"),
    ("verb=ListRecords&metadataPrefix=oai_dc%00", "badArgument", "NUL"),
    ("verb=GetRecord&identifier=not%20a%20uri&metadataPrefix=oai_dc", "badArgument", "identifier syntax"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat", "unknown format"),
    (
        "verb=GetRecord&identifier=oai:archive.qhd.example:01AAAAAAAAAAAAAAAAAAAAAAAA&metadataPrefix=marc21",
        "cannotDisseminateFormat",
        "unknown format on GetRecord",
    ),
    (
        "verb=GetRecord&identifier=oai:archive.qhd.example:01AAAAAAAAAAAAAAAAAAAAAAAA&metadataPrefix=oai_dc",
        "idDoesNotExist",
        "unknown record",
    ),
    (
        "verb=GetRecord&identifier=oai:elsewhere.org:01AAAAAAAAAAAAAAAAAAAAAAAA&metadataPrefix=oai_dc",
        "idDoesNotExist",
        "another repository",
    ),
    ("verb=ListMetadataFormats&identifier=oai:archive.qhd.example:nope", "idDoesNotExist", "unknown item"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=department:NOPE", "noRecordsMatch", "unknown set"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=colour:red", "noRecordsMatch", "unknown set kind"),
    ("verb=ListRecords&resumptionToken=garbage", "badResumptionToken", "garbage token"),
    ("verb=ListSets&resumptionToken=anything", "badResumptionToken", "ListSets issues none"),
]


@pytest.mark.parametrize(("query", "code", "why"), ERRORS, ids=[e[2] for e in ERRORS])
def test_every_error_code(env: Env, query: str, code: str, why: str) -> None:
    for resp in (env.client.get(f"/oai?{query}"), env.client.post(
            "/oai", content=query, headers={"content-type": "application/x-www-form-urlencoded"})):  # fmt: skip
        assert resp.status_code == 200, why
        doc = _valid(resp.content)
        assert error_of(doc) == code, (why, resp.text)
        request = doc.find("o:request", NS)
        assert request is not None and (request.attrib == {}) == (code in ("badVerb", "badArgument"))


def _resign(token: str, key: bytes, change: Any) -> str:
    body_text, _, _ = token.rpartition(".")
    body = base64.urlsafe_b64decode(body_text + "=" * (-len(body_text) % 4))
    body = change(body)
    mac = hmac.new(key, b"dangan-oai-resumption\x00" + body, hashlib.sha256).digest()[:16]
    enc = base64.urlsafe_b64encode
    return enc(body).rstrip(b"=").decode() + "." + enc(mac).rstrip(b"=").decode()


def test_altered_forged_or_misused_tokens_are_refused(env: Env) -> None:
    token = token_of(oai(env, verb="ListRecords", metadataPrefix="oai_dc")).text  # type: ignore[union-attr]
    assert token
    body, _, mac = token.rpartition(".")
    tampered_body = (
        base64.urlsafe_b64encode(
            base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).replace(b'"c":2', b'"c":0')
        )
        .rstrip(b"=")
        .decode()
    )
    forged = _resign(token, b"not the archive's key", lambda b: b.replace(b'"c":2', b'"c":0'))
    for bad in (f"{tampered_body}.{mac}", forged, token[:-2], token + "A", "." + mac):
        assert error_of(oai(env, verb="ListRecords", resumptionToken=bad)) == "badResumptionToken", bad
    assert error_of(oai(env, verb="ListIdentifiers", resumptionToken=token)) == "badResumptionToken"
    assert ids_in(oai(env, verb="ListRecords", resumptionToken=token))  # the genuine one still works


def test_tokens_expire_a_day_after_the_page_that_issued_them(env: Env) -> None:
    config = oai_config(env.archive, "http://testserver")
    with env.archive.db.read() as s:
        first = etree.fromstring(
            answer(
                s, public_scope(), config, [("verb", "ListRecords"), ("metadataPrefix", "oai_dc")], utcnow()
            )
        )
        token = str(token_of(first).text)  # type: ignore[union-attr]
        later = utcnow() + timedelta(hours=23)
        ok = etree.fromstring(
            answer(s, public_scope(), config, [("verb", "ListRecords"), ("resumptionToken", token)], later)
        )
        late = utcnow() + timedelta(hours=25)
        expired = etree.fromstring(
            answer(s, public_scope(), config, [("verb", "ListRecords"), ("resumptionToken", token)], late)
        )
    assert error_of(ok) is None and error_of(expired) == "badResumptionToken"


# -- harvest stability and deleted records ---------------------------------------------------------


def test_a_harvest_is_stable_while_new_records_arrive(env: Env, tmp_path: Path) -> None:
    first = oai(env, verb="ListIdentifiers", metadataPrefix="oai_dc")
    write_case(_case(730, DEPT_B, WASTE, True), tmp_path / "in")
    report = import_paths(env.archive, [tmp_path / "in"])
    new_id = report.accepted[0].record_id
    try:
        ids = ids_in(first)
        doc = first
        while (tok := token_of(doc)) is not None and tok.text:
            doc = oai(env, verb="ListIdentifiers", resumptionToken=tok.text)
            ids += ids_in(doc)
        assert len(ids) == len(set(ids)) and set(env.public) <= set(ids) <= set(env.public) | {new_id}
    finally:
        with env.archive.db.write() as s:  # the module's archive goes back to its five open records
            s.query(Record).filter(Record.id == new_id).update({"open_to_public": False})


def test_records_the_scope_marks_deleted_are_reported_as_deleted(env: Env) -> None:
    gone = sorted(env.public)[0]
    scope = replace(public_scope(), deleted=Record.id == gone)
    config = replace(oai_config(env.archive, "http://testserver"), page_size=10)
    ident = f"oai:{REPO}:{gone}"

    def ask(*params: tuple[str, str]) -> etree._Element:
        with env.archive.db.read() as s:
            return _valid(answer(s, scope, config, list(params), utcnow()))

    doc = ask(("verb", "ListRecords"), ("metadataPrefix", "oai_dc"))
    header = doc.xpath(f"//o:header[o:identifier='{ident}']", namespaces=NS)[0]
    assert header.get("status") == "deleted" and header.getparent().find("o:metadata", NS) is None
    assert len(doc.xpath("//o:metadata", namespaces=NS)) == len(env.public) - 1
    got = ask(("verb", "GetRecord"), ("identifier", ident), ("metadataPrefix", "dat46"))
    assert got.xpath("//o:header/@status", namespaces=NS) == ["deleted"]
    assert error_of(ask(("verb", "ListMetadataFormats"), ("identifier", ident))) == "noMetadataFormats"
    assert not isinstance(scope, Scope) or scope.deleted is not None


def test_strange_requests_never_fail(env: Env) -> None:
    for query in ("verb=ListRecords&metadataPrefix=%E2%80%AE%FF", "verb=%00", "verb=GetRecord&identifier=" + "a:" * 1500
                  + "&metadataPrefix=oai_dc", "verb=ListRecords&resumptionToken=" + "A" * 3000, "%%%", "verb"):  # fmt: skip
        resp = env.client.get(f"/oai?{query}")
        assert resp.status_code == 200 and error_of(_valid(resp.content)), query
    resp = env.client.post(
        "/oai", content=b'{"verb": "Identify"}', headers={"content-type": "application/json"}
    )
    assert error_of(_valid(resp.content)) == "badVerb"
    resp = env.client.post("/oai", content=b"verb=Identify&x=" + b"A" * 70_000,
                           headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert error_of(_valid(resp.content)) == "badVerb"


# -- a real harvester ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(env: Env) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread of this process."""
    import uvicorn

    from dangan.web import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(env.archive), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}/oai"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_sickle_harvests_the_open_catalogue(env: Env, served: str) -> None:
    from sickle import Sickle  # type: ignore[import-untyped]

    sickle = Sickle(served, max_retries=0, timeout=30)
    assert sickle.Identify().repositoryName == load_settings(env.root / "data").fonds_name
    records = list(sickle.ListRecords(metadataPrefix="oai_dc"))
    assert sorted(r.header.identifier.rsplit(":", 1)[1] for r in records) == sorted(env.public)
    for r in records:
        record_id = r.header.identifier.rsplit(":", 1)[1]
        assert record_id in r.metadata["identifier"]
        assert len(r.metadata["identifier"]) == 2 and not r.header.deleted
    assert {s.setSpec for s in sickle.ListSets()} >= {"department:SCJG", "matter:STHJ-XK-201"}
    dat = list(sickle.ListIdentifiers(metadataPrefix="dat46", set="department:STHJ"))
    assert len(dat) == 2
    one = sickle.GetRecord(identifier=records[0].header.identifier, metadataPrefix="dat46")
    assert one.header.identifier == records[0].header.identifier
    posted = Sickle(served, http_method="POST", max_retries=0, timeout=30)
    assert len(list(posted.ListIdentifiers(metadataPrefix="oai_dc"))) == len(env.public)
