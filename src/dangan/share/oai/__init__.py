"""OAI-PMH 2.0 over the open catalogue: arguments and errors, resumption tokens, the `oai_dc` and
DA/T 46 (`dat46`) metadata formats, sets by department and matter, and the shipped XSDs.

The caller decides what may be published (`Scope`, built from the access policy) and how the repository
names itself (`OaiConfig`); `answer` does the rest inside one read session.
"""

from dangan.share.oai._catalog import Scope
from dangan.share.oai._errors import ERROR_CODES, OaiError
from dangan.share.oai._formats import DAT46_NS, DC_NS, FORMATS, OAI_DC_NS
from dangan.share.oai._protocol import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_REPOSITORY_IDENTIFIER,
    DEFAULT_TOKEN_TTL,
    OaiConfig,
    answer,
)
from dangan.share.oai._schemas import NAMESPACE_SCHEMAS, SCHEMA_URLS, XSD_DIR, dat46_schema
from dangan.share.oai._xml import OAI_NS

__all__ = [
    "DAT46_NS",
    "DC_NS",
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_REPOSITORY_IDENTIFIER",
    "DEFAULT_TOKEN_TTL",
    "ERROR_CODES",
    "FORMATS",
    "NAMESPACE_SCHEMAS",
    "OAI_DC_NS",
    "OAI_NS",
    "SCHEMA_URLS",
    "XSD_DIR",
    "OaiConfig",
    "OaiError",
    "Scope",
    "answer",
    "dat46_schema",
]
