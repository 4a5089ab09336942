"""The catalogue is data other packages read: it must be complete and agree with the standards."""

from __future__ import annotations

from dangan.demo import DEPARTMENTS, DISTRICTS, INDUSTRIES, MATTERS
from dangan.demo.catalogue import DEPARTMENT_BY_NAME, matters_of
from dangan.demo.model import APPLICANT_TYPES, RESULTS
from dangan.demo.people import OTHER_HEBEI
from dangan.domain.levels import Retention, SecurityLevel

QINHUANGDAO = {
    "130302": "海港区",
    "130303": "山海关区",
    "130304": "北戴河区",
    "130306": "抚宁区",
    "130321": "青龙满族自治县",
    "130322": "昌黎县",
    "130324": "卢龙县",
}


def test_departments_are_distinct_and_each_approves_something() -> None:
    assert len(DEPARTMENTS) >= 6
    for attr in ("name", "source_system", "id_prefix", "doc_prefix"):
        values = [getattr(d, attr) for d in DEPARTMENTS]
        assert len(set(values)) == len(values), f"duplicate department {attr}"
    for d in DEPARTMENTS:
        assert matters_of(d.name), f"{d.name} has no matters"
        assert d.name.startswith(("秦皇岛市", "国家税务总局秦皇岛市"))


def test_matters_are_complete() -> None:
    assert len(MATTERS) >= 15
    codes = [m.code for m in MATTERS]
    assert len(set(codes)) == len(codes)
    names = [m.name for m in MATTERS]
    assert len(set(names)) == len(names)
    for m in MATTERS:
        assert m.department in DEPARTMENT_BY_NAME, m.code
        assert m.materials[0] == "申请书" and m.materials[-1] == "决定书", m.code
        assert len(m.materials) >= 4 and len(set(m.materials)) == len(m.materials), m.code
        assert Retention.parse(m.retention).label == m.retention
        for label, weight in m.security:
            assert SecurityLevel.parse(label).label == label and weight > 0
        assert dict(m.security).get("内部", 0) >= 0.5, f"{m.code}: most records are 内部"
        assert {r for r, _ in m.results} <= set(RESULTS) and dict(m.results)["准予许可"] >= 0.6
        assert {t for t, _ in m.applicant_types} <= set(APPLICANT_TYPES)
        assert 1 <= m.days[0] <= m.days[1] <= 30
        assert m.refusals and all(m.refusals) and m.basis.startswith("《") and m.weight > 0
        for result in RESULTS:
            assert m.result_text(result).endswith("。")
    assert {m.retention for m in MATTERS} == {"永久", "30年", "10年"}


def test_industry_codes_exist_in_gbt4754(industry_classes: dict[str, tuple[str, str]]) -> None:
    used = {code for m in MATTERS for code in m.industries} | set(INDUSTRIES)
    assert used == set(INDUSTRIES), "every matter industry needs an entry in INDUSTRIES"
    for code in sorted(used):
        assert len(code) == 5 and code[0].isalpha() and code[1:].isdigit(), code
        assert code[1:] in industry_classes, f"{code} is not a GB/T 4754-2017 class"
        section, name = industry_classes[code[1:]]
        assert code[0] == section, f"{code}: section should be {section}"
        assert INDUSTRIES[code].name == name, f"{code}: {INDUSTRIES[code].name} != {name}"
        assert INDUSTRIES[code].trades and INDUSTRIES[code].scope


def test_districts_are_qinhuangdao(divisions: dict[str, dict[str, str]]) -> None:
    assert {d.code: d.name for d in DISTRICTS} == QINHUANGDAO
    for d in DISTRICTS:
        row = divisions[d.code]
        assert (row["name"], row["city"]) == (d.name, "秦皇岛市")
        assert d.towns and d.roads and d.weight > 0


def test_birthplace_codes_are_hebei(divisions: dict[str, dict[str, str]]) -> None:
    for code in OTHER_HEBEI:
        assert code in divisions, code
        assert divisions[code]["province"] == "河北省", code
