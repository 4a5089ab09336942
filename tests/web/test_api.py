"""`/api/v1`: shapes, the error envelope for every failure, OpenAPI and the offline docs page."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import httpx
import pytest
from fastapi.testclient import TestClient

from dangan.services.accounts import get_principal
from dangan.services.utilisation import search
from dangan.web.routes.public import docs
from tests.web.conftest import A_COUNT, B_TITLE, DEPT_B, WebEnv

Client = Callable[[str], TestClient]


def _assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize(
    "path", ["/api/v1/records", "/api/v1/records/X", "/api/v1/search?q=审批", "/api/v1/stats"]
)
def test_unauthenticated_api_is_401(client: TestClient, path: str) -> None:
    response = client.get(path)
    _assert_error(response, 401, "unauthenticated")
    assert response.json()["error"]["message"] == "请先登录"


def test_unknown_api_route_and_method(as_user: Client) -> None:
    c = as_user("archivist")
    _assert_error(c.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_error(c.get("/api/nope"), 404, "not_found")
    _assert_error(c.post("/api/v1/stats"), 405, "method_not_allowed")


def test_unknown_record_is_404(as_user: Client) -> None:
    response = as_user("archivist").get("/api/v1/records/01NOSUCH00000000000000000")
    _assert_error(response, 404, "not_found")
    assert response.json()["error"]["message"] == "档案不存在或您无权查看"


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/records?per_page=0",
        "/api/v1/records?page=abc",
        "/api/v1/records?year=12",
        "/api/v1/search",
        "/api/v1/search?q=",
        "/api/v1/search?q=审批&limit=9999",
        "/api/v1/search?q=审批&offset=-1",
    ],
)
def test_bad_parameters_are_422_with_details(as_user: Client, url: str) -> None:
    response = as_user("archivist").get(url)
    _assert_error(response, 422, "validation_failed")
    details = response.json()["error"]["details"]
    assert details and all({"field", "code", "message"} <= set(d) for d in details)


def test_records_list(as_user: Client) -> None:
    body = as_user("archivist").get("/api/v1/records", params={"department": DEPT_B, "per_page": 2}).json()
    assert body["total"] == 3 and body["page"] == 1 and body["per_page"] == 2 and body["pages"] == 2
    assert len(body["items"]) == 2
    item = body["items"][0]
    assert item["department"] == DEPT_B and item["url"] == f"/api/v1/records/{item['record_id']}"
    assert {"archival_code", "title", "matter", "year", "decided_at", "security_level"} <= set(item)
    second = as_user("archivist").get(
        "/api/v1/records", params={"department": DEPT_B, "per_page": 2, "page": 2}
    )
    assert len(second.json()["items"]) == 1
    year = as_user("archivist").get("/api/v1/records", params={"year": 2022}).json()
    assert year["total"] == A_COUNT - 15


def test_record_detail_with_files(web_env: WebEnv, as_user: Client) -> None:
    c = as_user("archivist")
    record_id = web_env.ids["b0"]
    body = c.get(f"/api/v1/records/{record_id}").json()
    assert body["record_id"] == record_id and body["title"] == B_TITLE and body["department"] == DEPT_B
    assert body["applicant"]["name"]
    assert body["district"] is None or re.fullmatch(r"\d{6}", body["district"]["code"])
    assert body["files"]
    for f in body["files"]:
        assert set(f) >= {"path", "role", "media_type", "size", "sha256", "download_url", "preview_url"}
        response = c.get(f["download_url"])
        assert response.status_code == 200 and response.headers["x-request-id"]
        if f["media_type"] not in ("application/pdf", "image/png", "image/jpeg", "image/tiff"):
            # not public: PDFs and images are watermarked (tests/web/test_watermark.py), others as stored
            data = response.content
            assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["size"]


def test_search_matches_the_cli_contract(web_env: WebEnv, as_user: Client) -> None:
    body = as_user("archivist").get("/api/v1/search", params={"q": "海鸥化工 排污", "limit": 5}).json()
    assert set(body) == {"parsed", "total", "hits"}
    assert body["parsed"]["keywords"] and {"time_from", "time_to", "district", "department"} <= set(
        body["parsed"]
    )
    assert body["total"] == 1
    assert set(body["hits"][0]) == {
        "record_id",
        "source_system",
        "source_id",
        "archival_code",
        "title",
        "score",
        "matched",  # extensions: which identifier matched exactly (else null), and what a list shows
        "department",
        "matter",
        "decided_at",
        "snippet",
        "highlights",
        "shared",  # the sharing type of another department's record (null for one's own)
    }
    expected = search(web_env.archive, get_principal(web_env.archive, "archivist"), "海鸥化工 排污", limit=5)
    assert body == expected.as_json()


def test_search_limit_and_offset(as_user: Client) -> None:
    c = as_user("archivist")
    first = c.get("/api/v1/search", params={"q": "审批", "limit": 10}).json()
    rest = c.get("/api/v1/search", params={"q": "审批", "limit": 100, "offset": 10}).json()
    assert first["total"] == rest["total"] == A_COUNT + 5
    ids = [h["record_id"] for h in first["hits"] + rest["hits"]]
    assert len(ids) == len(set(ids)) == A_COUNT + 5


def test_stats(as_user: Client) -> None:
    body = as_user("archivist").get("/api/v1/stats").json()
    assert body["records"] == A_COUNT + 5 and body["departments"] == 2 and body["matters"] == 3
    assert body["files"] > body["records"] and body["bytes"] > 0


def test_openapi_lists_the_endpoints(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/records", "/api/v1/records/{record_id}", "/api/v1/search", "/api/v1/stats"):
        assert "get" in paths[path], path
    assert not any(p.startswith(("/login", "/records", "/search")) for p in paths)  # pages stay out
    assert "SearchResponse" in spec["components"]["schemas"]
    assert "ErrorResponse" in spec["components"]["schemas"]
    assert "401" in paths["/api/v1/stats"]["get"]["responses"]


def test_docs_page_is_swagger_from_local_assets(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "swagger-ui-bundle.js" in page.text and "/api/openapi.json" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "docs must not load anything from outside"
    assert "<script>" not in page.text  # no inline script: the CSP forbids it
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(asset).status_code == 200, asset


def test_docs_fallback_reference_without_swagger(web_env: WebEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    from dangan.web import create_app

    monkeypatch.setattr(docs, "SWAGGER_DIR", None)
    with TestClient(create_app(web_env.archive)) as c:
        page = c.get("/api/docs")
    assert page.status_code == 200
    assert "/api/v1/search" in page.text and "swagger-ui-bundle.js" not in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
