"""The web face of the archive: pages for people, `/api/v1` for systems, one app factory for both, and the
HTTP protocol `dangan serve` runs it with."""

from dangan.web.app import create_app
from dangan.web.protocol import NoDelayH11Protocol

__all__ = ["NoDelayH11Protocol", "create_app"]
