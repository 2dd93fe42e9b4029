"""Every clock of a case, computed from the case under its regime: awkward dates, pauses, statuses; and the digest."""

import json
from datetime import UTC, date

import boto3
import pytest

from chalicelib.casework import timelines
from chalicelib.platform import clock
from tests import sample
from tests.conftest import parsed_emails, post_json

ENGLAND = clock.BankHolidays()


def case(regime="working_together_2023", received_at="2026-12-18T10:00:00Z", **fields):
    return {"reference": "TEST-CASE", "regime": regime, "status": "received", "received_at": received_at, **fields}


def by_name(found):
    return {c["name"]: c for c in found}


def test_the_2023_notification_clock_skips_christmas_and_boxing_day_in_lieu():
    # Aware on Friday 18 December 2026: 25 December (Friday) and 28 December (Boxing Day, in lieu) are bank holidays.
    found = by_name(timelines.clocks(case(notification={"became_aware_on": "2026-12-18"}), date(2026, 12, 21), ENGLAND))
    assert found["notification"] == {
        "name": "notification",
        "starts_on": "2026-12-18",
        "due_on": "2026-12-29",
        "met_on": None,
        "status": "due",
    }
    assert found["rapid_review"]["status"] == "not_started" and found["review"]["status"] == "not_started"
    late = by_name(timelines.clocks(case(notification={"became_aware_on": "2026-12-18"}), date(2026, 12, 30), ENGLAND))
    assert late["notification"]["status"] == "overdue"


def test_the_rapid_review_clock_runs_15_working_days_over_christmas_and_new_year():
    notification = {"became_aware_on": "2026-12-21", "notified_on": "2026-12-22"}
    found = by_name(timelines.clocks(case(notification=notification), date(2027, 1, 4), ENGLAND))
    assert found["notification"]["status"] == "met" and found["notification"]["met_on"] == "2026-12-22"
    # 23, 24, 29, 30, 31 December; 4-8 and 11-15 January (1 January is a bank holiday).
    assert found["rapid_review"] == {
        "name": "rapid_review",
        "starts_on": "2026-12-22",
        "due_on": "2027-01-15",
        "met_on": None,
        "status": "due",
    }
    sent = by_name(
        timelines.clocks(case(notification=notification, panel={"sent_on": "2027-01-14"}), date(2027, 2, 1), ENGLAND)
    )
    assert sent["rapid_review"]["status"] == "met" and sent["rapid_review"]["met_on"] == "2027-01-14"


def test_the_rapid_review_clock_over_easter():
    # Notified Wednesday 24 March 2027: Good Friday 26 March and Easter Monday 29 March do not count.
    notification = {"became_aware_on": "2027-03-23", "notified_on": "2027-03-24"}
    found = by_name(
        timelines.clocks(
            case(received_at="2027-03-23T09:00:00Z", notification=notification), date(2027, 3, 25), ENGLAND
        )
    )
    assert found["rapid_review"]["due_on"] == "2027-04-16"  # a calendar count would say 14 April


def test_a_moved_bank_holiday_official_and_a_boards_own():
    # 2022: the spring bank holiday moved from 30 May to 2 June, and 3 June was added (the Jubilee).
    found = by_name(
        timelines.clocks(
            case(received_at="2022-05-27T09:00:00Z", notification={"became_aware_on": "2022-05-27"}),
            date(2022, 5, 30),
            ENGLAND,
        )
    )
    assert found["notification"]["due_on"] == "2022-06-07"  # 30, 31 May, 1, 6, 7 June
    # A board's own move: Monday 31 May 2027 worked, Friday 4 June 2027 off.
    moved = clock.BankHolidays(extra=["2027-06-04"], removed=["2027-05-31"])
    aware = case(received_at="2027-05-27T09:00:00Z", notification={"became_aware_on": "2027-05-27"})
    assert by_name(timelines.clocks(aware, date(2027, 5, 28), ENGLAND))["notification"]["due_on"] == "2027-06-04"
    assert by_name(timelines.clocks(aware, date(2027, 5, 28), moved))["notification"]["due_on"] == "2027-06-03"


def test_the_2015_decision_clock_runs_a_month_from_the_earlier_of_awareness_and_receipt():
    legacy = case("working_together_2015", received_at="2026-02-02T10:00:00Z")
    found = by_name(timelines.clocks(legacy, date(2026, 2, 3), ENGLAND))
    assert [c["name"] for c in timelines.clocks(legacy, date(2026, 2, 3), ENGLAND)] == [
        "notification",
        "decision",
        "review",
    ]
    assert found["decision"]["starts_on"] == "2026-02-02" and found["decision"]["due_on"] == "2026-03-02"
    aware_before = case(
        "working_together_2015", received_at="2026-02-02T10:00:00Z", notification={"became_aware_on": "2026-01-31"}
    )
    decision = by_name(timelines.clocks(aware_before, date(2026, 2, 3), ENGLAND))["decision"]
    assert decision["starts_on"] == "2026-01-31" and decision["due_on"] == "2026-02-28"  # clamped to February


def test_the_london_date_starts_the_clock_not_the_utc_one():
    # 23:30 UTC on 14 July is 00:30 on 15 July in London (BST).
    found = by_name(timelines.clocks(case(received_at="2026-07-14T23:30:00Z"), date(2026, 7, 15), ENGLAND))
    assert found["notification"]["starts_on"] == "2026-07-15"


def test_review_and_publication_run_six_months_from_a_decision_to_review():
    decided = case(
        status="decided",
        notification={"became_aware_on": "2026-08-03", "notified_on": "2026-08-04"},
        panel={"sent_on": "2026-08-20"},
        decision={"outcome": "local_review", "made_on": "2026-08-31"},
    )
    found = by_name(timelines.clocks(decided, date(2026, 9, 1), ENGLAND))
    assert found["review"]["due_on"] == "2027-02-28" and found["publication"]["due_on"] == "2027-02-28"
    assert found["review"]["status"] == "due"
    no_review = {**decided, "decision": {"outcome": "no_local_review", "made_on": "2026-08-31"}}
    assert [c["name"] for c in timelines.clocks(no_review, date(2026, 9, 1), ENGLAND)] == [
        "notification",
        "rapid_review",
    ]


def test_a_proceeding_that_pauses_the_review_pauses_and_then_extends_the_clock():
    base = dict(status="decided", notification={"became_aware_on": "2026-12-21", "notified_on": "2026-12-22"})
    trial = {
        "id": "t1",
        "kind": "criminal_trial",
        "status": "active",
        "holds_publication": True,
        "pauses_review": True,
        "note": "",
        "started_on": "2027-01-04",
    }
    # Active since Monday 4 January: the running rapid review clock shows paused; on 6 January, 3 working days.
    paused = by_name(timelines.clocks(case(**base, proceedings=[trial]), date(2027, 1, 6), ENGLAND))
    assert paused["rapid_review"]["status"] == "paused"
    assert paused["rapid_review"]["due_on"] == "2027-01-20"  # 15 January + 3 working days
    assert paused["notification"]["status"] == "met"  # a met clock stays met
    # Concluded on Monday 11 January: paused 4-8 January, five working days.
    concluded = {**trial, "status": "concluded", "concluded_on": "2027-01-11"}
    resumed = by_name(timelines.clocks(case(**base, proceedings=[concluded]), date(2027, 1, 12), ENGLAND))
    assert resumed["rapid_review"]["status"] == "due" and resumed["rapid_review"]["due_on"] == "2027-01-22"
    # An overlapping inquest pauses the same days once; a proceeding that does not pause changes nothing.
    inquest = {**concluded, "id": "i1", "kind": "inquest", "started_on": "2027-01-06"}
    overlap = by_name(timelines.clocks(case(**base, proceedings=[concluded, inquest]), date(2027, 1, 12), ENGLAND))
    assert overlap["rapid_review"]["due_on"] == "2027-01-22"
    police = {**trial, "pauses_review": False}
    unpaused = by_name(timelines.clocks(case(**base, proceedings=[police]), date(2027, 1, 6), ENGLAND))
    assert unpaused["rapid_review"] == {**paused["rapid_review"], "due_on": "2027-01-15", "status": "due"}


def test_a_calendar_clock_is_extended_by_paused_calendar_days():
    decided = case(
        status="in_progress",
        decision={"outcome": "local_review", "made_on": "2026-03-02"},
        notification={"became_aware_on": "2026-01-05", "notified_on": "2026-01-06"},
        panel={"sent_on": "2026-01-20"},
        proceedings=[
            {
                "id": "x",
                "kind": "inquest",
                "status": "concluded",
                "holds_publication": False,
                "pauses_review": True,
                "note": "",
                "started_on": "2026-04-01",
                "concluded_on": "2026-04-11",
            }
        ],
    )
    review = by_name(timelines.clocks(decided, date(2026, 9, 10), ENGLAND))["review"]
    assert review["due_on"] == "2026-09-12" and review["status"] == "due"  # 2 September + 10 days


# -- the digest, across cases and regimes --------------------------------------------------------------------


def _case(client, aws, monkeypatch, regime, received_at):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", regime)
    config.reload()
    with clock.frozen(received_at):
        return json.loads(post_json(client, sample.referral(child__date_of_death="2026-10-02")).body)["reference"]


def test_the_digest_lists_every_clock_due_within_5_working_days_or_overdue_once_a_london_working_day(
    client, aws, monkeypatch
):
    from chalicelib import services

    overdue = _case(client, aws, monkeypatch, "working_together_2023", "2026-11-02T10:00:00Z")  # due 9 Nov
    soon = _case(client, aws, monkeypatch, "working_together_2023", "2026-11-23T10:00:00Z")  # due 30 Nov
    later = _case(client, aws, monkeypatch, "working_together_2015", "2026-11-20T10:00:00Z")  # decision 20 Dec
    before = len(parsed_emails())
    reminders = services.reminders()

    # Wednesday 25 November 2026, 07:00 UTC is 07:00 in London (GMT): too early; 08:00 UTC sends.
    with clock.frozen("2026-11-25T07:00:00Z"):
        assert reminders.send_digest() == "too_early"
    with clock.frozen("2026-11-25T08:00:00Z"):
        assert reminders.send_digest() == "sent"
        assert reminders.send_digest() == "already_sent"
    ((to, subject, text, _),) = parsed_emails()[before:]
    assert subject == "Case reviews due: 1 overdue, 2 due soon"
    assert f"{overdue}  notification due 2026-11-09  OVERDUE" in text
    assert f"{soon}  notification due 2026-11-30" in text
    assert f"{later}  notification due 2026-11-27" in text  # the 2015 notification (5 working days)
    assert f"{later}  decision" not in text  # 20 December is beyond 5 working days
    # A Saturday sends nothing; in summer, 07:00 UTC is 08:00 in London and it sends.
    with clock.frozen("2026-11-28T09:00:00Z"):
        assert reminders.send_digest() == "not_a_working_day"
    with clock.frozen("2027-06-02T07:00:00Z"):
        assert reminders.send_digest() == "sent"
    with clock.frozen("2027-06-02T06:59:00Z"):
        assert reminders.send_digest() == "too_early"
    marker = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["IdempotencyTable"], Key={"key": {"S": "digest#2027-06-02"}}
    )
    assert "Item" in marker


def test_a_failed_digest_is_tried_again_the_same_day(client, aws, monkeypatch):
    from chalicelib import services

    _case(client, aws, monkeypatch, "working_together_2023", "2026-11-02T10:00:00Z")
    ses = boto3.client("sesv2", region_name="eu-west-2")
    ses.delete_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    reminders = services.reminders()
    assert reminders.send_digest(date(2026, 11, 25)) == "failed"
    ses.create_email_identity(EmailIdentity=aws.physical["SenderIdentity"])
    assert reminders.send_digest(date(2026, 11, 25)) == "sent"
    assert reminders.send_digest(date(2026, 11, 25)) == "already_sent"


@pytest.mark.parametrize("day", ["2026-07-01", "2026-12-01"])  # BST and GMT
def test_the_schedule_fires_at_the_digests_london_hour_in_summer_and_winter(day):
    from datetime import datetime

    import app
    from chalicelib.notifications.digest import LONDON_HOUR

    (cron,) = [e.schedule_expression.to_string() for e in app.app.event_sources if e.name == "daily_digest"]
    first, last = (int(h) for h in cron.split()[1].split("-"))
    london_hour = datetime.fromisoformat(f"{day}T{LONDON_HOUR:02d}:00:00").replace(tzinfo=clock._london())
    assert first <= london_hour.astimezone(UTC).hour <= last  # EventBridge's cron is in UTC
