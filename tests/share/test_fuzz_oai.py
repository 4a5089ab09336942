"""Hypothesis against the OAI-PMH endpoint's request arguments: any verb, argument names and values —
repeated, missing, dates that do not exist, forged and mangled resumption tokens, odd Unicode — by GET
and by POST get an OAI-PMH document (HTTP 200) whose errors carry the protocol's own codes, never a 5xx
or a document that does not parse. (A NUL in the query string is refused up front with 422: DESIGN's
app-wide rule.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dangan.share.oai import ERROR_CODES, OAI_NS
from tests.factories import demo_archive

VERBS = ["Identify", "ListRecords", "ListIdentifiers", "GetRecord", "ListSets", "ListMetadataFormats"]
ARGS = ["metadataPrefix", "identifier", "from", "until", "set", "resumptionToken"]
VALUES = [
    "", "oai_dc", "dat46", "OAI_DC", "2023-01-01", "2023-13-45", "2023-02-29", "0000-01-01", "9999-12-31",
    "2023-01-01T00:00:00Z", "2023-01-01T25:61:61Z", "2023-01-01T00:00:00+08:00", "1e9", "-1",
    "oai:dangan:01AAAAAAAAAAAAAAAAAAAAAAAA", "oai:x:y", "not a uri", "department:秦皇岛市市场监督管理局",
    "matter:食品经营许可", "a:b:c:d", "AAAA", "!!!!", "eyJ2Ijox", "\u202e", "𠀀", "\r\n", "<x>&amp;",
]  # fmt: skip
value = st.one_of(st.sampled_from(VALUES), st.text(st.characters(codec="utf-8"), max_size=60))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from dangan.web import create_app

    with (
        demo_archive(tmp_path_factory.mktemp("oai"), 8, seed=11) as (archive, _),
        TestClient(create_app(archive)) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def token(client: TestClient) -> str:
    """A real resumption token, if the open catalogue spans more than one page; else a plausible one."""
    body = client.get("/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}).content
    found = etree.fromstring(body).find(f".//{{{OAI_NS}}}resumptionToken")
    return found.text if found is not None and found.text else "eyJ2IjoxfQ.AAAA"


@st.composite
def requests(draw: st.DrawFn, token: str) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(0, 2))):
        params.append(("verb", draw(st.one_of(st.sampled_from(VERBS), value))))
    for _ in range(draw(st.integers(0, 4))):
        name = draw(st.one_of(st.sampled_from(ARGS), st.text(min_size=1, max_size=10)))
        if name == "resumptionToken" and draw(st.booleans()):
            cut = draw(st.integers(0, len(token)))
            params.append((name, token[:cut] + draw(st.text(max_size=4)) + token[cut + 1 :]))
        else:
            params.append((name, draw(value)))
    return params


def _check(response: object, params: list[tuple[str, str]]) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    text = response.text  # type: ignore[attr-defined]
    assert status < 500, f"{params}: {status} {text[:300]}"
    if status != 200:
        assert status == 422 and any("\x00" in k + v for k, v in params), f"{params}: {status} {text[:300]}"
        return
    root = etree.fromstring(response.content)  # type: ignore[attr-defined]
    assert root.tag == f"{{{OAI_NS}}}OAI-PMH"
    for error in root.iter(f"{{{OAI_NS}}}error"):
        assert error.get("code") in ERROR_CODES and re.search(r"[\u4e00-\u9fff]|\w", error.text or ""), (
            params,
            etree.tostring(error, encoding="unicode"),
        )


FUZZ = settings(max_examples=150, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))  # fmt: skip


@FUZZ
@given(st.data())
def test_any_get_request_gets_an_oai_document(client: TestClient, token: str, data: st.DataObject) -> None:
    params = data.draw(requests(token))
    _check(client.get("/oai", params=params), params)


@FUZZ
@given(st.data())
def test_any_post_request_gets_an_oai_document(client: TestClient, token: str, data: st.DataObject) -> None:
    params = data.draw(requests(token))
    form = {"content-type": "application/x-www-form-urlencoded"}  # repeated names kept, in order
    _check(client.post("/oai", content=urlencode(params), headers=form), params)


def test_the_generator_reaches_records(client: TestClient) -> None:
    """Not only errors: a plain harvest answers records (the catalogue has open ones)."""
    body = client.get("/oai", params={"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"}).content
    root = etree.fromstring(body)
    assert root.find(f".//{{{OAI_NS}}}header") is not None, body[:500]
