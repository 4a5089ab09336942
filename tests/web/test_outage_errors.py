"""A backing service that is down answers 503 with a Chinese message and Retry-After, not a 500: the
mapping of web/outage.py, checked without stopping servers (tests/scaled/test_outage.py stops real ones).
The failures are raised by a route added for the test, as the client libraries raise them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError, ProgrammingError

from dangan.core import load_settings
from dangan.services.archive import open_archive

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _pg_down() -> Exception:
    try:
        raise psycopg.OperationalError("connection is bad: server closed the connection unexpectedly")
    except psycopg.OperationalError as exc:
        return OperationalError("SELECT 1", {}, exc)


RAISERS: dict[str, Callable[[], Exception]] = {
    "database": _pg_down,
    "storage": lambda: EndpointConnectionError(endpoint_url="http://127.0.0.1:1/bucket/key"),
    "storage_timeout": lambda: ReadTimeoutError(endpoint_url="http://127.0.0.1:1/bucket/key"),
    "storage_503": lambda: ClientError({"Error": {"Code": "SlowDown", "Message": "x"}}, "PutObject"),
    "queue": lambda: RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    "wrapped": lambda: RuntimeError("ingest failed"),
    "bug": lambda: ProgrammingError("SELECT nonsense", {}, Exception("syntax error")),
    "sqlite_bug": lambda: OperationalError("SELECT x", {}, Exception("no such column: x")),
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    from dangan.web import create_app

    archive = open_archive(load_settings(Path(tmp_path_factory.mktemp("outage")) / "data"))
    application = create_app(archive)

    def boom(kind: str) -> None:
        if kind == "wrapped":  # raised from an outage, as a service re-raising would
            try:
                raise RAISERS["storage"]()
            except Exception as exc:
                raise RuntimeError("ingest failed") from exc
        raise RAISERS[kind]()

    application.add_api_route("/api/v1/_boom/{kind}", boom, methods=["GET"])
    application.add_api_route("/_boom/{kind}", boom, methods=["GET"])
    try:
        yield application
    finally:
        archive.close()


@pytest.mark.parametrize(
    ("kind", "code"),
    [("database", "database_unavailable"), ("storage", "storage_unavailable"),
     ("storage_timeout", "storage_unavailable"), ("storage_503", "storage_unavailable"),
     ("queue", "queue_unavailable"), ("wrapped", "storage_unavailable")],
)  # fmt: skip
def test_an_outage_is_a_503_with_a_chinese_message(app: FastAPI, kind: str, code: str) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(f"/api/v1/_boom/{kind}")
        assert r.status_code == 503 and r.headers["retry-after"].isdigit()
        error = r.json()["error"]
        assert error["code"] == code and CHINESE.search(error["message"]), error
        page = client.get(f"/_boom/{kind}")
        assert page.status_code == 503 and CHINESE.search(page.text) and "Traceback" not in page.text


@pytest.mark.parametrize("kind", ["bug", "sqlite_bug"])
def test_a_bug_is_still_a_500(app: FastAPI, kind: str) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(f"/api/v1/_boom/{kind}")
        assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
