"""Demo data: realistic, deterministic approval case packages of 秦皇岛市.

`dangan demo` imports a generated set; tests build single cases with `make_case`.
"""

from dangan.demo.catalogue import DEPARTMENTS, DISTRICTS, INDUSTRIES, MATTERS
from dangan.demo.generator import DemoCase, generate_cases, make_case
from dangan.demo.scans import FONT_MISSING, find_cjk_font
from dangan.demo.writer import case_json, write_case, write_demo_set

__all__ = [
    "DEPARTMENTS",
    "DISTRICTS",
    "FONT_MISSING",
    "INDUSTRIES",
    "MATTERS",
    "DemoCase",
    "case_json",
    "find_cjk_font",
    "generate_cases",
    "make_case",
    "write_case",
    "write_demo_set",
]
