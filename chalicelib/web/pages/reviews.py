"""The case reviews page (`GET /case-reviews`) and the register (`GET /case-reviews/register`)."""

from chalicelib import services
from chalicelib.errors import BadRequest
from chalicelib.platform.settings import settings
from chalicelib.vocabulary import PUBLICATION_KINDS
from chalicelib.web.pages import render, texts
from chalicelib.web.public import base_url

PAGE = 20
# Everything on the unfiltered page comes from at most this many listing pages.
_MOST_PAGES = 10


def case_reviews(request):
    params = request.query_params or {}
    q = (params.get("q") or "").strip()[:200]
    kind = params.get("kind") or ""
    if kind and kind not in PUBLICATION_KINDS:
        raise BadRequest("Choose a kind from the list.")
    publications = services.publications(base_url())
    context = {
        "q": q,
        "kind": kind,
        "kinds": [(k, texts.KINDS.get(k, k)) for k in PUBLICATION_KINDS],
        "feed_url": "/publications/feed.atom",
        "nspcc_url": settings().nspcc_repository_url,
    }
    if q or kind:
        page = publications.listing(kind or None, q or None, params.get("cursor"), PAGE)
        context.update(results=page["items"], next=page["next"])
    else:
        items = _everything(publications)
        context["sections"] = [
            (heading, [i for i in items if i["kind"] in kinds]) for heading, kinds in texts.REVIEW_SECTIONS
        ]
    return render("case_reviews.html", title=texts.REVIEWS_TITLE, **context)


def register(request):
    params = request.query_params or {}
    page = services.publications(base_url()).register(params.get("cursor"), 50)
    return render("register.html", title=texts.REGISTER_TITLE, items=page["items"], next=page["next"])


def _everything(publications):
    items, cursor = [], None
    for _ in range(_MOST_PAGES):
        page = publications.listing(None, None, cursor, 100)
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            break
    return items
