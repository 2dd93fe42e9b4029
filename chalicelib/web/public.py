"""The public publication routes: listing, search, the item, its file, the Atom feed."""

from chalice import Response

from chalicelib import services
from chalicelib.platform.settings import settings
from chalicelib.web.problems import Problem
from chalicelib.web.routing import json_response, page_limit

# A shared cache may keep these for a minute and give them to anyone: every public answer is
# the same for every client (links come from PUBLIC_URL, never from a request header; CORS
# allows the one configured origin, the same header for every caller), so no `Vary` is needed.
_CACHE = {"Cache-Control": "public, max-age=60"}


def base_url():
    """Where the public reaches this API: PUBLIC_URL only. `Host` and `X-Forwarded-Proto` are the
    caller's to choose, and a cached feed would hand their choice of link to everyone."""
    configured = settings().public_url
    if not configured:
        raise RuntimeError("PUBLIC_URL is not set")
    return configured


def listing(request):
    params = request.query_params or {}
    unknown = set(params) - {"kind", "q", "cursor", "limit"}
    if unknown:
        raise Problem(400, "Unknown query parameter; use kind, q, cursor or limit.")
    limit = page_limit(request)
    q = params.get("q")
    if q is not None and len(q) > 200:
        raise Problem(400, "q must be at most 200 characters.")
    page = services.publications(base_url()).listing(params.get("kind"), q, params.get("cursor"), limit)
    return json_response(page, headers=_CACHE)


def register(request):
    params = request.query_params or {}
    if set(params) - {"cursor", "limit"}:
        raise Problem(400, "Unknown query parameter; use cursor or limit.")
    page = services.publications(base_url()).register(params.get("cursor"), page_limit(request))
    return json_response(page, headers=_CACHE)


def item(publication_id):
    return json_response(services.publications(base_url()).get(publication_id), headers=_CACHE)


def file(publication_id):
    url = services.publications(base_url()).download_url(publication_id)
    # The signed URL lives minutes; nobody should cache the redirect longer.
    return Response(body="", status_code=302, headers={"Location": url, "Cache-Control": "no-store"})


def feed():
    from chalicelib.publications.feed import atom

    base = base_url()
    items = services.publications(base).feed_items()
    body = atom(items, settings().board_name, base, f"{base}/publications/feed.atom")
    return Response(
        body=body.decode("utf-8"),
        status_code=200,
        headers={"Content-Type": "application/atom+xml; charset=utf-8", **_CACHE},
    )
