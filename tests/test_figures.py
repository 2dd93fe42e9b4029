"""The yearly report's figures, from cases taken through the process by the real casework and
publishing code on moto, each step on its own (frozen) London date.

The rapid reviews straddle Christmas 2026: 15 working days from Friday 11 December 2026 is
Wednesday 6 January 2027 with the bank holidays (25 and 28 December, 1 January) skipped, and
would be 1 January without them.
"""

import csv
import io
import json

import pytest

from chalicelib.casework import figures
from chalicelib.platform import clock
from tests import sample
from tests.test_casework_2023 import (
    CHAIR,
    COORD,
    HEALTH,
    LA,
    POLICE,
    RAPID_REVIEW,
    call,
    new_case,
    partners_addresses,  # noqa: F401 (the partners' delegates' addresses)
)
from tests.test_publications import certify, metadata, stage
from tests.test_staff import PUB


def at(day):
    """Noon in London on `day` (UTC is London's time in winter and an hour behind in summer)."""
    return clock.frozen(f"{day}T11:00:00Z")


def ok(client, tokens, groups, path, body, username=None):
    headers = tokens.bearer(groups, username=username) if username else tokens.bearer(groups)
    status, answer = call(client, "POST", path, headers, body)
    assert status in (200, 201), (path, answer)
    return answer


def case_2023(client, tokens, received, notified, rapid_reviewed, decided, outcome, sent):
    with at(received):
        reference = new_case(client)
    path = f"/staff/referrals/{reference}"
    with at(notified):
        ok(
            client,
            tokens,
            COORD,
            f"{path}/notification",
            {"became_aware_on": received, "notified_on": notified, "notified": ["panel"]},
        )
    with at(rapid_reviewed):
        criteria = outcome == "local_review"
        body = {**RAPID_REVIEW, "meeting_on": rapid_reviewed, "criteria_met": criteria, "recommendation": outcome}
        ok(client, tokens, COORD, f"{path}/rapid-review", body)
    with at(decided):
        for partner in (LA, HEALTH, POLICE):
            answer = ok(
                client,
                tokens,
                partner,
                f"{path}/sign-off",
                {"outcome": outcome, "rationale": "Agreed."},
                f"{partner[0]}-delegate",
            )
        assert answer["decision"]["made_on"] == decided
    with at(sent):
        ok(client, tokens, COORD, f"{path}/panel", {"sent_on": sent})
    return reference


def completed_and_published(client, tokens, reference, started, completed, published):
    path = f"/staff/referrals/{reference}"
    with at(started):
        ok(client, tokens, COORD, f"{path}/review", {"reviewer": "Independent reviewer", "status": "in_progress"})
    with at(completed):
        ok(client, tokens, COORD, f"{path}/review", {"status": "completed", "completed_on": completed})
        for to in ("panel", "secretary_of_state"):
            ok(client, tokens, COORD, f"{path}/notices", {"to": to, "purpose": "Final report", "given_on": completed})
    with at(published):
        body = metadata(
            stage(client, tokens),
            kind="child_safeguarding_practice_review",
            referral=reference,
            publish_on=published,
            published_on=published,
        )
        created = ok(client, tokens, PUB, "/staff/publications", body)
        assert certify(client, tokens, created["id"])["status"] == "public"


@pytest.fixture
def board(client, tokens):
    """Four cases: three under the 2023 process and one under the 2015 one."""
    # Sent to the Panel on the 15th working day after notification, only because of the bank holidays.
    on_time = case_2023(
        client, tokens, "2026-12-10", "2026-12-11", "2027-01-04", "2027-01-05", "local_review", "2027-01-06"
    )
    # A day later: late.
    case_2023(client, tokens, "2026-12-10", "2026-12-11", "2027-01-05", "2027-01-07", "no_local_review", "2027-01-07")
    quick = case_2023(
        client, tokens, "2027-01-04", "2027-01-04", "2027-01-15", "2027-01-19", "local_review", "2027-01-20"
    )
    # Published inside six months of the decision (5 January 2027 + 6 months = 5 July 2027) ...
    completed_and_published(client, tokens, on_time, "2027-01-25", "2027-05-20", "2027-06-03")
    # ... and outside them (19 January + 6 months = 19 July 2027).
    completed_and_published(client, tokens, quick, "2027-01-25", "2027-07-01", "2027-08-02")
    with at("2026-12-14"):
        legacy = new_case(client, tokens, "working_together_2015")
        path = f"/staff/referrals/{legacy}"
        ok(client, tokens, COORD, f"{path}/recommendation", {"recommendation": "criteria_met", "rationale": "Met."})
        ok(client, tokens, CHAIR, f"{path}/decision", {"decision": "serious_case_review", "rationale": "Agreed."})
    return client, tokens


def read(client, tokens, year_starts=1):
    from chalicelib import services
    from chalicelib.actors import Identity

    chair = Identity("sub-chair", "chair.person", frozenset(CHAIR), "access")
    with at("2027-09-01"):
        return services.casework().figures(chair, "127.0.0.1", year_starts=year_starts)


def by_period(rows):
    return {row["period"]: row["values"] for row in rows}


def nonzero(values):
    return {key: value for key, value in values.items() if value}


def test_the_figures_count_each_step_in_its_london_month_and_year(board):
    found = read(*board)
    months = by_period(found["months"])
    assert list(months) == [f"2026-{m}" for m in ("12",)] + [f"2027-{m:02d}" for m in range(1, 9)]
    assert nonzero(months["2026-12"]) == {
        "notifications": 2,
        "decisions": 1,
        "decisions_serious_case_review": 1,
        "reviews_commissioned": 1,
    }
    assert nonzero(months["2027-01"]) == {
        "notifications": 1,
        "rapid_reviews": 3,
        "rapid_reviews_within_15_working_days": 2,
        "rapid_reviews_within_15_working_days_percent": 67,
        "decisions": 3,
        "decisions_local_review": 2,
        "decisions_no_local_review": 1,
        "reviews_commissioned": 2,
    }
    for empty in ("2027-02", "2027-03", "2027-04"):
        assert nonzero(months[empty]) == {}
        assert months[empty]["rapid_reviews_within_15_working_days_percent"] is None  # no share of nothing
    assert nonzero(months["2027-05"]) == {"reviews_completed": 1}
    assert nonzero(months["2027-06"]) == {"reports_published": 1, "reports_published_within_6_months": 1}
    assert nonzero(months["2027-07"]) == {"reviews_completed": 1}
    assert nonzero(months["2027-08"]) == {"reports_published": 1}
    years = by_period(found["years"])
    assert list(years) == ["2026", "2027"]
    assert nonzero(years["2026"]) == nonzero(months["2026-12"])
    assert nonzero(years["2027"]) == {
        "notifications": 1,
        "rapid_reviews": 3,
        "rapid_reviews_within_15_working_days": 2,
        "rapid_reviews_within_15_working_days_percent": 67,
        "decisions": 3,
        "decisions_local_review": 2,
        "decisions_no_local_review": 1,
        "reviews_commissioned": 2,
        "reviews_completed": 2,
        "reports_published": 2,
        "reports_published_within_6_months": 1,
    }
    # April-to-March reporting years put December 2026 and January 2027 in one.
    years = by_period(read(*board, year_starts=4)["years"])
    assert list(years) == ["2026-27", "2027-28"]
    assert years["2026-27"]["notifications"] == 3 and years["2026-27"]["decisions"] == 4
    assert years["2027-28"]["reports_published"] == 2 and years["2027-28"]["notifications"] == 0


def test_the_rapid_review_share_counts_working_days_without_the_bank_holidays():
    """Without the Christmas bank holidays the first case would be late too: 1 of 2, not 2 of 2."""

    def sent(on):
        return {
            "regime": "working_together_2023",
            "notification": {"notified_on": "2026-12-11"},
            "rapid_review": {"criteria_met": True},
            "panel": {"sent_on": on},
        }

    cases = [sent("2027-01-06"), sent("2027-01-05")]
    found = by_period(figures.compute(cases, holidays=clock.BankHolidays())["months"])["2027-01"]
    assert found["rapid_reviews_within_15_working_days"] == 2
    found = by_period(figures.compute(cases, holidays=clock.BankHolidays(removed=("2026-12-25",)))["months"])
    assert found["2027-01"]["rapid_reviews_within_15_working_days"] == 1
    assert found["2027-01"]["rapid_reviews_within_15_working_days_percent"] == 50


def test_the_figures_and_their_csv_carry_no_personal_data(board):
    found = read(*board)
    text = figures.to_csv(found)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["period_type", "period", "measure", "value"]
    assert len(rows) == 1 + (len(found["months"]) + len(found["years"])) * len(found["measures"])
    assert ["month", "2027-01", "rapid_reviews_within_15_working_days_percent", "67"] in rows
    assert ["month", "2027-02", "rapid_reviews_within_15_working_days_percent", ""] in rows
    assert ["year", "2027", "reports_published_within_6_months", "1"] in rows
    everything = text + json.dumps(found)
    sample.assert_no_personal_detail([everything], "figures")
    assert sample.REFERRAL["child"]["first_name"] not in everything
    assert "Quillfeather" not in everything and "Priya" not in everything
    # Counts and fixed words only: no reference of any case either.
    assert all(value.isdigit() or value == "" for *_, value in rows[1:])


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused():
    hostile = {
        "measures": [{"key": '=HYPERLINK("http://x")', "label": "x", "kind": "count"}],
        "months": [{"period": "+1-1", "values": {'=HYPERLINK("http://x")': 1}}],
        "years": [{"period": "@SUM(A1)", "values": {'=HYPERLINK("http://x")': 2}}],
    }
    rows = list(csv.reader(io.StringIO(figures.to_csv(hostile))))
    assert rows[1] == ["month", "'+1-1", '\'=HYPERLINK("http://x")', "1"]
    assert rows[2][1] == "'@SUM(A1)"
    with pytest.raises(ValueError):
        figures.compute([], year_starts=13)


def test_reading_the_figures_is_audited(board, aws):
    import boto3

    read(*board)
    entries = boto3.client("dynamodb", region_name="eu-west-2").query(
        TableName=aws.physical["AuditTable"],
        KeyConditionExpression="#r = :r",
        ExpressionAttributeNames={"#r": "reference"},
        ExpressionAttributeValues={":r": {"S": "-"}},
    )["Items"]
    assert ("chair.person", "read_figures") in [(e["actor"]["S"], e["action"]["S"]) for e in entries]


def test_the_cases_are_read_with_the_workflows_fields_only(board, monkeypatch):
    seen = []
    compute = figures.compute
    monkeypatch.setattr(figures, "compute", lambda cases, **kw: seen.extend(cases) or compute(cases, **kw))
    read(*board)
    assert len(seen) == 4 and all(set(case) <= set(figures.CASE_FIELDS) for case in seen)
    sample.assert_no_personal_detail([json.dumps(seen)], "case read for the figures")
