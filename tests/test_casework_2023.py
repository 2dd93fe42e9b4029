"""The current process (Working Together 2023) and the legacy one side by side, through the API on moto.

Cases entered by staff and linked; notification, rapid review, the three partners' sign-off (with a
disagreement), the criteria guard under both regimes, revisited decisions, the Panel, the review,
parallel proceedings and notices; versioned transactions; the migration of cases the previous release
stored; and the walk-through of a 2023 case (docs/walkthrough-2023.md, rewritten with WRITE_WALKTHROUGH=1).
"""

import json
import os

import boto3
import pytest

from chalicelib.platform import clock
from tests import sample
from tests.conftest import parsed_emails, post_json, run_stream

COORD, SUB, CHAIR = ("coordinator",), ("subcommittee",), ("chair",)
LA, HEALTH, POLICE = ("partner_local_authority",), ("partner_health",), ("partner_police",)
PARTNER_EMAILS = ["la-delegate@council.example", "icb-delegate@nhs.example", "police-delegate@police.example"]
RAPID_REVIEW = {
    "criteria_met": True,
    "recommendation": "local_review",
    "meeting_on": "2026-11-17",
    "rationale": "Abuse suspected and the child died; agencies did not share concerns.",
}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def partners_addresses(aws, monkeypatch):
    from chalicelib.platform import settings as config

    monkeypatch.setenv("PARTNER_EMAILS", ",".join(PARTNER_EMAILS))
    config.reload()


def call(client, method, path, headers=None, body=None):
    headers = dict(headers or {})
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    response = getattr(client.http, method.lower())(
        path, headers=headers, **({"body": body} if body is not None else {})
    )
    return response.status_code, json.loads(response.body) if response.body else None


def item(aws, reference):
    return boto3.client("dynamodb", region_name="eu-west-2").get_item(
        TableName=aws.physical["ReferralsTable"], Key={"reference": {"S": reference}}, ConsistentRead=True
    )["Item"]


def audit(aws, reference):
    items = boto3.client("dynamodb", region_name="eu-west-2").query(
        TableName=aws.physical["AuditTable"],
        KeyConditionExpression="#r = :r",
        ExpressionAttributeNames={"#r": "reference"},
        ExpressionAttributeValues={":r": {"S": reference}},
    )["Items"]
    return [(i["actor"]["S"], i["action"]["S"]) for i in items]


def new_case(client, tokens=None, regime=None):
    if regime is None:
        return json.loads(post_json(client, sample.referral()).body)["reference"]
    status, body = call(
        client,
        "POST",
        "/staff/referrals",
        tokens.bearer(COORD),
        {**sample.referral(), "source": "phone", "regime": regime},
    )
    assert status == 201, body
    return body["reference"]


def rapid_reviewed(client, tokens, criteria_met=True):
    reference = new_case(client)
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/rapid-review",
            tokens.bearer(COORD),
            {**RAPID_REVIEW, "criteria_met": criteria_met},
        )[0]
        == 200
    )
    return reference


def sign(client, tokens, reference, partner, outcome="local_review", **extra):
    return call(
        client,
        "POST",
        f"/staff/referrals/{reference}/sign-off",
        tokens.bearer(partner, username=f"{partner[0]}-delegate"),
        {"outcome": outcome, "rationale": "Agreed at the rapid review meeting.", **extra},
    )


# -- the walk-through -----------------------------------------------------------------------------------------


def test_a_2023_case_from_referral_to_decision(client, aws, tokens):
    steps = []

    def step(title, method, path, groups=None, body=None, username=None, status=200):
        headers = tokens.bearer(groups, username=username) if groups else {}
        if groups is None:
            response = post_json(client, body)
            got, answer = response.status_code, json.loads(response.body)
        else:
            got, answer = call(client, method, path, headers, body)
        assert got == status, (title, answer)
        steps.append((title, method, path, groups, body, got, answer))
        return answer

    with clock.frozen("2026-11-02T09:30:00Z"):
        reference = step(
            "A professional refers the case from the board's website",
            "POST",
            "/referrals",
            body=sample.referral(),
            status=201,
        )["reference"]
    run_stream(aws)
    path = f"/staff/referrals/{reference}"
    with clock.frozen("2026-11-03T11:00:00Z"):
        notified = step(
            "The coordinator records the notification",
            "POST",
            f"{path}/notification",
            COORD,
            {
                "became_aware_on": "2026-11-02",
                "notified_on": "2026-11-03",
                "panel_reference": "CSPRP-2026-0412",
                "notified": ["panel", "ofsted", "safeguarding_partners"],
            },
            "casey.coordinator",
        )
    clocks = {c["name"]: c for c in notified["clocks"]}
    assert clocks["notification"] == {
        "name": "notification",
        "starts_on": "2026-11-02",
        "due_on": "2026-11-09",
        "met_on": "2026-11-03",
        "status": "met",
    }
    assert clocks["rapid_review"]["due_on"] == "2026-11-24" and clocks["rapid_review"]["status"] == "due"
    with clock.frozen("2026-11-17T15:00:00Z"):
        reviewed = step(
            "The case review group records the rapid review",
            "POST",
            f"{path}/rapid-review",
            SUB,
            {
                **RAPID_REVIEW,
                "agency_summaries": [
                    {
                        "agency": "Children's Services",
                        "requested_on": "2026-11-04",
                        "due_on": "2026-11-11",
                        "returned_on": "2026-11-10",
                    },
                    {
                        "agency": "Health",
                        "requested_on": "2026-11-04",
                        "due_on": "2026-11-11",
                        "returned_on": "2026-11-12",
                    },
                ],
            },
            "sam.sub",
        )
    assert reviewed["status"] == "rapid_reviewed" and reviewed["sign_offs"] == []
    run_stream(aws)
    waiting = [e for e in parsed_emails() if e[1] == f"Rapid review {reference} is waiting for your sign-off"]
    assert len(waiting) == 1 and set(waiting[0][0]) == set(PARTNER_EMAILS)
    with clock.frozen("2026-11-18T10:00:00Z"):
        first = step(
            "The local authority's delegate signs off",
            "POST",
            f"{path}/sign-off",
            LA,
            {"outcome": "local_review", "rationale": "A local review will help agencies learn."},
            "lee.la",
        )
        assert first["status"] == "rapid_reviewed" and first["decision"] is None
        step(
            "Health's delegate signs off",
            "POST",
            f"{path}/sign-off",
            HEALTH,
            {"outcome": "local_review", "rationale": "Agreed."},
            "hana.health",
        )
    with clock.frozen("2026-11-19T09:15:00Z"):
        decided = step(
            "The police's delegate signs off: all three agree, the partners' decision is made",
            "POST",
            f"{path}/sign-off",
            POLICE,
            {"outcome": "local_review", "rationale": "Agreed."},
            "pat.police",
        )
    assert decided["status"] == "decided"
    assert decided["decision"] == {
        "outcome": "local_review",
        "made_on": "2026-11-19",
        "by": "safeguarding_partners",
        "flagged_for_panel": False,
    }
    assert [(s["partner"], s["outcome"], s["by"]) for s in decided["sign_offs"]] == [
        ("partner_local_authority", "local_review", "lee.la"),
        ("partner_health", "local_review", "hana.health"),
        ("partner_police", "local_review", "pat.police"),
    ]
    with clock.frozen("2026-11-20T12:00:00Z"):
        sent = step(
            "The coordinator sends the rapid review to the Panel",
            "POST",
            f"{path}/panel",
            COORD,
            {"sent_on": "2026-11-20"},
            "casey.coordinator",
        )
        clocks = {c["name"]: c for c in sent["clocks"]}
        assert clocks["rapid_review"]["status"] == "met" and clocks["review"]["due_on"] == "2027-05-19"
        assert clocks["publication"]["due_on"] == "2027-05-19"
        case = step("The case as the coordinator reads it", "GET", path, COORD, username="casey.coordinator")
    assert case["child"] == sample.REFERRAL["child"] and case["regime"] == "working_together_2023"
    assert [h["action"] for h in case["history"]] == [
        "received",
        "notification",
        "rapid_review",
        "sign_off",
        "sign_off",
        "sign_off",
        "decide",
        "panel_sent",
    ]
    assert case["version"] == 7
    run_stream(aws)
    outcome = [e for e in parsed_emails() if e[1] == f"Outcome of your case review referral {reference}"]
    assert len(outcome) == 1 and "The safeguarding partners of" in outcome[0][2]
    assert "A local child safeguarding practice review will be held." in outcome[0][2]
    assert [a for _, a in audit(aws, reference)] == [
        "notification",
        "rapid_review",
        "sign_off",
        "sign_off",
        "decide",
        "panel_sent",
        "read_referral",
    ]
    if os.environ.get("WRITE_WALKTHROUGH") == "1":
        _write_walkthrough(steps)


def _write_walkthrough(steps):
    lines = [
        "# A 2023 case, from referral to decision",
        "",
        "Generated by `WRITE_WALKTHROUGH=1 .venv/bin/python -m pytest tests/test_casework_2023.py "
        "-k from_referral_to_decision`: "
        "each request the test made and the JSON the API returned (moto, the clock pinned to each date; "
        "the referral is the fictional sample of `tests/sample.py`).",
        "",
    ]
    for number, (title, method, path, groups, body, status, answer) in enumerate(steps, 1):
        who = f" as `{groups[0]}`" if groups else " (public)"
        lines += [f"## {number}. {title}", "", f"`{method} {path}`{who} → `{status}`", ""]
        if body is not None and groups is None:
            lines += ["The body is the fictional sample referral (`tests/data/referral.json`).", ""]
        elif body is not None:
            lines += ["```json", json.dumps(body, indent=2, ensure_ascii=False), "```", ""]
        if method == "GET":  # the referral's own fields are the sample's: show the case's workflow only
            answer = {k: v for k, v in answer.items() if k not in sample.REFERRAL}
        lines += ["```json", json.dumps(answer, indent=2, ensure_ascii=False), "```", ""]
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    with open(os.path.join(ROOT, "docs", "walkthrough-2023.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


# -- sign-off ----------------------------------------------------------------------------------------------


def test_a_three_way_sign_off_with_one_disagreement_decides_nothing_until_all_agree(client, aws, tokens):
    reference = rapid_reviewed(client, tokens)
    assert sign(client, tokens, reference, LA)[0] == 200
    assert sign(client, tokens, reference, HEALTH)[0] == 200
    status, case = sign(client, tokens, reference, POLICE, "national_review_suggested")
    assert status == 200 and case["status"] == "rapid_reviewed" and case["decision"] is None
    assert {s["partner"]: s["outcome"] for s in case["sign_offs"]} == {
        "partner_local_authority": "local_review",
        "partner_health": "local_review",
        "partner_police": "national_review_suggested",
    }
    assert "decision" not in item(aws, reference)
    # The police delegate is persuaded and signs again: the decision is made.
    status, case = sign(client, tokens, reference, POLICE)
    assert case["status"] == "decided" and case["decision"]["outcome"] == "local_review"
    assert [h["action"] for h in case["history"]][-2:] == ["sign_off", "decide"]
    stored = item(aws, reference)
    assert stored["decision"]["M"]["outcome"]["S"] == "local_review" and stored["status"]["S"] == "decided"


def test_a_delegate_signs_for_their_own_partner_only(client, aws, tokens):
    reference = rapid_reviewed(client, tokens)
    status, case = sign(client, tokens, reference, HEALTH)
    assert [s["partner"] for s in case["sign_offs"]] == ["partner_health"]
    assert sign(client, tokens, reference, LA + POLICE)[0] == 403  # which partner would it be?
    for outsider in (COORD, SUB, CHAIR, ("publishers",)):
        assert sign(client, tokens, reference, outsider)[0] == 403
    assert len(item(aws, reference)["sign_offs"]["M"]) == 1


def test_sign_off_needs_a_rapid_review_and_the_2023_regime(client, aws, tokens):
    received = new_case(client)
    status, problem = sign(client, tokens, received, LA)
    assert status == 409 and "received" in problem["detail"]
    legacy = new_case(client, tokens, "working_together_2015")
    status, problem = sign(client, tokens, legacy, LA)
    assert status == 409 and "chair decides" in problem["detail"]
    status, problem = call(
        client, "POST", f"/staff/referrals/{legacy}/rapid-review", tokens.bearer(COORD), RAPID_REVIEW
    )
    assert status == 409
    status, problem = call(
        client,
        "POST",
        f"/staff/referrals/{received}/recommendation",
        tokens.bearer(SUB),
        {"recommendation": "criteria_met", "rationale": "Met."},
    )
    assert status == 409 and "rapid review" in problem["detail"]


# -- the criteria guard, under both regimes ------------------------------------------------------------------


def test_no_local_review_where_the_criteria_are_met_needs_an_override_reason_flagged_to_the_panel(client, aws, tokens):
    reference = rapid_reviewed(client, tokens, criteria_met=True)
    before = item(aws, reference)["version"]["N"]
    status, problem = sign(client, tokens, reference, LA, "no_local_review")
    assert status == 422 and problem["errors"] == [
        {"pointer": "/override_reason", "message": "is required: the recorded criteria for a review are met"}
    ]
    assert item(aws, reference)["version"]["N"] == before and "sign_offs" not in item(aws, reference)
    reason = "Single-agency learning already under way; the Panel is told."
    for partner in (LA, HEALTH, POLICE):
        status, case = sign(client, tokens, reference, partner, "no_local_review", override_reason=reason)
        assert status == 200, case
    assert case["decision"]["outcome"] == "no_local_review" and case["decision"]["flagged_for_panel"] is True
    assert reason in case["decision"]["override_reason"]
    assert [c["name"] for c in case["clocks"]] == ["notification", "rapid_review"]  # no review clock runs
    # Where the criteria are not met, no override is needed, and one is refused.
    other = rapid_reviewed(client, tokens, criteria_met=False)
    assert sign(client, tokens, other, LA, "no_local_review")[0] == 200
    assert sign(client, tokens, other, HEALTH, "no_local_review", override_reason=reason)[0] == 422


def test_the_chairs_no_review_after_criteria_met_needs_an_override_reason_too(client, aws, tokens):
    reference = new_case(client, tokens, "working_together_2015")
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/recommendation",
            tokens.bearer(COORD),
            {"recommendation": "criteria_met", "rationale": "Both limbs met."},
        )[0]
        == 200
    )
    no_review = {"decision": "no_review", "rationale": "Learning is covered elsewhere."}
    status, problem = call(client, "POST", f"/staff/referrals/{reference}/decision", tokens.bearer(CHAIR), no_review)
    assert status == 422 and problem["errors"][0]["pointer"] == "/override_reason"
    assert item(aws, reference)["status"]["S"] == "recommended"
    status, decided = call(
        client,
        "POST",
        f"/staff/referrals/{reference}/decision",
        tokens.bearer(CHAIR),
        {**no_review, "override_reason": "A thematic review covers it."},
    )
    assert status == 200 and decided["decision"] == "no_review"
    stored = item(aws, reference)["decision"]["M"]
    assert stored["override_reason"]["S"] == "A thematic review covers it." and stored["flagged_for_panel"]["BOOL"]


# -- revisiting a decision ------------------------------------------------------------------------------------


def test_a_partners_decision_is_revisited_and_superseded_with_both_in_the_history(client, aws, tokens):
    reference = rapid_reviewed(client, tokens, criteria_met=False)
    for partner in (LA, HEALTH, POLICE):
        sign(client, tokens, reference, partner, "no_local_review")
    status, problem = sign(client, tokens, reference, LA, "local_review")
    assert status == 409 and '"revisit": true' in problem["detail"]
    assert sign(client, tokens, reference, LA, "local_review", revisit=True)[0] == 422  # no reason
    status, case = sign(
        client,
        tokens,
        reference,
        LA,
        "local_review",
        revisit=True,
        reason="The Panel disagreed: new information from health.",
    )
    assert status == 200 and case["decision"]["outcome"] == "no_local_review"  # stands until all three agree
    assert case["revisit"]["reason"].startswith("The Panel disagreed")
    sign(client, tokens, reference, HEALTH, "local_review")
    status, case = sign(client, tokens, reference, POLICE, "local_review")
    assert case["decision"]["outcome"] == "local_review" and "revisit" not in case
    (old,) = case["superseded_decisions"] if "superseded_decisions" in case else item_superseded(aws, reference)
    assert old["outcome"] == "no_local_review" and old["revisit_reason"].startswith("The Panel disagreed")
    assert [h["action"] for h in case["history"]].count("decide") == 1
    assert [h["action"] for h in case["history"]][-1] == "revisit_decision"


def item_superseded(aws, reference):
    from chalicelib.platform.items import plain

    return plain(item(aws, reference)["superseded_decisions"])


def test_the_chairs_decision_is_revisited_only_when_asked(client, aws, tokens):
    reference = new_case(client, tokens, "working_together_2015")
    call(
        client,
        "POST",
        f"/staff/referrals/{reference}/recommendation",
        tokens.bearer(SUB),
        {"recommendation": "criteria_not_met_learning_review", "rationale": "No death; learning."},
    )
    decide = {"decision": "multi_agency_case_review", "rationale": "Learning."}
    assert call(client, "POST", f"/staff/referrals/{reference}/decision", tokens.bearer(CHAIR), decide)[0] == 200
    assert call(client, "POST", f"/staff/referrals/{reference}/decision", tokens.bearer(CHAIR), decide)[0] == 409
    status, decided = call(
        client,
        "POST",
        f"/staff/referrals/{reference}/decision",
        tokens.bearer(CHAIR),
        {
            "decision": "serious_case_review",
            "rationale": "Inquest evidence.",
            "revisit": True,
            "reason": "The inquest found neglect.",
        },
    )
    assert status == 200 and decided["decision"] == "serious_case_review"
    (old,) = item_superseded(aws, reference)
    assert old["outcome"] == "multi_agency_case_review" and old["revisit_reason"] == "The inquest found neglect."
    status, case = call(client, "GET", f"/staff/referrals/{reference}", tokens.bearer(CHAIR))
    assert [h["action"] for h in case["history"]] == ["received", "recommend", "decide", "revisit_decision"]


# -- staff entry, links --------------------------------------------------------------------------------------


def test_staff_enter_a_case_and_link_referrals_about_one_incident(client, aws, tokens):
    status, entered = call(
        client,
        "POST",
        "/staff/referrals",
        tokens.bearer(COORD, username="casey.coordinator"),
        {**sample.referral(), "source": "notification"},
    )
    assert status == 201 and entered["regime"] == "working_together_2023" and entered["status"] == "received"
    stored = item(aws, entered["reference"])
    assert stored["source"]["S"] == "notification" and stored["regime"]["S"] == "working_together_2023"
    assert stored["email_committee_alert"]["S"] == "pending"
    assert audit(aws, entered["reference"]) == [("casey.coordinator", "enter_referral")]
    status, problem = call(
        client,
        "POST",
        "/staff/referrals",
        tokens.bearer(COORD),
        {**sample.referral(child__postcode=None), "source": "fax", "regime": "lscb_2006", "declaration": False},
    )
    assert status == 422
    assert {e["pointer"] for e in problem["errors"]} >= {"/source", "/regime", "/declaration"}
    assert (
        call(client, "POST", "/staff/referrals", tokens.bearer(SUB), {**sample.referral(), "source": "phone"})[0] == 403
    )

    web = new_case(client)
    status, linked = call(
        client, "POST", f"/staff/referrals/{web}/link", tokens.bearer(COORD), {"reference": entered["reference"]}
    )
    assert status == 200 and linked["linked"] == [entered["reference"]]
    status, other = call(client, "GET", f"/staff/referrals/{entered['reference']}", tokens.bearer(SUB))
    assert other["linked"] == [web] and other["history"][-1]["action"] == "link"
    assert call(
        client, "POST", f"/staff/referrals/{web}/link", tokens.bearer(COORD), {"reference": entered["reference"]}
    )[1]["linked"] == [entered["reference"]]  # once only
    assert call(client, "POST", f"/staff/referrals/{web}/link", tokens.bearer(COORD), {"reference": web})[0] == 422
    assert (
        call(client, "POST", f"/staff/referrals/{web}/link", tokens.bearer(COORD), {"reference": "ZZZZ-9999"})[0] == 422
    )


# -- proceedings, notices, the Panel, the review -------------------------------------------------------------


def test_proceedings_pause_the_clocks_and_notices_are_kept_with_history_and_audit(client, aws, tokens):
    reference = rapid_reviewed(client, tokens)
    path = f"/staff/referrals/{reference}"
    coordinator = tokens.bearer(COORD, username="casey.coordinator")
    status, trial = call(
        client,
        "POST",
        f"{path}/proceedings",
        coordinator,
        {
            "kind": "criminal_trial",
            "status": "active",
            "holds_publication": True,
            "pauses_review": True,
            "note": "Crown Court listing awaited.",
        },
    )
    assert status == 201 and trial["status"] == "active" and trial["started_on"] == clock.today().isoformat()
    status, case = call(client, "GET", path, coordinator)
    assert {c["status"] for c in case["clocks"] if c["status"] != "not_started"} == {"paused"}
    assert call(client, "POST", f"{path}/proceedings/nosuchid", coordinator, {"status": "concluded"})[0] == 404
    status, concluded = call(client, "POST", f"{path}/proceedings/{trial['id']}", coordinator, {"status": "concluded"})
    assert status == 200 and concluded["concluded_on"] == clock.today().isoformat()
    assert call(client, "POST", f"{path}/proceedings/{trial['id']}", coordinator, {"status": "active"})[0] == 409
    status, notice = call(
        client,
        "POST",
        f"{path}/notices",
        coordinator,
        {"to": "secretary_of_state", "purpose": "Final report before publication", "given_on": "2026-11-20"},
    )
    assert status == 201 and notice["to"] == "secretary_of_state"
    assert (
        call(client, "POST", f"{path}/notices", coordinator, {"to": "press", "purpose": "x", "given_on": "2026-11-20"})[
            0
        ]
        == 422
    )
    stored = item(aws, reference)
    (proceeding,) = stored["proceedings"]["L"]
    assert proceeding["M"]["status"]["S"] == "concluded" and proceeding["M"]["holds_publication"]["BOOL"] is True
    assert stored["notices"]["L"][0]["M"]["given_on"]["S"] == "2026-11-20"
    actions = [a for _, a in audit(aws, reference)]
    assert actions.count("proceeding_added") == actions.count("proceeding_updated") == 1
    assert "notice_given" in actions
    status, case = call(client, "GET", path, coordinator)
    assert [h["action"] for h in case["history"]][-3:] == ["proceeding_added", "proceeding_updated", "notice_given"]


def test_the_panel_and_the_review_to_completion(client, aws, tokens):
    reference = rapid_reviewed(client, tokens)
    path = f"/staff/referrals/{reference}"
    coordinator = tokens.bearer(COORD)
    assert call(client, "POST", f"{path}/review", coordinator, {"status": "in_progress"})[0] == 409  # not decided
    for partner in (LA, HEALTH, POLICE):
        sign(client, tokens, reference, partner)
    assert call(client, "POST", f"{path}/panel", coordinator, {"sent_on": "2026-11-20", "response": "agrees"})[0] == 422
    assert call(client, "POST", f"{path}/panel", coordinator, {"response": "agrees"})[0] == 422
    call(client, "POST", f"{path}/panel", coordinator, {"sent_on": clock.today().isoformat()})
    status, case = call(
        client, "POST", f"{path}/panel", coordinator, {"response": "agrees", "received_on": clock.today().isoformat()}
    )
    assert case["panel"] == {
        "sent_on": clock.today().isoformat(),
        "response": "agrees",
        "received_on": clock.today().isoformat(),
    }
    status, case = call(
        client,
        "POST",
        f"{path}/review",
        coordinator,
        {
            "reviewer": "Independent reviewer",
            "terms_of_reference_on": clock.today().isoformat(),
            "status": "in_progress",
        },
    )
    assert status == 200 and case["status"] == "in_progress" and case["review"]["reviewer"] == "Independent reviewer"
    assert call(client, "POST", f"{path}/review", coordinator, {"status": "completed"})[0] == 422
    status, case = call(
        client,
        "POST",
        f"{path}/review",
        coordinator,
        {"status": "completed", "completed_on": clock.today().isoformat()},
    )
    assert case["status"] == "completed" and case["review"]["terms_of_reference_on"] == clock.today().isoformat()
    review_clock = next(c for c in case["clocks"] if c["name"] == "review")
    assert review_clock["status"] == "met"
    stored = item(aws, reference)["review"]["M"]
    assert stored["status"]["S"] == "completed" and stored["completed_on"]["S"] == clock.today().isoformat()


# -- versions: concurrent changes never lose one ---------------------------------------------------------------


def test_a_change_made_from_a_stale_read_is_409_and_loses_nothing(client, aws, tokens):
    from chalicelib import errors, services
    from chalicelib.actors import Identity

    reference = rapid_reviewed(client, tokens)
    casework = services.casework()
    stale = casework._get(reference, consistent=True)
    assert sign(client, tokens, reference, LA)[0] == 200  # someone else's change lands first
    health = Identity("sub-h", "hana.health", frozenset(HEALTH), "access")
    with pytest.raises(errors.Conflict) as conflict:
        casework._change(
            health, "127.0.0.1", stale, "sign_off", sets={"sign_offs": {"partner_health": {"outcome": "local_review"}}}
        )
    assert conflict.value.slug == "stale-version"
    stored = item(aws, reference)
    assert list(stored["sign_offs"]["M"]) == ["partner_local_authority"] and stored["version"]["N"] == "3"
    assert [a for _, a in audit(aws, reference)].count("sign_off") == 1  # no audit entry for the lost write


def test_cases_overdue_across_the_board(client, aws, tokens):
    with clock.frozen("2026-10-05T10:00:00Z"):
        late = new_case(client)
    on_time = new_case(client)
    status, listing = call(client, "GET", "/staff/referrals?clock=overdue", tokens.bearer(COORD))
    assert status == 200 and [i["reference"] for i in listing["items"]] == [late]
    assert listing["items"][0]["clocks"][0]["name"] == "notification" and on_time
    assert call(client, "GET", "/staff/referrals?clock=late", tokens.bearer(COORD))[0] == 400


# -- version 1 documents, and the cases the previous release stored -----------------------------------------------


def test_a_version_1_referral_is_still_accepted_and_walks_the_2015_process_when_the_board_says_so(
    client, aws, tokens, monkeypatch
):
    from chalicelib.platform import settings as config

    with open(os.path.join(ROOT, "tests", "data", "referral.json"), encoding="utf-8") as handle:
        version_1 = json.load(handle)
    monkeypatch.setenv("TIMELINE_REGIME", "working_together_2015")
    config.reload()
    response = post_json(client, version_1)
    assert response.status_code == 201
    reference = json.loads(response.body)["reference"]
    assert item(aws, reference)["regime"]["S"] == "working_together_2015"
    run_stream(aws)
    ack = next(e for e in parsed_emails() if e[1] == f"Your case review referral {reference}")
    assert "The chair of the board decides, normally within one month" in ack[2]
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/recommendation",
            tokens.bearer(SUB),
            {"recommendation": "criteria_met", "rationale": "Met."},
        )[0]
        == 200
    )
    assert (
        call(
            client,
            "POST",
            f"/staff/referrals/{reference}/decision",
            tokens.bearer(CHAIR),
            {"decision": "serious_case_review", "rationale": "Agreed."},
        )[0]
        == 200
    )


def previous_release_items():
    """Cases exactly as the release before version 2 wrote them (referrals/store.py and casework/workflow.py)."""

    def base(reference, status, received_at="2026-09-14T10:00:00Z"):
        return {
            "reference": {"S": reference},
            "kind": {"S": "referral"},
            "status": {"S": status},
            "received_at": {"S": received_at},
            "review_requested": {"S": "serious_case_review"},
            "referrer_agency": {"S": "Peterborough Children's Services"},
            "decision_due": {"S": "2026-10-14"},
            "document": {"S": json.dumps(sample.REFERRAL, ensure_ascii=False)},
            "email_committee_alert": {"S": "sent"},
            "email_committee_alert_attempts": {"N": "1"},
            "email_referrer_ack": {"S": "sent"},
            "email_referrer_ack_attempts": {"N": "1"},
        }

    def entry(at, actor, action, detail=None):
        return {
            "M": {
                "at": {"S": at},
                "actor": {"S": actor},
                "action": {"S": action},
                **({"detail": {"S": detail}} if detail else {}),
            }
        }

    received = base("RCVD-2222", "received")
    received["notify_pending"] = {"S": "yes"}
    decided = base("DCDD-3333", "decided")
    decided.update(
        {
            "recommendation": {"S": "criteria_met"},
            "recommendation_rationale": {"S": "Met."},
            "recommended_at": {"S": "2026-09-20T10:00:00Z"},
            "recommended_by": {"S": "sam.sub"},
            "decision": {"S": "serious_case_review"},
            "decision_rationale": {"S": "Agreed."},
            "decided_at": {"S": "2026-09-30T23:30:00Z"},
            "decided_by": {"S": "chris.chair"},
            "review_due": {"S": "2027-03-30"},
            "email_decision_notice": {"S": "sent"},
            "history": {
                "L": [
                    entry("2026-09-20T10:00:00Z", "sam.sub", "recommend", "recommendation=criteria_met"),
                    entry("2026-09-30T23:30:00Z", "chris.chair", "decide", "decision=serious_case_review"),
                ]
            },
        }
    )
    completed = {
        **decided,
        **base("CMPL-4444", "completed"),
        "review_started_at": {"S": "2026-10-05T09:00:00Z"},
        "completed_at": {"S": "2027-02-01T12:00:00Z"},
    }
    completed.update({k: decided[k] for k in ("decision", "decided_at", "decided_by", "history")})
    return [received, decided, completed]


def test_the_migration_keeps_stored_cases_on_the_2015_process_and_runs_once(client, aws, tokens):
    from tools.migrate_regime import main, migrate

    db = boto3.client("dynamodb", region_name="eu-west-2")
    table = aws.physical["ReferralsTable"]
    for old in previous_release_items():
        db.put_item(TableName=table, Item=old)
    new = new_case(client)
    assert migrate(db, table) == {"migrated": 3, "unchanged": 1}
    assert migrate(db, table) == {"migrated": 0, "unchanged": 4}
    assert main(["--table", table, "--dry-run"]) == 0

    received, decided, completed = (item(aws, r) for r in ("RCVD-2222", "DCDD-3333", "CMPL-4444"))
    for migrated in (received, decided, completed):
        assert migrated["regime"]["S"] == "working_together_2015" and migrated["version"]["N"] == "1"
        assert migrated["linked"] == migrated["notices"] == migrated["proceedings"] == {"L": []}
    assert received["notify_pending"]["S"] == "yes" and "decision" not in received
    assert decided["decision"]["M"] == {
        "outcome": {"S": "serious_case_review"},
        "made_on": {"S": "2026-10-01"},  # 23:30 UTC on 30 September, in London
        "by": {"S": "chris.chair"},
        "flagged_for_panel": {"BOOL": False},
    }
    assert decided["review_due"]["S"] == "2027-03-30" and decided["history"] == previous_release_items()[1]["history"]
    assert completed["review"]["M"] == {"status": {"S": "completed"}, "completed_on": {"S": "2027-02-01"}}
    assert item(aws, new)["regime"]["S"] == "working_together_2023"

    # The legacy cases carry on under the 2015 process through the API.
    chair = tokens.bearer(CHAIR, username="chris.chair")
    status, case = call(client, "GET", "/staff/referrals/DCDD-3333", chair)
    assert case["regime"] == "working_together_2015" and case["decision"]["outcome"] == "serious_case_review"
    assert {c["name"]: c["status"] for c in case["clocks"]}["decision"] == "met"
    status, started = call(client, "POST", "/staff/referrals/DCDD-3333/progress", chair, {"status": "in_progress"})
    assert status == 200 and started["status"] == "in_progress" and started["version"] == 2
    assert call(client, "POST", "/staff/referrals/RCVD-2222/rapid-review", tokens.bearer(COORD), RAPID_REVIEW)[0] == 409
    assert (
        call(
            client,
            "POST",
            "/staff/referrals/RCVD-2222/recommendation",
            tokens.bearer(SUB),
            {"recommendation": "criteria_met", "rationale": "Met."},
        )[0]
        == 200
    )


def test_a_change_to_a_case_the_migration_has_not_reached_yet_is_kept(client, aws, tokens):
    from tools.migrate_regime import migrate

    db = boto3.client("dynamodb", region_name="eu-west-2")
    table = aws.physical["ReferralsTable"]
    db.put_item(TableName=table, Item=previous_release_items()[1])
    chair = tokens.bearer(CHAIR)
    assert call(client, "POST", "/staff/referrals/DCDD-3333/progress", chair, {"status": "in_progress"})[0] == 200
    assert migrate(db, table) == {"migrated": 1, "unchanged": 0}
    migrated = item(aws, "DCDD-3333")
    assert migrated["status"]["S"] == "in_progress" and migrated["version"]["N"] == "1"
    assert migrated["decision"]["M"]["outcome"]["S"] == "serious_case_review"
    assert migrated["review"]["M"]["status"]["S"] == "in_progress"


# -- roles: one table of who may call what ----------------------------------------------------------------------

V2_ROUTES = [
    ("/staff/referrals", {**sample.REFERRAL, "source": "phone"}, COORD),
    ("/staff/referrals/{ref}/link", {"reference": "ZZZZ-9999"}, COORD),
    ("/staff/referrals/{ref}/notification", {"became_aware_on": "2026-11-02"}, COORD),
    ("/staff/referrals/{ref}/rapid-review", RAPID_REVIEW, COORD + SUB),
    ("/staff/referrals/{ref}/sign-off", {"outcome": "local_review", "rationale": "Agreed."}, LA + HEALTH + POLICE),
    ("/staff/referrals/{ref}/panel", {"sent_on": "2026-11-02"}, COORD),
    ("/staff/referrals/{ref}/review", {"status": "in_progress"}, COORD),
    (
        "/staff/referrals/{ref}/proceedings",
        {"kind": "inquest", "status": "active", "holds_publication": False, "pauses_review": True},
        COORD,
    ),
    ("/staff/referrals/{ref}/proceedings/abc", {"status": "concluded"}, COORD),
    ("/staff/referrals/{ref}/notices", {"to": "panel", "purpose": "Notification", "given_on": "2026-11-02"}, COORD),
]
EVERY_GROUP = (
    "subcommittee",
    "chair",
    "publishers",
    "coordinator",
    "partner_local_authority",
    "partner_health",
    "partner_police",
)


@pytest.mark.parametrize("path,body,groups", V2_ROUTES, ids=[r[0] for r in V2_ROUTES])
def test_each_version_2_route_lets_in_its_groups_only_and_outsiders_change_nothing(
    client, aws, tokens, path, body, groups
):
    reference = new_case(client)
    before = item(aws, reference)
    target = path.format(ref=reference)
    assert call(client, "POST", target, {}, body)[0] == 401
    for outsider in [g for g in EVERY_GROUP if g not in groups]:
        assert call(client, "POST", target, tokens.bearer((outsider,)), body)[0] == 403, outsider
    assert item(aws, reference) == before and audit(aws, reference) == []
    for member in groups:  # in: whatever the case's state makes of it, never a 401 or 403
        assert call(client, "POST", target, tokens.bearer((member,)), body)[0] not in (401, 403), member


def test_a_change_sent_with_the_version_the_caller_saw_is_409_once_someone_else_has_changed_the_case(
    client, aws, tokens
):
    reference = rapid_reviewed(client, tokens)
    path = f"/staff/referrals/{reference}"
    response = client.http.get(path, headers=tokens.bearer(COORD))
    seen = response.headers["ETag"]
    assert seen == '"2"'
    notice = {"to": "panel", "purpose": "Notification", "given_on": clock.today().isoformat()}
    assert call(client, "POST", f"{path}/notices", {**tokens.bearer(COORD), "If-Match": seen}, notice)[0] == 201
    status, problem = call(client, "POST", f"{path}/notices", {**tokens.bearer(COORD), "If-Match": seen}, notice)
    assert status == 409 and "version 3, not 2" in problem["detail"]
    assert len(item(aws, reference)["notices"]["L"]) == 1
    assert call(client, "POST", f"{path}/notices", {**tokens.bearer(COORD), "If-Match": "x"}, notice)[0] == 400
