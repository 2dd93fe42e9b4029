"""The outbox gives up cleanly: capped attempts with back-off, one terminal `failed` and one alert,
no "sent" for an email nobody received, and no invisible characters in what it sends."""

import json
import time

import boto3
import pytest

from tests import sample
from tests.conftest import parsed_emails, post_json, run_retry_job, run_stream, sent_messages


def referral_item(stack, reference):
    db = boto3.client("dynamodb", region_name="eu-west-2")
    return db.get_item(TableName=stack.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]


def set_env(monkeypatch, **values):
    from chalicelib.platform import settings as config

    for name, value in values.items():
        monkeypatch.setenv(name, value)
    config.reload()


def alarm_lines(captured_logs):
    """What the NotificationFailures metric filters count: notification_failed at ERROR."""
    lines = [json.loads(line) for line in captured_logs if '"notification_failed"' in line]
    return [line for line in lines if line["level"] == "ERROR"]


def refuse_everything(stack):
    """SES refuses every message (moto: the sender's identity is gone), as it refuses a poison address."""
    boto3.client("sesv2", region_name="eu-west-2").delete_email_identity(EmailIdentity=stack.physical["SenderIdentity"])


def test_an_address_ses_refuses_ends_failed_with_exactly_one_alert(client, aws, monkeypatch, captured_logs):
    set_env(monkeypatch, NOTIFY_MAX_ATTEMPTS="3")
    refuse_everything(aws)
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]

    run_stream(aws)
    for _ in range(10):  # every five minutes, for ever, before: now it stops after three attempts
        run_retry_job()

    item = referral_item(aws, reference)
    for email in ("committee_alert", "referrer_ack"):
        assert item[f"email_{email}"]["S"] == "failed"
        assert item[f"email_{email}_attempts"]["N"] == "3"
    assert "notify_pending" not in item  # off the retry job's index: nothing more is tried
    alarms = alarm_lines(captured_logs)
    assert sorted(line["email"] for line in alarms) == ["committee_alert", "referrer_ack"]
    assert all(line["attempts"] == 3 and line["status"] == "failed" for line in alarms)
    assert sent_messages() == []


def test_failed_attempts_back_off_exponentially(client, aws, monkeypatch):
    set_env(monkeypatch, NOTIFY_BACKOFF_SECONDS="300", NOTIFY_MAX_ATTEMPTS="5")
    refuse_everything(aws)
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    run_stream(aws)
    first = referral_item(aws, reference)
    assert first["email_committee_alert"]["S"] == "pending"
    assert 295 <= int(first["email_committee_alert_next_at"]["N"]) - time.time() <= 300

    run_retry_job()  # not due yet: no attempt
    assert referral_item(aws, reference)["email_committee_alert_attempts"]["N"] == "1"

    boto3.client("dynamodb", region_name="eu-west-2").update_item(  # as if five minutes had passed
        TableName=aws.physical["ReferralsTable"],
        Key={"reference": {"S": reference}},
        UpdateExpression="SET email_committee_alert_next_at = :past",
        ExpressionAttributeValues={":past": {"N": "1"}},
    )
    run_retry_job()
    second = referral_item(aws, reference)
    assert second["email_committee_alert_attempts"]["N"] == "2"
    assert 595 <= int(second["email_committee_alert_next_at"]["N"]) - time.time() <= 600
    assert second["email_referrer_ack_attempts"]["N"] == "1"  # its own back-off still running


def test_a_recovery_within_the_attempts_sends_once_and_raises_no_alert(client, aws, monkeypatch, captured_logs):
    set_env(monkeypatch, NOTIFY_MAX_ATTEMPTS="3")
    refuse_everything(aws)
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    run_stream(aws)
    boto3.client("sesv2", region_name="eu-west-2").create_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    run_retry_job()
    run_retry_job()
    assert referral_item(aws, reference)["email_committee_alert"]["S"] == "sent"
    assert len(sent_messages()) == 2
    assert alarm_lines(captured_logs) == []


def test_an_empty_committee_list_is_a_failure_not_sent(client, aws, monkeypatch, captured_logs):
    set_env(monkeypatch, COMMITTEE_EMAILS="", NOTIFY_MAX_ATTEMPTS="2")
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    run_stream(aws)
    item = referral_item(aws, reference)
    assert item["email_committee_alert"]["S"] == "pending"  # not "sent" to nobody
    assert item["email_referrer_ack"]["S"] == "sent"
    run_retry_job()
    item = referral_item(aws, reference)
    assert item["email_committee_alert"]["S"] == "failed"
    assert "email_committee_alert_message_id" not in item
    assert [(line["email"], line["error_code"]) for line in alarm_lines(captured_logs)] == [
        ("committee_alert", "NoRecipients")
    ]


INVISIBLE = "\u202e\u2066\u200b\u200d\ufeff\u2060\u061c"


@pytest.mark.parametrize("board", [f"Peter{INVISIBLE}borough Board", "\u202egnidraugefaS Board"])
def test_bidi_and_zero_width_characters_never_reach_an_email(client, aws, monkeypatch, board):
    set_env(monkeypatch, BOARD_NAME=board)
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    boto3.client("dynamodb", region_name="eu-west-2").update_item(  # free text from before the schemas refused it
        TableName=aws.physical["ReferralsTable"],
        Key={"reference": {"S": reference}},
        UpdateExpression="SET referrer_agency = :a",
        ExpressionAttributeValues={":a": {"S": f"Police{INVISIBLE}"}},
    )
    run_stream(aws)
    emails = parsed_emails()
    assert len(emails) == 2
    raw = [m.raw_data for m in sent_messages()]
    for _, subject, text, html in emails:
        for part in (subject, text, html):
            assert not set(INVISIBLE) & set(part), part
    assert any("Referring agency: Police" in text for _, _, text, _ in emails)
    assert all("=E2=80=AE" not in message and "\u202e" not in message for message in raw)


# ---- SES's bounce and complaint events (EventBridge) -----------------------------------------------------


def ses_event(reference, email, message_id, event_type="Bounce", bounce_type="Permanent"):
    """An SES event as EventBridge delivers it (detail as SES publishes it to an event destination)."""
    detail = {
        "eventType": event_type,
        "mail": {
            "messageId": message_id,
            "timestamp": "2026-11-26T10:00:00.000Z",
            "tags": {
                "reference": [reference],
                "email": [email],
                "ses:configuration-set": ["test-MailConfigurationSet"],
            },
        },
    }
    if event_type == "Bounce":
        detail["bounce"] = {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": "x@agency.example"}]}
    else:
        detail["complaint"] = {"complainedRecipients": [{"emailAddress": "x@agency.example"}]}
    return {
        "version": "0",
        "id": "event-1",
        "source": "aws.ses",
        "account": "123456789012",
        "detail-type": {"Bounce": "Email Bounced", "Complaint": "Email Complaint Received"}[event_type],
        "time": "2026-11-26T10:00:01Z",
        "region": "eu-west-2",
        "resources": [],
        "detail": detail,
    }


def deliver_ses_event(event):
    import app
    from stack.events import LambdaContext

    app.mail_events(event, LambdaContext("mail_events"))


def sent_referral(client, aws):
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    run_stream(aws)
    item = referral_item(aws, reference)
    assert item["email_referrer_ack"]["S"] == "sent"
    return reference, item["email_referrer_ack_message_id"]["S"]


def test_a_permanent_bounce_is_recorded_on_the_email_with_one_alert(client, aws, captured_logs):
    reference, message_id = sent_referral(client, aws)
    for _ in range(2):  # EventBridge delivers at least once
        deliver_ses_event(ses_event(reference, "referrer_ack", message_id))
    item = referral_item(aws, reference)
    assert item["email_referrer_ack"]["S"] == "bounced"
    assert item["email_committee_alert"]["S"] == "sent"
    assert [(line["email"], line["status"]) for line in alarm_lines(captured_logs)] == [("referrer_ack", "bounced")]


def test_a_complaint_is_recorded_and_a_transient_bounce_only_noted(client, aws, captured_logs):
    reference, message_id = sent_referral(client, aws)
    deliver_ses_event(ses_event(reference, "referrer_ack", message_id, bounce_type="Transient"))
    assert referral_item(aws, reference)["email_referrer_ack"]["S"] == "sent"
    assert alarm_lines(captured_logs) == []
    deliver_ses_event(ses_event(reference, "referrer_ack", message_id, event_type="Complaint"))
    assert referral_item(aws, reference)["email_referrer_ack"]["S"] == "complained"


def test_an_event_for_another_message_changes_nothing(client, aws, captured_logs):
    reference, _ = sent_referral(client, aws)
    deliver_ses_event(ses_event(reference, "referrer_ack", "0100018c-not-our-message"))
    deliver_ses_event(ses_event(reference, "no_such_email", "0100018c-not-our-message"))
    deliver_ses_event(ses_event("ZZZZ-ZZZZ", "referrer_ack", "0100018c-not-our-message"))
    assert referral_item(aws, reference)["email_referrer_ack"]["S"] == "sent"
    assert alarm_lines(captured_logs) == []


def test_the_outbox_sends_through_the_configuration_set_with_its_tags(client, aws, monkeypatch):
    from chalicelib.platform import aws as clients

    ses = clients.client("sesv2")
    seen = []
    real = ses.send_email

    def send_email(**kwargs):
        seen.append((kwargs["ConfigurationSetName"], kwargs["EmailTags"]))
        return real(**kwargs)

    set_env(monkeypatch, MAIL_CONFIGURATION_SET=aws.physical["MailConfigurationSet"])
    monkeypatch.setattr(ses, "send_email", send_email)
    reference, _ = sent_referral(client, aws)
    assert sorted(seen, key=str) == sorted(
        [
            (
                aws.physical["MailConfigurationSet"],
                [{"Name": "reference", "Value": reference}, {"Name": "email", "Value": email}],
            )
            for email in ("committee_alert", "referrer_ack")
        ],
        key=str,
    )
    names = boto3.client("sesv2", region_name="eu-west-2").list_configuration_sets()["ConfigurationSets"]
    assert aws.physical["MailConfigurationSet"] in names


def test_a_bounced_digest_raises_the_alarm_though_it_names_no_case(aws, captured_logs):
    """The digest goes to the committee's list: a dead address there must not pass as an ignored event."""

    def logged(name):
        return [json.loads(line) for line in captured_logs if f'"event": "{name}"' in line]

    event = ses_event(None, "digest", "digest-message-1")
    event["detail"]["mail"]["tags"].pop("reference")
    deliver_ses_event(event)
    (failed,) = logged("notification_failed")
    assert failed["level"] == "ERROR" and failed["email"] == "digest" and "reference" not in failed
    soft = ses_event(None, "repository_submission", "repository-message-1", bounce_type="Transient")
    soft["detail"]["mail"]["tags"].pop("reference")
    deliver_ses_event(soft)
    assert logged("notification_soft_bounce") and not logged("mail_event_ignored")
