"""A part of the scaled configuration that is down (the PostgreSQL catalogue, an S3 location, Redis) is
an operating condition, not a bug: the client gets 503 with a Chinese message and a Retry-After, never a
500. Every write is one transaction and objects are stored before the catalogue row that names them, so a
request the outage stopped has left nothing that counts; the engine's pre-ping and the S3 client's
retries reconnect by themselves once the part is back, so nothing needs restarting.
"""

from __future__ import annotations

import sys

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

DATABASE_CODE = "database_unavailable"
DATABASE_MESSAGE = (
    "数据库暂时无法连接，本次操作未完成，也未保存任何内容。请稍后重试；如持续出现，请联系系统管理员"
)
STORAGE_CODE = "storage_unavailable"
STORAGE_MESSAGE = (
    "存储服务暂时无法访问，本次操作未完成，也未保存任何内容。请稍后重试；如持续出现，请联系系统管理员"
)
QUEUE_CODE = "queue_unavailable"
QUEUE_MESSAGE = "后台任务队列暂时无法连接，本次操作未完成。请稍后重试；如持续出现，请联系系统管理员"
RETRY_AFTER = "5"
# S3 error codes that mean "the service, not the request": retried by the client, then given up.
_S3_DOWN = {"ServiceUnavailable", "SlowDown", "InternalError", "503", "500", "502", "504"}


def _database_down(exc: BaseException) -> bool:
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    # psycopg raises OperationalError (and its subclasses such as AdminShutdown) for the connection and
    # the server, never for bad SQL; SQLite uses it for everything, so only its lock timeout counts there.
    if "psycopg" in sys.modules:
        import psycopg

        if isinstance(orig, psycopg.OperationalError):
            return True
    return "database is locked" in str(orig)


def _storage_down(exc: BaseException) -> bool:
    if "botocore" not in sys.modules:  # nothing of it can have been raised
        return False
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, BotoConnectionError | HTTPClientError):
        return True
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "")) in _S3_DOWN
    return False


def _queue_down(exc: BaseException) -> bool:
    if "redis" not in sys.modules:
        return False
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    return isinstance(exc, RedisConnectionError | RedisTimeout)


def exception_types() -> tuple[type[Exception], ...]:
    """The client libraries' own exception classes for "could not reach the service", handled inside the
    app (503) rather than by the last-resort handler, which logs them as crashes and re-raises them.

    Only libraries already loaded count: the archive is opened before its app is built, so an S3 location
    or a Redis queue has loaded its client by then, and the embedded default does not pay ~0.1 s of
    imports at start for clients it never uses (`outage_of` still recognises a late one).
    """
    found: list[type[Exception]] = [PoolTimeout]
    if "botocore" in sys.modules:
        from botocore.exceptions import BotoCoreError, ClientError

        found += [BotoCoreError, ClientError]
    if "redis" in sys.modules:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeout

        found += [RedisConnectionError, RedisTimeout]
    return tuple(found)


def outage_of(exc: BaseException) -> tuple[str, str] | None:
    """`(code, message)` when `exc` (or what it was raised from) says a backing service is down."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _database_down(current):
            return DATABASE_CODE, DATABASE_MESSAGE
        if _storage_down(current):
            return STORAGE_CODE, STORAGE_MESSAGE
        if _queue_down(current):
            return QUEUE_CODE, QUEUE_MESSAGE
        current = current.__cause__ or current.__context__
    return None
