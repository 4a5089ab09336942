"""Hypothesis against the search-query parser: any text a user can type — domain words, dates that do
not exist, numbers out of range, odd Unicode — is read into filters that obey the search contract
(DESIGN §4: ISO dates with `time_from` ≤ `time_to`, a GB/T 2260 district, a known department, matter
and result, a GB/T 4754 industry code), and never raises."""

from __future__ import annotations

import json
import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangan.demo import DEPARTMENTS, DISTRICTS, MATTERS
from dangan.domain import all_districts
from dangan.index import Key, Vocabulary, build_keys, parse_query

TODAY = date(2026, 12, 7)
VOCAB = Vocabulary(
    departments=tuple(d.name for d in DEPARTMENTS),
    matters=tuple(m.name for m in MATTERS),
    results=("准予许可", "准予变更", "准予延续", "不予许可"),
    districts=tuple(d.code for d in DISTRICTS),
)
KEYS: list[Key] = build_keys(VOCAB)
CONTRACT = {"keywords", "time_from", "time_to", "district", "department", "matter", "industry", "result",
            "security_level", "enterprise", "person"}  # fmt: skip
FRAGMENTS = [
    "去年", "今年", "前年", "上个月", "本月", "近三年", "2023年", "2023年13月", "2023年2月30日", "0000年",
    "9999年", "1900年到2100年", "2024-02-29", "2023-02-29", "99999999999年", "第5季度", "Q3", "上半年",
    "下半年", "3月到1月", "至", "以来", "之前", "以后", "海港区", "北戴河", "河北省", "秦皇岛市", "全国",
    "餐饮", "食品经营许可", "营业执照", "环评", "新办", "变更", "注销", "准予许可", "不予许可", "秘密",
    "机密", "公开", "H6210", "H", "Z9999", "130302", "999999", "91130300MA0000000X", "张伟", "有限公司",
    "的", "和", "或", "不", "-", "\"", "*", "(", ")", "AND", "OR", "NOT", "\x00", "\u200b", "　", "ＡＢＣ", "１２３",
]  # fmt: skip
queries = st.one_of(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=6)), max_size=8).map("".join),
    st.lists(st.sampled_from(FRAGMENTS), max_size=6).map(" ".join),
    st.text(max_size=200),
)
DISTRICT_CODES = {d.code for d in all_districts()}


@settings(max_examples=300, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(queries)
def test_any_query_parses_into_filters_that_obey_the_contract(query: str) -> None:
    parsed = parse_query(query, KEYS, TODAY)
    doc = parsed.as_json()
    assert set(doc) >= CONTRACT, set(doc)
    json.dumps(doc, ensure_ascii=False)  # the CLI and the API print it as it is
    if parsed.time_from and parsed.time_to:
        assert parsed.time_from <= parsed.time_to, (query, doc)
    for bound in ("time_from", "time_to"):
        if doc[bound] is not None:
            date.fromisoformat(doc[bound])
    if parsed.district is not None:
        assert parsed.district in DISTRICT_CODES, (query, parsed.district)
    if parsed.department is not None:
        assert parsed.department in VOCAB.departments, (query, parsed.department)
    if parsed.matter is not None:
        assert parsed.matter in VOCAB.matters, (query, parsed.matter)
    if parsed.result is not None:
        assert parsed.result in VOCAB.results, (query, parsed.result)
    if parsed.industry is not None:
        assert re.fullmatch(r"[A-T]\d{0,4}", parsed.industry), (query, parsed.industry)
    assert all(isinstance(k, str) and k for k in parsed.keywords), parsed.keywords
