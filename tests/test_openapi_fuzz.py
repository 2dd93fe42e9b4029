"""The OpenAPI document, and a property-based fuzz of every route against it (Schemathesis).

Schemathesis drives the app through a small WSGI adapter over chalice's local gateway (the
same request path as `chalice local`, with the middleware), on moto with every resource
of the template; well-formed path parameters name a referral and a publication that exist.
Bounded: FUZZ_EXAMPLES examples per operation, positive and negative,
no deadline. Every answer must: not be a 5xx; have a documented status, content type,
headers and body; and, for an error, be problem+json.
"""

import collections
import http
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app import app

# 8 in `make test` (about 30 s for every operation); FUZZ_EXAMPLES=100 for a deeper run.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
COUNTS = collections.Counter()  # (operation, status) -> answers


class ChaliceWSGI:
    """A WSGI application over chalice's local gateway (what `chalice local` and its test client use),
    for tools that speak WSGI. The gateway answers unknown paths itself, as API Gateway does."""

    def __init__(self, application):
        from chalice.config import Config
        from chalice.local import LocalGateway

        self._gateway = LocalGateway(application, Config(chalice_stage="local"))

    def __call__(self, environ, start_response):
        import base64

        from chalice.local import LocalGatewayException

        path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "/")
        if "?" not in path and environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").title(): value for key, value in environ.items() if key.startswith("HTTP_")
        }
        for key, name in (("CONTENT_TYPE", "Content-Type"), ("CONTENT_LENGTH", "Content-Length")):
            if environ.get(key):
                headers[name] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            answer = self._gateway.handle_request(environ["REQUEST_METHOD"], path, headers, body)
            status, answer_headers, body = answer["statusCode"], dict(answer["headers"]), answer["body"] or b""
            if answer.get("isBase64Encoded"):
                body = base64.b64decode(body)
        except LocalGatewayException as error:
            status, answer_headers, body = error.CODE, dict(error.headers), error.body
        start_response(
            f"{status} {http.HTTPStatus(status).phrase}", [(name, str(value)) for name, value in answer_headers.items()]
        )
        return [body if isinstance(body, bytes) else body.encode()]


WSGI = ChaliceWSGI(app)
# Text fields' patterns refuse control, format and bidi characters with a class of some 80 ranges (astral ones
# too): Schemathesis spent about 40 s building and checking generators for them, more than the whole fuzz of
# the app. For the fuzz they are swapped for printable ASCII, a subset of what they allow, so every string
# it makes is still one the real pattern accepts; the real patterns are tested by tests/test_validation.py and
# tests/test_validation_fast_path.py, and each request still meets them in the app.
CHEAP_TEXT = "^[ -~]*$"


def _cheap_patterns(node):
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str) and len(node["pattern"]) > 200:
            node["pattern"] = CHEAP_TEXT
        for value in node.values():
            _cheap_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _cheap_patterns(value)
    return node


def _load():
    from chalicelib.web.openapi import document

    loaded = schemathesis.openapi.from_dict(_cheap_patterns(json.loads(json.dumps(document(app)))))
    loaded.app = WSGI
    loaded.location = "/openapi.json"
    return loaded


schema = _load()


@schemathesis.check
def errors_are_problem_json(ctx, response, case):
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), f"{response.status_code} as {content_type}"
        body = json.loads(response.content)
        assert body["status"] == response.status_code and body["title"] and body["detail"]


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    errors_are_problem_json,
]


@pytest.fixture
def staff_headers(tokens):
    # Every group: the fuzz reaches past authorisation to the views (their refusals are tested elsewhere).
    from chalicelib.vocabulary import GROUPS

    return tokens.bearer(GROUPS)


class Existing:
    """A referral (with a proceeding) and a publication that exist, for path parameters: most fuzzed cases then
    reach a view's real work (state checks, validation, the write) instead of stopping at 404.

    Each is made when an operation first asks for it (publishing one takes five calls), and for every listing
    (a GET without path parameters), so that lists are fuzzed with something in them."""

    def __init__(self, client, tokens):
        self._client, self._tokens, self._made = client, tokens, {}

    def __getitem__(self, name):
        if name not in self._made:
            if name == "publication_id":
                self._made[name] = self._publication()
            else:
                self._made.update(self._referral())
        return self._made[name]

    def everything(self):
        return {name: self[name] for name in ("reference", "proceeding_id", "publication_id")}

    def _referral(self):
        from tests.test_staff import call, new_referral

        reference = new_referral(self._client)
        proceeding = call(
            self._client,
            "POST",
            f"/staff/referrals/{reference}/proceedings",
            self._tokens.bearer(("coordinator",)),
            {
                "kind": "criminal_trial",
                "status": "active",
                "holds_publication": True,
                "pauses_review": True,
                "note": "Trial listed.",
            },
        )
        assert proceeding.status_code == 201, proceeding.body
        return {"reference": reference, "proceeding_id": json.loads(proceeding.body)["id"]}

    def _publication(self):
        from tests.test_publications import publish

        return publish(self._client, self._tokens)["id"]


@pytest.fixture
def existing(client, tokens):
    return Existing(client, tokens)


@pytest.fixture
def reached(request):
    """After the fuzz of one operation (all its examples): the operation answered. With
    test_the_fuzz_has_a_test_for_every_operation, every operation is exercised, in whichever test process
    (pytest-xdist) its test runs."""
    yield
    label = request.node.operation_label
    answers = {answer: count for (operation, answer), count in COUNTS.items() if operation == label}
    assert answers, f"the fuzz never reached {label}"
    print(f"\n{label}: " + ", ".join(f"{answer} x{count}" for answer, count in sorted(answers.items())))


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_every_route_answers_as_documented(case, aws, staff_headers, existing, reached):
    import re

    from chalicelib.web.openapi import PATH_PARAMETERS

    if case.method == "GET" and not case.operation.path_parameters:
        existing.everything()  # a listing: something to list
    for name, value in list((case.path_parameters or {}).items()):
        if re.fullmatch(PATH_PARAMETERS[name]["pattern"], str(value)):  # a well-formed value: one that exists
            case.path_parameters[name] = existing[name]
    # A signed token for every staff call, over whatever the case made up for the bearer scheme: the fuzz
    # is for the views (the refusal of bad tokens is test_staff's, token by token).
    headers = staff_headers if case.path.startswith("/staff") else {}
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    COUNTS[(case.operation.label, f"{case.method} {response.status_code}")] += 1


def test_the_document_covers_the_route_table_and_validates():
    from jsonschema import Draft202012Validator

    from chalicelib.web.openapi import PAGES, VIEWS, document

    doc = document(app)
    assert doc["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    routed = {
        (method, path)
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if entry.view_name not in PAGES
    }
    assert documented == routed
    views = {entry.view_name for methods in app.routes.values() for entry in methods.values()}
    assert set(VIEWS) == views - PAGES and views >= PAGES
    for path, ops in doc["paths"].items():
        for method, operation in ops.items():
            assert ("security" in operation) == path.startswith("/staff"), (method, path)
            assert operation["responses"]["4XX"]["content"]["application/problem+json"]
    for component in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(component)
    recommendation = doc["paths"]["/staff/referrals/{reference}/recommendation"]["post"]
    assert recommendation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/recommendation"
    }


def test_the_document_is_served(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.body)["paths"]["/referrals"]["post"]["operationId"] == "create_referral"


def test_the_fuzz_has_a_test_for_every_operation():
    from chalicelib.web.openapi import PAGES

    fuzzed = {result.ok().label for result in schema.get_all_operations()}
    routed = {
        f"{method} {path}"
        for path, methods in app.routes.items()
        for method, entry in methods.items()
        if entry.view_name not in PAGES
    }
    assert fuzzed == routed - {"GET /openapi.json"}  # Schemathesis leaves out the document's own route
