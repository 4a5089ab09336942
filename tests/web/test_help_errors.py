"""The error explanations in `web/help/errors.json`: checked whole when loaded, and written for every
error code the application can raise (found in the source: `code="…"` in `src/dangan`).

`NOT_YET_WRITTEN` is the backlog of codes that still fall back to the general explanation; it may only
shrink: a new code raised without an entry fails here, and so does a code written up but left listed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dangan.web.help import error_help, known_codes, load_manual, parse_errors

SRC = Path(__file__).resolve().parents[2] / "src" / "dangan"
_RAISED = re.compile(r'\bcode\s*=\s*"([a-z][a-z0-9_]+)"')
NOT_YET_WRITTEN = frozenset(
    [
        "alert_closed",
        "already_destroyed",
        "already_executed",
        "ambiguous",
        "answer_required",
        "backup_catalogue_mismatch",
        "backup_invalid",
        "bad_application",
        "bad_check",
        "bad_keep",
        "bad_month",
        "bad_outcome",
        "bad_sort",
        "bad_time",
        "bad_window",
        "bag_checksum_mismatch",
        "bag_invalid",
        "bag_tag_checksum_mismatch",
        "batch_changed",
        "cert_expired",
        "cert_not_yet_valid",
        "cert_usage",
        "certificate",
        "certificate_not_found",
        "certify_forbidden",
        "changed_package",
        "checkpoint_invalid",
        "conditions_too_long",
        "conversion_failed",
        "decryption_failed",
        "department_mismatch",
        "department_out_of_scope",
        "digitize_forbidden",
        "disposal_not_found",
        "disposing",
        "download_forbidden",
        "drop_dir_busy",
        "error",
        "export_empty",
        "export_exists",
        "export_failed",
        "export_object_damaged",
        "export_refused",
        "export_selection",
        "export_too_many",
        "export_write_failed",
        "external_key",
        "file_damaged",
        "font_missing_glyphs",
        "grant_inactive",
        "graph_not_found",
        "handover_open",
        "handover_race",
        "handover_records_unavailable",
        "image_too_large",
        "ingest_unavailable",
        "invalid_answer",
        "invalid_case_json",
        "invalid_characters",
        "invalid_count",
        "invalid_display_name",
        "invalid_handover",
        "invalid_hops",
        "invalid_industry_code",
        "invalid_level",
        "invalid_matter_rule",
        "invalid_min",
        "invalid_page",
        "invalid_path",
        "invalid_scope",
        "invalid_settings",
        "invalid_since",
        "invalid_stage",
        "invalid_synonym_alias",
        "invalid_synonym_kind",
        "invalid_synonym_target",
        "invalid_url",
        "invalid_username",
        "invalid_year",
        "key_mismatch",
        "ledger_entry_invalid",
        "ledger_error",
        "matter_out_of_scope",
        "mixed_target",
        "no_answer_needed",
        "no_master_key",
        "no_read_key",
        "not_approved",
        "not_enterprise",
        "note_too_long",
        "nothing_selected",
        "nothing_to_confirm",
        "nothing_to_grant",
        "object_missing",
        "ocr_unavailable",
        "pdf_unreadable",
        "pg_tool_failed",
        "pg_tools_missing",
        "preview_failed",
        "proof_invalid",
        "query_too_long",
        "redaction_failed",
        "request_decided",
        "rule_retired",
        "rule_unchanged",
        "same_password",
        "seal_days",
        "seal_key",
        "seal_picture",
        "search_log_not_found",
        "signing_algorithm",
        "signing_days",
        "sm2_unsupported",
        "synonym_not_found",
        "synonym_shipped",
        "target_not_empty",
        "target_required",
        "text_changed",
        "too_few_examples",
        "too_long",
        "too_many_codes",
        "too_many_departments",
        "unknown_defect",
        "unknown_dimension",
        "unknown_exercise",
        "unknown_list",
        "unknown_panel",
        "unknown_subscription",
        "unreadable",
        "witness_fork",
    ]
)


def _raised_codes() -> set[str]:
    return {c for path in SRC.rglob("*.py") for c in _RAISED.findall(path.read_text(encoding="utf-8"))}


def test_every_code_the_app_raises_is_explained() -> None:
    raised, written = _raised_codes(), set(known_codes())
    assert len(raised) > 150  # the scan still finds the codes
    unexplained = raised - written - NOT_YET_WRITTEN
    assert not unexplained, f"write these up in web/help/errors.json: {sorted(unexplained)}"
    assert not NOT_YET_WRITTEN & written, (
        f"written now, drop from NOT_YET_WRITTEN: {sorted(NOT_YET_WRITTEN & written)}"
    )
    assert raised >= NOT_YET_WRITTEN, f"no longer raised: {sorted(NOT_YET_WRITTEN - raised)}"


def test_explanations_load_whole_and_name_real_manual_pages() -> None:
    slugs = {p.slug for p in load_manual().pages}
    for code in known_codes():
        entry = error_help(code)
        assert entry is not None and entry.known and entry.title and entry.cause and entry.action, code
        assert entry.page is None or entry.page in slugs, (code, entry.page)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"Bad-Code": {"title": "t", "cause": "c", "action": "a"}},
        {"x_code": {"title": "t", "cause": "c"}},
        {"x_code": {"title": "t", "cause": " ", "action": "a"}},
        {"x_code": {"title": "t", "cause": "c", "action": "a", "page": "no-such-page"}},
        {"x_code": {"title": "t", "cause": "c", "action": "a", "extra": "?"}},
    ],
)
def test_a_malformed_entry_is_refused_at_load(data: object) -> None:
    with pytest.raises(ValueError):
        parse_errors(data, {"login"})
    ok = parse_errors({"x_code": {"title": "t", "cause": "c", "action": "a", "page": "login"}}, {"login"})
    assert ok["x_code"].page == "login"
