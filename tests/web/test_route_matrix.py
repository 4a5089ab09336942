"""三员分立 through every route: the system administrator, the security officer and the auditor read no
record content anywhere, and a record they may not read answers exactly like a missing one.

The routes are enumerated from the app itself, so a route added later is probed too; a route whose path
parameter this test does not know fails the test until it is classified here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dangan.core import Conflict, ValidationFailed
from dangan.services.accounts import add_user
from dangan.services.intake import import_paths
from dangan.store.catalog import Record
from tests.factories import package_dir
from tests.web.conftest import PASSWORD, WebEnv, csrf_of

Client = Callable[[str], TestClient]
ADMINS = ("sysadmin", "secadmin", "auditor")
MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"
SKIP = {"/login", "/logout", "/api/openapi.json"}  # the session itself; the schema holds no records
FIXED = {"position": "0", "number": "1", "page": "1", "n": "1"}
# The manual's pages (/help): an error code, a role, one of its tasks, an image.
FIXED |= {"code": "not_found", "role": "archivist", "slug": "search", "name": "search.png"}
# Parameters naming something that belongs to a record or a case: real and missing must look alike.
# `uscc` names an enterprise known only from its records (the knowledge graph's 360° page).
COMPARED = {"record_id", "qid", "uscc"}
# Parameters naming other objects (keys, batches, certificates): probed with a missing value only.
PROBED = {
    "key_id",
    "bid",
    "certificate_id",
    "username",
    "req_id",
    "alert_id",
    "batch_id",
    "rule_id",
    "exercise_id",
}
QUERY = {"/search": {"q": "审批"}, "/api/v1/search": {"q": "审批"}}


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.16x keeps included routers nested
            inner = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _walk(route.original_router.routes, prefix + inner)
        elif hasattr(route, "path") and getattr(route, "methods", None):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path


@pytest.fixture(scope="module")
def matrix(web_env: WebEnv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    add_user(web_env.archive, "sysadmin", PASSWORD, "sysadmin", clearance="机密")
    add_user(web_env.archive, "secadmin", PASSWORD, "secadmin", clearance="机密")
    pkg = package_dir(tmp_path_factory.mktemp("held"), 77)
    (pkg / "多余.txt").write_text("不在清单中", encoding="utf-8")
    reasons = import_paths(web_env.archive, [pkg]).as_json()["rejected"][0]["reasons"]
    qid = str(reasons[-1]["message"].split("编号 ")[1].split("）")[0])
    with web_env.archive.db.read() as s:
        records = s.scalars(select(Record)).all()
        secrets = {r.id for r in records} | {r.archival_code for r in records} | {r.title for r in records}
        secrets |= {r.applicant_name for r in records} | {r.id_number for r in records if r.id_number}
    uscc = next(r.applicant_uscc for r in records if r.id == web_env.ids["odd"])
    assert uscc, "the odd record's applicant has a USCC: the 360° page is probed with a real one"
    return {"record_id": web_env.ids["odd"], "qid": qid, "uscc": uscc, "secrets": secrets}


def _url(path: str, values: dict[str, str]) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1).split(":")[0]
        if name in FIXED:
            return FIXED[name]
        if name in values:
            return values[name]
        raise AssertionError(f"route parameter {{{name}}} of {path} is not classified in this test")

    return re.sub(r"\{([^}]+)\}", fill, path)


def _call(c: TestClient, method: str, url: str, token: str) -> Any:
    path = url.split("?")[0]
    if method == "GET":
        return c.get(url, params=QUERY.get(path))
    return c.request(method, url, headers={"x-csrf-token": token}, data={})


def _routes(web_env: WebEnv) -> list[tuple[str, str]]:
    return [(m, p) for m, p in _walk(web_env.app.routes) if p not in SKIP]


@pytest.mark.parametrize("role", ADMINS)
def test_three_admins_see_no_record_content_through_any_route(
    web_env: WebEnv, as_user: Client, matrix: dict[str, Any], role: str
) -> None:
    c = as_user(role)
    token = csrf_of(c.get("/").text)
    routes = _routes(web_env)
    assert len(routes) >= 20 and ("GET", "/records/{record_id}/files/{position}/download") in routes
    for method, path in routes:
        names = {n.split(":")[0] for n in re.findall(r"\{([^}]+)\}", path)} - set(FIXED)
        unknown = names - COMPARED - PROBED
        assert not unknown, f"{method} {path}: classify {unknown} in this test"
        real = {n: (matrix[n] if n in COMPARED else MISSING) for n in names}
        missing = dict.fromkeys(names, MISSING)
        got = _call(c, method, _url(path, real), token)
        assert got.status_code < 500, (method, path, got.status_code)
        for secret in matrix["secrets"]:
            assert secret not in got.text, (role, method, path, secret)
        if names & COMPARED:
            absent = _call(c, method, _url(path, missing), token)
            assert (got.status_code, got.content) == (absent.status_code, absent.content), (
                role,
                method,
                path,
            )


@pytest.mark.parametrize("role", ADMINS)
def test_counts_and_searches_are_empty_for_the_three_admins(
    web_env: WebEnv, as_user: Client, role: str
) -> None:
    c = as_user(role)
    assert c.get("/api/v1/stats").json()["records"] == 0
    assert c.get("/api/v1/records").json()["total"] == 0
    assert c.get("/api/v1/search", params={"q": "审批"}).json()["total"] == 0


def test_a_clerk_cannot_tell_a_forbidden_record_from_a_missing_one_anywhere(
    web_env: WebEnv, as_user: Client, matrix: dict[str, Any]
) -> None:
    c = as_user("clerk_b")  # the "odd" record belongs to department A
    token = csrf_of(c.get("/").text)
    for method, path in _routes(web_env):
        if "{record_id}" not in path:
            continue
        forbidden = _call(c, method, _url(path, {"record_id": matrix["record_id"]}), token)
        absent = _call(c, method, _url(path, {"record_id": MISSING}), token)
        assert (forbidden.status_code, forbidden.content) == (absent.status_code, absent.content), path


def test_no_account_holds_two_of_the_three_admin_roles(web_env: WebEnv) -> None:
    """One role per account (a single column); a second role means a second account, refused by name."""
    add_user(web_env.archive, "ops1", PASSWORD, "sysadmin")
    for role in ("auditor", "secadmin"):
        with pytest.raises(Conflict):
            add_user(web_env.archive, "ops1", PASSWORD, role)
    for combined in ("sysadmin,auditor", "sysadmin auditor", "系统管理员/安全审计员"):
        with pytest.raises(ValidationFailed):
            add_user(web_env.archive, "ops2", PASSWORD, combined)
