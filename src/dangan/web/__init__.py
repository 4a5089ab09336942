"""The web face of the archive: pages for people, `/api/v1` for systems, one app factory for both."""

from dangan.web.app import create_app

__all__ = ["create_app"]
