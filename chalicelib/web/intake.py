"""POST /referrals: from an HTTP request to a stored referral and its receipt."""

import json
import re
from urllib.parse import urlencode

from chalice import Response

from chalicelib import services
from chalicelib.errors import Conflict, Invalid
from chalicelib.platform import clock
from chalicelib.platform.logs import log
from chalicelib.platform.settings import settings
from chalicelib.platform.validation import load_schema
from chalicelib.referrals.rules import check
from chalicelib.referrals.store import IdempotencyConflict, Receipt, new_reference
from chalicelib.web import bodies
from chalicelib.web.problems import Problem, validation_failed

_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def receive(request):
    conf = settings()
    document, kind = bodies.read(
        request, conf.max_body_bytes, accept=(bodies.JSON, bodies.FORM), schema=load_schema("referral")
    )
    try:
        receipt = accept(document, _idempotency_key(request, document), kind)
    except Invalid as error:
        raise validation_failed(error.errors) from None
    except Conflict as error:
        raise Problem(409, error.detail, slug=error.slug) from None
    return _answer(receipt, kind)


def accept(document, idempotency_key, kind):
    """The one path from a read referral to a stored one, for the JSON API, a website's form and
    the service's own referral pages. Raises Invalid (every failing field) or Conflict."""
    if document.get("website"):
        # A bot filled the hidden field: it gets what a person would, and nothing is kept.
        log("referral_honeypot", content_type=kind)
        return Receipt(new_reference(), clock.now_iso())
    errors = check(document)
    if errors:
        log("referral_rejected", status_code=422, count=errors.total)
        raise Invalid(errors, what="referral")
    try:
        receipt = services.referral_store().receive(document, idempotency_key)
    except IdempotencyConflict:
        raise Conflict(
            "This idempotency key was already used for a different referral.", slug="idempotency-conflict"
        ) from None
    log("referral_replayed" if receipt.replayed else "referral_received", reference=receipt.reference)
    return receipt


def _idempotency_key(request, document):
    header = request.headers.get("idempotency-key")
    if header is not None:
        if not _KEY.fullmatch(header):
            raise Problem(400, "The Idempotency-Key header must be 8 to 128 letters, digits or . _ : -")
        return header
    return document.get("submission_id")


def _answer(receipt, kind):
    success_url = settings().form_success_url
    if kind == bodies.FORM and success_url:
        joiner = "&" if "?" in success_url else "?"
        return Response(
            body="",
            status_code=303,
            headers={"Location": success_url + joiner + urlencode({"reference": receipt.reference})},
        )
    return Response(
        body=json.dumps(receipt.body()),
        status_code=200 if receipt.replayed else 201,
        headers={"Content-Type": "application/json", "Cache-Control": "no-store"},
    )
