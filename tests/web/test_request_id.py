"""Structured logs with a request id: the id a request gets (its own `X-Request-ID` or a new one) is
echoed, is on every JSON log line of the request, and travels inside the job the request queues."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dangan.core import configure_logging, current_request_id, load_settings, request_id_context
from dangan.services.archive import Archive
from dangan.services.preservation import Jobs
from dangan.web import create_app


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.level, logging.getLogger("dangan").level, logging.getLogger("dangan.http").level)
    handler = configure_logging("json", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        logging.getLogger("dangan").setLevel(saved[1])
        logging.getLogger("dangan.http").setLevel(saved[2])


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_json_line_has_the_five_keys_and_extras(json_log: io.StringIO) -> None:
    with request_id_context("req-42"):
        logging.getLogger("dangan.test").warning("归档 %s 件", 3, extra={"records": 3})
    logging.getLogger("dangan.test").error("外面")
    first, second = _lines(json_log)
    assert first["message"] == "归档 3 件" and first["level"] == "WARNING"
    assert first["logger"] == "dangan.test" and first["request_id"] == "req-42" and first["records"] == 3
    assert first["time"].endswith("+00:00")
    assert second["request_id"] is None


def test_the_request_id_is_echoed_and_logged(archive: Archive, json_log: io.StringIO) -> None:
    with TestClient(create_app(archive)) as client:
        mine = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.1"})
        made = client.get("/healthz")
        forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected=1'})
    assert mine.headers["X-Request-ID"] == "lb-7f3a.1"
    assert len(made.headers["X-Request-ID"]) == 32
    assert forged.headers["X-Request-ID"] not in ('x" injected=1', made.headers["X-Request-ID"])
    access = [line for line in _lines(json_log) if line["logger"] == "dangan.http"]
    assert [a["request_id"] for a in access] == [r.headers["X-Request-ID"] for r in (mine, made, forged)]
    assert access[0]["status"] == 200 and access[0]["path"] == "/healthz"


def test_a_job_runs_under_the_id_of_the_request_that_queued_it(tmp_path: Path, json_log: io.StringIO) -> None:
    jobs = Jobs(load_settings(tmp_path / "data"))

    def probe(n: int) -> str | None:
        logging.getLogger("dangan.jobs").info("探针 %s", n)
        return current_request_id()

    task = jobs.huey.task(name="probe")(probe)
    with request_id_context("req-job-1"):
        task(1)
    task(2)  # queued outside any request
    assert current_request_id() is None
    seen = []
    while (message := jobs.huey.dequeue()) is not None:
        seen.append(jobs.huey.execute(message))
    assert seen == ["req-job-1", None]
    probes = [line for line in _lines(json_log) if line["message"].startswith("探针")]
    assert [(p["message"], p["request_id"]) for p in probes] == [("探针 1", "req-job-1"), ("探针 2", None)]


def test_an_interrupted_task_is_handed_back(tmp_path: Path) -> None:
    from huey.signals import SIGNAL_INTERRUPTED

    jobs = Jobs(load_settings(tmp_path / "data"))
    task = jobs.huey.task(name="slow")(lambda: None)
    task()
    message = jobs.huey.dequeue()
    assert message is not None and jobs.huey.pending_count() == 0
    jobs.huey._emit(SIGNAL_INTERRUPTED, message)  # what huey does when a stop interrupts a running task
    jobs.huey._emit(SIGNAL_INTERRUPTED, message)  # and again from notify_interrupted_tasks: queued once
    assert jobs.huey.pending_count() == 1
