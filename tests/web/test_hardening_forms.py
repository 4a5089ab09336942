"""Hypothesis against every HTML form of the app: no 5xx, and a refused form changes nothing.

The pages' POST routes are not in the OpenAPI document (`include_in_schema=False`), so the schemathesis
test (test_hardening_schema.py) never reaches them. Here every POST route of the app's router is found
by walking `app.routes` (a route added later is fuzzed without touching this file), and each gets
generated form fields — empty, huge, numbers out of range, odd Unicode, NUL, fields missing, fields
nobody declared, random files — sent as a logged-in archivist and as a department clerk, each with a
valid CSRF token as a browser sends it. Every answer must be below 500; for every 4xx answer the
catalogue's row counts must be as before (the journal of refusals — audit events, alerts — aside).
Generation is derandomized so CI sees the same cases every run; a handful of examples per route.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dangan.services.accounts import unlock_user
from dangan.store.catalog import Base
from dangan.web.security import CSRF_FIELD
from tests.web.conftest import PASSWORD, WebEnv, csrf_of, login

EXAMPLES = 4  # per route and role
ROLES = ("archivist", "clerk_a")
# Tables a refused request may still write to: the audit trail of the refusal and the alerts it raises.
JOURNAL = {"event", "alert", "webhook_delivery", "webhook_attempt", "search_log", "search_click"}
MISSING = "01AAAAAAAAAAAAAAAAAAAAAAAA"
# Routes that end the fuzzing client's own session are sent last (their examples still count).
LAST = ("/logout", "/login", "/login/totp")
ODD = [
    "", " ", "0", "-1", "99999999999999999999999", "1e309", "NaN", "true", "2023-02-30", "9999-99-99",
    "../../etc/passwd", "<script>alert(1)</script>", "'; DROP TABLE record;--", "\x00", "a\x00b",
    "\u202e\u200b\ufeff", "𠀀𪚥", "ｱｲｳ", "秘密", "机密", "archivist", "公开", "永久", "\r\n\r\n", "%00", "{}", "[]",
]  # fmt: skip
HUGE = ["档" * 60_000, "x" * (1024 * 1024 + 16)]  # just under and just over the form parser's 1 MB
values = st.one_of(
    st.sampled_from(ODD),
    st.text(st.characters(codec="utf-8"), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
CSRF_REFUSED = "请求来源无法验证"


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI >= 0.16x keeps included routers nested
            inner = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            yield from _walk(route.original_router.routes, prefix + inner)
        elif hasattr(route, "path") and "POST" in (getattr(route, "methods", None) or ()):
            yield prefix + route.path, route


def _form_routes(app: Any) -> list[tuple[str, Any]]:
    """POST routes missing from the OpenAPI document: the forms of the pages."""
    documented = {p for p, ops in app.openapi()["paths"].items() if "post" in ops}
    found = [(p, r) for p, r in _walk(app.routes) if p not in documented]
    return sorted(found, key=lambda pr: (pr[0] in LAST, pr[0]))


def _fields(route: Any) -> tuple[list[str], list[str]]:
    """The form's declared text fields and file fields (routes reading `request.form()` declare none)."""
    dependant = getattr(route, "dependant", None)
    texts: list[str] = []
    files: list[str] = []
    for param in getattr(dependant, "body_params", []):
        kind = type(param.field_info).__name__
        (files if kind == "File" else texts).append(param.alias or param.name)
    return texts, files


def _counts(web_env: WebEnv) -> dict[str, int]:
    with web_env.archive.db.read() as s:
        return {
            name: int(s.scalar(select(func.count()).select_from(table)) or 0)
            for name, table in Base.metadata.tables.items()
            if name not in JOURNAL
        }


@st.composite
def forms(draw: st.DrawFn, texts: list[str], files: list[str], multipart: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in texts:
        if draw(st.booleans()) or (len(texts) == 1 and draw(st.booleans())):
            data[name] = draw(st.lists(values, min_size=2, max_size=3)) if draw(st.integers(0, 5)) == 0 else draw(values)  # fmt: skip
    for _ in range(draw(st.integers(0, 2))):  # fields nobody declared
        data[draw(st.text(st.characters(codec="utf-8"), min_size=1, max_size=12))] = draw(values)
    if texts and draw(st.integers(0, 5)) == 0:  # now and then one field far too long
        data[draw(st.sampled_from(texts))] = draw(st.sampled_from(HUGE))
    uploads = []
    if multipart:
        for name in files or ["files", "file", "package"]:
            if draw(st.booleans()):
                filename = draw(
                    st.sampled_from(["a.pdf", "../../x.zip", "案卷.zip", "", "case.json", "x" * 300])
                )
                uploads.append((name, (filename, draw(st.binary(max_size=3000)), "application/octet-stream")))
    return {"data": data, "files": uploads}


def _path_values(web_env: WebEnv) -> dict[str, list[str]]:
    record = next(iter(web_env.ids.values()))
    return {
        "record_id": [record, MISSING],
        "username": ["clerk_b", "nobody"],  # never the fuzzing users themselves
        "position": ["0", "9"],
    }


def _url(path: str, known: dict[str, list[str]], draw: Callable[[st.SearchStrategy[str]], str]) -> str:
    def fill(m: re.Match[str]) -> str:
        name = m.group(1).split(":")[0]
        choices = st.sampled_from(known.get(name, ["1", MISSING]))
        text = st.text(st.characters(codec="utf-8", blacklist_characters="/\x00"), min_size=1, max_size=20)  # fmt: skip
        return quote(draw(st.one_of(choices, text)), safe="")

    return re.sub(r"\{([^}]+)\}", fill, path)


def _session(web_env: WebEnv, role: str) -> tuple[TestClient, str]:
    client = TestClient(web_env.app, follow_redirects=False)
    if login(client, role).status_code != 303:  # locked by an earlier route's wrong passwords
        unlock_user(web_env.archive, None, role)
        assert login(client, role).status_code == 303, f"{role} cannot log in"
    return client, csrf_of(client.get("/search").text)


@pytest.fixture(scope="module")
def routes(web_env: WebEnv) -> list[tuple[str, Any]]:
    return _form_routes(web_env.app)


def test_form_routes_are_found(routes: list[tuple[str, Any]]) -> None:
    paths = [p for p, _ in routes]
    assert len(paths) >= 40 and "/handover" in paths and "/admin/users" in paths, paths
    assert "/api/v1/cases" not in paths, "documented operations are the schemathesis test's"


def _fuzz(web_env: WebEnv, role: str, path: str, route: Any, seen: Counter[str]) -> None:
    """A handful of generated forms to one route; raises AssertionError on a 5xx or a partial change."""
    client, token = _session(web_env, role)
    texts, files = _fields(route)
    multipart = bool(files) or path.startswith("/upload")
    known = _path_values(web_env)

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.data())
    def exercise(data: st.DataObject) -> None:
        url = _url(path, known, data.draw)
        form = data.draw(forms(texts, files, multipart))
        form["data"][CSRF_FIELD] = token
        before = _counts(web_env)
        if multipart:  # an empty file part keeps the body multipart when no file was drawn
            response = client.post(
                url, data=form["data"], files=form["files"] or [("_", ("", b"", "text/plain"))]
            )
        else:
            response = client.post(url, data=form["data"])
        seen["csrf" if CSRF_REFUSED in response.text else str(response.status_code)] += 1
        where = f"{role} POST {url} {sorted(form['data'])[:6]}"
        assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
        if 400 <= response.status_code < 500:
            after = _counts(web_env)
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{where}: refused ({response.status_code}) yet changed {changed}"

    try:
        exercise()
    finally:
        client.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_form_refuses_bad_input_cleanly(
    web_env: WebEnv, routes: list[tuple[str, Any]], role: str
) -> None:
    failures: list[str] = []
    seen: Counter[str] = Counter()
    for path, route in routes:
        try:
            _fuzz(web_env, role, path, route, seen)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0][:500])
    print(role, dict(seen))
    assert not failures, "\n".join(failures)
    # every route was reached past the CSRF check (only /logout's later examples lose the session)
    assert sum(seen.values()) >= EXAMPLES * len(routes) and seen["csrf"] < EXAMPLES, seen


def test_a_valid_token_is_what_lets_a_form_through(web_env: WebEnv) -> None:
    """The fuzzing above reaches the routes: without the token the same form is refused before them."""
    client, _ = _session(web_env, "archivist")
    before = _counts(web_env)
    response = client.post("/handover", data={"year": "2023", "carrier": "在线", "note": "x"})
    assert response.status_code == 403 and _counts(web_env) == before
    assert PASSWORD  # the fuzzing users log in with the shared test password
