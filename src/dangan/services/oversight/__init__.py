"""Watching the archive: the audit log for the auditor, monitoring rules and alerts, and the duty home
of each of the three administrators."""

from dangan.services.oversight._audit_query import (
    KIND_LABELS,
    OUTCOMES,
    AuditPage,
    EventFilter,
    event_kinds,
    export_events,
    kind_label,
    make_filter,
    may_audit,
    pseudonym,
    require_auditor,
    search_events,
)
from dangan.services.oversight._doctor import DoctorReport, diagnose, run_doctor
from dangan.services.oversight._duty_home import DutyHome, Figure, duty_home
from dangan.services.oversight._health import Check, check_clamav
from dangan.services.oversight._metrics import CatalogueCollector
from dangan.services.oversight._monitor import (
    MonitorReport,
    acknowledge_alert,
    acknowledge_alerts,
    list_alerts,
    may_see_alerts,
    monitoring,
    require_alerts_admin,
    run_monitor,
)
from dangan.services.oversight._monitor_rules import RULE_LABELS
from dangan.services.oversight._ready import Readiness, ReadyReport

__all__ = [
    "KIND_LABELS",
    "OUTCOMES",
    "RULE_LABELS",
    "AuditPage",
    "CatalogueCollector",
    "Check",
    "DoctorReport",
    "DutyHome",
    "EventFilter",
    "Figure",
    "MonitorReport",
    "Readiness",
    "ReadyReport",
    "acknowledge_alert",
    "acknowledge_alerts",
    "check_clamav",
    "diagnose",
    "duty_home",
    "event_kinds",
    "export_events",
    "kind_label",
    "list_alerts",
    "make_filter",
    "may_audit",
    "may_see_alerts",
    "monitoring",
    "pseudonym",
    "require_alerts_admin",
    "require_auditor",
    "run_doctor",
    "run_monitor",
    "search_events",
]
