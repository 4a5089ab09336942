"""Identities, roles and the one access policy every route calls."""

from dangan.access.masking import (
    MASKED_FIELDS,
    RecordView,
    mask_address,
    mask_id_number,
    mask_phone,
    mask_record_view,
    mask_text,
    should_mask,
)
from dangan.access.passwords import hash_password, password_problem, verify_password
from dangan.access.policy import ANONYMOUS, Principal, can_read, record_filter
from dangan.access.roles import DEPARTMENT_SCOPED, ROLE_CODES, THREE_ADMINS, Role

__all__ = [
    "ANONYMOUS",
    "DEPARTMENT_SCOPED",
    "MASKED_FIELDS",
    "ROLE_CODES",
    "THREE_ADMINS",
    "Principal",
    "RecordView",
    "Role",
    "can_read",
    "hash_password",
    "mask_address",
    "mask_id_number",
    "mask_phone",
    "mask_record_view",
    "mask_text",
    "password_problem",
    "record_filter",
    "should_mask",
    "verify_password",
]
