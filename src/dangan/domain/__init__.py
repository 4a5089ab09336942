"""Pure types and rules of the archive: records, levels, identifiers, 档号, reference tables."""

from dangan.domain.archival_code import ArchivalCodeParts, ArchivalCodeRule
from dangan.domain.case import APPLICANT_TYPES, USCC_REQUIRED_TYPES, Applicant, CaseFile, CaseMetadata
from dangan.domain.classification import BusinessType, Category, category_label, classify
from dangan.domain.codes import (
    USCC_ALPHABET,
    id_check_char,
    id_number_problem,
    is_valid_id_number,
    is_valid_uscc,
    uscc_check_char,
    uscc_problem,
)
from dangan.domain.district import (
    PLACEHOLDER_NAMES,
    District,
    DistrictLevel,
    all_districts,
    district_by_code,
    district_history,
    districts_by_name,
)
from dangan.domain.industry import (
    Industry,
    IndustryLevel,
    all_industries,
    industries_by_name,
    industry_by_code,
    industry_path,
)
from dangan.domain.levels import RETENTION_LABELS, SECURITY_LABELS, Retention, SecurityLevel
from dangan.domain.organisations import org_code
from dangan.domain.personal import ID_15, ID_18, LANDLINE, MOBILE, PersonalTerms, personal_spans
from dangan.domain.workflow import (
    ACCESS_SCOPES,
    HANDOVER_STATUSES,
    REQUEST_STATUSES,
    AccessScope,
    AlertStatus,
    CopyStatus,
    HandoverStatus,
    QuarantineStatus,
    RequestStatus,
)

__all__ = [
    "ACCESS_SCOPES",
    "APPLICANT_TYPES",
    "HANDOVER_STATUSES",
    "ID_15",
    "ID_18",
    "LANDLINE",
    "MOBILE",
    "PLACEHOLDER_NAMES",
    "REQUEST_STATUSES",
    "RETENTION_LABELS",
    "SECURITY_LABELS",
    "USCC_ALPHABET",
    "USCC_REQUIRED_TYPES",
    "AccessScope",
    "AlertStatus",
    "Applicant",
    "ArchivalCodeParts",
    "ArchivalCodeRule",
    "BusinessType",
    "CaseFile",
    "CaseMetadata",
    "Category",
    "CopyStatus",
    "District",
    "DistrictLevel",
    "HandoverStatus",
    "Industry",
    "IndustryLevel",
    "PersonalTerms",
    "QuarantineStatus",
    "RequestStatus",
    "Retention",
    "SecurityLevel",
    "all_districts",
    "all_industries",
    "category_label",
    "classify",
    "district_by_code",
    "district_history",
    "districts_by_name",
    "id_check_char",
    "id_number_problem",
    "industries_by_name",
    "industry_by_code",
    "industry_path",
    "is_valid_id_number",
    "is_valid_uscc",
    "org_code",
    "personal_spans",
    "uscc_check_char",
    "uscc_problem",
]
