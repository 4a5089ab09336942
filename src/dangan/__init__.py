"""Dangan 档案 — electronic archives for government administrative approval records."""

__version__ = "0.1.0"
