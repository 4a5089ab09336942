"""Which whole queries the search box reads as graph questions, and which it leaves to the parser."""

from __future__ import annotations

import pytest

from dangan.graph import AT_ADDRESS, REPRESENTED_BY, SAME_REPRESENTATIVE, read_question


@pytest.mark.parametrize(
    ("query", "kind", "subject"),
    [
        ("张伟担任法定代表人的企业", REPRESENTED_BY, "张伟"),
        ("张伟 担任法定代表人的企业有哪些？", REPRESENTED_BY, "张伟"),
        ("欧阳明月是法人的公司", REPRESENTED_BY, "欧阳明月"),
        ("法定代表人是李华的企业", REPRESENTED_BY, "李华"),
        ("王芳名下的企业", REPRESENTED_BY, "王芳"),
        ("与秦皇岛市海港区某某商贸有限公司同一法定代表人的企业", SAME_REPRESENTATIVE, "秦皇岛市海港区某某商贸有限公司"),
        ("和甲公司法定代表人相同的公司", SAME_REPRESENTATIVE, "甲公司"),
        ("与91130302MA0C8K4L3X相同法定代表人的企业", SAME_REPRESENTATIVE, "91130302MA0C8K4L3X"),
        ("建设路88号的企业", AT_ADDRESS, "建设路88号"),
        ("注册在海港区文化路12号的公司", AT_ADDRESS, "海港区文化路12号"),
        ("位于金海大厦的企业", AT_ADDRESS, "金海大厦"),
        ("文化路１２号楼的企业", AT_ADDRESS, "文化路12号楼"),
    ],
)  # fmt: skip
def test_questions_are_read_whole(query: str, kind: str, subject: str) -> None:
    question = read_question(query)
    assert question is not None
    assert (question.kind, question.subject) == (kind, subject)
    assert question.as_json() == {"question": kind, "subject": subject}


@pytest.mark.parametrize(
    "query",
    [
        "海港区的企业",  # a district: the parser's filter
        "食品经营许可的企业",  # a matter and words
        "2023年海港区的食品经营许可",
        "法定代表人张伟",  # the parser's person filter
        "张伟",
        "的企业",
        "",
        "关于张伟担任法定代表人的企业的审批材料",  # a question inside other words
        "这是一个很长很长很长很长很长很长很长很长的名字担任法定代表人的企业",  # not a name
    ],
)
def test_other_queries_are_left_to_the_parser(query: str) -> None:
    assert read_question(query) is None
