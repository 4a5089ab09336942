"""四性检测 of packages and stored records, quarantine of what fails and its repair, matter rules
(required materials), and check reports as PDF and XLSX."""

from dangan.services.quality._check_export import quarantine_report_xlsx, record_report_xlsx, report_xlsx
from dangan.services.quality._check_items import CheckItemInfo, check_items
from dangan.services.quality._check_pdf import (
    build_pdf,
    local_time,
    quarantine_report_pdf,
    record_report_pdf,
    report_pdf,
)
from dangan.services.quality._checks import (
    Screening,
    check_package,
    check_path,
    held_sources,
    rejection_report,
    report_for_record,
    required_materials_of,
    screen_package,
    set_matter_rule,
)
from dangan.services.quality._matter_rules import MatterRuleView, list_matter_rules, matter_rule_view
from dangan.services.quality._quarantine import (
    QuarantineView,
    count_held,
    list_quarantine,
    origin_label,
    quarantine_entry,
    quarantine_folder,
    require_archivist,
    require_quarantine_access,
    return_to_department,
)
from dangan.services.quality._quarantine_fix import (
    check_department_of_copy,
    edit_quarantined_case,
    quarantined_case_text,
    replace_quarantined_file,
)
from dangan.services.quality._quarantine_form import CASE_FIELDS, CaseField, case_fields, save_case_fields

__all__ = [
    "CASE_FIELDS",
    "CaseField",
    "CheckItemInfo",
    "MatterRuleView",
    "QuarantineView",
    "Screening",
    "build_pdf",
    "case_fields",
    "check_department_of_copy",
    "check_items",
    "check_package",
    "check_path",
    "count_held",
    "edit_quarantined_case",
    "held_sources",
    "list_matter_rules",
    "list_quarantine",
    "local_time",
    "matter_rule_view",
    "origin_label",
    "quarantine_entry",
    "quarantine_folder",
    "quarantine_report_pdf",
    "quarantine_report_xlsx",
    "quarantined_case_text",
    "record_report_pdf",
    "record_report_xlsx",
    "rejection_report",
    "replace_quarantined_file",
    "report_for_record",
    "report_pdf",
    "report_xlsx",
    "require_archivist",
    "require_quarantine_access",
    "required_materials_of",
    "return_to_department",
    "save_case_fields",
    "screen_package",
    "set_matter_rule",
]
