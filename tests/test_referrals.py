"""POST /referrals and GET /referrals/schema, through chalice.test.Client on moto."""

import json
import re
import threading
from urllib.parse import urlencode

import boto3

from tests import sample
from tests.conftest import COMMITTEE, parsed_emails, post_json, run_retry_job, run_stream, sent_messages

REFERENCE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{4}$")


def items(stack, logical="ReferralsTable"):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    return db.scan(TableName=stack.physical[logical])["Items"]


def referral_item(stack, reference):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    return db.get_item(TableName=stack.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]


def flatten(document, prefix=""):
    """The sample as the board's HTML form would send it."""
    fields = []
    if isinstance(document, dict):
        for key, value in document.items():
            fields += flatten(value, f"{prefix}{key}.")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            fields += flatten(value, f"{prefix}{index}.")
    else:
        value = {True: "on", False: "no"}.get(document, document) if isinstance(document, bool) else document
        fields.append((prefix[:-1], value))
    return fields


def test_a_referral_is_stored_and_answered_with_its_reference(client, aws):
    response = post_json(client, sample.referral())

    assert response.status_code == 201
    body = json.loads(response.body)
    assert set(body) == {"reference", "status", "received_at"}
    assert REFERENCE.match(body["reference"])
    assert body["status"] == "received"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", body["received_at"])
    item = referral_item(aws, body["reference"])
    assert item["status"]["S"] == "received"
    assert item["received_at"]["S"] == body["received_at"]
    assert item["review_requested"]["S"] == "serious_case_review"
    assert item["referrer_agency"]["S"] == "Peterborough Children's Services"
    assert json.loads(item["document"]["S"]) == sample.REFERRAL
    assert item["email_committee_alert"]["S"] == "pending"
    assert item["notify_pending"]["S"] == "yes"
    # A new case follows the board's default process, Working Together 2023: its clocks are computed when it is
    # read (the notification clock runs from receipt); no 2015 decision date is stored.
    assert item["regime"]["S"] == "working_together_2023" and item["version"]["N"] == "1"
    assert "decision_due" not in item


def test_the_schema_is_served_for_websites(client):
    response = client.http.get("/referrals/schema")
    assert response.status_code == 200
    schema = json.loads(response.body)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert "child" in schema["required"]


def test_an_html_form_is_accepted_with_its_values_coerced(client, aws):
    fields = flatten(sample.REFERRAL) + [("website", ""), ("child.ethnicity", "")]
    fields = [pair for pair in fields if pair[0] != "child.ethnicity" or pair[1] == ""]
    response = client.http.post(
        "/referrals", body=urlencode(fields), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 201, response.body
    stored = json.loads(referral_item(aws, json.loads(response.body)["reference"])["document"]["S"])
    assert stored["declaration"] is True
    assert stored["child"]["known_to_childrens_social_care"] is True
    assert stored["agencies_involved"][0]["currently_involved"] is False
    assert stored["family_members"][1]["relationship"] == "mother's partner"
    assert "ethnicity" not in stored["child"]  # an empty answer is no answer


def test_an_html_form_is_redirected_to_the_success_page(client, aws, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("FORM_SUCCESS_URL", "https://board.example/referral-received")
    config.reload()
    response = client.http.post(
        "/referrals",
        body=urlencode(flatten(sample.REFERRAL)),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("https://board.example/referral-received?reference=")
    assert REFERENCE.match(location.rsplit("=", 1)[1])
    assert len(items(aws)) == 1


def test_an_html_form_with_problems_gets_every_problem(client, aws):
    fields = [pair for pair in flatten(sample.REFERRAL) if pair[0] not in ("declaration", "child.gender")]
    fields.append(("child.known_to_childrens_social_care", "perhaps"))
    fields = [pair for pair in fields if pair != ("child.known_to_childrens_social_care", "on")]
    response = client.http.post(
        "/referrals", body=urlencode(fields), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert response.status_code == 422
    pointers = {error["pointer"] for error in json.loads(response.body)["errors"]}
    assert pointers == {"/declaration", "/child/gender", "/child/known_to_childrens_social_care"}
    assert items(aws) == []


def test_a_replay_with_the_same_idempotency_key_returns_the_same_reference(client, aws):
    headers = {"Idempotency-Key": "7d0f5a0e-5b7a-4c1e-9d55-1f1f0c3a9b10"}
    first = post_json(client, sample.referral(), headers)
    second = post_json(client, sample.referral(), headers)

    assert first.status_code == 201
    assert second.status_code == 200
    assert json.loads(second.body) == json.loads(first.body)
    assert len(items(aws)) == 1
    run_stream(aws)
    run_stream(aws)
    assert len(sent_messages()) == 2  # one alert, one acknowledgement


def test_the_same_key_with_a_different_body_is_a_conflict(client, aws):
    headers = {"Idempotency-Key": "form-3f2b9c1d-0001"}
    assert post_json(client, sample.referral(), headers).status_code == 201
    response = post_json(client, sample.referral(review_requested="multi_agency_case_review"), headers)

    assert response.status_code == 409
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert json.loads(response.body)["status"] == 409
    assert len(items(aws)) == 1


def test_the_forms_submission_id_makes_a_resubmission_idempotent(client, aws):
    document = sample.referral(submission_id="0b9f3c1e-2a4d-4c8e-9f00-5d6e7a8b9c01")
    first = post_json(client, document)
    second = client.http.post(
        "/referrals", body=urlencode(flatten(document)), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )

    assert (first.status_code, second.status_code) == (201, 200)
    assert json.loads(first.body)["reference"] == json.loads(second.body)["reference"]
    assert len(items(aws)) == 1


def test_an_expired_idempotency_key_records_a_new_referral(client, aws):
    headers = {"Idempotency-Key": "expiring-key-0001"}
    first = json.loads(post_json(client, sample.referral(), headers).body)
    db = boto3.client("dynamodb", region_name="eu-west-2")
    [record] = items(aws, "IdempotencyTable")
    db.update_item(
        TableName=aws.physical["IdempotencyTable"],
        Key={"key": record["key"]},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )

    response = post_json(client, sample.referral(), headers)

    assert response.status_code == 201
    assert json.loads(response.body)["reference"] != first["reference"]
    assert len(items(aws)) == 2


def test_the_honeypot_gets_a_receipt_and_nothing_is_kept(client, aws):
    response = post_json(client, sample.referral(website="http://cheap-pills.example"))

    assert response.status_code == 201
    assert REFERENCE.match(json.loads(response.body)["reference"])
    assert items(aws) == [] and items(aws, "IdempotencyTable") == []
    run_stream(aws)
    run_retry_job()
    assert sent_messages() == []


def test_the_committee_and_the_referrer_get_emails_without_case_details(client, aws):
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    assert run_stream(aws) >= 1

    emails = parsed_emails()
    assert len(emails) == 2
    alert = next(e for e in emails if e[1] == f"New case review referral {reference}")
    ack = next(e for e in emails if e[1] == f"Your case review referral {reference}")
    assert set(alert[0]) == set(COMMITTEE)
    assert set(ack[0]) == {"priya.raman@social.example"}
    for _, _, text, html in (alert, ack):
        assert reference in text and reference in html
        assert "Serious Case Review" in text
    assert "Peterborough Children&#x27;s Services" in alert[3] or "Peterborough Children's Services" in alert[3]
    assert f"/referrals/{reference}" in alert[2]
    # The acknowledgement describes the case's own process (2023: the partners decide after a rapid review).
    assert "within 15 working days of that notification" in ack[2] and "safeguarding partners" in ack[2]
    assert "Next: Notification of the incident, due by " in alert[2]
    item = referral_item(aws, reference)
    assert item["email_committee_alert"]["S"] == "sent" and item["email_referrer_ack"]["S"] == "sent"
    assert "notify_pending" not in item
    # The stream and the schedule running again send nothing twice.
    run_stream(aws)
    run_retry_job()
    assert len(sent_messages()) == 2


def test_emails_wait_out_an_ses_outage_and_go_exactly_once(client, aws, captured_logs):
    ses = boto3.client("sesv2", region_name="eu-west-2")
    sender = aws.physical["SenderIdentity"]
    ses.delete_email_identity(EmailIdentity=sender)  # SES now refuses every message

    references = [json.loads(post_json(client, sample.referral()).body)["reference"] for _ in range(4)]
    run_stream(aws)
    for _ in range(3):
        run_retry_job()
    assert sent_messages() == []
    assert len(items(aws)) == 4  # every referral was accepted while SES was down
    failures = [json.loads(line) for line in captured_logs if '"notification_failed"' in line]
    assert failures and all(line["level"] == "WARNING" for line in failures)  # attempts left: no alarm yet

    ses.create_email_identity(EmailIdentity=sender)
    run_retry_job()
    run_retry_job()
    run_stream(aws)

    subjects = sorted(e[1] for e in parsed_emails())
    assert subjects == sorted(
        [f"New case review referral {r}" for r in references] + [f"Your case review referral {r}" for r in references]
    )


def referral_with_claimed_alert(client, aws, lease_until):
    """A referral whose committee alert another worker has claimed, its lease ending at `lease_until`."""
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    boto3.client("dynamodb", region_name="eu-west-2").update_item(
        TableName=aws.physical["ReferralsTable"],
        Key={"reference": {"S": reference}},
        UpdateExpression="SET email_committee_alert = :s, email_committee_alert_lease = :l",
        ExpressionAttributeValues={":s": {"S": "sending"}, ":l": {"N": str(lease_until)}},
    )
    return reference


def test_a_crashed_sender_is_retried_after_its_lease(client, aws):
    """A worker that claimed an email and died is covered: the lease runs out, the job sends it."""
    reference = referral_with_claimed_alert(client, aws, lease_until=1)
    run_retry_job()
    assert sorted(e[1] for e in parsed_emails()) == [
        f"New case review referral {reference}",
        f"Your case review referral {reference}",
    ]


def test_a_live_lease_is_respected(client, aws):
    reference = referral_with_claimed_alert(client, aws, lease_until=99999999999)
    run_retry_job()
    assert [e[1] for e in parsed_emails()] == [f"Your case review referral {reference}"]


def test_storage_down_is_a_503_with_retry_after(client, aws, monkeypatch):
    from chalicelib.platform import aws as clients

    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", "http://127.0.0.1:9")
    clients.reset()
    response = post_json(client, sample.referral())

    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert json.loads(response.body)["status"] == 503
    assert "Traceback" not in response.body.decode()


def test_references_stay_unique_when_they_collide(aws, monkeypatch):
    from chalicelib import services
    from chalicelib.referrals import store as referrals

    drawn = iter(["AAAA-2222", "AAAA-2222", "BBBB-3333", "AAAA-2222", "CCCC-4444"])
    monkeypatch.setattr(referrals, "new_reference", lambda: next(drawn))
    store = services.referral_store()
    first = store.receive(sample.referral())
    second = store.receive(sample.referral(), idempotency_key="collision-key-01")
    third = store.receive(sample.referral())

    assert (first.reference, second.reference, third.reference) == ("AAAA-2222", "BBBB-3333", "CCCC-4444")
    assert len(items(aws)) == 3


def test_many_referrals_at_once_all_arrive_with_unique_references(aws):
    from chalicelib import services

    store = services.referral_store()
    receipts, errors = [], []

    def submit(index):
        try:
            # No idempotency keys here: moto's in-process transactions are not thread-safe
            # (it copies its tables mid-write). The end-to-end test sends keyed ones over HTTP.
            receipts.append(store.receive(sample.referral()))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    references = {receipt.reference for receipt in receipts}
    assert len(references) == 40
    assert {item["reference"]["S"] for item in items(aws)} == references


def test_cors_allows_the_boards_website_only(aws, monkeypatch):
    import importlib

    from chalice.test import Client

    import app as application

    monkeypatch.setenv("WEBSITE_ORIGIN", "https://www.board.example")
    reloaded = importlib.reload(application)  # routes read the origin when they are registered
    try:
        with Client(reloaded.app, stage_name="local") as client:
            response = post_json(client, sample.referral())
            assert response.status_code == 201
            assert response.headers["Access-Control-Allow-Origin"] == "https://www.board.example"
            assert "Idempotency-Key" in response.headers["Access-Control-Allow-Headers"]
    finally:
        monkeypatch.delenv("WEBSITE_ORIGIN")
        importlib.reload(application)
