"""Hostile traffic at the web layer: query strings, headers, stored text, concurrent writes."""

import json
import re
from xml.etree import ElementTree as ET

import boto3
import pytest
from chalice import Response

from tests.conftest import PUBLIC_URL
from tests.test_publications import publish
from tests.test_staff import CHAIR, SUB, call, new_referral

# ---- integer query parameters: ASCII digits only ----------------------------------------------------

NOT_A_LIMIT = ["¹", "²0", "٣", "१०", "𝟗", "1e2", "-1", "+5", " 5", "5 ", "0", "101", "99999999999999999999999", ""]
LIMITED = [("/publications", ()), ("/staff/referrals", SUB), ("/staff/audit", CHAIR)]


@pytest.mark.parametrize("path,groups", LIMITED, ids=[p for p, _ in LIMITED])
def test_a_limit_that_is_not_ascii_digits_is_400_not_500(client, tokens, path, groups):
    headers = tokens.bearer(groups) if groups else {}
    for raw in NOT_A_LIMIT:
        response = call(client, "GET", f"{path}?limit={raw}", headers)
        assert response.status_code == 400, (path, raw, response.body)
        assert response.headers["Content-Type"] == "application/problem+json"
        assert json.loads(response.body)["detail"] == "limit must be a whole number from 1 to 100."
    assert call(client, "GET", f"{path}?limit=100", headers).status_code == 200


# ---- links: from PUBLIC_URL only, so a shared cache cannot spread a caller's Host ---------------------

SPOOFED = [
    {},
    {"Host": "evil.example"},
    {"Host": "evil.example", "X-Forwarded-Proto": "javascript"},
    {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http", "Origin": "https://evil.example"},
]


def test_public_links_never_come_from_request_headers(client, tokens):
    item = publish(client, tokens)
    answers = {}
    for path in ("/publications/feed.atom", "/publications", f"/publications/{item['id']}"):
        bodies = [call(client, "GET", path, headers) for headers in SPOOFED]
        assert all(b.status_code == 200 for b in bodies), path
        # The same bytes whatever the caller sent: a shared cache may keep and share them (no Vary needed).
        assert len({b.body for b in bodies}) == 1, path
        assert b"evil" not in bodies[0].body and b"javascript" not in bodies[0].body
        answers[path] = bodies[0]
    feed = ET.fromstring(answers["/publications/feed.atom"].body)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.find("a:link[@rel='self']", ns).get("href") == f"{PUBLIC_URL}/publications/feed.atom"
    hrefs = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert hrefs and all(href.startswith(PUBLIC_URL + "/") for href in hrefs)
    listed = json.loads(answers["/publications"].body)["items"]
    assert listed[0]["file_url"] == f"{PUBLIC_URL}/publications/{item['id']}/file"


# ---- the feed survives any stored text ----------------------------------------------------------------


def test_the_feed_never_emits_a_character_xml_forbids(client, tokens, aws):
    item = publish(client, tokens)
    table = aws.physical["PublicationsTable"]
    db = boto3.client("dynamodb", region_name="eu-west-2")
    stored = [i for i in db.scan(TableName=table)["Items"] if i.get("id", {}).get("S") == item["id"]]
    assert stored
    for found in stored:  # a title saved before the schemas refused these characters
        db.update_item(
            TableName=table,
            Key={"pk": found["pk"], "sk": found["sk"]},
            UpdateExpression="SET title = :t, summary = :s",
            ExpressionAttributeValues={":t": {"S": "Child \uffff J\x0b\ufffe"}, ":s": {"S": "A\x00B\x1f"}},
        )
    response = call(client, "GET", "/publications/feed.atom")
    assert response.status_code == 200
    entry = ET.fromstring(response.body).find("{http://www.w3.org/2005/Atom}entry")
    assert entry.find("{http://www.w3.org/2005/Atom}title").text == "Child  J"
    assert entry.find("{http://www.w3.org/2005/Atom}summary").text == "AB"


# ---- security headers on every answer -------------------------------------------------------------------

EXPECTED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _assert_secured(response, what):
    if response.headers.get("Content-Type", "").startswith("text/html"):
        # A page for people sets its own policy (ui.md): scripts from the service only; a public page framed by
        # the board's website alone, a console page never; the rest as every answer.
        policy = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "script-src 'self'" in policy, (what, policy)
        if " /console" in what:
            assert policy.endswith("frame-ancestors 'none'") and response.headers["X-Frame-Options"] == "DENY", what
        else:
            assert "frame-ancestors 'self'" in policy, (what, policy)
        assert response.headers.get("Referrer-Policy") in ("no-referrer", "same-origin"), what
        for name in ("X-Content-Type-Options", "Strict-Transport-Security"):
            assert response.headers.get(name) == EXPECTED_HEADERS[name], (what, name)
        return
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, (what, response.status_code, name)


def test_every_route_answers_with_the_security_headers(client, tokens):
    from app import app

    reference = new_referral(client)
    published = publish(client, tokens)
    from chalicelib.vocabulary import GROUPS

    everyone = tokens.bearer(GROUPS)
    fill = {
        "reference": reference,
        "publication_id": published["id"],
        "proceeding_id": "0123456789ab",
        "step": "about-you",
        "name": "manifest.json",
        "action": "notification",
    }
    seen = set()
    for path, methods in app.routes.items():
        concrete = re.sub(r"\{(\w+)\}", lambda m: fill[m.group(1)], path)
        for method in methods:
            seen.add((method, path))
            for headers, body in ((everyone, None), ({}, "{}"), (everyone, "{not json")):
                if method == "GET" and body is not None:
                    continue
                kwargs = {"headers": {**headers, "Content-Type": "application/json"}}
                if method != "GET":
                    kwargs["body"] = body or "{}"
                response = getattr(client.http, method.lower())(concrete, **kwargs)
                assert response.status_code < 500, (method, path, response.body)
                _assert_secured(response, f"{method} {path}")
    assert ("GET", "/publications/{publication_id}/file") in seen and ("POST", "/referrals") in seen
    assert len(seen) == sum(len(methods) for methods in app.routes.values())


def test_a_response_that_sets_its_own_policy_keeps_it():
    from chalicelib.web.routing import SECURITY_HEADERS, _add_security_headers

    page = Response(
        body="<!doctype html>",
        headers={
            "Content-Type": "text/html",
            "content-security-policy": "default-src 'self'; frame-ancestors https://x",
        },
    )
    _add_security_headers(page)
    assert page.headers["content-security-policy"] == "default-src 'self'; frame-ancestors https://x"
    assert "Content-Security-Policy" not in page.headers
    assert page.headers["X-Content-Type-Options"] == SECURITY_HEADERS["X-Content-Type-Options"]


# ---- concurrent writes: never a 500 ------------------------------------------------------------------------


def _failing_transactions(monkeypatch, code, times, reasons=None):
    """DynamoDB answers the next `times` transactions with `code`, as it does under contention."""
    from botocore.exceptions import ClientError

    from chalicelib.platform import aws as clients

    db = clients.client("dynamodb")
    real = db.transact_write_items
    calls = []

    def transact_write_items(**kwargs):
        calls.append(kwargs)
        if len(calls) <= times:
            error = {"Error": {"Code": code, "Message": "conflict"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
            if reasons:
                error["CancellationReasons"] = [{"Code": r} for r in reasons]
            raise getattr(db.exceptions, code, ClientError)(error, "TransactWriteItems")
        return real(**kwargs)

    monkeypatch.setattr(db, "transact_write_items", transact_write_items)
    return calls


RECOMMEND = {"recommendation": "criteria_met", "rationale": "Both limbs of regulation 5 are met."}
CONFLICTS = [
    ("TransactionCanceledException", ["TransactionConflict", "None"]),
    ("TransactionCanceledException", ["None", "TransactionConflict"]),
    ("TransactionConflictException", None),
]


@pytest.fixture
def board_on_the_2015_process(aws, monkeypatch):
    """The conflict tests record a recommendation: the 2015 process's step."""
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()


@pytest.mark.usefixtures("board_on_the_2015_process")
@pytest.mark.parametrize("code,reasons", CONFLICTS, ids=["first-item", "audit-item", "conflict-exception"])
def test_a_transaction_conflict_is_retried_then_409_never_500(client, tokens, monkeypatch, code, reasons):
    reference = new_referral(client)
    calls = _failing_transactions(monkeypatch, code, times=99, reasons=reasons)
    path = f"/staff/referrals/{reference}/recommendation"
    response = call(client, "POST", path, tokens.bearer(SUB), RECOMMEND)
    assert response.status_code == 409, response.body
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "1"
    assert len(calls) == 3  # tried, and retried twice
    detail = json.loads(call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(SUB)).body)
    assert detail["status"] == "received"  # nothing changed


@pytest.mark.usefixtures("board_on_the_2015_process")
def test_a_brief_conflict_is_absorbed(client, tokens, monkeypatch):
    reference = new_referral(client)
    _failing_transactions(monkeypatch, "TransactionCanceledException", times=1, reasons=["TransactionConflict", "None"])
    response = call(client, "POST", f"/staff/referrals/{reference}/recommendation", tokens.bearer(SUB), RECOMMEND)
    assert response.status_code == 200, response.body


@pytest.mark.usefixtures("board_on_the_2015_process")
def test_throttled_transactions_are_503_with_retry_after(client, tokens, monkeypatch):
    reference = new_referral(client)
    _failing_transactions(monkeypatch, "ThrottlingException", times=99)
    response = call(client, "POST", f"/staff/referrals/{reference}/recommendation", tokens.bearer(SUB), RECOMMEND)
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
