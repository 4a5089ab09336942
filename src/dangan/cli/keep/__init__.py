"""Keeping: the archive itself (init, import, search, reindex), storage and keys, ledger, preservation, lifecycle, audit."""
