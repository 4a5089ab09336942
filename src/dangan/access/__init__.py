"""Identities, roles and the one access policy every route calls."""

from dangan.access.passwords import hash_password, password_problem, verify_password
from dangan.access.policy import ANONYMOUS, Principal, can_read, record_filter
from dangan.access.roles import DEPARTMENT_SCOPED, ROLE_CODES, THREE_ADMINS, Role

__all__ = [
    "ANONYMOUS",
    "DEPARTMENT_SCOPED",
    "ROLE_CODES",
    "THREE_ADMINS",
    "Principal",
    "Role",
    "can_read",
    "hash_password",
    "password_problem",
    "record_filter",
    "verify_password",
]
