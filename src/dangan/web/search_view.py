"""What the search page shows around the hits: chips that take a condition off, facets that add one.

Both are links to another query, so the page works without scripts and the back button undoes a click.
Removing a chip drops its words from the (normalised) query; a facet adds the value's name, which the
parser reads back as the same filter.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from dangan.domain import industry_by_code
from dangan.services.utilisation import FACETS, SearchResult


def _query_link(q: str) -> str:
    return "/search?" + urlencode({"q": q}) if q.strip() else "/search"


def search_chips(parsed: dict[str, Any]) -> list[dict[str, str]]:
    """Each understood condition with the link that runs the query without it."""
    chips = []
    for chip in parsed["chips"]:
        rest = [c["text"] for c in parsed["chips"] if c is not chip] + list(parsed["keywords"])
        chips.append({**chip, "remove": _query_link(" ".join(rest))})
    return chips


def _facet_words(kind: str, row: dict[str, Any]) -> str:
    if kind == "industry":
        found = industry_by_code(str(row["value"]))
        return found.name if found else str(row["value"])
    return str(row["label"])


def facet_links(result: SearchResult) -> dict[str, dict[str, Any]]:
    """kind → {label, rows: [{label, count, href, share}]} for the side panel; a kind already chosen as a
    chip, or with one value only, is left out (clicking it would change nothing)."""
    chosen = {c["kind"] for c in result.parsed["chips"]}
    out: dict[str, dict[str, Any]] = {}
    for kind, rows in (result.facets or {}).items():
        if kind in chosen or (kind == "year" and "time" in chosen) or len(rows) < 2:
            continue
        top = max(r["count"] for r in rows)
        out[kind] = {
            "label": FACETS[kind],
            "rows": [
                {
                    "label": r["label"],
                    "count": r["count"],
                    "share": round(100 * r["count"] / top),
                    "href": _query_link(f"{result.query} {_facet_words(kind, r)}"),
                }
                for r in rows[:12]
            ],
        }
    return out
