from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dangan.index import index_tokens, query_phrases, query_words


def _contains_phrase(tokens: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(tokens[i : i + n] == phrase for i in range(len(tokens) - n + 1))


def test_two_character_and_cross_word_queries_match_the_document() -> None:
    doc = index_tokens("秦皇岛市海港区某某餐饮有限公司食品经营许可决定书").split()
    for query in ("餐饮", "海港区餐饮", "食品经营许可", "海港区 决定书"):
        assert all(_contains_phrase(doc, p) for p in query_phrases(query)), query
    assert not all(_contains_phrase(doc, p) for p in query_phrases("山海关区"))


def test_full_width_and_case_are_normalised() -> None:
    assert index_tokens("ＡＢＣ１２３") == index_tokens("abc123")
    assert query_phrases("ＳＣＪＧ") == [["scjg"]]


def test_stopwords_are_dropped_unless_alone() -> None:
    assert "的" not in query_words("海港区的餐饮")
    assert query_words("的") == ["的"]


@given(st.text(alphabet="秦皇岛海港区餐饮食品经营许可有限公司山海关", min_size=2, max_size=30), st.data())
def test_any_substring_of_two_or_more_characters_is_found(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 2))
    end = data.draw(st.integers(start + 2, len(text)))
    doc = index_tokens(text).split()
    # a substring as a single query word (quoted phrases are what the UI sends for exact text)
    bigrams = [text[start:end][i : i + 2] for i in range(end - start - 1)]
    assert _contains_phrase(doc, bigrams)
