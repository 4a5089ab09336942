"""What a BagIt validation found: issues with stable codes, the report, and the errors that carry it.

Like bagit-python's `BagValidationError(details)`, the failure carries every detail, not just the first:
a department fixes a bag in one round. Unlike it, nothing is logged as a side effect; the report is
the whole answer, and `--json` prints it as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dangan.core import DanganError, Problem


def shown(path: str) -> str:
    """A path as people can read it: undecodable bytes from the file system become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


@dataclass(frozen=True)
class BagIssue:
    """One finding. `code` is the contract; `message` is Chinese for people; `path` is bag-relative."""

    code: str
    message: str
    path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.path is not None:
            d["path"] = self.path
        return d

    def as_problem(self) -> Problem:
        return Problem(self.code, self.message, self.path)


@dataclass
class BagReport:
    """The verdict on one bag. Valid means: no errors (RFC 8493 §3, complete and every checksum right)."""

    path: str
    errors: list[BagIssue] = field(default_factory=list)
    warnings: list[BagIssue] = field(default_factory=list)
    version: str | None = None
    encoding: str | None = None
    info: dict[str, list[str]] = field(default_factory=dict)
    payload_files: int = 0
    payload_bytes: int = 0

    @property
    def valid(self) -> bool:
        return not self.errors

    def error(self, code: str, message: str, path: str | None = None) -> None:
        self.errors.append(BagIssue(code, shown(message), None if path is None else shown(path)))

    def warn(self, code: str, message: str, path: str | None = None) -> None:
        self.warnings.append(BagIssue(code, shown(message), None if path is None else shown(path)))

    def codes(self) -> tuple[set[str], set[str]]:
        """(error codes, warning codes): what tests and callers branch on."""
        return {e.code for e in self.errors}, {w.code for w in self.warnings}

    def as_json(self) -> dict[str, Any]:
        """The `bag validate --json` contract (DESIGN.md §4): exactly these three keys."""
        return {
            "valid": self.valid,
            "errors": [e.as_dict() for e in self.errors],
            "warnings": [w.as_dict() for w in self.warnings],
        }


class BagError(DanganError):
    """Base of BagIt failures raised to callers (the validator itself returns a report instead)."""

    code = "bag_invalid"
    status = 422


class BagInvalid(BagError):
    """A bag that failed validation; `report` holds every error and warning, `problems` the errors."""

    def __init__(self, report: BagReport):
        first = report.errors[0].message if report.errors else "BagIt 数据包无效"
        super().__init__(
            f"BagIt 数据包校验未通过（{len(report.errors)} 处错误）：{first}",
            problems=[e.as_problem() for e in report.errors],
        )
        self.report = report


class BagFatal(Exception):
    """Internal: a finding after which checking further would only produce noise (e.g. no bagit.txt)."""

    def __init__(self, code: str, message: str, path: str | None = None):
        super().__init__(message)
        self.issue = BagIssue(code, message, path)
