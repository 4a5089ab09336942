"""Reading one record or stored file under the access policy: the one place a read is decided; records
found by meaning (semantic search, "more like this") under the same policy."""

from dangan.services.records._embeddings import (
    EmbedReport,
    SimilarRecord,
    any_embedded,
    embed_pending,
    meaning_scores,
    pending_embeddings,
    semantic_candidates,
    similar_records,
    similar_views,
)
from dangan.services.records._read import (
    SORTS,
    BrowseFilter,
    FileContent,
    Page,
    RecordRead,
    browse,
    facets,
    file_for,
    overview,
    read_record,
    record_for,
)

__all__ = [
    "SORTS",
    "BrowseFilter",
    "EmbedReport",
    "FileContent",
    "Page",
    "RecordRead",
    "SimilarRecord",
    "any_embedded",
    "browse",
    "embed_pending",
    "facets",
    "file_for",
    "meaning_scores",
    "overview",
    "pending_embeddings",
    "read_record",
    "record_for",
    "semantic_candidates",
    "similar_records",
    "similar_views",
]
