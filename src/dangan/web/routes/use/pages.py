"""Pages for people: home, browse, one record, search."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from starlette.responses import Response

from dangan.access import can_download
from dangan.core import NotFound
from dangan.services.certify import certificates_for
from dangan.services.digitization import scan_summary
from dangan.services.oversight import duty_home
from dangan.services.preservation import preservation_copies
from dangan.services.quality import report_for_record
from dangan.services.records import SORTS, BrowseFilter, browse, facets, overview, read_record, similar_views
from dangan.services.utilisation import SORTS as SEARCH_SORTS
from dangan.services.utilisation import SearchResult, log_click, log_search, search

from ...deps import ArchiveDep, CurrentUser
from ...paging import make_pager, to_int
from ...present import applicant_rows, file_kind, file_urls, record_rows
from ...render import render
from ...search_view import facet_links, search_chips

router = APIRouter(include_in_schema=False)
PER_PAGE = 20
MAX_QUERY = 200


@router.get("/")
def home(request: Request, archive: ArchiveDep, user: CurrentUser) -> Response:
    duty = duty_home(archive, user)
    if duty is not None:  # the three administrators see their own work, not the holdings
        return render(request, "duty_home.html", {"duty": duty})
    context = {"stats": overview(archive, user), "facets": facets(archive, user, BrowseFilter())}
    return render(request, "home.html", context)


@router.get("/records")
def records(
    request: Request,
    archive: ArchiveDep,
    user: CurrentUser,
    department: str = "",
    matter: str = "",
    year: str = "",
    category: str = "",
    district: str = "",
    result: str = "",
    keyword: str = "",
    sort: str = "",
    page: str = "",
) -> Response:
    chosen = BrowseFilter(
        department=department or None,
        matter=matter or None,
        year=to_int(year, high=9999),
        category=category or None,
        district=district.strip()[:6] or None,
        result=result.strip()[:200] or None,
        keyword=keyword.strip()[:MAX_QUERY] or None,
        sort=sort if sort in SORTS else "date_desc",
    )
    number = to_int(page, 1) or 1
    found = browse(archive, user, chosen, number, PER_PAGE)
    if not found.items and found.total and number > found.pages:
        found = browse(archive, user, chosen, found.pages, PER_PAGE)
    options = facets(archive, user, chosen)
    params: dict[str, str | int | None] = {
        "department": chosen.department,
        "matter": chosen.matter,
        "year": chosen.year,
        "category": chosen.category,
        "district": chosen.district,
        "result": chosen.result,
        "keyword": chosen.keyword,
    }
    filtered = any(params.values())
    if chosen.sort != "date_desc":
        params["sort"] = chosen.sort
    context = {
        "result": found,
        "rows": found.items,
        "chosen": chosen,
        "options": options,
        "sorts": SORTS,
        "filtered": filtered,
        "pager": make_pager("/records", params, found.page, found.pages),
    }
    return render(request, "records.html", context)


@router.get("/records/{record_id}")
def record_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, record_id: str, sl: str = ""
) -> Response:
    read = read_record(archive, user, record_id, "web")
    if sl.isdigit():  # opened from a search result: what the ranking learns from (see services._learning)
        with contextlib.suppress(NotFound):
            log_click(archive, user, int(sl), record_id)
    record, raw = read.view, read.record
    files = [
        {"file": f, "kind": file_kind(f.media_type), **file_urls(record.id, f.position)} for f in record.files
    ]
    context = {
        "record": record,
        "rows": record_rows(record),
        "applicant": applicant_rows(record),
        "extra": sorted((record.extra or {}).items()),
        "files": files,
        "checks": report_for_record(archive, record.id),
        "copies": preservation_copies(archive, record.id),
        "may_download": can_download(user, raw),  # a view-only 利用 grant: no download links
        "certificates": certificates_for(archive, user, raw),
        "similar": similar_views(archive, user, record.id, k=5),  # None until the record has a vector
        "scans": scan_summary(archive, user, record.id),
        "may_rerun": user.role.code == "archivist",
    }
    return render(request, "record.html", context)


@router.get("/search")
def search_page(
    request: Request, archive: ArchiveDep, user: CurrentUser, q: str = "", page: str = "", sort: str = ""
) -> Response:
    query = q.strip()[:MAX_QUERY]
    order = sort if sort in SEARCH_SORTS else "relevance"
    number = to_int(page, 1) or 1

    def run(n: int) -> SearchResult:
        return search(
            archive, user, query, limit=PER_PAGE, offset=(n - 1) * PER_PAGE, sort=order, facets=True
        )

    result = run(number) if query else None
    pages = max(1, -(-result.total // PER_PAGE)) if result else 1
    if result is not None and not result.hits and number > pages:  # past the end: show the last page
        number = pages
        result = run(number)
    params: dict[str, str | int | None] = {"q": query, "sort": order if order != "relevance" else None}
    log_id = (
        log_search(archive, user, result.parsed, [h.seq for h in result.hits])
        if result and result.hits
        else None
    )
    context = {
        "q": query,
        "result": result,
        "sort": order,
        "chips": search_chips(result.parsed) if result else [],
        # a graph answer is not narrowed by facets: the words of its question would no longer read as one
        "facet_links": facet_links(result) if result and result.graph is None else {},
        "pager": make_pager("/search", params, number, pages),
        "offset": (number - 1) * PER_PAGE,
        "log_id": log_id,
    }
    return render(request, "search.html", context)
