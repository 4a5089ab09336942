"""Error hierarchy: every error a user can meet carries a stable code and a Chinese message.

The code is the contract (API `{"error": {"code", "message"}}`, CLI `reasons[].code`); the message is
for people and may be reworded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, pinned to a field where there is one."""

    code: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            d["field"] = self.field
        return d


class DanganError(Exception):
    """Base of every expected failure. `status` is the HTTP status the API answers with."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.problems: list[Problem] = list(problems or [])

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems:
            d["details"] = [p.as_dict() for p in self.problems]
        return d


class ValidationFailed(DanganError):
    code = "validation_failed"
    status = 422


class NotFound(DanganError):
    code = "not_found"
    status = 404


class PermissionDenied(DanganError):
    code = "forbidden"
    status = 403


class AuthenticationFailed(DanganError):
    code = "unauthenticated"
    status = 401


class Conflict(DanganError):
    code = "conflict"
    status = 409


class ConfigurationError(DanganError):
    code = "configuration_error"
    status = 500


@dataclass
class ProblemList:
    """Collects problems while validating, so a user sees all of them at once, not one per try."""

    items: list[Problem] = field(default_factory=list)

    def add(self, code: str, message: str, field: str | None = None) -> None:
        self.items.append(Problem(code, message, field))

    def __bool__(self) -> bool:
        return bool(self.items)


_FIELD_CODE = re.compile(
    r"\s*[（(](?:[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)*[）)]"
)


def plain_message(message: str) -> str:
    """A message as a person reads it: the case.json field codes that help an integrator ('（title）',
    '（files[0].path）') left out; the API and CLI keep them in `field`."""
    return _FIELD_CODE.sub("", message)
