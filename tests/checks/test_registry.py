"""The registry follows DA/T 70-2018, schemes are configurable, and the report keeps the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dangan.checks import (
    DEFAULT_ACCEPTED,
    REGISTRY,
    CheckConfig,
    CheckReport,
    Property,
    Stage,
    Verdict,
    item_codes,
    run_scheme,
    scheme_for,
)
from dangan.core import ConfigurationError

from .conftest import as_input, item_of, run

EXPECTED = ["1-1", "1-2", "1-3", "1-4", "1-5", "2-1", "2-2", "2-3", "2-4", "3-1", "3-2", "3-3", "3-4",
            "4-1", "4-2", "4-3"]  # fmt: skip
PROPERTY_OF = {
    "1": Property.AUTHENTICITY,
    "2": Property.INTEGRITY,
    "3": Property.USABILITY,
    "4": Property.SECURITY,
}


def test_every_dat70_item_is_registered_with_its_property() -> None:
    assert item_codes() == EXPECTED
    for code in EXPECTED:
        spec = REGISTRY[code]
        assert spec.property is PROPERTY_OF[code[0]]
        assert spec.name and spec.describe
        assert spec.stages


def test_default_schemes_per_stage() -> None:
    archiving = scheme_for(Stage.ARCHIVING)
    assert list(archiving.items) == EXPECTED and archiving.blocking == set(EXPECTED)
    assert list(scheme_for(Stage.HANDOVER).items) == EXPECTED
    preservation = scheme_for(Stage.PRESERVATION)
    assert "1-3" in preservation.items and "4-1" in preservation.items
    assert "1-4" not in preservation.items  # metadata do not change in storage


def test_scheme_configuration_chooses_items_and_blocking() -> None:
    config = {"归档": {"items": ["4-1", "1-3", "2-4"], "non_blocking": ["2-4"]}}
    scheme = scheme_for(Stage.ARCHIVING, config)
    assert scheme.items == ("1-3", "2-4", "4-1")
    assert scheme.blocking == {"1-3", "4-1"}
    assert scheme_for(Stage.HANDOVER, config).items == tuple(EXPECTED)  # other stages keep their defaults
    only = scheme_for(Stage.ARCHIVING, {"归档": {"blocking": ["1-3"]}})
    assert only.items == tuple(EXPECTED) and only.blocking == {"1-3"}


@pytest.mark.parametrize(
    "config",
    [
        {"归档": {"items": ["9-9"]}},
        {"归档": {"items": "1-1"}},
        {"归档": {"non_blocking": [1]}},
        {"归档": ["1-1"]},
    ],
)
def test_bad_scheme_configuration_is_refused_in_chinese(config: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError) as exc:
        scheme_for(Stage.ARCHIVING, config)
    assert "检测" in exc.value.message


def test_stage_names() -> None:
    assert Stage.parse("归档") is Stage.ARCHIVING
    assert Stage.parse("handover") is Stage.HANDOVER
    with pytest.raises(ValueError):
        Stage.parse("入库")


def test_report_json_follows_the_contract_and_round_trips(pkg: Path) -> None:
    report = run(pkg)
    doc = report.as_json()
    assert doc["passed"] is True and doc["stage"] == "归档"
    assert [i["code"] for i in doc["items"]] == EXPECTED
    for item in doc["items"]:
        assert {"code", "property", "verdict", "message"} <= set(item)
        assert item["verdict"] in {v.value for v in Verdict}
        assert item["property"] in {p.value for p in Property}
    assert CheckReport.from_json(doc) == report
    assert sum(doc["counts"].values()) == len(EXPECTED)


def test_a_non_blocking_failure_does_not_fail_the_report(pkg: Path) -> None:
    (pkg / "stray.bin").write_bytes(b"x")
    assert not run(pkg).passed
    scheme = scheme_for(Stage.ARCHIVING, {"归档": {"non_blocking": ["2-4"]}})
    report = run_scheme(scheme, as_input(pkg), CheckConfig(accepted_formats=DEFAULT_ACCEPTED))
    assert report.passed
    assert item_of(report, "2-4").verdict is Verdict.FAIL and not item_of(report, "2-4").blocks
