"""The states a workflow row can be in, one closed set each.

They are `StrEnum`s with the exact strings the catalogue has always stored, so no migration is needed and a
member compares equal to the stored text; a typo in a state is now a name error instead of a row that no
query ever finds.
"""

from __future__ import annotations

from enum import StrEnum


class QuarantineStatus(StrEnum):
    HELD = "held"  # waiting for a fix, a re-check or a return
    RETURNED = "returned"  # sent back to the forming department
    RELEASED = "released"  # passed a re-check (or a fixed re-submission) and was archived


class HandoverStatus(StrEnum):
    PENDING = "待移交"  # created by the department, form printed, not yet sent
    SUBMITTED = "已移交"  # sent to the archive with the signed form
    ACCEPTED = "已接收"  # the archive checked and took it
    RETURNED = "已退回"  # the archive sent it back with reasons; its records are free again


class RequestStatus(StrEnum):
    PENDING = "待审批"
    APPROVED = "已批准"
    REJECTED = "已驳回"
    REVOKED = "已撤销"


class AccessScope(StrEnum):
    """What a granted utilisation request allows: reading on screen, or also downloading."""

    VIEW = "view"
    DOWNLOAD = "download"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class CopyStatus(StrEnum):
    """Outcome of making a preservation copy (PDF/A) of a stored file."""

    DONE = "done"
    FAILED = "failed"


HANDOVER_STATUSES: tuple[HandoverStatus, ...] = tuple(HandoverStatus)
REQUEST_STATUSES: tuple[RequestStatus, ...] = tuple(RequestStatus)
ACCESS_SCOPES: tuple[AccessScope, ...] = tuple(AccessScope)
