"""Statistics for decision support, counted exactly over the catalogue under the one access policy:
`stats` by a dimension, the dashboard's panels, the monthly report, and working days against China's
holiday calendar; a DuckDB snapshot plus the newest catalogue rows makes them fast at a million records."""

from dangan.insight._calendar import WorkCalendar, china_calendar
from dangan.insight._days import DaysTally
from dangan.insight._export import EXPORT_TYPES, PANEL_TITLES, export_panel, panel_table
from dangan.insight._filters import StatsFilter, parse_day
from dangan.insight._filters import resolve as filter_where
from dangan.insight._limits import DEFAULT_LIMIT_DAYS, limits_from_settings
from dangan.insight._monthly import MonthlyReport, month_label, monthly_report, parse_month
from dangan.insight._panels import (
    ENTERPRISE_MATTERS,
    dashboard,
    enterprise_registrations,
    filter_options,
    policy_effect,
    processing_times,
    results_ratio,
    top_matters,
)
from dangan.insight._report_pdf import monthly_report_pdf, report_pdf, scope_of
from dangan.insight._results import RESULT_KINDS, result_kind
from dangan.insight._snapshot import forget_snapshots, snapshot_path
from dangan.insight._stats import (
    DIMENSION_LABELS,
    DIMENSIONS,
    StatsResult,
    StatsRow,
    check_dimension,
    stats,
    tally,
)

__all__ = [
    "DEFAULT_LIMIT_DAYS",
    "DIMENSIONS",
    "DIMENSION_LABELS",
    "ENTERPRISE_MATTERS",
    "EXPORT_TYPES",
    "PANEL_TITLES",
    "RESULT_KINDS",
    "DaysTally",
    "MonthlyReport",
    "StatsFilter",
    "StatsResult",
    "StatsRow",
    "WorkCalendar",
    "check_dimension",
    "china_calendar",
    "dashboard",
    "enterprise_registrations",
    "export_panel",
    "filter_options",
    "filter_where",
    "forget_snapshots",
    "limits_from_settings",
    "month_label",
    "monthly_report",
    "monthly_report_pdf",
    "panel_table",
    "parse_day",
    "parse_month",
    "policy_effect",
    "processing_times",
    "report_pdf",
    "result_kind",
    "results_ratio",
    "scope_of",
    "snapshot_path",
    "stats",
    "tally",
    "top_matters",
]
