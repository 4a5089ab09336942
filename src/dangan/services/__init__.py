"""Use cases: the only place that coordinates several packages in one unit of work."""

from dangan.services.archive import Archive, open_archive
from dangan.services.audit import log_access
from dangan.services.demo import DEMO_PASSWORD, DemoAccount, demo_accounts, ensure_demo_accounts, load_demo
from dangan.services.importer import ImportReport, import_one, import_paths
from dangan.services.ingest import IngestOutcome, fingerprint, ingest_package
from dangan.services.records import BrowseFilter, Page, browse, facets, file_for, overview, record_for
from dangan.services.search import SearchHit, SearchResult, search
from dangan.services.users import add_user, authenticate, get_principal, principal_of

__all__ = [
    "DEMO_PASSWORD",
    "Archive",
    "BrowseFilter",
    "DemoAccount",
    "ImportReport",
    "IngestOutcome",
    "Page",
    "SearchHit",
    "SearchResult",
    "add_user",
    "authenticate",
    "browse",
    "demo_accounts",
    "ensure_demo_accounts",
    "facets",
    "file_for",
    "fingerprint",
    "get_principal",
    "import_one",
    "import_paths",
    "ingest_package",
    "load_demo",
    "log_access",
    "open_archive",
    "overview",
    "principal_of",
    "record_for",
    "search",
]
