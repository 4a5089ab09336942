"""`dangan audit events` and `dangan monitor run` as a user runs them (--json)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped]

from tests.cli.invoke import invoke
from tests.helpers import json_of

# Small thresholds, every hour a working hour: the test's wall clock must not add alerts.
ENV = {"DANGAN_ALERT_DENIALS": "3", "DANGAN_ALERT_WORK_HOURS": "00:00-24:00", "DANGAN_ALERT_WORKDAYS": "1-7"}


def _user(data: str, name: str, role: str) -> None:
    proc = invoke(
        "user", "add", name, "--role", role, "--password-stdin", "--data", data, input="Secret-123\n"
    )
    assert proc.returncode == 0, proc.stderr


def test_audit_events_filters_and_exports(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    _user(data, "arc", "archivist")
    _user(data, "ops", "sysadmin")
    everything = json_of(invoke("audit", "events", "--json", "--data", data))
    assert [(i["kind"], i["actor"]) for i in everything["items"]] == [
        ("user_add", "system"),
        ("user_add", "system"),
    ]
    assert everything["total"] == 2
    assert {"username": "ops", "role": "sysadmin"}.items() <= everything["items"][0]["detail"].items()
    none = json_of(invoke("audit", "events", "--kind", "login", "--json", "--data", data))
    assert (none["total"], none["items"]) == (0, [])
    later = json_of(invoke("audit", "events", "--since", "2999-01-01", "--json", "--data", data))
    assert later["total"] == 0
    out = tmp_path / "trail.xlsx"
    proc = invoke("audit", "events", "--out", str(out), "--json", "--data", data)
    assert proc.returncode == 0, proc.stderr
    sheet = load_workbook(out).active
    assert sheet is not None and [c.value for c in sheet[2]][2:5] == ["system", "新增用户", "user_add"]
    exported = json_of(invoke("audit", "events", "--kind", "audit_export", "--json", "--data", data))
    assert [(i["actor"], i["detail"]["format"], i["detail"]["rows"]) for i in exported["items"]] == [
        ("cli", "xlsx", 2)
    ]
    csv_out = tmp_path / "trail.csv"
    assert (
        invoke("audit", "events", "--user", "system", "--out", str(csv_out), "--data", data).returncode == 0
    )
    rows = list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 3 and rows[0][0] == "编号"


def test_audit_events_usage_errors(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    bad_time = invoke("audit", "events", "--since", "昨天", "--json", "--data", data)
    assert bad_time.returncode == 2 and "时间格式错误" in bad_time.stderr and bad_time.stdout == ""
    bad_out = invoke("audit", "events", "--out", str(tmp_path / "x.pdf"), "--data", data)
    assert bad_out.returncode == 2 and ".csv 或 .xlsx" in bad_out.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_monitor_run_raises_once_and_reports_json(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    quiet = json_of(invoke("monitor", "run", "--json", "--data", data, env=ENV))
    assert quiet["raised"] == [] and quiet["webhook_failures"] == []
    _user(data, "wang", "secadmin")  # a user change is a config change
    first = json_of(invoke("monitor", "run", "--json", "--data", data, env=ENV))
    assert [(a["rule"], a["subject"], a["status"]) for a in first["raised"]] == [
        ("config_change", "system", "open")
    ]
    again = json_of(invoke("monitor", "run", "--json", "--data", data, env=ENV))
    assert again["raised"] == []
