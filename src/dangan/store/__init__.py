"""Where the archive keeps things, in three concerns, each a subpackage with its own public face:

- `dangan.store.catalog`: the catalogue database (SQLAlchemy models, Alembic migrations, shared queries);
- `dangan.store.objects`: the content-addressed object store (local folders or S3, replicas, fixity);
- `dangan.store.crypto`: envelope encryption (SM4-GCM / AES-GCM), the key ring, SM3.

Import from those faces. A subpackage is loaded on first use, so code that needs only SM3 does not pay
for SQLAlchemy.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["catalog", "crypto", "objects"]


def __getattr__(name: str) -> ModuleType:
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
