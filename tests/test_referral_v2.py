"""POST /referrals with domain.md's version-2 referral, and every version-1 document still, as JSON and as a form."""

import copy
import json
import os
import re
from urllib.parse import urlencode

import boto3
import pytest

from tests import sample
from tests.conftest import parsed_emails, post_json, run_stream

DATA = os.path.join(os.path.dirname(__file__), "data")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def load(name):
    with open(os.path.join(DATA, name), encoding="utf-8") as handle:
        return json.load(handle)


V1 = load("referral.json")
V2 = load("referral_v2.json")
# What identifies the child, the family or the incident in the version-2 sample.
V2_PERSONAL = [
    "Wrenfield",
    "PE15 9XJ",
    "2026-08-11",
    "Orrin",
    "Vexley",
    "Sorrel",
    "Drayton",
    "Hulme",
    "femur",
    "grandmother",
    "Kofi Brandt",
    "2001-02-17",
    "2026-10-20",
]


def form_fields(document, repeated_lists=False, prefix="", govuk_dates=False):
    """A document as an HTML form sends it: dotted names, numbered list items; lists of plain values as one
    repeated name (a group of checkboxes) when `repeated_lists`; dates as GOV.UK date inputs (three fields,
    no leading zeros) when `govuk_dates`."""
    fields = []
    if isinstance(document, dict):
        for key, value in document.items():
            fields += form_fields(value, repeated_lists, f"{prefix}{key}.", govuk_dates)
    elif isinstance(document, list) and repeated_lists and not any(isinstance(v, (dict, list)) for v in document):
        fields += [(prefix[:-1], value) for value in document]
    elif isinstance(document, list):
        for index, value in enumerate(document):
            fields += form_fields(value, repeated_lists, f"{prefix}{index}.", govuk_dates)
    elif govuk_dates and isinstance(document, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", document):
        year, month, day = document.split("-")
        name = prefix[:-1]
        fields += [(f"{name}-day", str(int(day))), (f"{name}-month", str(int(month))), (f"{name}-year", year)]
    elif isinstance(document, bool):
        fields.append((prefix[:-1], "on" if document else "no"))
    else:
        fields.append((prefix[:-1], str(document)))
    return fields


def stored(aws, reference):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    item = db.get_item(TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]
    return item, json.loads(item["document"]["S"])


def no_v2_detail(texts):
    for text in texts:
        for secret in V2_PERSONAL:
            assert secret.lower() not in str(text).lower(), f"carries a personal detail: {secret!r}"


@pytest.mark.parametrize(
    "document", [pytest.param(V1, id="tests/data/referral.json"), pytest.param(sample.REFERRAL, id="tests/sample.py")]
)
@pytest.mark.parametrize("encoding", ["json", "form"])
def test_every_version_1_document_is_accepted_unchanged(client, aws, document, encoding):
    if encoding == "json":
        response = post_json(client, document)
    else:
        response = client.http.post("/referrals", body=urlencode(form_fields(document)), headers=FORM)

    assert response.status_code == 201, response.body[:500]
    _, kept = stored(aws, json.loads(response.body)["reference"])
    assert kept == document


@pytest.mark.parametrize("encoding", ["json", "form-numbered", "form-checkboxes", "form-govuk-dates"])
def test_a_version_2_referral_is_kept_as_sent_and_its_emails_say_nothing_of_the_child(client, aws, encoding):
    if encoding == "json":
        response = post_json(client, V2)
    else:
        fields = form_fields(V2, repeated_lists=encoding != "form-numbered", govuk_dates=encoding == "form-govuk-dates")
        response = client.http.post("/referrals", body=urlencode(fields), headers=FORM)

    assert response.status_code == 201, response.body[:500]
    item, kept = stored(aws, json.loads(response.body)["reference"])
    # The form's text became the schema's types: booleans, the integer age, the list of harm types.
    assert kept == V2
    assert item["review_requested"]["S"] == "child_safeguarding_practice_review"
    run_stream(aws)
    emails = parsed_emails()
    assert emails and any("Child Safeguarding Practice Review" in text for _, _, text, _ in emails)
    no_v2_detail([part for message in emails for part in message[1:]])


def test_a_version_2_form_with_problems_names_each_field_and_repeats_none_of_them(client, aws):
    fields = [
        pair
        for pair in form_fields(V2, repeated_lists=True)
        if pair[0] not in ("child.name_not_known", "other_children.0.age_estimate")
    ]
    fields += [
        ("other_children.0.age_estimate", "about four"),
        ("incident.harm_types", "arson"),
        ("child.unborn", "perhaps"),
    ]
    response = client.http.post("/referrals", body=urlencode(fields), headers=FORM)

    assert response.status_code == 422
    errors = json.loads(response.body)["errors"]
    assert {e["pointer"] for e in errors} == {
        "/child/first_name",
        "/child/last_name",
        "/other_children/0/age_estimate",
        "/incident/harm_types/2",
        "/child/unborn",
    }
    assert "must be one of: physical, sexual, emotional, neglect, exploitation, other" in {e["message"] for e in errors}
    no_v2_detail([response.body])
    assert "about four" not in response.body.decode() and "arson" not in response.body.decode()
    db = boto3.client("dynamodb", region_name="eu-west-2")
    assert db.scan(TableName=aws.physical["ReferralsTable"])["Items"] == []


def test_a_child_unborn_at_the_incident_needs_no_name_nor_date_of_birth(client, aws):
    document = copy.deepcopy(V2)
    document["child"].pop("date_of_birth")
    document["child"]["unborn"] = True
    response = post_json(client, document)
    assert response.status_code == 201, response.body[:500]


def test_the_schema_served_to_websites_carries_the_shared_definitions(client):
    from jsonschema import Draft202012Validator, FormatChecker

    schema = json.loads(client.http.get("/referrals/schema").body)
    # A website's validator, with no registry and no network, resolves every $ref from the one document.
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    assert list(validator.iter_errors(V2)) == []
    assert list(validator.iter_errors(V1)) == []
    bad = copy.deepcopy(V2)
    bad["child"]["school"] = "Fen\u202eschool"
    assert [e.validator for e in validator.iter_errors(bad)] == ["pattern"]


def test_a_body_with_hundreds_of_problems_answers_with_50_and_the_count_of_the_rest(client, aws, captured_logs):
    document = {**V2, **{f"field_{index:03d}": index for index in range(300)}}
    response = post_json(client, document)

    assert response.status_code == 422
    problem = json.loads(response.body)
    assert len(problem["errors"]) == 50 and problem["more_errors"] == 250
    assert problem["detail"] == "The referral has 300 problems; see errors (the first 50; more_errors counts the rest)."
    assert [e["pointer"] for e in problem["errors"]] == [f"/field_{index:03d}" for index in range(50)]
    assert any('"count": 300' in line for line in captured_logs)
