"""Schemathesis against the app's own OpenAPI document: no 5xx, every answer as documented.

Every operation the document lists is exercised (new routes are picked up without touching this file),
as an anonymous caller, as several logged-in roles and with a business system's API key. Each response
must have a declared status code and content type, match its declared schema, and every error must be
`{"error": {"code", "message"}}`. Generation is derandomized so CI sees the same cases every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dangan.services.accounts import add_user, create_api_key
from dangan.web.security import CSRF_HEADER, SESSION_COOKIE
from tests.web.conftest import DEPT_A, PASSWORD, WebEnv, csrf_of, login

EXAMPLES = 10  # per operation, role and mode: the module takes ~20 s on 2 idle CPUs with ~20 operations
ROLES = ("anonymous", "archivist", "clerk_a", "auditor", "secadmin", "api_key")
# Invalid input is only worth sending past authentication: to the roles that reach the most routes.
INVALID_ROLES = ("archivist", "clerk_a", "secadmin")


@schemathesis.check
def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer of the API is `{"error": {"code": str, "message": str}}`."""
    if response.status_code < 400:
        return None
    body = response.json()
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"error body is not an envelope: {body!r}"
    assert isinstance(error.get("code"), str) and error["code"], f"error without code: {body!r}"
    assert isinstance(error.get("message"), str) and error["message"], f"error without message: {body!r}"
    return True


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    assert response.status_code < 500, f"server error {response.status_code}: {response.text[:500]}"
    return True


CHECKS = [
    no_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    error_envelope,
]


@pytest.fixture(scope="module")
def credentials(web_env: WebEnv) -> Iterator[dict[str, dict[str, Any]]]:
    """Per role: the headers and cookies a real caller would send."""
    creds: dict[str, dict[str, Any]] = {"anonymous": {"headers": {}, "cookies": {}}}
    add_user(web_env.archive, "secadmin", PASSWORD, "secadmin", display_name="安全保密管理员")
    for name in ("archivist", "clerk_a", "auditor", "secadmin"):
        with TestClient(web_env.app, follow_redirects=False) as c:
            assert login(c, name).status_code == 303
            token = csrf_of(c.get("/search").text)  # sent as the X-CSRF-Token header: writes reach the route
            creds[name] = {
                "headers": {CSRF_HEADER: token},
                "cookies": {SESSION_COOKIE: c.cookies[SESSION_COOKIE]},
            }
    _, key = create_api_key(web_env.archive, "hardening-system", DEPT_A, label="强化测试")
    creds["api_key"] = {"headers": {"Authorization": f"Bearer {key}"}, "cookies": {}}
    yield creds


@pytest.fixture(scope="module")
def api_schema(web_env: WebEnv) -> Any:
    return schemathesis.openapi.from_asgi("/api/openapi.json", web_env.app)


def _operations(schema: Any) -> list[Any]:
    return [result.ok() for result in schema.get_all_operations()]


def _negatable(operation: Any) -> bool:
    """Whether invalid input exists: a body, or a parameter with a type or bounds (any string fits a
    plain string parameter, and Hypothesis would search a long while to find that out)."""
    raw = operation.definition.raw
    plain = {"type": "string"}
    return "requestBody" in raw or any(
        {k: v for k, v in p.get("schema", {}).items() if k not in ("title", "description")} != plain
        for p in raw.get("parameters", [])
    )


def _run(operation: Any, mode: GenerationMode, cred: dict[str, Any]) -> None:
    call: Callable[[Any], None] = lambda case: _check(case, cred)  # noqa: E731

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def exercise(data: st.DataObject) -> None:
        call(data.draw(operation.as_strategy(generation_mode=mode)))

    exercise()


def _check(case: Any, cred: dict[str, Any]) -> None:
    response = case.call(headers=dict(cred["headers"]), cookies=dict(cred["cookies"]))
    case.validate_response(response, checks=CHECKS)


CASES = [(role, GenerationMode.POSITIVE) for role in ROLES] + [
    (role, GenerationMode.NEGATIVE) for role in INVALID_ROLES
]


@pytest.mark.parametrize(("role", "mode"), CASES, ids=[f"{r}-{m.value}" for r, m in CASES])
def test_every_documented_operation_answers_as_documented(
    api_schema: Any, credentials: dict[str, dict[str, Any]], role: str, mode: GenerationMode
) -> None:
    operations = _operations(api_schema)
    assert len(operations) >= 7, [op.label for op in operations]
    exercised = []
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not _negatable(operation):
            continue
        _run(operation, mode, credentials[role])
        exercised.append(operation.label)
    assert "GET /api/v1/search" in exercised and "POST /api/v1/cases" in exercised, exercised


def test_the_document_declares_the_error_envelope_for_every_error(api_schema: Any) -> None:
    """Each declared 4xx answer of each operation points at the one error model."""
    raw = api_schema.raw_schema
    for path, methods in raw["paths"].items():
        for method, operation in methods.items():
            for status, answer in operation["responses"].items():
                if status.startswith("4"):
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/ErrorResponse"), (method, path, status, ref)
