"""Search: the query parser (plain Chinese → filters + keywords), tokenisation shared by documents and
queries, the full-text backends, and sentence embeddings for semantic search."""

from dangan.index._catalogue import catalogue_keys, catalogue_vocabulary, enterprise_lookup, person_lookup
from dangan.index._embed import (
    DIM,
    MODEL,
    embed_passages,
    embed_queries,
    record_text,
    text_hash,
    vector_bytes,
    vectors_from,
)
from dangan.index._engine import FACET_FIELDS, Access, Engine, Filters
from dangan.index._normal import normalise_query
from dangan.index._outbox import (
    backlog,
    catch_up,
    engine_for,
    engine_root,
    engine_wanted,
    forget_engine,
    start_version,
)
from dangan.index._parse import FILTER_KINDS, KIND_LABELS, Chip, ParsedQuery, parse_query
from dangan.index._time import TimeRange, find_time
from dangan.index._vocab import SYNONYM_KINDS, Key, Vocabulary, build_keys, places, shipped_synonyms
from dangan.index.fulltext import add_document, document_tokens, index_record, match_query
from dangan.index.segment import index_tokens, keyword_phrases, normalise, query_phrases, query_words

__all__ = [
    "DIM",
    "FACET_FIELDS",
    "FILTER_KINDS",
    "KIND_LABELS",
    "MODEL",
    "SYNONYM_KINDS",
    "Access",
    "Chip",
    "Engine",
    "Filters",
    "Key",
    "ParsedQuery",
    "TimeRange",
    "Vocabulary",
    "add_document",
    "backlog",
    "build_keys",
    "catalogue_keys",
    "catalogue_vocabulary",
    "catch_up",
    "document_tokens",
    "embed_passages",
    "embed_queries",
    "engine_for",
    "engine_root",
    "engine_wanted",
    "enterprise_lookup",
    "find_time",
    "forget_engine",
    "index_record",
    "index_tokens",
    "keyword_phrases",
    "match_query",
    "normalise",
    "normalise_query",
    "parse_query",
    "person_lookup",
    "places",
    "query_phrases",
    "query_words",
    "record_text",
    "shipped_synonyms",
    "start_version",
    "text_hash",
    "vector_bytes",
    "vectors_from",
]
