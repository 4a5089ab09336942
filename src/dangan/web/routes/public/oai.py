"""OAI-PMH 2.0 at /oai (GET query or POST form), and the dat46 schema it names, at /oai/dat46.xsd.

No login: it publishes only what the public may read (the service applies the access policy). The two
routes are plain Starlette routes, outside the app-wide dependencies, on purpose: a harvester's POST is
a read carrying no session, so the CSRF check of browser forms does not apply, and NUL or other control
characters are answered by the protocol itself (badArgument) rather than by a JSON 422. Every answer is
`text/xml; charset=utf-8` with status 200, errors included, as the protocol asks.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from dangan.services.share import dat46_schema, oai_response

XML = "text/xml; charset=utf-8"
MAX_FORM_BYTES = 64 * 1024  # far more than the longest legitimate request (a resumption token)

router = APIRouter()


async def _params(request: Request) -> list[tuple[str, str]]:
    if request.method != "POST":
        return request.query_params.multi_items()
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return [("verb", "")]  # too long to be a request: answered as a bad verb, nothing parsed
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return []
    return parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)


async def oai(request: Request) -> Response:
    params = await _params(request)
    archive = request.app.state.archive
    xml = await run_in_threadpool(oai_response, archive, params, str(request.base_url))
    return Response(xml, media_type=XML)


async def dat46(request: Request) -> Response:
    return Response(dat46_schema(), media_type=XML)


router.add_route("/oai", oai, methods=["GET", "POST"], include_in_schema=False)
router.add_route("/oai/dat46.xsd", dat46, methods=["GET"], include_in_schema=False)
