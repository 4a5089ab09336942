"""Identities, roles and the one access policy every route calls."""

from dangan.access.masking import (
    MASKED_FIELDS,
    RecordView,
    mask_address,
    mask_id_number,
    mask_phone,
    mask_record_view,
    mask_text,
    redaction_terms,
    should_mask,
)
from dangan.access.passwords import hash_password, password_problem, verify_password
from dangan.access.policy import (
    ANONYMOUS,
    Grant,
    Principal,
    can_download,
    can_read,
    grant_for,
    granted_only,
    record_filter,
)
from dangan.access.roles import DEPARTMENT_SCOPED, ROLE_CODES, THREE_ADMINS, Role
from dangan.access.totp import (
    looks_like_code,
    matching_step,
    new_recovery_codes,
    new_secret,
    provisioning_uri,
    recovery_digest,
)

__all__ = [
    "ANONYMOUS",
    "DEPARTMENT_SCOPED",
    "MASKED_FIELDS",
    "ROLE_CODES",
    "THREE_ADMINS",
    "Grant",
    "Principal",
    "RecordView",
    "Role",
    "can_download",
    "can_read",
    "grant_for",
    "granted_only",
    "hash_password",
    "looks_like_code",
    "mask_address",
    "mask_id_number",
    "mask_phone",
    "mask_record_view",
    "mask_text",
    "matching_step",
    "new_recovery_codes",
    "new_secret",
    "password_problem",
    "provisioning_uri",
    "record_filter",
    "recovery_digest",
    "redaction_terms",
    "should_mask",
    "verify_password",
]
