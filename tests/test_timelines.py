"""Statutory timelines by regime, and the sub-committee's daily digest."""

import json
from datetime import date

import boto3
import pytest

from chalicelib.casework import timelines
from chalicelib.platform import clock
from tests import sample
from tests.conftest import post_json


@pytest.mark.parametrize(
    "start,months,expected",
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2028-01-31", 1, "2028-02-29"),
        ("2026-11-25", 1, "2026-12-25"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-08-31", 6, "2027-02-28"),
        ("2026-05-10", 6, "2026-11-10"),
    ],
)
def test_calendar_months(start, months, expected):
    assert clock.add_months(date.fromisoformat(start), months).isoformat() == expected


def test_englands_bank_holidays_match_the_published_lists():
    calendar = clock.BankHolidays()
    # gov.uk/bank-holidays, England and Wales
    assert sorted(d.isoformat() for d in calendar.of_year(2026)) == [
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
    ]
    assert sorted(d.isoformat() for d in calendar.of_year(2027)) == [
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
    ]
    assert date(2022, 1, 3) in calendar  # New Year on a Saturday
    # The official list carries the one-off and moved days that no rule computes:
    assert date(2022, 9, 19) in calendar and date(2023, 5, 8) in calendar  # a state funeral, a coronation
    assert date(2022, 6, 2) in calendar and date(2022, 5, 30) not in calendar  # the spring holiday moved
    assert date(2020, 5, 8) in calendar and date(2020, 5, 4) not in calendar  # VE Day moved early May


@pytest.mark.parametrize("year", range(2018, 2028))
def test_the_rules_agree_with_the_official_list_where_nothing_was_moved(year):
    official = clock.BankHolidays().of_year(year)
    moved = {2020: 1, 2022: 2, 2023: 1}.get(year, 0)  # days the rules cannot know
    assert len(official ^ clock.regular_bank_holidays(year)) <= 2 * moved


def test_a_board_adds_and_removes_days():
    # A bank holiday moved from Monday 31 May 2027 to Friday 4 June 2027 (say, a jubilee).
    moved = clock.BankHolidays(extra=["2027-06-04"], removed=["2027-05-31"])
    assert date(2027, 6, 4) in moved and date(2027, 5, 31) not in moved
    start = date(2027, 5, 28)  # a Friday
    assert clock.BankHolidays().add_working_days(start, 5) == date(2027, 6, 7)
    assert moved.add_working_days(start, 5) == date(2027, 6, 7)  # 31 May works, 4 June does not
    assert moved.add_working_days(start, 1) == date(2027, 5, 31)
    assert moved.add_working_days(start, 5) != clock.BankHolidays(extra=["2027-06-04"]).add_working_days(start, 5)


def test_the_2023_regime_counts_working_days_around_christmas():
    start = date(2026, 12, 18)  # a Friday
    plain = clock.BankHolidays()
    assert timelines.due("working_together_2023", "notification", start, plain) == date(2026, 12, 29)
    assert timelines.due("working_together_2023", "rapid_review", start, plain) == date(2027, 1, 13)
    assert timelines.due(
        "working_together_2023", "rapid_review", start, clock.BankHolidays(extra=["2026-12-29"])
    ) == date(2027, 1, 14)
    assert timelines.due("working_together_2015", "rapid_review", start) is None


def test_working_days_over_easter():
    easter = clock.BankHolidays()
    # Thursday before Good Friday 2027 (26 March) + 1 working day is the Tuesday after Easter Monday.
    assert easter.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert easter.working_days_between(date(2027, 3, 25), date(2027, 3, 30)) == 1


def test_london_dates_at_2330_utc_in_summer_and_winter():
    with clock.frozen("2026-07-14T23:30:00Z"):  # 00:30 on the 15th in London (BST)
        assert clock.today() == date(2026, 7, 15)
    with clock.frozen("2026-12-14T23:30:00Z"):  # 23:30 on the 14th in London (GMT)
        assert clock.today() == date(2026, 12, 14)
    assert clock.end_of_london_day(date(2026, 7, 15)).isoformat() == "2026-07-15T23:00:00+00:00"
    assert clock.end_of_london_day(date(2026, 12, 14)).isoformat() == "2026-12-15T00:00:00+00:00"


def test_a_referral_sent_at_2330_utc_in_summer_is_dated_the_next_london_day(client, aws, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")  # the chair's month is stored at receipt
    config.reload()
    with clock.frozen("2026-10-20T23:30:00Z"):  # 00:30 on 21 October in London (BST)
        reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    item = boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}
    )["Item"]
    assert item["received_at"]["S"] == "2026-10-20T23:30:00Z"  # stored in UTC
    # The month runs from 21 October (London), so the decision is due 21 November, not 20.
    assert item["decision_due"]["S"] == "2026-11-21"


def test_a_date_of_birth_of_london_today_is_not_in_the_future(client, aws):
    with clock.frozen("2026-10-20T23:30:00Z"):  # 21 October in London, still 20 October in UTC
        assert post_json(client, sample.referral(child__date_of_death="2026-10-21")).status_code == 201
        late = post_json(client, sample.referral(child__date_of_death="2026-10-22"))
    assert late.status_code == 422
    assert json.loads(late.body)["errors"] == [
        {"pointer": "/child/date_of_death", "message": "must not be in the future"}
    ]


def test_the_regime_is_a_setting_and_the_retired_name_means_2023(client, aws, monkeypatch):
    from chalicelib.platform import settings as config

    db = boto3.client("dynamodb", region_name="eu-west-2")
    for configured, stored in (
        ("working_together_2015", "working_together_2015"),
        ("csprp_2018", "working_together_2023"),
        ("", "working_together_2023"),
    ):
        monkeypatch.setenv("TIMELINE_REGIME", configured)
        config.reload()
        reference = json.loads(post_json(client, sample.referral()).body)["reference"]
        item = db.get_item(TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]
        assert item["regime"]["S"] == stored, configured
    received = clock.london_date(item["received_at"]["S"])
    assert "decision_due" not in item  # 2023: the clocks are computed from the case, not stored
    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()
    reference = json.loads(post_json(client, sample.referral()).body)["reference"]
    item = db.get_item(TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}})["Item"]
    assert item["decision_due"]["S"] == clock.add_months(received, 1).isoformat()
    monkeypatch.setenv("TIMELINE_REGIME", "scr_1999")
    config.reload()
    with pytest.raises(ValueError):
        config.settings()
