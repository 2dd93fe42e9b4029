"""The console's publications: the list, a new one (the PDF straight to storage, then its fields), its page with
certification, withdrawal, the file's replacement and the NSPCC repository submission.

The file never passes through the service: the page carries a presigned POST to the uploads bucket (step 1),
which sends the browser back here with the upload's key (step 2), where the publication is created by the same
`Publications.create` as `POST /staff/publications`. With JavaScript, upload.js sends the same form with a
progress bar and goes to the same step 2.
"""

import re

from chalicelib import services
from chalicelib.errors import Conflict, Invalid, NotAllowed
from chalicelib.platform.validation import validate
from chalicelib.publications import kinds
from chalicelib.vocabulary import CHAIR, PUBLICATION_KINDS, PUBLISHERS
from chalicelib.web import console
from chalicelib.web.console import forms, texts
from chalicelib.web.console.forms import Field

_UPLOAD_KEY = re.compile(r"uploads/[0-9a-f]{32}/[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.pdf")
_ID = re.compile(r"[0-9a-f]{12}")
LISTS = ("awaiting_certification", "scheduled", "public", "withdrawn")

FIELDS = (
    Field("kind", "radios", texts.PUB_KIND, choices=tuple((k, kinds.label(k)) for k in PUBLICATION_KINDS)),
    Field("title", "text", texts.PUB_TITLE),
    Field("case_name", "text", texts.PUB_CASE_NAME, hint=texts.PUB_CASE_NAME_HINT),
    Field("summary", "textarea", texts.PUB_SUMMARY),
    Field("learning", "textarea", texts.PUB_LEARNING, optional=True),
    Field("keywords", "text", texts.PUB_KEYWORDS, hint=texts.PUB_KEYWORDS_HINT, optional=True),
    Field("published_on", "date", texts.PUB_PUBLISHED_ON, hint=texts.PUB_PUBLISHED_ON_HINT, optional=True),
    Field("publish_on", "date", texts.PUB_PUBLISH_ON, hint=texts.PUB_PUBLISH_ON_HINT, optional=True),
    Field("referral", "text", texts.PUB_REFERRAL, hint=texts.PUB_REFERRAL_HINT, optional=True),
)
WITHDRAWAL = (
    Field("reason", "textarea", texts.PUB_WITHDRAW_REASON),
    Field(
        "emergency",
        "yesno",
        texts.PUB_EMERGENCY,
        hint=texts.PUB_EMERGENCY_HINT,
        optional=True,
        choices=(("yes", texts.YES), ("no", texts.NO)),
    ),
)
REPLACEMENT = (Field("note", "textarea", texts.PUB_REPLACE_NOTE, optional=True),)
_SHAPES = {
    "new": forms.Action("new", "create", "publication", (PUBLISHERS,), "", "", FIELDS),
    "withdrawal": forms.Action("withdrawal", "withdraw", "withdrawal", (PUBLISHERS, CHAIR), "", "", WITHDRAWAL),
    "file": forms.Action("file", "replace_file", "replacement", (PUBLISHERS, CHAIR), "", "", REPLACEMENT),
    "certification": forms.Action("certification", "certify", "certification", (PUBLISHERS,), "", "", ()),
    "repository-submission": forms.Action("repository-submission", "", "", (PUBLISHERS,), "", "", ()),
}
DONE = {
    "created": texts.PUB_DONE_CREATED,
    "certification": texts.PUB_DONE_CERTIFIED,
    "withdrawal": texts.PUB_DONE_WITHDRAWN,
    "file": texts.PUB_DONE_REPLACED,
    "repository-submission": texts.PUB_DONE_REPOSITORY,
}


def _store():
    from chalicelib.web.public import base_url

    return services.publications(base_url())


def listing(visit):
    """`GET /console/publications`: one list at a time (drafts awaiting certification first)."""
    wanted = visit.param("status") if visit.param("status") in LISTS else LISTS[0]
    page = _store().staff_listing(wanted, visit.param("cursor"), 50)
    return console.render(
        visit,
        "console/publications.html",
        title=texts.PUBS_TITLE,
        section="/console/publications",
        lists=LISTS,
        wanted=wanted,
        items=page["items"],
        next_cursor=page["next"],
        kind_label=kinds.label,
        may_publish=visit.identity.in_any((PUBLISHERS,)),
    )


def new(visit, status=200, posted=None, errors=()):
    """`GET /console/publications/new`: step 1, the PDF to storage; with `?key=` (storage sent the browser back),
    step 2, the publication's fields."""
    return _two_steps(
        visit,
        _SHAPES["new"],
        (texts.PUB_NEW_TITLE, texts.PUB_NEW_FIELDS_TITLE),
        ("/console/publications/new?uploaded=1", "/console/publications", texts.PUB_CREATE_BUTTON),
        status,
        posted,
        errors,
    )


def replace(visit, publication_id, status=200, posted=None, errors=()):
    """`GET /console/publications/{id}/replace`: the new file to storage, then a note and the button."""
    title = texts.PUB_REPLACE_TITLE.format(title=_store().staff_item(publication_id)["title"])
    return _two_steps(
        visit,
        _SHAPES["file"],
        (title, title),
        (
            f"/console/publications/{publication_id}/replace?uploaded=1",
            f"/console/publications/{publication_id}/file",
            texts.PUB_REPLACE_BUTTON,
        ),
        status,
        posted,
        errors,
    )


def _two_steps(visit, shape, titles, paths, status, posted, errors):
    """Step 1 (the file straight to storage, which sends the browser back with its key) or, with the key,
    step 2: the fields, posted to the service with the key."""
    back, action, button = paths
    key = (posted or {}).get("upload_key", [visit.param("key")])[0]
    if not (key and _UPLOAD_KEY.fullmatch(key)):
        return _upload_step(visit, back, titles[0])
    return console.render(
        visit,
        "console/publication_fields.html",
        status=status,
        title=titles[1],
        section="/console/publications",
        upload_key=key,
        fields=forms.present(shape, posted, forms.field_errors(errors)),
        errors=list(errors),
        action=action,
        button=button,
    )


def _upload_step(visit, redirect_path, title):
    from chalicelib.publications.store import upload_origin

    upload = _store().upload_form(redirect_path=redirect_path)
    return console.render(
        visit,
        "console/upload.html",
        title=title,
        section="/console/publications",
        upload=upload,
        max_size=upload["max_bytes"],
        upload_origin=upload_origin(),
    )


def create(visit):
    """`POST /console/publications`: the publication, from the uploaded file and the fields."""
    document, posted = _document(visit, _SHAPES["new"])
    found = validate("publication", document)
    if found:
        return new(visit, 422, posted, _errors(_SHAPES["new"], found))
    try:
        item = _store().create(document, visit.identity, visit.source_ip())
    except Invalid as invalid:
        return new(visit, 422, posted, _errors(_SHAPES["new"], invalid.errors or []))
    except (Conflict, NotAllowed) as refused:
        return new(visit, 409, posted, [{"anchor": "kind", "text": refused.detail, "name": ""}])
    return console.redirect(visit, f"/console/publications/{item['id']}?done=created")


def page(visit, publication_id, status=200, errors=(), posted=None, errors_for=None):
    """`GET /console/publications/{id}`: everything about it, and what the person may do to it now."""
    if not _ID.fullmatch(publication_id or ""):
        return console.message(visit, 404, "not_found")
    item = _store().staff_item(publication_id)
    me = visit.identity
    publisher = me.in_any((PUBLISHERS,))
    done = visit.param("done")
    withdrawal = forms.present(
        _SHAPES["withdrawal"], *((posted, forms.field_errors(errors)) if errors_for == "withdrawal" else ())
    )
    if not me.in_any((CHAIR,)):
        withdrawal = [f for f in withdrawal if f.name != "emergency"]
    return console.render(
        visit,
        "console/publication.html",
        status=status,
        title=item["title"],
        section="/console/publications",
        item=item,
        kind_label=kinds.label(item["kind"]),
        errors=list(errors),
        banner=DONE.get(done, ""),
        may_certify=publisher and item["status"] == "awaiting_certification" and item.get("created_by") != me.username,
        own_draft=item["status"] == "awaiting_certification" and item.get("created_by") == me.username,
        may_withdraw=item["status"] != "withdrawn",
        withdrawal_fields=withdrawal,
        may_replace=item["status"] != "withdrawn",
        may_submit=publisher and item["status"] == "public",
    )


def change(visit, publication_id, action):
    """`POST /console/publications/{id}/{action}`: certification, withdrawal, the file's replacement, the repository."""
    shape = _SHAPES.get(action)
    if shape is None or action == "new":
        return console.message(visit, 404, "not_found")
    if not visit.identity.in_any(shape.groups):
        return console.message(visit, 403, "forbidden")
    store = _store()
    if action == "repository-submission":
        return _applied(visit, publication_id, action, lambda: store.submit_to_repository(publication_id, *_who(visit)))
    document, posted = _document(visit, shape)
    if action == "withdrawal" and "emergency" not in document:
        document["emergency"] = False
    found = validate(shape.schema, document)
    if found:
        return _again(visit, publication_id, action, posted, _errors(shape, found))
    method = getattr(store, shape.method)
    try:
        method(publication_id, document, *_who(visit))
    except Invalid as invalid:
        return _again(visit, publication_id, action, posted, _errors(shape, invalid.errors or []))
    except (Conflict, NotAllowed) as refused:
        status = 409 if isinstance(refused, Conflict) else 403
        return _again(visit, publication_id, action, posted, [{"anchor": "actions", "text": refused.detail}], status)
    return console.redirect(visit, f"/console/publications/{publication_id}?done={action}")


def _applied(visit, publication_id, action, call):
    try:
        call()
    except (Conflict, NotAllowed) as refused:
        status = 409 if isinstance(refused, Conflict) else 403
        return page(visit, publication_id, status, [{"anchor": "actions", "text": refused.detail}])
    return console.redirect(visit, f"/console/publications/{publication_id}?done={action}")


def _again(visit, publication_id, action, posted, errors, status=422):
    if action == "file":
        return replace(visit, publication_id, status, posted, errors)
    return page(visit, publication_id, status, errors, posted, errors_for=action)


def _who(visit):
    return visit.identity, visit.source_ip()


def _document(visit, shape):
    """The posted form as the schema's document (keywords: one comma-separated line), and the raw answers."""
    from chalicelib.platform.validation import load_schema
    from chalicelib.web.bodies import parse_form

    text = (visit.request.raw_body or b"").decode("utf-8", "replace")
    posted = {k: v for k, v in visit.form.items() if k != "csrf_token"}
    document = parse_form(text, load_schema(shape.schema)) if text.strip() else {}
    document.pop("csrf_token", None)
    if isinstance(document.get("keywords"), str):
        document["keywords"] = [w.strip() for w in document["keywords"].split(",") if w.strip()]
    elif isinstance(document.get("keywords"), list):
        document["keywords"] = [w.strip() for k in document["keywords"] for w in str(k).split(",") if w.strip()]
    return document, posted


def _errors(shape, found):
    return forms.summary(shape, found, texts.PUB_FILE)
