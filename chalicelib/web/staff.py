"""The staff routes' HTTP side: query strings and bodies in, JSON and CSV out."""

from chalicelib import services
from chalicelib.platform.logs import log
from chalicelib.platform.settings import settings
from chalicelib.platform.validation import validate
from chalicelib.web import bodies
from chalicelib.web.problems import Problem, validation_failed
from chalicelib.web.routing import csv_response, current_identity, json_response, page_limit, source_ip

_MAX_STAFF_BODY = 64 * 1024


def _query(request, name, default=None):
    return (request.query_params or {}).get(name, default)


def _body(request, schema):
    document, _ = bodies.read(request, _MAX_STAFF_BODY)
    errors = validate(schema, document)
    if errors:
        raise validation_failed(errors)
    return document


def list_referrals(request):
    page = services.casework().list(
        current_identity.get(),
        source_ip(request),
        _query(request, "status"),
        _query(request, "cursor"),
        page_limit(request),
        _query(request, "clock"),
    )
    return json_response(page, headers={"Cache-Control": "no-store"})


def referral(request, reference):
    found = services.casework().detail(current_identity.get(), source_ip(request), reference)
    return json_response(found, headers={"Cache-Control": "no-store", "ETag": f'"{found["version"]}"'})


def _if_match(request):
    """The case version in an `If-Match` header ("7" or 7), or None when the caller sent none."""
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit() or len(value) > 9:
        raise Problem(400, "If-Match must be the case's version, as its ETag gives it.")
    return int(value)


def recommend(request, reference):
    body = _body(request, "recommendation")
    return json_response(services.casework().recommend(current_identity.get(), source_ip(request), reference, body))


def decide(request, reference):
    body = _body(request, "decision")
    return json_response(services.casework().decide(current_identity.get(), source_ip(request), reference, body))


def progress(request, reference):
    body = _body(request, "progress")
    return json_response(services.casework().progress(current_identity.get(), source_ip(request), reference, body))


def enter_referral(request):
    """A case entered by staff: the referral document, plus how it arrived and (optionally) its regime."""
    from chalicelib.referrals.rules import check

    document, _ = bodies.read(request, settings().max_body_bytes)  # a whole referral, as POST /referrals takes
    entry = {key: document.pop(key) for key in ("source", "regime") if key in document}
    errors = validate("staff_entry", entry) + check(document)
    if errors:
        raise validation_failed(sorted(errors, key=lambda e: e["pointer"]))
    regime = entry.get("regime") or settings().timeline_regime
    receipt = services.referral_store().enter(
        document, regime, entry["source"], services.audit_trail(), current_identity.get(), source_ip(request)
    )
    log("referral_entered", reference=receipt.reference)
    return json_response(
        {**receipt.body(), "regime": regime, "source": entry["source"]},
        status=201,
        headers={"Location": f"/staff/referrals/{receipt.reference}", "Cache-Control": "no-store"},
    )


def _case_change(method, schema, status=200):
    """A change of a case: the body checked against its schema, then the casework's `method`."""

    def handle(request, reference, *args):
        body = _body(request, schema)
        casework = services.casework().expecting(_if_match(request))
        found = getattr(casework, method)(current_identity.get(), source_ip(request), reference, *args, body)
        return json_response(found, status=status, headers={"Cache-Control": "no-store"})

    return handle


link = _case_change("link", "link")
notification = _case_change("notify", "notification")
rapid_review = _case_change("rapid_review", "rapid_review")
sign_off = _case_change("sign_off", "sign_off")
panel = _case_change("panel", "panel")
review = _case_change("review", "review")
add_proceeding = _case_change("add_proceeding", "proceeding", status=201)
update_proceeding = _case_change("update_proceeding", "proceeding_update")
add_notice = _case_change("add_notice", "notice", status=201)


def audit(request):
    reference = _query(request, "reference")
    items, cursor = services.audit_trail().entries(reference, _query(request, "cursor"), page_limit(request))
    return json_response({"items": items, "next": cursor}, headers={"Cache-Control": "no-store"})


def export(request):
    text = services.casework().export_csv(current_identity.get(), source_ip(request))
    return csv_response(text, "case-review-referrals.csv")


def upload(request):
    body = _body(request, "upload")
    return json_response(
        services.publications().upload_form(body["filename"], body["size_bytes"]), headers={"Cache-Control": "no-store"}
    )


def publish(request):
    body = _body(request, "publication")
    item = _publications().create(body, current_identity.get(), source_ip(request))
    return json_response(
        _staff_view(item), status=201, headers={"Location": f"/publications/{item['id']}", "Cache-Control": "no-store"}
    )


def list_publications(request):
    page = _publications().staff_listing(
        _query(request, "status", "awaiting_certification"), _query(request, "cursor"), page_limit(request)
    )
    return json_response(page, headers={"Cache-Control": "no-store"})


def certify(request, publication_id):
    body = _body(request, "certification")
    item = _publications().certify(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(item), headers={"Cache-Control": "no-store"})


def replace_file(request, publication_id):
    body = _body(request, "replacement")
    item = _publications().replace_file(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(item), headers={"Cache-Control": "no-store"})


def withdraw(request, publication_id):
    body = _body(request, "withdrawal")
    item = _publications().withdraw(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(item), headers={"Cache-Control": "no-store"})


def submit_to_repository(request, publication_id):
    item = _publications().submit_to_repository(publication_id, current_identity.get(), source_ip(request))
    return json_response(_staff_view(item), headers={"Cache-Control": "no-store"})


def _publications():
    from chalicelib.web.public import base_url

    return services.publications(base_url())


def _staff_view(item):
    return _publications().staff_view(item)
