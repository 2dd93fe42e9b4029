"""Statutory timelines by regime, and the sub-committee's daily digest."""
import json
from datetime import date, timedelta

import boto3
import pytest

from chalicelib.casework import timelines
from tests import sample
from tests.conftest import parsed_emails, post_json


@pytest.mark.parametrize("start,months,expected", [
    ("2026-01-31", 1, "2026-02-28"), ("2028-01-31", 1, "2028-02-29"), ("2026-11-25", 1, "2026-12-25"),
    ("2026-12-15", 1, "2027-01-15"), ("2026-08-31", 6, "2027-02-28"), ("2026-05-10", 6, "2026-11-10"),
])
def test_calendar_months(start, months, expected):
    assert timelines.add_months(date.fromisoformat(start), months).isoformat() == expected


def test_englands_bank_holidays_match_the_published_lists():
    # gov.uk/bank-holidays, England and Wales
    assert sorted(d.isoformat() for d in timelines.england_bank_holidays(2026)) == [
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28"]
    assert sorted(d.isoformat() for d in timelines.england_bank_holidays(2027)) == [
        "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30",
        "2027-12-27", "2027-12-28"]
    assert date(2022, 1, 3) in timelines.england_bank_holidays(2022)  # New Year on a Saturday


def test_the_2018_regime_counts_working_days_around_christmas():
    start = date(2026, 12, 18)  # a Friday
    assert timelines.due("csprp_2018", "notification", start) == date(2026, 12, 29)
    assert timelines.due("csprp_2018", "decision", start) == date(2027, 1, 13)
    assert timelines.due("csprp_2018", "decision", start, ["2026-12-29"]) == date(2027, 1, 14)
    assert timelines.due("working_together_2015", "notification", start) is None


def test_the_regime_is_a_setting(client, aws, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "csprp_2018")
    config.reload()
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]
    received = date.fromisoformat(item["received_at"]["S"][:10])
    assert item["decision_due"]["S"] == timelines.add_working_days(received, 15).isoformat()


def _set_due(aws, reference, due):
    boto3.client("dynamodb", region_name="eu-west-2").update_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}},
        UpdateExpression="SET decision_due = :d", ExpressionAttributeValues={":d": {"S": due}})


def test_the_digest_lists_what_is_due_once_a_day(client, aws):
    from chalicelib import services

    today = date(2026, 11, 25)
    late, soon, later = (json.loads(post_json(client, sample.referral()).body)["reference"] for _ in range(3))
    _set_due(aws, late, "2026-11-20")
    _set_due(aws, soon, (today + timedelta(days=5)).isoformat())
    _set_due(aws, later, (today + timedelta(days=6)).isoformat())
    before = len(parsed_emails())

    reminders = services.reminders()
    assert reminders.send_digest(today) == "sent"
    assert reminders.send_digest(today) == "already_sent"
    digests = parsed_emails()[before:]
    assert len(digests) == 1
    to, subject, text, _ = digests[0]
    assert subject == "Case reviews due: 1 overdue, 1 due soon"
    assert f"{late}  decision due 2026-11-20  OVERDUE" in text
    assert soon in text and later not in text
    assert reminders.send_digest(today + timedelta(days=1)) == "sent"


def test_a_failed_digest_is_tried_again_the_same_day(client, aws):
    from chalicelib import services

    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    _set_due(aws, reference, "2026-11-01")
    ses = boto3.client("sesv2", region_name="eu-west-2")
    ses.delete_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    reminders = services.reminders()
    assert reminders.send_digest(date(2026, 11, 25)) == "failed"
    ses.create_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    assert reminders.send_digest(date(2026, 11, 25)) == "sent"
    assert reminders.send_digest(date(2026, 11, 25)) == "already_sent"
