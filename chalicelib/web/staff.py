"""The staff routes' HTTP side: query strings and bodies in, JSON and CSV out."""
from chalice import Response

from chalicelib.web import bodies
from chalicelib import services
from chalicelib.web.routing import current_identity, json_response, page_limit, source_ip
from chalicelib.web.problems import validation_failed
from chalicelib.platform.validation import validate

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
    page = services.casework().list(current_identity.get(), source_ip(request), _query(request, "status"),
                                    _query(request, "cursor"), page_limit(request))
    return json_response(page, headers={"Cache-Control": "no-store"})


def referral(request, reference):
    found = services.casework().detail(current_identity.get(), source_ip(request), reference)
    return json_response(found, headers={"Cache-Control": "no-store"})


def recommend(request, reference):
    body = _body(request, "recommendation")
    return json_response(services.casework().recommend(current_identity.get(), source_ip(request), reference, body))


def decide(request, reference):
    body = _body(request, "decision")
    return json_response(services.casework().decide(current_identity.get(), source_ip(request), reference, body))


def progress(request, reference):
    body = _body(request, "progress")
    return json_response(services.casework().progress(current_identity.get(), source_ip(request), reference, body))


def audit(request):
    reference = _query(request, "reference")
    items, cursor = services.audit_trail().entries(reference, _query(request, "cursor"), page_limit(request))
    return json_response({"items": items, "next": cursor}, headers={"Cache-Control": "no-store"})


def export(request):
    text = services.casework().export_csv(current_identity.get(), source_ip(request))
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="case-review-referrals.csv"'})




def upload(request):
    body = _body(request, "upload")
    return json_response(services.publications().upload_form(body["filename"], body["size_bytes"]),
                         headers={"Cache-Control": "no-store"})


def publish(request):
    body = _body(request, "publication")
    item = _publications(request).create(body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(request, item), status=201,
                         headers={"Location": f"/publications/{item['id']}", "Cache-Control": "no-store"})


def list_publications(request):
    page = _publications(request).staff_listing(_query(request, "status", "awaiting_certification"),
                                                _query(request, "cursor"), page_limit(request))
    return json_response(page, headers={"Cache-Control": "no-store"})


def certify(request, publication_id):
    body = _body(request, "certification")
    item = _publications(request).certify(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(request, item), headers={"Cache-Control": "no-store"})


def replace_file(request, publication_id):
    body = _body(request, "replacement")
    item = _publications(request).replace_file(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(request, item), headers={"Cache-Control": "no-store"})


def withdraw(request, publication_id):
    body = _body(request, "withdrawal")
    item = _publications(request).withdraw(publication_id, body, current_identity.get(), source_ip(request))
    return json_response(_staff_view(request, item), headers={"Cache-Control": "no-store"})


def submit_to_repository(request, publication_id):
    item = _publications(request).submit_to_repository(publication_id, current_identity.get(), source_ip(request))
    return json_response(_staff_view(request, item), headers={"Cache-Control": "no-store"})


def _publications(request):
    from chalicelib.web.public import base_url

    return services.publications(base_url(request))


def _staff_view(request, item):
    return _publications(request).staff_view(item)
