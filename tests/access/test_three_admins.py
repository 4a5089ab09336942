"""三员分立 in the policy itself: whatever clearance an administrator is given (the security officer sets
clearances, his own included), no record becomes readable to him, and nothing is shown in clear."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from dangan.access import THREE_ADMINS, Principal, Role, can_read, should_mask
from dangan.domain import SecurityLevel


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR])
@pytest.mark.parametrize("clearance", list(SecurityLevel))
def test_no_clearance_opens_a_record_to_an_administrator(role: Role, clearance: SecurityLevel) -> None:
    user = Principal("admin", role, None, clearance)
    open_record = SimpleNamespace(
        open_to_public=True, security_rank=0, department=SimpleNamespace(name="甲局"), id_number="x"
    )
    assert not user.sees_records
    assert not can_read(user, open_record)  # type: ignore[arg-type]
    assert should_mask(user, open_record)  # type: ignore[arg-type]


def test_the_three_admin_roles_are_exactly_three_distinct_roles() -> None:
    assert {Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR} == THREE_ADMINS
    assert not THREE_ADMINS & {Role.ARCHIVIST, Role.CLERK, Role.DEPT_HEAD, Role.READER, Role.PUBLIC}
