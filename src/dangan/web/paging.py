"""Page links for long lists: 1 … 4 5 [6] 7 8 … 20, keeping the other query parameters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: an ellipsis
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pager:
    page: int
    pages: int
    links: list[PageLink]
    prev_url: str | None
    next_url: str | None


def to_int(value: str | None, default: int | None = None, *, low: int = 1, high: int = 10**6) -> int | None:
    """A lenient integer from a query string: anything unusable gives `default`."""
    if value is None or not value.strip().isdigit():
        return default
    number = int(value.strip())
    return number if low <= number <= high else default


def page_url(base: str, params: dict[str, str | int | None], page: int) -> str:
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if page > 1:
        query["page"] = page
    return f"{base}?{urlencode(query)}" if query else base


def make_pager(
    base: str, params: dict[str, str | int | None], page: int, pages: int, window: int = 2
) -> Pager:
    numbers = sorted({1, pages, *range(max(1, page - window), min(pages, page + window) + 1)})
    links: list[PageLink] = []
    previous = 0
    for n in numbers:
        if n - previous > 1:
            links.append(PageLink(None))
        links.append(PageLink(n, page_url(base, params, n), n == page))
        previous = n
    return Pager(
        page=page,
        pages=pages,
        links=links,
        prev_url=page_url(base, params, page - 1) if page > 1 else None,
        next_url=page_url(base, params, page + 1) if page < pages else None,
    )
