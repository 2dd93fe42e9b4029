"""Staff sign-in and the sub-committee's workflow, through chalice.test.Client on moto."""

import base64
import csv
import io
import json

import boto3
import pytest

from chalicelib import vocabulary
from tests import sample
from tests.conftest import parsed_emails, post_json, run_stream
from tests.tokens import KeyPair

SUB, CHAIR, PUB = ("subcommittee",), ("chair",), ("publishers",)
COORD, PARTNERS = ("coordinator",), ("partner_local_authority", "partner_health", "partner_police")
RECOMMEND = {"recommendation": "criteria_met", "rationale": "Both limbs of regulation 5 are met."}
DECIDE = {"decision": "serious_case_review", "rationale": "Agreed with the sub-committee."}


@pytest.fixture(autouse=True)
def board_on_the_2015_process(aws, monkeypatch):
    """These tests walk the 2015 process (the chair decides): the board's default regime is set to it."""
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()


def new_referral(client):
    return json.loads(post_json(client, sample.referral()).body)["reference"]


def call(client, method, path, headers=None, body=None):
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    return getattr(client.http, method.lower())(path, headers=headers, **({"body": body} if body is not None else {}))


def advance(client, tokens, reference, to):
    steps = [
        ("recommendation", SUB, RECOMMEND),
        ("decision", CHAIR, DECIDE),
        ("progress", CHAIR, {"status": "in_progress"}),
    ]
    order = ["received", "recommended", "decided", "in_progress"]
    for step, groups, body in steps[: order.index(to)]:
        response = call(client, "POST", f"/staff/referrals/{reference}/{step}", tokens.bearer(groups), body)
        assert response.status_code == 200, response.body


# Every staff route of app.py, as the app registers it: (method, path) -> (the groups that may use it,
# a body to send). `test_every_staff_route_is_in_the_matrix` fails for a route missing here, so a new
# staff route cannot go without its token checks below.
STAFF_ROUTES = {
    ("GET", "/staff/referrals"): (SUB + CHAIR + COORD + PARTNERS, None),
    ("POST", "/staff/referrals"): (COORD, {"source": "phone"}),
    ("GET", "/staff/referrals/export.csv"): (CHAIR, None),
    ("GET", "/staff/referrals/{reference}"): (SUB + CHAIR + COORD + PARTNERS, None),
    ("POST", "/staff/referrals/{reference}/recommendation"): (SUB + CHAIR + COORD, RECOMMEND),
    ("POST", "/staff/referrals/{reference}/link"): (COORD, {"reference": "ZZZZ-9998"}),
    ("POST", "/staff/referrals/{reference}/notification"): (COORD, {"became_aware_on": "2026-11-02"}),
    ("POST", "/staff/referrals/{reference}/rapid-review"): (COORD + SUB, {"criteria_met": True}),
    ("POST", "/staff/referrals/{reference}/sign-off"): (PARTNERS, {"outcome": "local_review"}),
    ("POST", "/staff/referrals/{reference}/panel"): (COORD, {"sent_on": "2026-11-20"}),
    ("POST", "/staff/referrals/{reference}/review"): (COORD, {"reviewer": "A reviewer"}),
    ("POST", "/staff/referrals/{reference}/proceedings"): (COORD, {"kind": "inquest", "status": "active"}),
    ("POST", "/staff/referrals/{reference}/proceedings/{proceeding_id}"): (COORD, {"status": "concluded"}),
    ("POST", "/staff/referrals/{reference}/notices"): (COORD, {"to": "panel", "purpose": "Report"}),
    ("POST", "/staff/referrals/{reference}/decision"): (CHAIR, DECIDE),
    ("POST", "/staff/referrals/{reference}/progress"): (CHAIR, {"status": "in_progress"}),
    ("GET", "/staff/audit"): (CHAIR, None),
    ("POST", "/staff/uploads"): (PUB, {"filename": "report.pdf", "size_bytes": 1000}),
    ("POST", "/staff/publications"): (
        PUB,
        {
            "upload_key": "uploads/0123456789abcdef0123456789abcdef/report.pdf",
            "kind": "professionals_leaflet",
            "title": "Lessons",
            "case_name": "Child J",
            "summary": "Neglect.",
            "published_on": "2026-01-05",
        },
    ),
    ("GET", "/staff/publications"): (PUB, None),
    ("POST", "/staff/publications/{publication_id}/certification"): (
        PUB,
        {"anonymisation_checked": True, "reporting_restrictions_checked": True},
    ),
    ("POST", "/staff/publications/{publication_id}/repository-submission"): (PUB, None),
    ("POST", "/staff/publications/{publication_id}/file"): (
        PUB + CHAIR,
        {"upload_key": "uploads/0123456789abcdef0123456789abcdef/report.pdf"},
    ),
    ("POST", "/staff/publications/{publication_id}/withdrawal"): (PUB + CHAIR, {"reason": "Superseded"}),
}
GROUPS = vocabulary.GROUPS


def the_apps_staff_routes():
    from app import app

    return sorted(
        (method, path) for path, methods in app.routes.items() if path.startswith("/staff") for method in methods
    )


def concrete(path, reference="ZZZZ-9999", publication_id="0123456789ab", proceeding_id="0123456789ab"):
    return path.format(reference=reference, publication_id=publication_id, proceeding_id=proceeding_id)


# The referral routes again, with the state a referral must be in for each group's call to succeed.
ROUTES = [
    ("GET", "/staff/referrals", None, SUB + CHAIR, "received"),
    ("GET", "/staff/referrals?status=received", None, SUB + CHAIR, "received"),
    ("GET", "/staff/referrals/{ref}", None, SUB + CHAIR, "received"),
    ("POST", "/staff/referrals/{ref}/recommendation", RECOMMEND, SUB + CHAIR, "received"),
    ("POST", "/staff/referrals/{ref}/decision", DECIDE, CHAIR, "recommended"),
    ("POST", "/staff/referrals/{ref}/progress", {"status": "in_progress"}, CHAIR, "decided"),
    ("GET", "/staff/audit", None, CHAIR, "received"),
    ("GET", "/staff/audit?reference={ref}", None, CHAIR, "received"),
    ("GET", "/staff/referrals/export.csv", None, CHAIR, "received"),
]


def _unsigned(claims, alg):
    header = base64.urlsafe_b64encode(json.dumps({"alg": alg, "kid": "test-key-1"}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return (header + b"." + payload + b".").decode()


def _tampered(tokens):
    header, _, signature = tokens.token(SUB).split(".")
    claims = tokens.claims(SUB + CHAIR + PUB)
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{payload}.{signature}"


BAD_TOKENS = {
    "none": lambda t: None,
    "not-bearer": lambda t: "Basic " + base64.b64encode(b"chair:secret").decode(),
    "garbage": lambda t: "Bearer not.a.token",
    "empty-bearer": lambda t: "Bearer ",
    "alg-none": lambda t: "Bearer " + _unsigned(t.claims(CHAIR), "none"),
    "hs256-with-public-key": lambda t: "Bearer " + _hs256(t),
    "tampered-claims": lambda t: "Bearer " + _tampered(t),
    "signed-by-another-key": lambda t: "Bearer " + t.token(CHAIR, key=_impostor()),
    "expired": lambda t: "Bearer " + t.token(CHAIR, exp=1_700_000_000),
    "no-expiry": lambda t: "Bearer " + t.token(CHAIR, exp=None),
    "another-issuer": lambda t: (
        "Bearer " + t.token(CHAIR, iss="https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_other")
    ),
    "another-client-access": lambda t: "Bearer " + t.token(CHAIR, client_id="another-app-client"),
    "another-client-id-token": lambda t: "Bearer " + t.token(CHAIR, token_use="id", aud="another-app-client"),
    "access-token-passed-off-as-id": lambda t: (
        "Bearer " + t.token(CHAIR, token_use="id", aud=None, client_id=t.client_id)
    ),
    "refresh-token-use": lambda t: "Bearer " + t.token(CHAIR, token_use="refresh"),
    "unknown-kid": lambda t: "Bearer " + t.token(CHAIR, headers={"kid": "no-such-key"}),
}


def _hs256(tokens):
    import hashlib
    import hmac

    header = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "kid": tokens.key.kid}).encode()).rstrip(b"=")
    payload = base64.urlsafe_b64encode(json.dumps(tokens.claims(CHAIR)).encode()).rstrip(b"=")
    signature = hmac.new(tokens.key.public_pem, header + b"." + payload, hashlib.sha256).digest()
    return (header + b"." + payload + b"." + base64.urlsafe_b64encode(signature).rstrip(b"=")).decode()


_IMPOSTOR = []


def _impostor():
    if not _IMPOSTOR:
        _IMPOSTOR.append(KeyPair("test-key-1"))  # same kid, different key
    return _IMPOSTOR[0]


def test_every_staff_route_is_in_the_matrix():
    routes = the_apps_staff_routes()
    assert len(routes) >= 11
    assert [route for route in routes if route not in STAFF_ROUTES] == [], "add them to STAFF_ROUTES"
    assert [route for route in STAFF_ROUTES if route not in routes] == [], "no longer routes of app.py"


@pytest.mark.parametrize("method,path", the_apps_staff_routes(), ids=[" ".join(r) for r in the_apps_staff_routes()])
def test_a_staff_route_wants_a_valid_token_of_one_of_its_groups(client, tokens, method, path):
    assert (method, path) in STAFF_ROUTES, "a staff route missing from STAFF_ROUTES"
    allowed, body = STAFF_ROUTES[(method, path)]
    url = concrete(path)
    for headers in (
        {},
        {"Authorization": "Bearer " + tokens.token(allowed, exp=1_700_000_000)},
        {"Authorization": "Bearer " + tokens.token(allowed, key=_impostor())},
    ):
        response = call(client, method, url, headers, body)
        assert response.status_code == 401, (headers, response.body)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for outsider in [(group,) for group in GROUPS if group not in allowed] + [()]:
        response = call(client, method, url, tokens.bearer(outsider), body)
        assert response.status_code == 403, (outsider, response.body)
        assert json.loads(response.body)["status"] == 403
    for member in allowed:
        for use in ("access", "id"):
            response = call(client, method, url, tokens.bearer((member,), token_use=use), body)
            # In, whatever the answer: a 404 for the placeholder reference, a 422 for the placeholder upload.
            assert response.status_code not in (401, 403) and response.status_code < 500, (member, use, response.body)


@pytest.mark.parametrize("bad", sorted(BAD_TOKENS))
def test_a_bad_token_is_401_on_every_staff_route(client, tokens, bad):
    reference = new_referral(client)
    authorization = BAD_TOKENS[bad](tokens)
    headers = {"Authorization": authorization} if authorization is not None else {}
    for method, path in the_apps_staff_routes():
        response = call(client, method, concrete(path, reference=reference), headers, STAFF_ROUTES[(method, path)][1])

        assert response.status_code == 401, (bad, method, path, response.body)
        assert response.headers["Content-Type"].startswith("application/problem+json")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _audit_count(tokens) == 0  # nothing read, nothing changed


@pytest.mark.parametrize("method,path,body,groups,state", ROUTES, ids=[f"{r[0]} {r[1]}" for r in ROUTES])
def test_the_wrong_group_is_403_and_the_right_one_gets_in(client, tokens, method, path, body, groups, state):
    reference = new_referral(client)
    advance(client, tokens, reference, state)
    for outsider in [g for g in ("subcommittee", "chair", "publishers") if g not in groups] + [None]:
        response = call(
            client, method, path.format(ref=reference), tokens.bearer((outsider,) if outsider else ()), body
        )
        assert response.status_code == 403, (outsider, response.body)
        assert json.loads(response.body)["status"] == 403
    for member in groups:
        fresh = new_referral(client)
        advance(client, tokens, fresh, state)
        for use in ("access", "id"):
            response = call(client, method, path.format(ref=fresh), tokens.bearer((member,), token_use=use), body)
            if method == "POST" and use == "id":
                assert response.status_code == 409  # already moved on by the access token's call
            else:
                assert response.status_code == 200, (member, use, response.body)


def test_the_jwks_is_fetched_once_and_again_for_a_new_key(client, tokens):
    from chalicelib.web import auth

    reference = new_referral(client)
    for _ in range(3):
        assert call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(SUB)).status_code == 200
    assert tokens.server.fetches == 1
    rotated = KeyPair("test-key-2")
    tokens.server.keys.append(rotated)
    auth.verifier()._fetched_at = 0  # as if the refresh interval had passed
    assert call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(SUB, key=rotated)).status_code == 200
    assert tokens.server.fetches == 2
    # An unknown kid soon after does not hammer the JWKS endpoint.
    assert call(client, "GET", "/staff/referrals", tokens.bearer(SUB, headers={"kid": "x"})).status_code == 401
    assert tokens.server.fetches == 2


def _audit_count(tokens):
    from chalicelib.platform.settings import settings

    db = boto3.client("dynamodb", region_name="eu-west-2")
    return len(db.scan(TableName=settings().audit_table)["Items"])


def _audit(reference):
    from chalicelib.platform.settings import settings

    db = boto3.client("dynamodb", region_name="eu-west-2")
    items = db.query(
        TableName=settings().audit_table,
        KeyConditionExpression="#r = :r",
        ExpressionAttributeNames={"#r": "reference"},
        ExpressionAttributeValues={":r": {"S": reference}},
    )["Items"]
    return [(i["actor"]["S"], i["action"]["S"]) for i in items]


def test_a_referral_walks_from_received_to_decided_with_its_audit_trail(client, aws, tokens):
    reference = new_referral(client)
    run_stream(aws)
    sub = tokens.bearer(SUB, username="sam.sub")
    chair = tokens.bearer(CHAIR, username="chris.chair")

    listing = json.loads(call(client, "GET", "/staff/referrals?status=received", sub).body)
    assert [i["reference"] for i in listing["items"]] == [reference]
    assert set(listing["items"][0]) == {
        "reference",
        "status",
        "received_at",
        "review_requested",
        "referrer_agency",
        "decision_due",
    }

    detail = json.loads(call(client, "GET", f"/staff/referrals/{reference}", sub).body)
    assert detail["child"] == sample.REFERRAL["child"]
    assert detail["status"] == "received" and detail["reference"] == reference
    assert detail["decision_due"] and detail["history"][0]["action"] == "received"
    assert not any(key.startswith("email_") for key in detail)

    assert call(client, "POST", f"/staff/referrals/{reference}/decision", chair, DECIDE).status_code == 409
    bad = call(
        client,
        "POST",
        f"/staff/referrals/{reference}/recommendation",
        sub,
        {"recommendation": "criteria_met", "rationale": "", "extra": 1},
    )
    assert bad.status_code == 422
    assert {e["pointer"] for e in json.loads(bad.body)["errors"]} == {"/rationale", "/extra"}
    bad = call(client, "POST", f"/staff/referrals/{reference}/recommendation", sub, {"recommendation": "yes"})
    assert {e["pointer"] for e in json.loads(bad.body)["errors"]} == {"/recommendation", "/rationale"}

    recommended = call(client, "POST", f"/staff/referrals/{reference}/recommendation", sub, RECOMMEND)
    assert recommended.status_code == 200
    assert json.loads(recommended.body)["status"] == "recommended"
    again = call(client, "POST", f"/staff/referrals/{reference}/recommendation", sub, RECOMMEND)
    assert again.status_code == 409 and "recommended" in json.loads(again.body)["detail"]
    assert call(client, "POST", f"/staff/referrals/{reference}/decision", sub, DECIDE).status_code == 403

    decided = json.loads(call(client, "POST", f"/staff/referrals/{reference}/decision", chair, DECIDE).body)
    assert decided["status"] == "decided" and decided["decision"] == "serious_case_review"
    assert decided["review_due"] > decided["decided_at"][:10]

    run_stream(aws)
    outcome = [e for e in parsed_emails() if e[1] == f"Outcome of your case review referral {reference}"]
    assert len(outcome) == 1
    assert set(outcome[0][0]) == {"priya.raman@social.example"}
    assert "A Serious Case Review will be held." in outcome[0][2]
    run_stream(aws)
    assert len(parsed_emails()) == 3  # alert, acknowledgement, outcome: each once

    detail = json.loads(call(client, "GET", f"/staff/referrals/{reference}", chair).body)
    assert [(h["actor"], h["action"]) for h in detail["history"]] == [
        ("referrer", "received"),
        ("sam.sub", "recommend"),
        ("chris.chair", "decide"),
    ]
    assert detail["recommendation_rationale"] == RECOMMEND["rationale"]

    trail = json.loads(call(client, "GET", f"/staff/audit?reference={reference}", chair).body)["items"]
    assert [(e["actor"], e["action"]) for e in reversed(trail)] == [
        ("sam.sub", "read_referral"),
        ("sam.sub", "recommend"),
        ("chris.chair", "decide"),
        ("chris.chair", "read_referral"),
    ]
    assert all(e["reference"] == reference and e["source_ip"] and e["at"].endswith("Z") for e in trail)
    sample.assert_no_personal_detail([json.dumps(trail)], "audit entry")

    assert (
        call(client, "POST", f"/staff/referrals/{reference}/progress", chair, {"status": "completed"}).status_code
        == 409
    )
    assert (
        call(client, "POST", f"/staff/referrals/{reference}/progress", chair, {"status": "in_progress"}).status_code
        == 200
    )
    done = call(client, "POST", f"/staff/referrals/{reference}/progress", chair, {"status": "completed"})
    assert json.loads(done.body)["status"] == "completed"


def test_a_no_review_decision_cannot_start_a_review(client, tokens):
    reference = new_referral(client)
    # The sub-committee found the criteria not met (where they are met, no_review needs an override reason:
    # tests/test_casework_2023.py).
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/recommendation",
            tokens.bearer(SUB),
            {"recommendation": "criteria_not_met_no_review", "rationale": "No abuse or neglect suspected."},
        ).status_code
        == 200
    )
    decided = call(
        client,
        "POST",
        f"/staff/referrals/{reference}/decision",
        tokens.bearer(CHAIR),
        {"decision": "no_review", "rationale": "Criteria not met; single-agency learning instead."},
    )
    assert decided.status_code == 200 and "review_due" not in json.loads(decided.body)
    started = call(
        client, "POST", f"/staff/referrals/{reference}/progress", tokens.bearer(CHAIR), {"status": "in_progress"}
    )
    assert started.status_code == 409


def test_unknown_references_are_404(client, tokens):
    for path in ("/staff/referrals/ZZZZ-9999", "/staff/referrals/not-a-ref"):
        response = call(client, "GET", path, tokens.bearer(SUB))
        assert response.status_code == 404 and json.loads(response.body)["status"] == 404
    response = call(client, "POST", "/staff/referrals/ZZZZ-9999/recommendation", tokens.bearer(SUB), RECOMMEND)
    assert response.status_code == 404
    assert _audit_count(tokens) == 0


def test_the_list_pages_newest_first_with_an_opaque_cursor(client, tokens, monkeypatch):
    from chalicelib.platform import clock

    references = []
    for day in range(20, 25):
        with clock.frozen(f"2026-11-{day}T10:00:00Z"):
            references.append(new_referral(client))

    seen, cursor = [], None
    while True:
        path = "/staff/referrals?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = json.loads(call(client, "GET", path, tokens.bearer(SUB)).body)
        assert len(page["items"]) <= 2
        seen += [item["reference"] for item in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == list(reversed(references))
    for bad in ("garbage!", base64.urlsafe_b64encode(b'{"reference":{"S":"x"}}').decode(), "e30"):
        response = call(client, "GET", f"/staff/referrals?cursor={bad}", tokens.bearer(SUB))
        assert response.status_code == 400, bad
    assert call(client, "GET", "/staff/referrals?status=lost", tokens.bearer(SUB)).status_code == 400
    assert call(client, "GET", "/staff/referrals?limit=0", tokens.bearer(SUB)).status_code == 400


def test_the_annual_report_export_has_no_child_details(client, tokens):
    first, second = new_referral(client), new_referral(client)
    advance(client, tokens, second, "decided")
    response = call(client, "GET", "/staff/referrals/export.csv", tokens.bearer(CHAIR))

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert {row["reference"] for row in rows} == {first, second}
    decided = next(row for row in rows if row["reference"] == second)
    assert decided["decision"] == "serious_case_review" and decided["decision_on_time"] == "yes"
    assert decided["review_on_time"] == "pending"
    sample.assert_no_personal_detail([response.body.decode()], "export")


def test_sign_in_keys_out_of_reach_is_a_503(client, tokens):
    reference = new_referral(client)
    tokens.server.close()  # the user pool's JWKS endpoint is down
    response = call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(SUB))
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert json.loads(response.body)["status"] == 503
