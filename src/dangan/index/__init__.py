"""Search: tokenisation shared by documents and queries, and the full-text backends."""

from dangan.index.fulltext import add_document, document_tokens, index_record, match_query
from dangan.index.segment import index_tokens, normalise, query_phrases, query_words

__all__ = [
    "add_document",
    "document_tokens",
    "index_record",
    "index_tokens",
    "match_query",
    "normalise",
    "query_phrases",
    "query_words",
]
