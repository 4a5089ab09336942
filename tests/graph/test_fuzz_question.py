"""Hypothesis against the graph-question reader: any text typed into the search box is either not a
graph question (None) or one of the three questions with a subject taken from the text itself — never
an exception, never a subject that the user did not type."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangan.graph import QUESTIONS, read_question

FRAGMENTS = [
    "与", "和", "跟", "同", "的", "同一", "相同", "一样", "法定代表人", "法人代表", "法人", "担任", "是", "为",
    "名下", "企业", "公司", "商户", "有哪些", "名单", "注册在", "位于", "地址在", "建设路88号", "大厦", "海港区",
    "张伟", "海港食品有限公司", "91130300MA0000000X", "？", "?", "！", "。", " ", "　", "\x00", "\u200b", "ＡＢ",
]  # fmt: skip
texts = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=10).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=10).map("".join),
    st.text(max_size=120),
)


@settings(max_examples=400, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(texts)
def test_any_text_is_a_question_with_a_typed_subject_or_none(text: str) -> None:
    question = read_question(text)
    if question is None:
        return
    assert question.kind in QUESTIONS
    assert question.subject and question.subject.strip() == question.subject
    assert question.subject in unicodedata.normalize("NFKC", text), (text, question)
    assert set(question.as_json()) == {"question", "subject"}


def test_the_fragments_do_make_questions() -> None:
    """The generator above reaches the questions, not only None."""
    assert read_question("张伟担任法定代表人的企业") is not None
    assert read_question("与海港食品有限公司同一法定代表人的企业") is not None
    assert read_question("注册在建设路88号的企业") is not None
