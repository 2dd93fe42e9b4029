"""The staff routes' HTTP side: query strings and bodies in, JSON and CSV out."""


from chalice import Response

from chalicelib import bodies, services
from chalicelib.http import current_identity, json_response, source_ip
from chalicelib.problems import Problem, validation_failed
from chalicelib.validation import validate

_MAX_STAFF_BODY = 64 * 1024


def _query(request, name, default=None):
    return (request.query_params or {}).get(name, default)


def _limit(request):
    raw = _query(request, "limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise Problem(400, "limit must be a whole number from 1 to 100.")
    return int(raw)


def _body(request, schema):
    document, _ = bodies.read(request, _MAX_STAFF_BODY)
    errors = validate(schema, document)
    if errors:
        raise validation_failed(errors)
    return document


def list_referrals(request):
    page = services.casework().list(current_identity.get(), source_ip(request), _query(request, "status"),
                                    _query(request, "cursor"), _limit(request))
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
    items, cursor = services.audit_trail().entries(reference, _query(request, "cursor"), _limit(request))
    return json_response({"items": items, "next": cursor}, headers={"Cache-Control": "no-store"})


def export(request):
    text = services.casework().export_csv(current_identity.get(), source_ip(request))
    return Response(body=text, status_code=200, headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": 'attachment; filename="case-review-referrals.csv"'})


