"""Reading one record or stored file under the access policy: the one place a read is decided."""

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
    "FileContent",
    "Page",
    "RecordRead",
    "browse",
    "facets",
    "file_for",
    "overview",
    "read_record",
    "record_for",
]
