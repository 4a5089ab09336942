"""One logging set-up for every process (`dangan serve`, `dangan worker`), and the request id that ties
a log line to the HTTP request it served — in the web process and in the background job that request
queued.

The id lives in a context variable, not in arguments, so that code between the middleware and a log
call (services, stores) need not know about it; a thread pool copies the context with the call, and the
job queue carries the id inside the message (services.preservation). JSON lines are for log shippers
(Loki, Elasticsearch, journald with a JSON parser): one object per line, always the same five keys, so a
query by `request_id` finds the request's lines on every machine.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import traceback
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID: ContextVar[str | None] = ContextVar("dangan_request_id", default=None)
# What a caller may hand us as its own id: printable, short, no spaces or quotes (it goes into headers
# and logs verbatim, so a forged newline must not split a log line or a header).
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
_HANDLER_NAME = "dangan"
# LogRecord attributes that are not "extra" fields a caller added.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id", "taskName"}


def current_request_id() -> str | None:
    return _REQUEST_ID.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def acceptable_request_id(value: str | None) -> str | None:
    """The caller's id when it is safe to echo and log, else None (then we make our own)."""
    if value and _ACCEPTABLE.fullmatch(value):
        return value
    return None


@contextlib.contextmanager
def request_id_context(value: str | None) -> Iterator[str | None]:
    """While inside, log lines (and jobs queued) carry `value` as their request id."""
    token = _REQUEST_ID.set(value)
    try:
        yield value
    finally:
        _REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request id (None outside a request or job)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, plus any
    `extra=` fields and the exception text."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _REQUEST_ID.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            doc["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(doc, ensure_ascii=False)


def configure_logging(
    fmt: LogFormat = "text",
    *,
    level: int = logging.WARNING,
    app_level: int = logging.INFO,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send every logger's lines to `stream` (stderr) in `fmt`; our own loggers (`dangan.*`) at
    `app_level`, everything else at `level`. Calling it again replaces our handler
    rather than adding a second one (tests and `serve` after `worker` in one process). The per-request
    access lines (`dangan.http`) and the queue's per-job lines (`huey`) are written in JSON only."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("dangan").setLevel(app_level)
    # One access line per request and one per job run are for log shippers; a console reader gets only
    # what went wrong.
    quiet = app_level if fmt == "json" else max(app_level, logging.WARNING)
    for name in ("dangan.http", "huey"):
        logging.getLogger(name).setLevel(quiet)
    return handler
